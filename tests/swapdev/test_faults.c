/*
 * test_faults.c: fault injection (TCase faults): the nth write or read,
 * a rate in parts per million from a seed, and the pager's markbad after
 * a failed write.
 */
#include "swapdev_test.h"

/*
 * 4. fault injection
 */

START_TEST(test_faults_write_nth)
{
	struct swap_data *sd = fx_sd;
	int a, b, slots[8], errs[8], sa, sb;
	void *buf = pages_alloc(8);

	a = dev_on(sd, "a", 16, 0, 0);
	b = dev_on(sd, "b", 16, 0, 0);
	sa = devinfo(sd, a).si_start;
	sb = devinfo(sd, b).si_start;
	/* generation 1 everywhere */
	for (int i = 0; i < 6; i++)
		slots[i] = sa + i;
	slots[6] = sb;
	slots[7] = sb + 1;
	for (int i = 0; i < 8; i++)
		fill_page(page_at(buf, i), (uint64_t)slots[i], 1);
	ck_assert_int_eq(io_slots(sd, slots, 8, buf, true, NULL), 0);

	/* the 3rd page written to a from now fails: a's 3rd, not b's */
	ck_assert_int_eq(swap_set_faults(sd, a, 1, 3, 0, 0), 0);
	for (int i = 0; i < 8; i++)
		fill_page(page_at(buf, i), (uint64_t)slots[i], 2);
	/* interleave b's pages first: they do not count for a */
	{
		int order[8] = { 6, 0, 7, 1, 2, 3, 4, 5 }, s2[8];
		void *b2 = pages_alloc(8);

		for (int i = 0; i < 8; i++) {
			s2[i] = slots[order[i]];
			memcpy(page_at(b2, i), page_at(buf, order[i]),
			    PAGE_SIZE);
		}
		ck_assert_int_eq(io_slots(sd, s2, 8, b2, true, errs), 1);
		for (int i = 0; i < 8; i++)
			ck_assert_int_eq(errs[i], s2[i] == sa + 2 ? -EIO : 0);
		free(b2);
	}
	ck_assert_uint_eq(devinfo(sd, a).si_nwriteerr, 1);
	ck_assert_uint_eq(devinfo(sd, a).si_nwrite, 6 + 5);
	ck_assert_uint_eq(devinfo(sd, b).si_nwriteerr, 0);
	ck_assert_uint_eq(devinfo(sd, b).si_nwrite, 4);
	/* one shot: the same batch again succeeds */
	ck_assert_int_eq(io_slots(sd, slots, 8, buf, true, NULL), 0);
	/* the failed write never reached the file: gen 1 stayed there */
	{
		int s = sa + 2;

		ck_assert_int_eq(swap_set_faults(sd, a, 1, 1, 0, 0), 0);
		fill_page(buf, (uint64_t)s, 3);
		ck_assert_int_eq(io_slots(sd, &s, 1, buf, true, errs), 1);
		ck_assert_int_eq(errs[0], -EIO);
		ck_assert_int_eq(io_slots(sd, &s, 1, buf, false, NULL), 0);
		ck_assert(page_is(buf, (uint64_t)s, 2));
	}
	/* reads were never affected */
	ck_assert_uint_eq(devinfo(sd, a).si_nreaderr, 0);

	/* nth counts pages across batches: 5th = first page of 3rd batch */
	ck_assert_int_eq(swap_set_faults(sd, b, 1, 5, 0, 0), 0);
	for (int batch = 0; batch < 4; batch++) {
		int s[2] = { sb + 2 * batch, sb + 2 * batch + 1 };

		fill_page(buf, (uint64_t)s[0], 4);
		fill_page(page_at(buf, 1), (uint64_t)s[1], 4);
		ck_assert_int_eq(io_slots(sd, s, 2, buf, true, errs),
		    batch == 2 ? 1 : 0);
		ck_assert_int_eq(errs[0], batch == 2 ? -EIO : 0);
		ck_assert_int_eq(errs[1], 0);
	}
	ck_assert_uint_eq(devinfo(sd, b).si_nwriteerr, 1);
	/* off */
	ck_assert_int_eq(swap_set_faults(sd, b, 1, 0, 0, 0), 0);
	ck_assert_int_eq(swap_set_faults(sd, a, 1, 0, 0, 0), 0);
	write_verify_slots(sd, slots, 8, 5);
	/* bad arguments */
	ck_assert_int_eq(swap_set_faults(sd, a, 2, 1, 0, 0), -EINVAL);
	ck_assert_int_eq(swap_set_faults(sd, a, -1, 1, 0, 0), -EINVAL);
	ck_assert_int_eq(swap_set_faults(sd, a, 0, 0, 1000001, 0), -EINVAL);
	free(buf);
}
END_TEST

START_TEST(test_faults_read_nth)
{
	struct swap_data *sd = fx_sd;
	int a, b, slots[8], errs[8], sa, sb;
	void *buf = pages_alloc(8);

	a = dev_on(sd, "a", 8, 0, 0);
	b = dev_on(sd, NULL, 8, 0, SWAP_BUFFERED);
	sa = devinfo(sd, a).si_start;
	sb = devinfo(sd, b).si_start;
	for (int i = 0; i < 4; i++) {
		slots[i] = sa + i;
		slots[4 + i] = sb + i;
	}
	for (int i = 0; i < 8; i++)
		fill_page(page_at(buf, i), (uint64_t)slots[i], 1);
	ck_assert_int_eq(io_slots(sd, slots, 8, buf, true, NULL), 0);

	/* the 2nd page read from b; writes do not count */
	ck_assert_int_eq(swap_set_faults(sd, b, 0, 2, 0, 0), 0);
	ck_assert_int_eq(io_slots(sd, slots, 8, buf, true, NULL), 0);
	memset(buf, 0xee, NPAGES(8));
	ck_assert_int_eq(io_slots(sd, slots, 8, buf, false, errs), 1);
	for (int i = 0; i < 8; i++) {
		if (i == 5) {
			unsigned char *p = page_at(buf, i);

			ck_assert_int_eq(errs[i], -EIO);
			/* the buffer was not touched */
			for (int k = 0; k < PAGE_SIZE; k++)
				ck_assert_uint_eq(p[k], 0xee);
		} else {
			ck_assert_int_eq(errs[i], 0);
			ck_assert(
			    page_is(page_at(buf, i), (uint64_t)slots[i], 1));
		}
	}
	ck_assert_uint_eq(devinfo(sd, b).si_nreaderr, 1);
	ck_assert_uint_eq(devinfo(sd, b).si_nread, 3);
	ck_assert_uint_eq(devinfo(sd, a).si_nreaderr, 0);
	ck_assert_uint_eq(devinfo(sd, a).si_nread, 4);
	ck_assert_uint_eq(devinfo(sd, b).si_nwriteerr, 0);
	/* the slot itself is fine: a read now succeeds */
	memset(buf, 0, NPAGES(8));
	ck_assert_int_eq(io_slots(sd, slots, 8, buf, false, NULL), 0);
	ck_assert(page_is(page_at(buf, 5), (uint64_t)slots[5], 1));
	free(buf);
}
END_TEST

/*
 * The injector's decision for its next page, modelled from the contract
 * (swap_int.h: rng_below of the seed's base/rng.h stream, in parts per
 * million), to predict exactly which pages fail.
 */
static bool
model_fails(uint64_t *stream, uint32_t ppm)
{
	return rng_below(stream, 1000000) < ppm;
}

/*
 * ppm_setup: devices a and b of 64 pages each on sd, slots[128]
 * alternating a's and b's, and buf holding each slot's pattern (gen 1).
 */
static void
ppm_setup(struct swap_data *sd, int *ap, int *bp, int *slots, void *buf)
{
	int sa, sb;

	*ap = dev_on(sd, "a", 64, 0, 0);
	*bp = dev_on(sd, "b", 64, 0, 0);
	sa = devinfo(sd, *ap).si_start;
	sb = devinfo(sd, *bp).si_start;
	for (int i = 0; i < 64; i++) {
		slots[2 * i] = sa + i;
		slots[2 * i + 1] = sb + i;
	}
	for (int i = 0; i < 128; i++)
		fill_page(page_at(buf, i), (uint64_t)slots[i], 1);
}

/* a rate in parts per million: writes fail exactly where the generator
 * says, and only on the device it is set for */
START_TEST(test_faults_ppm)
{
	struct swap_data *sd = fx_sd;
	const uint32_t ppm = 250000;
	int a, b, slots[128], errs[128], nfail, want_fail;
	void *buf = pages_alloc(128);
	uint64_t seed = test_seed | 1, st;

	ppm_setup(sd, &a, &b, slots, buf);
	/* writes to a fail at 25%, exactly where the generator says */
	ck_assert_int_eq(swap_set_faults(sd, a, 1, 0, ppm, seed), 0);
	nfail = io_slots(sd, slots, 128, buf, true, errs);
	st = seed;
	want_fail = 0;
	for (int i = 0; i < 64; i++) {
		bool fail = model_fails(&st, ppm);

		want_fail += fail;
		ck_assert_int_eq(errs[2 * i], fail ? -EIO : 0);
		ck_assert_int_eq(errs[2 * i + 1], 0);
	}
	ck_assert_int_eq(nfail, want_fail);
	ck_assert_int_gt(nfail, 0);
	ck_assert_int_lt(nfail, 64);
	ck_assert_uint_eq(devinfo(sd, a).si_nwriteerr, (uint64_t)want_fail);
	ck_assert_uint_eq(devinfo(sd, a).si_nwrite, (uint64_t)(64 - want_fail));
	free(buf);
}
END_TEST

/* the same seed set again: the same pages fail */
START_TEST(test_faults_ppm_same_seed_same_pages)
{
	struct swap_data *sd = fx_sd;
	const uint32_t ppm = 250000;
	int a, b, slots[128], errs[128], errs2[128], nfail;
	void *buf = pages_alloc(128);
	uint64_t seed = test_seed | 1;

	ppm_setup(sd, &a, &b, slots, buf);
	ck_assert_int_eq(swap_set_faults(sd, a, 1, 0, ppm, seed), 0);
	nfail = io_slots(sd, slots, 128, buf, true, errs);
	ck_assert_int_gt(nfail, 0);
	ck_assert_int_eq(swap_set_faults(sd, a, 1, 0, ppm, seed), 0);
	ck_assert_int_eq(io_slots(sd, slots, 128, buf, true, errs2), nfail);
	ck_assert_mem_eq(errs, errs2, sizeof(errs));
	free(buf);
}
END_TEST

/* nth and ppm together, on reads of b: both fire; a's reads are whole */
START_TEST(test_faults_nth_and_ppm)
{
	struct swap_data *sd = fx_sd;
	int a, b, slots[128], errs[128], nfail, want_fail;
	void *buf = pages_alloc(128);
	uint64_t st;

	ppm_setup(sd, &a, &b, slots, buf);
	ck_assert_int_eq(io_slots(sd, slots, 128, buf, true, NULL), 0);
	ck_assert_int_eq(swap_set_faults(sd, b, 0, 10, 100000, 0), 0);
	memset(buf, 0, NPAGES(128));
	nfail = io_slots(sd, slots, 128, buf, false, errs);
	st = 0; /* the seed given: 0 is a seed like any other */
	want_fail = 0;
	for (int i = 0; i < 64; i++) {
		bool fail = model_fails(&st, 100000);

		fail = fail || i + 1 == 10;
		want_fail += fail;
		ck_assert_int_eq(errs[2 * i + 1], fail ? -EIO : 0);
		ck_assert_int_eq(errs[2 * i], 0);
		if (!fail)
			ck_assert(page_is(page_at(buf, 2 * i + 1),
			    (uint64_t)slots[2 * i + 1], 1));
		ck_assert(
		    page_is(page_at(buf, 2 * i), (uint64_t)slots[2 * i], 1));
	}
	ck_assert_int_eq(nfail, want_fail);
	ck_assert_uint_eq(devinfo(sd, b).si_nreaderr, (uint64_t)want_fail);
	free(buf);
}
END_TEST

/* a million per million: every page */
START_TEST(test_faults_ppm_million)
{
	struct swap_data *sd = fx_sd;
	int a, b, slots[128], errs[128];
	void *buf = pages_alloc(128);

	ppm_setup(sd, &a, &b, slots, buf);
	ck_assert_int_eq(io_slots(sd, slots, 128, buf, true, NULL), 0);
	ck_assert_int_eq(swap_set_faults(sd, b, 0, 0, 1000000, 0), 0);
	ck_assert_int_eq(io_slots(sd, slots, 128, buf, false, errs), 64);
	for (int i = 0; i < 64; i++) {
		ck_assert_int_eq(errs[2 * i], 0);
		ck_assert_int_eq(errs[2 * i + 1], -EIO);
	}
	free(buf);
}
END_TEST

/*
 * The pager's part after a failed write (pagerio.c): the slot is marked
 * bad and the page goes to another slot, which holds it.
 */
START_TEST(test_faults_write_then_markbad)
{
	struct swap_data *sd = fx_sd;
	int a, s, n, err, s2;
	void *buf = pages_alloc(1);

	a = dev_on(sd, "a", 4, 0, 0);
	ck_assert_int_eq(swap_set_faults(sd, a, 1, 1, 0, 0), 0);
	n = 1;
	s = uvm_swap_alloc(sd, &n, false);
	fill_page(buf, 77, 1);
	ck_assert_int_eq(io_slots(sd, &s, 1, buf, true, &err), 1);
	ck_assert_int_eq(err, -EIO);
	uvm_swap_markbad(sd, s, 1);
	n = 1;
	s2 = uvm_swap_alloc(sd, &n, false);
	ck_assert_int_ne(s2, s);
	ck_assert_int_eq(io_slots(sd, &s2, 1, buf, true, &err), 0);
	memset(buf, 0, PAGE_SIZE);
	ck_assert_int_eq(io_slots(sd, &s2, 1, buf, false, &err), 0);
	ck_assert(page_is(buf, 77, 1));
	ck_assert_int_eq(devinfo(sd, a).si_npgbad, 1);
	ck_assert_uint_eq(devinfo(sd, a).si_nwriteerr, 1);
	uvm_swap_free(sd, s2, 1);
	sd_check(sd);
	free(buf);
}
END_TEST

void
swapdev_faults_tcases(Suite *s)
{
	TCase *tc = tcase_create("faults");

	tcase_add_checked_fixture(tc, fx_sd_setup, fx_sd_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_faults_write_nth);
	tcase_add_test(tc, test_faults_read_nth);
	tcase_add_test(tc, test_faults_ppm);
	tcase_add_test(tc, test_faults_ppm_same_seed_same_pages);
	tcase_add_test(tc, test_faults_nth_and_ppm);
	tcase_add_test(tc, test_faults_ppm_million);
	tcase_add_test(tc, test_faults_write_then_markbad);
	suite_add_tcase(s, tc);
}
