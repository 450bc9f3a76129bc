/*
 * test_busy.c: the PG_BUSY / PG_WANTED sleep protocol (TCase busy): a
 * sleeper wakes on unbusy, on a free, on PG_RELEASED; a getter waits for
 * a read in flight instead of reading twice.
 */
#include "pager_test.h"

/*
 * busy / wanted
 */

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

/*
 * sleeper_on_busy_page: a 4-page object of fx (w->w_uobj) whose page idx
 * holds generation 1 and is busy, ours; and a waiter_page thread *tp
 * asleep on it.  => the busy page
 */
static struct vm_page *
sleeper_on_busy_page(struct waiter *w, pthread_t *tp, int idx)
{
	struct vm_page *pg;

	w->w_uobj = harness_aobj(&fx, 4);
	w->w_idx = idx;
	ck_assert_int_eq(harness_write_page(w->w_uobj, idx, 1), 0);
	pg = harness_busy(w->w_uobj, idx);
	start_sleeper(tp, waiter_page, w, w->w_uobj, pg);
	return pg;
}

START_TEST(test_busy_wanted_unbusy)
{
	struct uvm_object *uobj;
	struct vm_page *pg;
	struct waiter w = { 0 };
	pthread_t t;

	pg = sleeper_on_busy_page(&w, &t, 2);
	uobj = w.w_uobj;

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
	harness_check(&fx);
	harness_aobj_free(uobj);
}
END_TEST

START_TEST(test_busy_wanted_freed)
{
	struct uvm *uvm;
	struct uvm_object *uobj;
	struct vm_page *pg;
	struct waiter w = { 0 };
	pthread_t t;

	/* a page freed under a sleeper wakes it, and it finds it gone */
	uvm = fx.h_uvm;
	pg = sleeper_on_busy_page(&w, &t, 1);
	uobj = w.w_uobj;

	uvm_lock(&uobj->vmobjlock);
	pmap_page_remove(pg);
	uvm_lock(&uvm->pq_lock);
	uvm_pagefree(pg);
	uvm_unlock(&uvm->pq_lock);
	uvm_obj_unlock(uobj);
	pthread_join(t, NULL);
	ck_assert_ptr_null(w.w_got);
	harness_check(&fx);
	harness_aobj_free(uobj);
}
END_TEST

START_TEST(test_busy_released)
{
	struct uvm *uvm;
	struct uvm_object *uobj;
	struct vm_page *pg;
	struct waiter w = { 0 };
	pthread_t t;

	/* PG_RELEASED: the owner's unbusy frees the page */
	uvm = fx.h_uvm;
	pg = sleeper_on_busy_page(&w, &t, 0);
	uobj = w.w_uobj;
	uvm_lock(&uobj->vmobjlock);
	pg->flags |= PG_RELEASED;
	uvm_page_unbusy(pg);
	ck_assert_ptr_null(uvm_pagelookup(uobj, 0));
	ck_assert_int_eq(uvm->free, 16);
	uvm_obj_unlock(uobj);
	pthread_join(t, NULL);
	ck_assert_ptr_null(w.w_got);
	harness_check(&fx);
	harness_aobj_free(uobj);
}
END_TEST

START_TEST(test_busy_get_waits_no_second_read)
{
	struct uvm *uvm;
	struct uvm_object *uobj;
	struct vm_page *pg;
	struct waiter w = { 0 };
	pthread_t t;
	uint64_t pageins0;

	uvm = fx.h_uvm;
	ck_assert_int_gt(harness_swapon(&fx, "swap0", 16, 0), 0);
	uobj = harness_aobj(&fx, 4);
	ck_assert_int_eq(harness_write_page(uobj, 0, 6), 0);
	harness_pageout_all(&fx);
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
	start_sleeper(&t, waiter_get, &w, uobj, pg);
	uvm_lock(&uobj->vmobjlock);
	activate_unbusy(pg);
	uvm_obj_unlock(uobj);
	pthread_join(t, NULL);
	ck_assert_int_eq(w.w_rv, 0);
	ck_assert_ptr_eq(w.w_got, pg);
	ck_assert_uint_eq(stat_of(&uvm->exp.pageins), pageins0);

	ck_assert_int_eq(harness_verify_page(uobj, 0, 6), 0);
	harness_check(&fx);
	harness_aobj_free(uobj);
}
END_TEST

/* PGO_LOCKED on a busy centre page: EBUSY, nothing taken, no sleep */
START_TEST(test_busy_locked_get_ebusy)
{
	struct uvm_object *uobj;
	struct vm_page *pps[1] = { NULL }, *pg;
	int npages = 1;

	uobj = harness_aobj(&fx, 4);
	ck_assert_int_eq(harness_write_page(uobj, 0, 6), 0);
	pg = harness_busy(uobj, 0);
	uvm_lock(&uobj->vmobjlock);
	ck_assert_int_eq(uao_get(uobj, 0, pps, &npages, 0, VM_PROT_READ, 0,
			     PGO_LOCKED),
	    -EBUSY);
	ck_assert_int_eq(npages, 0);
	ck_assert_ptr_null(pps[0]);
	uvm_page_unbusy(pg);
	uvm_obj_unlock(uobj);
	ck_assert_int_eq(harness_verify_page(uobj, 0, 6), 0);
	harness_check(&fx);
	harness_aobj_free(uobj);
}
END_TEST

void
pager_busy_tcases(Suite *s)
{
	TCase *tc = pager_tcase(s, "busy");

	tcase_add_checked_fixture(tc, fx_machine16_setup, fx_machine_teardown);
	tcase_add_test(tc, test_busy_wanted_unbusy);
	tcase_add_test(tc, test_busy_wanted_freed);
	tcase_add_test(tc, test_busy_released);
	tcase_add_test(tc, test_busy_get_waits_no_second_read);
	tcase_add_test(tc, test_busy_locked_get_ebusy);
}
