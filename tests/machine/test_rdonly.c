/*
 * test_rdonly.c: pages in read-only mappings are taken out of memory,
 * and no write is lost when the program makes them writable again while
 * they are being taken out.
 *
 * UFFDIO_MOVE moves only between writable mappings, so the machine takes
 * a page of a read-only mapping out by copy (pmap_evict_copy in
 * src/uffd/pmap_run.c): write-protect it with UFFDIO_WRITEPROTECT, copy
 * it into its staging slot, drop it.  The write-protection is what keeps
 * a store from landing between the copy and the drop: the uffd-wp bit is
 * in the page table entry, so it holds across the program's mprotect
 * back to writable, and the store waits for the handler.  Without it,
 * such a store is lost (the page later reads back as it was copied).
 *
 * Worker threads each own a small region, cut into chunks that are
 * read-only most of the time (and now and then PROT_NONE), while a
 * pressure thread sweeps a region many times the RAM limit, so that the
 * pagedaemon keeps sampling -- taking out -- the workers' pages.  A worker picks a chunk, makes it writable and writes every
 * page of it at once -- racing the eviction of those same pages -- then
 * makes it read-only again; it reads and checks pages all along.  Every
 * page's expected contents are modelled (a generation per page).
 *
 * Each worker also counts pages it saw present when it made a chunk
 * read-only and absent when it next made it writable: taken out while
 * read-only (nothing else removes them here).  The test requires some.
 *
 * UAO_STRESS_SECONDS sets the length (default 6); UAO_STRESS_SEED
 * repeats a run.
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

#define WORKERS	       3
#define CHUNK_PAGES    4
#define NCHUNKS	       8
#define RANGE_PAGES    (CHUNK_PAGES * NCHUNKS) /* per worker: few, hot */
#define PRESSURE_PAGES 512		       /* 2 MiB swept */
#define RAM_BYTES      (256UL << 10)	       /* 64 frames, the least */
#define SWAP_PAGES     8192

enum chunk_prot {
	CP_RO,	 /* PROT_READ: being taken out by copy */
	CP_NONE, /* PROT_NONE: cannot be copied; stays resident */
	CP_RW,	 /* PROT_READ | PROT_WRITE: being written */
};

struct worker {
	pthread_t w_thread;
	struct uao_sim *w_sim;
	struct uao_region *w_region;
	char *w_base;
	int w_pagemap;			/* /proc/self/pagemap */
	uint8_t w_prot[NCHUNKS];	/* enum chunk_prot */
	uint64_t w_gen[RANGE_PAGES];	/* expected generation */
	bool w_present_ro[RANGE_PAGES]; /* present when made read-only */
	uint64_t w_next;		/* next generation to write */
	uint64_t w_rng;
	/* results */
	uint64_t w_writes, w_checks, w_taken_ro;
	struct stress_err w_err; /* the first failure */
};

static atomic_ulong pressure_sweeps;

static char *
page_of(struct worker *w, size_t i)
{
	return w->w_base + i * TPAGE;
}

/* is page i present?  (pagemap bit 63; reading it never faults) */
static bool
page_present(struct worker *w, size_t i)
{
	uint64_t ent = 0;
	off_t off = (off_t)((uintptr_t)page_of(w, i) / TPAGE) * 8;

	if (pread(w->w_pagemap, &ent, sizeof(ent), off) != sizeof(ent))
		stress_fail(&w->w_err, "pread of pagemap: %s", strerror(errno));
	return (ent >> 63) & 1;
}

static void
check_page(struct worker *w, size_t i)
{
	int word = pat_check(page_of(w, i), i, w->w_gen[i]);

	w->w_checks++;
	if (word >= 0)
		stress_fail(&w->w_err,
		    "page %zu (chunk %zu, %s): word %d is not generation "
		    "%llu",
		    i, i / CHUNK_PAGES,
		    w->w_prot[i / CHUNK_PAGES] == CP_RO	      ? "read-only"
			: w->w_prot[i / CHUNK_PAGES] == CP_RW ? "just written"
							      : "none",
		    word, (unsigned long long)w->w_gen[i]);
}

static void
set_prot(struct worker *w, size_t c, int prot)
{
	if (mprotect(page_of(w, c * CHUNK_PAGES), CHUNK_PAGES * TPAGE, prot) !=
	    0)
		stress_fail(&w->w_err, "mprotect of chunk %zu to %d: %s", c,
		    prot, strerror(errno));
}

/* make chunk c read-only, noting which of its pages are present */
static void
make_ro(struct worker *w, size_t c)
{
	set_prot(w, c, PROT_READ);
	w->w_prot[c] = CP_RO;
	for (size_t i = c * CHUNK_PAGES; i < (c + 1) * CHUNK_PAGES; i++)
		w->w_present_ro[i] = page_present(w, i);
}

/*
 * Make chunk c writable and write every page of it at once: the writes
 * race the pagedaemon taking the chunk's pages out by copy.  Then check
 * them, and make the chunk read-only again.
 */
static void
op_write_chunk(struct worker *w, size_t c)
{
	size_t first = c * CHUNK_PAGES;

	if (w->w_prot[c] == CP_RO) {
		for (size_t i = first; i < first + CHUNK_PAGES; i++) {
			if (w->w_present_ro[i] && !page_present(w, i))
				w->w_taken_ro++;
		}
	}
	set_prot(w, c, PROT_READ | PROT_WRITE);
	w->w_prot[c] = CP_RW;
	for (size_t i = first; i < first + CHUNK_PAGES; i++) {
		w->w_gen[i] = w->w_next++;
		pat_fill(page_of(w, i), i, w->w_gen[i]);
		w->w_writes++;
	}
	for (size_t i = first; i < first + CHUNK_PAGES; i++)
		check_page(w, i);
	make_ro(w, c);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	while (!atomic_load_explicit(&stress_stop, memory_order_relaxed)) {
		size_t c = (size_t)rng_below(&w->w_rng, NCHUNKS);
		unsigned op = (unsigned)rng_below(&w->w_rng, 100);

		if (op < 60) {
			op_write_chunk(w, c);
		} else if (op < 96) {
			/* reads bring read-only pages back: more to evict */
			if (w->w_prot[c] == CP_NONE)
				continue;
			for (size_t i = c * CHUNK_PAGES;
			     i < (c + 1) * CHUNK_PAGES; i++)
				check_page(w, i);
		} else if (w->w_prot[c] == CP_RO) {
			set_prot(w, c, PROT_NONE);
			w->w_prot[c] = CP_NONE;
		} else {
			/* PROT_NONE pages were kept: read them back */
			make_ro(w, c);
			for (size_t i = c * CHUNK_PAGES;
			     i < (c + 1) * CHUNK_PAGES; i++)
				check_page(w, i);
		}
	}
	for (size_t c = 0; c < NCHUNKS; c++) {
		if (w->w_prot[c] == CP_NONE)
			make_ro(w, c);
	}
	for (size_t i = 0; i < RANGE_PAGES; i++)
		check_page(w, i);
	return NULL;
}

/*
 * Sweep writes over a region of its own, many times the RAM limit: the
 * pagedaemon then runs without pause, and samples (moves out) the
 * workers' hot pages on every pass -- by copy while they are read-only.
 */
static void *
pressure_main(void *arg)
{
	char *base = arg;

	while (!atomic_load_explicit(&stress_stop, memory_order_relaxed)) {
		for (size_t i = 0; i < PRESSURE_PAGES; i++)
			base[i * TPAGE] = (char)i;
		atomic_fetch_add(&pressure_sweeps, 1);
	}
	return NULL;
}

START_TEST(test_rdonly_evict_races_writes)
{
	struct worker *w;
	struct stress_run run;
	struct uao_stats st;
	struct uao_sim *sim;
	struct uao_region *pressure_region;
	pthread_t pressure;
	uint64_t taken = 0;
	int error;

	stress_begin(&run, RAM_BYTES, SWAP_PAGES);
	sim = run.sr_sim;
	w = calloc(WORKERS, sizeof(*w));
	ck_assert_ptr_nonnull(w);

	for (int k = 0; k < WORKERS; k++) {
		w[k].w_err.se_worker = k;
		w[k].w_sim = sim;
		w[k].w_rng = rng_mix(run.sr_seed + (uint64_t)k);
		w[k].w_next = 1;
		w[k].w_pagemap = open("/proc/self/pagemap", O_RDONLY);
		ck_assert_int_ge(w[k].w_pagemap, 0);
		error =
		    uao_region_create(sim, RANGE_PAGES * TPAGE, &w[k].w_region);
		ck_assert_msg(error == 0, "uao_region_create: %s",
		    uao_strerror(error));
		w[k].w_base = uao_region_base(w[k].w_region);
		/* every page written once, then every chunk read-only */
		for (size_t i = 0; i < RANGE_PAGES; i++) {
			w[k].w_gen[i] = w[k].w_next++;
			pat_fill(page_of(&w[k], i), i, w[k].w_gen[i]);
		}
		for (size_t c = 0; c < NCHUNKS; c++)
			make_ro(&w[k], c);
	}
	error =
	    uao_region_create(sim, PRESSURE_PAGES * TPAGE, &pressure_region);
	ck_assert_msg(error == 0, "uao_region_create: %s", uao_strerror(error));
	for (int k = 0; k < WORKERS; k++)
		ck_assert_int_eq(pthread_create(&w[k].w_thread, NULL,
				     worker_main, &w[k]),
		    0);
	ck_assert_int_eq(pthread_create(&pressure, NULL, pressure_main,
			     uao_region_base(pressure_region)),
	    0);
	stress_wait(&run);
	for (int k = 0; k < WORKERS; k++)
		pthread_join(w[k].w_thread, NULL);
	pthread_join(pressure, NULL);
	ck_assert_int_eq(uao_region_destroy(pressure_region), 0);

	uao_sim_stats(sim, &st);
	printf("pressure sweeps %lu, pageouts %llu, pageins %llu, soft "
	       "faults %llu, wp faults %llu\n",
	    atomic_load(&pressure_sweeps), (unsigned long long)st.pageouts,
	    (unsigned long long)st.pageins,
	    (unsigned long long)st.by_kind[UAO_FAULT_SOFT],
	    (unsigned long long)st.by_kind[UAO_FAULT_WP]);
	for (int k = 0; k < WORKERS; k++) {
		printf("worker %d: %llu pages written, %llu checked, %llu "
		       "taken out while read-only\n",
		    k, (unsigned long long)w[k].w_writes,
		    (unsigned long long)w[k].w_checks,
		    (unsigned long long)w[k].w_taken_ro);
		stress_assert_ok(&run, &w[k].w_err);
		taken += w[k].w_taken_ro;
	}
	/* read-only pages did leave memory, and nothing was lost */
	ck_assert_msg(taken > 0, "no read-only page was taken out");
	ck_assert_uint_gt(st.pageins, 0);
	ck_assert_uint_eq(st.lost, 0);
	ck_assert_uint_eq(st.io_errors, 0);
	for (int k = 0; k < WORKERS; k++) {
		ck_assert_int_eq(uao_region_destroy(w[k].w_region), 0);
		close(w[k].w_pagemap);
	}
	free(w);
	stress_end(&run);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("machine-rdonly");
	TCase *tc = tcase_create("rdonly");

	if (sim_probe() == 77)
		return 77;
	tcase_set_timeout(tc, 0);
	tcase_add_test(tc, test_rdonly_evict_races_writes);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
