/*
 * stage_int.h: the staging area and its slot allocator.
 *
 * The staging area is a second registered mapping, one slot (page) per
 * frame of the machine, where a page lives while it is resident but not
 * mapped in its region (MD_STAGED): moved out by UFFDIO_MOVE, or copied
 * in from a swap read.  A slot is
 *   free and a hole     (nothing mapped: ready for MOVE or COPY),
 *   used                (holds, or is about to hold, a page's bytes),
 *   free and stale      (given back with its memory still populated:
 *                        released with MADV_DONTNEED in batches, or
 *                        before it is handed out again).
 * Stale slots are resident memory that is uao's own: stage_release keeps
 * them at or below st_stale_max, a sixteenth of the slots (at least 128).
 * No uao thread loads or stores to the area: a slot's bytes are read by
 * the kernel only (UFFDIO_COPY from it, O_DIRECT writes from it).
 *
 * Locks: st_lock (a leaf) protects the bitmaps and counters.
 */
#ifndef UAO_UFFD_STAGE_INT_H
#define UAO_UFFD_STAGE_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/lock_int.h"
#include "pager/param_int.h"

/*
 * Field protection:  I = immutable after stage_init,  l = st_lock,
 *                    a = atomic
 */
struct pmap_stage {
	char *st_base;		      /* I: the area */
	int st_nslots;		      /* I: slots (pages) in it */
	struct uvm_lock st_lock;      /* leaf */
	uint64_t *st_used;	      /* l: slot holds a page's bytes */
	uint64_t *st_stale;	      /* l: free, memory still populated */
	int st_hint;		      /* l: next-fit cursor */
	int st_nused;		      /* l */
	int st_nstale;		      /* l */
	int st_stale_max;	      /* I: most stale slots kept (stage.c) */
	int st_trim;		      /* l: where the next trim starts */
	atomic_uint_fast64_t st_nzap; /* a: madvise(MADV_DONTNEED) calls */
};

/* stage_addr: the address of slot `slot' */
static inline char *
stage_addr(struct pmap_stage *st, int slot)
{
	return st->st_base + (size_t)slot * PAGE_SIZE;
}

/*
 * stage_init: map `nslots' slots and register them with userfaultfd fd
 * for missing and write-protect faults, as a region is registered
 * (UFFDIO_MOVE refuses areas that differ).
 * => returns 0 or -errno.
 */
int stage_init(struct pmap_stage *st, int fd, int nslots);

/* stage_fini: unmap the area.  => no slot is used. */
void stage_fini(struct pmap_stage *st);

/*
 * stage_alloc: reserve up to `want' contiguous free slots.
 * => returns the first slot and sets *gotp (1..want), or -1 if none is
 *    free.
 * => the slots come back as holes (stale ones are released first),
 *    ready to be the destination of UFFDIO_MOVE or UFFDIO_COPY.
 * => takes st_lock.
 */
int stage_alloc(struct pmap_stage *st, int want, int *gotp);

/*
 * stage_release: give slots [first, first+n) back.  populated: their
 * memory still holds bytes (stale until released by stage_reclaim or a
 * later stage_alloc); else they are holes.
 * => the slots are used.  Takes st_lock.
 * => past st_stale_max stale slots, zaps a batch of them (MADV_DONTNEED
 *    under st_lock), so that stale slots never exceed st_stale_max.
 */
void stage_release(struct pmap_stage *st, int first, int n, bool populated);

/*
 * stage_reclaim: release the memory of every stale slot, in runs.
 * => takes st_lock.
 */
void stage_reclaim(struct pmap_stage *st);

/* stage_owns: is addr inside the area? */
bool stage_owns(struct pmap_stage *st, const void *addr);

/* stage_counts: slots used and stale now.  => takes st_lock. */
void stage_counts(struct pmap_stage *st, int *nusedp, int *nstalep);

#endif /* UAO_UFFD_STAGE_INT_H */
