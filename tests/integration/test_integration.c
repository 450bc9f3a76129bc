/*
 * test_integration.c: libuao under sustained pressure, end to end.
 *
 * Four threads write and verify random pages of a 1 GiB region through
 * 64 MiB of RAM, on a real swap file, for a fixed number of operations.
 * Each thread owns the pages whose index is its number modulo 4 and
 * keeps each page's generation, so every read must return exactly the
 * last generation written (generation 0: never written, zeros).  A
 * sampler thread watches the RAM limit meanwhile: the counters stay
 * within it, and the pages actually mapped in the region (mincore)
 * never outnumber the frames.  At the end the fault identities hold,
 * every page of the region reads back, and uao_sim_check is clean.
 *
 * Environment: INTEGRATION_OPS (operations per thread), INTEGRATION_SEED.
 * Exit 77 when userfaultfd is not available.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "base/rng.h"
#include "common/sim.h"

#define NTHREADS     4
#define REGION_BYTES (1UL << 30)
#define RAM_BYTES    (64UL << 20)
#define SWAP_BYTES   (REGION_BYTES + (REGION_BYTES >> 2))
#define NPAGES	     (REGION_BYTES / TPAGE)
#define DEFAULT_OPS  6000

#define FAIL(...)                                                              \
	do {                                                                   \
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);           \
		fprintf(stderr, __VA_ARGS__);                                  \
		fprintf(stderr, "\n");                                         \
		exit(1);                                                       \
	} while (0)

#define REQUIRE(cond, fmt, ...)                                                \
	do {                                                                   \
		if (!(cond))                                                   \
			FAIL("%s: " fmt, #cond __VA_OPT__(, ) __VA_ARGS__);    \
	} while (0)

static struct uao_sim *sim;
static char *base;
static uint32_t *gens; /* per page: the last generation written */
static uint64_t seed;
static long nops;
static atomic_bool sampling;
static atomic_ulong nsamples, max_mapped, max_inuse;

struct worker {
	pthread_t w_thread;
	int w_id;
	long w_reads, w_writes;
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t s = rng_mix(seed + (uint64_t)w->w_id);

	for (long op = 0; op < nops; op++) {
		uint64_t r = rng_next(&s);
		/* a page this thread owns */
		uint64_t idx = (r >> 8) % (NPAGES / NTHREADS) * NTHREADS +
		    (uint64_t)w->w_id;
		char *p = base + idx * TPAGE;
		int bad;

		if (r & 1) {
			gens[idx]++;
			pat_fill(p, idx, gens[idx]);
			w->w_writes++;
		} else {
			bad = pat_check(p, idx, gens[idx]);
			if (bad >= 0)
				FAIL("thread %d op %ld: page %" PRIu64
				     " word %d is not generation %u",
				    w->w_id, op, idx, bad, gens[idx]);
			w->w_reads++;
		}
	}
	return NULL;
}

/* seconds since the first call, for the log only */
static double
elapsed(void)
{
	static struct timespec t0;
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	if (t0.tv_sec == 0)
		t0 = t;
	return (double)(t.tv_sec - t0.tv_sec) +
	    (double)(t.tv_nsec - t0.tv_nsec) / 1e9;
}

/* pages of the region mapped right now (mincore) */
static unsigned long
mapped_pages(unsigned char *vec)
{
	unsigned long n = 0;

	if (mincore(base, REGION_BYTES, vec) != 0)
		FAIL("mincore: %s", strerror(errno));
	for (unsigned long i = 0; i < NPAGES; i++)
		n += vec[i] & 1;
	return n;
}

static void
atomic_max(atomic_ulong *m, unsigned long v)
{
	unsigned long old = atomic_load(m);

	while (v > old && !atomic_compare_exchange_weak(m, &old, v))
		;
}

/*
 * The sampler: the RAM limit holds at every instant it looks.  The
 * counters are read without stopping the machine, so only bounds that
 * hold at every instant are checked here; the identities wait for the
 * end.
 */
static void *
sampler_main(void *arg)
{
	unsigned char *vec = malloc(NPAGES);
	struct uao_stats st;
	struct timespec ts = { 0, 5 * 1000 * 1000 };

	if (vec == NULL)
		FAIL("malloc");
	while (atomic_load(&sampling)) {
		/* mincore walks 1 GiB of page tables: every 4th sample */
		unsigned long mapped =
		    atomic_load(&nsamples) % 4 == 0 ? mapped_pages(vec) : 0;

		uao_sim_stats(sim, &st);
		REQUIRE(st.ram_pages == RAM_BYTES / TPAGE, "%" PRIu64,
		    st.ram_pages);
		REQUIRE(st.free_pages <= st.ram_pages, "%" PRIu64,
		    st.free_pages);
		REQUIRE(st.active_pages + st.inactive_pages <= st.ram_pages,
		    "%" PRIu64 " + %" PRIu64, st.active_pages,
		    st.inactive_pages);
		REQUIRE(st.staged_pages <= st.ram_pages, "%" PRIu64,
		    st.staged_pages);
		REQUIRE(st.swap_inuse <= st.swap_pages, "%" PRIu64,
		    st.swap_inuse);
		REQUIRE(mapped <= st.ram_pages, "%lu pages mapped", mapped);
		atomic_max(&max_mapped, mapped);
		atomic_max(&max_inuse, st.ram_pages - st.free_pages);
		atomic_fetch_add(&nsamples, 1);
		nanosleep(&ts, NULL);
	}
	free(vec);
	return NULL;
}

int
main(void)
{
	struct uao_config cfg = { .ram_bytes = RAM_BYTES };
	struct worker w[NTHREADS];
	struct uao_region *r;
	struct uao_stats st;
	pthread_t sampler;
	char why[512];
	const char *env;
	int error, id;
	uint64_t reads = 0, writes = 0, pagein_faults;

	error = sim_probe();
	if (error != 0)
		return error;
	env = getenv("INTEGRATION_SEED");
	seed = env != NULL ? strtoull(env, NULL, 0) : 20261130;
	env = getenv("INTEGRATION_OPS");
	nops = env != NULL ? atol(env) : DEFAULT_OPS;
	printf("integration: seed %" PRIu64 ", %d threads x %ld ops, "
	       "%lu MiB region, %lu MiB RAM\n",
	    seed, NTHREADS, nops, REGION_BYTES >> 20, RAM_BYTES >> 20);
	fflush(stdout);

	gens = calloc(NPAGES, sizeof(*gens));
	REQUIRE(gens != NULL, "calloc");
	error = uao_sim_create(&cfg, &sim);
	REQUIRE(error == 0, "uao_sim_create: %s", uao_strerror(error));
	id = uao_swap_add(sim, NULL, SWAP_BYTES, 0, 0);
	REQUIRE(id > 0, "uao_swap_add: %s", uao_strerror(id));
	error = uao_region_create(sim, REGION_BYTES, &r);
	REQUIRE(error == 0, "uao_region_create: %s", uao_strerror(error));
	base = uao_region_base(r);

	(void)elapsed();
	atomic_store(&sampling, true);
	REQUIRE(pthread_create(&sampler, NULL, sampler_main, NULL) == 0, "");
	for (int t = 0; t < NTHREADS; t++) {
		w[t] = (struct worker) { .w_id = t };
		REQUIRE(pthread_create(&w[t].w_thread, NULL, worker_main,
			    &w[t]) == 0,
		    "");
	}
	for (int t = 0; t < NTHREADS; t++) {
		pthread_join(w[t].w_thread, NULL);
		reads += (uint64_t)w[t].w_reads;
		writes += (uint64_t)w[t].w_writes;
	}
	atomic_store(&sampling, false);
	pthread_join(sampler, NULL);

	/* the identities, once the handlers are idle */
	stats_settled(sim, 2, &st);
	printf("ops: %" PRIu64 " reads, %" PRIu64 " writes; %lu samples, "
	       "at most %lu pages mapped, %lu frames in use\n",
	    reads, writes, atomic_load(&nsamples), atomic_load(&max_mapped),
	    atomic_load(&max_inuse));
	printf("faults %" PRIu64 ": zero %" PRIu64 " soft %" PRIu64
	       " swapin %" PRIu64 " wp %" PRIu64 " stale %" PRIu64 "\n",
	    st.faults, st.by_kind[UAO_FAULT_ZERO], st.by_kind[UAO_FAULT_SOFT],
	    st.by_kind[UAO_FAULT_SWAPIN], st.by_kind[UAO_FAULT_WP], st.stale);
	printf("pageins %" PRIu64 " (read ahead %" PRIu64 ", hits %" PRIu64
	       "), pageouts %" PRIu64 ", freed clean %" PRIu64
	       ", freed zero %" PRIu64 ", pagedaemon passes %" PRIu64 "\n",
	    st.pageins, st.pageins_readahead, st.readahead_hits, st.pageouts,
	    st.freed_clean, st.freed_zero, st.pd_passes);
	REQUIRE(atomic_load(&nsamples) > 0, "");
	REQUIRE(st.faults == stats_kinds(&st), "%" PRIu64 " vs %" PRIu64,
	    st.faults, stats_kinds(&st));
	pagein_faults = st.pageins - st.pageins_readahead - st.swapoff_pages;
	REQUIRE(pagein_faults + st.by_kind[UAO_FAULT_ZERO] +
		    st.by_kind[UAO_FAULT_SOFT] + st.by_kind[UAO_FAULT_WP] +
		    st.stale ==
		st.faults,
	    "pageins %" PRIu64 " - readahead %" PRIu64 " vs faults %" PRIu64,
	    st.pageins, st.pageins_readahead, st.faults);
	REQUIRE(st.readahead_hits <= st.pageins_readahead, "");
	REQUIRE(st.io_errors == 0 && st.out_of_memory == 0 &&
		st.pageout_errors == 0,
	    "%" PRIu64 " %" PRIu64 " %" PRIu64, st.io_errors, st.out_of_memory,
	    st.pageout_errors);
	REQUIRE(st.pageouts > 0 && st.pageins > 0, "no paging happened");
	REQUIRE(st.swpgonly <= st.swap_inuse, "");
	error = sim_check_quiet(sim, why, sizeof(why));
	REQUIRE(error == 0, "uao_sim_check: %s: %s", uao_strerror(error), why);

	printf("workload: %.1f s\n", elapsed());
	fflush(stdout);
	/*
	 * nothing lost: every page written holds its last generation (the
	 * pages only read were checked as zeros by the workload; reading
	 * all 1 GiB here would take most of the run)
	 */
	for (uint64_t idx = 0; idx < NPAGES; idx++) {
		int bad;

		if (gens[idx] == 0)
			continue;
		bad = pat_check(base + idx * TPAGE, idx, gens[idx]);

		if (bad >= 0)
			FAIL("final: page %" PRIu64
			     " word %d is not generation %u",
			    idx, bad, gens[idx]);
	}
	printf("final verify: %.1f s\n", elapsed());
	stats_settled(sim, 2, &st);
	REQUIRE(st.faults == stats_kinds(&st), "");
	error = sim_check_quiet(sim, why, sizeof(why));
	REQUIRE(error == 0, "uao_sim_check: %s: %s", uao_strerror(error), why);

	REQUIRE(uao_sim_destroy(sim) == -EBUSY, "");
	REQUIRE(uao_region_destroy(r) == 0, "");
	uao_sim_stats(sim, &st);
	REQUIRE(st.swap_inuse == 0 && st.swpgonly == 0 && st.regions == 0,
	    "%" PRIu64 " %" PRIu64, st.swap_inuse, st.swpgonly);
	REQUIRE(uao_sim_destroy(sim) == 0, "");
	free(gens);
	printf("integration: ok\n");
	return 0;
}
