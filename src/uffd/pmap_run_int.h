/*
 * pmap_run_int.h: inside the userfaultfd pmap, shared by its two halves:
 * pmap_run.c (the per-thread queue of operations on mappings, issued in
 * runs, and the judging of a move-out the kernel reported short) and
 * pmap_uffd.c (the pmap operations table, which queues them).
 *
 * Lock order (the machine's own locks are leaves): object lock(s) held
 * by the queuing thread, then the staging allocator's st_lock, taken and
 * dropped inside stage_*.  The per-thread queue needs no lock.
 */
#ifndef UAO_UFFD_PMAP_RUN_INT_H
#define UAO_UFFD_PMAP_RUN_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdnoreturn.h>

#include "pager/pmap_int.h"
#include "pager/uvm_int.h"
#include "uffd/ioc_int.h"
#include "uffd/pmap_uffd_int.h"
#include "uffd/stage_int.h"

/* the longest run one ioctl carries, in pages */
#define PMAP_RUN_MAX 64
/* operations queued per thread before a forced flush */
#define PMAP_QUEUE_MAX 256

/*
 * Field protection:  I = immutable after create,  a = atomic,
 *                    s = inside pu_stage (its own st_lock)
 */
struct pmap_uffd {
	struct pmap pu_pmap;	    /* first */
	int pu_fd;		    /* I: the userfaultfd */
	char *pu_zero;		    /* I: PMAP_RUN_MAX zero pages */
	int pu_pagemap;		    /* I: /proc/self/pagemap, or -1 */
	struct pmap_stage pu_stage; /* s: the staging area */
	struct ioc_stats pu_ioc;    /* a: ioctl counters */
	atomic_uint_fast64_t pu_ndontneed, pu_nbusy, pu_nlost; /* a */
	atomic_uint_fast64_t pu_nshared, pu_nundercount;       /* a */
	atomic_uint_fast64_t pu_nrdonly; /* a: copied out (read-only map) */
};

enum pmap_opkind {
	OP_ENTER,   /* map a page into its region */
	OP_MOVEOUT, /* move a mapped page into a staging slot */
	OP_DISCARD, /* drop a mapped page, bytes and all */
};

enum pmap_src {
	SRC_ZEROPAGE,  /* UFFDIO_ZEROPAGE */
	SRC_ZEROCOPY,  /* copy from pu_zero */
	SRC_BOUNCE,    /* copy from the thread's bounce buffer */
	SRC_STAGE,     /* copy from a staging slot */
	SRC_UNPROTECT, /* mapped already: remove write protection */
	SRC_PROTECT,   /* mapped already: write-protect */
};

struct pmap_op {
	uint8_t po_kind;
	uint8_t po_src;
	bool po_wp;	       /* ENTER: map write-protected */
	struct vm_page *po_pg; /* NULL once the page was freed */
	char *po_addr;	       /* region address */
	char *po_from;	       /* ENTER: source address */
	int po_stage;	       /* ENTER from SRC_STAGE: slot to release */
};

/* one thread's machine state: owned by that thread alone */
struct pmap_thread {
	char *pt_bounce;	   /* UVM_IO_MAXPAGES pages, not registered */
	int pt_bounce_busy;	   /* pages of it holding data */
	struct pmap_uffd *pt_pmap; /* whose operations are queued */
	int pt_nops;
	struct pmap_op pt_ops[PMAP_QUEUE_MAX];
};

/*
 * The calling thread's state, or NULL before its first operation.
 * initial-exec: never through the DTV (malloc'd: region memory).
 */
extern __thread struct pmap_thread *pmap_self
    __attribute__((tls_model("initial-exec")));

static inline struct pmap_uffd *
to_uffd(struct pmap *pm)
{
	return (struct pmap_uffd *)pm;
}

/* page_addr: where a page of a mapped object lives in its region */
static inline char *
page_addr(struct vm_page *pg)
{
	struct pmap_uffd_view *pv = pg->uobject->uo_mapping;

	return pv->pv_base + pg->offset;
}

/*
 * pmap_thread: the calling thread's state, made on first use in
 * anonymous mappings of its own (never the heap: under `uao run' the
 * heap is region memory).  Panics if it cannot map them.
 */
struct pmap_thread *pmap_thread(void);

/*
 * pmap_queue: queue op on the calling thread's queue (flushing first a
 * queue of another machine, or a full one).  Marks op's page pending.
 * => the object of op's page locked by the caller until pmap_flush.
 */
void pmap_queue(struct pmap_uffd *pu, const struct pmap_op *op);

/*
 * pmap_flush: issue the queued operations, in order, in runs; every
 * page ends mapped, staged, or (discarded by the program) lost.
 * => the objects the operations concern are locked by this thread.
 */
void pmap_flush(struct pmap_uffd *pu, struct pmap_thread *pt);

/* pagemap_entry: /proc/self/pagemap's entry for addr.  => false when it
 * cannot tell */
bool pagemap_entry(struct pmap_uffd *pu, const char *addr, uint64_t *entp);

/*
 * stage_slot_not_empty: stop the program over a staging slot the machine
 * cannot account for (with the ioctl, errno and raw pagemap entries).
 * => the object of `pg' locked.  Does not return.
 */
noreturn void stage_slot_not_empty(struct vm_page *pg, int slot,
    const char *ioctl_name, int err, uint64_t srcent, uint64_t dstent);

#endif /* UAO_UFFD_PMAP_RUN_INT_H */
