/*
 * aobj.c: the anonymous-memory object pager.
 *
 * Specification: NetBSD sys/uvm/uvm_aobj.c revision 1.51 (Chuck Silvers
 * and Chuck Cranor), kept in shared/seed/.  This file is a new
 * implementation of that pager for a userspace machine; it keeps the
 * seed's names, data structures, locking protocol and the order of its
 * sections, so the two can be read side by side:
 *
 *   1. local structures (aobj_int.h and the macros below)
 *   2. the swap-slot array and hash
 *   3. pager functions: create, reference, detach, put, get, dropswap
 *   4. swap-off: uao_swap_off, uao_pagein, uao_pagein_page
 *
 * Where it departs from 1.51 each function's contract says so
 * ("differs from UVM").  The main departures: the machine is an explicit
 * instance; errors are -errno; uao_get batches its reads and reads ahead;
 * PGO_CLEANIT writes pages out; and memory exhaustion is reported
 * (-ENOMEM) instead of sleeping for ever.
 *
 * Locks (see uvm_int.h for the one order):
 *   object lock -> uao_list_lock -> page queues -> swap data lock.
 * uao_swap_off walks uao_list and needs object locks, against the order:
 * it uses a trylock and restarts, as the seed does.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "base/kmem_int.h"
#include "swapdev/swap_int.h"
#include "pager/aobj_int.h"
#include "pager/pagerio_int.h"
#include "pager/uvm_int.h"

/*
 * 1. local structures
 */

#define UAO_SWHASH_ELT_TAG(pageidx) ((pageidx) >> UAO_SWHASH_CLUSTER_SHIFT)
#define UAO_SWHASH_ELT_PAGESLOT(elt, pageidx)                                  \
	((elt)->slots[(pageidx) & (UAO_SWHASH_CLUSTER_SIZE - 1)])
#define UAO_SWHASH_ELT_PAGEIDX_BASE(elt)                                       \
	((elt)->tag << UAO_SWHASH_CLUSTER_SHIFT)
#define UAO_SWHASH_HASH(aobj, pageidx)                                         \
	(&(aobj)->u_swhash[((pageidx) >> UAO_SWHASH_CLUSTER_SHIFT) &           \
	    (aobj)->u_swhashmask])

/*
 * A lookup in the page table costs about as much as a step of the memq
 * list, but a by-offset walk visits every offset, resident or not.  As in
 * UVM, walk the list unless the range is much smaller than the object's
 * resident set.
 */
#define UVM_PAGE_TREE_PENALTY 4

static struct uvm_aobj *
uvm_aobj(struct uvm_object *uobj)
{
	return (struct uvm_aobj *)uobj;
}

/*
 * 2. the swap-slot array and hash
 */

/*
 * uao_find_swhash_elt: find the hash cluster that holds pageidx,
 * creating it if `create'.
 * => object locked.  Returns NULL if absent (or not creatable).
 */
static struct uao_swhash_elt *
uao_find_swhash_elt(struct uvm_aobj *aobj, int pageidx, bool create)
{
	struct uao_swhash *swhash = UAO_SWHASH_HASH(aobj, pageidx);
	int page_tag = UAO_SWHASH_ELT_TAG(pageidx);
	struct uao_swhash_elt *elt;

	LIST_FOREACH(elt, swhash, list) {
		if (elt->tag == page_tag)
			return elt;
	}
	if (!create)
		return NULL;

	/* clusters never come from a region: see DESIGN.md section 7 */
	elt = kmem_zalloc(1, sizeof(*elt));
	if (elt == NULL)
		return NULL;
	elt->tag = page_tag;
	LIST_INSERT_HEAD(swhash, elt, list);
	return elt;
}

int
uao_find_swslot(struct uvm_object *uobj, int pageidx)
{
	struct uvm_aobj *aobj = uvm_aobj(uobj);
	struct uao_swhash_elt *elt;

	KASSERT(uvm_lock_held(&uobj->vmobjlock) || uobj->uo_refs == 0);
	KASSERT(pageidx >= 0 && pageidx < aobj->u_pages);

	/* a no-swap object never has a slot */
	if (aobj->u_flags & UAO_FLAG_NOSWAP)
		return 0;

	if (UAO_USES_SWHASH(aobj)) {
		elt = uao_find_swhash_elt(aobj, pageidx, false);
		return elt != NULL ? UAO_SWHASH_ELT_PAGESLOT(elt, pageidx) : 0;
	}
	return aobj->u_swslots[pageidx];
}

int
uao_set_swslot(struct uvm_object *uobj, int pageidx, int slot)
{
	struct uvm_aobj *aobj = uvm_aobj(uobj);
	struct uao_swhash_elt *elt;
	int oldslot;

	KASSERT(uvm_lock_held(&uobj->vmobjlock) || uobj->uo_refs == 0);
	KASSERT(pageidx >= 0 && pageidx < aobj->u_pages);

	if (aobj->u_flags & UAO_FLAG_NOSWAP) {
		if (slot == 0)
			return 0;
		uvm_panic(__func__, "a swap slot for a NOSWAP object");
	}

	if (UAO_USES_SWHASH(aobj)) {
		/*
		 * Clearing a slot that is not there must not allocate a
		 * cluster only to free it again.
		 */
		elt = uao_find_swhash_elt(aobj, pageidx, slot != 0);
		if (elt == NULL)
			return slot != 0 ? -1 : 0;

		oldslot = UAO_SWHASH_ELT_PAGESLOT(elt, pageidx);
		UAO_SWHASH_ELT_PAGESLOT(elt, pageidx) = slot;

		/* keep the cluster's count; free it when it empties */
		if (slot != 0) {
			if (oldslot == 0)
				elt->count++;
		} else {
			if (oldslot != 0)
				elt->count--;
			if (elt->count == 0) {
				LIST_REMOVE(elt, list);
				kmem_free(elt);
			}
		}
	} else {
		oldslot = aobj->u_swslots[pageidx];
		aobj->u_swslots[pageidx] = slot;
	}
	return oldslot;
}

/*
 * uao_free: free the slot store and the aobj itself.
 * => the aobj is dead: no references, no resident pages.  Its lock is
 *    held on entry and destroyed here.
 */
static void
uao_free(struct uvm_aobj *aobj)
{
	struct uvm_object *uobj = &aobj->u_obj;

	KASSERT(uobj->uo_refs == 0 && uobj->uo_npages == 0);

	/* every slot left belongs to a page that is only in swap */
	uao_dropswap_range(uobj, 0, 0);
	uvm_unlock(&uobj->vmobjlock);

	if (aobj->u_swhash != NULL) {
		for (unsigned long i = 0; i <= aobj->u_swhashmask; i++)
			KASSERT(LIST_EMPTY(&aobj->u_swhash[i]));
		kmem_free(aobj->u_swhash);
	}
	kmem_free(aobj->u_swslots);
	pagetab_fini(&uobj->uo_pagetab);
	pthread_cond_destroy(&uobj->uo_cv);
	pthread_cond_destroy(&uobj->uo_refcv);
	uvm_lock_destroy(&uobj->vmobjlock);
	kmem_free(aobj);
}

/*
 * 3. pager functions
 */

struct uvm_object *
uao_create(struct uvm *uvm, vsize_t size, int flags)
{
	struct uvm_aobj *aobj;
	int pages;

	if (size == 0 || size > ((vsize_t)INT_MAX << PAGE_SHIFT) ||
	    (flags & ~UAO_FLAG_NOSWAP) != 0)
		return NULL;
	pages = (int)(round_page(size) >> PAGE_SHIFT);

	aobj = kmem_zalloc(1, sizeof(*aobj));
	if (aobj == NULL)
		return NULL;
	aobj->u_pages = pages;
	aobj->u_flags = flags;

	/* the slot store: an array for small objects, a hash above */
	if ((flags & UAO_FLAG_NOSWAP) == 0) {
		if (UAO_USES_SWHASH(aobj)) {
			int want = pages >> UAO_SWHASH_CLUSTER_SHIFT;
			int nbuckets = 1;

			if (want > UAO_SWHASH_MAXBUCKETS)
				want = UAO_SWHASH_MAXBUCKETS;
			while (nbuckets < want)
				nbuckets <<= 1;
			aobj->u_swhash = kmem_zalloc((size_t)nbuckets,
			    sizeof(*aobj->u_swhash));
			if (aobj->u_swhash == NULL)
				goto out_free;
			for (int i = 0; i < nbuckets; i++)
				LIST_INIT(&aobj->u_swhash[i]);
			aobj->u_swhashmask = (unsigned long)nbuckets - 1;
		} else {
			aobj->u_swslots =
			    kmem_zalloc((size_t)pages, sizeof(int));
			if (aobj->u_swslots == NULL)
				goto out_free;
		}
	}

	if (pagetab_init(&aobj->u_obj.uo_pagetab, pages) != 0)
		goto out_free;
	uvm_lock_init_rank(&aobj->u_obj.vmobjlock, UL_RANK_OBJECT);
	uvm_cond_init(&aobj->u_obj.uo_cv);
	uvm_cond_init(&aobj->u_obj.uo_refcv);
	aobj->u_obj.uo_refwaiters = 0;
	aobj->u_obj.uo_uvm = uvm;
	TAILQ_INIT(&aobj->u_obj.memq);
	aobj->u_obj.uo_npages = 0;
	aobj->u_obj.uo_refs = 1;

	uvm_lock(&uvm->uao_list_lock);
	LIST_INSERT_HEAD(&uvm->uao_list, aobj, u_list);
	uvm_unlock(&uvm->uao_list_lock);
	return &aobj->u_obj;

out_free:
	kmem_free(aobj->u_swhash);
	kmem_free(aobj->u_swslots);
	kmem_free(aobj);
	return NULL;
}

void
uao_reference(struct uvm_object *uobj)
{
	uvm_lock(&uobj->vmobjlock);
	uao_reference_locked(uobj);
	uvm_unlock(&uobj->vmobjlock);
}

void
uao_reference_locked(struct uvm_object *uobj)
{
	KASSERT(uvm_lock_held(&uobj->vmobjlock));
	KASSERT(uobj->uo_refs > 0);
	uobj->uo_refs++;
}

/*
 * uao_unref_locked: drop a reference that is not the last, and wake
 * whoever waits to be alone (uao_wait_alone_locked).  The broadcast is
 * skipped when nobody waits: a reference is dropped on every swapoff
 * step, a waiter is rare (a region discard racing swapoff).
 * => object locked, and stays locked.
 */
static void
uao_unref_locked(struct uvm_object *uobj)
{
	KASSERT(uvm_lock_held(&uobj->vmobjlock));
	KASSERT(uobj->uo_refs > 1);
	uobj->uo_refs--;
	if (uobj->uo_refwaiters > 0)
		uvm_cond_broadcast(&uobj->uo_refcv, &uobj->vmobjlock);
}

void
uao_wait_alone_locked(struct uvm_object *uobj)
{
	KASSERT(uvm_lock_held(&uobj->vmobjlock));
	KASSERT(uobj->uo_refs > 0);
	while (uobj->uo_refs > 1) {
		uobj->uo_refwaiters++;
		uvm_cond_wait(&uobj->uo_refcv, &uobj->vmobjlock);
		uobj->uo_refwaiters--;
	}
}

void
uao_detach(struct uvm_object *uobj)
{
	uvm_lock(&uobj->vmobjlock);
	uao_detach_locked(uobj);
}

void
uao_detach_locked(struct uvm_object *uobj)
{
	struct uvm_aobj *aobj = uvm_aobj(uobj);
	struct uvm *uvm = uobj->uo_uvm;
	struct vm_page *pg;

	KASSERT(uvm_lock_held(&uobj->vmobjlock));
	KASSERT(uobj->uo_refs > 0);
	if (uobj->uo_refs > 1) {
		uao_unref_locked(uobj);
		uvm_obj_unlock(uobj);
		return;
	}
	uobj->uo_refs = 0;

	uvm_lock(&uvm->uao_list_lock);
	LIST_REMOVE(aobj, u_list);
	uvm_unlock(&uvm->uao_list_lock);

	/*
	 * Free every page left.  A busy page is in I/O (pageout by the
	 * pagedaemon, or a pagein that outlived its fault): wait for it to
	 * finish, then free it and whatever swap it holds.
	 */
	while ((pg = TAILQ_FIRST(&uobj->memq)) != NULL) {
		KASSERT((pg->flags & PG_MARKER) == 0);
		if (pg->flags & PG_BUSY) {
			uvm_page_wait(pg);
			continue;
		}
		pmap_page_remove(pg);
		uao_dropswap(uobj, (int)(pg->offset >> PAGE_SHIFT));
		uvm_lock(&uvm->pq_lock);
		uvm_pagefree(pg);
		uvm_unlock(&uvm->pq_lock);
	}
	pmap_update(uvm->pmap);
	uao_free(aobj);
}

void
uao_pageout_free(struct vm_page *pg)
{
	struct uvm_object *uobj = pg->uobject;

	KASSERT(pg->flags & PG_CLEAN);
	KASSERT(uao_find_swslot(uobj, (int)(pg->offset >> PAGE_SHIFT)) > 0);
	uvm_pagefree(pg);
	swap_swpgonly_add(uobj->uo_uvm->swap, 1);
}

/*
 * uao_put_clean_cluster: unmap and write out a cluster of busy dirty
 * pages collected by uao_put_clean.
 * => object locked (dropped around the write).  Unbusies the pages.
 * => returns the number of pages that stayed dirty.
 */
static int
uao_put_clean_cluster(struct uvm_object *uobj, struct vm_page **cl, int n)
{
	struct uvm *uvm = uobj->uo_uvm;
	int i, j, dirty = 0;

	/* the bytes must leave the mapping before they are copied out */
	for (i = 0; i < n; i++)
		pmap_page_protect(cl[i], VM_PROT_NONE);
	pmap_update(uvm->pmap);

	/* a page the machine could not unmap (pinned) stays as it was */
	for (i = j = 0; i < n; i++) {
		if (pmap_is_mapped(cl[i])) {
			uvm_page_unbusy(cl[i]);
			dirty++;
		} else {
			cl[j++] = cl[i];
		}
	}
	if (j > 0)
		uvm_pageout_cluster(uobj, cl, j);
	for (i = 0; i < j; i++) {
		if ((cl[i]->flags & PG_CLEAN) == 0)
			dirty++;
		uvm_page_unbusy(cl[i]);
	}
	return dirty;
}

/*
 * uao_put_clean: write every dirty page of [start, stop) to swap.
 * => object locked on entry and return (dropped around I/O and waits).
 * => *writtenp: the pages written.
 * => returns 0, or -ENOSPC if some page could not be written.
 */
static int
uao_put_clean(struct uvm_object *uobj, voff_t start, voff_t stop, int *writtenp)
{
	struct vm_page *cl[UVM_IO_MAXPAGES];
	struct vm_page *pg;
	voff_t off;
	int n = 0, dirty = 0, tried = 0;

	if (uvm_aobj(uobj)->u_flags & UAO_FLAG_NOSWAP)
		return 0;
	for (off = start; off < stop; off += PAGE_SIZE) {
		pg = uvm_pagelookup(uobj, off);
		if (pg == NULL || (pg->flags & PG_CLEAN) != 0 ||
		    pg->wire_count != 0 || pg->loan_count != 0) {
			/* clusters are contiguous in the object */
			if (n > 0)
				dirty += uao_put_clean_cluster(uobj, cl, n);
			n = 0;
			continue;
		}
		if (pg->flags & PG_BUSY) {
			off -= PAGE_SIZE; /* look at this offset again */
			if (n > 0) {
				/*
				 * The write drops the object lock: pg may be
				 * freed meanwhile (its pageout done), so look
				 * it up again before sleeping on it.
				 */
				dirty += uao_put_clean_cluster(uobj, cl, n);
				n = 0;
				continue;
			}
			uvm_page_wait(pg);
			continue;
		}
		pg->flags |= PG_BUSY;
		uvm_page_own(pg, "uao_put_clean");
		cl[n++] = pg;
		tried++;
		if (n == UVM_IO_MAXPAGES) {
			dirty += uao_put_clean_cluster(uobj, cl, n);
			n = 0;
		}
	}
	if (n > 0)
		dirty += uao_put_clean_cluster(uobj, cl, n);
	*writtenp = tried - dirty;
	return dirty > 0 ? -ENOSPC : 0;
}

int
uao_put(struct uvm_object *uobj, voff_t start, voff_t stop, int flags)
{
	struct uvm_aobj *aobj = uvm_aobj(uobj);
	struct uvm *uvm = uobj->uo_uvm;
	struct vm_page *pg, *nextpg, curmp, endmp;
	bool by_list;
	voff_t curoff = 0, size = (voff_t)aobj->u_pages << PAGE_SHIFT;
	int error = 0, written = 0, freed = 0;

	KASSERT(uvm_lock_held(&uobj->vmobjlock));

	if (flags & PGO_ALLPAGES) {
		start = 0;
		stop = size;
		by_list = true;
	} else {
		start = trunc_page(start);
		stop = round_page(stop);
		if (stop > size)
			stop = size;
		if (start > stop)
			start = stop;
		by_list = uobj->uo_npages <=
		    ((stop - start) >> PAGE_SHIFT) * UVM_PAGE_TREE_PENALTY;
	}

	/* nothing to do unless cleaning, freeing or deactivating */
	if ((flags & (PGO_DEACTIVATE | PGO_FREE | PGO_CLEANIT)) == 0 ||
	    start == stop) {
		uvm_obj_unlock(uobj);
		return 0;
	}

	if (flags & PGO_CLEANIT) {
		error = uao_put_clean(uobj, start, stop, &written);
		if ((flags & (PGO_DEACTIVATE | PGO_FREE)) == 0) {
			uvm_obj_unlock(uobj);
			return error;
		}
	}

	/*
	 * Marker pages keep our place in memq while we sleep on a busy page:
	 * pages inserted meanwhile go to the tail, behind endmp.
	 */
	memset(&curmp, 0, sizeof(curmp));
	memset(&endmp, 0, sizeof(endmp));
	curmp.uobject = endmp.uobject = uobj;
	curmp.offset = endmp.offset = (voff_t)-1;
	curmp.flags = endmp.flags = PG_BUSY | PG_MARKER;

	if (by_list) {
		TAILQ_INSERT_TAIL(&uobj->memq, &endmp, listq);
		nextpg = TAILQ_FIRST(&uobj->memq);
	} else {
		curoff = start;
		nextpg = NULL;
	}

	/* locked: object; the page queues are taken per page */
	for (;;) {
		if (by_list) {
			pg = nextpg;
			if (pg == &endmp)
				break;
			nextpg = TAILQ_NEXT(pg, listq);
			if ((pg->flags & PG_MARKER) != 0 ||
			    pg->offset < start || pg->offset >= stop)
				continue;
		} else {
			if (curoff >= stop)
				break;
			pg = uvm_pagelookup(uobj, curoff);
			curoff += PAGE_SIZE;
			if (pg == NULL)
				continue;
		}

		switch (flags & (PGO_CLEANIT | PGO_FREE | PGO_DEACTIVATE)) {
		case PGO_CLEANIT | PGO_FREE:
			/*
			 * Page out: a clean page with its swap copy is freed and
			 * becomes swap-only; one that could not be cleaned is
			 * only deactivated.  A clean page is mapped read-only
			 * (after a read fault): it must leave the mapping
			 * before it is freed.
			 */
			if (pg->loan_count != 0 || pg->wire_count != 0)
				continue;
			if ((pg->flags & PG_BUSY) == 0 &&
			    (pg->flags & PG_CLEAN) != 0 &&
			    uao_find_swslot(uobj,
				(int)(pg->offset >> PAGE_SHIFT)) > 0) {
				if (pmap_is_mapped(pg)) {
					pmap_page_protect(pg, VM_PROT_NONE);
					pmap_update(uvm->pmap);
				}
				/*
				 * One the machine could not unmap is kept; one
				 * the program had discarded behind us came back
				 * lost (MD_ZERO, dirty, no slot): not freeable.
				 */
				if (!pmap_is_mapped(pg) &&
				    (pg->flags & PG_CLEAN) != 0) {
					uvm_lock(&uvm->pq_lock);
					uao_pageout_free(pg);
					uvm_unlock(&uvm->pq_lock);
					freed++;
					continue;
				}
			}
			/* FALLTHROUGH */
		case PGO_CLEANIT | PGO_DEACTIVATE:
		case PGO_DEACTIVATE:
deactivate_it:
			/* skip the page if it is loaned or wired */
			if (pg->loan_count != 0 || pg->wire_count != 0)
				continue;
			/*
			 * skip a busy page: its owner may be changing its
			 * pmap state with the object unlocked (a pagein
			 * filling its bounce buffer), and it queues the
			 * page itself when it is done
			 */
			if (pg->flags & PG_BUSY)
				continue;
			uvm_lock(&uvm->pq_lock);
			uvm_pagedeactivate(pg);
			uvm_unlock(&uvm->pq_lock);
			continue;

		case PGO_FREE:
			/* with other references, only deactivate */
			if (uobj->uo_refs > 1)
				goto deactivate_it;
			if (pg->loan_count != 0 || pg->wire_count != 0) {
				/*
				 * The page stays, but the range's swap copies
				 * go below (uao_dropswap_range): it is dirty.
				 */
				pg->flags &= ~PG_CLEAN;
				continue;
			}

			/* wait for a busy page, keeping our place */
			if (pg->flags & PG_BUSY) {
				if (by_list)
					TAILQ_INSERT_BEFORE(pg, &curmp, listq);
				uvm_page_wait(pg);
				if (by_list) {
					nextpg = TAILQ_NEXT(&curmp, listq);
					TAILQ_REMOVE(&uobj->memq, &curmp,
					    listq);
				} else {
					curoff -= PAGE_SIZE;
				}
				continue;
			}
			pmap_page_remove(pg);
			uao_dropswap(uobj, (int)(pg->offset >> PAGE_SHIFT));
			uvm_lock(&uvm->pq_lock);
			uvm_pagefree(pg);
			uvm_unlock(&uvm->pq_lock);
			continue;

		default:
			uvm_panic(__func__, "bad flag combination");
		}
	}
	if (by_list)
		TAILQ_REMOVE(&uobj->memq, &endmp, listq);

	/* pages freed here that this call did not write cost no I/O */
	if (freed > written)
		UVM_STAT_ADD(uvm, pgoutclean, (uint64_t)(freed - written));

	/* a discarded range reads as zeros: its swap copies go too */
	if ((flags & (PGO_CLEANIT | PGO_FREE)) == PGO_FREE &&
	    uobj->uo_refs == 1)
		uao_dropswap_range(uobj, start, stop);

	uvm_obj_unlock(uobj);
	return error;
}

/*
 * uao_get_release: give back every page a failed uao_get busied.
 * => object locked.  mine[lcv] marks the valid pages in pps[] that this
 *    call busied: they are activated and unbusied.  iopg[0..nio) are new
 *    pages still waiting for their read (PG_FAKE, on no queue, in no
 *    pps[] slot): they hold nothing, so they are freed, which wakes their
 *    sleepers; their slots are untouched and stay the only copy.
 */
static void
uao_get_release(struct uvm_object *uobj, struct vm_page **pps, const bool *mine,
    int maxpages, struct vm_page **iopg, int nio)
{
	struct uvm *uvm = uobj->uo_uvm;

	KASSERT(uvm_lock_held(&uobj->vmobjlock));
	for (int i = 0; i < nio; i++) {
		KASSERT((iopg[i]->flags & (PG_BUSY | PG_FAKE)) ==
		    (PG_BUSY | PG_FAKE));
		uvm_lock(&uvm->pq_lock);
		uvm_pagefree(iopg[i]);
		uvm_unlock(&uvm->pq_lock);
	}
	for (int lcv = 0; lcv < maxpages; lcv++) {
		if (!mine[lcv])
			continue;
		/* a new page must reach a queue, or no one will free it */
		uvm_lock(&uvm->pq_lock);
		uvm_pageactivate(pps[lcv]);
		uvm_unlock(&uvm->pq_lock);
		uvm_page_unbusy(pps[lcv]);
		pps[lcv] = NULL;
	}
}

/*
 * uao_get_readahead: add to the batch the neighbours of the centre,
 * in direction `dir', that are in swap.
 * => object locked.  Never sleeps: a neighbour that is resident, busy,
 *    not wanted, or for which no frame is free ends the run.
 */
static int
uao_get_readahead(struct uvm_object *uobj, voff_t offset, struct vm_page **pps,
    int maxpages, int centeridx, int dir, struct vm_page **iopg, int *ioslot,
    int *iolcv, int nio)
{
	for (int lcv = centeridx + dir; lcv >= 0 && lcv < maxpages;
	     lcv += dir) {
		voff_t off = offset + ((voff_t)lcv << PAGE_SHIFT);
		struct vm_page *ptmp;
		int slot;

		if (nio == UVM_IO_MAXPAGES || pps[lcv] != NULL)
			break;
		if (uvm_pagelookup(uobj, off) != NULL)
			break;
		slot = uao_find_swslot(uobj, (int)(off >> PAGE_SHIFT));
		/*
		 * Any neighbour in swap, wherever its slot: the window
		 * follows the addresses the program walks (as Linux's
		 * VMA-based swap read-ahead does), and uvm_swap_io reads
		 * scattered slots as one batch of requests.  Slots that
		 * continue the centre's were the only ones taken before; a
		 * page rewritten since its neighbours went out has its slot
		 * elsewhere, which ended the run after a few pages.
		 */
		if (slot <= 0)
			break;
		ptmp = uvm_pagealloc(uobj, off, NULL, 0);
		if (ptmp == NULL)
			break;
		ptmp->pqflags |= PQ_AOBJ; /* just allocated: on no queue */
		ptmp->flags |= PG_RDAHEAD;
		uvm_page_own(ptmp, "uao_get_ra");
		iopg[nio] = ptmp;
		ioslot[nio] = slot;
		iolcv[nio] = lcv;
		nio++;
	}
	return nio;
}

int
uao_get(struct uvm_object *uobj, voff_t offset, struct vm_page **pps,
    int *npagesp, int centeridx, vm_prot_t access_type, int advice, int flags)
{
	return uao_get_timed(uobj, offset, pps, npagesp, centeridx, access_type,
	    advice, flags, NULL);
}

int
uao_get_timed(struct uvm_object *uobj, voff_t offset, struct vm_page **pps,
    int *npagesp, int centeridx, vm_prot_t access_type, int advice, int flags,
    struct swap_iotimes *iot)
{
	struct uvm_aobj *aobj = uvm_aobj(uobj);
	struct uvm *uvm = uobj->uo_uvm;
	struct vm_page *iopg[UVM_IO_MAXPAGES], *ptmp;
	int ioslot[UVM_IO_MAXPAGES], iolcv[UVM_IO_MAXPAGES];
	int ioerr[UVM_IO_MAXPAGES];
	bool mine[UVM_IO_MAXPAGES];
	int lcv, gotpages, maxpages, swslot, pageidx, nio, error;
	int centreslot = 0;
	voff_t current_offset;
	bool done;

	(void)access_type;
	(void)advice;
	KASSERT(uvm_lock_held(&uobj->vmobjlock));
	maxpages = *npagesp;
	KASSERT(maxpages > 0 && maxpages <= UVM_IO_MAXPAGES);
	KASSERT(offset >= 0 && (offset & PAGE_MASK) == 0);
	KASSERT((offset >> PAGE_SHIFT) + maxpages <= aobj->u_pages);
	KASSERT(centeridx >= 0 && centeridx < maxpages);

	/*
	 * step 1: the fault data structures are locked: take what is
	 * resident and zero-fill what was never written; no sleeping.
	 */
	if (flags & PGO_LOCKED) {
		done = true;
		gotpages = 0;
		for (lcv = 0, current_offset = offset; lcv < maxpages;
		     lcv++, current_offset += PAGE_SIZE) {
			if (pps[lcv] == PGO_DONTCARE)
				continue;
			ptmp = uvm_pagelookup(uobj, current_offset);

			/* a page never written and not in swap: zero-fill */
			if (ptmp == NULL &&
			    uao_find_swslot(uobj,
				(int)(current_offset >> PAGE_SHIFT)) == 0) {
				ptmp = uvm_pagealloc(uobj, current_offset, NULL,
				    UVM_PGA_ZERO);
				if (ptmp != NULL) {
					ptmp->flags &= ~PG_FAKE;
					ptmp->pqflags |= PQ_AOBJ;
					uvm_page_own(ptmp, "uao_get1");
					goto gotpage;
				}
			}

			/* to be useful, the page must be resident and unbusy */
			if (ptmp == NULL || (ptmp->flags & PG_BUSY) != 0) {
				if (lcv == centeridx ||
				    (flags & PGO_ALLPAGES) != 0)
					done = false; /* needs I/O or a wait */
				continue;
			}

			/* the caller must unbusy it */
			ptmp->flags |= PG_BUSY;
			uvm_page_own(ptmp, "uao_get1");
gotpage:
			pps[lcv] = ptmp;
			gotpages++;
		}
		*npagesp = gotpages;
		return done ? 0 : -EBUSY;
	}

	/*
	 * step 2: get pages that are not resident, or busy.
	 * object locked; fault data structures unlocked.
	 *
	 * Pages needing a read are collected first and read in one batch
	 * with the object unlocked; the seed read them one at a time.  The
	 * centre page comes first so that we sleep for memory (uvm_wait)
	 * holding no other new page.
	 */
	memset(mine, 0, sizeof(mine));
	nio = 0;
	error = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (lcv = 0; lcv < maxpages; lcv++) {
			bool wanted =
			    (flags & PGO_ALLPAGES) != 0 || lcv == centeridx;

			if ((pass == 0) != (lcv == centeridx))
				continue;
			if (pps[lcv] != NULL || !wanted)
				continue;
			current_offset = offset + ((voff_t)lcv << PAGE_SHIFT);
			pageidx = (int)(current_offset >> PAGE_SHIFT);

			/*
			 * Look for the page; sleep while it is busy; allocate
			 * it if absent (sleeping for memory).  Leaving the
			 * loop with pps[lcv] NULL means ptmp is a new page that
			 * needs its contents.
			 */
			while (pps[lcv] == NULL) {
				ptmp = uvm_pagelookup(uobj, current_offset);
				if (ptmp == NULL) {
					ptmp = uvm_pagealloc(uobj,
					    current_offset, NULL, 0);
					if (ptmp == NULL) {
						uvm_obj_unlock(uobj);
						error = uvm_wait(uvm,
						    "uao_getpage");
						uvm_lock(&uobj->vmobjlock);
						if (error != 0)
							goto out_release;
						continue;
					}
					ptmp->pqflags |= PQ_AOBJ;
					uvm_page_own(ptmp, "uao_get2");
					break;
				}
				if (ptmp->flags & PG_BUSY) {
					uvm_page_wait(ptmp);
					continue;
				}
				/* became resident and unbusy meanwhile */
				ptmp->flags |= PG_BUSY;
				uvm_page_own(ptmp, "uao_get2");
				pps[lcv] = ptmp;
				mine[lcv] = true;
			}
			if (pps[lcv] != NULL)
				continue;

			swslot = uao_find_swslot(uobj, pageidx);
			if (swslot == 0) {
				/* never written: zeros */
				uvm_pagezero(ptmp);
				ptmp->flags &= ~PG_FAKE;
				pps[lcv] = ptmp;
				mine[lcv] = true;
				continue;
			}
			if (swslot == SWSLOT_BAD) {
				/* lost to an earlier I/O error */
				uvm_lock(&uvm->pq_lock);
				uvm_pagefree(ptmp);
				uvm_unlock(&uvm->pq_lock);
				error = -EIO;
				goto out_release;
			}
			if (lcv == centeridx)
				centreslot = swslot;
			iopg[nio] = ptmp;
			ioslot[nio] = swslot;
			iolcv[nio] = lcv;
			nio++;
		}
	}

	/* read-ahead: the neighbours in swap (uao_get_readahead) */
	if ((flags & PGO_READAHEAD) && centreslot > 0) {
		nio = uao_get_readahead(uobj, offset, pps, maxpages, centeridx,
		    1, iopg, ioslot, iolcv, nio);
		/* uvm_swap_get wants ascending offsets */
		for (int i = 1; i < nio; i++) {
			for (int j = i; j > 0 && iolcv[j - 1] > iolcv[j]; j--) {
				struct vm_page *tp = iopg[j];
				int ts = ioslot[j], tl = iolcv[j];

				iopg[j] = iopg[j - 1];
				ioslot[j] = ioslot[j - 1];
				iolcv[j] = iolcv[j - 1];
				iopg[j - 1] = tp;
				ioslot[j - 1] = ts;
				iolcv[j - 1] = tl;
			}
		}
	}

	if (nio > 0) {
		/*
		 * the pages are busy: unlock for the I/O, relock after.  The
		 * probes' times only for a batch that carries the centre.
		 */
		uvm_obj_unlock(uobj);
		uvm_swap_get(uobj, iopg, ioslot, nio, ioerr,
		    centreslot > 0 ? iot : NULL);
		uvm_lock(&uobj->vmobjlock);

		for (int i = 0; i < nio; i++) {
			int old;

			ptmp = iopg[i];
			lcv = iolcv[i];
			if (ioerr[i] == 0) {
				/* valid now; still busy; clean (= its slot) */
				ptmp->flags &= ~PG_FAKE;
				pps[lcv] = ptmp;
				mine[lcv] = true;
				if (lcv != centeridx &&
				    (flags & PGO_ALLPAGES) == 0)
					UVM_STAT_INC(uvm, pgswapin_ra);
				continue;
			}

			/*
			 * The read failed.  Keep the slot from ever being used
			 * again: it stays allocated, marked bad, and the page
			 * records SWSLOT_BAD so that the next access gets EIO.
			 * The page had no copy but this one: it leaves swpgonly.
			 */
			old = uao_set_swslot(uobj,
			    (int)(ptmp->offset >> PAGE_SHIFT), SWSLOT_BAD);
			if (old > 0) {
				uvm_swap_markbad(uvm->swap, old, 1);
				swap_swpgonly_add(uvm->swap, -1);
			}
			uvm_lock(&uvm->pq_lock);
			uvm_pagefree(ptmp); /* wakes PG_WANTED sleepers */
			uvm_unlock(&uvm->pq_lock);
			if (lcv == centeridx || (flags & PGO_ALLPAGES) != 0)
				error = -EIO;
		}
		nio = 0; /* each page is now in pps[] (mine) or freed */
		if (error != 0)
			goto out_release;
	}

	/*
	 * Every page we got is busy; the caller must check for released
	 * pages, activate and unbusy them.
	 */
	uvm_obj_unlock(uobj);
	return 0;

out_release:
	/*
	 * Whatever failed, every page this call busied goes back: the ones
	 * it got (mine[]), and the ones still queued for the batched read
	 * (iopg[]), which a later page's bad slot or -ENOMEM left unread.
	 */
	uao_get_release(uobj, pps, mine, maxpages, iopg, nio);
	uvm_obj_unlock(uobj);
	return error;
}

void
uao_dropswap(struct uvm_object *uobj, int pageidx)
{
	int slot;

	slot = uao_set_swslot(uobj, pageidx, 0);
	if (slot > 0)
		uvm_swap_free(uobj->uo_uvm->swap, slot, 1);
}

/*
 * Clear one slot for uao_dropswap_range.  => object locked
 */
static int
uao_dropswap_one(struct uvm_object *uobj, int pageidx, int slot)
{
	KASSERT(slot != 0);
	if (slot > 0) {
		uvm_swap_free(uobj->uo_uvm->swap, slot, 1);
		/* a page not resident had its only copy there */
		return uvm_pagelookup(uobj, (voff_t)pageidx << PAGE_SHIFT) ==
			NULL
		    ? 1
		    : 0;
	}
	return 0; /* SWSLOT_BAD: stays bad on its device */
}

void
uao_dropswap_range(struct uvm_object *uobj, voff_t start, voff_t stop)
{
	struct uvm_aobj *aobj = uvm_aobj(uobj);
	int startidx, stopidx, swpgonlydelta = 0;

	KASSERT(uvm_lock_held(&uobj->vmobjlock));
	if (aobj->u_flags & UAO_FLAG_NOSWAP)
		return;
	if (stop == 0)
		stop = (voff_t)aobj->u_pages << PAGE_SHIFT;
	startidx = (int)(start >> PAGE_SHIFT);
	stopidx = (int)(round_page(stop) >> PAGE_SHIFT);
	if (stopidx > aobj->u_pages)
		stopidx = aobj->u_pages;

	if (UAO_USES_SWHASH(aobj) &&
	    (unsigned long)(stopidx - startidx) >> UAO_SWHASH_CLUSTER_SHIFT >
		4 * (aobj->u_swhashmask + 1)) {
		/* a range of many more clusters than buckets: walk buckets */
		for (unsigned long b = 0; b <= aobj->u_swhashmask; b++) {
			struct uao_swhash_elt *elt, *next;

			for (elt = LIST_FIRST(&aobj->u_swhash[b]); elt != NULL;
			     elt = next) {
				int base = UAO_SWHASH_ELT_PAGEIDX_BASE(elt);

				next = LIST_NEXT(elt, list);
				for (int i = 0; i < UAO_SWHASH_CLUSTER_SIZE;
				     i++) {
					int slot = elt->slots[i];

					if (slot == 0 || base + i < startidx ||
					    base + i >= stopidx)
						continue;
					swpgonlydelta += uao_dropswap_one(uobj,
					    base + i, slot);
					elt->slots[i] = 0;
					elt->count--;
				}
				if (elt->count == 0) {
					LIST_REMOVE(elt, list);
					kmem_free(elt);
				}
			}
		}
	} else if (UAO_USES_SWHASH(aobj)) {
		/* a short range: look its clusters up */
		for (int idx = startidx; idx < stopidx; idx++) {
			int slot;

			if (uao_find_swhash_elt(aobj, idx, false) == NULL) {
				idx |= UAO_SWHASH_CLUSTER_SIZE - 1;
				continue;
			}
			slot = uao_find_swslot(uobj, idx);
			if (slot == 0)
				continue;
			swpgonlydelta += uao_dropswap_one(uobj, idx, slot);
			uao_set_swslot(uobj, idx, 0);
		}
	} else {
		for (int idx = startidx; idx < stopidx; idx++) {
			int slot = aobj->u_swslots[idx];

			if (slot == 0)
				continue;
			swpgonlydelta += uao_dropswap_one(uobj, idx, slot);
			aobj->u_swslots[idx] = 0;
		}
	}
	if (swpgonlydelta > 0)
		swap_swpgonly_add(uobj->uo_uvm->swap, -swpgonlydelta);
}

/*
 * 4. swap-off
 */

static bool uao_pagein(struct uvm_aobj *aobj, int startslot, int endslot);
static bool uao_pagein_page(struct uvm_aobj *aobj, int pageidx);

bool
uao_swap_off(struct uvm *uvm, int startslot, int endslot)
{
	struct uvm_aobj *aobj, *nextaobj;
	bool rv;

restart:
	uvm_lock(&uvm->uao_list_lock);
	for (aobj = LIST_FIRST(&uvm->uao_list); aobj != NULL; aobj = nextaobj) {
		/*
		 * The list lock comes after object locks in the lock order:
		 * try for the object, and start over if that fails.  Most of
		 * the time we get it.  A back-off, not a sleep: the object's
		 * holder may be waiting for this very list lock (its last
		 * uao_detach), and nothing wakes a waiter when an object lock
		 * is released.  Yielding lets the holder run and finish; an
		 * object lock is held for short steps and dropped around I/O.
		 */
		if (!uvm_trylock(&aobj->u_obj.vmobjlock)) {
			uvm_unlock(&uvm->uao_list_lock);
			sched_yield();
			goto restart;
		}

		/* a reference keeps the aobj while the list is unlocked */
		uao_reference_locked(&aobj->u_obj);
		uvm_unlock(&uvm->uao_list_lock);

		rv = uao_pagein(aobj, startslot, endslot);
		if (rv) {
			uao_detach_locked(&aobj->u_obj);
			return rv;
		}

		/*
		 * Done with this aobj.  Find the next one with the list
		 * locked (object lock -> list lock: in order), then drop
		 * our reference.  If ours was the last, freeing the aobj
		 * needs the list lock: let go of it and start over.
		 */
		uvm_lock(&uvm->uao_list_lock);
		nextaobj = LIST_NEXT(aobj, u_list);
		if (aobj->u_obj.uo_refs > 1) {
			uao_unref_locked(&aobj->u_obj);
			uvm_obj_unlock(&aobj->u_obj);
			continue;
		}
		uvm_unlock(&uvm->uao_list_lock);
		uao_detach_locked(&aobj->u_obj);
		goto restart;
	}
	uvm_unlock(&uvm->uao_list_lock);
	return false;
}

/*
 * uao_pagein: page in every page of aobj that is in [startslot, endslot).
 * => aobj locked on entry and on return.
 * => returns true if aborted for lack of memory.
 */
static bool
uao_pagein(struct uvm_aobj *aobj, int startslot, int endslot)
{
	bool rv;

	if (aobj->u_flags & UAO_FLAG_NOSWAP)
		return false;
	if (UAO_USES_SWHASH(aobj)) {
		struct uao_swhash_elt *elt;
		long bucket;

restart:
		for (bucket = (long)aobj->u_swhashmask; bucket >= 0; bucket--) {
			LIST_FOREACH(elt, &aobj->u_swhash[bucket], list) {
				for (int i = 0; i < UAO_SWHASH_CLUSTER_SIZE;
				     i++) {
					int slot = elt->slots[i];

					if (slot < startslot || slot >= endslot)
						continue;
					/*
					 * the cluster may be freed while the
					 * page comes in: start over on this
					 * object afterwards
					 */
					rv = uao_pagein_page(aobj,
					    UAO_SWHASH_ELT_PAGEIDX_BASE(elt) +
						i);
					if (rv)
						return rv;
					goto restart;
				}
			}
		}
	} else {
		for (int i = 0; i < aobj->u_pages; i++) {
			int slot = aobj->u_swslots[i];

			if (slot < startslot || slot >= endslot)
				continue;
			rv = uao_pagein_page(aobj, i);
			if (rv)
				return rv;
		}
	}
	return false;
}

/*
 * uao_pagein_page: bring one swapped-out page back into memory (swapoff).
 *
 * => aobj locked on entry and on return; unlocked around the read.
 * => returns true if there was no memory for it (the caller aborts).
 *    A read error is not fatal: the slot is then SWSLOT_BAD (uao_get)
 *    and swapoff accounts it as bad.
 * => the page comes back dirty, without its slot, on the inactive queue.
 */
static bool
uao_pagein_page(struct uvm_aobj *aobj, int pageidx)
{
	struct uvm_object *uobj = &aobj->u_obj;
	struct uvm *uvm = uobj->uo_uvm;
	struct vm_page *pg = NULL;
	int rv, slot, npages = 1;

	/* locked: aobj */
	rv = uao_get(uobj, (voff_t)pageidx << PAGE_SHIFT, &pg, &npages, 0,
	    VM_PROT_READ | VM_PROT_WRITE, 0, 0);
	/* unlocked: aobj */
	uvm_lock(&uobj->vmobjlock);

	switch (rv) {
	case 0:
		break;
	case -ENOMEM:
		return true;
	default:
		/* -EIO: uao_get marked the slot bad; nothing more to do */
		return false;
	}

	/* we have the page: dirty it, free its slot, unbusy it */
	slot = uao_set_swslot(uobj, pageidx, 0);
	if (slot > 0)
		uvm_swap_free(uvm->swap, slot, 1);
	pg->flags &= ~(PG_CLEAN | PG_FAKE);
	UVM_STAT_INC(uvm, swapoffpgs);

	/* on a page queue, unmapped, so that the pagedaemon sees it */
	uvm_lock(&uvm->pq_lock);
	uvm_pagedeactivate(pg);
	uvm_unlock(&uvm->pq_lock);
	uvm_page_unbusy(pg);
	pmap_update(uvm->pmap);
	return false;
}
