/*
 * test_threads.c: threads (TCase threads): threads faulting on one page
 * and on many at once; uao's own threads never touch region memory (a
 * fault of one panics; under pressure, none faults and no kmem allocation
 * lies in a region).  Each test sizes its own machine.
 */
#include "uffd_test.h"

/*
 * concurrent faults
 */

#define NTHREADS 4

struct worker {
	pthread_t w_thread;
	pthread_barrier_t *w_barrier;
	char *w_base;
	size_t w_first, w_n, w_stride;
	uint64_t w_gen;
	int w_bad; /* pages that read wrong */
};

static void *
worker_read(void *arg)
{
	struct worker *w = arg;

	pthread_barrier_wait(w->w_barrier);
	for (size_t i = w->w_first; i < w->w_n; i += w->w_stride) {
		if (pat_check(w->w_base + i * TPAGE, i, w->w_gen) >= 0)
			w->w_bad++;
	}
	return NULL;
}

static void
run_workers(char *base, size_t n, uint64_t gen, bool same)
{
	struct worker w[NTHREADS];
	pthread_barrier_t b;

	pthread_barrier_init(&b, NULL, NTHREADS);
	for (int t = 0; t < NTHREADS; t++) {
		w[t] = (struct worker) { .w_barrier = &b,
			.w_base = base,
			.w_first = same ? 0 : (size_t)t,
			.w_n = n,
			.w_stride = same ? 1 : NTHREADS,
			.w_gen = gen };
		ck_assert_int_eq(pthread_create(&w[t].w_thread, NULL,
				     worker_read, &w[t]),
		    0);
	}
	for (int t = 0; t < NTHREADS; t++) {
		pthread_join(w[t].w_thread, NULL);
		ck_assert_int_eq(w[t].w_bad, 0);
	}
	pthread_barrier_destroy(&b);
}

/* threads faulting on one page at once: it is read from swap once */
START_TEST(test_concurrent_same_page)
{
	struct env e;
	struct uao_stats st0, st;
	struct uao_region *r;
	char *base;

	env_init(&e, 0, 16, 0);
	r = env_region(&e, 1, &base);
	/*
	 * Counted from before the page-out: a handler may read a fault
	 * message of the last round late (its thread was woken by another
	 * handler's mapping), find the page paged out by now, and read it
	 * in itself.  Either way one read per round.
	 */
	for (uint64_t round = 1; round <= 50; round++) {
		stats(&e, &st0);
		fill_pages(base, 0, 1, round);
		ck_assert_int_eq(pageout(r, 0, 1), 0);
		run_workers(base, 1, round, true);
		stats(&e, &st);
		ck_assert_uint_eq(st.pageins - st0.pageins, 1);
		ck_assert_uint_eq(st.by_kind[UAO_FAULT_SWAPIN] -
			st0.by_kind[UAO_FAULT_SWAPIN],
		    1);
	}
	stats_ok(&e);
	ck_assert_int_eq(uao_region_destroy(r), 0);
	env_fini(&e);
}
END_TEST

/* threads faulting on different pages: each page read once */
START_TEST(test_concurrent_pages)
{
	const size_t n = 1024;
	struct env e;
	struct uao_stats st0, st;
	struct uao_region *r;
	char *base;

	env_init(&e, 0, 2048, 0);
	r = env_region(&e, n, &base);
	for (uint64_t round = 1; round <= 3; round++) {
		stats(&e, &st0); /* before the page-out: see above */
		fill_pages(base, 0, n, round);
		ck_assert_int_eq(pageout(r, 0, n), 0);
		run_workers(base, n, round, false);
		stats(&e, &st);
		ck_assert_uint_eq(st.pageins - st0.pageins, n);
		stats_ok(&e);
		run_workers(base, n, round, true);
	}
	env_check(&e);
	ck_assert_int_eq(uao_region_destroy(r), 0);
	env_fini(&e);
}
END_TEST

/*
 * uao's own threads and region memory
 */

/*
 * A thread registered as uao's must never fault on a region: the
 * handler panics (abort) instead of waiting for itself.
 */
START_TEST(test_uao_thread_fault_panics)
{
	struct env e;
	struct uao_region *r;
	char *base;

	env_init(&e, 0, 0, 0);
	r = env_region(&e, 1, &base);
	uao_thread_start(); /* this thread is uao's now */
	*(volatile char *)base = 1;
	ck_abort_msg("a uao thread's fault was served");
	(void)r;
}
END_TEST

/*
 * A workload under pressure (pagedaemon, read-ahead, write-protect,
 * swap hash) on a region larger than RAM: no uao thread faulted (the
 * handler would have panicked), every kmem allocation lies outside the
 * regions, and the uao threads allocated something (else the check
 * would check nothing).
 */
START_TEST(test_uao_threads_stay_out)
{
	const size_t n = 2048; /* 8 MiB through 1 MiB of RAM */
	struct env e;
	struct uao_stats st;
	struct uao_region *r;
	char *base;

	env_init(&e, 1 << 20, 4096, 0);
	r = env_region(&e, n, &base);
	for (uint64_t gen = 1; gen <= 3; gen++) {
		fill_pages(base, 0, n, gen);
		verify_pages(base, 0, n, gen);
		for (size_t i = n; i-- > 0;)
			verify_pages(base, i, 1, gen);
		run_workers(base, n, gen, false);
	}
	stats(&e, &st);
	ck_assert_uint_gt(st.pageouts, n);
	ck_assert_uint_gt(st.pageins, 0);
	ck_assert_uint_gt(st.pd_passes, 0);
	/* the pagedaemon's own deactivations, touched again: soft faults */
	ck_assert_uint_gt(st.deactivated, 0);
	ck_assert_uint_gt(st.by_kind[UAO_FAULT_SOFT], 0);
	stats_ok(&e);
	env_check(&e);
	ck_assert_int_eq(uao_region_destroy(r), 0);
	env_fini(&e);
	ck_assert_uint_gt(atomic_load(&guard_allocs), 0);
	ck_assert_uint_gt(atomic_load(&guard_uao_allocs), 0);
	ck_assert_uint_eq(atomic_load(&guard_violations), 0);
}
END_TEST

void
uffd_threads_tcases(Suite *s)
{
	TCase *tc = tcase_create("threads");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_concurrent_same_page);
	tcase_add_test(tc, test_concurrent_pages);
	tcase_add_test_raise_signal(tc, test_uao_thread_fault_panics, SIGABRT);
	tcase_add_test(tc, test_uao_threads_stay_out);
	suite_add_tcase(s, tc);
}
