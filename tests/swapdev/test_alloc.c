/*
 * test_alloc.c: slot allocation (TCase alloc): global numbering,
 * priorities and round-robin, contiguous runs, a full swap, bad and held
 * slots, and the frees and I/O that must abort.
 */
#include "swapdev_test.h"

/*
 * 2. slot allocation
 */

START_TEST(test_alloc_global_numbering)
{
	struct swap_data *sd = fx_sd;
	int a, b, c, fd, fda, fdb;
	off_t off;

	a = dev_on(sd, "a", 10, 0, 0);
	b = dev_on(sd, "b", 20, 5, 0);
	c = dev_on(sd, NULL, 30, -3, 0);
	ck_assert_int_eq(devinfo(sd, a).si_start, 1);
	ck_assert_int_eq(devinfo(sd, b).si_start, 11);
	ck_assert_int_eq(devinfo(sd, c).si_start, 31);
	ck_assert_int_eq(swap_swpages(sd), 60);

	ck_assert_int_eq(swap_slot_device_id(sd, 0), 0);
	ck_assert_int_eq(swap_slot_device_id(sd, SWSLOT_BAD), 0);
	ck_assert_int_eq(swap_slot_device_id(sd, 1), a);
	ck_assert_int_eq(swap_slot_device_id(sd, 10), a);
	ck_assert_int_eq(swap_slot_device_id(sd, 11), b);
	ck_assert_int_eq(swap_slot_device_id(sd, 30), b);
	ck_assert_int_eq(swap_slot_device_id(sd, 31), c);
	ck_assert_int_eq(swap_slot_device_id(sd, 60), c);
	ck_assert_int_eq(swap_slot_device_id(sd, 61), 0);

	/* locate: the device's fd and the page's offset in it */
	ck_assert_int_eq(swap_slot_locate(sd, 0, &fd, &off), -ENXIO);
	ck_assert_int_eq(swap_slot_locate(sd, SWSLOT_BAD, &fd, &off), -ENXIO);
	ck_assert_int_eq(swap_slot_locate(sd, 61, &fd, &off), -ENXIO);
	/* page 0 of each file is its signature */
	ck_assert_int_eq(swap_slot_locate(sd, 1, &fda, &off), 0);
	ck_assert_int_eq(off, (off_t)NPAGES(1));
	ck_assert_int_eq(swap_slot_locate(sd, 10, &fd, &off), 0);
	ck_assert_int_eq(fd, fda);
	ck_assert_int_eq(off, (off_t)NPAGES(10));
	ck_assert_int_eq(swap_slot_locate(sd, 11, &fdb, &off), 0);
	ck_assert_int_ne(fdb, fda);
	ck_assert_int_eq(off, (off_t)NPAGES(1));
	ck_assert_int_eq(swap_slot_locate(sd, 45, &fd, &off), 0);
	ck_assert_int_eq(off, (off_t)NPAGES(15));

	/* what a page written to a slot looks like at that fd and offset */
	{
		void *buf = pages_alloc(2);
		int slot = 27;

		fill_page(buf, 27, 9);
		ck_assert_int_eq(io_slots(sd, &slot, 1, buf, true, NULL), 0);
		ck_assert_int_eq(swap_slot_locate(sd, 27, &fd, &off), 0);
		ck_assert_int_eq(fd, fdb);
		ck_assert_int_eq(off, (off_t)NPAGES(17));
		ck_assert_int_eq(pread(fd, page_at(buf, 1), PAGE_SIZE, off),
		    PAGE_SIZE);
		ck_assert(page_is(page_at(buf, 1), 27, 9));
		free(buf);
	}
}
END_TEST

START_TEST(test_alloc_priority_roundrobin)
{
	struct swap_data *sd = fx_sd;
	int a, b, c, d, e, s, n;
	int seq[20];

	/* lower number first; b, c and e share priority 0 */
	a = dev_on(sd, "a", 4, 1, 0);
	b = dev_on(sd, "b", 4, 0, 0);
	c = dev_on(sd, "c", 4, 0, 0);
	d = dev_on(sd, "d", 4, 7, 0);
	e = dev_on(sd, NULL, 2, 0, 0);
	(void)a;
	(void)d;

	/* b c e in turn, until e is full, then b c ... */
	for (int i = 0; i < 10; i++) {
		n = 1;
		s = uvm_swap_alloc(sd, &n, false);
		ck_assert_int_gt(s, 0);
		ck_assert_int_eq(n, 1);
		seq[i] = swap_slot_device_id(sd, s);
	}
	{
		const int want[10] = { b, c, e, b, c, e, b, c, b, c };

		for (int i = 0; i < 10; i++)
			ck_assert_msg(seq[i] == want[i],
			    "allocation %d on device %d, want %d", i, seq[i],
			    want[i]);
	}
	/* priority 0 is full: priority 1 (a), then 7 (d) */
	for (int i = 0; i < 8; i++) {
		n = 1;
		s = uvm_swap_alloc(sd, &n, false);
		ck_assert_int_gt(s, 0);
		ck_assert_int_eq(swap_slot_device_id(sd, s), i < 4 ? a : d);
	}
	n = 1;
	ck_assert_int_eq(uvm_swap_alloc(sd, &n, false), 0);
	ck_assert_int_eq(uvm_swap_alloc(sd, &n, true), 0);
	ck_assert_int_eq(swap_swpginuse(sd), 18);
	ck_assert_int_eq(swap_swpginuse(sd), swap_swpages(sd));
	sd_check(sd);

	/* a freed slot of the best priority is the next one handed out */
	s = devinfo(sd, c).si_start + 2;
	uvm_swap_free(sd, s, 1);
	n = 1;
	ck_assert_int_eq(uvm_swap_alloc(sd, &n, false), s);
	uvm_swap_free(sd, devinfo(sd, d).si_start + 1, 1);
	n = 1;
	ck_assert_int_eq(uvm_swap_alloc(sd, &n, false),
	    devinfo(sd, d).si_start + 1);

	/* free all; the round-robin goes on */
	for (int id = 1; id <= 5; id++) {
		struct swap_devinfo si = devinfo(sd, id);

		uvm_swap_free(sd, si.si_start, si.si_npages);
	}
	ck_assert_int_eq(swap_swpginuse(sd), 0);
	sd_check(sd);
}
END_TEST

START_TEST(test_alloc_contiguous_runs)
{
	struct swap_data *sd = fx_sd;
	int a, b, s, s2, n, start_a, start_b;

	a = dev_on(sd, "a", 32, 0, 0);
	b = dev_on(sd, "b", 16, 1, 0);
	start_a = devinfo(sd, a).si_start;
	start_b = devinfo(sd, b).si_start;

	/* runs of 8 on a, one after another, never crossing a device */
	for (int i = 0; i < 4; i++) {
		n = 8;
		s = uvm_swap_alloc(sd, &n, false);
		ck_assert_int_eq(n, 8);
		ck_assert_int_eq(swap_slot_device_id(sd, s), a);
		ck_assert_int_eq(swap_slot_device_id(sd, s + 7), a);
	}
	ck_assert_int_eq(devinfo(sd, a).si_npginuse, 32);
	/* a is full: the next run is on b */
	n = 16;
	s = uvm_swap_alloc(sd, &n, false);
	ck_assert_int_eq(s, start_b);
	ck_assert_int_eq(n, 16);
	uvm_swap_free(sd, s, 16);

	/* fragment a: every other slot free; 16 free in all, runs of 1 */
	for (int i = 0; i < 32; i += 2)
		uvm_swap_free(sd, start_a + i, 1);
	ck_assert_int_eq(devinfo(sd, a).si_npginuse, 16);
	/* a cannot give 2 together: b, the worse priority, gives them whole */
	n = 2;
	s = uvm_swap_alloc(sd, &n, true);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(swap_slot_device_id(sd, s), b);
	/* more than any device holds: nothing whole; lessok takes a's best */
	n = 40;
	ck_assert_int_eq(uvm_swap_alloc(sd, &n, false), 0);
	ck_assert_int_eq(n, 40);
	s2 = uvm_swap_alloc(sd, &n, true);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(swap_slot_device_id(sd, s2), a);
	ck_assert_int_eq((s2 - start_a) % 2, 0);
	uvm_swap_free(sd, s2, 1);
	/* fill b; now 2 together are nowhere: lessok gives 1 from a */
	n = 14;
	s2 = uvm_swap_alloc(sd, &n, false);
	ck_assert_int_eq(n, 14);
	ck_assert_int_eq(swap_slot_device_id(sd, s2), b);
	n = 2;
	ck_assert_int_eq(uvm_swap_alloc(sd, &n, false), 0);
	n = 2;
	s = uvm_swap_alloc(sd, &n, true);
	ck_assert_int_gt(s, 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(swap_slot_device_id(sd, s), a);
	uvm_swap_free(sd, s, 1);

	/* free a run in the middle of a: a run of 5 is found there */
	for (int i = 9; i < 16; i += 2)
		uvm_swap_free(sd, start_a + i, 1);
	/* a now has 8..16 free (9 slots) */
	n = 9;
	s = uvm_swap_alloc(sd, &n, false);
	ck_assert_int_eq(s, start_a + 8);
	ck_assert_int_eq(n, 9);
	sd_check(sd);

	/* free everything */
	uvm_swap_free(sd, s, 9);
	for (int i = 0; i < 32; i++) {
		if (i % 2 == 1 && !(i >= 8 && i < 17))
			uvm_swap_free(sd, start_a + i, 1);
	}
	uvm_swap_free(sd, start_b, 16);
	ck_assert_int_eq(swap_swpginuse(sd), 0);
}
END_TEST

START_TEST(test_alloc_full)
{
	struct swap_data *sd = fx_sd;
	int n, s;

	(void)dev_on(sd, "a", 8, 0, 0);
	(void)dev_on(sd, NULL, 8, 0, 0);
	for (int i = 0; i < 4; i++) {
		n = 4;
		ck_assert_int_gt(uvm_swap_alloc(sd, &n, false), 0);
		ck_assert_int_eq(n, 4);
	}
	ck_assert_int_eq(swap_swpginuse(sd), 16);
	for (int want = 1; want <= 20; want += 19) {
		n = want;
		ck_assert_int_eq(uvm_swap_alloc(sd, &n, false), 0);
		ck_assert_int_eq(n, want);
		ck_assert_int_eq(uvm_swap_alloc(sd, &n, true), 0);
	}
	/* no swap at all */
	for (s = 1; s <= 16; s += 4)
		uvm_swap_free(sd, s, 4);
	sd_destroy_all(sd);
	/* the fixture's teardown destroys the new one */
	fx_sd = sd = swap_create(NULL, NULL);
	n = 1;
	ck_assert_int_eq(uvm_swap_alloc(sd, &n, true), 0);
}
END_TEST

START_TEST(test_alloc_markbad)
{
	struct swap_data *sd = fx_sd;
	int a, b, s, n, got[8], ngot = 0;

	a = dev_on(sd, "a", 6, 0, 0);
	b = dev_on(sd, "b", 4, 1, 0);
	n = 6;
	s = uvm_swap_alloc(sd, &n, false);
	ck_assert_int_eq(s, 1);
	ck_assert_int_eq(n, 6);
	/* slots 3 and 4 fail; the rest are freed */
	uvm_swap_markbad(sd, 3, 2);
	ck_assert_int_eq(devinfo(sd, a).si_npgbad, 2);
	ck_assert_int_eq(devinfo(sd, a).si_npginuse, 4);
	ck_assert_int_eq(swap_swpginuse(sd), 4);
	sd_check(sd);
	uvm_swap_free(sd, 1, 2);
	uvm_swap_free(sd, 5, 2);
	/* freeing SWSLOT_BAD or 0 is a no-op */
	uvm_swap_free(sd, SWSLOT_BAD, 1);
	uvm_swap_free(sd, 0, 1);
	ck_assert_int_eq(swap_swpginuse(sd), 0);
	ck_assert_int_eq(devinfo(sd, a).si_npgbad, 2);
	sd_check(sd);

	/* a run across the bad slots is impossible; a hands out 4 singles */
	n = 3;
	s = uvm_swap_alloc(sd, &n, false);
	ck_assert_int_eq(swap_slot_device_id(sd, s), b);
	uvm_swap_free(sd, s, 3);
	for (;;) {
		n = 1;
		s = uvm_swap_alloc(sd, &n, false);
		if (s == 0 || swap_slot_device_id(sd, s) != a)
			break;
		ck_assert_int_ne(s, 3);
		ck_assert_int_ne(s, 4);
		got[ngot++] = s;
		ck_assert_int_le(ngot, 4);
	}
	ck_assert_int_eq(ngot, 4);
	ck_assert_int_eq(swap_slot_device_id(sd, s), b);
	uvm_swap_free(sd, s, 1);
	/* bad slots still counted, never in use */
	ck_assert_int_eq(devinfo(sd, a).si_npgbad, 2);
	ck_assert_int_eq(devinfo(sd, a).si_npginuse, 4);
	for (int i = 0; i < ngot; i++)
		uvm_swap_free(sd, got[i], 1);
	sd_check(sd);
	/* the device goes, bad slots with it */
	ck_assert_int_eq(swap_off(sd, a, NULL), 0);
}
END_TEST

START_TEST(test_alloc_hold)
{
	struct swap_data *sd = fx_sd;
	int a, s, n, t;

	a = dev_on(sd, "a", 4, 0, 0);
	n = 4;
	s = uvm_swap_alloc(sd, &n, false);
	ck_assert_int_eq(n, 4);
	swap_hold(sd);
	swap_hold(sd);
	uvm_swap_free(sd, s, 2);
	ck_assert_int_eq(devinfo(sd, a).si_npgheld, 2);
	ck_assert_int_eq(devinfo(sd, a).si_npginuse, 2);
	ck_assert_int_eq(swap_swpginuse(sd), 2);
	sd_check(sd);
	/* held slots are not handed out again */
	n = 1;
	ck_assert_int_eq(uvm_swap_alloc(sd, &n, true), 0);
	/* nor may their device go: -EBUSY, and it stays usable */
	uvm_swap_free(sd, s + 2, 2);
	ck_assert_int_eq(swap_off(sd, a, NULL), -EBUSY);
	ck_assert(devinfo(sd, a).si_flags & SWF_ENABLE);
	ck_assert_int_eq(swap_swpages(sd), 4);
	swap_unhold(sd);
	ck_assert_int_eq(devinfo(sd, a).si_npgheld, 4);
	swap_unhold(sd);
	ck_assert_int_eq(devinfo(sd, a).si_npgheld, 0);
	sd_check(sd);
	n = 4;
	t = uvm_swap_alloc(sd, &n, false);
	ck_assert_int_eq(t, s);
	ck_assert_int_eq(n, 4);
	uvm_swap_free(sd, t, 4);
}
END_TEST

/* contract violations abort with a message (uvm_panic) */
START_TEST(test_alloc_double_free_panics)
{
	struct swap_data *sd = fx_sd;
	int n = 1, s;

	(void)dev_on(sd, "a", 4, 0, 0);
	s = uvm_swap_alloc(sd, &n, false);
	uvm_swap_free(sd, s, 1);
	uvm_swap_free(sd, s, 1);
}
END_TEST

START_TEST(test_alloc_markbad_free_slot_panics)
{
	struct swap_data *sd = fx_sd;

	(void)dev_on(sd, "a", 4, 0, 0);
	uvm_swap_markbad(sd, 2, 1);
}
END_TEST

START_TEST(test_alloc_free_bad_slot_panics)
{
	struct swap_data *sd = fx_sd;
	int n = 1, s;

	(void)dev_on(sd, "a", 4, 0, 0);
	s = uvm_swap_alloc(sd, &n, false);
	uvm_swap_markbad(sd, s, 1);
	uvm_swap_free(sd, s, 1);
}
END_TEST

START_TEST(test_io_no_device_panics)
{
	struct swap_data *sd = fx_sd;
	void *buf = pages_alloc(1);
	int slot = 5;

	(void)dev_on(sd, "a", 4, 0, 0);
	io_slots(sd, &slot, 1, buf, false, NULL);
}
END_TEST

void
swapdev_alloc_tcases(Suite *s)
{
	TCase *tc = tcase_create("alloc");

	tcase_add_checked_fixture(tc, fx_sd_setup, fx_sd_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_alloc_global_numbering);
	tcase_add_test(tc, test_alloc_priority_roundrobin);
	tcase_add_test(tc, test_alloc_contiguous_runs);
	tcase_add_test(tc, test_alloc_full);
	tcase_add_test(tc, test_alloc_markbad);
	tcase_add_test(tc, test_alloc_hold);
	tcase_add_test_raise_signal(tc, test_alloc_double_free_panics, SIGABRT);
	tcase_add_test_raise_signal(tc, test_alloc_markbad_free_slot_panics,
	    SIGABRT);
	tcase_add_test_raise_signal(tc, test_alloc_free_bad_slot_panics,
	    SIGABRT);
	tcase_add_test_raise_signal(tc, test_io_no_device_panics, SIGABRT);
	suite_add_tcase(s, tc);
}
