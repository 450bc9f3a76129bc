/*
 * test_threads.c: concurrency (TCase threads): four threads allocate,
 * write, read back and free, with write faults injected on one device,
 * while the main thread adds and removes devices and checks the books.
 */
#include "swapdev_test.h"

/*
 * 7. concurrency: four threads allocate, write, read back and free, with
 * write faults injected on one device, while the main thread adds and
 * removes a device and checks the books.
 */

#define NTHREADS 4
#define MAXLIVE	 16

struct live {
	int l_start, l_n;
	uint64_t l_gen;
};

struct worker {
	pthread_t w_thread;
	struct swap_data *w_sd;
	int w_id;
	uint64_t w_rng;
	int w_ops;
	uint64_t w_written, w_read, w_writeerr, w_bad;
	struct live w_live[MAXLIVE];
	int w_nlive;
	int w_fail; /* first failure, for the main thread to report */
	char w_why[128];
};

static void
worker_verify(struct worker *w, struct live *l, void *buf)
{
	int slots[8], errs[8];

	for (int k = 0; k < l->l_n; k++)
		slots[k] = l->l_start + k;
	if (io_slots(w->w_sd, slots, l->l_n, buf, false, errs) != 0 &&
	    w->w_fail == 0) {
		w->w_fail = 1;
		snprintf(w->w_why, sizeof(w->w_why), "read %d: %d", slots[0],
		    errs[0]);
	}
	w->w_read += (uint64_t)l->l_n;
	for (int k = 0; k < l->l_n && w->w_fail == 0; k++) {
		if (!page_is(page_at(buf, k), (uint64_t)slots[k], l->l_gen)) {
			w->w_fail = 1;
			snprintf(w->w_why, sizeof(w->w_why),
			    "slot %d gen %" PRIu64 " differs", slots[k],
			    l->l_gen);
		}
	}
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	void *buf = aligned_alloc(PAGE_SIZE, NPAGES(8));

	for (int op = 0; op < w->w_ops && w->w_fail == 0; op++) {
		uint64_t r = rng_next(&w->w_rng);
		int what = (int)(r % 8);

		if (w->w_nlive < MAXLIVE && (what < 4 || w->w_nlive == 0)) {
			/* allocate a run and write it */
			struct live *l = &w->w_live[w->w_nlive];
			int n = 1 + (int)((r >> 8) % 8), s, slots[8], errs[8];
			bool lessok = (r >> 16) & 1;

			s = uvm_swap_alloc(w->w_sd, &n, lessok);
			if (s == 0)
				continue;
			l->l_start = s;
			l->l_n = n;
			l->l_gen = r | 1;
			for (int k = 0; k < n; k++) {
				slots[k] = s + k;
				fill_page(page_at(buf, k), (uint64_t)(s + k),
				    l->l_gen);
			}
			w->w_written += (uint64_t)n;
			if (io_slots(w->w_sd, slots, n, buf, true, errs) != 0) {
				/* as the pager does: mark failed slots bad,
				 * free the rest, forget the run */
				for (int k = 0; k < n; k++) {
					if (errs[k] == 0) {
						uvm_swap_free(w->w_sd, s + k,
						    1);
						continue;
					}
					ck_assert_int_eq(errs[k], -EIO);
					uvm_swap_markbad(w->w_sd, s + k, 1);
					w->w_writeerr++;
					w->w_bad++;
				}
				continue;
			}
			w->w_nlive++;
		} else if (what < 7) {
			/* read one back */
			worker_verify(w, &w->w_live[(r >> 8) % w->w_nlive],
			    buf);
		} else {
			/* verify and free one */
			int i = (int)((r >> 8) % (uint64_t)w->w_nlive);

			worker_verify(w, &w->w_live[i], buf);
			uvm_swap_free(w->w_sd, w->w_live[i].l_start,
			    w->w_live[i].l_n);
			w->w_live[i] = w->w_live[--w->w_nlive];
		}
	}
	/* everything still live holds what was written; then free it */
	while (w->w_nlive > 0) {
		struct live *l = &w->w_live[--w->w_nlive];

		worker_verify(w, l, buf);
		uvm_swap_free(w->w_sd, l->l_start, l->l_n);
	}
	free(buf);
	return NULL;
}

START_TEST(test_threads_alloc_io)
{
	struct swap_data *sd = fx_sd;
	struct worker w[NTHREADS];
	struct swap_devinfo devs[16];
	uint64_t written = 0, read = 0, werr = 0, bad = 0;
	uint64_t dwritten = 0, dread = 0, dwerr = 0, dbad = 0;
	int a, ndev, extra_ok = 0;
	uint64_t rng = test_seed ^ 0xc0ffee;

	a = dev_on(sd, "a", 256, 0, 0);
	(void)dev_on(sd, "b", 256, 0, SWAP_BUFFERED);
	(void)dev_on(sd, NULL, 256, 1, 0);
	ck_assert_int_eq(swap_set_faults(sd, a, 1, 0, 20000, test_seed), 0);

	for (int t = 0; t < NTHREADS; t++) {
		memset(&w[t], 0, sizeof(w[t]));
		w[t].w_sd = sd;
		w[t].w_id = t;
		w[t].w_rng = test_seed + (uint64_t)t * 0x1234567;
		w[t].w_ops = test_ops;
		ck_assert_int_eq(pthread_create(&w[t].w_thread, NULL,
				     worker_main, &w[t]),
		    0);
	}
	/* meanwhile: a device of the worst priority comes and goes */
	for (int i = 0; i < 40; i++) {
		int id = swap_on(sd, NULL, NPAGES(8 + rng_next(&rng) % 8), 9, 0,
		    tdir);
		int rv;

		ck_assert_int_gt(id, 0);
		ck_assert_int_eq(swap_check(sd), 0);
		ck_assert_int_le(swap_list(sd, devs, 16), 4);
		/* only -EBUSY if a worker got a slot there */
		while ((rv = swap_off(sd, id, NULL)) == -EBUSY)
			sched_yield();
		ck_assert_int_eq(rv, 0);
		extra_ok++;
	}
	for (int t = 0; t < NTHREADS; t++) {
		ck_assert_int_eq(pthread_join(w[t].w_thread, NULL), 0);
		ck_assert_msg(w[t].w_fail == 0, "thread %d: %s", t, w[t].w_why);
		written += w[t].w_written;
		read += w[t].w_read;
		werr += w[t].w_writeerr;
		bad += w[t].w_bad;
	}
	ck_assert_int_eq(extra_ok, 40);
	/* the books add up (the extra devices took no I/O: never used
	 * while the better ones had room, or their I/O left with them) */
	ndev = swap_list(sd, devs, 16);
	ck_assert_int_eq(ndev, 3);
	for (int i = 0; i < ndev; i++) {
		dwritten += devs[i].si_nwrite + devs[i].si_nwriteerr;
		dread += devs[i].si_nread;
		dwerr += devs[i].si_nwriteerr;
		dbad += (uint64_t)devs[i].si_npgbad;
		ck_assert_uint_eq(devs[i].si_nreaderr, 0);
		ck_assert_int_eq(devs[i].si_npginuse, 0);
	}
	ck_assert_uint_eq(dwritten, written);
	ck_assert_uint_eq(dread, read);
	ck_assert_uint_eq(dwerr, werr);
	ck_assert_uint_eq(dbad, bad);
	ck_assert_uint_eq(devinfo(sd, a).si_nwriteerr, werr);
}
END_TEST

void
swapdev_threads_tcases(Suite *s)
{
	TCase *tc = tcase_create("threads");

	tcase_add_checked_fixture(tc, fx_sd_setup, fx_sd_teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_threads_alloc_io);
	suite_add_tcase(s, tc);
}
