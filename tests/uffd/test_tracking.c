/*
 * test_tracking.c: reference and dirty tracking against eviction
 * (TCase tracking).  uao learns that a page was used from a soft fault
 * (the pagedaemon unmapped it to sample it) and that it was written from
 * a write-protect fault, or predicts the write and maps a clean page
 * writable and dirty on a read (write prediction).  A write that reaches
 * a page while it leaves must never be lost, and a slot whose page was
 * written must never be read back: the program threads here write while
 * the pagedaemon, explicit page-outs and deactivations take the pages
 * away, and every read checks the last generation written.
 */
#include "uffd_test.h"

#include "base/rng.h"

#define TRACK_PAGES   512
#define TRACK_RAM     96 /* pages: the pagedaemon evicts all along */
#define TRACK_SWAP    2048
#define TRACK_WRITERS 2
#define TRACK_OPS     6000 /* per writer; counts, never a time */

struct writer {
	pthread_t wr_thread;
	char *wr_base;
	int wr_id; /* owns the pages i with i % writers == id */
	uint64_t wr_rng;
	uint64_t wr_gen[TRACK_PAGES]; /* last generation written; 0: none */
	size_t wr_bad_page; /* first page that read wrong, or SIZE_MAX */
	int wr_bad_word;
	uint64_t wr_bad_gen;
};

static atomic_bool evictor_stop;
static int evictor_error; /* first failing call's -errno or errno */

/*
 * A writer: read one of its pages (it must hold the generation last
 * written), then write the next.  Reading first is what makes a read
 * fault map the page clean, or writable under prediction, before the
 * write lands.
 */
static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	const size_t mine = TRACK_PAGES / TRACK_WRITERS;

	for (int op = 0; op < TRACK_OPS; op++) {
		size_t i = (size_t)w->wr_id +
		    TRACK_WRITERS * rng_below(&w->wr_rng, mine);
		char *page = w->wr_base + i * TPAGE;
		int bad;

		if (w->wr_gen[i] != 0 &&
		    (bad = pat_check(page, i, w->wr_gen[i])) >= 0) {
			w->wr_bad_page = i;
			w->wr_bad_word = bad;
			w->wr_bad_gen = w->wr_gen[i];
			break;
		}
		pat_fill(page, i, ++w->wr_gen[i]);
	}
	return NULL;
}

/*
 * The evictor: beside the pagedaemon, page out and deactivate windows
 * of the region at random, so that pages leave while they are written.
 */
static void *
evictor_main(void *arg)
{
	struct uao_region *r = arg;
	char *base = uao_region_base(r);
	uint64_t rng = rng_mix(20261203);

	while (!atomic_load(&evictor_stop) && evictor_error == 0) {
		size_t first = rng_below(&rng, TRACK_PAGES - 16);
		size_t n = 1 + rng_below(&rng, 16);

		if (rng_below(&rng, 2) == 0)
			evictor_error = pageout(r, first, n);
		else if (madvise(base + first * TPAGE, n * TPAGE, MADV_COLD) !=
		    0)
			evictor_error = errno;
	}
	return NULL;
}

START_TEST(test_writes_race_eviction)
{
	static struct writer w[TRACK_WRITERS];
	struct uao_stats st0, st;
	struct uao_region *r;
	pthread_t evictor;
	char *base;

	r = env_region(&fx_env, TRACK_PAGES, &base);
	for (int t = 0; t < TRACK_WRITERS; t++) {
		w[t] = (struct writer) { .wr_base = base,
			.wr_id = t,
			.wr_rng = rng_mix(1000 + (uint64_t)t),
			.wr_bad_page = SIZE_MAX };
	}
	stats(&fx_env, &st0);
	atomic_store(&evictor_stop, false);
	evictor_error = 0;
	ck_assert_int_eq(pthread_create(&evictor, NULL, evictor_main, r), 0);
	for (int t = 0; t < TRACK_WRITERS; t++)
		ck_assert_int_eq(pthread_create(&w[t].wr_thread, NULL,
				     writer_main, &w[t]),
		    0);
	for (int t = 0; t < TRACK_WRITERS; t++)
		pthread_join(w[t].wr_thread, NULL);
	atomic_store(&evictor_stop, true);
	pthread_join(evictor, NULL);
	ck_assert_int_eq(evictor_error, 0);

	for (int t = 0; t < TRACK_WRITERS; t++)
		ck_assert_msg(w[t].wr_bad_page == SIZE_MAX,
		    "writer %d: page %zu word %d is not generation %llu", t,
		    w[t].wr_bad_page, w[t].wr_bad_word,
		    (unsigned long long)w[t].wr_bad_gen);

	/* once more, after everything went out: each page's last write */
	ck_assert_int_eq(pageout(r, 0, TRACK_PAGES), 0);
	for (size_t i = 0; i < TRACK_PAGES; i++) {
		uint64_t gen = w[i % TRACK_WRITERS].wr_gen[i];

		if (gen != 0)
			verify_pages(base, i, 1, gen);
	}

	/*
	 * The race was run: pages left and came back both ways, reads
	 * were mapped clean and written after (write-protect faults), and
	 * writes were predicted.
	 */
	stats(&fx_env, &st);
	ck_assert_uint_gt(st.pageouts, st0.pageouts);
	ck_assert_uint_gt(st.freed_clean, st0.freed_clean);
	ck_assert_uint_gt(st.by_kind[UAO_FAULT_SWAPIN],
	    st0.by_kind[UAO_FAULT_SWAPIN]);
	ck_assert_uint_gt(st.by_kind[UAO_FAULT_SOFT],
	    st0.by_kind[UAO_FAULT_SOFT]);
	ck_assert_uint_gt(st.by_kind[UAO_FAULT_WP], st0.by_kind[UAO_FAULT_WP]);
	ck_assert_uint_gt(st.write_predicted, st0.write_predicted);
	ck_assert_uint_eq(st.lost, 0);
	ck_assert_uint_eq(st.io_errors, 0);
	printf("tracking race: %llu page-outs, %llu freed clean, %llu "
	       "swap-ins, %llu soft, %llu write-protect, %llu predicted\n",
	    (unsigned long long)(st.pageouts - st0.pageouts),
	    (unsigned long long)(st.freed_clean - st0.freed_clean),
	    (unsigned long long)(st.by_kind[UAO_FAULT_SWAPIN] -
		st0.by_kind[UAO_FAULT_SWAPIN]),
	    (unsigned long long)(st.by_kind[UAO_FAULT_SOFT] -
		st0.by_kind[UAO_FAULT_SOFT]),
	    (unsigned long long)(st.by_kind[UAO_FAULT_WP] -
		st0.by_kind[UAO_FAULT_WP]),
	    (unsigned long long)(st.write_predicted - st0.write_predicted));
	stats_ok(&fx_env);
	ck_assert_int_eq(uao_region_destroy(r), 0);
}
END_TEST

/* a machine under pressure: TRACK_RAM pages, the pagedaemon running */
static void
fx_env_tracking_setup(void)
{
	env_init(&fx_env, TRACK_RAM * TPAGE, TRACK_SWAP, 0);
}

void
uffd_tracking_tcases(Suite *s)
{
	TCase *tc = tcase_create("tracking");

	tcase_add_checked_fixture(tc, fx_env_tracking_setup, fx_env_teardown);
	tcase_add_test(tc, test_writes_race_eviction);
	suite_add_tcase(s, tc);
}
