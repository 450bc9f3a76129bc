/*
 * uvm.c: create and destroy a simulated machine's VM (struct uvm), and
 * the latency histograms.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>

#include "base/kmem_int.h"
#include "swapdev/swap_int.h"
#include "pager/aobj_int.h"
#include "pager/pdaemon_int.h"
#include "pager/uvm_int.h"

/* swapoff's "empty these slots" call into the pager */
static int
uvm_swapoff_pagein(void *arg, int startslot, int endslot)
{
	return uao_swap_off(arg, startslot, endslot) ? -ENOMEM : 0;
}

/*
 * The inactive target, in percent of the pages.  UVM's is about a third;
 * there a page on the inactive queue costs nothing until it is freed,
 * since its reference bit is read from the page table.  Here every
 * deactivated page is moved out of the mapping, and a touch before it
 * reaches the head is a soft fault: a userfaultfd round trip.  GNU sort
 * of 1.5 M lines at --ram 24M (doc/benchmarks.md): at 33% two pages in
 * three came back as soft faults (475 k, for 196 k swap-ins); at 10%,
 * 158 k soft faults for 245 k swap-ins (the kernel's own swap: 219 k),
 * 434 k faults in all against 696 k; at 5%, 79 k for 286 k swap-ins: the
 * queue too short to tell hot pages from cold ones.
 */
#define UVM_INACTARG_PCT 10

struct uvm *
uvm_create(int nframes, struct pmap *pmap)
{
	struct uvm *uvm;

	if (nframes <= 0)
		return NULL;
	uvm = kmem_zalloc(1, sizeof(*uvm));
	if (uvm == NULL)
		return NULL;
	uvm->pages = kmem_zalloc((size_t)nframes, sizeof(*uvm->pages));
	uvm->swap = swap_create(uvm_swapoff_pagein, uvm);
	if (uvm->pages == NULL || uvm->swap == NULL ||
	    uvm_pdaemon_init(uvm) != 0) {
		swap_destroy(uvm->swap);
		kmem_free(uvm->pages);
		kmem_free(uvm);
		return NULL;
	}
	uvm->nframes = nframes;
	uvm->pmap = pmap;
	uvm_lock_init_rank(&uvm->pq_lock, UL_RANK_PQ);
	uvm_lock_init_rank(&uvm->uao_list_lock, UL_RANK_LIST);
	uvm_cond_init(&uvm->free_cv);
	TAILQ_INIT(&uvm->page_free);
	TAILQ_INIT(&uvm->page_active);
	TAILQ_INIT(&uvm->page_inactive);
	LIST_INIT(&uvm->uao_list);
	for (int i = 0; i < nframes; i++) {
		struct vm_page *pg = &uvm->pages[i];

		pg->frameno = i;
		pg->pqflags = PQ_FREE;
		pg->mdpage.md_where = MD_NONE;
		pg->mdpage.md_stage = -1;
		TAILQ_INSERT_TAIL(&uvm->page_free, pg, pageq);
	}
	uvm->free = nframes;

	/*
	 * Watermarks as UVM sizes them: about 1/32 of memory, at least 16
	 * frames; the daemon frees to twice that.  The inactive queue is
	 * kept near a third of the pages in use.
	 */
	uvm->freemin = nframes / 32;
	if (uvm->freemin < 16)
		uvm->freemin = 16;
	if (uvm->freemin > 2048)
		uvm->freemin = 2048;
	if (uvm->freemin > nframes / 4)
		uvm->freemin = nframes / 4;
	uvm->freetarg = uvm->freemin * 2;
	uvm->inactarg_pct = UVM_INACTARG_PCT;
	return uvm;
}

void
uvm_destroy(struct uvm *uvm)
{
	if (uvm == NULL)
		return;
	KASSERT(LIST_EMPTY(&uvm->uao_list));
	KASSERT(uvm->free == uvm->nframes);
	uvm_pdaemon_fini(uvm);
	swap_destroy(uvm->swap);
	pthread_cond_destroy(&uvm->free_cv);
	uvm_lock_destroy(&uvm->uao_list_lock);
	uvm_lock_destroy(&uvm->pq_lock);
	kmem_free(uvm->pages);
	kmem_free(uvm);
}

void
uvm_hist_add(struct uvm_hist *h, uint64_t ns)
{
	int b = 0;
	uint64_t max;

	while (b < UVM_HIST_BUCKETS - 1 && (ns >> (b + 1)) != 0)
		b++;
	atomic_fetch_add_explicit(&h->h_count[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->h_n, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->h_sum_ns, ns, memory_order_relaxed);
	max = atomic_load_explicit(&h->h_max_ns, memory_order_relaxed);
	while (ns > max &&
	    !atomic_compare_exchange_weak_explicit(&h->h_max_ns, &max, ns,
		memory_order_relaxed, memory_order_relaxed))
		continue;
}

void
uvm_quiesce(struct uvm *uvm)
{
	struct uvm_aobj *aobj, *failed;

	swap_quiesce(uvm->swap);
	for (;;) {
		uvm_lock(&uvm->uao_list_lock);
		failed = NULL;
		LIST_FOREACH(aobj, &uvm->uao_list, u_list) {
			if (!uvm_trylock(&aobj->u_obj.vmobjlock)) {
				failed = aobj;
				break;
			}
		}
		if (failed == NULL)
			break;
		/*
		 * Someone holds an object: let go of all and try again.  A
		 * back-off, not a sleep, as in uao_swap_off: the holder may
		 * need the list lock we hold to go on (a last uao_detach),
		 * and nothing wakes a waiter when an object lock is released.
		 */
		LIST_FOREACH(aobj, &uvm->uao_list, u_list) {
			if (aobj == failed)
				break;
			uvm_unlock(&aobj->u_obj.vmobjlock);
		}
		uvm_unlock(&uvm->uao_list_lock);
		sched_yield();
	}
	uvm_lock(&uvm->pq_lock);
	swap_freeze(uvm->swap);
}

void
uvm_unquiesce(struct uvm *uvm)
{
	struct uvm_aobj *aobj;

	swap_thaw(uvm->swap);
	uvm_unlock(&uvm->pq_lock);
	LIST_FOREACH(aobj, &uvm->uao_list, u_list)
		uvm_unlock(&aobj->u_obj.vmobjlock);
	uvm_unlock(&uvm->uao_list_lock);
	swap_unquiesce(uvm->swap);
}

bool
uvm_quiesce_busy_locked(struct uvm *uvm)
{
	struct uvm_aobj *aobj;
	struct vm_page *pg;

	KASSERT(uvm_lock_held(&uvm->uao_list_lock));
	KASSERT(uvm_lock_held(&uvm->pq_lock));
	LIST_FOREACH(aobj, &uvm->uao_list, u_list) {
		TAILQ_FOREACH(pg, &aobj->u_obj.memq, listq) {
			if (pg->flags & (PG_BUSY | PG_MARKER))
				return true;
		}
	}
	return false;
}

bool
uvm_fork_child(struct uvm *uvm)
{
	struct uvm_aobj *aobj;

	/*
	 * A condition variable copied while parent threads waited on it
	 * still counts them: new ones, with nobody waiting.
	 */
	uvm_cond_init(&uvm->free_cv);
	uvm->free_waiters = 0;
	LIST_FOREACH(aobj, &uvm->uao_list, u_list) {
		uvm_cond_init(&aobj->u_obj.uo_cv);
		uvm_cond_init(&aobj->u_obj.uo_refcv);
		aobj->u_obj.uo_refwaiters = 0;
	}
	return uvm_pdaemon_fork_child(uvm);
}
