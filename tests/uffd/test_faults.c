/*
 * test_faults.c: faults on region memory (TCase faults): zero fill,
 * page-out and page-in, soft faults, write-protect faults that drop the
 * slot, fault-ahead and read-ahead, faults inside system calls, and a
 * lost page that raises SIGBUS, never zeros.
 */
#include "uffd_test.h"
/*
 * the tests
 */

/* untouched memory reads as zeros: each page a zero fill or fault-ahead */
START_TEST(test_zero_fill)
{
	const size_t n = 64;
	struct uao_stats st;
	struct uao_region *r;
	char *base;

	r = env_region(&fx_env, n, &base);
	for (size_t i = 0; i < n * TPAGE; i++)
		ck_assert_int_eq(((volatile char *)base)[i], 0);
	stats(&fx_env, &st);
	ck_assert_uint_gt(st.by_kind[UAO_FAULT_ZERO], 0);
	ck_assert_uint_eq(st.by_kind[UAO_FAULT_ZERO] + st.fault_ahead, n);
	ck_assert_uint_eq(st.pageins, 0);
	ck_assert_uint_eq(st.regions, 1);
	ck_assert_uint_eq(st.region_bytes, n * TPAGE);
	stats_ok(&fx_env);
	env_check(&fx_env);
	ck_assert_int_eq(uao_region_destroy(r), 0);
}
END_TEST

/* every byte written comes back after a page-out and a page-in */
START_TEST(test_pageout_pagein)
{
	const size_t n = 256;
	struct uao_stats st;
	struct uao_region *r;
	char *base;

	r = env_region_swapped(&fx_env, n, 1, &base);
	stats(&fx_env, &st);
	ck_assert_uint_ge(st.pageouts, n);
	ck_assert_uint_eq(st.swap_inuse, n);
	ck_assert_uint_eq(st.swpgonly, n);
	env_check(&fx_env);
	/* backwards: no read-ahead helps */
	for (size_t i = n; i-- > 0;)
		verify_pages(base, i, 1, 1);
	stats(&fx_env, &st);
	ck_assert_uint_eq(st.pageins, n);
	ck_assert_uint_gt(st.by_kind[UAO_FAULT_SWAPIN], 0);
	ck_assert_uint_eq(st.swpgonly, 0);
	/* read faults keep the pages clean: their slots stay */
	ck_assert_uint_eq(st.swap_inuse, n);
	stats_ok(&fx_env);
	env_check(&fx_env);

	/* a second round: clean pages are freed without I/O */
	ck_assert_int_eq(pageout(r, 0, n), 0);
	stats(&fx_env, &st);
	ck_assert_uint_eq(st.pageouts, n);
	ck_assert_uint_ge(st.freed_clean, n);
	verify_pages(base, 0, n, 1);
	ck_assert_int_eq(uao_region_destroy(r), 0);
}
END_TEST

/* deactivated pages stay resident: touching them is a soft fault */
START_TEST(test_soft_fault)
{
	const size_t n = 64;
	struct uao_stats st0, st;
	struct uao_region *r;
	char *base;

	r = env_region(&fx_env, n, &base);
	fill_pages(base, 0, n, 3);
	stats(&fx_env, &st0);
	/* MADV_COLD: uao_put(PGO_DEACTIVATE), the pagedaemon's own path */
	ck_assert_int_eq(madvise(base, n * TPAGE, MADV_COLD), 0);
	stats(&fx_env, &st);
	ck_assert_uint_ge(st.deactivated - st0.deactivated, n);
	ck_assert_uint_ge(st.inactive_pages, n);
	ck_assert_uint_eq(st.swap_inuse, 0);
	verify_pages(base, 0, n, 3);
	stats(&fx_env, &st);
	ck_assert_uint_gt(st.by_kind[UAO_FAULT_SOFT],
	    st0.by_kind[UAO_FAULT_SOFT]);
	ck_assert_uint_eq(st.by_kind[UAO_FAULT_SOFT] -
		st0.by_kind[UAO_FAULT_SOFT] + st.fault_ahead - st0.fault_ahead,
	    n);
	ck_assert_uint_eq(st.pageins, 0);
	ck_assert_uint_eq(st.pageouts, 0);
	stats_ok(&fx_env);
	ck_assert_int_eq(uao_region_destroy(r), 0);
}
END_TEST

/*
 * A read of a swapped page maps it clean and keeps its slot; the first
 * write is a write-protect fault that drops the slot.
 */
START_TEST(test_wp_drops_slot)
{
	const size_t n = 8;
	struct uao_stats st0, st;
	struct uao_region *r;
	char *base;

	r = env_region_swapped(&fx_env, n, 5, &base);
	stats(&fx_env, &st0);
	ck_assert_uint_eq(st0.swap_inuse, n);

	for (size_t i = 0; i < n; i++) {
		verify_pages(base, i, 1, 5); /* read: clean */
		stats(&fx_env, &st);
		ck_assert_uint_eq(st.swap_inuse, n - i);
		ck_assert_uint_eq(st.by_kind[UAO_FAULT_WP], i);
		pat_fill(base + i * TPAGE, i, 6); /* write */
		stats(&fx_env, &st);
		ck_assert_uint_eq(st.by_kind[UAO_FAULT_WP], i + 1);
		ck_assert_uint_eq(st.swap_inuse, n - i - 1);
		verify_pages(base, i, 1, 6);
		if (i + 1 < n)
			verify_pages(base, i + 1, n - i - 1, 5);
	}
	stats_ok(&fx_env);
	env_check(&fx_env);
	/* dirty again: a new page-out writes them all */
	ck_assert_int_eq(pageout(r, 0, n), 0);
	stats(&fx_env, &st);
	ck_assert_uint_eq(st.pageouts, 2 * n);
	verify_pages(base, 0, n, 6);
	ck_assert_int_eq(uao_region_destroy(r), 0);
}
END_TEST

/*
 * Write prediction: once most clean pages of an object are written after
 * a read, a read maps a clean page writable and dirty (no write-protect
 * fault); the writes made through such mappings are never lost; and a
 * read-only phase switches prediction off again.
 */
START_TEST(test_write_prediction)
{
	const size_t n = 128;
	struct uao_stats st0, st;
	struct uao_region *r;
	uint64_t wp;
	char *base;
	int round;

	r = env_region(&fx_env, n, &base);
	fill_pages(base, 0, n, 1);
	/*
	 * round 1: every page read, then written.  The first ones take a WP
	 * fault each; once the object's score says "written after a read"
	 * (32 pages), reads map pages writable.  Each page is one or the
	 * other.
	 */
	ck_assert_int_eq(pageout(r, 0, n), 0);
	stats(&fx_env, &st0);
	for (size_t i = 0; i < n; i++) {
		verify_pages(base, i, 1, 1);
		pat_fill(base + i * TPAGE, i, 2);
	}
	stats(&fx_env, &st);
	wp = st.by_kind[UAO_FAULT_WP] - st0.by_kind[UAO_FAULT_WP];
	ck_assert_uint_ge(wp, 32);
	ck_assert_uint_eq(st.write_predicted - st0.write_predicted + wp, n);

	/* round 2: reads now map most pages writable */
	ck_assert_int_eq(pageout(r, 0, n), 0);
	stats(&fx_env, &st0);
	verify_pages(base, 0, n, 2);
	stats(&fx_env, &st);
	ck_assert_uint_ge(st.write_predicted - st0.write_predicted, n / 2);
	/* and their writes take few WP faults: the sampled pages only */
	for (size_t i = 0; i < n; i++)
		pat_fill(base + i * TPAGE, i, 3);
	stats(&fx_env, &st);
	wp = st.by_kind[UAO_FAULT_WP] - st0.by_kind[UAO_FAULT_WP];
	ck_assert_uint_le(wp, n / 4);
	ck_assert_uint_eq(st.write_predicted - st0.write_predicted + wp, n);
	/* nothing written through a predicted mapping is lost */
	ck_assert_int_eq(pageout(r, 0, n), 0);
	verify_pages(base, 0, n, 3);
	stats_ok(&fx_env);

	/* a read-only phase: prediction stops within a few rounds */
	for (round = 0; round < 40; round++) {
		ck_assert_int_eq(pageout(r, 0, n), 0);
		stats(&fx_env, &st0);
		verify_pages(base, 0, n, 3);
		stats(&fx_env, &st);
		if (st.write_predicted == st0.write_predicted)
			break;
	}
	ck_assert_int_lt(round, 40);
	/* clean again: the next page-out frees without I/O */
	stats(&fx_env, &st0);
	ck_assert_int_eq(pageout(r, 0, n), 0);
	stats(&fx_env, &st);
	ck_assert_uint_eq(st.pageouts, st0.pageouts);
	verify_pages(base, 0, n, 3);
	stats_ok(&fx_env);
	env_check(&fx_env);
	ck_assert_int_eq(uao_region_destroy(r), 0);
}
END_TEST

/* a program filling a buffer gets neighbours mapped with each fault */
START_TEST(test_fault_ahead)
{
	const size_t n = 256;
	struct uao_stats st;
	struct uao_region *r;
	char *base;

	r = env_region(&fx_env, n, &base);
	fill_pages(base, 0, n, 7);
	stats(&fx_env, &st);
	ck_assert_uint_gt(st.fault_ahead, 0);
	ck_assert_uint_lt(st.faults, n);
	verify_pages(base, 0, n, 7);
	stats_ok(&fx_env);
	ck_assert_int_eq(uao_region_destroy(r), 0);
}
END_TEST

/*
 * Read-ahead follows the addresses the program walks, wherever the slots
 * are: with every other page rewritten and paged out again (its slot
 * elsewhere), a sequential reader still gets its pages a window at a
 * time, each with its own contents.
 */
START_TEST(test_readahead_scattered)
{
	const size_t n = 512;
	struct uao_stats st, st0;
	struct uao_region *r;
	char *base;

	r = env_region_swapped(&fx_env, n, 9, &base);
	for (size_t i = 1; i < n; i += 2)
		fill_pages(base, i, 1, 10);
	ck_assert_int_eq(pageout(r, 0, n), 0);
	stats(&fx_env, &st0);
	for (size_t i = 0; i < n; i++)
		verify_pages(base, i, 1, i % 2 ? 10 : 9);
	stats(&fx_env, &st);
	ck_assert_uint_eq(st.pageins - st0.pageins, n);
	/* slots alternate between two runs: one page a read before */
	ck_assert_uint_lt(st.by_kind[UAO_FAULT_SWAPIN] -
		st0.by_kind[UAO_FAULT_SWAPIN],
	    n / 4);
	stats_ok(&fx_env);
	ck_assert_int_eq(uao_region_destroy(r), 0);
}
END_TEST

/* a sequential reader of swapped pages gets them read ahead */
START_TEST(test_readahead)
{
	const size_t n = 512;
	struct uao_stats st, st0;
	struct uao_region *r;
	char *base;

	r = env_region_swapped(&fx_env, n, 9, &base);
	stats(&fx_env, &st0);
	verify_pages(base, 0, n, 9);
	stats(&fx_env, &st);
	ck_assert_uint_eq(st.pageins, n);
	ck_assert_uint_gt(st.pageins_readahead, 0);
	/*
	 * A sequential reader's read-ahead pages are mapped with the fault
	 * (fault_ahead), not left for a soft fault each: a few soft faults
	 * at most, while the window is still judged.
	 */
	ck_assert_uint_gt(st.fault_ahead - st0.fault_ahead, n / 2);
	ck_assert_uint_lt(st.by_kind[UAO_FAULT_SOFT] -
		st0.by_kind[UAO_FAULT_SOFT],
	    n / 32);
	/* one swap-in fault per window, once the window has grown */
	ck_assert_uint_lt(st.by_kind[UAO_FAULT_SWAPIN], n / 4);
	stats_ok(&fx_env);
	ck_assert_int_eq(uao_region_destroy(r), 0);
}
END_TEST
/* faults taken inside system calls are served */
START_TEST(test_syscall_fault)
{
	const size_t n = 8;
	struct uao_stats st;
	struct uao_region *r;
	char *base, buf[TPAGE];
	int fds[2], fd;

	r = env_region_swapped(&fx_env, n, 17, &base);

	/* read(2) from a pipe into a swapped page: a write fault */
	ck_assert_int_eq(pipe(fds), 0);
	pat_fill(buf, 2, 18);
	ck_assert_int_eq(write(fds[1], buf, TPAGE), (ssize_t)TPAGE);
	ck_assert_int_eq(read(fds[0], base + 2 * TPAGE, TPAGE), (ssize_t)TPAGE);
	verify_pages(base, 2, 1, 18);

	/* write(2) from a swapped page into a pipe: a read fault */
	ck_assert_int_eq(write(fds[1], base + 5 * TPAGE, TPAGE),
	    (ssize_t)TPAGE);
	ck_assert_int_eq(read(fds[0], buf, TPAGE), (ssize_t)TPAGE);
	ck_assert_int_eq(pat_check(buf, 5, 17), -1);
	close(fds[0]);
	close(fds[1]);

	/* pread(2) from a file into a never-touched page */
	fd = open(getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
	    O_TMPFILE | O_RDWR, 0600);
	ck_assert_int_ge(fd, 0);
	pat_fill(buf, 7, 19);
	ck_assert_int_eq(pwrite(fd, buf, TPAGE, 0), (ssize_t)TPAGE);
	ck_assert_int_eq(uao_region_discard(r, 7 * TPAGE, TPAGE), 0);
	ck_assert_int_eq(pread(fd, base + 7 * TPAGE, TPAGE, 0), (ssize_t)TPAGE);
	close(fd);
	verify_pages(base, 7, 1, 19);

	verify_pages(base, 0, 2, 17);
	verify_pages(base, 3, 2, 17);
	verify_pages(base, 5, 2, 17);
	stats(&fx_env, &st);
	ck_assert_uint_gt(st.by_kind[UAO_FAULT_SWAPIN], 0);
	stats_ok(&fx_env);
	ck_assert_int_eq(uao_region_destroy(r), 0);
}
END_TEST

/*
 * a lost page: SIGBUS at its address, never zeros
 */

static sigjmp_buf bus_jmp;
static void *volatile bus_addr;

static void
bus_handler(int sig, siginfo_t *si, void *uc)
{
	bus_addr = si->si_addr;
	siglongjmp(bus_jmp, 1);
}

/* read the page's first word.  => true if it raised SIGBUS */
static bool
touch_bus(char *p, uint64_t *word)
{
	bus_addr = NULL;
	if (sigsetjmp(bus_jmp, 1) != 0)
		return true;
	*word = *(volatile uint64_t *)p;
	return false;
}

/*
 * lose_page: n pages of generation 21 paged out, the next device read
 * made to fail, every page touched from the middle: exactly the first
 * one read (the centre, page 9) raises SIGBUS, at its address; the
 * others read back whole.  SIGBUS is caught (jumps back) until
 * lost_fini.  => the region; *basep its memory
 */
static struct sigaction lost_old;

static struct uao_region *
lose_page(size_t n, char **basep)
{
	struct uao_region *r;
	struct sigaction sa;
	char *base;
	uint64_t word;
	int nbus = 0;
	size_t lost = n;

	r = env_region_swapped(&fx_env, n, 21, &base);
	/* the next page read from the device fails */
	ck_assert_int_eq(uao_swap_inject(fx_env.sim, fx_env.swapid, 0, 1, 0, 0),
	    0);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = bus_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGBUS, &sa, &lost_old), 0);
	/* from the middle, so that the first read is the centre's */
	for (size_t k = 0; k < n; k++) {
		size_t i = (k + 9) % n;
		char *p = base + i * TPAGE;

		if (touch_bus(p, &word)) {
			ck_assert_ptr_eq(bus_addr, p);
			nbus++;
			lost = i;
			continue;
		}
		verify_pages(base, i, 1, 21);
	}
	ck_assert_int_eq(nbus, 1);
	ck_assert_uint_eq(lost, 9);
	*basep = base;
	return r;
}

/* SIGBUS handling back as it was */
static void
lost_fini(void)
{
	ck_assert_int_eq(sigaction(SIGBUS, &lost_old, NULL), 0);
}

/* a lost page raises SIGBUS again at every touch, never reads zeros;
 * the books count one read error and one bad slot */
START_TEST(test_sigbus)
{
	const size_t n = 16, lost = 9;
	struct uao_stats st;
	struct uao_swapinfo si;
	struct uao_region *r;
	char *base;
	uint64_t word;

	r = lose_page(n, &base);
	ck_assert(touch_bus(base + lost * TPAGE, &word));
	ck_assert_ptr_eq(bus_addr, base + lost * TPAGE);
	ck_assert(touch_bus(base + lost * TPAGE + 104, &word));
	ck_assert_ptr_eq(bus_addr, base + lost * TPAGE + 104);
	lost_fini();

	stats(&fx_env, &st);
	ck_assert_uint_ge(st.io_errors, 1);
	ck_assert_int_eq(uao_swap_list(fx_env.sim, &si, 1), 1);
	ck_assert_uint_eq(si.read_errors, 1);
	ck_assert_uint_eq(si.bad, 1);
	stats_ok(&fx_env);
	env_check(&fx_env);
	ck_assert_int_eq(uao_region_destroy(r), 0);
}
END_TEST

/* discarding the lost page makes it usable again (zeros, then new
 * data through swap); its bad slot is never handed out again */
START_TEST(test_sigbus_discard_reuses)
{
	const size_t n = 16, lost = 9;
	struct uao_swapinfo si;
	struct uao_region *r;
	char *base;
	uint64_t word;

	r = lose_page(n, &base);
	ck_assert_int_eq(uao_region_discard(r, lost * TPAGE, TPAGE), 0);
	ck_assert(!touch_bus(base + lost * TPAGE, &word));
	ck_assert_uint_eq(word, 0);
	lost_fini();
	verify_pages(base, lost, 1, 0);
	fill_pages(base, lost, 1, 22);
	ck_assert_int_eq(pageout(r, 0, n), 0);
	verify_pages(base, lost, 1, 22);
	for (size_t i = 0; i < n; i++) {
		if (i != lost)
			verify_pages(base, i, 1, 21);
	}
	ck_assert_int_eq(uao_region_destroy(r), 0);
	ck_assert_int_eq(uao_swap_list(fx_env.sim, &si, 1), 1);
	ck_assert_uint_eq(si.bad, 1); /* never handed out again */
	ck_assert_uint_eq(si.inuse, 0);
}
END_TEST

void
uffd_faults_tcases(Suite *s)
{
	TCase *tc = tcase_create("faults");

	tcase_add_checked_fixture(tc, fx_env_swap_setup, fx_env_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_zero_fill);
	tcase_add_test(tc, test_pageout_pagein);
	tcase_add_test(tc, test_soft_fault);
	tcase_add_test(tc, test_wp_drops_slot);
	tcase_add_test(tc, test_write_prediction);
	tcase_add_test(tc, test_fault_ahead);
	tcase_add_test(tc, test_readahead);
	tcase_add_test(tc, test_readahead_scattered);
	tcase_add_test(tc, test_syscall_fault);
	tcase_add_test(tc, test_sigbus);
	tcase_add_test(tc, test_sigbus_discard_reuses);
	suite_add_tcase(s, tc);
}
