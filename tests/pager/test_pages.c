/*
 * test_pages.c: the page layer: uvm_pagealloc/free/lookup, uvm_pagezero
 * (TCase pages), the page queues (queues), and uvm_wait, with and without
 * the pagedaemon thread (wait).
 */
#include "pager_test.h"

/*
 * pages
 */

/*
 * alloc_all: allocate every one of the fixture's 16 frames to a new
 * object of 32 pages, page i at offset i, zeroed when i is odd.
 * => object locked on return; *uobjp and pgs[16] filled
 */
static void
alloc_all(struct uvm_object **uobjp, struct vm_page **pgs)
{
	struct uvm_object *uobj = uao_create(fx.h_uvm, 32 * PAGE_SIZE, 0);

	ck_assert_ptr_nonnull(uobj);
	uvm_lock(&uobj->vmobjlock);
	for (int i = 0; i < 16; i++) {
		pgs[i] = uvm_pagealloc(uobj, (voff_t)i << PAGE_SHIFT, NULL,
		    (i & 1) != 0 ? UVM_PGA_ZERO : 0);
		ck_assert_ptr_nonnull(pgs[i]);
	}
	*uobjp = uobj;
}

/* => object locked: free the busy pages of alloc_all, drop the object */
static void
free_all(struct uvm_object *uobj, struct vm_page **pgs)
{
	uvm_lock(&fx.h_uvm->pq_lock);
	for (int i = 0; i < 16; i++)
		uvm_pagefree(pgs[i]);
	uvm_unlock(&fx.h_uvm->pq_lock);
	uvm_unlock(&uobj->vmobjlock);
	uao_detach(uobj);
}

/* a new page is busy, owned, on no queue, entered in its object */
START_TEST(test_page_alloc)
{
	struct uvm *uvm = fx.h_uvm;
	struct uvm_object *uobj;
	struct vm_page *pgs[16], *pg;

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
	free_all(uobj, pgs);
}
END_TEST

/* no frame left: NULL, and nothing entered */
START_TEST(test_page_alloc_exhausted)
{
	struct uvm_object *uobj;
	struct vm_page *pgs[16];

	alloc_all(&uobj, pgs);
	ck_assert_ptr_null(
	    uvm_pagealloc(uobj, 16 * PAGE_SIZE, NULL, UVM_PGA_ZERO));
	ck_assert_ptr_null(uvm_pagelookup(uobj, 16 * PAGE_SIZE));
	ck_assert_int_eq(uobj->uo_npages, 16);
	ck_assert_int_eq(fx.h_uvm->free, 0);
	free_all(uobj, pgs);
}
END_TEST

/* the owner frees its busy pages: out of the object, back on the free list */
START_TEST(test_page_free)
{
	struct uvm *uvm = fx.h_uvm;
	struct uvm_object *uobj;
	struct vm_page *pgs[16];

	alloc_all(&uobj, pgs);
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
	uvm_unlock(&uobj->vmobjlock);
	uao_detach(uobj);
}
END_TEST

/* LIFO: the frame freed last is handed out first */
START_TEST(test_page_free_lifo)
{
	struct uvm *uvm = fx.h_uvm;
	struct uvm_object *uobj;
	struct vm_page *pgs[16], *pg;

	alloc_all(&uobj, pgs);
	uvm_lock(&uvm->pq_lock);
	for (int i = 0; i < 16; i++)
		uvm_pagefree(pgs[i]);
	uvm_unlock(&uvm->pq_lock);
	pg = uvm_pagealloc(uobj, 0, NULL, UVM_PGA_ZERO);
	ck_assert_ptr_eq(pg, pgs[15]);
	uvm_lock(&uvm->pq_lock);
	uvm_pagefree(pg);
	uvm_unlock(&uvm->pq_lock);
	uvm_unlock(&uobj->vmobjlock);
	uao_detach(uobj);
}
END_TEST

START_TEST(test_page_zero)
{
	struct uvm_object *uobj;
	struct vm_page *pg;

	uobj = harness_aobj(&fx, 4);
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
	harness_check(&fx);
	harness_aobj_free(uobj);
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

START_TEST(test_page_wait_runs_pass)
{
	struct uvm *uvm;
	struct uvm_object *uobj;
	uint64_t passes0;

	/* no pagedaemon thread: uvm_wait runs a pass in the caller */
	uvm = fx.h_uvm;
	ck_assert_int_gt(harness_swapon(&fx, "swap0", 64, 0), 0);
	uobj = harness_aobj(&fx, 32);
	fill_frames(&fx, uobj, 3);

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
	harness_check(&fx);

	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(harness_verify_page(uobj, 2 * i, 3), 0);
	harness_check(&fx);
	harness_aobj_free(uobj);
}
END_TEST

START_TEST(test_page_wait_enomem)
{
	struct uvm *uvm;
	struct uvm_object *uobj;
	uint64_t gen0;
	int error;

	/* no swap: dirty pages cannot go anywhere */
	uvm = fx.h_uvm;
	uobj = harness_aobj(&fx, 40);
	fill_frames(&fx, uobj, 5);

	gen0 = uvm->oom_gen;
	ck_assert_int_eq(uvm_wait(uvm, "test"), -ENOMEM);
	ck_assert_uint_eq(uvm->oom_gen, gen0 + 1);
	ck_assert_int_eq(uvm->free, 0);

	/* a fault that needs a frame gets the same answer */
	error = harness_write_page(uobj, 33, 5);
	ck_assert_int_eq(error, -ENOMEM);
	ck_assert_uint_eq(stat_of(&uvm->exp.fltnomem), 1);
	ck_assert_ptr_null(harness_page(uobj, 33));
	harness_check(&fx);

	/* nothing was lost */
	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(harness_verify_page(uobj, 2 * i, 5), 0);
	harness_aobj_free(uobj);
}
END_TEST

START_TEST(test_page_wait_wakes_pdaemon)
{
	struct uvm *uvm;
	struct uvm_object *uobj;

	uvm = fx.h_uvm;
	ck_assert_int_gt(harness_swapon(&fx, "swap0", 64, 0), 0);
	uobj = harness_aobj(&fx, 32);

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
	fill_frames(&fx, uobj, 9);
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
	harness_check(&fx);
	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(harness_verify_page(uobj, 2 * i, 9), 0);
	harness_aobj_free(uobj);
}
END_TEST

START_TEST(test_page_wait_pdaemon_oom)
{
	struct uvm *uvm;
	struct uvm_object *uobj;

	/* a daemon that cannot free anything declares memory exhausted */
	uvm = fx.h_uvm;
	uobj = harness_aobj(&fx, 40);
	fill_frames(&fx, uobj, 4);
	ck_assert_int_eq(uvm_pdaemon_start(uvm), 0);
	ck_assert_int_eq(uvm_wait(uvm, "test"), -ENOMEM);
	ck_assert_uint_ge(stat_of(&uvm->exp.oomevents), 1);
	ck_assert_int_eq(harness_write_page(uobj, 33, 4), -ENOMEM);
	uvm_pdaemon_stop(uvm);
	harness_check(&fx);
	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(harness_verify_page(uobj, 2 * i, 4), 0);
	harness_aobj_free(uobj);
}
END_TEST

void
pager_pages_tcases(Suite *s)
{
	TCase *tc;

	tc = pager_tcase(s, "pages");
	tcase_add_checked_fixture(tc, fx_machine16_setup, fx_machine_teardown);
	tcase_add_test(tc, test_page_alloc);
	tcase_add_test(tc, test_page_alloc_exhausted);
	tcase_add_test(tc, test_page_free);
	tcase_add_test(tc, test_page_free_lifo);
	tcase_add_test(tc, test_page_zero);

	tc = pager_tcase(s, "queues");
	tcase_add_test(tc, test_page_queues);

	tc = pager_tcase(s, "wait");
	tcase_add_checked_fixture(tc, fx_machine16_setup, fx_machine_teardown);
	tcase_add_test(tc, test_page_wait_runs_pass);
	tcase_add_test(tc, test_page_wait_enomem);
	tcase_add_test(tc, test_page_wait_wakes_pdaemon);
	tcase_add_test(tc, test_page_wait_pdaemon_oom);
}
