/*
 * mt_fault.c: a multithreaded program for `uao run' tests: several
 * threads fault on the same memory at once, and every byte is checked.
 *
 * usage: mt_fault THREADS MIB PASSES SEED
 *
 * Memory: one malloc'd block (the heap: jemalloc extents in a uao
 * region) and one private anonymous mmap per thread (each a region of
 * its own).  Each pass:
 *   1. every thread fills its own share of both with a pattern that
 *      depends on (seed, pass, page, word);
 *   2. barrier; every thread checks the share of the next thread, then
 *      all threads read one common stripe at the same time (faults on
 *      the same pages from several threads), then each checks its own
 *      mmap;
 *   3. barrier; pass checksums are combined in thread order.
 * The output (one line per pass and a total) depends only on the
 * arguments, never on scheduling: `uao run' must print the same as a
 * plain run.  A wrong word is reported with its address and the run
 * exits 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "base/rng.h"

#define MT_MAX_THREADS 64
#define MT_PAGE	       4096
#define MT_WORDS       (MT_PAGE / sizeof(uint64_t))

struct mt_thread {
	pthread_t mt_tid;
	int mt_index;
	uint64_t *mt_map; /* its own mmap */
	uint64_t mt_sum;  /* this pass */
	uint64_t mt_bad;
};

static int nthreads, npasses;
static size_t share_pages; /* pages per thread, in each of heap and map */
static uint64_t seed;
static uint64_t *heap; /* nthreads * share_pages pages */
static struct mt_thread threads[MT_MAX_THREADS];
static pthread_barrier_t barrier;
static int pass;

/* a hash of x: the first draw of the project's generator seeded with x */
static uint64_t
mix(uint64_t x)
{
	return rng_next(&x);
}

/* the word expected at (area, page, word) in this pass */
static uint64_t
pattern(int area, size_t page, size_t word)
{
	return mix(seed ^ ((uint64_t)pass << 56) ^ ((uint64_t)area << 48) ^
	    ((uint64_t)page << 9) ^ word);
}

static void
fill(uint64_t *base, int area, size_t first, size_t npages)
{
	for (size_t p = first; p < first + npages; p++)
		for (size_t w = 0; w < MT_WORDS; w++)
			base[p * MT_WORDS + w] = pattern(area, p, w);
}

/* => checksum of the range; counts wrong words in t->mt_bad */
static uint64_t
check(struct mt_thread *t, const uint64_t *base, int area, size_t first,
    size_t npages)
{
	uint64_t sum = 0;

	for (size_t p = first; p < first + npages; p++) {
		for (size_t w = 0; w < MT_WORDS; w++) {
			uint64_t v = base[p * MT_WORDS + w];

			if (v != pattern(area, p, w)) {
				if (t->mt_bad++ < 5)
					fprintf(stderr,
					    "mt_fault: thread %d pass %d: "
					    "area %d page %zu word %zu at %p: "
					    "%016" PRIx64 ", want %016" PRIx64
					    "\n",
					    t->mt_index, pass, area, p, w,
					    (void *)&base[p * MT_WORDS + w], v,
					    pattern(area, p, w));
			}
			sum = mix(sum ^ v);
		}
	}
	return sum;
}

static void *
worker(void *arg)
{
	struct mt_thread *t = arg;
	int next = (t->mt_index + 1) % nthreads;
	size_t stripe = share_pages / 4 + 1;

	for (int p = 0; p < npasses; p++) {
		pthread_barrier_wait(&barrier);
		fill(heap, 0, (size_t)t->mt_index * share_pages, share_pages);
		fill(t->mt_map, 1 + t->mt_index, 0, share_pages);
		pthread_barrier_wait(&barrier);
		t->mt_sum =
		    check(t, heap, 0, (size_t)next * share_pages, share_pages);
		/* everyone reads thread 0's first pages at once */
		t->mt_sum ^= check(t, heap, 0, 0, stripe);
		t->mt_sum ^=
		    check(t, t->mt_map, 1 + t->mt_index, 0, share_pages);
		pthread_barrier_wait(&barrier);
	}
	return NULL;
}

static long
arg_long(const char *s, long lo, long hi, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "mt_fault: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	uint64_t total = 0, bad = 0;
	long mib;
	int error;

	if (argc != 5) {
		fprintf(stderr, "usage: mt_fault THREADS MIB PASSES SEED\n");
		return 2;
	}
	nthreads = (int)arg_long(argv[1], 1, MT_MAX_THREADS, "thread count");
	mib = arg_long(argv[2], 1, 1 << 20, "size in MiB");
	npasses = (int)arg_long(argv[3], 1, 1000, "pass count");
	seed = (uint64_t)arg_long(argv[4], 0, (long)1 << 62, "seed");
	/* half of the memory on the heap, half in the threads' mmaps */
	share_pages = (size_t)mib * 256 / 2 / (size_t)nthreads;
	if (share_pages == 0)
		share_pages = 1;
	printf(
	    "mt_fault: %d threads, %zu KiB each in heap and mmap, %d passes, "
	    "seed %" PRIu64 "\n",
	    nthreads, share_pages * 4, npasses, seed);

	heap = malloc((size_t)nthreads * share_pages * MT_PAGE);
	if (heap == NULL) {
		fprintf(stderr, "mt_fault: malloc failed\n");
		return 1;
	}
	pthread_barrier_init(&barrier, NULL, (unsigned)nthreads + 1);
	for (int i = 0; i < nthreads; i++) {
		threads[i].mt_index = i;
		threads[i].mt_map = mmap(NULL, share_pages * MT_PAGE,
		    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (threads[i].mt_map == MAP_FAILED) {
			perror("mt_fault: mmap");
			return 1;
		}
		error = pthread_create(&threads[i].mt_tid, NULL, worker,
		    &threads[i]);
		if (error != 0) {
			fprintf(stderr, "mt_fault: pthread_create: %s\n",
			    strerror(error));
			return 1;
		}
	}
	for (pass = 0; pass < npasses; pass++) {
		uint64_t sum = 0;

		pthread_barrier_wait(&barrier); /* fill */
		pthread_barrier_wait(&barrier); /* check */
		pthread_barrier_wait(&barrier); /* done */
		for (int i = 0; i < nthreads; i++)
			sum = mix(sum ^ threads[i].mt_sum);
		printf("pass %d: %016" PRIx64 "\n", pass, sum);
		total = mix(total ^ sum);
	}
	for (int i = 0; i < nthreads; i++) {
		pthread_join(threads[i].mt_tid, NULL);
		bad += threads[i].mt_bad;
		munmap(threads[i].mt_map, share_pages * MT_PAGE);
	}
	free(heap);
	if (bad != 0) {
		fprintf(stderr, "mt_fault: %" PRIu64 " wrong words\n", bad);
		return 1;
	}
	printf("total: %016" PRIx64 "\n", total);
	return 0;
}
