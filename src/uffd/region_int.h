/*
 * region_int.h: regions (an aobj with a real mapping) and the table
 * that maps a faulting address to its region.
 *
 * The table is a sorted array of spans [start, end) -> region.  A region
 * usually has one span; a partial munmap by the program splits it.
 * Fault-handler threads look addresses up under the read lock and take
 * a reference (r_refs) that keeps the region alive while they work on
 * it; teardown removes the spans, then waits for the references to
 * drain.
 *
 * Lock order: table lock -> (released) -> object lock.  The table lock is
 * never held while an object lock is taken, except by region_remap,
 * which holds both to move a region atomically (table, then object).
 *
 * Field protection:  I = immutable,  T = table lock,  a = atomic,
 *                    o = the aobj's object lock,
 *                    F = set once by region_set_file, before the
 *                        region's address is handed to the program.
 */
#ifndef UAO_UFFD_REGION_INT_H
#define UAO_UFFD_REGION_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "uffd/pmap_uffd_int.h"

struct uao_sim;
struct uvm_object;

struct uao_region {
	struct pmap_uffd_view r_view;  /* o: uobj->uo_mapping points here */
	struct uao_sim *r_sim;	       /* I */
	struct uvm_object *r_obj;      /* I */
	size_t r_len;		       /* I: bytes */
	bool r_owned;		       /* I: we mmap'd it (we munmap it) */
	atomic_int r_refs;	       /* a: handlers working on it */
	int r_nspans;		       /* T: table spans pointing here */
	int r_fd;		       /* F: file it copies, or -1 */
	off_t r_foff;		       /* F: file offset of its first byte */
	LIST_ENTRY(uao_region) r_list; /* T: sim's regions */
};

struct region_span {
	char *rs_start;
	char *rs_end;
	struct uao_region *rs_region;
};

struct region_table {
	pthread_rwlock_t rt_lock;
	struct region_span *rt_spans;	    /* T: sorted, disjoint */
	int rt_n;			    /* T */
	int rt_cap;			    /* T */
	LIST_HEAD(, uao_region) rt_regions; /* T */
	int rt_nregions;		    /* T */
	size_t rt_bytes;		    /* T */
};

int region_table_init(struct region_table *rt);
void region_table_fini(struct region_table *rt);

/*
 * region_create: a region of len bytes.  At `addr' if the caller mapped
 * the memory already (private anonymous; it is then the caller's to
 * unmap), else in a new mapping of ours.
 * => nothing locked.  Returns 0 or -errno.
 */
int region_create(struct uao_sim *sim, void *addr, size_t len,
    struct uao_region **rp);

/*
 * region_set_file: the region holds a copy of a private file mapping:
 * fd (uao's own, guarded; the region closes it when it dies) from file
 * offset foff at its first byte.  MADV_DONTNEED then reads the file
 * again, as it would in the file mapping (region_refill).
 * => right after region_create, before the address reaches the program.
 */
void region_set_file(struct uao_region *r, int fd, off_t foff);

/*
 * region_destroy: free a whole region: pages, slots, registration, and
 * our mapping if we made it.
 * => nothing locked.  The region must not be used again.
 */
void region_destroy(struct uao_region *r);

/*
 * region_lookup: the region containing addr, with a reference, and the
 * page index of addr in it; NULL if none.
 * => called by fault handlers; allocates nothing.
 */
struct uao_region *
region_lookup(struct uao_sim *sim, const void *addr, int *pageidxp);

/* region_release: drop region_lookup's reference */
static inline void
region_release(struct uao_region *r)
{
	atomic_fetch_sub_explicit(&r->r_refs, 1, memory_order_release);
}

/*
 * region_discard: MADV_DONTNEED semantics on [addr, addr+len) of every
 * region it overlaps: pages and swap slots are freed, the range reads
 * as zeros, and poison markers are cleared.
 * => returns the number of bytes that were region memory.
 */
size_t region_discard(struct uao_sim *sim, void *addr, size_t len);

/*
 * region_refill: after region_discard, the parts of [addr, addr+len)
 * that copy a file read the file's bytes again (past its end: zeros).
 * => nothing locked; a program thread (the read faults in the pages).
 * => returns 0, or -errno of the first failed read.
 */
int region_refill(struct uao_sim *sim, void *addr, size_t len);

/* region_has_file: does [addr, addr+len) touch a region copying a file? */
bool region_has_file(struct uao_sim *sim, const void *addr, size_t len);

/*
 * region_pageout: write [addr, addr+len) of the regions it overlaps to
 * swap and free their frames (MADV_PAGEOUT semantics, done now).
 * => returns 0 or -ENOSPC.
 */
int region_pageout(struct uao_sim *sim, void *addr, size_t len,
    bool deactivate_only);

/*
 * region_unmap: the program unmaps [addr, addr+len): forget the pages of
 * every region it overlaps; a region left with no span is destroyed.
 * The caller then unmaps the memory itself.
 * => returns the number of bytes that were region memory.
 */
size_t region_unmap(struct uao_sim *sim, void *addr, size_t len);

/*
 * region_overlaps: does [addr, addr+len) touch any region?
 */
bool region_overlaps(struct uao_sim *sim, const void *addr, size_t len);

#endif /* UAO_UFFD_REGION_INT_H */
