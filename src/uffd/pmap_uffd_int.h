/*
 * pmap_uffd_int.h: the pmap of the real machine: userfaultfd.
 *
 * Where a page's bytes live (see pmap_int.h for the MD_* states):
 *
 *   MD_MAPPED  in the object's region, a real private anonymous mapping
 *              registered with the userfaultfd for missing and
 *              write-protect faults.  A clean page is mapped
 *              write-protected (UFFDIO_COPY_MODE_WP), so its first write
 *              is a write-protect fault: the modified bit.
 *   MD_STAGED  in a slot of the staging area, a second registered mapping
 *              as large as the RAM limit.  A page leaves its region by
 *              UFFDIO_MOVE into a staging slot: the move is atomic, so a
 *              write racing with the eviction either lands before it (and
 *              moves with the page) or faults after it.  No write is lost,
 *              as one would be between a copy and MADV_DONTNEED.
 *              Where the kernel will not move a page (a read-only or
 *              executable mapping, a page a forked child shares), it is
 *              write-protected first, then copied and dropped: a write
 *              then waits in a write-protect fault (pmap_evict_copy).
 *   MD_BOUNCE  in the calling thread's bounce buffer, just read from swap
 *              with O_DIRECT; UFFDIO_COPY then maps it (or stages it).
 *   MD_ZERO    nowhere: UFFDIO_ZEROPAGE (read) or a copy from a static zero
 *              buffer (write) maps it.
 *
 * No uao thread ever loads or stores to a region or to the staging area:
 * bytes move only by ioctl (COPY, MOVE, ZEROPAGE) and by the kernel's
 * O_DIRECT writes from present staging pages.  A thread that touched a
 * registered page that is not present would wait for a fault that only
 * it could serve.
 *
 * Operations on mappings are queued per thread and issued by pmap_update
 * (which uvm_obj_unlock calls) in runs: one ioctl moves or maps a whole
 * contiguous run, which is where userfaultfd is cheap (DESIGN.md 7).
 *
 * Locks: the staging allocator's st_lock (a leaf, stage_int.h).  The
 * per-thread queue needs none.  Every queued operation concerns an
 * object the queuing thread holds locked, until pmap_update.
 *
 * Files: ioc.c (the ioctls and their retry loops, shared with fork.c),
 * stage.c (the staging area's allocator), pmap_run.c (the per-thread
 * queue, its runs, move-out judging), pmap_uffd.c (the operations).
 */
#ifndef UAO_UFFD_PMAP_UFFD_INT_H
#define UAO_UFFD_PMAP_UFFD_INT_H

#include <stdint.h>

#include "pager/param_int.h"

struct pmap;
struct uvm_object;

/*
 * pmap_uffd_view: how the machine sees one mapped object.  The region
 * layer embeds it and points uobj->uo_mapping at it.
 */
struct pmap_uffd_view {
	char *pv_base; /* o: address of page 0 in the region */
	int pv_npages; /* I */
};

/*
 * region_view_run: pages from pageidx on that the region owning view pv
 * still maps without a gap (region.c: the region table's spans).
 * => takes the region table's lock (a leaf): any other may be held.
 */
int region_view_run(struct pmap_uffd_view *pv, int pageidx);

/* pmap_uffd counters, for statistics */
struct pmap_uffd_stats {
	uint64_t ps_copy;     /* UFFDIO_COPY calls */
	uint64_t ps_zeropage; /* UFFDIO_ZEROPAGE calls */
	uint64_t ps_move;     /* UFFDIO_MOVE calls */
	uint64_t ps_wp;	      /* UFFDIO_WRITEPROTECT calls */
	uint64_t ps_dontneed; /* madvise(MADV_DONTNEED) calls */
	uint64_t ps_pages_moved;
	uint64_t ps_eagain;	   /* retries after EAGAIN */
	uint64_t ps_busy;	   /* pages the kernel would not move (EBUSY) */
	uint64_t ps_lost;	   /* pages found discarded (ENOENT) */
	uint64_t ps_undercount;	   /* pages moved past a failed move's count */
	uint64_t ps_copied_shared; /* taken out by copy: shared with a child */
	uint64_t ps_copied_rdonly; /* taken out by copy: read-only mapping */
	int ps_staged;		   /* staging slots holding a page */
	int ps_stale;		   /* staging slots waiting to be released */
};

/*
 * pmap_uffd_create: a machine on userfaultfd `fd' with nframes frames.
 * => maps and registers the staging area (nframes pages).
 * => returns NULL with errno set.
 */
struct pmap *pmap_uffd_create(int fd, int nframes);

/*
 * pmap_uffd_destroy: unmap the staging area.  => every page is free.
 */
void pmap_uffd_destroy(struct pmap *pm);

/* pmap_uffd_stage_owns: is addr inside the staging area? */
bool pmap_uffd_stage_owns(struct pmap *pm, const void *addr);

/* pmap_uffd_get_stats: copy the counters */
void pmap_uffd_get_stats(struct pmap *pm, struct pmap_uffd_stats *st);

/*
 * pmap_uffd_wake: wake threads waiting on faults at [addr, addr+len).
 * => for faults the pager will not resolve (no region there any more).
 */
void pmap_uffd_wake(struct pmap *pm, void *addr, size_t len);

/*
 * pmap_uffd_lock / pmap_uffd_unlock: hold the staging allocator still
 * (around fork(2), with the machine quiesced).
 */
void pmap_uffd_lock(struct pmap *pm);
void pmap_uffd_unlock(struct pmap *pm);

/* pmap_uffd_stage_addr: the address of a staging slot */
char *pmap_uffd_stage_addr(struct pmap *pm, int slot);

/*
 * pmap_uffd_fork_child: in a forked child, put the machine on the
 * child's own userfaultfd `fd': the staging area is registered with it
 * (as pmap_uffd_create registers it), and /proc/self/pagemap is opened
 * again (the inherited descriptor reads the parent's page tables).
 * => the only thread of a forked child.  Returns 0 or -errno.
 */
int pmap_uffd_fork_child(struct pmap *pm, int fd);

/*
 * pmap_uffd_thread_release: free the calling thread's bounce buffer and
 * queue (also done automatically when the thread exits).
 */
void pmap_uffd_thread_release(void);

#endif /* UAO_UFFD_PMAP_UFFD_INT_H */
