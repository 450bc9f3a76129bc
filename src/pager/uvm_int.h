/*
 * uvm_int.h: one simulated machine's VM state (struct uvm), its
 * statistics (struct uvmexp), and the pmap calls.
 *
 * UVM keeps this state in globals (uvm, uvmexp, uao_list).  uao keeps it
 * in an instance so that one process can run several simulated machines
 * (tests do), and passes the instance where UVM reached for a global:
 * uao_create(uvm, ...) and uao_swap_off(uvm, ...) take it first.
 *
 * Lock order for all of uao (the only one; every file that takes two
 * locks follows it):
 *
 *	swap ctl lock (sd_ctl_lock, swapon/swapoff)
 *	  -> object lock (vmobjlock)
 *	    -> uao_list_lock
 *	      -> page queues (pq_lock)
 *	        -> swap data lock (sd_lock)
 *	        -> pmap leaf locks (staging allocator, region table)
 *
 * The object lock comes before the list lock, as in the seed: the last
 * uao_detach holds its object and takes the list to leave it.  Where code
 * must go against the order it uses a trylock and backs off, as UVM does:
 * the pagedaemon (page queues, then a page's object), and everything that
 * walks the object list for its objects: uao_swap_off, uvm_check and
 * uvm_quiesce (list, then each object).
 *
 * The pager's three (object, list, page queues) carry ranks in this order
 * (enum uvm_lock_rank, lock_int.h): uvm_lock panics on a wait that goes
 * against it, so the tests check this legend on every path they run.
 *
 * Sleeps: a thread waits for a state on a condition variable, never by
 * polling, and sleeps on it with the lock that protects that state
 * (uvm_cond_wait; the waker changes the state and wakes under the same
 * lock, so no wakeup is lost):
 *
 *	uo_cv		object lock	a PG_WANTED page was unbusied or freed
 *	uo_refcv	object lock	a reference went while uo_refwaiters > 0
 *					(uao_wait_alone_locked: region discard
 *					and teardown vs. uao_swap_off's one)
 *	free_cv		pq_lock		frames were freed
 *	pd_cv		pq_lock		the pagedaemon is wanted
 *
 * Field protection:  I = immutable,  q = pq_lock,  L = uao_list_lock,
 *                    a = atomic (statistics).
 */
#ifndef UAO_PAGER_UVM_INT_H
#define UAO_PAGER_UVM_INT_H

#include <stdatomic.h>
#include <sys/queue.h>

#include "base/lock_int.h"
#include "pager/page_int.h"
#include "pager/param_int.h"
#include "pager/pmap_int.h"

struct swap_data;
struct uvm_aobj;
struct pdaemon;

/* latency histogram: bucket i counts [2^i, 2^(i+1)) nanoseconds */
#define UVM_HIST_BUCKETS 40

struct uvm_hist {
	atomic_uint_fast64_t h_count[UVM_HIST_BUCKETS];
	atomic_uint_fast64_t h_n;
	atomic_uint_fast64_t h_sum_ns;
	atomic_uint_fast64_t h_max_ns;
};

/* fault kinds, for counters and histograms */
enum uvm_fault_kind {
	FK_ZERO,   /* first touch: zero-filled */
	FK_SOFT,   /* resident, unmapped: mapped back without I/O */
	FK_SWAPIN, /* read from swap */
	FK_WP,	   /* write to a clean page: dirtied */
	FK_NKINDS
};

/*
 * uvmexp: the counters UVM exports (a)
 */
struct uvmexp {
	atomic_uint_fast64_t faults; /* faults served */
	atomic_uint_fast64_t fltkind[FK_NKINDS];
	atomic_uint_fast64_t fltstale;	  /* already resolved elsewhere */
	atomic_uint_fast64_t fltlost;	  /* mapping discarded by the program */
	atomic_uint_fast64_t fltahead;	  /* pages mapped by fault-ahead */
	atomic_uint_fast64_t fltwpredict; /* clean pages dirtied on a read */
	atomic_uint_fast64_t fltioerr;	  /* faults that hit a bad slot */
	atomic_uint_fast64_t fltnomem;	  /* faults that found no memory */
	atomic_uint_fast64_t pageins;	  /* pages read from swap */
	atomic_uint_fast64_t pgswapin_ra; /* of which read-ahead */
	atomic_uint_fast64_t pgswapin_rahit; /* read-ahead pages used */
	atomic_uint_fast64_t pageouts;	     /* pages written to swap */
	atomic_uint_fast64_t pgoutclean;     /* freed clean, no I/O */
	atomic_uint_fast64_t pgoutzero;	     /* freed without I/O: all zeros */
	atomic_uint_fast64_t pdwrerr;	     /* pageout write errors */
	atomic_uint_fast64_t pdpasses;	     /* pagedaemon passes */
	atomic_uint_fast64_t pddeact;	     /* pages deactivated */
	atomic_uint_fast64_t pdreact;	     /* pages reactivated */
	atomic_uint_fast64_t swapoffpgs;     /* pages paged in by swapoff */
	atomic_uint_fast64_t oomevents;	     /* times memory ran out */
	struct uvm_hist hist[FK_NKINDS];     /* fault latency by kind */
};

struct uvm {
	/* physical memory */
	int nframes;		/* I: the RAM limit, in pages */
	struct vm_page *pages;	/* I: the frames */
	struct pmap *pmap;	/* I: the machine */
	struct swap_data *swap; /* I: swap devices */

	/* page queues */
	struct uvm_lock pq_lock;
	TAILQ_HEAD(, vm_page) page_free;     /* q */
	TAILQ_HEAD(, vm_page) page_active;   /* q */
	TAILQ_HEAD(, vm_page) page_inactive; /* q */
	int free;			     /* q: frames on page_free */
	int active;			     /* q */
	int inactive;			     /* q */
	int freemin;			     /* q: pagedaemon wakes below */
	int freetarg;			     /* q: pagedaemon frees up to */
	int inactarg_pct;		     /* q: inactive target, % of all */
	pthread_cond_t free_cv;		     /* q: frames freed */
	int free_waiters;		     /* q: threads in uvm_wait */
	uint64_t oom_gen; /* q: bumped when memory runs out */

	/* objects */
	struct uvm_lock uao_list_lock;
	LIST_HEAD(, uvm_aobj) uao_list; /* L */

	struct pdaemon *pd; /* the pagedaemon (pdaemon.c) */

	struct uvmexp exp; /* a */
	/*
	 * In a forked child: pages it read from swap [0] and wrote to swap
	 * [1], added to a page the whole process tree shares, so that the
	 * program's report counts its children's paging (src/uffd/fork.c).
	 * NULL in the process that made the machine.
	 */
	atomic_uint_fast64_t *child_io; /* I (set in the child) */
};

#define UVM_STAT_INC(uvm, field)                                               \
	atomic_fetch_add_explicit(&(uvm)->exp.field, 1, memory_order_relaxed)
#define UVM_STAT_ADD(uvm, field, n)                                            \
	atomic_fetch_add_explicit(&(uvm)->exp.field, (n), memory_order_relaxed)

/*
 * uvm_create: a machine with `nframes' frames of RAM, driven by `pmap',
 * with a swap instance of its own (no devices yet).
 * => returns NULL if memory for the bookkeeping cannot be had.
 */
struct uvm *uvm_create(int nframes, struct pmap *pmap);

/*
 * uvm_destroy: free the machine.
 * => every aobj must have been detached, and the pagedaemon stopped.
 */
void uvm_destroy(struct uvm *uvm);

/*
 * uvm_quiesce: hold the machine still for fork(2): swap_quiesce (no
 * swapon or swapoff), every object lock, the object list, the page queues
 * and swap_freeze (no slot or swap counter changes), in the lock order
 * (object locks by trylock and retry, as the list lock comes after them).
 * The swap layer's locks are its own: taken through its API, never by
 * name.
 * => nothing locked on entry; all of the above locked on return.
 * => pages may still be busy with I/O in flight: their bytes are then in
 *    their swap slot (pagein) or in the staging area (pageout).
 */
void uvm_quiesce(struct uvm *uvm);

/*
 * uvm_quiesce_busy_locked: is a page busy, or a uao_put marker on an
 * object's page list?  Then something is half done: swap I/O in flight,
 * a page in a bounce buffer, a thread between two steps of a page's
 * change.  fork(2) waits for a moment when nothing is, so that a forked
 * child, where the threads doing that work do not exist, starts from a
 * state it can run.
 * => everything uvm_quiesce takes is held.
 */
bool uvm_quiesce_busy_locked(struct uvm *uvm);

/*
 * uvm_fork_child: make a forked child's copy of the machine runnable
 * again by this process's threads: the condition variables (whose
 * waiters were the parent's threads) are new, nobody waits for memory,
 * and the pagedaemon is not running.
 * => called by the only thread of a forked child, after uvm_unquiesce,
 *    the machine having been quiesced with no page busy at the fork.
 * => returns whether the parent's pagedaemon was running (the caller
 *    starts the child's).
 */
bool uvm_fork_child(struct uvm *uvm);

/*
 * uvm_unquiesce: release what uvm_quiesce took.  In the parent after
 * fork, or in the child (the same thread's locks, copied).
 */
void uvm_unquiesce(struct uvm *uvm);

/* uvm_hist_add: account one fault of `kind' that took ns nanoseconds */
void uvm_hist_add(struct uvm_hist *h, uint64_t ns);

/* the pmap of the page's object's machine */
static inline struct pmap *
uvm_page_pmap(struct vm_page *pg)
{
	return pg->uobject->uo_uvm->pmap;
}

/*
 * pmap calls (see pmap_int.h for the contracts)
 * => the page's object is locked.
 */
static inline void
pmap_zero_page(struct vm_page *pg)
{
	struct pmap *pm = uvm_page_pmap(pg);

	pm->pm_ops->pmo_zero_page(pm, pg);
}

static inline int
pmap_enter(struct vm_page *pg, vm_prot_t prot, int flags)
{
	struct pmap *pm = uvm_page_pmap(pg);

	return pm->pm_ops->pmo_enter(pm, pg, prot, flags);
}

static inline void
pmap_page_protect(struct vm_page *pg, vm_prot_t prot)
{
	struct pmap *pm = uvm_page_pmap(pg);

	pm->pm_ops->pmo_page_protect(pm, pg, prot);
}

static inline void
pmap_clear_reference(struct vm_page *pg)
{
	struct pmap *pm = uvm_page_pmap(pg);

	pm->pm_ops->pmo_clear_reference(pm, pg);
}

static inline void
pmap_page_remove(struct vm_page *pg)
{
	struct pmap *pm = uvm_page_pmap(pg);

	pm->pm_ops->pmo_page_remove(pm, pg);
}

static inline void
pmap_update(struct pmap *pm)
{
	pm->pm_ops->pmo_update(pm);
}

static inline bool
pmap_is_mapped(struct vm_page *pg)
{
	return pg->mdpage.md_where == MD_MAPPED;
}

#endif /* UAO_PAGER_UVM_INT_H */
