/*
 * test_probe.c: the fault probes (TCase probes): one record per swap-in
 * fault, for the touched page, with its four times in order; none while
 * the probes are off; the API's errors.  Times are checked for order
 * only, never against a threshold: the machine may be loaded.
 */
#include "uffd_test.h"

#define PROBE_NPAGES 256

/* a record's times are in stage order, and it is for page */
static void
record_ok(const struct uao_probe_record *rec, const void *page)
{
	ck_assert_ptr_eq(rec->addr, page);
	ck_assert_uint_ne(rec->msgread_ns, 0);
	ck_assert_uint_le(rec->msgread_ns, rec->submit_ns);
	ck_assert_uint_le(rec->submit_ns, rec->iodone_ns);
	ck_assert_uint_le(rec->iodone_ns, rec->mapped_ns);
}

/*
 * A region of PROBE_NPAGES written under fx_env's RAM limit (64 pages):
 * the pagedaemon has pushed the pages it could not keep to swap.
 */
static struct uao_region *
probe_region(char **basep)
{
	struct uao_region *r = env_region(&fx_env, PROBE_NPAGES, basep);
	struct uao_stats st;

	fill_pages(*basep, 0, PROBE_NPAGES, 1);
	stats(&fx_env, &st);
	ck_assert_uint_ge(st.swpgonly, PROBE_NPAGES - 64);
	return r;
}

/* swap-in faults (uao_sim_stats) now */
static uint64_t
swapins(void)
{
	struct uao_stats st;

	/* counted before the faulting thread is woken (fault.c) */
	uao_sim_stats(fx_env.sim, &st);
	return st.by_kind[UAO_FAULT_SWAPIN];
}

/*
 * Each access takes its own fault's record: as many records for the
 * page as swap-in faults the access took (one, or none for a resident
 * page; two if the pagedaemon took the page back in between), each for
 * that page with its times in order.
 */
START_TEST(test_probe_take_each_swapin)
{
	struct uao_probe_record rec;
	struct uao_stats st;
	struct uao_region *r;
	uint64_t total = 0, n0, n;
	char *base;

	r = probe_region(&base);
	ck_assert_int_eq(uao_probe_enable(fx_env.sim, 2 * PROBE_NPAGES), 0);
	n0 = swapins();
	/* backwards: no read-ahead, each swap-in reads its own page */
	for (size_t i = PROBE_NPAGES; i-- > 0;) {
		char *page = base + i * TPAGE;
		uint64_t before = swapins(), taken = 0;

		verify_pages(base, i, 1, 1);
		n = swapins() - before;
		while (uao_probe_take(fx_env.sim, page + 100, &rec) == 0) {
			record_ok(&rec, page);
			taken++;
		}
		/*
		 * probe_take waits for the page's record, and one thread
		 * faults: every swap-in read its own page.
		 */
		ck_assert_uint_eq(taken, n);
		total += taken;
	}
	stats(&fx_env, &st);
	ck_assert_uint_eq(total, swapins() - n0);
	ck_assert_uint_ge(total, PROBE_NPAGES - 64);
	ck_assert_uint_eq(st.probe_records, 0);
	ck_assert_uint_eq(st.probe_lost, 0);
	ck_assert_uint_eq(st.probe_noio, 0);
	ck_assert_int_eq(uao_probe_take(fx_env.sim, base, &rec), -ENOENT);
	ck_assert_int_eq(uao_region_destroy(r), 0);
}
END_TEST

/*
 * Drained after a whole pass: the records are the window's swap-ins,
 * each for a page of the region; then, probes off, a pass leaves none.
 */
START_TEST(test_probe_drain_then_off)
{
	static struct uao_probe_record recs[2 * PROBE_NPAGES];
	struct uao_stats st0, st;
	struct uao_region *r;
	char *base;
	int n;

	r = probe_region(&base);
	ck_assert_int_eq(uao_probe_enable(fx_env.sim, 2 * PROBE_NPAGES), 0);
	stats(&fx_env, &st0);
	for (size_t i = PROBE_NPAGES; i-- > 0;)
		verify_pages(base, i, 1, 1);
	stats(&fx_env, &st);
	n = uao_probe_drain(fx_env.sim, recs, 2 * PROBE_NPAGES);
	ck_assert_int_gt(n, 0);
	/*
	 * Every swap-in fault is a record: one thread faults, so each
	 * read its own page, and none is lost.  The last fault's handler
	 * may still be filling its record after waking this thread: the
	 * drain waits for it (CI saw 191 records for 192 swap-ins when it
	 * did not).
	 */
	ck_assert_uint_eq((uint64_t)n,
	    st.by_kind[UAO_FAULT_SWAPIN] - st0.by_kind[UAO_FAULT_SWAPIN]);
	ck_assert_uint_eq(st.probe_noio, st0.probe_noio);
	ck_assert_uint_eq(st.probe_lost, st0.probe_lost);
	for (int k = 0; k < n; k++) {
		uintptr_t a = (uintptr_t)recs[k].addr, b = (uintptr_t)base;

		ck_assert_uint_ge(a, b);
		ck_assert_uint_lt(a, b + PROBE_NPAGES * TPAGE);
		record_ok(&recs[k], base + (a - b) / TPAGE * TPAGE);
	}
	ck_assert_int_eq(uao_probe_drain(fx_env.sim, recs, 1), 0);

	/* off: swap-ins go on, records do not */
	ck_assert_int_eq(uao_probe_disable(fx_env.sim), 0);
	ck_assert_int_eq(pageout(r, 0, PROBE_NPAGES), 0);
	stats(&fx_env, &st0);
	verify_pages(base, 0, PROBE_NPAGES, 1);
	stats(&fx_env, &st);
	ck_assert_uint_gt(st.by_kind[UAO_FAULT_SWAPIN],
	    st0.by_kind[UAO_FAULT_SWAPIN]);
	ck_assert_uint_eq(st.probe_records, 0);
	ck_assert_int_eq(uao_probe_drain(fx_env.sim, recs, 2 * PROBE_NPAGES),
	    0);
	ck_assert_int_eq(uao_region_destroy(r), 0);
}
END_TEST

/* never enabled: swap-ins leave nothing, and taking finds nothing */
START_TEST(test_probe_never_enabled)
{
	struct uao_probe_record rec;
	struct uao_stats st;
	struct uao_region *r;
	char *base;

	r = probe_region(&base);
	verify_pages(base, 0, PROBE_NPAGES, 1);
	stats(&fx_env, &st);
	ck_assert_uint_gt(st.by_kind[UAO_FAULT_SWAPIN], 0);
	ck_assert_uint_eq(st.probe_records, 0);
	ck_assert_int_eq(uao_probe_take(fx_env.sim, base, &rec), -ENOENT);
	ck_assert_int_eq(uao_probe_drain(fx_env.sim, &rec, 1), 0);
	ck_assert_int_eq(uao_probe_disable(fx_env.sim), 0);
	ck_assert_int_eq(uao_region_destroy(r), 0);
}
END_TEST

START_TEST(test_probe_einval_ebusy)
{
	struct uao_probe_record rec;

	ck_assert_int_eq(uao_probe_enable(fx_env.sim, 0), -EINVAL);
	ck_assert_int_eq(uao_probe_enable(fx_env.sim, -1), -EINVAL);
	ck_assert_int_eq(uao_probe_enable(fx_env.sim, (1 << 20) + 1), -EINVAL);
	ck_assert_int_eq(uao_probe_take(fx_env.sim, &rec, NULL), -EINVAL);
	ck_assert_int_eq(uao_probe_drain(fx_env.sim, &rec, -1), -EINVAL);
	ck_assert_int_eq(uao_probe_drain(fx_env.sim, NULL, 1), -EINVAL);
	ck_assert_int_eq(uao_probe_drain(fx_env.sim, NULL, 0), 0);
	ck_assert_int_eq(uao_probe_enable(fx_env.sim, 8), 0);
	/* the ring is kept: another size is refused, the same one is fine */
	ck_assert_int_eq(uao_probe_enable(fx_env.sim, 16), -EBUSY);
	ck_assert_int_eq(uao_probe_disable(fx_env.sim), 0);
	ck_assert_int_eq(uao_probe_enable(fx_env.sim, 8), 0);
}
END_TEST

void
uffd_probe_tcases(Suite *s)
{
	TCase *tc = tcase_create("probes");

	tcase_add_checked_fixture(tc, fx_env_pressure_setup, fx_env_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_probe_take_each_swapin);
	tcase_add_test(tc, test_probe_drain_then_off);
	tcase_add_test(tc, test_probe_never_enabled);
	tcase_add_test(tc, test_probe_einval_ebusy);
	suite_add_tcase(s, tc);
}
