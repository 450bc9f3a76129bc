/*
 * test_uffd.c: the userfaultfd machine through libuao's public API
 * (include/uao/uao.h), on the real kernel userfaultfd and real swap
 * files (anonymous O_TMPFILE files in $TMPDIR).
 *
 * Each test builds its own simulator, drives faults by touching region
 * memory, and ends with env_fini: the fault identities of uao.h hold,
 * uao_sim_check finds the machine consistent, and everything is freed.
 * Tests run forked (libcheck's default), so a panic in one is reported
 * as that test's failure.  Exit 77 when userfaultfd is not available.
 *
 * Two tests look inside libuao (its exported internals): a uao thread
 * that touches region memory must panic rather than deadlock, and every
 * allocation uao makes (kmem, src/pager/kmem_int.h) must lie outside
 * the regions.  main() installs a kmem backend that checks the latter.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"
#include "find_uffd.h"
#include "pager/kmem_int.h"
#include "uffd/threads_int.h"

/*
 * the kmem guard: uao's allocations, checked against the regions
 */

#define GUARD_MAX 64

static struct {
	_Atomic uintptr_t start, end;
} guard_ranges[GUARD_MAX];
static atomic_ulong guard_allocs, guard_uao_allocs, guard_violations;

static void
guard_note(void *p, size_t size)
{
	uintptr_t a = (uintptr_t)p, b = a + (size ? size : 1);

	if (p == NULL)
		return;
	atomic_fetch_add(&guard_allocs, 1);
	if (uao_thread_is_ours((pid_t)gettid()))
		atomic_fetch_add(&guard_uao_allocs, 1);
	for (int i = 0; i < GUARD_MAX; i++) {
		uintptr_t s = atomic_load(&guard_ranges[i].start);
		uintptr_t e = atomic_load(&guard_ranges[i].end);

		if (s != 0 && a < e && b > s)
			atomic_fetch_add(&guard_violations, 1);
	}
}

static void *
guard_alloc(size_t size)
{
	void *p = malloc(size);

	guard_note(p, size);
	return p;
}

static void *
guard_realloc(void *old, size_t size)
{
	void *p = realloc(old, size);

	guard_note(p, size);
	return p;
}

static const struct kmem_backend guard_backend = { guard_alloc, guard_realloc,
	free };

/* remember [base, base+len) as region memory */
static void
guard_add(void *base, size_t len)
{
	for (int i = 0; i < GUARD_MAX; i++) {
		if (atomic_load(&guard_ranges[i].start) == 0) {
			atomic_store(&guard_ranges[i].end,
			    (uintptr_t)base + len);
			atomic_store(&guard_ranges[i].start, (uintptr_t)base);
			return;
		}
	}
}

/*
 * the test environment
 */

struct env {
	struct uao_sim *sim;
	int swapid;
};

static void
env_init(struct env *e, size_t ram, uint64_t swap_pages, int no_pagedaemon)
{
	struct uao_config cfg = { .ram_bytes = ram,
		.no_pagedaemon = no_pagedaemon };
	int error;

	memset(guard_ranges, 0, sizeof(guard_ranges));
	error = uao_sim_create(&cfg, &e->sim);
	ck_assert_msg(error == 0, "uao_sim_create: %s", uao_strerror(error));
	e->swapid = 0;
	if (swap_pages > 0) {
		e->swapid =
		    uao_swap_add(e->sim, NULL, swap_pages * TPAGE, 0, 0);
		ck_assert_msg(e->swapid > 0, "uao_swap_add: %s",
		    uao_strerror(e->swapid));
	}
}

static struct uao_region *
env_region(struct env *e, size_t npages, char **basep)
{
	struct uao_region *r;
	int error = uao_region_create(e->sim, npages * TPAGE, &r);

	ck_assert_msg(error == 0, "uao_region_create: %s", uao_strerror(error));
	*basep = uao_region_base(r);
	ck_assert_uint_eq(uao_region_size(r), npages * TPAGE);
	guard_add(*basep, npages * TPAGE);
	return r;
}

/* the counters, once the handlers have finished their accounting */
static void
stats(struct env *e, struct uao_stats *st)
{
	stats_settled(e->sim, 2, st);
}

/*
 * The identities that hold whenever the machine is quiet (no fault in
 * flight): every fault is of one kind, every page read from swap that
 * was not read ahead or by swapoff served one swap-in fault, and the
 * memory and swap counters stay inside their limits.
 */
static void
stats_ok(struct env *e)
{
	struct uao_stats st;

	stats(e, &st);
	ck_assert_uint_eq(st.faults, stats_kinds(&st));
	ck_assert_uint_le(st.pageins_readahead, st.pageins);
	ck_assert_uint_le(st.readahead_hits, st.pageins_readahead);
	ck_assert_uint_eq(st.by_kind[UAO_FAULT_SWAPIN],
	    st.pageins - st.pageins_readahead - st.swapoff_pages);
	ck_assert_uint_le(st.free_pages + st.active_pages + st.inactive_pages,
	    st.ram_pages);
	ck_assert_uint_le(st.staged_pages, st.ram_pages);
	ck_assert_uint_le(st.swpgonly, st.swap_inuse);
	ck_assert_uint_le(st.swap_inuse, st.swap_pages);
	for (int k = 0; k < UAO_FAULT_KINDS; k++)
		ck_assert_uint_le(st.latency[k].count, st.by_kind[k]);
}

static void
env_check(struct env *e)
{
	char why[512] = "";
	int error = sim_check_quiet(e->sim, why, sizeof(why));

	ck_assert_msg(error == 0, "uao_sim_check: %s: %s", uao_strerror(error),
	    why);
}

/* end of a test: regions already destroyed by the test */
static void
env_fini(struct env *e)
{
	struct uao_stats st;

	stats_ok(e);
	env_check(e);
	stats(e, &st);
	ck_assert_uint_eq(st.regions, 0);
	ck_assert_uint_eq(st.swap_inuse, 0);
	ck_assert_uint_eq(st.swpgonly, 0);
	ck_assert_int_eq(uao_sim_destroy(e->sim), 0);
	e->sim = NULL;
}

static void
fill_pages(char *base, size_t first, size_t n, uint64_t gen)
{
	for (size_t i = first; i < first + n; i++)
		pat_fill(base + i * TPAGE, i, gen);
}

static void
verify_pages(char *base, size_t first, size_t n, uint64_t gen)
{
	for (size_t i = first; i < first + n; i++) {
		int w = pat_check(base + i * TPAGE, i, gen);

		ck_assert_msg(w < 0, "page %zu word %d: not generation %llu", i,
		    w, (unsigned long long)gen);
	}
}

static int
pageout(struct uao_region *r, size_t first, size_t n)
{
	return uao_region_pageout(r, first * TPAGE, n * TPAGE);
}

/*
 * the tests
 */

/* untouched memory reads as zeros: each page a zero fill or fault-ahead */
START_TEST(test_zero_fill)
{
	const size_t n = 64;
	struct env e;
	struct uao_stats st;
	struct uao_region *r;
	char *base;

	env_init(&e, 0, 0, 0);
	r = env_region(&e, n, &base);
	for (size_t i = 0; i < n * TPAGE; i++)
		ck_assert_int_eq(((volatile char *)base)[i], 0);
	stats(&e, &st);
	ck_assert_uint_gt(st.by_kind[UAO_FAULT_ZERO], 0);
	ck_assert_uint_eq(st.by_kind[UAO_FAULT_ZERO] + st.fault_ahead, n);
	ck_assert_uint_eq(st.pageins, 0);
	ck_assert_uint_eq(st.regions, 1);
	ck_assert_uint_eq(st.region_bytes, n * TPAGE);
	stats_ok(&e);
	env_check(&e);
	ck_assert_int_eq(uao_region_destroy(r), 0);
	env_fini(&e);
}
END_TEST

/* every byte written comes back after a page-out and a page-in */
START_TEST(test_pageout_pagein)
{
	const size_t n = 256;
	struct env e;
	struct uao_stats st;
	struct uao_region *r;
	char *base;

	env_init(&e, 0, 1024, 0);
	r = env_region(&e, n, &base);
	fill_pages(base, 0, n, 1);
	ck_assert_int_eq(pageout(r, 0, n), 0);
	stats(&e, &st);
	ck_assert_uint_ge(st.pageouts, n);
	ck_assert_uint_eq(st.swap_inuse, n);
	ck_assert_uint_eq(st.swpgonly, n);
	env_check(&e);
	/* backwards: no read-ahead helps */
	for (size_t i = n; i-- > 0;)
		verify_pages(base, i, 1, 1);
	stats(&e, &st);
	ck_assert_uint_eq(st.pageins, n);
	ck_assert_uint_gt(st.by_kind[UAO_FAULT_SWAPIN], 0);
	ck_assert_uint_eq(st.swpgonly, 0);
	/* read faults keep the pages clean: their slots stay */
	ck_assert_uint_eq(st.swap_inuse, n);
	stats_ok(&e);
	env_check(&e);

	/* a second round: clean pages are freed without I/O */
	ck_assert_int_eq(pageout(r, 0, n), 0);
	stats(&e, &st);
	ck_assert_uint_eq(st.pageouts, n);
	ck_assert_uint_ge(st.freed_clean, n);
	verify_pages(base, 0, n, 1);
	ck_assert_int_eq(uao_region_destroy(r), 0);
	env_fini(&e);
}
END_TEST

/* deactivated pages stay resident: touching them is a soft fault */
START_TEST(test_soft_fault)
{
	const size_t n = 64;
	struct env e;
	struct uao_stats st0, st;
	struct uao_region *r;
	char *base;

	env_init(&e, 0, 1024, 0);
	r = env_region(&e, n, &base);
	fill_pages(base, 0, n, 3);
	stats(&e, &st0);
	/* MADV_COLD: uao_put(PGO_DEACTIVATE), the pagedaemon's own path */
	ck_assert_int_eq(madvise(base, n * TPAGE, MADV_COLD), 0);
	stats(&e, &st);
	ck_assert_uint_ge(st.deactivated - st0.deactivated, n);
	ck_assert_uint_ge(st.inactive_pages, n);
	ck_assert_uint_eq(st.swap_inuse, 0);
	verify_pages(base, 0, n, 3);
	stats(&e, &st);
	ck_assert_uint_gt(st.by_kind[UAO_FAULT_SOFT],
	    st0.by_kind[UAO_FAULT_SOFT]);
	ck_assert_uint_eq(st.by_kind[UAO_FAULT_SOFT] -
		st0.by_kind[UAO_FAULT_SOFT] + st.fault_ahead - st0.fault_ahead,
	    n);
	ck_assert_uint_eq(st.pageins, 0);
	ck_assert_uint_eq(st.pageouts, 0);
	stats_ok(&e);
	ck_assert_int_eq(uao_region_destroy(r), 0);
	env_fini(&e);
}
END_TEST

/*
 * A read of a swapped page maps it clean and keeps its slot; the first
 * write is a write-protect fault that drops the slot.
 */
START_TEST(test_wp_drops_slot)
{
	const size_t n = 8;
	struct env e;
	struct uao_stats st0, st;
	struct uao_region *r;
	char *base;

	env_init(&e, 0, 64, 0);
	r = env_region(&e, n, &base);
	fill_pages(base, 0, n, 5);
	ck_assert_int_eq(pageout(r, 0, n), 0);
	stats(&e, &st0);
	ck_assert_uint_eq(st0.swap_inuse, n);

	for (size_t i = 0; i < n; i++) {
		verify_pages(base, i, 1, 5); /* read: clean */
		stats(&e, &st);
		ck_assert_uint_eq(st.swap_inuse, n - i);
		ck_assert_uint_eq(st.by_kind[UAO_FAULT_WP], i);
		pat_fill(base + i * TPAGE, i, 6); /* write */
		stats(&e, &st);
		ck_assert_uint_eq(st.by_kind[UAO_FAULT_WP], i + 1);
		ck_assert_uint_eq(st.swap_inuse, n - i - 1);
		verify_pages(base, i, 1, 6);
		if (i + 1 < n)
			verify_pages(base, i + 1, n - i - 1, 5);
	}
	stats_ok(&e);
	env_check(&e);
	/* dirty again: a new page-out writes them all */
	ck_assert_int_eq(pageout(r, 0, n), 0);
	stats(&e, &st);
	ck_assert_uint_eq(st.pageouts, 2 * n);
	verify_pages(base, 0, n, 6);
	ck_assert_int_eq(uao_region_destroy(r), 0);
	env_fini(&e);
}
END_TEST

/* a program filling a buffer gets neighbours mapped with each fault */
START_TEST(test_fault_ahead)
{
	const size_t n = 256;
	struct env e;
	struct uao_stats st;
	struct uao_region *r;
	char *base;

	env_init(&e, 0, 0, 0);
	r = env_region(&e, n, &base);
	fill_pages(base, 0, n, 7);
	stats(&e, &st);
	ck_assert_uint_gt(st.fault_ahead, 0);
	ck_assert_uint_lt(st.faults, n);
	verify_pages(base, 0, n, 7);
	stats_ok(&e);
	ck_assert_int_eq(uao_region_destroy(r), 0);
	env_fini(&e);
}
END_TEST

/* a sequential reader of swapped pages gets them read ahead */
START_TEST(test_readahead)
{
	const size_t n = 512;
	struct env e;
	struct uao_stats st, st0;
	struct uao_region *r;
	char *base;

	env_init(&e, 0, 1024, 0);
	r = env_region(&e, n, &base);
	fill_pages(base, 0, n, 9);
	ck_assert_int_eq(pageout(r, 0, n), 0);
	stats(&e, &st0);
	verify_pages(base, 0, n, 9);
	stats(&e, &st);
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
	stats_ok(&e);
	ck_assert_int_eq(uao_region_destroy(r), 0);
	env_fini(&e);
}
END_TEST

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
 * the program's munmap, madvise and mremap on region memory
 */

/* MADV_DONTNEED: the range reads as zeros; frames and slots are freed */
START_TEST(test_madv_dontneed)
{
	const size_t n = 64;
	struct env e;
	struct uao_stats st0, st;
	struct uao_region *r;
	char *base;

	env_init(&e, 0, 256, 0);
	r = env_region(&e, n, &base);
	fill_pages(base, 0, n, 11);
	ck_assert_int_eq(pageout(r, 0, n / 2), 0); /* half in swap */
	stats(&e, &st0);
	ck_assert_uint_eq(st0.swap_inuse, n / 2);
	/* pages 16..47: 16 in swap, 16 resident */
	ck_assert_int_eq(madvise(base + 16 * TPAGE, 32 * TPAGE, MADV_DONTNEED),
	    0);
	stats(&e, &st);
	ck_assert_uint_eq(st.swap_inuse, n / 2 - 16);
	ck_assert_uint_eq(st.swpgonly, n / 2 - 16);
	ck_assert_uint_eq(st0.active_pages + st0.inactive_pages -
		st.active_pages - st.inactive_pages,
	    16);
	env_check(&e);
	verify_pages(base, 0, 16, 11);
	verify_pages(base, 16, 32, 0);
	verify_pages(base, 48, 16, 11);
	/* and uao_region_discard, the API's own */
	ck_assert_int_eq(uao_region_discard(r, 0, 8 * TPAGE), 0);
	verify_pages(base, 0, 8, 0);
	verify_pages(base, 8, 8, 11);
	stats_ok(&e);
	ck_assert_int_eq(uao_region_destroy(r), 0);
	env_fini(&e);
}
END_TEST

/*
 * A raw madvise(MADV_DONTNEED), which uao cannot see, of a clean mapped
 * page, then a pageout of its range: the pageout finds the page gone
 * (lost: it reads as zeros, as the program asked) and keeps it instead of
 * freeing it as clean; every other page stays as written.
 */
START_TEST(test_raw_dontneed_pageout)
{
	const size_t n = 32;
	struct env e;
	struct uao_stats st;
	struct uao_region *r;
	char *base;

	env_init(&e, 0, 256, 0);
	r = env_region(&e, n, &base);
	fill_pages(base, 0, n, 13);
	ck_assert_int_eq(pageout(r, 0, n), 0);
	verify_pages(base, 0, n, 13); /* mapped again, clean, slots kept */
	ck_assert_int_eq(syscall(SYS_madvise, base + 5 * TPAGE, TPAGE,
			     MADV_DONTNEED),
	    0);
	ck_assert_int_eq(pageout(r, 0, n), 0);
	stats(&e, &st);
	ck_assert_uint_ge(st.lost, 1);
	verify_pages(base, 0, 5, 13);
	verify_pages(base, 5, 1, 0);
	verify_pages(base, 6, n - 6, 13);
	stats_ok(&e);
	ck_assert_int_eq(uao_region_destroy(r), 0);
	env_fini(&e);
}
END_TEST

/*
 * The staging area: the anonymous mapping of exactly `len' bytes that is
 * registered for missing faults ("um" in smaps' VmFlags), or NULL.
 */
static char *
find_stage_area(size_t len)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[512], *found = NULL;
	unsigned long lo = 0, hi = 0;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		unsigned long a, b;

		if (sscanf(line, "%lx-%lx ", &a, &b) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			lo = a;
			hi = b;
		} else if (strncmp(line, "VmFlags:", 8) == 0 &&
		    strstr(line, " um") != NULL && hi - lo == len) {
			found = (char *)lo;
			break;
		}
	}
	if (f != NULL)
		fclose(f);
	return found;
}

/*
 * A free staging slot that holds a page (the bookkeeping fault behind a
 * rare "staging slot was not empty" panic) stops the program: its bytes
 * may be a page whose move-out was taken for failed, so releasing them
 * could turn the program's data into zeros.  Every staging slot is
 * filled behind uao's back; the first move-out must abort, naming it.
 */
START_TEST(test_stage_slot_not_empty_panics)
{
	const size_t ram_pages = 64, n = 256;
	struct env e;
	struct uao_region *r;
	char *base, *stage, junk[TPAGE];
	int fd;

	env_init(&e, ram_pages * TPAGE, 2 * n, 0);
	stage = find_stage_area(ram_pages * TPAGE);
	ck_assert_msg(stage != NULL, "no staging area in /proc/self/smaps");
	ck_assert_int_ge(fd = find_uffd(), 0);
	memset(junk, 0xAB, sizeof(junk));
	for (size_t i = 0; i < ram_pages; i++) {
		struct uffdio_copy uc = { .dst = (uintptr_t)(stage + i * TPAGE),
			.src = (uintptr_t)junk,
			.len = TPAGE };

		ck_assert_msg(ioctl(fd, UFFDIO_COPY, &uc) == 0,
		    "UFFDIO_COPY into staging slot %zu: %s", i,
		    strerror(errno));
	}
	r = env_region(&e, n, &base);
	fill_pages(base, 0, n, 21); /* the pagedaemon's move-out aborts */
	(void)pageout(r, 0, n);
	ck_abort_msg("a move-out into a full staging slot went on");
}
END_TEST

/*
 * Pages that hold only zeros are not written to swap: half the pages of
 * a region 4x RAM are only read (mapped as the shared zero page), a
 * quarter written with zeros, a quarter with a pattern.  Under the
 * pagedaemon only the pattern pages are written (each at most once: read
 * back, they stay clean), the others are freed as zeros, and all read
 * back right.
 */
START_TEST(test_zero_pages_not_written)
{
	const size_t ram_pages = 64, n = 256;
	struct env e;
	struct uao_stats st;
	struct uao_region *r;
	char *base;
	size_t npattern = 0;
	volatile uint64_t sink = 0;

	env_init(&e, ram_pages * TPAGE, 2 * n, 0);
	r = env_region(&e, n, &base);
	for (size_t i = 0; i < n; i++) {
		if (i % 4 == 0) {
			pat_fill(base + i * TPAGE, i, 5);
			npattern++;
		} else if (i % 4 == 1) {
			memset(base + i * TPAGE, 0, TPAGE);
		} else {
			sink += ((volatile uint64_t *)(base + i * TPAGE))[7];
		}
	}
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++)
			verify_pages(base, i, 1, i % 4 == 0 ? 5 : 0);
	}
	stats(&e, &st);
	ck_assert_uint_gt(st.pageouts, 0);
	ck_assert_uint_le(st.pageouts, npattern);
	ck_assert_uint_gt(st.freed_zero, n / 2);
	ck_assert_uint_le(st.swap_inuse, npattern);
	stats_ok(&e);
	env_check(&e);
	ck_assert_int_eq(uao_region_destroy(r), 0);
	env_fini(&e);
}
END_TEST

/*
 * Fault-ahead stops where the region's mapping does: the middle of a
 * region is unmapped and someone else's mapping made in the hole; a
 * sequential first touch of the pages before it (which maps the next
 * pages ahead, zero-filled) must not map pages into the hole.  Before,
 * the window ran on into the hole: an ENOENT counted as a page "lost",
 * or, had the new mapping been a region too, a page of this object
 * planted in another region's range.
 */
START_TEST(test_fault_ahead_stops_at_hole)
{
	const size_t n = 64, hole = 24, holelen = 16;
	struct env e;
	struct uao_stats st;
	struct uao_region *r;
	char *base, *other;

	env_init(&e, 0, 0, 0);
	r = env_region(&e, n, &base);
	ck_assert_int_eq(munmap(base + hole * TPAGE, holelen * TPAGE), 0);
	other =
	    mmap(base + hole * TPAGE, holelen * TPAGE, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ck_assert_ptr_eq(other, base + hole * TPAGE);
	memset(other, 0x5A, holelen * TPAGE);
	for (size_t i = 0; i < hole; i++)
		verify_pages(base, i, 1, 0);
	for (size_t i = hole + holelen; i < n; i++)
		verify_pages(base, i, 1, 0);
	stats(&e, &st);
	ck_assert_uint_eq(st.lost, 0);
	ck_assert_uint_gt(st.fault_ahead, 0);
	ck_assert_uint_le(st.by_kind[UAO_FAULT_ZERO] + st.fault_ahead,
	    n - holelen);
	for (size_t k = 0; k < holelen * TPAGE; k++)
		ck_assert_int_eq(other[k], 0x5A);
	stats_ok(&e);
	env_check(&e);
	syscall(SYS_munmap, other, holelen * TPAGE);
	ck_assert_int_eq(uao_region_destroy(r), 0);
	env_fini(&e);
}
END_TEST

/* munmap of part of a region frees that part; of all, the region */
START_TEST(test_munmap)
{
	const size_t n = 64;
	struct env e;
	struct uao_stats st;
	struct uao_region *r;
	char *base;

	env_init(&e, 0, 256, 0);
	r = env_region(&e, n, &base);
	fill_pages(base, 0, n, 13);
	ck_assert_int_eq(pageout(r, 0, n), 0);
	verify_pages(base, 0, 4, 13); /* a few resident again */
	ck_assert_int_eq(munmap(base + 16 * TPAGE, 16 * TPAGE), 0);
	stats(&e, &st);
	ck_assert_uint_eq(st.swap_inuse, n - 16);
	ck_assert_uint_eq(st.regions, 1);
	ck_assert_ptr_null(uao_region_of(e.sim, base + 20 * TPAGE));
	ck_assert_ptr_eq(uao_region_of(e.sim, base + 40 * TPAGE), r);
	env_check(&e);
	verify_pages(base, 0, 16, 13);
	verify_pages(base, 32, 32, 13);
	stats_ok(&e);
	/*
	 * the rest, piece by piece: the hole may hold someone else's
	 * mapping by now (the kernel reuses the addresses)
	 */
	ck_assert_int_eq(munmap(base, 16 * TPAGE), 0);
	stats(&e, &st);
	ck_assert_uint_eq(st.regions, 1);
	verify_pages(base, 32, 32, 13);
	ck_assert_int_eq(munmap(base + 32 * TPAGE, 32 * TPAGE), 0);
	stats(&e, &st);
	ck_assert_uint_eq(st.regions, 0);
	ck_assert_uint_eq(st.swap_inuse, 0);
	ck_assert_uint_eq(st.active_pages + st.inactive_pages, 0);
	ck_assert_ptr_null(uao_region_of(e.sim, base));
	env_fini(&e);
}
END_TEST

/* mremap moves a region's contents into a new region */
START_TEST(test_mremap)
{
	const size_t n = 32;
	struct env e;
	struct uao_stats st;
	struct uao_region *r, *r2;
	char *base, *nbase, *p;

	env_init(&e, 0, 256, 0);
	r = env_region(&e, n, &base);
	fill_pages(base, 0, n, 15);
	ck_assert_int_eq(pageout(r, 0, n / 2), 0);

	nbase = mremap(base, n * TPAGE, 2 * n * TPAGE, MREMAP_MAYMOVE);
	ck_assert_ptr_ne(nbase, MAP_FAILED);
	ck_assert_ptr_ne(nbase, base);
	guard_add(nbase, 2 * n * TPAGE);
	r2 = uao_region_of(e.sim, nbase);
	ck_assert_ptr_nonnull(r2);
	ck_assert_uint_eq(uao_region_size(r2), 2 * n * TPAGE);
	ck_assert_ptr_null(uao_region_of(e.sim, base));
	stats(&e, &st);
	ck_assert_uint_eq(st.regions, 1);
	ck_assert_uint_eq(st.swap_inuse, 0); /* the old slots are gone */
	verify_pages(nbase, 0, n, 15);
	verify_pages(nbase, n, n, 0);

	/* the new region pages like any other */
	fill_pages(nbase, n, n, 16);
	ck_assert_int_eq(pageout(r2, 0, 2 * n), 0);
	verify_pages(nbase, 0, n, 15);
	verify_pages(nbase, n, n, 16);

	/* shrinking stays in place and forgets the tail */
	p = mremap(nbase, 2 * n * TPAGE, n * TPAGE, 0);
	ck_assert_ptr_eq(p, nbase);
	ck_assert_ptr_null(uao_region_of(e.sim, nbase + n * TPAGE));
	verify_pages(nbase, 0, n, 15);
	/* growing in place is refused */
	p = mremap(nbase, n * TPAGE, 2 * n * TPAGE, 0);
	ck_assert_ptr_eq(p, MAP_FAILED);
	ck_assert_int_eq(errno, ENOMEM);
	stats_ok(&e);
	env_check(&e);
	ck_assert_int_eq(munmap(nbase, n * TPAGE), 0);
	env_fini(&e);
}
END_TEST

/*
 * uao_swap_mkfile makes a signed, fully written swap file that
 * uao_swap_add then takes at its signature's size, and never overwrites
 * anything
 */
START_TEST(test_swap_mkfile)
{
	const size_t n = 64, swap_pages = 256;
	char dir[] = "/tmp/uaomkfile.XXXXXX", path[64], other[64];
	struct uao_swapinfo si;
	struct uao_region *r;
	struct stat sb;
	struct env e;
	char *base;
	int fd, id;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/swap", dir);
	snprintf(other, sizeof(other), "%s/other", dir);
	ck_assert_int_eq(uao_swap_mkfile(path, 0), -EINVAL);
	ck_assert_int_eq(uao_swap_mkfile(path, TPAGE + 1), -EINVAL);
	ck_assert_int_eq(stat(path, &sb), -1); /* nothing left */
	ck_assert_int_eq(uao_swap_mkfile(path, swap_pages * TPAGE), 0);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_size, (off_t)(swap_pages + 1) * TPAGE);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	/* written in full: no holes to allocate while paging */
	ck_assert_int_ge(sb.st_blocks * 512, sb.st_size);
	ck_assert_int_eq(uao_swap_mkfile(path, swap_pages * TPAGE), -EEXIST);

	/* an existing file of someone else's is neither overwritten nor used */
	fd = open(other, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "precious", 8), 8);
	close(fd);
	ck_assert_int_eq(uao_swap_mkfile(other, swap_pages * TPAGE), -EEXIST);
	ck_assert_int_eq(stat(other, &sb), 0);
	ck_assert_int_eq(sb.st_size, 8);

	env_init(&e, 0, 0, 0);
	ck_assert_int_eq(uao_swap_add(e.sim, other, 0, 0, 0), -EMEDIUMTYPE);
	id = uao_swap_add(e.sim, path, 0, 0, 0);
	ck_assert_msg(id > 0, "uao_swap_add: %s", uao_strerror(id));
	ck_assert_int_eq(uao_swap_list(e.sim, &si, 1), 1);
	ck_assert_uint_eq(si.pages, swap_pages);
	r = env_region(&e, n, &base);
	fill_pages(base, 0, n, 29);
	ck_assert_int_eq(pageout(r, 0, n), 0);
	verify_pages(base, 0, n, 29);
	ck_assert_int_eq(uao_region_destroy(r), 0);
	ck_assert_int_eq(uao_swap_remove(e.sim, id, NULL), 0);
	env_fini(&e);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(unlink(other), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* faults taken inside system calls are served */
START_TEST(test_syscall_fault)
{
	const size_t n = 8;
	struct env e;
	struct uao_stats st;
	struct uao_region *r;
	char *base, buf[TPAGE];
	int fds[2], fd;

	env_init(&e, 0, 64, 0);
	r = env_region(&e, n, &base);
	fill_pages(base, 0, n, 17);
	ck_assert_int_eq(pageout(r, 0, n), 0);

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
	stats(&e, &st);
	ck_assert_uint_gt(st.by_kind[UAO_FAULT_SWAPIN], 0);
	stats_ok(&e);
	ck_assert_int_eq(uao_region_destroy(r), 0);
	env_fini(&e);
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

START_TEST(test_sigbus)
{
	const size_t n = 16;
	struct env e;
	struct uao_stats st;
	struct uao_swapinfo si;
	struct uao_region *r;
	struct sigaction sa, old;
	char *base;
	uint64_t word;
	int nbus = 0;
	size_t lost = n;

	env_init(&e, 0, 64, 0);
	r = env_region(&e, n, &base);
	fill_pages(base, 0, n, 21);
	ck_assert_int_eq(pageout(r, 0, n), 0);
	/* the next page read from the device fails */
	ck_assert_int_eq(uao_swap_inject(e.sim, e.swapid, 0, 1, 0, 0), 0);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = bus_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGBUS, &sa, &old), 0);
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
	/* again: still SIGBUS, never zeros */
	ck_assert(touch_bus(base + lost * TPAGE, &word));
	ck_assert_ptr_eq(bus_addr, base + lost * TPAGE);
	ck_assert(touch_bus(base + lost * TPAGE + 104, &word));
	ck_assert_ptr_eq(bus_addr, base + lost * TPAGE + 104);

	stats(&e, &st);
	ck_assert_uint_ge(st.io_errors, 1);
	ck_assert_int_eq(uao_swap_list(e.sim, &si, 1), 1);
	ck_assert_uint_eq(si.read_errors, 1);
	ck_assert_uint_eq(si.bad, 1);
	stats_ok(&e);
	env_check(&e);

	/* discarding the lost page makes it usable again */
	ck_assert_int_eq(uao_region_discard(r, lost * TPAGE, TPAGE), 0);
	ck_assert(!touch_bus(base + lost * TPAGE, &word));
	ck_assert_uint_eq(word, 0);
	ck_assert_int_eq(sigaction(SIGBUS, &old, NULL), 0);
	verify_pages(base, lost, 1, 0);
	fill_pages(base, lost, 1, 22);
	ck_assert_int_eq(pageout(r, 0, n), 0);
	verify_pages(base, lost, 1, 22);
	for (size_t i = 0; i < n; i++) {
		if (i != lost)
			verify_pages(base, i, 1, 21);
	}
	ck_assert_int_eq(uao_region_destroy(r), 0);
	stats(&e, &st);
	ck_assert_int_eq(uao_swap_list(e.sim, &si, 1), 1);
	ck_assert_uint_eq(si.bad, 1); /* never handed out again */
	ck_assert_uint_eq(si.inuse, 0);
	env_fini(&e);
}
END_TEST

/*
 * the API's errors
 */

START_TEST(test_api_errors)
{
	struct uao_config cfg;
	struct uao_sim *sim;
	struct uao_region *r, *r2;
	struct env e;
	char *base;
	int id;

	memset(&cfg, 0, sizeof(cfg));
	cfg.ram_bytes = 128 << 10; /* below 256 KiB */
	ck_assert_int_eq(uao_sim_create(&cfg, &sim), -EINVAL);
	cfg.ram_bytes = (256 << 10) + 100; /* not a page multiple */
	ck_assert_int_eq(uao_sim_create(&cfg, &sim), -EINVAL);
	cfg.ram_bytes = 0;
	cfg.handlers = 65;
	ck_assert_int_eq(uao_sim_create(&cfg, &sim), -EINVAL);
	cfg.handlers = -1;
	ck_assert_int_eq(uao_sim_create(&cfg, &sim), -EINVAL);
	cfg.handlers = 0;
	cfg.oom_action = 7;
	ck_assert_int_eq(uao_sim_create(&cfg, &sim), -EINVAL);
	cfg.oom_action = UAO_OOM_SIGBUS;
	cfg.handlers = 64;
	cfg.ram_bytes = 256 << 10;
	ck_assert_int_eq(uao_sim_create(&cfg, &sim), 0);
	ck_assert_int_eq(uao_sim_destroy(sim), 0);

	env_init(&e, 0, 0, 0);
	ck_assert_int_eq(uao_region_create(e.sim, 0, &r), -EINVAL);
	ck_assert_int_eq(uao_region_create(e.sim, (8ULL << 40) + 1, &r),
	    -EINVAL);
	ck_assert_int_eq(uao_region_create(e.sim, 1, &r), 0);
	ck_assert_uint_eq(uao_region_size(r), TPAGE); /* rounded up */
	base = uao_region_base(r);
	ck_assert_ptr_eq(uao_region_of(e.sim, base + TPAGE - 1), r);
	ck_assert_ptr_null(uao_region_of(e.sim, base + TPAGE));
	ck_assert_ptr_null(uao_region_of(e.sim, &cfg));
	ck_assert_int_eq(uao_region_discard(r, 0, 0), -EINVAL);
	ck_assert_int_eq(uao_region_discard(r, TPAGE, 1), -EINVAL);
	ck_assert_int_eq(uao_region_discard(r, 0, TPAGE + 1), -EINVAL);
	ck_assert_int_eq(uao_region_pageout(r, 0, 2 * TPAGE), -EINVAL);
	ck_assert_int_eq(uao_region_pageout(r, SIZE_MAX, 2), -EINVAL);

	/* no swap: a dirty page cannot go out, and stays */
	pat_fill(base, 0, 23);
	ck_assert_int_eq(uao_region_pageout(r, 0, TPAGE), -ENOSPC);
	verify_pages(base, 0, 1, 23);

	/* swap devices */
	ck_assert_int_eq(uao_swap_add(e.sim, NULL, 1 << 20, 0, 0x100), -EINVAL);
	ck_assert_int_eq(uao_swap_remove(e.sim, 999, NULL), -ENXIO);
	ck_assert_int_eq(uao_swap_remove(e.sim, 0, NULL), -EINVAL);
	ck_assert_int_eq(uao_swap_inject(e.sim, 999, 0, 1, 0, 0), -ENXIO);
	id = uao_swap_add(e.sim, NULL, 1 << 20, 0, 0);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(uao_swap_list(e.sim, NULL, 0), 1);
	ck_assert_int_eq(uao_region_pageout(r, 0, TPAGE), 0);
	verify_pages(base, 0, 1, 23);
	ck_assert_int_eq(uao_region_pageout(r, 0, TPAGE), 0);
	/* swapoff pages it back in */
	ck_assert_int_eq(uao_swap_remove(e.sim, id, NULL), 0);
	ck_assert_int_eq(uao_swap_list(e.sim, NULL, 0), 0);
	ck_assert_int_eq(uao_swap_remove(e.sim, id, NULL), -ENXIO);
	verify_pages(base, 0, 1, 23);

	/* the pagedaemon */
	ck_assert_int_eq(uao_pagedaemon_start(e.sim), -EALREADY);
	ck_assert_int_eq(uao_pagedaemon_stop(e.sim), 0);
	ck_assert_int_eq(uao_pagedaemon_start(e.sim), 0);

	/* a machine with regions cannot go */
	ck_assert_int_eq(uao_region_create(e.sim, 3 * TPAGE, &r2), 0);
	ck_assert_int_eq(uao_sim_destroy(e.sim), -EBUSY);
	ck_assert_int_eq(uao_region_destroy(r), 0);
	ck_assert_int_eq(uao_sim_destroy(e.sim), -EBUSY);
	ck_assert_int_eq(uao_region_destroy(r2), 0);

	ck_assert_str_ne(uao_strerror(-EBUSY), "unknown error");
	ck_assert_str_ne(uao_strerror(-ENOSPC), "unknown error");
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

static Suite *
uffd_suite(void)
{
	Suite *s = suite_create("uffd");
	TCase *tc;

	tc = tcase_create("faults");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_zero_fill);
	tcase_add_test(tc, test_pageout_pagein);
	tcase_add_test(tc, test_soft_fault);
	tcase_add_test(tc, test_wp_drops_slot);
	tcase_add_test(tc, test_fault_ahead);
	tcase_add_test(tc, test_readahead);
	tcase_add_test(tc, test_syscall_fault);
	tcase_add_test(tc, test_sigbus);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_concurrent_same_page);
	tcase_add_test(tc, test_concurrent_pages);
	tcase_add_test_raise_signal(tc, test_uao_thread_fault_panics, SIGABRT);
	tcase_add_test(tc, test_uao_threads_stay_out);
	suite_add_tcase(s, tc);

	tc = tcase_create("interpose");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_madv_dontneed);
	tcase_add_test(tc, test_raw_dontneed_pageout);
	tcase_add_test_raise_signal(tc, test_stage_slot_not_empty_panics,
	    SIGABRT);
	tcase_add_test(tc, test_zero_pages_not_written);
	tcase_add_test(tc, test_fault_ahead_stops_at_hole);
	tcase_add_test(tc, test_munmap);
	tcase_add_test(tc, test_mremap);
	suite_add_tcase(s, tc);

	tc = tcase_create("api");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_api_errors);
	tcase_add_test(tc, test_swap_mkfile);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed, rv;

	/* before libuao allocates anything */
	kmem_set_backend(&guard_backend);
	rv = sim_probe();
	if (rv != 0)
		return rv;
	sr = srunner_create(uffd_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
