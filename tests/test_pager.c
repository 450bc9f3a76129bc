/*
 * test_pager.c: the machine-independent pager, through the in-memory
 * machine and real swap files.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "harness.h"

static const int obj_sizes[] = { 8, UAO_SWHASH_THRESHOLD,
	UAO_SWHASH_THRESHOLD + 1, 1000 };

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

static Suite *
pager_suite(void)
{
	Suite *s = suite_create("pager");
	TCase *tc = tcase_create("roundtrip");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_aobj_roundtrip_through_swap, 0,
	    sizeof(obj_sizes) / sizeof(obj_sizes[0]));
	suite_add_tcase(s, tc);
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
