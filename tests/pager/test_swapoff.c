/*
 * test_swapoff.c: uao_swap_off through swap_off (TCase swapoff): every
 * page comes back, a read error marks a slot bad, ENOMEM leaves the
 * device on.  Machine sizes depend on the loop index: no fixture.
 */
#include "pager_test.h"

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

void
pager_swapoff_tcases(Suite *s)
{
	TCase *tc = pager_tcase(s, "swapoff");

	tcase_add_loop_test(tc, test_swapoff_ok, 0, NSIZES);
	tcase_add_test(tc, test_swapoff_read_error);
	tcase_add_loop_test(tc, test_swapoff_enomem, 0, NSIZES);
}
