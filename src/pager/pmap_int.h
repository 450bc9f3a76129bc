/*
 * pmap_int.h: the machine-dependent interface the pager calls.
 *
 * UVM splits the VM into machine-independent code and a pmap that edits
 * real page tables.  uao keeps the split: the pager never issues a
 * userfaultfd ioctl, it calls these operations, and two machines
 * implement them:
 *
 *   pmap_mem   (src/pager/pmap_mem.c)   frames are plain memory and a
 *              mapping is a software page table; unit tests drive the
 *              whole pager through it, deterministically;
 *   pmap_uffd  (src/uffd/pmap_uffd.c)   frames are a staging area and a
 *              mapping is a real region served through userfaultfd
 *              (with pmap_run.c, stage.c and ioc.c beside it).
 *
 * A page's bytes are in exactly one place at a time (md_where):
 *
 *   MD_NONE    nowhere yet: a freshly allocated page (PG_FAKE);
 *   MD_ZERO    nowhere, but they are all zeros (uvm_pagezero);
 *   MD_STAGED  in the machine's frame memory, not mapped;
 *   MD_BOUNCE  in an I/O buffer just read from swap; only while the page
 *              is busy; pmap_enter or pmap_page_settle moves them on;
 *   MD_MAPPED  in the object's mapping, where the program reads and
 *              writes them directly.
 *
 * A page that is PG_CLEAN is never mapped writable: the first write
 * faults (a write-protect fault), and the fault routine then dirties the
 * page.  That is how uao emulates the modified bit (pmap_is_modified).
 *
 * Every operation here is called with the page's object locked.  A
 * machine may defer work until pmap_update, which must be called before
 * the object lock is released.
 */
#ifndef UAO_PAGER_PMAP_INT_H
#define UAO_PAGER_PMAP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pager/param_int.h"

struct vm_page;
struct uvm_object;

#define MD_NONE	  0
#define MD_ZERO	  1
#define MD_STAGED 2
#define MD_BOUNCE 3
#define MD_MAPPED 4

struct vm_page_md {
	uint8_t md_where;   /* MD_* */
	uint8_t md_wprot;   /* MD_MAPPED: mapped write-protected */
	uint8_t md_pending; /* machine: an operation awaits pmap_update */
	uint8_t md_stale;   /* machine: staging slot holds old bytes */
	/*
	 * MD_MAPPED, set at a fork (src/uffd/fork.c): the page was mapped
	 * then, so the kernel may hold it shared with the other process, or
	 * still not this process's own after the other one dropped it.
	 */
	uint8_t md_forked;
	int32_t md_stage; /* machine: staging slot, or -1 */
	void *md_iobuf;	  /* MD_BOUNCE: the buffer */
};

/* pmap_enter flags */
#define PMAP_WAKE 0x1 /* a thread waits on this page: wake it */
#define PMAP_WRITING                                                           \
	0x2 /* the access writes: an all-zero page needs a
			    private frame, not the shared zero page */

struct pmap;

struct pmap_ops {
	/* make pg read as zeros (MD_ZERO) */
	void (*pmo_zero_page)(struct pmap *, struct vm_page *);
	/*
	 * map pg at its object's address.  prot VM_PROT_READ: mapped
	 * write-protected; VM_PROT_READ|WRITE: writable (never for a
	 * PG_CLEAN page).  Returns 0, or -ENOENT if the object has no
	 * mapping any more.
	 */
	int (*pmo_enter)(struct pmap *, struct vm_page *, vm_prot_t, int);
	/*
	 * VM_PROT_NONE: unmap pg, keeping its bytes (MD_STAGED).
	 * VM_PROT_READ: write-protect it where mapped.
	 */
	void (*pmo_page_protect)(struct pmap *, struct vm_page *, vm_prot_t);
	/*
	 * take pg out of the mapping so that the next access is a soft
	 * fault; its bytes stay resident.  May be deferred to pmap_update.
	 */
	void (*pmo_clear_reference)(struct pmap *, struct vm_page *);
	/* pg is about to be freed: drop its mapping, bytes discarded */
	void (*pmo_page_remove)(struct pmap *, struct vm_page *);
	/* finish deferred operations */
	void (*pmo_update)(struct pmap *);
	/*
	 * a fault was reported on pg although the pager has it mapped with
	 * the access allowed.  Returns 0 if the mapping is intact (the
	 * fault was stale: the faulting thread is woken), or -ENOENT if the
	 * program discarded it behind the pager's back: pg is then mapped
	 * as zeros, writable, and the caller must treat it as rewritten.
	 */
	int (*pmo_refault)(struct pmap *, struct vm_page *, vm_prot_t);
	/*
	 * give n busy pages (of one object, ascending offsets) buffers to
	 * read into: bufs[i] receives a page-aligned address.  The pages
	 * become MD_BOUNCE.
	 */
	void (*pmo_pagein_bufs)(struct pmap *, struct vm_page **, int, void **);
	/* the address to write an unmapped page out from */
	void *(*pmo_pageout_buf)(struct pmap *, struct vm_page *);
	/*
	 * are all of pg's bytes zero?  => pg unmapped (its bytes cannot
	 * change: the object is locked); reads at most one page, and
	 * usually one word.
	 */
	bool (*pmo_page_is_zero)(struct pmap *, struct vm_page *);
	/* MD_BOUNCE -> MD_STAGED (the page stays resident, unmapped) */
	void (*pmo_page_settle)(struct pmap *, struct vm_page *);
	/* pg is being freed: release its frame memory */
	void (*pmo_page_free)(struct pmap *, struct vm_page *);
	/* make every access to (uobj, pageidx) raise SIGBUS */
	void (*pmo_poison)(struct pmap *, struct uvm_object *, int);
	/* background upkeep: release stale frame memory in batches */
	void (*pmo_reclaim)(struct pmap *);
	/*
	 * how many pages from pageidx on the object's mapping still covers
	 * without a gap (0: pageidx itself is unmapped).  The program may
	 * have unmapped part of the object's range, and the address there
	 * may already belong to another mapping: fault-ahead and read-ahead
	 * must not map pages into it.  NULL: the whole object is mapped.
	 * => object locked
	 */
	int (*pmo_mapped_run)(struct pmap *, struct uvm_object *, int pageidx);
};

struct pmap {
	const struct pmap_ops *pm_ops;
};

/* pmap_bytes_zero: is the page at p all zeros?  (stops at the first word
 * that is not) */
static inline bool
pmap_bytes_zero(const void *p)
{
	const uint64_t *w = p;

	for (size_t i = 0; i < PAGE_SIZE / sizeof(*w); i++)
		if (w[i] != 0)
			return false;
	return true;
}

/*
 * uvm_pmap_page_lost: the machine found that the program discarded a
 * mapped page (its bytes are now zeros) while completing a deferred
 * operation.  Implemented by the pager (fault.c).
 * => object locked.  The page becomes MD_ZERO, dirty, and loses its slot.
 */
void uvm_pmap_page_lost(struct vm_page *pg);

#endif /* UAO_PAGER_PMAP_INT_H */
