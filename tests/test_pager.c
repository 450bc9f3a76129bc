/*
 * test_pager.c: the machine-independent pager (suite 'pager'), through
 * the in-memory machine (pmap_mem) and real swap files.  No page faults:
 * every "access" is pmap_mem_access, which calls uvm_fault where the
 * hardware would fault.
 *
 * TCases, one behaviour group each:
 *   pages     uvm_pagealloc/free/lookup/zero, queues, uvm_wait
 *   busy      the PG_BUSY / PG_WANTED sleep protocol
 *   aobj      create, reference, detach, the slot store (array and hash)
 *   get       uao_get, PGO_LOCKED and the I/O path, read errors
 *   put       uao_put: every flag combination, both traversals, refs,
 *             wired and busy pages; uao_dropswap
 *   swapoff   uao_swap_off through swap_off: success and ENOMEM
 *   pdaemon   the pressure thread, 4x the RAM limit through swap
 *   contract  assertions that must abort
 * Each test ends with harness_check (DESIGN.md section 3) via harness_fini
 * or directly.
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "pager/pagerio_int.h"

/* both slot stores: array up to UAO_SWHASH_THRESHOLD pages, hash above */
static const int obj_sizes[] = { 8, UAO_SWHASH_THRESHOLD,
	UAO_SWHASH_THRESHOLD + 1, 1000 };
#define NSIZES ((int)(sizeof(obj_sizes) / sizeof(obj_sizes[0])))

static uint64_t
stat_of(atomic_uint_fast64_t *a)
{
	return (uint64_t)atomic_load(a);
}

/* => object locked: activate a page we got busy, then unbusy it */
static void
activate_unbusy(struct vm_page *pg)
{
	struct uvm *uvm = pg->uobject->uo_uvm;

	uvm_lock(&uvm->pq_lock);
	uvm_pageactivate(pg);
	uvm_unlock(&uvm->pq_lock);
	uvm_page_unbusy(pg);
}

/* the pages of an object that are resident (r), with a slot >0 (s) */
static void
count_pages(struct uvm_object *uobj, int *resp, int *swonlyp, int *slotsp)
{
	int res = 0, swonly = 0, slots = 0;

	uvm_lock(&uobj->vmobjlock);
	for (int i = 0; i < uao_npages(uobj); i++) {
		bool r = uvm_pagelookup(uobj, (voff_t)i << PAGE_SHIFT) != NULL;
		int slot = uao_find_swslot(uobj, i);

		res += r;
		slots += slot > 0;
		swonly += !r && slot > 0;
	}
	uvm_unlock(&uobj->vmobjlock);
	if (resp != NULL)
		*resp = res;
	if (swonlyp != NULL)
		*swonlyp = swonly;
	if (slotsp != NULL)
		*slotsp = slots;
}

/*
 * pages
 */

START_TEST(test_page_alloc_exhaust)
{
	struct harness h;
	struct uvm *uvm;
	struct uvm_object *uobj;
	struct vm_page *pgs[16], *pg;

	harness_init(&h, 16);
	uvm = h.h_uvm;
	uobj = uao_create(uvm, 32 * PAGE_SIZE, 0);
	ck_assert_ptr_nonnull(uobj);

	uvm_lock(&uobj->vmobjlock);
	for (int i = 0; i < 16; i++) {
		bool zero = (i & 1) != 0;

		pg = uvm_pagealloc(uobj, (voff_t)i << PAGE_SHIFT, NULL,
		    zero ? UVM_PGA_ZERO : 0);
		ck_assert_ptr_nonnull(pg);
		pgs[i] = pg;
		ck_assert_ptr_eq(pg->uobject, uobj);
		ck_assert_int_eq(pg->offset, (voff_t)i << PAGE_SHIFT);
		ck_assert_int_eq(pg->pqflags &
			(PQ_FREE | PQ_ACTIVE | PQ_INACTIVE),
		    0);
		if (zero) {
			/* zeroed: no copy anywhere else, so dirty */
			ck_assert_uint_eq(pg->flags & (PG_BUSY | PG_CLEAN),
			    PG_BUSY);
			ck_assert_int_eq(pg->mdpage.md_where, MD_ZERO);
		} else {
			ck_assert_uint_eq(pg->flags,
			    PG_BUSY | PG_CLEAN | PG_FAKE);
			ck_assert_int_eq(pg->mdpage.md_where, MD_NONE);
		}
		ck_assert_ptr_eq(uvm_pagelookup(uobj, pg->offset), pg);
		ck_assert_int_eq(uobj->uo_npages, i + 1);
		ck_assert_int_eq(uvm->free, 15 - i);
	}
	/* no frame left: NULL, nothing entered */
	ck_assert_ptr_null(
	    uvm_pagealloc(uobj, 16 * PAGE_SIZE, NULL, UVM_PGA_ZERO));
	ck_assert_ptr_null(uvm_pagelookup(uobj, 16 * PAGE_SIZE));
	ck_assert_int_eq(uobj->uo_npages, 16);
	ck_assert_int_eq(uvm->free, 0);

	/* the owner frees its busy pages */
	uvm_lock(&uvm->pq_lock);
	for (int i = 0; i < 16; i++) {
		voff_t off = pgs[i]->offset;

		uvm_pagefree(pgs[i]);
		ck_assert_ptr_null(uvm_pagelookup(uobj, off));
		ck_assert_ptr_null(pgs[i]->uobject);
		ck_assert_uint_eq(pgs[i]->pqflags, PQ_FREE);
		ck_assert_int_eq(uvm->free, i + 1);
	}
	uvm_unlock(&uvm->pq_lock);
	ck_assert_int_eq(uobj->uo_npages, 0);

	/* LIFO: the frame freed last is handed out first */
	pg = uvm_pagealloc(uobj, 0, NULL, UVM_PGA_ZERO);
	ck_assert_ptr_eq(pg, pgs[15]);
	uvm_lock(&uvm->pq_lock);
	uvm_pagefree(pg);
	uvm_unlock(&uvm->pq_lock);
	uvm_unlock(&uobj->vmobjlock);

	uao_detach(uobj);
	harness_fini(&h);
}
END_TEST

START_TEST(test_page_zero)
{
	struct harness h;
	struct uvm_object *uobj;
	struct vm_page *pg;

	harness_init(&h, 16);
	uobj = harness_aobj(&h, 4);
	ck_assert_int_eq(harness_write_page(uobj, 1, 7), 0);

	uvm_lock(&uobj->vmobjlock);
	pg = uvm_pagelookup(uobj, PAGE_SIZE);
	ck_assert_ptr_nonnull(pg);
	pg->flags |= PG_BUSY;
	/* a page must leave its mapping before its bytes change */
	pmap_page_protect(pg, VM_PROT_NONE);
	ck_assert_int_eq(pg->mdpage.md_where, MD_STAGED);
	pg->flags |= PG_CLEAN; /* pretend: uvm_pagezero must dirty it */
	uvm_pagezero(pg);
	ck_assert_int_eq(pg->flags & PG_CLEAN, 0);
	ck_assert_int_eq(pg->mdpage.md_where, MD_ZERO);
	uvm_page_unbusy(pg);
	uvm_obj_unlock(uobj);

	/* the next access is a fault that maps the zeroed frame */
	ck_assert_int_eq(harness_verify_page(uobj, 1, 0), 0);
	ck_assert_int_eq(harness_resident(uobj), 1);
	harness_check(&h);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

static int
queue_len(struct uvm *uvm, bool active)
{
	struct vm_page *pg;
	int n = 0;

	uvm_lock(&uvm->pq_lock);
	if (active) {
		TAILQ_FOREACH(pg, &uvm->page_active, pageq)
			n++;
	} else {
		TAILQ_FOREACH(pg, &uvm->page_inactive, pageq)
			n++;
	}
	uvm_unlock(&uvm->pq_lock);
	return n;
}

START_TEST(test_page_queues)
{
	struct harness h;
	struct uvm *uvm;
	struct uvm_object *uobj;
	struct vm_page *pgs[20];
	uint64_t deact0;

	harness_init(&h, 32);
	uvm = h.h_uvm;
	uobj = uao_create(uvm, 32 * PAGE_SIZE, 0);
	uvm_lock(&uobj->vmobjlock);
	for (int i = 0; i < 20; i++) {
		pgs[i] = uvm_pagealloc(uobj, (voff_t)i << PAGE_SHIFT, NULL,
		    UVM_PGA_ZERO);
		ck_assert_ptr_nonnull(pgs[i]);
	}

	deact0 = stat_of(&uvm->exp.pddeact);
	uvm_lock(&uvm->pq_lock);
	for (int i = 0; i < 20; i++) {
		uvm_pageactivate(pgs[i]);
		ck_assert_uint_eq(pgs[i]->pqflags, PQ_ACTIVE);
	}
	/* activating twice changes nothing */
	uvm_pageactivate(pgs[0]);
	ck_assert_int_eq(uvm->active, 20);
	ck_assert_int_eq(uvm->inactive, 0);
	for (int i = 0; i < 8; i++) {
		uvm_pagedeactivate(pgs[i]);
		ck_assert_uint_eq(pgs[i]->pqflags, PQ_INACTIVE);
	}
	uvm_pagedeactivate(pgs[0]);
	ck_assert_int_eq(uvm->active, 12);
	ck_assert_int_eq(uvm->inactive, 8);
	ck_assert_uint_eq(stat_of(&uvm->exp.pddeact) - deact0, 8);

	uvm_pageactivate(pgs[3]); /* inactive -> active */
	ck_assert_uint_eq(pgs[3]->pqflags, PQ_ACTIVE);
	uvm_pagedequeue(pgs[4]); /* off every queue */
	ck_assert_uint_eq(pgs[4]->pqflags, 0);
	ck_assert_int_eq(uvm->active, 13);
	ck_assert_int_eq(uvm->inactive, 6);
	uvm_unlock(&uvm->pq_lock);

	/* a wired page is on no queue, and queue calls leave it there */
	uvm_pagewire(pgs[5]);
	ck_assert_int_eq(pgs[5]->wire_count, 1);
	ck_assert_uint_eq(pgs[5]->pqflags, 0);
	uvm_lock(&uvm->pq_lock);
	uvm_pageactivate(pgs[5]);
	uvm_pagedeactivate(pgs[5]);
	ck_assert_uint_eq(pgs[5]->pqflags, 0);
	ck_assert_int_eq(uvm->inactive, 5);
	uvm_unlock(&uvm->pq_lock);
	uvm_pageunwire(pgs[5]); /* back: active */
	ck_assert_uint_eq(pgs[5]->pqflags, PQ_ACTIVE);
	uvm_lock(&uvm->pq_lock);
	uvm_pageactivate(pgs[4]);
	ck_assert_int_eq(uvm->active, 15);
	ck_assert_int_eq(uvm->inactive, 5);
	uvm_unlock(&uvm->pq_lock);
	ck_assert_int_eq(queue_len(uvm, true), 15);
	ck_assert_int_eq(queue_len(uvm, false), 5);

	for (int i = 0; i < 20; i++)
		uvm_page_unbusy(pgs[i]);
	uvm_obj_unlock(uobj);
	harness_check(&h);

	uvm_lock(&uobj->vmobjlock);
	ck_assert_int_eq(uao_put(uobj, 0, 0, PGO_ALLPAGES | PGO_FREE), 0);
	ck_assert_int_eq(uvm->active, 0);
	ck_assert_int_eq(uvm->inactive, 0);
	ck_assert_int_eq(uvm->free, 32);
	uao_detach(uobj);
	harness_fini(&h);
}
END_TEST

/*
 * Fill every frame with dirty pages, written at even indices so that no
 * fault-ahead zero-fills a neighbour: exactly one frame per write.
 */
static void
fill_frames(struct harness *h, struct uvm_object *uobj, uint64_t gen)
{
	int nframes = h->h_uvm->nframes;

	for (int i = 0; i < nframes; i++)
		ck_assert_int_eq(harness_write_page(uobj, 2 * i, gen), 0);
	ck_assert_int_eq(h->h_uvm->free, 0);
}

START_TEST(test_page_wait_runs_pass)
{
	struct harness h;
	struct uvm *uvm;
	struct uvm_object *uobj;
	uint64_t passes0;

	/* no pagedaemon thread: uvm_wait runs a pass in the caller */
	harness_init(&h, 16);
	uvm = h.h_uvm;
	ck_assert_int_gt(harness_swapon(&h, "swap0", 64, 0), 0);
	uobj = harness_aobj(&h, 32);
	fill_frames(&h, uobj, 3);

	uvm_lock(&uobj->vmobjlock);
	ck_assert_ptr_null(uvm_pagealloc(uobj, PAGE_SIZE, NULL, 0));
	uvm_unlock(&uobj->vmobjlock);

	passes0 = stat_of(&uvm->exp.pdpasses);
	ck_assert_int_eq(uvm_wait(uvm, "test"), 0);
	ck_assert_uint_eq(stat_of(&uvm->exp.pdpasses) - passes0, 1);
	ck_assert_int_gt(uvm->free, 0);
	/* what was freed was written out first: every page was dirty */
	ck_assert_uint_eq(stat_of(&uvm->exp.pageouts), (uint64_t)uvm->free);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), uvm->free);
	harness_check(&h);

	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(harness_verify_page(uobj, 2 * i, 3), 0);
	harness_check(&h);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

START_TEST(test_page_wait_enomem)
{
	struct harness h;
	struct uvm *uvm;
	struct uvm_object *uobj;
	uint64_t gen0;
	int error;

	/* no swap: dirty pages cannot go anywhere */
	harness_init(&h, 16);
	uvm = h.h_uvm;
	uobj = harness_aobj(&h, 40);
	fill_frames(&h, uobj, 5);

	gen0 = uvm->oom_gen;
	ck_assert_int_eq(uvm_wait(uvm, "test"), -ENOMEM);
	ck_assert_uint_eq(uvm->oom_gen, gen0 + 1);
	ck_assert_int_eq(uvm->free, 0);

	/* a fault that needs a frame gets the same answer */
	error = harness_write_page(uobj, 33, 5);
	ck_assert_int_eq(error, -ENOMEM);
	ck_assert_uint_eq(stat_of(&uvm->exp.fltnomem), 1);
	ck_assert_ptr_null(harness_page(uobj, 33));
	harness_check(&h);

	/* nothing was lost */
	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(harness_verify_page(uobj, 2 * i, 5), 0);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

START_TEST(test_page_wait_wakes_pdaemon)
{
	struct harness h;
	struct uvm *uvm;
	struct uvm_object *uobj;

	harness_init(&h, 16);
	uvm = h.h_uvm;
	ck_assert_int_gt(harness_swapon(&h, "swap0", 64, 0), 0);
	uobj = harness_aobj(&h, 32);

	/*
	 * With freemin 0 an allocation wakes the daemon only when it finds
	 * no frame; filling memory exactly therefore never wakes it, and
	 * only uvm_wait can.
	 */
	uvm_lock(&uvm->pq_lock);
	uvm->freemin = 0;
	uvm_unlock(&uvm->pq_lock);
	ck_assert_int_eq(uvm_pdaemon_start(uvm), 0);
	ck_assert_int_eq(uvm_pdaemon_start(uvm), -EALREADY);
	fill_frames(&h, uobj, 9);
	ck_assert_uint_eq(stat_of(&uvm->exp.pdpasses), 0);

	/* sleeps until the daemon has freed frames */
	ck_assert_int_eq(uvm_wait(uvm, "test"), 0);
	ck_assert_uint_ge(stat_of(&uvm->exp.pdpasses), 1);
	uvm_lock(&uvm->pq_lock);
	ck_assert_int_gt(uvm->free, 0);
	ck_assert_int_eq(uvm->free_waiters, 0);
	uvm_unlock(&uvm->pq_lock);

	uvm_pdaemon_stop(uvm);
	uvm_lock(&uvm->pq_lock);
	ck_assert(!uvm_pdaemon_running_locked(uvm));
	uvm_unlock(&uvm->pq_lock);
	ck_assert_uint_gt(stat_of(&uvm->exp.pageouts), 0);
	harness_check(&h);
	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(harness_verify_page(uobj, 2 * i, 9), 0);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

START_TEST(test_page_wait_pdaemon_oom)
{
	struct harness h;
	struct uvm *uvm;
	struct uvm_object *uobj;

	/* a daemon that cannot free anything declares memory exhausted */
	harness_init(&h, 16);
	uvm = h.h_uvm;
	uobj = harness_aobj(&h, 40);
	fill_frames(&h, uobj, 4);
	ck_assert_int_eq(uvm_pdaemon_start(uvm), 0);
	ck_assert_int_eq(uvm_wait(uvm, "test"), -ENOMEM);
	ck_assert_uint_ge(stat_of(&uvm->exp.oomevents), 1);
	ck_assert_int_eq(harness_write_page(uobj, 33, 4), -ENOMEM);
	uvm_pdaemon_stop(uvm);
	harness_check(&h);
	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(harness_verify_page(uobj, 2 * i, 4), 0);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

/*
 * busy / wanted
 */

struct waiter {
	struct uvm_object *w_uobj;
	int w_idx;
	struct vm_page *w_got; /* the page found unbusy, or NULL if gone */
	int w_rv;
	atomic_int w_done;
};

/* look the page up; while busy, sleep on it; then own it briefly */
static void *
waiter_page(void *arg)
{
	struct waiter *w = arg;
	struct uvm_object *uobj = w->w_uobj;
	struct vm_page *pg;

	uvm_lock(&uobj->vmobjlock);
	pg = uvm_pagelookup(uobj, (voff_t)w->w_idx << PAGE_SHIFT);
	while (pg != NULL && (pg->flags & PG_BUSY) != 0) {
		uvm_page_wait(pg);
		pg = uvm_pagelookup(uobj, (voff_t)w->w_idx << PAGE_SHIFT);
	}
	w->w_got = pg;
	if (pg != NULL) {
		pg->flags |= PG_BUSY;
		uvm_page_own(pg, "waiter");
		uvm_page_unbusy(pg);
	}
	atomic_store(&w->w_done, 1);
	uvm_obj_unlock(uobj);
	return NULL;
}

/* uao_get without PGO_LOCKED on one page: the fault's I/O path */
static void *
waiter_get(void *arg)
{
	struct waiter *w = arg;
	struct uvm_object *uobj = w->w_uobj;
	struct vm_page *pps[1] = { NULL };
	int npages = 1;

	uvm_lock(&uobj->vmobjlock);
	w->w_rv = uao_get(uobj, (voff_t)w->w_idx << PAGE_SHIFT, pps, &npages, 0,
	    VM_PROT_READ, 0, 0);
	if (w->w_rv == 0) {
		uvm_lock(&uobj->vmobjlock);
		w->w_got = pps[0];
		activate_unbusy(pps[0]);
		uvm_obj_unlock(uobj);
	}
	atomic_store(&w->w_done, 1);
	return NULL;
}

START_TEST(test_busy_wanted_unbusy)
{
	struct harness h;
	struct uvm_object *uobj;
	struct vm_page *pg;
	struct waiter w = { 0 };
	pthread_t t;

	harness_init(&h, 16);
	uobj = harness_aobj(&h, 4);
	ck_assert_int_eq(harness_write_page(uobj, 2, 1), 0);
	pg = harness_busy(uobj, 2);

	w.w_uobj = uobj;
	w.w_idx = 2;
	ck_assert_int_eq(pthread_create(&t, NULL, waiter_page, &w), 0);
	harness_wait_wanted(uobj, pg);

	/* the waiter is asleep: it cannot have finished */
	uvm_lock(&uobj->vmobjlock);
	ck_assert_int_eq(atomic_load(&w.w_done), 0);
	uvm_page_unbusy(pg);
	ck_assert_uint_eq(pg->flags & (PG_BUSY | PG_WANTED), 0);
	uvm_obj_unlock(uobj);
	pthread_join(t, NULL);
	ck_assert_int_eq(atomic_load(&w.w_done), 1);
	ck_assert_ptr_eq(w.w_got, pg);
	ck_assert_uint_eq(pg->flags & (PG_BUSY | PG_WANTED), 0);

	ck_assert_int_eq(harness_verify_page(uobj, 2, 1), 0);
	harness_check(&h);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

START_TEST(test_busy_wanted_freed)
{
	struct harness h;
	struct uvm *uvm;
	struct uvm_object *uobj;
	struct vm_page *pg;
	struct waiter w = { 0 };
	pthread_t t;

	/* a page freed under a sleeper wakes it, and it finds it gone */
	harness_init(&h, 16);
	uvm = h.h_uvm;
	uobj = harness_aobj(&h, 4);
	ck_assert_int_eq(harness_write_page(uobj, 1, 1), 0);
	pg = harness_busy(uobj, 1);
	w.w_uobj = uobj;
	w.w_idx = 1;
	ck_assert_int_eq(pthread_create(&t, NULL, waiter_page, &w), 0);
	harness_wait_wanted(uobj, pg);

	uvm_lock(&uobj->vmobjlock);
	pmap_page_remove(pg);
	uvm_lock(&uvm->pq_lock);
	uvm_pagefree(pg);
	uvm_unlock(&uvm->pq_lock);
	uvm_obj_unlock(uobj);
	pthread_join(t, NULL);
	ck_assert_ptr_null(w.w_got);
	harness_check(&h);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

START_TEST(test_busy_released)
{
	struct harness h;
	struct uvm *uvm;
	struct uvm_object *uobj;
	struct vm_page *pg;
	struct waiter w = { 0 };
	pthread_t t;

	/* PG_RELEASED: the owner's unbusy frees the page */
	harness_init(&h, 16);
	uvm = h.h_uvm;
	uobj = harness_aobj(&h, 4);
	ck_assert_int_eq(harness_write_page(uobj, 0, 1), 0);
	pg = harness_busy(uobj, 0);
	w.w_uobj = uobj;
	ck_assert_int_eq(pthread_create(&t, NULL, waiter_page, &w), 0);
	harness_wait_wanted(uobj, pg);
	uvm_lock(&uobj->vmobjlock);
	pg->flags |= PG_RELEASED;
	uvm_page_unbusy(pg);
	ck_assert_ptr_null(uvm_pagelookup(uobj, 0));
	ck_assert_int_eq(uvm->free, 16);
	uvm_obj_unlock(uobj);
	pthread_join(t, NULL);
	ck_assert_ptr_null(w.w_got);
	harness_check(&h);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

START_TEST(test_busy_get_waits_no_second_read)
{
	struct harness h;
	struct uvm *uvm;
	struct uvm_object *uobj;
	struct vm_page *pg;
	struct waiter w = { 0 };
	pthread_t t;
	uint64_t pageins0;

	harness_init(&h, 16);
	uvm = h.h_uvm;
	ck_assert_int_gt(harness_swapon(&h, "swap0", 16, 0), 0);
	uobj = harness_aobj(&h, 4);
	ck_assert_int_eq(harness_write_page(uobj, 0, 6), 0);
	harness_pageout_all(&h);
	ck_assert_ptr_null(harness_page(uobj, 0));

	/* bring it in ourselves, and hold it busy as a read in flight is */
	{
		struct vm_page *pps[1] = { NULL };
		int npages = 1;

		uvm_lock(&uobj->vmobjlock);
		ck_assert_int_eq(uao_get(uobj, 0, pps, &npages, 0, VM_PROT_READ,
				     0, 0),
		    0);
		pg = pps[0];
		ck_assert_uint_eq(pg->flags & PG_BUSY, PG_BUSY);
	}
	pageins0 = stat_of(&uvm->exp.pageins);
	ck_assert_uint_eq(pageins0, 1);

	/* a second getter finds it busy, sleeps, and never reads */
	w.w_uobj = uobj;
	ck_assert_int_eq(pthread_create(&t, NULL, waiter_get, &w), 0);
	harness_wait_wanted(uobj, pg);
	uvm_lock(&uobj->vmobjlock);
	activate_unbusy(pg);
	uvm_obj_unlock(uobj);
	pthread_join(t, NULL);
	ck_assert_int_eq(w.w_rv, 0);
	ck_assert_ptr_eq(w.w_got, pg);
	ck_assert_uint_eq(stat_of(&uvm->exp.pageins), pageins0);

	/* PGO_LOCKED on a busy centre page: EBUSY, nothing taken */
	{
		struct vm_page *pps[1] = { NULL };
		int npages = 1;

		pg = harness_busy(uobj, 0);
		uvm_lock(&uobj->vmobjlock);
		ck_assert_int_eq(uao_get(uobj, 0, pps, &npages, 0, VM_PROT_READ,
				     0, PGO_LOCKED),
		    -EBUSY);
		ck_assert_int_eq(npages, 0);
		ck_assert_ptr_null(pps[0]);
		uvm_page_unbusy(pg);
		uvm_obj_unlock(uobj);
	}
	ck_assert_int_eq(harness_verify_page(uobj, 0, 6), 0);
	harness_check(&h);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

/*
 * aobj: create, reference, detach
 */

static int
aobj_list_len(struct uvm *uvm)
{
	struct uvm_aobj *aobj;
	int n = 0;

	uvm_lock(&uvm->uao_list_lock);
	LIST_FOREACH(aobj, &uvm->uao_list, u_list)
		n++;
	uvm_unlock(&uvm->uao_list_lock);
	return n;
}

START_TEST(test_aobj_create)
{
	struct harness h;
	struct uvm *uvm;
	struct uvm_object *u[6];
	struct uvm_aobj *a;

	harness_init(&h, 16);
	uvm = h.h_uvm;
	ck_assert_ptr_null(uao_create(uvm, 0, 0));
	ck_assert_ptr_null(uao_create(uvm, PAGE_SIZE, 0x1));
	ck_assert_ptr_null(
	    uao_create(uvm, ((vsize_t)INT_MAX << PAGE_SHIFT) + 1, 0));
	ck_assert_int_eq(aobj_list_len(uvm), 0);

	/* sizes round up to pages */
	u[0] = uao_create(uvm, 1, 0);
	u[1] = uao_create(uvm, 3 * PAGE_SIZE + 1, 0);
	ck_assert_int_eq(uao_npages(u[0]), 1);
	ck_assert_int_eq(uao_npages(u[1]), 4);

	/* array up to the threshold, hash (power-of-two buckets) above */
	u[2] = uao_create(uvm, UAO_SWHASH_THRESHOLD * PAGE_SIZE, 0);
	u[3] = uao_create(uvm, (UAO_SWHASH_THRESHOLD + 1) * PAGE_SIZE, 0);
	u[4] = uao_create(uvm, 100000 * (vsize_t)PAGE_SIZE, 0);
	a = (struct uvm_aobj *)u[2];
	ck_assert_ptr_nonnull(a->u_swslots);
	ck_assert_ptr_null(a->u_swhash);
	a = (struct uvm_aobj *)u[3];
	ck_assert_ptr_null(a->u_swslots);
	ck_assert_ptr_nonnull(a->u_swhash);
	ck_assert_uint_eq(a->u_swhashmask, 3); /* 65 >> 4 = 4 buckets */
	a = (struct uvm_aobj *)u[4];
	ck_assert_uint_eq(a->u_swhashmask, UAO_SWHASH_MAXBUCKETS - 1);

	/* no swap: no slot store at all, and slots read 0 */
	u[5] = uao_create(uvm, 1000 * PAGE_SIZE, UAO_FLAG_NOSWAP);
	ck_assert_ptr_nonnull(u[5]);
	a = (struct uvm_aobj *)u[5];
	ck_assert_ptr_null(a->u_swslots);
	ck_assert_ptr_null(a->u_swhash);
	uvm_lock(&u[5]->vmobjlock);
	ck_assert_int_eq(uao_find_swslot(u[5], 999), 0);
	ck_assert_int_eq(uao_set_swslot(u[5], 999, 0), 0);
	uvm_unlock(&u[5]->vmobjlock);

	for (int i = 0; i < 6; i++) {
		ck_assert_ptr_nonnull(u[i]);
		ck_assert_int_eq(u[i]->uo_refs, 1);
		ck_assert_int_eq(u[i]->uo_npages, 0);
		ck_assert_ptr_eq(u[i]->uo_uvm, uvm);
	}
	ck_assert_int_eq(aobj_list_len(uvm), 6);
	harness_check(&h);
	for (int i = 0; i < 6; i++)
		uao_detach(u[i]);
	ck_assert_int_eq(aobj_list_len(uvm), 0);
	harness_fini(&h);
}
END_TEST

START_TEST(test_aobj_noswap_stays)
{
	struct harness h;
	struct uvm *uvm;
	struct uvm_object *ns, *sw;
	int res;

	harness_init(&h, 32);
	uvm = h.h_uvm;
	ck_assert_int_gt(harness_swapon(&h, "swap0", 64, 0), 0);
	ns = uao_create(uvm, 16 * PAGE_SIZE, UAO_FLAG_NOSWAP);
	ck_assert_int_eq(pmap_mem_map(uvm->pmap, ns), 0);
	sw = harness_aobj(&h, 16);
	for (int i = 0; i < 16; i += 2) {
		ck_assert_int_eq(harness_write_page(ns, i, 1), 0);
		ck_assert_int_eq(harness_write_page(sw, i, 2), 0);
	}
	/* pageout takes the swappable object's pages only */
	harness_pageout_all(&h);
	ck_assert_int_eq(harness_resident(ns), 8);
	ck_assert_int_eq(harness_resident(sw), 0);
	/* cleaning a no-swap object is a no-op, not an error */
	uvm_lock(&ns->vmobjlock);
	ck_assert_int_eq(uao_put(ns, 0, 0, PGO_ALLPAGES | PGO_CLEANIT), 0);
	count_pages(ns, &res, NULL, NULL);
	ck_assert_int_eq(res, 8);
	ck_assert_int_eq(swap_swpginuse(uvm->swap), 8);
	harness_check(&h);
	for (int i = 0; i < 16; i += 2) {
		ck_assert_int_eq(harness_verify_page(ns, i, 1), 0);
		ck_assert_int_eq(harness_verify_page(sw, i, 2), 0);
	}
	harness_aobj_free(ns);
	harness_aobj_free(sw);
	harness_fini(&h);
}
END_TEST

START_TEST(test_aobj_reference_detach)
{
	struct harness h;
	struct uvm *uvm;
	struct uvm_object *uobj;

	harness_init(&h, 16);
	uvm = h.h_uvm;
	ck_assert_int_gt(harness_swapon(&h, "swap0", 64, 0), 0);
	uobj = harness_aobj(&h, 40);
	for (int i = 0; i < 40; i++)
		ck_assert_int_eq(harness_write_page(uobj, i, 1), 0);
	ck_assert_int_gt(swap_swpgonly(uvm->swap), 0);

	uao_reference(uobj);
	ck_assert_int_eq(uobj->uo_refs, 2);
	uvm_lock(&uobj->vmobjlock);
	uao_reference_locked(uobj);
	ck_assert_int_eq(uobj->uo_refs, 3);
	ck_assert(uvm_lock_held(&uobj->vmobjlock));
	uao_detach_locked(uobj); /* unlocks */
	ck_assert(!uvm_lock_held(&uobj->vmobjlock));
	ck_assert_int_eq(uobj->uo_refs, 2);
	uao_detach(uobj);
	ck_assert_int_eq(uobj->uo_refs, 1);
	ck_assert_int_eq(aobj_list_len(uvm), 1);
	/* the object is intact */
	for (int i = 0; i < 40; i++)
		ck_assert_int_eq(harness_verify_page(uobj, i, 1), 0);
	harness_check(&h);

	/* the last reference frees pages, frames and swap */
	harness_aobj_drop(uobj);
	ck_assert_int_eq(aobj_list_len(uvm), 0);
	ck_assert_int_eq(uvm->free, 16);
	ck_assert_int_eq(swap_swpginuse(uvm->swap), 0);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), 0);
	harness_fini(&h);
}
END_TEST

static void *
detacher(void *arg)
{
	struct waiter *w = arg;

	uao_detach(w->w_uobj);
	atomic_store(&w->w_done, 1);
	return NULL;
}

START_TEST(test_aobj_detach_waits_busy)
{
	struct harness h;
	struct uvm *uvm;
	struct uvm_object *uobj;
	struct vm_page *pg;
	struct waiter w = { 0 };
	pthread_t t;

	harness_init(&h, 16);
	uvm = h.h_uvm;
	ck_assert_int_gt(harness_swapon(&h, "swap0", 64, 0), 0);
	uobj = harness_aobj(&h, 8);
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(harness_write_page(uobj, i, 1), 0);
	harness_pageout_all(&h);
	ck_assert_int_eq(harness_verify_page(uobj, 3, 1), 0);
	ck_assert_int_eq(harness_write_page(uobj, 5, 2), 0);
	uvm_lock(&uobj->vmobjlock);
	uao_put(uobj, 0, 0, PGO_ALLPAGES | PGO_DEACTIVATE);
	pmap_mem_unmap(uobj);

	/* a page in "I/O": the detach must wait for it */
	pg = harness_busy(uobj, 3);
	w.w_uobj = uobj;
	ck_assert_int_eq(pthread_create(&t, NULL, detacher, &w), 0);
	harness_wait_wanted(uobj, pg);
	uvm_lock(&uobj->vmobjlock);
	ck_assert_int_eq(atomic_load(&w.w_done), 0);
	uvm_page_unbusy(pg);
	uvm_obj_unlock(uobj);
	pthread_join(t, NULL);

	ck_assert_uint_eq(pg->pqflags, PQ_FREE);
	ck_assert_int_eq(aobj_list_len(uvm), 0);
	ck_assert_int_eq(uvm->free, 16);
	ck_assert_int_eq(swap_swpginuse(uvm->swap), 0);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), 0);
	harness_fini(&h);
}
END_TEST

/*
 * the slot store
 */

/* clusters in the hash; checks each one's count and bucket */
static int
swhash_clusters(struct uvm_aobj *aobj)
{
	struct uao_swhash_elt *elt;
	int n = 0;

	for (unsigned long b = 0; b <= aobj->u_swhashmask; b++) {
		LIST_FOREACH(elt, &aobj->u_swhash[b], list) {
			int used = 0;

			for (int i = 0; i < UAO_SWHASH_CLUSTER_SIZE; i++)
				used += elt->slots[i] != 0;
			ck_assert_int_eq(elt->count, used);
			ck_assert_int_gt(used, 0);
			ck_assert_uint_eq((unsigned long)elt->tag &
				aobj->u_swhashmask,
			    b);
			n++;
		}
	}
	return n;
}

/* clusters the model says should exist */
static int
model_clusters(const int *model, int npages)
{
	int n = 0;

	for (int c = 0; c * UAO_SWHASH_CLUSTER_SIZE < npages; c++) {
		for (int i = c * UAO_SWHASH_CLUSTER_SIZE;
		     i < npages && i < (c + 1) * UAO_SWHASH_CLUSTER_SIZE; i++) {
			if (model[i] != 0) {
				n++;
				break;
			}
		}
	}
	return n;
}

START_TEST(test_aobj_swslot)
{
	struct harness h;
	int npages = obj_sizes[_i];
	struct uvm_object *uobj;
	struct uvm_aobj *aobj;
	int *model;
	bool hash;
	char why[256];

	harness_init(&h, 16);
	uobj = uao_create(h.h_uvm, (vsize_t)npages * PAGE_SIZE, 0);
	aobj = (struct uvm_aobj *)uobj;
	hash = UAO_USES_SWHASH(aobj);
	ck_assert(hash == (npages > UAO_SWHASH_THRESHOLD));
	model = calloc((size_t)npages, sizeof(int));

	uvm_lock(&uobj->vmobjlock);
	/* clearing an empty slot allocates nothing */
	for (int i = 0; i < npages; i++) {
		ck_assert_int_eq(uao_find_swslot(uobj, i), 0);
		ck_assert_int_eq(uao_set_swslot(uobj, i, 0), 0);
	}
	if (hash)
		ck_assert_int_eq(swhash_clusters(aobj), 0);

	/* a lone slot at the end: one cluster */
	ck_assert_int_eq(uao_set_swslot(uobj, npages - 1, 77), 0);
	model[npages - 1] = 77;
	ck_assert_int_eq(uao_find_swslot(uobj, npages - 1), 77);
	if (hash)
		ck_assert_int_eq(swhash_clusters(aobj), 1);

	/* every third page; set returns the old slot */
	for (int i = 0; i < npages; i += 3) {
		ck_assert_int_eq(uao_set_swslot(uobj, i, 1000 + i), model[i]);
		model[i] = 1000 + i;
	}
	for (int i = 0; i < npages; i += 3) {
		ck_assert_int_eq(uao_set_swslot(uobj, i, 5000 + i), 1000 + i);
		model[i] = 5000 + i;
	}
	/* SWSLOT_BAD is a value like any other */
	ck_assert_int_eq(uao_set_swslot(uobj, 1, SWSLOT_BAD), 0);
	model[1] = SWSLOT_BAD;
	for (int i = 0; i < npages; i++)
		ck_assert_int_eq(uao_find_swslot(uobj, i), model[i]);
	if (hash)
		ck_assert_int_eq(swhash_clusters(aobj),
		    model_clusters(model, npages));
	else
		ck_assert_int_eq(memcmp(aobj->u_swslots, model,
				     (size_t)npages * sizeof(int)),
		    0);
	uvm_unlock(&uobj->vmobjlock);

	/* the checker sees slots that belong to no device */
	ck_assert_int_eq(uvm_check(h.h_uvm, why, sizeof(why)), -EUCLEAN);
	ck_assert_ptr_nonnull(strstr(why, "on no device"));

	/* clear in order; a cluster goes when its count reaches zero */
	uvm_lock(&uobj->vmobjlock);
	for (int i = 0; i < npages; i++) {
		ck_assert_int_eq(uao_set_swslot(uobj, i, 0), model[i]);
		model[i] = 0;
		if (hash)
			ck_assert_int_eq(swhash_clusters(aobj),
			    model_clusters(model, npages));
	}
	for (int i = 0; i < npages; i++)
		ck_assert_int_eq(uao_find_swslot(uobj, i), 0);
	uvm_unlock(&uobj->vmobjlock);
	free(model);
	harness_check(&h);
	uao_detach(uobj);
	harness_fini(&h);
}
END_TEST

/*
 * uao_get
 */

/*
 * Four pages at the end of an object of npages, in four states:
 * base+0 resident dirty, base+1 never written, base+2 swap-only,
 * base+3 resident dirty (a test may busy it).
 */
static int
get_setup(struct harness *h, struct uvm_object **uobjp, int npages)
{
	struct uvm_object *uobj;
	int base = npages - 4;

	harness_init(h, 32);
	ck_assert_int_gt(harness_swapon(h, "swap0", 64, 0), 0);
	uobj = harness_aobj(h, npages);
	ck_assert_int_eq(harness_write_page(uobj, base + 2, 2), 0);
	uvm_lock(&uobj->vmobjlock);
	ck_assert_int_eq(uao_put(uobj, (voff_t)(base + 2) << PAGE_SHIFT,
			     (voff_t)(base + 3) << PAGE_SHIFT,
			     PGO_CLEANIT | PGO_FREE),
	    0);
	ck_assert_int_eq(harness_write_page(uobj, base + 0, 1), 0);
	ck_assert_int_eq(harness_write_page(uobj, base + 3, 4), 0);
	ck_assert_ptr_nonnull(harness_page(uobj, base + 0));
	ck_assert_ptr_null(harness_page(uobj, base + 1));
	ck_assert_ptr_null(harness_page(uobj, base + 2));
	ck_assert_ptr_nonnull(harness_page(uobj, base + 3));
	ck_assert_int_eq(harness_slot(uobj, base + 1), 0);
	ck_assert_int_gt(harness_slot(uobj, base + 2), 0);
	ck_assert_int_eq(swap_swpgonly(h->h_uvm->swap), 1);
	*uobjp = uobj;
	return base;
}

/* => object locked: give back what a PGO_LOCKED get returned */
static void
release_pps(struct vm_page **pps, int n)
{
	for (int i = 0; i < n; i++) {
		if (pps[i] != NULL && pps[i] != PGO_DONTCARE)
			activate_unbusy(pps[i]);
		pps[i] = NULL;
	}
}

START_TEST(test_get_locked)
{
	struct harness h;
	struct uvm *uvm;
	struct uvm_object *uobj;
	struct vm_page *pps[4] = { NULL }, *busy;
	int base, n, slot2;
	voff_t off;

	base = get_setup(&h, &uobj, obj_sizes[_i] < 8 ? 8 : obj_sizes[_i]);
	uvm = h.h_uvm;
	off = (voff_t)base << PAGE_SHIFT;
	slot2 = harness_slot(uobj, base + 2);
	busy = harness_busy(uobj, base + 3);

	uvm_lock(&uobj->vmobjlock);
	/* centre resident: resident and zero-fill only, no I/O, no sleep */
	n = 4;
	ck_assert_int_eq(uao_get(uobj, off, pps, &n, 0, VM_PROT_READ, 0,
			     PGO_LOCKED),
	    0);
	ck_assert(uvm_lock_held(&uobj->vmobjlock));
	ck_assert_int_eq(n, 2);
	ck_assert_ptr_eq(pps[0], uvm_pagelookup(uobj, off));
	ck_assert_uint_eq(pps[0]->flags & PG_BUSY, PG_BUSY);
	ck_assert_ptr_nonnull(pps[1]);
	ck_assert_uint_eq(pps[1]->flags & (PG_BUSY | PG_CLEAN | PG_FAKE),
	    PG_BUSY);
	ck_assert_int_eq(pps[1]->mdpage.md_where, MD_ZERO);
	ck_assert_ptr_null(pps[2]); /* needs I/O */
	ck_assert_ptr_null(pps[3]); /* busy */
	release_pps(pps, 4);

	/* centre needs I/O: EBUSY, neighbours still returned */
	n = 4;
	ck_assert_int_eq(uao_get(uobj, off, pps, &n, 2, VM_PROT_READ, 0,
			     PGO_LOCKED),
	    -EBUSY);
	ck_assert_int_eq(n, 2);
	ck_assert_ptr_nonnull(pps[0]);
	ck_assert_ptr_nonnull(pps[1]);
	release_pps(pps, 4);

	/* centre busy: EBUSY */
	n = 4;
	ck_assert_int_eq(uao_get(uobj, off, pps, &n, 3, VM_PROT_READ, 0,
			     PGO_LOCKED),
	    -EBUSY);
	release_pps(pps, 4);

	/* PGO_ALLPAGES: any page needing I/O fails the call */
	n = 4;
	ck_assert_int_eq(uao_get(uobj, off, pps, &n, 0, VM_PROT_READ, 0,
			     PGO_LOCKED | PGO_ALLPAGES),
	    -EBUSY);
	release_pps(pps, 4);

	/* ... unless the caller does not care for those pages */
	n = 4;
	pps[2] = pps[3] = PGO_DONTCARE;
	ck_assert_int_eq(uao_get(uobj, off, pps, &n, 0, VM_PROT_READ, 0,
			     PGO_LOCKED | PGO_ALLPAGES),
	    0);
	ck_assert_int_eq(n, 2);
	release_pps(pps, 4);

	/* nothing was read; the swap-only page is as it was */
	ck_assert_uint_eq(stat_of(&uvm->exp.pageins), 0);
	ck_assert_ptr_null(uvm_pagelookup(uobj, off + 2 * PAGE_SIZE));
	ck_assert_int_eq(uao_find_swslot(uobj, base + 2), slot2);
	uvm_page_unbusy(busy);
	uvm_obj_unlock(uobj);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), 1);
	harness_check(&h);

	ck_assert_int_eq(harness_verify_page(uobj, base + 0, 1), 0);
	ck_assert_int_eq(harness_verify_page(uobj, base + 1, 0), 0);
	ck_assert_int_eq(harness_verify_page(uobj, base + 2, 2), 0);
	ck_assert_int_eq(harness_verify_page(uobj, base + 3, 4), 0);
	harness_check(&h);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

START_TEST(test_get_locked_no_frame)
{
	struct harness h;
	struct uvm_object *uobj;
	struct vm_page *pps[1] = { NULL };
	int n = 1;

	/* a zero-fill that finds no frame needs a wait: EBUSY */
	harness_init(&h, 16);
	uobj = harness_aobj(&h, 40);
	fill_frames(&h, uobj, 1);
	uvm_lock(&uobj->vmobjlock);
	ck_assert_int_eq(uao_get(uobj, 33 * PAGE_SIZE, pps, &n, 0, VM_PROT_READ,
			     0, PGO_LOCKED),
	    -EBUSY);
	ck_assert_int_eq(n, 0);
	ck_assert_ptr_null(uvm_pagelookup(uobj, 33 * PAGE_SIZE));
	uvm_unlock(&uobj->vmobjlock);
	harness_check(&h);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

START_TEST(test_get_io)
{
	struct harness h;
	struct uvm *uvm;
	struct uvm_object *uobj;
	struct vm_page *pps[4] = { NULL };
	int base, n, slot2;
	voff_t off;
	bool writable;

	base = get_setup(&h, &uobj, obj_sizes[_i] < 8 ? 8 : obj_sizes[_i]);
	uvm = h.h_uvm;
	off = (voff_t)base << PAGE_SHIFT;
	slot2 = harness_slot(uobj, base + 2);

	/* the centre page from swap: busy, clean, keeps its slot */
	uvm_lock(&uobj->vmobjlock);
	n = 4;
	ck_assert_int_eq(uao_get(uobj, off, pps, &n, 2, VM_PROT_READ, 0, 0), 0);
	ck_assert(!uvm_lock_held(&uobj->vmobjlock)); /* unlocked on return */
	ck_assert_ptr_null(pps[0]);
	ck_assert_ptr_null(pps[1]);
	ck_assert_ptr_null(pps[3]);
	ck_assert_ptr_nonnull(pps[2]);
	ck_assert_uint_eq(pps[2]->flags & (PG_BUSY | PG_CLEAN | PG_FAKE),
	    PG_BUSY | PG_CLEAN);
	ck_assert_int_eq(pps[2]->mdpage.md_where, MD_BOUNCE);
	ck_assert_uint_eq(stat_of(&uvm->exp.pageins), 1);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), 0);
	uvm_lock(&uobj->vmobjlock);
	ck_assert_int_eq(uao_find_swslot(uobj, base + 2), slot2);
	release_pps(pps, 4);
	uvm_obj_unlock(uobj);
	harness_check(&h);
	/* a clean page is mapped read-only: its copy stays valid */
	ck_assert_int_eq(harness_verify_page(uobj, base + 2, 2), 0);
	ck_assert(pmap_mem_is_mapped(uobj, base + 2, &writable));
	ck_assert(!writable);

	/* PGO_ALLPAGES: every page, read, zero-filled or resident */
	harness_pageout_all(&h);
	ck_assert_int_eq(harness_resident(uobj), 0);
	uvm_lock(&uobj->vmobjlock);
	n = 4;
	ck_assert_int_eq(uao_get(uobj, off, pps, &n, 0, VM_PROT_READ, 0,
			     PGO_ALLPAGES),
	    0);
	uvm_lock(&uobj->vmobjlock);
	for (int i = 0; i < 4; i++) {
		ck_assert_ptr_nonnull(pps[i]);
		ck_assert_uint_eq(pps[i]->flags & (PG_BUSY | PG_FAKE), PG_BUSY);
	}
	/* base+1 was zero-filled, never written: it went as a zero page */
	ck_assert_int_eq(pps[1]->mdpage.md_where, MD_ZERO);
	ck_assert_uint_eq(stat_of(&uvm->exp.pageins), 4);
	release_pps(pps, 4);
	uvm_obj_unlock(uobj);
	harness_check(&h);
	ck_assert_int_eq(harness_verify_page(uobj, base + 0, 1), 0);
	ck_assert_int_eq(harness_verify_page(uobj, base + 1, 0), 0);
	ck_assert_int_eq(harness_verify_page(uobj, base + 2, 2), 0);
	ck_assert_int_eq(harness_verify_page(uobj, base + 3, 4), 0);
	harness_check(&h);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

START_TEST(test_get_read_error)
{
	struct harness h;
	struct uvm *uvm;
	struct uvm_object *uobj;
	struct vm_page *pps[4] = { NULL };
	struct swap_devinfo si;
	int base, n, id, slot2;
	voff_t off;

	base = get_setup(&h, &uobj, obj_sizes[_i] < 8 ? 8 : obj_sizes[_i]);
	uvm = h.h_uvm;
	off = (voff_t)base << PAGE_SHIFT;
	slot2 = harness_slot(uobj, base + 2);
	id = swap_slot_device_id(uvm->swap, slot2);
	ck_assert_int_gt(id, 0);

	/* the next page read from the device fails */
	ck_assert_int_eq(swap_set_faults(uvm->swap, id, 0, 1, 0, 0), 0);
	uvm_lock(&uobj->vmobjlock);
	n = 4;
	ck_assert_int_eq(uao_get(uobj, off, pps, &n, 2, VM_PROT_READ, 0, 0),
	    -EIO);
	ck_assert(!uvm_lock_held(&uobj->vmobjlock));
	for (int i = 0; i < 4; i++)
		ck_assert_ptr_null(pps[i]);
	ck_assert_int_eq(harness_slot(uobj, base + 2), SWSLOT_BAD);
	ck_assert_ptr_null(harness_page(uobj, base + 2));
	/* the slot is bad for ever; the page is no longer swap-only */
	ck_assert_int_eq(harness_devinfo(&h, id, &si), 0);
	ck_assert_int_eq(si.si_npgbad, 1);
	ck_assert_uint_eq(si.si_nreaderr, 1);
	ck_assert_int_eq(si.si_npginuse, 0);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), 0);
	harness_check(&h);

	/* again: EIO at once, without I/O */
	uvm_lock(&uobj->vmobjlock);
	n = 4;
	ck_assert_int_eq(uao_get(uobj, off, pps, &n, 2, VM_PROT_READ, 0, 0),
	    -EIO);
	ck_assert_int_eq(harness_devinfo(&h, id, &si), 0);
	ck_assert_uint_eq(si.si_nread, 0);
	ck_assert_uint_eq(si.si_nreaderr, 1);

	/* through the machine: SIGBUS, never zeros */
	ck_assert_int_eq(harness_verify_page(uobj, base + 2, 2), -EFAULT);
	ck_assert_uint_eq(stat_of(&uvm->exp.fltioerr), 1);
	ck_assert_int_eq(harness_write_page(uobj, base + 2, 9), -EFAULT);
	/* the neighbours are fine */
	ck_assert_int_eq(harness_verify_page(uobj, base + 0, 1), 0);
	ck_assert_int_eq(harness_verify_page(uobj, base + 3, 4), 0);
	harness_check(&h);

	/* discarding the range makes the page zeros again */
	uvm_lock(&uobj->vmobjlock);
	ck_assert_int_eq(uao_put(uobj, off + 2 * PAGE_SIZE, off + 3 * PAGE_SIZE,
			     PGO_FREE),
	    0);
	ck_assert_int_eq(harness_slot(uobj, base + 2), 0);
	pmap_mem_discard(uobj, base + 2); /* as munmap+mmap would */
	ck_assert_int_eq(harness_verify_page(uobj, base + 2, 0), 0);
	ck_assert_int_eq(harness_devinfo(&h, id, &si), 0);
	ck_assert_int_eq(si.si_npgbad, 1);
	harness_check(&h);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

START_TEST(test_get_readahead_error)
{
	struct harness h;
	struct uvm *uvm;
	struct uvm_object *uobj;
	struct vm_page *pps[4] = { NULL };
	int n, id, s0;

	/* a neighbour's read error does not fail the centre page */
	harness_init(&h, 32);
	uvm = h.h_uvm;
	id = harness_swapon(&h, "swap0", 64, 0);
	ck_assert_int_gt(id, 0);
	uobj = harness_aobj(&h, 8);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(harness_write_page(uobj, i, 3), 0);
	harness_pageout_all(&h);
	s0 = harness_slot(uobj, 0);
	for (int i = 1; i < 4; i++)
		ck_assert_int_eq(harness_slot(uobj, i), s0 + i);

	ck_assert_int_eq(swap_set_faults(uvm->swap, id, 0, 2, 0, 0), 0);
	uvm_lock(&uobj->vmobjlock);
	n = 4;
	ck_assert_int_eq(uao_get(uobj, 0, pps, &n, 0, VM_PROT_READ, 0,
			     PGO_READAHEAD),
	    0);
	ck_assert_ptr_nonnull(pps[0]);
	ck_assert_ptr_null(pps[1]); /* failed */
	ck_assert_ptr_nonnull(pps[2]);
	ck_assert_ptr_nonnull(pps[3]);
	ck_assert_uint_eq(pps[2]->flags & PG_RDAHEAD, PG_RDAHEAD);
	ck_assert_uint_eq(stat_of(&uvm->exp.pgswapin_ra), 2);
	uvm_lock(&uobj->vmobjlock);
	release_pps(pps, 4);
	uvm_obj_unlock(uobj);
	ck_assert_int_eq(harness_slot(uobj, 1), SWSLOT_BAD);
	harness_check(&h);
	ck_assert_int_eq(harness_verify_page(uobj, 0, 3), 0);
	ck_assert_int_eq(harness_verify_page(uobj, 1, 3), -EFAULT);
	ck_assert_int_eq(harness_verify_page(uobj, 2, 3), 0);
	ck_assert_int_eq(harness_verify_page(uobj, 3, 3), 0);
	harness_check(&h);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

START_TEST(test_get_enomem)
{
	struct harness h;
	struct uvm_object *uobj;
	struct vm_page *pps[2] = { NULL };
	int n = 2;

	/* no frame and none can be freed: ENOMEM, nothing kept busy */
	harness_init(&h, 16);
	uobj = harness_aobj(&h, 40);
	fill_frames(&h, uobj, 1);
	uvm_lock(&uobj->vmobjlock);
	ck_assert_int_eq(uao_get(uobj, 32 * PAGE_SIZE, pps, &n, 1, VM_PROT_READ,
			     0, PGO_ALLPAGES),
	    -ENOMEM);
	ck_assert(!uvm_lock_held(&uobj->vmobjlock));
	ck_assert_ptr_null(pps[0]);
	ck_assert_ptr_null(pps[1]);
	ck_assert_ptr_null(harness_page(uobj, 33));
	harness_check(&h);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

/*
 * The pages of an object whose window [base, base+4) a PGO_ALLPAGES get
 * failed on: none may be left PG_BUSY (invariant 5: a busy page has an
 * owner, and the failed call owns nothing once it returns).
 */
static void
assert_none_busy(struct uvm_object *uobj, int base, int n)
{
	for (int i = base; i < base + n; i++) {
		struct vm_page *pg = harness_page(uobj, i);

		if (pg != NULL)
			ck_assert_msg((pg->flags & PG_BUSY) == 0,
			    "page %d left busy by a failed uao_get", i);
	}
}

START_TEST(test_get_allpages_bad_slot)
{
	struct harness h;
	struct uvm *uvm;
	struct uvm_object *uobj;
	struct vm_page *pps[4] = { NULL };
	int npages, base, n, id;
	voff_t off;

	/*
	 * base+0 and base+1 swapped out, base+2 SWSLOT_BAD, base+3 never
	 * written.  With PGO_ALLPAGES the centre and base+1 are queued for
	 * the read before base+2's bad slot fails the call: both must be
	 * given back, not left busy for ever.
	 */
	npages = obj_sizes[_i] < 8 ? 8 : obj_sizes[_i];
	base = npages - 4;
	harness_init(&h, 32);
	uvm = h.h_uvm;
	id = harness_swapon(&h, "swap0", 64, 0);
	ck_assert_int_gt(id, 0);
	uobj = harness_aobj(&h, npages);
	off = (voff_t)base << PAGE_SHIFT;
	for (int i = 2; i >= 0; i--)
		ck_assert_int_eq(harness_write_page(uobj, base + i, 6), 0);
	harness_pageout_all(&h);
	for (int i = 0; i < 3; i++)
		ck_assert_ptr_null(harness_page(uobj, base + i));

	/* a failed read makes base+2's slot bad */
	ck_assert_int_eq(swap_set_faults(uvm->swap, id, 0, 1, 0, 0), 0);
	uvm_lock(&uobj->vmobjlock);
	n = 1;
	ck_assert_int_eq(uao_get(uobj, off + 2 * PAGE_SIZE, pps, &n, 0,
			     VM_PROT_READ, 0, 0),
	    -EIO);
	ck_assert_int_eq(harness_slot(uobj, base + 2), SWSLOT_BAD);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), 2);

	uvm_lock(&uobj->vmobjlock);
	n = 4;
	ck_assert_int_eq(uao_get(uobj, off, pps, &n, 0, VM_PROT_READ, 0,
			     PGO_ALLPAGES),
	    -EIO);
	ck_assert(!uvm_lock_held(&uobj->vmobjlock));
	for (int i = 0; i < 4; i++)
		ck_assert_ptr_null(pps[i]);
	assert_none_busy(uobj, base, 4);
	/* nothing was read: the swapped pages are still swap-only */
	ck_assert_ptr_null(harness_page(uobj, base + 0));
	ck_assert_ptr_null(harness_page(uobj, base + 1));
	ck_assert_int_gt(harness_slot(uobj, base + 0), 0);
	ck_assert_int_gt(harness_slot(uobj, base + 1), 0);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), 2);
	harness_check(&h);

	/* the centre alone is got again, without waiting on a lost owner */
	uvm_lock(&uobj->vmobjlock);
	n = 1;
	ck_assert_int_eq(uao_get(uobj, off, pps, &n, 0, VM_PROT_READ, 0, 0), 0);
	ck_assert_ptr_nonnull(pps[0]);
	uvm_lock(&uobj->vmobjlock);
	release_pps(pps, 1);
	uvm_obj_unlock(uobj);
	harness_check(&h);

	ck_assert_int_eq(harness_verify_page(uobj, base + 0, 6), 0);
	ck_assert_int_eq(harness_verify_page(uobj, base + 1, 6), 0);
	ck_assert_int_eq(harness_verify_page(uobj, base + 2, 6), -EFAULT);
	ck_assert_int_eq(harness_verify_page(uobj, base + 3, 0), 0);
	harness_check(&h);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

START_TEST(test_get_allpages_enomem)
{
	struct harness h;
	struct uvm *uvm;
	struct uvm_object *uobj;
	struct vm_page *pps[2] = { NULL };
	int n, id;

	/*
	 * Pages 0 and 1 swapped out; every frame but one then dirty, and
	 * every write to swap failing, so that nothing can be freed.  The
	 * centre (page 0) takes the last frame for its read; page 1 finds
	 * none and uvm_wait says -ENOMEM: the centre's frame must come back.
	 */
	harness_init(&h, 16);
	uvm = h.h_uvm;
	id = harness_swapon(&h, "swap0", 64, 0);
	ck_assert_int_gt(id, 0);
	uobj = harness_aobj(&h, 40);
	ck_assert_int_eq(harness_write_page(uobj, 1, 8), 0);
	ck_assert_int_eq(harness_write_page(uobj, 0, 8), 0);
	harness_pageout_all(&h);
	ck_assert_int_eq(uvm->free, 16);
	for (int i = 0; i < 15; i++)
		ck_assert_int_eq(harness_write_page(uobj, 4 + 2 * i, 8), 0);
	ck_assert_int_eq(uvm->free, 1);
	ck_assert_int_eq(swap_set_faults(uvm->swap, id, 1, 0, 1000000, 1), 0);

	uvm_lock(&uobj->vmobjlock);
	n = 2;
	ck_assert_int_eq(uao_get(uobj, 0, pps, &n, 0, VM_PROT_READ, 0,
			     PGO_ALLPAGES),
	    -ENOMEM);
	ck_assert(!uvm_lock_held(&uobj->vmobjlock));
	ck_assert_ptr_null(pps[0]);
	ck_assert_ptr_null(pps[1]);
	assert_none_busy(uobj, 0, 2);
	ck_assert_ptr_null(harness_page(uobj, 0));
	ck_assert_ptr_null(harness_page(uobj, 1));
	ck_assert_int_eq(uvm->free, 1);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), 2);
	harness_check(&h);

	/* the centre alone fits in the frame given back */
	uvm_lock(&uobj->vmobjlock);
	n = 1;
	ck_assert_int_eq(uao_get(uobj, 0, pps, &n, 0, VM_PROT_READ, 0, 0), 0);
	ck_assert_ptr_nonnull(pps[0]);
	uvm_lock(&uobj->vmobjlock);
	release_pps(pps, 1);
	uvm_obj_unlock(uobj);
	harness_check(&h);

	ck_assert_int_eq(swap_set_faults(uvm->swap, id, 1, 0, 0, 0), 0);
	ck_assert_int_eq(harness_verify_page(uobj, 0, 8), 0);
	ck_assert_int_eq(harness_verify_page(uobj, 1, 8), 0);
	for (int i = 0; i < 15; i++)
		ck_assert_int_eq(harness_verify_page(uobj, 4 + 2 * i, 8), 0);
	harness_check(&h);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

/*
 * uao_put
 *
 * The object's pages cycle through four states, page i in state i % 4:
 *   PS_ZERO    never written: absent, no slot
 *   PS_SWONLY  written (gen 1), paged out: absent, slot
 *   PS_CLEAN   written (gen 1), paged out, read back: resident, clean,
 *              mapped read-only, slot
 *   PS_DIRTY   written (gen 1), paged out, written again (gen 2):
 *              resident, dirty, mapped writable, no slot
 */
enum {
	PS_ZERO,
	PS_SWONLY,
	PS_CLEAN,
	PS_DIRTY
};
#define PUT_NPAGES 256

static uint64_t
put_gen(int i)
{
	return (uint64_t[]) { 0, 1, 1, 2 }[i % 4];
}

static struct uvm_object *
put_setup(struct harness *h)
{
	struct uvm_object *uobj;
	int res, swonly;

	harness_init(h, PUT_NPAGES);
	ck_assert_int_gt(harness_swapon(h, "swap0", 2 * PUT_NPAGES, 0), 0);
	uobj = harness_aobj(h, PUT_NPAGES);
	/*
	 * Descending: a first touch right after its lower neighbour would
	 * zero-fill ahead (fault-ahead) over the never-written pages.
	 */
	for (int i = PUT_NPAGES - 1; i >= 0; i--) {
		if (i % 4 != PS_ZERO)
			ck_assert_int_eq(harness_write_page(uobj, i, 1), 0);
	}
	harness_pageout_all(h);
	count_pages(uobj, &res, &swonly, NULL);
	ck_assert_int_eq(res, 0);
	ck_assert_int_eq(swonly, PUT_NPAGES / 4 * 3);
	/* dirty first: a read-ahead from a clean page must not map them */
	for (int i = PS_DIRTY; i < PUT_NPAGES; i += 4)
		ck_assert_int_eq(harness_write_page(uobj, i, 2), 0);
	for (int i = PS_CLEAN; i < PUT_NPAGES; i += 4)
		ck_assert_int_eq(harness_verify_page(uobj, i, 1), 0);
	/* exactly the four states */
	uvm_lock(&uobj->vmobjlock);
	for (int i = 0; i < PUT_NPAGES; i++) {
		struct vm_page *pg =
		    uvm_pagelookup(uobj, (voff_t)i << PAGE_SHIFT);
		int slot = uao_find_swslot(uobj, i);
		bool w;

		switch (i % 4) {
		case PS_ZERO:
			ck_assert(pg == NULL && slot == 0);
			break;
		case PS_SWONLY:
			ck_assert(pg == NULL && slot > 0);
			break;
		case PS_CLEAN:
			ck_assert(pg != NULL && slot > 0);
			ck_assert(pg->flags & PG_CLEAN);
			ck_assert(pmap_mem_is_mapped(uobj, i, &w) && !w);
			break;
		case PS_DIRTY:
			ck_assert(pg != NULL && slot == 0);
			ck_assert(!(pg->flags & PG_CLEAN));
			ck_assert(pmap_mem_is_mapped(uobj, i, &w) && w);
			break;
		}
	}
	uvm_unlock(&uobj->vmobjlock);
	ck_assert_int_eq(swap_swpgonly(h->h_uvm->swap), PUT_NPAGES / 4);
	harness_check(h);
	return uobj;
}

static const int put_flags[] = { PGO_DEACTIVATE, PGO_FREE, PGO_CLEANIT,
	PGO_CLEANIT | PGO_DEACTIVATE, PGO_CLEANIT | PGO_FREE };
#define NPUTFLAGS ((int)(sizeof(put_flags) / sizeof(put_flags[0])))
/* ranges: PGO_ALLPAGES; all pages by range (by list); 8 in the middle
 * (by offset: far fewer than the resident pages), unaligned */
#define NPUTRANGES 3

/* check page i after uao_put(flags) touched it (inrange) or not */
static void
put_expect(struct uvm_object *uobj, int i, int flags, bool inrange)
{
	struct vm_page *pg = uvm_pagelookup(uobj, (voff_t)i << PAGE_SHIFT);
	int slot = uao_find_swslot(uobj, i);
	int st = i % 4;
	bool mapped = pmap_mem_is_mapped(uobj, i, NULL);

	if (!inrange || flags == 0) {
		ck_assert_msg((pg != NULL) == (st >= PS_CLEAN),
		    "page %d untouched", i);
		ck_assert((slot > 0) == (st == PS_SWONLY || st == PS_CLEAN));
		if (pg != NULL)
			ck_assert(pg->pqflags & PQ_ACTIVE);
		return;
	}
	switch (flags) {
	case PGO_DEACTIVATE:
		/* resident pages inactive and unmapped, nothing else */
		ck_assert((pg != NULL) == (st >= PS_CLEAN));
		ck_assert((slot > 0) == (st == PS_SWONLY || st == PS_CLEAN));
		if (pg != NULL) {
			ck_assert_uint_eq(pg->pqflags & PQ_INACTIVE,
			    PQ_INACTIVE);
			ck_assert(!mapped);
			ck_assert(
			    ((pg->flags & PG_CLEAN) != 0) == (st == PS_CLEAN));
		}
		break;
	case PGO_FREE:
		/* discarded: no page, no slot */
		ck_assert_msg(pg == NULL && slot == 0, "page %d: %p slot %d", i,
		    (void *)pg, slot);
		break;
	case PGO_CLEANIT:
	case PGO_CLEANIT | PGO_DEACTIVATE:
		/* dirty pages written: everything resident is clean */
		ck_assert((pg != NULL) == (st >= PS_CLEAN));
		ck_assert((slot > 0) == (st != PS_ZERO));
		if (pg != NULL) {
			ck_assert(pg->flags & PG_CLEAN);
			ck_assert_uint_eq(pg->pqflags & PQ_INACTIVE,
			    flags & PGO_DEACTIVATE ? PQ_INACTIVE : 0);
		}
		if (st == PS_DIRTY)
			ck_assert(!mapped);
		break;
	case PGO_CLEANIT | PGO_FREE:
		/* paged out: swap copies only */
		ck_assert_msg(pg == NULL, "page %d (state %d) resident", i, st);
		ck_assert((slot > 0) == (st != PS_ZERO));
		break;
	}
}

START_TEST(test_put_flags)
{
	struct harness h;
	struct uvm *uvm;
	struct uvm_object *uobj;
	int flags = put_flags[_i % NPUTFLAGS];
	int range = _i / NPUTFLAGS;
	int lo = 0, hi = PUT_NPAGES, res, swonly, slots;
	voff_t start, stop;
	uint64_t pageouts0;

	uobj = put_setup(&h);
	uvm = h.h_uvm;
	switch (range) {
	case 0:
		start = stop = 0;
		flags |= PGO_ALLPAGES;
		break;
	case 1:
		start = 0;
		stop = (voff_t)PUT_NPAGES << PAGE_SHIFT;
		break;
	default:
		/* unaligned ends: [lo, hi) after trunc_page/round_page */
		lo = PUT_NPAGES / 2 - 4;
		hi = PUT_NPAGES / 2 + 4;
		start = ((voff_t)lo << PAGE_SHIFT) + 100;
		stop = ((voff_t)hi << PAGE_SHIFT) - 100;
		break;
	}
	pageouts0 = stat_of(&uvm->exp.pageouts);
	uvm_lock(&uobj->vmobjlock);
	ck_assert_int_eq(uao_put(uobj, start, stop, flags), 0);
	ck_assert(!uvm_lock_held(&uobj->vmobjlock));
	flags &= ~PGO_ALLPAGES;

	uvm_lock(&uobj->vmobjlock);
	for (int i = 0; i < PUT_NPAGES; i++)
		put_expect(uobj, i, flags, i >= lo && i < hi);
	uvm_unlock(&uobj->vmobjlock);
	/* only dirty pages were written, once each */
	ck_assert_uint_eq(stat_of(&uvm->exp.pageouts) - pageouts0,
	    flags & PGO_CLEANIT ? (uint64_t)(hi - lo) / 4 : 0);
	count_pages(uobj, &res, &swonly, &slots);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), swonly);
	ck_assert_int_eq(swap_swpginuse(uvm->swap), slots);
	harness_check(&h);

	/* every byte: discarded pages read as zeros */
	for (int i = 0; i < PUT_NPAGES; i++) {
		uint64_t gen = put_gen(i);

		if ((flags & (PGO_FREE | PGO_CLEANIT)) == PGO_FREE && i >= lo &&
		    i < hi)
			gen = 0;
		ck_assert_msg(harness_verify_page(uobj, i, gen) == 0, "page %d",
		    i);
	}
	harness_check(&h);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

START_TEST(test_put_noop)
{
	struct harness h;
	struct uvm_object *uobj;

	/* no action flag, or an empty range: nothing happens, unlocked */
	uobj = put_setup(&h);
	uvm_lock(&uobj->vmobjlock);
	ck_assert_int_eq(uao_put(uobj, 0, 0, PGO_ALLPAGES), 0);
	ck_assert(!uvm_lock_held(&uobj->vmobjlock));
	uvm_lock(&uobj->vmobjlock);
	ck_assert_int_eq(uao_put(uobj, 8 * PAGE_SIZE, 8 * PAGE_SIZE, PGO_FREE),
	    0);
	uvm_lock(&uobj->vmobjlock);
	for (int i = 0; i < PUT_NPAGES; i++)
		put_expect(uobj, i, 0, false);
	uvm_unlock(&uobj->vmobjlock);
	harness_check(&h);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

START_TEST(test_put_multiref)
{
	struct harness h;
	struct uvm *uvm;
	struct uvm_object *uobj;
	int swonly0;

	/* with another reference, PGO_FREE only deactivates */
	uobj = put_setup(&h);
	uvm = h.h_uvm;
	uao_reference(uobj);
	swonly0 = swap_swpgonly(uvm->swap);
	uvm_lock(&uobj->vmobjlock);
	ck_assert_int_eq(uao_put(uobj, 0, 0, PGO_ALLPAGES | PGO_FREE), 0);
	uvm_lock(&uobj->vmobjlock);
	for (int i = 0; i < PUT_NPAGES; i++)
		put_expect(uobj, i, PGO_DEACTIVATE, true);
	uvm_unlock(&uobj->vmobjlock);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), swonly0);
	harness_check(&h);
	for (int i = 0; i < PUT_NPAGES; i++)
		ck_assert_int_eq(harness_verify_page(uobj, i, put_gen(i)), 0);

	/* a pageout keeps every byte: allowed with any references */
	uvm_lock(&uobj->vmobjlock);
	ck_assert_int_eq(uao_put(uobj, 0, 0,
			     PGO_ALLPAGES | PGO_CLEANIT | PGO_FREE),
	    0);
	ck_assert_int_eq(harness_resident(uobj), 0);
	harness_check(&h);
	uao_detach(uobj);
	for (int i = 0; i < PUT_NPAGES; i++)
		ck_assert_int_eq(harness_verify_page(uobj, i, put_gen(i)), 0);
	harness_check(&h);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

START_TEST(test_put_wired)
{
	struct harness h;
	struct uvm_object *uobj;
	struct vm_page *pc, *pd;
	int slot;

	/* wired pages are skipped by every operation */
	uobj = put_setup(&h);
	uvm_lock(&uobj->vmobjlock);
	pc = uvm_pagelookup(uobj, (voff_t)(4 + PS_CLEAN) << PAGE_SHIFT);
	pd = uvm_pagelookup(uobj, (voff_t)(4 + PS_DIRTY) << PAGE_SHIFT);
	slot = uao_find_swslot(uobj, 4 + PS_CLEAN);
	uvm_pagewire(pc);
	uvm_pagewire(pd);
	for (int k = 1; k < NPUTFLAGS; k++) {
		ck_assert_int_eq(uao_put(uobj, 0, 0,
				     PGO_ALLPAGES | put_flags[k]),
		    0);
		uvm_lock(&uobj->vmobjlock);
	}
	ck_assert_ptr_eq(uvm_pagelookup(uobj, pc->offset), pc);
	ck_assert_ptr_eq(uvm_pagelookup(uobj, pd->offset), pd);
	/* the discard took the range's swap copies: the page is dirty */
	ck_assert_int_gt(slot, 0);
	ck_assert_int_eq(uao_find_swslot(uobj, 4 + PS_CLEAN), 0);
	ck_assert_int_eq(uao_find_swslot(uobj, 4 + PS_DIRTY), 0);
	ck_assert_int_eq(pc->flags & PG_CLEAN, 0);
	ck_assert_int_eq(pd->flags & PG_CLEAN, 0);
	ck_assert_uint_eq((pc->pqflags | pd->pqflags) &
		(PQ_ACTIVE | PQ_INACTIVE),
	    0);
	ck_assert_int_eq(uobj->uo_npages, 2);
	uvm_unlock(&uobj->vmobjlock);
	harness_check(&h);
	ck_assert_int_eq(harness_verify_page(uobj, 4 + PS_CLEAN, 1), 0);
	ck_assert_int_eq(harness_verify_page(uobj, 4 + PS_DIRTY, 2), 0);
	uvm_lock(&uobj->vmobjlock);
	uvm_pageunwire(pc);
	uvm_pageunwire(pd);
	ck_assert_uint_eq(pc->pqflags & pd->pqflags & (PQ_ACTIVE | PQ_INACTIVE),
	    PQ_ACTIVE);
	uvm_unlock(&uobj->vmobjlock);
	harness_check(&h);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

struct putter {
	struct uvm_object *p_uobj;
	voff_t p_start, p_stop;
	int p_flags, p_rv;
};

static void *
putter_main(void *arg)
{
	struct putter *p = arg;

	uvm_lock(&p->p_uobj->vmobjlock);
	p->p_rv = uao_put(p->p_uobj, p->p_start, p->p_stop, p->p_flags);
	return NULL;
}

/*
 * busy pages are waited for: loop index selects the flags (FREE,
 * CLEANIT) and the traversal (by list: whole object; by offset: 8 pages)
 */
START_TEST(test_put_waits_busy)
{
	struct harness h;
	struct uvm_object *uobj;
	struct vm_page *pg;
	struct putter p = { 0 };
	pthread_t t;
	bool clean = (_i & 1) != 0, small = (_i & 2) != 0;
	int idx = PUT_NPAGES / 2 + PS_DIRTY, lo, hi;

	uobj = put_setup(&h);
	p.p_uobj = uobj;
	p.p_flags = clean ? PGO_CLEANIT : PGO_FREE;
	lo = small ? idx - 4 : 0;
	hi = small ? idx + 4 : PUT_NPAGES;
	p.p_start = (voff_t)lo << PAGE_SHIFT;
	p.p_stop = (voff_t)hi << PAGE_SHIFT;
	pg = harness_busy(uobj, idx);
	ck_assert_int_eq(pthread_create(&t, NULL, putter_main, &p), 0);
	harness_wait_wanted(uobj, pg);
	uvm_lock(&uobj->vmobjlock);
	/* it sleeps on our page: the page is untouched so far */
	ck_assert_ptr_eq(uvm_pagelookup(uobj, pg->offset), pg);
	ck_assert_int_eq(pg->flags & PG_CLEAN, 0);
	uvm_page_unbusy(pg);
	uvm_obj_unlock(uobj);
	pthread_join(t, NULL);
	ck_assert_int_eq(p.p_rv, 0);

	uvm_lock(&uobj->vmobjlock);
	for (int i = 0; i < PUT_NPAGES; i++)
		put_expect(uobj, i, p.p_flags, i >= lo && i < hi);
	uvm_unlock(&uobj->vmobjlock);
	harness_check(&h);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

START_TEST(test_dropswap)
{
	struct harness h;
	struct uvm *uvm;
	struct uvm_object *uobj;
	struct vm_page *pg;
	int inuse, idx = 4 + PS_CLEAN;

	uobj = put_setup(&h);
	uvm = h.h_uvm;
	inuse = swap_swpginuse(uvm->swap);
	uvm_lock(&uobj->vmobjlock);
	/* a resident clean page: its copy goes, and it must be dirty now */
	pg = uvm_pagelookup(uobj, (voff_t)idx << PAGE_SHIFT);
	pmap_page_protect(pg, VM_PROT_NONE);
	pg->flags &= ~PG_CLEAN;
	uao_dropswap(uobj, idx);
	ck_assert_int_eq(uao_find_swslot(uobj, idx), 0);
	ck_assert_int_eq(swap_swpginuse(uvm->swap), inuse - 1);
	/* no slot: nothing to do */
	uao_dropswap(uobj, 4 + PS_ZERO);
	uao_dropswap(uobj, 4 + PS_DIRTY);
	ck_assert_int_eq(swap_swpginuse(uvm->swap), inuse - 1);
	uvm_unlock(&uobj->vmobjlock);
	harness_check(&h);
	/* the bytes are the page's, still */
	ck_assert_int_eq(harness_verify_page(uobj, idx, 1), 0);
	harness_pageout_all(&h);
	ck_assert_int_eq(harness_verify_page(uobj, idx, 1), 0);
	harness_check(&h);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

/*
 * swapoff
 */

START_TEST(test_swapoff_ok)
{
	struct harness h;
	struct uvm *uvm;
	struct uvm_object *uobj;
	struct swap_devinfo si0, si1;
	int npages = obj_sizes[_i], nframes, id0, id1, on0 = 0, swonly;

	nframes = npages / 4 < 16 ? 16 : npages / 4;
	harness_init(&h, nframes);
	uvm = h.h_uvm;
	/* the small fast device fills first; the rest spills over */
	id0 = harness_swapon(&h, "swap0", npages <= 8 ? npages : npages / 2 + 1,
	    0);
	id1 = harness_swapon(&h, "swap1", 2 * npages, 1);
	ck_assert_int_gt(id0, 0);
	ck_assert_int_gt(id1, 0);
	uobj = harness_aobj(&h, npages);
	for (int i = 0; i < npages; i++)
		ck_assert_int_eq(harness_write_page(uobj, i, 1), 0);
	harness_pageout_all(&h);
	ck_assert_int_eq(harness_devinfo(&h, id0, &si0), 0);
	ck_assert_int_eq(harness_devinfo(&h, id1, &si1), 0);
	on0 = si0.si_npginuse;
	ck_assert_int_gt(on0, 0);
	if (npages > 8)
		ck_assert_int_gt(si1.si_npginuse, 0);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), npages);

	ck_assert_int_eq(swap_off(uvm->swap, id0, NULL), 0);
	ck_assert_int_eq(harness_devinfo(&h, id0, &si0), -ENXIO);
	ck_assert_uint_eq(stat_of(&uvm->exp.swapoffpgs), (uint64_t)on0);
	for (int i = 0; i < npages; i++) {
		int slot = harness_slot(uobj, i);

		ck_assert(
		    slot == 0 || swap_slot_device_id(uvm->swap, slot) == id1);
	}
	count_pages(uobj, NULL, &swonly, NULL);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), swonly);
	harness_check(&h);
	for (int i = 0; i < npages; i++)
		ck_assert_int_eq(harness_verify_page(uobj, i, 1), 0);
	harness_check(&h);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

START_TEST(test_swapoff_read_error)
{
	struct harness h;
	struct uvm *uvm;
	struct uvm_object *uobj;
	int id, nbad = 0;

	/* a read error during swapoff loses that page only */
	harness_init(&h, 128);
	uvm = h.h_uvm;
	id = harness_swapon(&h, "swap0", 128, 0);
	uobj = harness_aobj(&h, 64);
	for (int i = 0; i < 64; i++)
		ck_assert_int_eq(harness_write_page(uobj, i, 1), 0);
	harness_pageout_all(&h);
	ck_assert_int_eq(swap_set_faults(uvm->swap, id, 0, 5, 0, 0), 0);
	ck_assert_int_eq(swap_off(uvm->swap, id, NULL), 0);
	ck_assert_uint_eq(stat_of(&uvm->exp.swapoffpgs), 63);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), 0);
	harness_check(&h);
	for (int i = 0; i < 64; i++) {
		if (harness_slot(uobj, i) == SWSLOT_BAD) {
			nbad++;
			ck_assert_int_eq(harness_verify_page(uobj, i, 1),
			    -EFAULT);
		} else {
			ck_assert_int_eq(harness_verify_page(uobj, i, 1), 0);
		}
	}
	ck_assert_int_eq(nbad, 1);
	harness_check(&h);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

START_TEST(test_swapoff_enomem)
{
	struct harness h;
	struct uvm *uvm;
	struct uvm_object *uobj;
	struct swap_devinfo si;
	int npages = obj_sizes[_i] < 64 ? 64 : obj_sizes[_i], id, keep;

	/* RAM far too small to take the device's pages back */
	harness_init(&h, 16);
	uvm = h.h_uvm;
	id = harness_swapon(&h, "swap0", 2 * npages, 0);
	uobj = harness_aobj(&h, npages);
	for (int i = 0; i < npages; i++)
		ck_assert_int_eq(harness_write_page(uobj, i, 1), 0);
	harness_pageout_all(&h);

	ck_assert_int_eq(swap_off(uvm->swap, id, NULL), -ENOMEM);
	ck_assert_int_eq(harness_devinfo(&h, id, &si), 0);
	ck_assert_uint_eq(si.si_flags & SWF_ENABLE, SWF_ENABLE);
	ck_assert_int_eq(swap_swpages(uvm->swap), 2 * npages);
	ck_assert_uint_gt(stat_of(&uvm->exp.swapoffpgs), 0);
	ck_assert_int_eq(uvm->free, 0);
	harness_check(&h);

	/* nothing lost, and the device still takes pages */
	for (int i = 0; i < npages; i++)
		ck_assert_int_eq(harness_verify_page(uobj, i, 1), 0);
	for (int i = 0; i < npages; i++)
		ck_assert_int_eq(harness_write_page(uobj, i, 2), 0);
	harness_pageout_all(&h);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), npages);
	for (int i = npages - 1; i >= 0; i--)
		ck_assert_int_eq(harness_verify_page(uobj, i, 2), 0);
	harness_check(&h);

	/* with fewer pages than frames left, swapoff succeeds */
	keep = 12;
	uvm_lock(&uobj->vmobjlock);
	ck_assert_int_eq(uao_put(uobj, (voff_t)keep << PAGE_SHIFT,
			     (voff_t)npages << PAGE_SHIFT, PGO_FREE),
	    0);
	harness_check(&h);
	ck_assert_int_eq(swap_off(uvm->swap, id, NULL), 0);
	ck_assert_int_eq(swap_swpages(uvm->swap), 0);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), 0);
	/* (reading the discarded pages would zero-fill more than RAM) */
	for (int i = 0; i < npages; i++)
		ck_assert_int_eq(harness_slot(uobj, i), 0);
	for (int i = 0; i < keep; i++)
		ck_assert_int_eq(harness_verify_page(uobj, i, 2), 0);
	harness_check(&h);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

/*
 * the pagedaemon thread
 */

static uint8_t
pd_byte(size_t i)
{
	uint64_t x = harness_pattern((int)(i >> 12), (int)(i & 4095) / 8, 11);

	return (uint8_t)(x >> ((i & 7) * 8));
}

START_TEST(test_pdaemon_thread)
{
	struct harness h;
	struct uvm *uvm;
	struct uvm_object *uobj;
	struct swap_devinfo devs[4];
	const int nframes = 64, npages = 4 * nframes;
	const size_t size = (size_t)npages * PAGE_SIZE, chunk = 5000;
	uint8_t buf[5000], want[5000];
	uint64_t nread = 0, nwrite = 0, kinds = 0;
	int ndevs, res, swonly;

	harness_init(&h, nframes);
	uvm = h.h_uvm;
	ck_assert_int_gt(harness_swapon(&h, "swap0", 2 * npages, 0), 0);
	uobj = harness_aobj(&h, npages);
	ck_assert_int_eq(uvm_pdaemon_start(uvm), 0);

	/* unaligned chunks: accesses straddle pages */
	for (size_t off = 0; off < size; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;

		for (size_t k = 0; k < n; k++)
			buf[k] = pd_byte(off + k);
		ck_assert_int_eq(pmap_mem_access(uobj, (voff_t)off, buf, n,
				     true),
		    0);
	}
	for (size_t off = 0; off < size; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;

		ck_assert_int_eq(pmap_mem_access(uobj, (voff_t)off, buf, n,
				     false),
		    0);
		for (size_t k = 0; k < n; k++)
			want[k] = pd_byte(off + k);
		if (memcmp(buf, want, n) != 0) {
			size_t k = 0;

			while (buf[k] == want[k])
				k++;
			ck_abort_msg("byte %zu differs", off + k);
		}
	}
	/* again, backwards by page: no read-ahead helps */
	for (int i = npages - 1; i >= 0; i--) {
		size_t off = (size_t)i * PAGE_SIZE;

		ck_assert_int_eq(pmap_mem_access(uobj, (voff_t)off, buf,
				     PAGE_SIZE, false),
		    0);
		for (size_t k = 0; k < PAGE_SIZE; k++)
			want[k] = pd_byte(off + k);
		ck_assert_msg(memcmp(buf, want, PAGE_SIZE) == 0,
		    "page %d differs", i);
	}
	uvm_pdaemon_stop(uvm);
	uvm_lock(&uvm->pq_lock);
	ck_assert(!uvm_pdaemon_running_locked(uvm));
	uvm_unlock(&uvm->pq_lock);
	harness_check(&h);

	/* the counters add up */
	ndevs = swap_list(uvm->swap, devs, 4);
	for (int d = 0; d < ndevs; d++) {
		nread += devs[d].si_nread;
		nwrite += devs[d].si_nwrite;
	}
	for (int k = 0; k < FK_NKINDS; k++)
		kinds += stat_of(&uvm->exp.fltkind[k]);
	ck_assert_uint_gt(stat_of(&uvm->exp.pdpasses), 0);
	ck_assert_uint_gt(stat_of(&uvm->exp.pageouts), 0);
	ck_assert_uint_gt(stat_of(&uvm->exp.pageins), 0);
	ck_assert_uint_eq(stat_of(&uvm->exp.pageouts), nwrite);
	ck_assert_uint_eq(stat_of(&uvm->exp.pageins), nread);
	ck_assert_uint_eq(stat_of(&uvm->exp.pageins),
	    stat_of(&uvm->exp.fltkind[FK_SWAPIN]) +
		stat_of(&uvm->exp.pgswapin_ra));
	ck_assert_uint_le(stat_of(&uvm->exp.pgswapin_rahit),
	    stat_of(&uvm->exp.pgswapin_ra));
	ck_assert_uint_eq(stat_of(&uvm->exp.faults),
	    kinds + stat_of(&uvm->exp.fltstale));
	ck_assert_uint_eq(stat_of(&uvm->exp.fltnomem), 0);
	ck_assert_uint_eq(stat_of(&uvm->exp.fltioerr), 0);
	ck_assert_uint_eq(stat_of(&uvm->exp.pdwrerr), 0);
	/* every page freed by the scan had been deactivated first */
	ck_assert_uint_ge(stat_of(&uvm->exp.pddeact),
	    stat_of(&uvm->exp.pgoutclean) + stat_of(&uvm->exp.pgoutzero));
	/* every page is resident or in swap; RAM never exceeded */
	count_pages(uobj, &res, &swonly, NULL);
	ck_assert_int_eq(res + swonly, npages);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), swonly);
	ck_assert_int_le(res, nframes);
	ck_assert_int_eq(res + uvm->free, nframes);

	/* restartable */
	ck_assert_int_eq(uvm_pdaemon_start(uvm), 0);
	uvm_pdaemon_stop(uvm);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

/*
 * Pages holding only zeros are freed by the pagedaemon without a write:
 * every third page of an object 4x RAM is written with zeros (dirty,
 * all zero: the kernel's swap would write it), the rest with a pattern.
 * Under pressure the zero pages go without I/O (pgoutzero, no slot),
 * the others are written, and every byte reads back; a zero page that
 * had a stale slot loses it.
 */
START_TEST(test_pdaemon_zero_pages)
{
	struct harness h;
	struct uvm *uvm;
	struct uvm_object *uobj;
	struct swap_devinfo devs[4];
	const int nframes = 64, npages = 4 * nframes;
	uint8_t buf[PAGE_SIZE], want[PAGE_SIZE];
	uint64_t nwrite = 0, zeros = 0;
	int ndevs, res, swonly;

	harness_init(&h, nframes);
	uvm = h.h_uvm;
	ck_assert_int_gt(harness_swapon(&h, "swap0", 2 * npages, 0), 0);
	uobj = harness_aobj(&h, npages);
	ck_assert_int_eq(uvm_pdaemon_start(uvm), 0);
	for (int i = 0; i < npages; i++) {
		for (size_t k = 0; k < PAGE_SIZE; k++)
			buf[k] = i % 3 == 0 ? 0 : pd_byte((size_t)i * 7 + k);
		ck_assert_int_eq(pmap_mem_access(uobj, (voff_t)i * PAGE_SIZE,
				     buf, PAGE_SIZE, true),
		    0);
		zeros += i % 3 == 0;
	}
	/* twice round: the second pass pages out again */
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < npages; i++) {
			ck_assert_int_eq(pmap_mem_access(uobj,
					     (voff_t)i * PAGE_SIZE, buf,
					     PAGE_SIZE, false),
			    0);
			for (size_t k = 0; k < PAGE_SIZE; k++)
				want[k] =
				    i % 3 == 0 ? 0 : pd_byte((size_t)i * 7 + k);
			ck_assert_msg(memcmp(buf, want, PAGE_SIZE) == 0,
			    "page %d differs (pass %d)", i, pass);
		}
	}
	uvm_pdaemon_stop(uvm);
	ndevs = swap_list(uvm->swap, devs, 4);
	for (int d = 0; d < ndevs; d++)
		nwrite += devs[d].si_nwrite;
	/* zero pages were freed without I/O, and never written */
	ck_assert_uint_gt(stat_of(&uvm->exp.pgoutzero), zeros / 2);
	ck_assert_uint_eq(stat_of(&uvm->exp.pageouts), nwrite);
	ck_assert_uint_le(nwrite, (uint64_t)npages - zeros);
	uvm_lock(&uobj->vmobjlock);
	for (int i = 0; i < npages; i += 3)
		ck_assert_int_le(uao_find_swslot(uobj, i), 0);
	uvm_obj_unlock(uobj);
	count_pages(uobj, &res, &swonly, NULL);
	ck_assert_int_le(res + swonly, npages);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), swonly);
	harness_check(&h);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

/*
 * contracts: broken ones abort
 *
 * The lock order (uvm_int.h: object lock -> uao_list_lock -> page queues)
 * is one: test_lockorder_in_order (TCase aobj) takes it as the code does,
 * and a wait against it aborts.
 */

START_TEST(test_lockorder_in_order)
{
	struct harness h;
	struct uvm *uvm;
	struct uvm_object *uobj;

	harness_init(&h, 16);
	uvm = h.h_uvm;
	uobj = harness_aobj(&h, 8);

	/* object, then list, then page queues: waits in order */
	uvm_lock(&uobj->vmobjlock);
	uvm_lock(&uvm->uao_list_lock);
	uvm_lock(&uvm->pq_lock);
	uvm_unlock(&uvm->pq_lock);
	uvm_unlock(&uvm->uao_list_lock);
	uvm_unlock(&uobj->vmobjlock);

	/* against the order by trylock only, as the pagedaemon does */
	uvm_lock(&uvm->pq_lock);
	ck_assert(uvm_trylock(&uobj->vmobjlock));
	uvm_unlock(&uobj->vmobjlock);
	uvm_unlock(&uvm->pq_lock);
	uvm_lock(&uvm->uao_list_lock);
	ck_assert(uvm_trylock(&uobj->vmobjlock));
	uvm_unlock(&uobj->vmobjlock);
	uvm_unlock(&uvm->uao_list_lock);

	/* the last detach leaves the list holding its object */
	ck_assert_int_eq(harness_write_page(uobj, 0, 1), 0);
	uvm_lock(&uobj->vmobjlock);
	ck_assert_int_eq(uao_put(uobj, 0, 0, PGO_ALLPAGES | PGO_FREE), 0);
	pmap_mem_unmap(uobj);
	uvm_lock(&uobj->vmobjlock);
	uao_detach_locked(uobj);
	ck_assert_ptr_null(LIST_FIRST(&uvm->uao_list));
	ck_assert(!uvm_lock_held(&uvm->uao_list_lock));
	harness_check(&h);
	harness_fini(&h);
}
END_TEST

START_TEST(test_contract_lockorder_list_object)
{
	struct harness h;
	struct uvm_object *uobj;

	harness_init(&h, 16);
	uobj = harness_aobj(&h, 8);
	uvm_lock(&h.h_uvm->uao_list_lock);
	uvm_lock(&uobj->vmobjlock); /* aborts: the object comes first */
}
END_TEST

START_TEST(test_contract_lockorder_pq_list)
{
	struct harness h;

	harness_init(&h, 16);
	uvm_lock(&h.h_uvm->pq_lock);
	uvm_lock(&h.h_uvm->uao_list_lock); /* aborts */
}
END_TEST

START_TEST(test_contract_lockorder_pq_object)
{
	struct harness h;
	struct uvm_object *uobj;

	harness_init(&h, 16);
	uobj = harness_aobj(&h, 8);
	uvm_lock(&h.h_uvm->pq_lock);
	uvm_lock(&uobj->vmobjlock); /* aborts */
}
END_TEST

START_TEST(test_contract_noswap_slot)
{
	struct harness h;
	struct uvm_object *uobj;

	harness_init(&h, 16);
	uobj = uao_create(h.h_uvm, 8 * PAGE_SIZE, UAO_FLAG_NOSWAP);
	uvm_lock(&uobj->vmobjlock);
	uao_set_swslot(uobj, 0, 5);
}
END_TEST

START_TEST(test_contract_put_flags)
{
	struct harness h;
	struct uvm_object *uobj;

	harness_init(&h, 16);
	uobj = harness_aobj(&h, 8);
	ck_assert_int_eq(harness_write_page(uobj, 0, 1), 0);
	uvm_lock(&uobj->vmobjlock);
	uao_put(uobj, 0, 0,
	    PGO_ALLPAGES | PGO_CLEANIT | PGO_FREE | PGO_DEACTIVATE);
}
END_TEST

START_TEST(test_contract_get_unlocked)
{
	struct harness h;
	struct uvm_object *uobj;
	struct vm_page *pps[1] = { NULL };
	int n = 1;

	harness_init(&h, 16);
	uobj = harness_aobj(&h, 8);
	uao_get(uobj, 0, pps, &n, 0, VM_PROT_READ, 0, PGO_LOCKED);
}
END_TEST

START_TEST(test_contract_swslot_range)
{
	struct harness h;
	struct uvm_object *uobj;

	harness_init(&h, 16);
	uobj = uao_create(h.h_uvm, 8 * PAGE_SIZE, 0);
	uvm_lock(&uobj->vmobjlock);
	uao_find_swslot(uobj, 8);
}
END_TEST

/*
 * the original round trip
 */

START_TEST(test_aobj_roundtrip_through_swap)
{
	struct harness h;
	int npages = obj_sizes[_i] * 4 > 64 ? obj_sizes[_i] : 64;
	struct uvm_object *uobj;

	harness_init(&h, npages / 4 < 16 ? 16 : npages / 4);
	ck_assert_int_gt(harness_swapon(&h, "swap0", npages * 2, 0), 0);
	uobj = harness_aobj(&h, npages);
	for (int i = 0; i < npages; i++)
		ck_assert_int_eq(harness_write_page(uobj, i, 1), 0);
	harness_check(&h);
	for (int i = 0; i < npages; i++)
		ck_assert_int_eq(harness_verify_page(uobj, i, 1), 0);
	harness_check(&h);
	harness_pageout_all(&h);
	harness_check(&h);
	ck_assert_int_gt(swap_swpgonly(h.h_uvm->swap), 0);
	for (int i = npages - 1; i >= 0; i--)
		ck_assert_int_eq(harness_verify_page(uobj, i, 1), 0);
	harness_check(&h);
	harness_aobj_free(uobj);
	ck_assert_int_eq(swap_swpgonly(h.h_uvm->swap), 0);
	harness_fini(&h);
}
END_TEST

static TCase *
new_tcase(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return tc;
}

static Suite *
pager_suite(void)
{
	Suite *s = suite_create("pager");
	TCase *tc;

	tc = new_tcase(s, "pages");
	tcase_add_test(tc, test_page_alloc_exhaust);
	tcase_add_test(tc, test_page_zero);
	tcase_add_test(tc, test_page_queues);
	tcase_add_test(tc, test_page_wait_runs_pass);
	tcase_add_test(tc, test_page_wait_enomem);
	tcase_add_test(tc, test_page_wait_wakes_pdaemon);
	tcase_add_test(tc, test_page_wait_pdaemon_oom);

	tc = new_tcase(s, "busy");
	tcase_add_test(tc, test_busy_wanted_unbusy);
	tcase_add_test(tc, test_busy_wanted_freed);
	tcase_add_test(tc, test_busy_released);
	tcase_add_test(tc, test_busy_get_waits_no_second_read);

	tc = new_tcase(s, "aobj");
	tcase_add_test(tc, test_aobj_create);
	tcase_add_test(tc, test_aobj_noswap_stays);
	tcase_add_test(tc, test_aobj_reference_detach);
	tcase_add_test(tc, test_aobj_detach_waits_busy);
	tcase_add_test(tc, test_lockorder_in_order);
	tcase_add_loop_test(tc, test_aobj_swslot, 0, NSIZES);

	tc = new_tcase(s, "get");
	tcase_add_loop_test(tc, test_get_locked, 0, NSIZES);
	tcase_add_test(tc, test_get_locked_no_frame);
	tcase_add_loop_test(tc, test_get_io, 0, NSIZES);
	tcase_add_loop_test(tc, test_get_read_error, 0, NSIZES);
	tcase_add_test(tc, test_get_readahead_error);
	tcase_add_test(tc, test_get_enomem);
	tcase_add_loop_test(tc, test_get_allpages_bad_slot, 0, NSIZES);
	tcase_add_test(tc, test_get_allpages_enomem);

	tc = new_tcase(s, "put");
	tcase_add_loop_test(tc, test_put_flags, 0, NPUTFLAGS * NPUTRANGES);
	tcase_add_test(tc, test_put_noop);
	tcase_add_test(tc, test_put_multiref);
	tcase_add_test(tc, test_put_wired);
	tcase_add_loop_test(tc, test_put_waits_busy, 0, 4);
	tcase_add_test(tc, test_dropswap);

	tc = new_tcase(s, "swapoff");
	tcase_add_loop_test(tc, test_swapoff_ok, 0, NSIZES);
	tcase_add_test(tc, test_swapoff_read_error);
	tcase_add_loop_test(tc, test_swapoff_enomem, 0, NSIZES);

	tc = new_tcase(s, "pdaemon");
	tcase_add_test(tc, test_pdaemon_thread);
	tcase_add_test(tc, test_pdaemon_zero_pages);

	tc = new_tcase(s, "contract");
	tcase_add_test_raise_signal(tc, test_contract_noswap_slot, SIGABRT);
	tcase_add_test_raise_signal(tc, test_contract_put_flags, SIGABRT);
	tcase_add_test_raise_signal(tc, test_contract_get_unlocked, SIGABRT);
	tcase_add_test_raise_signal(tc, test_contract_swslot_range, SIGABRT);
	tcase_add_test_raise_signal(tc, test_contract_lockorder_list_object,
	    SIGABRT);
	tcase_add_test_raise_signal(tc, test_contract_lockorder_pq_list,
	    SIGABRT);
	tcase_add_test_raise_signal(tc, test_contract_lockorder_pq_object,
	    SIGABRT);

	tc = new_tcase(s, "roundtrip");
	tcase_add_loop_test(tc, test_aobj_roundtrip_through_swap, 0, NSIZES);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(pager_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
