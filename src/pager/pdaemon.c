/*
 * pdaemon.c: the pressure thread (see pdaemon_int.h).
 *
 * The counterpart of NetBSD's uvm_pdaemon.c: uvmpd_scan (balance the
 * queues) and uvmpd_scan_inactive (free clean pages, page dirty ones out
 * in swap clusters), run by a thread that sleeps on the page queues.
 *
 * Locks: the scan holds the page queues and wants an object lock, which
 * comes first in the lock order; it trylocks, and skips the page when
 * that fails, as UVM does.  Holding the object lock, it drops the page
 * queues to call the pager (uao_put, uvm_pageout_cluster).
 *
 * Field protection:  q = page queues,  t = the daemon thread only.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "base/kmem_int.h"
#include "swapdev/swap_int.h"
#include "pager/aobj_int.h"
#include "pager/pagerio_int.h"
#include "pager/pdaemon_int.h"
#include "pager/uvm_int.h"

/* pages deactivated per uao_put call: one aligned block of the object */
#define PD_DEACT_BLOCK 64
/* passes without progress, and the time they span, before declaring
 * memory exhausted */
#define PD_STALL_PASSES 3
#define PD_STALL_MS	100

void (*uvm_thread_hook)(void);

struct pdaemon {
	pthread_t pd_thread;  /* q */
	bool pd_running;      /* q */
	bool pd_stop;	      /* q */
	bool pd_wanted;	      /* q: a wakeup is pending */
	pthread_cond_t pd_cv; /* q: the daemon sleeps here */
	int pd_lastbusy;      /* q: busy pages the last pass skipped */
	int pd_stalls;	      /* t */
	struct timespec pd_stall_since; /* t */
};

/* what a scan of the inactive queue found */
struct pd_scan_result {
	int sr_freed;	/* frames freed */
	int sr_busy;	/* pages skipped: busy or object locked */
	int sr_nospace; /* dirty pages with no swap slot to go to */
};

int
uvm_pdaemon_init(struct uvm *uvm)
{
	struct pdaemon *pd = kmem_zalloc(1, sizeof(*pd));

	if (pd == NULL)
		return -ENOMEM;
	uvm_cond_init(&pd->pd_cv);
	uvm->pd = pd;
	return 0;
}

void
uvm_pdaemon_fini(struct uvm *uvm)
{
	KASSERT(!uvm->pd->pd_running);
	pthread_cond_destroy(&uvm->pd->pd_cv);
	kmem_free(uvm->pd);
	uvm->pd = NULL;
}

bool
uvm_pdaemon_fork_child(struct uvm *uvm)
{
	struct pdaemon *pd = uvm->pd;
	bool running = pd->pd_running && !pd->pd_stop;

	/* the thread was the parent's: this process has none yet */
	uvm_cond_init(&pd->pd_cv);
	pd->pd_running = false;
	pd->pd_stop = false;
	pd->pd_wanted = false;
	pd->pd_stalls = 0;
	pd->pd_lastbusy = 0;
	return running;
}

void
uvm_pdaemon_wakeup_locked(struct uvm *uvm)
{
	KASSERT(uvm_lock_held(&uvm->pq_lock));
	if (!uvm->pd->pd_wanted) {
		uvm->pd->pd_wanted = true;
		uvm_cond_signal(&uvm->pd->pd_cv, &uvm->pq_lock);
	}
}

bool
uvm_pdaemon_running_locked(struct uvm *uvm)
{
	KASSERT(uvm_lock_held(&uvm->pq_lock));
	return uvm->pd->pd_running && !uvm->pd->pd_stop;
}

/*
 * pd_balance: deactivate pages from the head of the active queue until
 * the inactive queue reaches its target, or holds enough pages to cover
 * the free shortage.
 * => nothing locked
 */
static void
pd_balance(struct uvm *uvm)
{
	struct vm_page *pg;
	int goal, tries;

	uvm_lock(&uvm->pq_lock);
	goal = (uvm->active + uvm->inactive) * uvm->inactarg_pct / 100;
	if (goal < uvm->freetarg - uvm->free)
		goal = uvm->freetarg - uvm->free;
	for (tries = uvm->active; tries > 0 && uvm->inactive < goal; tries--) {
		struct uvm_object *uobj;
		voff_t base;

		pg = TAILQ_FIRST(&uvm->page_active);
		if (pg == NULL)
			break;
		uobj = pg->uobject;
		/*
		 * Against the lock order: try, and rotate the page to the
		 * tail if its object is busy now.  Pages of no-swap objects
		 * could never leave, so they stay active.
		 */
		if ((((struct uvm_aobj *)uobj)->u_flags & UAO_FLAG_NOSWAP) ||
		    !uvm_trylock(&uobj->vmobjlock)) {
			TAILQ_REMOVE(&uvm->page_active, pg, pageq);
			TAILQ_INSERT_TAIL(&uvm->page_active, pg, pageq);
			continue;
		}
		base = pg->offset & ~((voff_t)PD_DEACT_BLOCK * PAGE_SIZE - 1);
		uvm_unlock(&uvm->pq_lock);
		/* object locked: uao_put deactivates the block and unlocks */
		uao_put(uobj, base, base + (voff_t)PD_DEACT_BLOCK * PAGE_SIZE,
		    PGO_DEACTIVATE);
		uvm_lock(&uvm->pq_lock);
	}
	uvm_unlock(&uvm->pq_lock);
}

/*
 * pd_is_zero: does the unmapped page pg hold only zeros?  Then there is
 * nothing to write: with its slot dropped, the next touch zero-fills it.
 * Besides pages never mapped (MD_ZERO), this finds pages the program
 * only read (mapped as the shared zero page) and pages it wrote zeros
 * to; the kernel's swap writes those (zram and zswap do not).
 * => object locked; pg unmapped
 */
static bool
pd_is_zero(struct vm_page *pg)
{
	struct pmap *pm = uvm_page_pmap(pg);

	return pm->pm_ops->pmo_page_is_zero != NULL &&
	    pm->pm_ops->pmo_page_is_zero(pm, pg);
}

/*
 * pd_is_candidate: may pg join a pageout cluster?
 * => object and page queues locked
 */
static bool
pd_is_candidate(struct vm_page *pg)
{
	return pg != NULL && (pg->pqflags & PQ_INACTIVE) != 0 &&
	    (pg->flags & (PG_BUSY | PG_CLEAN)) == 0 && !pmap_is_mapped(pg) &&
	    pg->mdpage.md_where != MD_ZERO && pg->wire_count == 0 &&
	    pg->loan_count == 0 && !pd_is_zero(pg);
}

/*
 * pd_pageout: page out pg and its inactive dirty neighbours.
 * => object and page queues locked on entry and on return; both are
 *    dropped around the write.
 * => returns frames freed.
 */
static int
pd_pageout(struct uvm *uvm, struct vm_page *pg, struct pd_scan_result *sr)
{
	struct uvm_object *uobj = pg->uobject;
	struct vm_page *cl[UVM_IO_MAXPAGES];
	int n = 0, first, freed = 0, idx = (int)(pg->offset >> PAGE_SHIFT);
	int npages = uao_npages(uobj);

	/* gather object neighbours, so that their slots are contiguous */
	for (first = idx; first > 0 && idx - first < UVM_IO_MAXPAGES / 2;
	     first--) {
		if (!pd_is_candidate(uvm_pagelookup(uobj,
			(voff_t)(first - 1) << PAGE_SHIFT)))
			break;
	}
	for (int i = first; i < npages && n < UVM_IO_MAXPAGES; i++) {
		struct vm_page *p =
		    uvm_pagelookup(uobj, (voff_t)i << PAGE_SHIFT);

		if (!pd_is_candidate(p))
			break;
		p->flags |= PG_BUSY;
		uvm_page_own(p, "pd_pageout");
		cl[n++] = p;
	}
	KASSERT(n > 0 && cl[idx - first] == pg);

	uvm_unlock(&uvm->pq_lock);
	uvm_pageout_cluster(uobj, cl, n);
	uvm_lock(&uvm->pq_lock);

	/* object and page queues locked */
	for (int i = 0; i < n; i++) {
		struct vm_page *p = cl[i];

		if ((p->flags & PG_CLEAN) != 0 && (p->flags & PG_WANTED) == 0 &&
		    (p->pqflags & PQ_INACTIVE) != 0) {
			uao_pageout_free(p);
			freed++;
			cl[i] = NULL;
		} else if ((p->flags & PG_CLEAN) == 0) {
			/* no slot could be had: try the page again later */
			sr->sr_nospace++;
			uvm_pageactivate(p);
			UVM_STAT_INC(uvm, pdreact);
		}
	}
	for (int i = 0; i < n; i++) {
		if (cl[i] != NULL)
			uvm_page_unbusy(cl[i]);
	}
	return freed;
}

/*
 * pd_requeue_busy: a page in use right now: look again next time round.
 * => page queues locked
 */
static void
pd_requeue_busy(struct uvm *uvm, struct vm_page *pg, struct pd_scan_result *sr)
{
	TAILQ_REMOVE(&uvm->page_inactive, pg, pageq);
	TAILQ_INSERT_TAIL(&uvm->page_inactive, pg, pageq);
	sr->sr_busy++;
}

/*
 * pd_scan_inactive: free frames from the head of the inactive queue up
 * to the high-water mark.
 * => nothing locked
 */
static void
pd_scan_inactive(struct uvm *uvm, struct pd_scan_result *sr)
{
	struct vm_page *pg;
	int budget;

	uvm_lock(&uvm->pq_lock);
	for (budget = uvm->inactive; budget > 0 && uvm->free < uvm->freetarg;
	     budget--) {
		struct uvm_object *uobj;
		int slot;

		pg = TAILQ_FIRST(&uvm->page_inactive);
		if (pg == NULL)
			break;
		uobj = pg->uobject;
		if (!uvm_trylock(&uobj->vmobjlock)) {
			pd_requeue_busy(uvm, pg, sr);
			continue;
		}
		if (pg->flags & PG_BUSY) {
			uvm_unlock(&uobj->vmobjlock);
			pd_requeue_busy(uvm, pg, sr);
			continue;
		}

		/* object and page queues locked */
		if (pmap_is_mapped(pg)) {
			/* touched since deactivation: second chance */
			uvm_pageactivate(pg);
			UVM_STAT_INC(uvm, pdreact);
			uvm_unlock(&uobj->vmobjlock);
			continue;
		}
		slot = uao_find_swslot(uobj, (int)(pg->offset >> PAGE_SHIFT));
		if ((pg->flags & PG_CLEAN) != 0 && slot > 0) {
			/* its swap copy is current: free it, no I/O */
			uao_pageout_free(pg);
			UVM_STAT_INC(uvm, pgoutclean);
			sr->sr_freed++;
		} else if (slot >= 0 && pg->wire_count == 0 &&
		    pg->loan_count == 0 &&
		    (pg->mdpage.md_where == MD_ZERO ||
			(((struct uvm_aobj *)uobj)->u_flags &
			    UAO_FLAG_NOSWAP) == 0) &&
		    pd_is_zero(pg)) {
			/*
			 * All zeros: zero-fill again.  Its slot (a stale copy)
			 * goes; a bad slot stays, and so does the page, whose
			 * next read would otherwise be an I/O error.  A no-swap
			 * object's pages stay resident once touched, as before.
			 */
			uao_dropswap(uobj, (int)(pg->offset >> PAGE_SHIFT));
			uvm_pagefree(pg);
			UVM_STAT_INC(uvm, pgoutzero);
			sr->sr_freed++;
		} else if (((struct uvm_aobj *)uobj)->u_flags &
		    UAO_FLAG_NOSWAP) {
			uvm_pageactivate(pg);
			sr->sr_nospace++;
		} else {
			sr->sr_freed += pd_pageout(uvm, pg, sr);
		}
		uvm_unlock(&uobj->vmobjlock);
	}
	uvm_unlock(&uvm->pq_lock);
}

int
uvm_pdaemon_pass(struct uvm *uvm)
{
	struct pd_scan_result sr = { 0, 0, 0 };

	UVM_STAT_INC(uvm, pdpasses);
	pd_balance(uvm);
	pd_scan_inactive(uvm, &sr);
	if (uvm->pmap->pm_ops->pmo_reclaim != NULL)
		uvm->pmap->pm_ops->pmo_reclaim(uvm->pmap);
	uvm_lock(&uvm->pq_lock);
	uvm->pd->pd_lastbusy = sr.sr_busy;
	uvm_unlock(&uvm->pq_lock);
	return sr.sr_freed;
}

static int64_t
pd_ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/*
 * pd_note_progress: decide, after a pass, whether memory ran out.
 * => page queues locked
 */
static void
pd_note_progress(struct uvm *uvm, int freed)
{
	struct pdaemon *pd = uvm->pd;

	/* busy pages are in I/O and will be freeable: not stuck yet */
	if (freed > 0 || uvm->free > 0 || uvm->free_waiters == 0 ||
	    pd->pd_lastbusy > 0) {
		pd->pd_stalls = 0;
		return;
	}
	if (pd->pd_stalls++ == 0)
		clock_gettime(CLOCK_MONOTONIC, &pd->pd_stall_since);
	if (pd->pd_stalls >= PD_STALL_PASSES &&
	    pd_ms_since(&pd->pd_stall_since) >= PD_STALL_MS) {
		/* nothing freed for a while, with threads waiting */
		uvm->oom_gen++;
		UVM_STAT_INC(uvm, oomevents);
		uvm_cond_broadcast(&uvm->free_cv, &uvm->pq_lock);
		pd->pd_stalls = 0;
	}
}

static bool
pd_needed_locked(struct uvm *uvm)
{
	return uvm->free < uvm->freemin || uvm->free_waiters > 0;
}

static void *
pd_thread_main(void *arg)
{
	struct uvm *uvm = arg;
	struct pdaemon *pd = uvm->pd;

	if (uvm_thread_hook != NULL)
		uvm_thread_hook();
	uvm_lock(&uvm->pq_lock);
	for (;;) {
		int freed;

		while (!pd->pd_stop && !pd->pd_wanted && !pd_needed_locked(uvm))
			uvm_cond_timedwait(&pd->pd_cv, &uvm->pq_lock, 1000);
		if (pd->pd_stop)
			break;
		pd->pd_wanted = false;
		uvm_unlock(&uvm->pq_lock);

		freed = uvm_pdaemon_pass(uvm);

		uvm_lock(&uvm->pq_lock);
		pd_note_progress(uvm, freed);
		if (freed == 0 && pd_needed_locked(uvm) && !pd->pd_stop) {
			/* stalled: let busy pages finish before trying again */
			uvm_cond_timedwait(&pd->pd_cv, &uvm->pq_lock, 20);
		}
	}
	pd->pd_running = false;
	/* waiters must not sleep on a daemon that is gone */
	uvm_cond_broadcast(&uvm->free_cv, &uvm->pq_lock);
	uvm_unlock(&uvm->pq_lock);
	return NULL;
}

int
uvm_pdaemon_start(struct uvm *uvm)
{
	struct pdaemon *pd = uvm->pd;
	int error;

	uvm_lock(&uvm->pq_lock);
	if (pd->pd_running) {
		uvm_unlock(&uvm->pq_lock);
		return -EALREADY;
	}
	pd->pd_running = true;
	pd->pd_stop = false;
	pd->pd_stalls = 0;
	uvm_unlock(&uvm->pq_lock);

	error = pthread_create(&pd->pd_thread, NULL, pd_thread_main, uvm);
	if (error != 0) {
		uvm_lock(&uvm->pq_lock);
		pd->pd_running = false;
		uvm_unlock(&uvm->pq_lock);
		return -error;
	}
	return 0;
}

void
uvm_pdaemon_stop(struct uvm *uvm)
{
	struct pdaemon *pd = uvm->pd;
	bool running;

	uvm_lock(&uvm->pq_lock);
	running = pd->pd_running;
	pd->pd_stop = true;
	uvm_cond_signal(&pd->pd_cv, &uvm->pq_lock);
	uvm_unlock(&uvm->pq_lock);
	if (running)
		pthread_join(pd->pd_thread, NULL);
	uvm_lock(&uvm->pq_lock);
	pd->pd_stop = false;
	uvm_unlock(&uvm->pq_lock);
}
