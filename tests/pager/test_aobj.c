/*
 * test_aobj.c: anonymous objects: create (TCase aobj), reference and
 * detach (detach), the slot store, array and hash (swslot), and the
 * round trip of every page through swap (roundtrip).
 */
#include "pager_test.h"

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

/*
 * created: n objects just made are each listed once, with one reference,
 * no pages and their machine; the invariants hold with them alive; then
 * they are detached and leave the list.
 */
static void
created(struct uvm_object **u, int n)
{
	struct uvm *uvm = fx.h_uvm;

	for (int i = 0; i < n; i++) {
		ck_assert_ptr_nonnull(u[i]);
		ck_assert_int_eq(u[i]->uo_refs, 1);
		ck_assert_int_eq(u[i]->uo_npages, 0);
		ck_assert_ptr_eq(u[i]->uo_uvm, uvm);
	}
	ck_assert_int_eq(aobj_list_len(uvm), n);
	harness_check(&fx);
	for (int i = 0; i < n; i++)
		uao_detach(u[i]);
	ck_assert_int_eq(aobj_list_len(uvm), 0);
}

/* no size, unknown flags, more pages than an int counts: refused */
START_TEST(test_aobj_create_einval)
{
	struct uvm *uvm = fx.h_uvm;

	ck_assert_ptr_null(uao_create(uvm, 0, 0));
	ck_assert_ptr_null(uao_create(uvm, PAGE_SIZE, 0x1));
	ck_assert_ptr_null(
	    uao_create(uvm, ((vsize_t)INT_MAX << PAGE_SHIFT) + 1, 0));
	ck_assert_int_eq(aobj_list_len(uvm), 0);
}
END_TEST

/* sizes round up to pages */
START_TEST(test_aobj_create_rounds_up)
{
	struct uvm_object *u[2];

	u[0] = uao_create(fx.h_uvm, 1, 0);
	u[1] = uao_create(fx.h_uvm, 3 * PAGE_SIZE + 1, 0);
	ck_assert_int_eq(uao_npages(u[0]), 1);
	ck_assert_int_eq(uao_npages(u[1]), 4);
	created(u, 2);
}
END_TEST

/* the slot store: an array up to the threshold, a hash (power-of-two
 * buckets) above */
START_TEST(test_aobj_create_slot_store)
{
	struct uvm *uvm = fx.h_uvm;
	struct uvm_object *u[3];
	struct uvm_aobj *a;

	u[0] = uao_create(uvm, UAO_SWHASH_THRESHOLD * PAGE_SIZE, 0);
	u[1] = uao_create(uvm, (UAO_SWHASH_THRESHOLD + 1) * PAGE_SIZE, 0);
	u[2] = uao_create(uvm, 100000 * (vsize_t)PAGE_SIZE, 0);
	a = (struct uvm_aobj *)u[0];
	ck_assert_ptr_nonnull(a->u_swslots);
	ck_assert_ptr_null(a->u_swhash);
	a = (struct uvm_aobj *)u[1];
	ck_assert_ptr_null(a->u_swslots);
	ck_assert_ptr_nonnull(a->u_swhash);
	ck_assert_uint_eq(a->u_swhashmask, 3); /* 65 >> 4 = 4 buckets */
	a = (struct uvm_aobj *)u[2];
	ck_assert_uint_eq(a->u_swhashmask, UAO_SWHASH_MAXBUCKETS - 1);
	created(u, 3);
}
END_TEST

/* no swap: no slot store at all, and slots read 0 */
START_TEST(test_aobj_create_noswap)
{
	struct uvm_object *u[1];
	struct uvm_aobj *a;

	u[0] = uao_create(fx.h_uvm, 1000 * PAGE_SIZE, UAO_FLAG_NOSWAP);
	ck_assert_ptr_nonnull(u[0]);
	a = (struct uvm_aobj *)u[0];
	ck_assert_ptr_null(a->u_swslots);
	ck_assert_ptr_null(a->u_swhash);
	uvm_lock(&u[0]->vmobjlock);
	ck_assert_int_eq(uao_find_swslot(u[0], 999), 0);
	ck_assert_int_eq(uao_set_swslot(u[0], 999, 0), 0);
	uvm_unlock(&u[0]->vmobjlock);
	created(u, 1);
}
END_TEST

START_TEST(test_aobj_noswap_stays)
{
	struct uvm *uvm;
	struct uvm_object *ns, *sw;
	int res;

	uvm = fx.h_uvm;
	ns = uao_create(uvm, 16 * PAGE_SIZE, UAO_FLAG_NOSWAP);
	ck_assert_int_eq(pmap_mem_map(uvm->pmap, ns), 0);
	sw = harness_aobj(&fx, 16);
	for (int i = 0; i < 16; i += 2) {
		ck_assert_int_eq(harness_write_page(ns, i, 1), 0);
		ck_assert_int_eq(harness_write_page(sw, i, 2), 0);
	}
	/* pageout takes the swappable object's pages only */
	harness_pageout_all(&fx);
	ck_assert_int_eq(harness_resident(ns), 8);
	ck_assert_int_eq(harness_resident(sw), 0);
	/* cleaning a no-swap object is a no-op, not an error */
	uvm_lock(&ns->vmobjlock);
	ck_assert_int_eq(uao_put(ns, 0, 0, PGO_ALLPAGES | PGO_CLEANIT), 0);
	count_pages(ns, &res, NULL, NULL);
	ck_assert_int_eq(res, 8);
	ck_assert_int_eq(swap_swpginuse(uvm->swap), 8);
	harness_check(&fx);
	for (int i = 0; i < 16; i += 2) {
		ck_assert_int_eq(harness_verify_page(ns, i, 1), 0);
		ck_assert_int_eq(harness_verify_page(sw, i, 2), 0);
	}
	harness_aobj_free(ns);
	harness_aobj_free(sw);
}
END_TEST

START_TEST(test_aobj_reference_detach)
{
	struct uvm *uvm;
	struct uvm_object *uobj;

	uvm = fx.h_uvm;
	uobj = harness_aobj(&fx, 40);
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
	harness_check(&fx);

	/* the last reference frees pages, frames and swap */
	harness_aobj_drop(uobj);
	ck_assert_int_eq(aobj_list_len(uvm), 0);
	ck_assert_int_eq(uvm->free, 16);
	ck_assert_int_eq(swap_swpginuse(uvm->swap), 0);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), 0);
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
	struct uvm *uvm;
	struct uvm_object *uobj;
	struct vm_page *pg;
	struct waiter w = { 0 };
	pthread_t t;

	uvm = fx.h_uvm;
	uobj = harness_aobj(&fx, 8);
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(harness_write_page(uobj, i, 1), 0);
	harness_pageout_all(&fx);
	ck_assert_int_eq(harness_verify_page(uobj, 3, 1), 0);
	ck_assert_int_eq(harness_write_page(uobj, 5, 2), 0);
	uvm_lock(&uobj->vmobjlock);
	uao_put(uobj, 0, 0, PGO_ALLPAGES | PGO_DEACTIVATE);
	pmap_mem_unmap(uobj);

	/* a page in "I/O": the detach must wait for it */
	pg = harness_busy(uobj, 3);
	w.w_uobj = uobj;
	start_sleeper(&t, detacher, &w, uobj, pg);
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
	int npages = obj_sizes[_i];
	struct uvm_object *uobj;
	struct uvm_aobj *aobj;
	int *model;
	bool hash;
	char why[256];

	uobj = uao_create(fx.h_uvm, (vsize_t)npages * PAGE_SIZE, 0);
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
	ck_assert_int_eq(uvm_check(fx.h_uvm, why, sizeof(why)), -EUCLEAN);
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
	harness_check(&fx);
	uao_detach(uobj);
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

void
pager_aobj_tcases(Suite *s)
{
	TCase *tc;

	tc = pager_tcase(s, "aobj");
	tcase_add_checked_fixture(tc, fx_machine16_setup, fx_machine_teardown);
	tcase_add_test(tc, test_aobj_create_einval);
	tcase_add_test(tc, test_aobj_create_rounds_up);
	tcase_add_test(tc, test_aobj_create_slot_store);
	tcase_add_test(tc, test_aobj_create_noswap);

	tc = pager_tcase(s, "detach");
	tcase_add_checked_fixture(tc, fx_swap16_setup, fx_machine_teardown);
	tcase_add_test(tc, test_aobj_noswap_stays);
	tcase_add_test(tc, test_aobj_reference_detach);
	tcase_add_test(tc, test_aobj_detach_waits_busy);

	tc = pager_tcase(s, "swslot");
	tcase_add_checked_fixture(tc, fx_machine16_setup, fx_machine_teardown);
	tcase_add_loop_test(tc, test_aobj_swslot, 0, NSIZES);

	tc = pager_tcase(s, "roundtrip");
	tcase_add_loop_test(tc, test_aobj_roundtrip_through_swap, 0, NSIZES);
}
