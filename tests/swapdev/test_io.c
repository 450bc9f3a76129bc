/*
 * test_io.c: page I/O (TCase io): O_DIRECT and buffered files, batches
 * in one submission, the ring given back.
 */
#include "swapdev_test.h"

/*
 * 3. page I/O
 */

START_TEST(test_io_odirect_and_buffered)
{
	struct swap_data *sd = fx_sd;
	int ids[4], slots[16], fd, fl;
	off_t off;

	ids[0] = dev_on(sd, "direct", 8, 0, 0);
	ids[1] = dev_on(sd, "buffered", 8, 0, SWAP_BUFFERED);
	ids[2] = dev_on(sd, NULL, 8, 0, 0);
	ids[3] = dev_on(sd, NULL, 8, 0, SWAP_BUFFERED);
	for (int k = 0; k < 4; k++) {
		struct swap_devinfo si = devinfo(sd, ids[k]);
		bool direct = k % 2 == 0;

		ck_assert_int_eq(swap_slot_locate(sd, si.si_start, &fd, &off),
		    0);
		fl = fcntl(fd, F_GETFL);
		ck_assert_int_ge(fl, 0);
		ck_assert_msg(((fl & O_DIRECT) != 0) == direct,
		    "device %d: F_GETFL %#x", ids[k], fl);
		ck_assert_int_eq((fl & O_ACCMODE), O_RDWR);
		ck_assert_int_eq((si.si_flags & SWF_ODIRECT) != 0, direct);
		ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
		for (int i = 0; i < 4; i++)
			slots[k * 4 + i] = si.si_start + 2 * i + 1;
	}
	/* one batch over all four kinds */
	write_verify_slots(sd, slots, 16, 11);
	for (int k = 0; k < 4; k++) {
		ck_assert_uint_eq(devinfo(sd, ids[k]).si_nwrite, 4);
		ck_assert_uint_eq(devinfo(sd, ids[k]).si_nread, 4);
	}
}
END_TEST

START_TEST(test_io_batched)
{
	struct swap_data *sd = fx_sd;
	int a, b, c, sa, sb, sc, slots[256];
	void *buf = pages_alloc(256);
	uint64_t sum;

	a = dev_on(sd, "a", 300, 0, 0);
	b = dev_on(sd, "b", 300, 0, 0);
	c = dev_on(sd, NULL, 300, 1, 0);
	sa = devinfo(sd, a).si_start;
	sb = devinfo(sd, b).si_start;
	sc = devinfo(sd, c).si_start;

	/* one run of 32 consecutive slots: one request, one submission */
	for (int i = 0; i < 32; i++) {
		slots[i] = sa + 100 + i;
		fill_page(page_at(buf, i), (uint64_t)slots[i], 1);
	}
	submit_reset();
	ck_assert_int_eq(io_slots(sd, slots, 32, buf, true, NULL), 0);
	ck_assert_uint_eq(nsubmit(), 1);
	ck_assert_uint_eq(nsqe(), 1);
	memset(buf, 0, NPAGES(32));
	submit_reset();
	ck_assert_int_eq(io_slots(sd, slots, 32, buf, false, NULL), 0);
	ck_assert_uint_eq(nsubmit(), 1);
	ck_assert_uint_eq(nsqe(), 1);
	for (int i = 0; i < 32; i++)
		ck_assert(page_is(page_at(buf, i), (uint64_t)slots[i], 1));

	/* runs on three devices, and a run broken by a gap: 4 requests */
	for (int i = 0; i < 8; i++) {
		slots[i] = sb + i;	    /* run 1 */
		slots[8 + i] = sc + 50 + i; /* run 2 */
		slots[16 + i] = sa + i;	    /* run 3 */
		slots[24 + i] = sa + 9 + i; /* run 4: gap at sa+8 */
	}
	for (int i = 0; i < 32; i++)
		fill_page(page_at(buf, i), (uint64_t)slots[i], 2);
	submit_reset();
	ck_assert_int_eq(io_slots(sd, slots, 32, buf, true, NULL), 0);
	ck_assert_uint_eq(nsubmit(), 1);
	ck_assert_uint_eq(nsqe(), 4);
	memset(buf, 0, NPAGES(32));
	submit_reset();
	ck_assert_int_eq(io_slots(sd, slots, 32, buf, false, NULL), 0);
	ck_assert_uint_eq(nsqe(), 4);
	for (int i = 0; i < 32; i++)
		ck_assert(page_is(page_at(buf, i), (uint64_t)slots[i], 2));

	/* 256 scattered pages, descending order: 256 requests, 64 at once */
	for (int i = 0; i < 256; i++) {
		int dev = i % 3;
		int base = dev == 0 ? sa : dev == 1 ? sb : sc;

		slots[i] = base + 299 - 2 * (i / 3);
		fill_page(page_at(buf, i), (uint64_t)slots[i], 3);
	}
	submit_reset();
	ck_assert_int_eq(io_slots(sd, slots, 256, buf, true, NULL), 0);
	ck_assert_uint_eq(nsubmit(), 256 / URING_DEPTH);
	ck_assert_uint_eq(nsqe(), 256);
	memset(buf, 0, NPAGES(256));
	ck_assert_int_eq(io_slots(sd, slots, 256, buf, false, NULL), 0);
	for (int i = 0; i < 256; i++)
		ck_assert_msg(page_is(page_at(buf, i), (uint64_t)slots[i], 3),
		    "page %d slot %d", i, slots[i]);
	/* the earlier batches' pages that were not overwritten are intact */
	slots[0] = sa + 100;
	ck_assert_int_eq(io_slots(sd, slots, 1, buf, false, NULL), 0);
	ck_assert(page_is(buf, (uint64_t)(sa + 100), 1));

	/* per-device counters add up to the pages moved */
	sum = 0;
	for (int id = a; id <= c; id++) {
		struct swap_devinfo si = devinfo(sd, id);

		sum += si.si_nread + si.si_nwrite;
		ck_assert_uint_eq(si.si_nreaderr + si.si_nwriteerr, 0);
	}
	ck_assert_uint_eq(sum, 32 * 4 + 256 * 2 + 1);
	ck_assert_uint_eq(devinfo(sd, c).si_nwrite, 8 + 85);
	free(buf);
}
END_TEST

/* I/O through a thread's ring after it released its ring: a new one */
START_TEST(test_io_ring_release)
{
	struct swap_data *sd = fx_sd;
	int slots[4] = { 1, 2, 3, 4 };

	(void)dev_on(sd, "a", 4, 0, 0);
	write_verify_slots(sd, slots, 4, 1);
	uring_thread_release();
	uring_thread_release();
	write_verify_slots(sd, slots, 4, 2);
}
END_TEST

void
swapdev_io_tcases(Suite *s)
{
	TCase *tc = tcase_create("io");

	tcase_add_checked_fixture(tc, fx_sd_setup, fx_sd_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_io_odirect_and_buffered);
	tcase_add_test(tc, test_io_batched);
	tcase_add_test(tc, test_io_ring_release);
	suite_add_tcase(s, tc);
}
