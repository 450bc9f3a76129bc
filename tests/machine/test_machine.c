/*
 * test_machine.c: the userfaultfd machine layer under the mapping churn
 * of real language runtimes, with the kernel migrating pages under it.
 *
 * Worker threads each own a region and do to it what V8, the JVM and
 * CPython do to their heaps: write and read pages while the pagedaemon
 * moves them out and the handlers move them back, split the mapping
 * with mprotect, discard ranges with madvise(MADV_DONTNEED), punch holes
 * with munmap and fill them with a MAP_FIXED mapping of their own, and
 * grow, shrink and move the region with mremap.  Every page's expected
 * contents are modelled (a generation per page, see common/pattern.h) and each
 * read is checked against the model.
 *
 * Meanwhile a thread asks the kernel to compact memory (root only:
 * /proc/sys/vm/compact_memory), which migrates pages and leaves
 * migration entries in page tables for UFFDIO_MOVE to meet.  Kernel 6.18
 * can then report a short count with EAGAIN for a run it moved in full:
 * a pager that believes the count stages one page twice (the
 * "staging slot was not empty" panic) or takes moved pages for lost.
 *
 * UAO_STRESS_SECONDS sets the length (default 6; the 'slow' suite runs
 * longer).  The seed is printed, and UAO_STRESS_SEED repeats a run.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "base/rng.h"
#include "common/pattern.h"
#include "common/runner.h"
#include "common/sim.h"
#include "common/stress.h"

#define WORKERS	     3
#define REGION_PAGES 2048 /* 8 MiB each; 24 MiB in all */
#define RAM_BYTES    (6UL << 20)
#define SWAP_PAGES   16384

/* what a page of a worker's range is now */
enum page_kind {
	PK_REGION, /* region memory, holds generation pg_gen */
	PK_HOLE,   /* unmapped: never touched */
	PK_PLAIN,  /* the worker's own MAP_FIXED mapping: plain memory */
};

struct worker {
	pthread_t w_thread;
	struct uao_sim *w_sim;
	char *w_base;	   /* the range's first byte (moves with mremap) */
	size_t w_npages;   /* the range's length */
	uint8_t *w_kind;   /* enum page_kind, per page */
	uint64_t *w_gen;   /* expected generation, per page */
	uint64_t w_next;   /* next generation to write */
	uint64_t w_rng;	   /* base/rng.h state */
	unsigned w_nholes; /* pages that are not PK_REGION */
	/* results */
	uint64_t w_ops, w_checks, w_remaps, w_holes, w_protects;
	struct stress_err w_err; /* the first failure */
};

static atomic_ulong compactions;

static char *
page_of(struct worker *w, size_t i)
{
	return w->w_base + i * TPAGE;
}

/* check page i against the model */
static void
check_page(struct worker *w, size_t i)
{
	int word;

	if (w->w_kind[i] == PK_HOLE)
		return;
	word = pat_check(page_of(w, i), i, w->w_gen[i]);
	w->w_checks++;
	if (word >= 0)
		stress_fail(&w->w_err,
		    "page %zu: word %d is not what was written", i, word);
}

static void
write_page(struct worker *w, size_t i)
{
	if (w->w_kind[i] == PK_HOLE)
		return;
	w->w_gen[i] = w->w_next++;
	pat_fill(page_of(w, i), i, w->w_gen[i]);
}

/*
 * Pages keep their index as the pattern's seed wherever the range goes:
 * a moved range is checked against the same generations.
 */
static void
range_create(struct worker *w)
{
	struct uao_region *r;
	int error = uao_region_create(w->w_sim, REGION_PAGES * TPAGE, &r);

	if (error != 0) {
		stress_fail(&w->w_err, "uao_region_create: %s",
		    uao_strerror(error));
		return;
	}
	w->w_base = uao_region_base(r);
	w->w_npages = REGION_PAGES;
	memset(w->w_kind, PK_REGION, REGION_PAGES);
	memset(w->w_gen, 0, REGION_PAGES * sizeof(*w->w_gen));
	w->w_nholes = 0;
}

/* munmap the whole range: every region piece and plain piece */
static void
range_destroy(struct worker *w)
{
	if (munmap(w->w_base, w->w_npages * TPAGE) != 0)
		stress_fail(&w->w_err, "munmap of the range: %s",
		    strerror(errno));
}

/* mprotect a run read-only, read it, make it writable again */
static void
op_protect(struct worker *w, size_t i, size_t n)
{
	for (size_t j = i; j < i + n; j++) {
		if (w->w_kind[j] != PK_REGION)
			return;
	}
	if (mprotect(page_of(w, i), n * TPAGE, PROT_READ) != 0) {
		stress_fail(&w->w_err, "mprotect read-only at page %zu: %s", i,
		    strerror(errno));
		return;
	}
	for (size_t j = i; j < i + n; j++)
		check_page(w, j);
	if (mprotect(page_of(w, i), n * TPAGE, PROT_READ | PROT_WRITE) != 0)
		stress_fail(&w->w_err, "mprotect read-write at page %zu: %s", i,
		    strerror(errno));
	w->w_protects++;
}

/* discard a run: it reads as zeros */
static void
op_discard(struct worker *w, size_t i, size_t n)
{
	for (size_t j = i; j < i + n; j++) {
		if (w->w_kind[j] != PK_REGION)
			return;
	}
	if (madvise(page_of(w, i), n * TPAGE, MADV_DONTNEED) != 0) {
		stress_fail(&w->w_err, "madvise at page %zu: %s", i,
		    strerror(errno));
		return;
	}
	for (size_t j = i; j < i + n; j++)
		w->w_gen[j] = 0;
}

/*
 * Unmap a run of region memory and put a plain mapping of our own in its
 * place with MAP_FIXED, as a runtime that decommits and recommits does.
 * The range's runs then meet a mapping that is not the region's.
 */
static void
op_hole(struct worker *w, size_t i, size_t n)
{
	void *p;

	for (size_t j = i; j < i + n; j++) {
		if (w->w_kind[j] != PK_REGION)
			return;
	}
	if (munmap(page_of(w, i), n * TPAGE) != 0) {
		stress_fail(&w->w_err, "munmap at page %zu: %s", i,
		    strerror(errno));
		return;
	}
	p = mmap(page_of(w, i), n * TPAGE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	for (size_t j = i; j < i + n; j++) {
		w->w_kind[j] = p == MAP_FAILED ? PK_HOLE : PK_PLAIN;
		w->w_gen[j] = 0;
	}
	w->w_nholes += (unsigned)n;
	w->w_holes++;
}

/*
 * mremap: shrink the range in place, then grow it back, moving it (the
 * runtime moves the contents into a new region).  Only a range that is
 * all region memory can move.
 */
static void
op_remap(struct worker *w, size_t keep)
{
	char *p;

	if (w->w_nholes > 0)
		return;
	p = mremap(w->w_base, w->w_npages * TPAGE, keep * TPAGE, 0);
	if (p != w->w_base) {
		stress_fail(&w->w_err, "mremap shrink to %zu pages: %s", keep,
		    strerror(errno));
		return;
	}
	for (size_t j = keep; j < w->w_npages; j++)
		w->w_gen[j] = 0;
	p = mremap(w->w_base, keep * TPAGE, REGION_PAGES * TPAGE,
	    MREMAP_MAYMOVE);
	if (p == MAP_FAILED) {
		stress_fail(&w->w_err, "mremap grow from %zu pages: %s", keep,
		    strerror(errno));
		w->w_npages = keep;
		return;
	}
	w->w_base = p;
	w->w_npages = REGION_PAGES;
	w->w_remaps++;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	range_create(w);
	while (!atomic_load_explicit(&stress_stop, memory_order_relaxed)) {
		size_t i = rng_below(&w->w_rng, w->w_npages);
		size_t n = 1 + rng_below(&w->w_rng, 16);
		unsigned op = (unsigned)rng_below(&w->w_rng, 1000);

		if (i + n > w->w_npages)
			n = w->w_npages - i;
		w->w_ops++;
		if (op < 450) {
			/* writes in runs: whole runs are moved out at once */
			for (size_t j = i; j < i + n; j++)
				write_page(w, j);
		} else if (op < 900) {
			for (size_t j = i; j < i + n; j++)
				check_page(w, j);
		} else if (op < 940) {
			op_protect(w, i, n);
		} else if (op < 975) {
			op_discard(w, i, n);
		} else if (op < 990) {
			if (w->w_nholes > REGION_PAGES / 8) {
				/* too many holes: start again */
				for (size_t j = 0; j < w->w_npages; j++)
					check_page(w, j);
				range_destroy(w);
				range_create(w);
			} else {
				op_hole(w, i, n);
			}
		} else {
			op_remap(w,
			    REGION_PAGES / 2 +
				rng_below(&w->w_rng, REGION_PAGES / 2));
		}
	}
	for (size_t j = 0; j < w->w_npages; j++)
		check_page(w, j);
	range_destroy(w);
	return NULL;
}

/*
 * Ask the kernel to compact memory now and then: it migrates pages of
 * every process, ours included.  Without root the test still runs, with
 * only the churn above.
 */
static void *
compactor_main(void *arg)
{
	int fd = open("/proc/sys/vm/compact_memory", O_WRONLY | O_CLOEXEC);

	(void)arg;
	if (fd < 0) {
		printf("note: /proc/sys/vm/compact_memory: %s: no compaction\n",
		    strerror(errno));
		return NULL;
	}
	while (!atomic_load(&stress_stop)) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		if (pwrite(fd, "1\n", 2, 0) == 2)
			atomic_fetch_add(&compactions, 1);
		nanosleep(&ts, NULL);
	}
	close(fd);
	return NULL;
}

START_TEST(test_machine_churn_under_migration)
{
	struct worker w[WORKERS];
	struct stress_run run;
	struct uao_stats st;
	pthread_t compactor;

	stress_begin(&run, RAM_BYTES, SWAP_PAGES);
	memset(w, 0, sizeof(w));
	for (int k = 0; k < WORKERS; k++) {
		w[k].w_err.se_worker = k;
		w[k].w_sim = run.sr_sim;
		w[k].w_rng = rng_mix(run.sr_seed + (uint64_t)k);
		w[k].w_next = 1;
		w[k].w_kind = calloc(REGION_PAGES, 1);
		w[k].w_gen = calloc(REGION_PAGES, sizeof(uint64_t));
		ck_assert(w[k].w_kind != NULL && w[k].w_gen != NULL);
		ck_assert_int_eq(pthread_create(&w[k].w_thread, NULL,
				     worker_main, &w[k]),
		    0);
	}
	ck_assert_int_eq(pthread_create(&compactor, NULL, compactor_main, NULL),
	    0);
	stress_wait(&run);
	for (int k = 0; k < WORKERS; k++)
		pthread_join(w[k].w_thread, NULL);
	pthread_join(compactor, NULL);

	uao_sim_stats(run.sr_sim, &st);
	printf("compactions %lu, pages moved %llu (%llu past a short count), "
	       "pageouts %llu, pageins %llu, soft faults %llu\n",
	    atomic_load(&compactions), (unsigned long long)st.pages_moved,
	    (unsigned long long)st.move_undercounts,
	    (unsigned long long)st.pageouts, (unsigned long long)st.pageins,
	    (unsigned long long)st.by_kind[UAO_FAULT_SOFT]);
	for (int k = 0; k < WORKERS; k++) {
		printf("worker %d: %llu ops, %llu pages checked, %llu remaps, "
		       "%llu holes, %llu protects\n",
		    k, (unsigned long long)w[k].w_ops,
		    (unsigned long long)w[k].w_checks,
		    (unsigned long long)w[k].w_remaps,
		    (unsigned long long)w[k].w_holes,
		    (unsigned long long)w[k].w_protects);
		stress_assert_ok(&run, &w[k].w_err);
		free(w[k].w_kind);
		free(w[k].w_gen);
	}
	/* the machine paged for real, and nothing went behind its back */
	ck_assert_uint_gt(st.pageouts + st.freed_clean, 0);
	ck_assert_uint_gt(st.pageins, 0);
	ck_assert_uint_eq(st.lost, 0);
	ck_assert_uint_eq(st.io_errors, 0);
	ck_assert_uint_eq(st.regions, 0);
	ck_assert_uint_eq(st.swap_inuse, 0);
	ck_assert_uint_eq(st.swpgonly, 0);
	stress_end(&run);
}
END_TEST

static Suite *
machine_suite(void)
{
	Suite *s = suite_create("machine");
	TCase *tc = tcase_create("churn");

	tcase_set_timeout(tc, 0);
	tcase_add_test(tc, test_machine_churn_under_migration);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	if (sim_probe() == 77)
		return 77;
	return suite_run(machine_suite());
}
