/*
 * page.c: frames, the page queues, per-object lookup, busy/wanted, and
 * uvm_wait.  The counterpart of NetBSD's uvm_page.c for what the seed
 * calls: uvm_pagealloc, uvm_pagefree, uvm_pagelookup, uvm_pagezero,
 * uvm_pageactivate, uvm_pagedeactivate, uvm_wait.
 *
 * Locks: object lock -> pq_lock (see uvm_int.h).  Nothing here calls the
 * machine with the page queues locked except pmo_page_free, which must
 * not sleep.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/kmem_int.h"
#include "pager/pdaemon_int.h"
#include "pager/uvm_int.h"

/*
 * page lookup table
 */

int
pagetab_init(struct pagetab *pt, int npages)
{
	pt->pt_nleaves = (npages + PAGETAB_LEAF_SIZE - 1) >> PAGETAB_LEAF_SHIFT;
	if (pt->pt_nleaves == 0)
		pt->pt_nleaves = 1;
	pt->pt_leaves =
	    kmem_zalloc((size_t)pt->pt_nleaves, sizeof(*pt->pt_leaves));
	return pt->pt_leaves == NULL ? -ENOMEM : 0;
}

void
pagetab_fini(struct pagetab *pt)
{
	for (int i = 0; i < pt->pt_nleaves; i++)
		KASSERT(pt->pt_leaves[i] == NULL);
	kmem_free(pt->pt_leaves);
	pt->pt_leaves = NULL;
}

static struct vm_page **
pagetab_slot(struct pagetab *pt, int pageidx, bool create)
{
	int leaf = pageidx >> PAGETAB_LEAF_SHIFT;
	struct pagetab_leaf *pl;

	KASSERT(leaf >= 0 && leaf < pt->pt_nleaves);
	pl = pt->pt_leaves[leaf];
	if (pl == NULL) {
		if (!create)
			return NULL;
		pl = kmem_zalloc(1, sizeof(*pl));
		if (pl == NULL)
			return NULL;
		pt->pt_leaves[leaf] = pl;
	}
	return &pl->pl_pages[pageidx & (PAGETAB_LEAF_SIZE - 1)];
}

static int
pagetab_insert(struct pagetab *pt, int pageidx, struct vm_page *pg)
{
	struct vm_page **slot = pagetab_slot(pt, pageidx, true);

	if (slot == NULL)
		return -ENOMEM;
	KASSERT(*slot == NULL);
	*slot = pg;
	pt->pt_leaves[pageidx >> PAGETAB_LEAF_SHIFT]->pl_count++;
	return 0;
}

static void
pagetab_remove(struct pagetab *pt, int pageidx)
{
	int leaf = pageidx >> PAGETAB_LEAF_SHIFT;
	struct pagetab_leaf *pl = pt->pt_leaves[leaf];

	KASSERT(pl != NULL);
	KASSERT(pl->pl_pages[pageidx & (PAGETAB_LEAF_SIZE - 1)] != NULL);
	pl->pl_pages[pageidx & (PAGETAB_LEAF_SIZE - 1)] = NULL;
	if (--pl->pl_count == 0) {
		kmem_free(pl);
		pt->pt_leaves[leaf] = NULL;
	}
}

struct vm_page *
uvm_pagelookup(struct uvm_object *uobj, voff_t off)
{
	struct vm_page **slot;

	KASSERT(uvm_lock_held(&uobj->vmobjlock));
	slot = pagetab_slot(&uobj->uo_pagetab, (int)(off >> PAGE_SHIFT), false);
	return slot != NULL ? *slot : NULL;
}

/*
 * allocation
 */

void
uvm_lock_pageq(struct uvm *uvm)
{
	uvm_lock(&uvm->pq_lock);
}

void
uvm_unlock_pageq(struct uvm *uvm)
{
	uvm_unlock(&uvm->pq_lock);
}

struct vm_page *
uvm_pagealloc(struct uvm_object *uobj, voff_t off, void *anon, int flags)
{
	struct uvm *uvm = uobj->uo_uvm;
	struct vm_page *pg;

	(void)anon; /* aobj pages never belong to an anon */
	KASSERT(uvm_lock_held(&uobj->vmobjlock));
	KASSERT(!uvm_lock_held(&uvm->pq_lock));
	KASSERT(uvm_pagelookup(uobj, off) == NULL);

	uvm_lock(&uvm->pq_lock);
	pg = TAILQ_FIRST(&uvm->page_free);
	if (pg == NULL) {
		uvm_pdaemon_wakeup_locked(uvm);
		uvm_unlock(&uvm->pq_lock);
		return NULL;
	}
	TAILQ_REMOVE(&uvm->page_free, pg, pageq);
	uvm->free--;
	pg->pqflags = 0;
	if (uvm->free < uvm->freemin)
		uvm_pdaemon_wakeup_locked(uvm);
	uvm_unlock(&uvm->pq_lock);

	pg->uobject = uobj;
	pg->offset = off;
	pg->flags = PG_BUSY | PG_CLEAN | PG_FAKE;
	pg->wire_count = 0;
	pg->loan_count = 0;
	pg->owner_tag = "uvm_pagealloc";
	KASSERT(pg->mdpage.md_where == MD_NONE);
	if (pagetab_insert(&uobj->uo_pagetab, (int)(off >> PAGE_SHIFT), pg) !=
	    0) {
		/* no memory for bookkeeping: as good as no frame */
		pg->uobject = NULL;
		pg->flags = 0;
		uvm_lock(&uvm->pq_lock);
		pg->pqflags = PQ_FREE;
		TAILQ_INSERT_HEAD(&uvm->page_free, pg, pageq);
		uvm->free++;
		uvm_unlock(&uvm->pq_lock);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&uobj->memq, pg, listq);
	uobj->uo_npages++;

	if (flags & UVM_PGA_ZERO) {
		/* a zeroed page has no copy anywhere else: it is dirty */
		pg->flags &= ~PG_CLEAN;
		pmap_zero_page(pg);
	}
	return pg;
}

void
uvm_pagefree(struct vm_page *pg)
{
	struct uvm_object *uobj = pg->uobject;
	struct uvm *uvm = uobj->uo_uvm;

	KASSERT(uvm_lock_held(&uobj->vmobjlock));
	KASSERT(uvm_lock_held(&uvm->pq_lock));
	KASSERT((pg->flags & PG_MARKER) == 0);
	KASSERT(!pmap_is_mapped(pg));
	KASSERT(pg->loan_count == 0);

	/* whoever sleeps on the page must look again: it is gone */
	if (pg->flags & PG_WANTED)
		uvm_cond_broadcast(&uobj->uo_cv, &uobj->vmobjlock);

	uvm_pagedequeue(pg);
	pagetab_remove(&uobj->uo_pagetab, (int)(pg->offset >> PAGE_SHIFT));
	TAILQ_REMOVE(&uobj->memq, pg, listq);
	uobj->uo_npages--;

	uvm->pmap->pm_ops->pmo_page_free(uvm->pmap, pg);
	KASSERT(pg->mdpage.md_where == MD_NONE);

	pg->uobject = NULL;
	pg->offset = 0;
	pg->flags = 0;
	pg->wire_count = 0;
	pg->owner_tag = NULL;
	pg->pqflags = PQ_FREE;
	/* LIFO: the most recently used frame is the warmest */
	TAILQ_INSERT_HEAD(&uvm->page_free, pg, pageq);
	uvm->free++;
	if (uvm->free_waiters > 0)
		uvm_cond_broadcast(&uvm->free_cv, &uvm->pq_lock);
}

void
uvm_pagezero(struct vm_page *pg)
{
	KASSERT(uvm_lock_held(&pg->uobject->vmobjlock));
	pg->flags &= ~PG_CLEAN;
	pmap_zero_page(pg);
}

/*
 * queues
 */

void
uvm_pagedequeue(struct vm_page *pg)
{
	struct uvm *uvm = pg->uobject->uo_uvm;

	KASSERT(uvm_lock_held(&uvm->pq_lock));
	if (pg->pqflags & PQ_ACTIVE) {
		TAILQ_REMOVE(&uvm->page_active, pg, pageq);
		pg->pqflags &= ~PQ_ACTIVE;
		uvm->active--;
	} else if (pg->pqflags & PQ_INACTIVE) {
		TAILQ_REMOVE(&uvm->page_inactive, pg, pageq);
		pg->pqflags &= ~PQ_INACTIVE;
		uvm->inactive--;
	}
}

void
uvm_pageactivate(struct vm_page *pg)
{
	struct uvm *uvm = pg->uobject->uo_uvm;

	KASSERT(uvm_lock_held(&uvm->pq_lock));
	if (pg->pqflags & PQ_INACTIVE) {
		TAILQ_REMOVE(&uvm->page_inactive, pg, pageq);
		pg->pqflags &= ~PQ_INACTIVE;
		uvm->inactive--;
	}
	if ((pg->pqflags & PQ_ACTIVE) == 0 && pg->wire_count == 0) {
		TAILQ_INSERT_TAIL(&uvm->page_active, pg, pageq);
		pg->pqflags |= PQ_ACTIVE;
		uvm->active++;
	}
}

void
uvm_pagedeactivate(struct vm_page *pg)
{
	struct uvm *uvm = pg->uobject->uo_uvm;

	KASSERT(uvm_lock_held(&uvm->pq_lock));
	if (pg->pqflags & PQ_ACTIVE) {
		TAILQ_REMOVE(&uvm->page_active, pg, pageq);
		pg->pqflags &= ~PQ_ACTIVE;
		uvm->active--;
	}
	if ((pg->pqflags & PQ_INACTIVE) == 0 && pg->wire_count == 0) {
		TAILQ_INSERT_TAIL(&uvm->page_inactive, pg, pageq);
		pg->pqflags |= PQ_INACTIVE;
		uvm->inactive++;
		/* inactive pages are unmapped: the next touch is a soft fault */
		pmap_clear_reference(pg);
		UVM_STAT_INC(uvm, pddeact);
	}
}

void
uvm_pagewire(struct vm_page *pg)
{
	struct uvm *uvm = pg->uobject->uo_uvm;

	KASSERT(uvm_lock_held(&pg->uobject->vmobjlock));
	uvm_lock(&uvm->pq_lock);
	if (pg->wire_count == 0)
		uvm_pagedequeue(pg);
	pg->wire_count++;
	uvm_unlock(&uvm->pq_lock);
}

void
uvm_pageunwire(struct vm_page *pg)
{
	struct uvm *uvm = pg->uobject->uo_uvm;

	KASSERT(uvm_lock_held(&pg->uobject->vmobjlock));
	KASSERT(pg->wire_count > 0);
	uvm_lock(&uvm->pq_lock);
	if (--pg->wire_count == 0)
		uvm_pageactivate(pg);
	uvm_unlock(&uvm->pq_lock);
}

/*
 * busy / wanted
 */

void
uvm_page_wait(struct vm_page *pg)
{
	struct uvm_object *uobj = pg->uobject;

	KASSERT(uvm_lock_held(&uobj->vmobjlock));
	KASSERT(pg->flags & PG_BUSY);
	/* deferred machine work must be done before the lock is dropped */
	pmap_update(uobj->uo_uvm->pmap);
	pg->flags |= PG_WANTED;
	uvm_cond_wait(&uobj->uo_cv, &uobj->vmobjlock);
}

void
uvm_page_unbusy(struct vm_page *pg)
{
	struct uvm_object *uobj = pg->uobject;
	struct uvm *uvm = uobj->uo_uvm;

	KASSERT(uvm_lock_held(&uobj->vmobjlock));
	KASSERT(pg->flags & PG_BUSY);

	if (pg->flags & PG_RELEASED) {
		pmap_page_remove(pg);
		pmap_update(uvm->pmap);
		uvm_lock(&uvm->pq_lock);
		uvm_pagefree(pg);
		uvm_unlock(&uvm->pq_lock);
		return;
	}
	if (pg->mdpage.md_where == MD_BOUNCE)
		uvm->pmap->pm_ops->pmo_page_settle(uvm->pmap, pg);
	if (pg->flags & PG_WANTED)
		uvm_cond_broadcast(&uobj->uo_cv, &uobj->vmobjlock);
	pg->flags &= ~(PG_BUSY | PG_WANTED);
	uvm_page_own(pg, NULL);
}

/*
 * memory
 */

int
uvm_wait(struct uvm *uvm, const char *wmsg)
{
	uint64_t gen;
	int error = 0;

	(void)wmsg;
	uvm_lock(&uvm->pq_lock);
	if (uvm->free > 0) {
		uvm_unlock(&uvm->pq_lock);
		return 0;
	}
	if (!uvm_pdaemon_running_locked(uvm)) {
		/* no pagedaemon thread: do its work here */
		uvm_unlock(&uvm->pq_lock);
		uvm_pdaemon_pass(uvm);
		uvm_lock(&uvm->pq_lock);
		error = uvm->free > 0 ? 0 : -ENOMEM;
		if (error)
			uvm->oom_gen++;
		uvm_unlock(&uvm->pq_lock);
		return error;
	}
	gen = uvm->oom_gen;
	uvm->free_waiters++;
	uvm_pdaemon_wakeup_locked(uvm);
	while (uvm->free == 0 && uvm->oom_gen == gen &&
	    uvm_pdaemon_running_locked(uvm))
		uvm_cond_wait(&uvm->free_cv, &uvm->pq_lock);
	if (uvm->free == 0)
		error = -ENOMEM;
	uvm->free_waiters--;
	uvm_unlock(&uvm->pq_lock);
	return error;
}

void
uvm_obj_unlock(struct uvm_object *uobj)
{
	KASSERT(uvm_lock_held(&uobj->vmobjlock));
	pmap_update(uobj->uo_uvm->pmap);
	uvm_unlock(&uobj->vmobjlock);
}
