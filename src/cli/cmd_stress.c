/*
 * cmd_stress.c: `uao stress swapoff': swap-off under load, nothing lost.
 *
 * Worker threads read, write, verify and discard random pages of one
 * region several times the RAM limit, so that most of it lives in swap.
 * Each worker owns the pages whose index is its number modulo the thread
 * count and keeps a generation per page: page p at generation g holds a
 * header word (p, g), a checksum word, and 510 words that are a hash of
 * (seed, p, g, word).  Generation 0 is a page never written (or
 * discarded): it must read as zeros.  So any lost, stale, torn or
 * misplaced page is seen at the next verification, and classified.
 *
 * Meanwhile a controller thread cycles the swap devices (three or more,
 * each with its own priority): it removes one (usually the device that
 * holds the most pages) while the workers run, and adds it back.  Every
 * few cycles it also tries a swapoff that must fail with ENOMEM: with the
 * workers paused it fills the free swap with a ballast region, so that
 * the device's pages cannot fit in RAM plus what is left of swap; after
 * the refusal the device must still be there, every page must still read
 * back, and the device must take new pageouts.
 *
 * After each cycle, with the workers paused, the counters are checked
 * against a recount: uao_sim_check (every invariant of DESIGN.md section
 * 3) and the sum of the devices' in-use counts against stats.swap_inuse;
 * at the end once more with the pagedaemon stopped.  The exit status is 1 on any wrong
 * byte or count, 2 on bad options, 0 otherwise.
 *
 * This command links libuao and uses only its public API.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli_int.h"
#include "uao/uao.h"

#define ST_PAGE	      4096
#define ST_WORDS      (ST_PAGE / 8)
#define ST_MAXDEV     16
#define ST_MAXTHREADS 64
#define ST_MAXFAILS   10 /* mismatches printed in full */

struct st_opts {
	uint64_t o_cycles;  /* 0: no limit */
	uint64_t o_seconds; /* 0: no limit */
	int o_threads;
	uint64_t o_ram;
	uint64_t o_size;
	int o_devices;
	const char *o_dir; /* NULL: anonymous swap files */
	uint64_t o_seed;
	int o_enomem_every; /* 0: never */
	uint32_t o_inject_rppm, o_inject_wppm;
	bool o_quiet;
};

struct st_dev {
	int d_id; /* current id; 0 while removed */
	int d_prio;
	char d_path[256]; /* "" for anonymous */
	uint64_t d_size;
};

/* what a worker does, counted */
struct st_counts {
	uint64_t c_reads, c_writes, c_verifies, c_discards;
	uint64_t c_sigbus; /* pages lost to injected read errors */
};

struct st_worker {
	struct st_state *w_st;
	int w_index;
	pthread_t w_thread;
	uint64_t w_rng;
	struct st_counts w_counts;
};

struct st_state {
	struct st_opts s_o;
	struct uao_sim *s_sim;
	struct uao_region *s_region;
	uint64_t *s_base;
	size_t s_npages;
	uint32_t *s_gen; /* per page: its generation (owner writes) */
	uint8_t *s_lost; /* per page: got SIGBUS (injected read error) */
	struct st_dev s_devs[ST_MAXDEV];
	int s_ndevs;
	/* pause protocol: controller sets s_pause, waits for all parked */
	pthread_mutex_t s_mtx;
	pthread_cond_t s_cv;
	atomic_bool s_pause;
	bool s_stop;
	int s_parked;
	/* results */
	atomic_uint_fast64_t s_failures; /* wrong bytes or counts */
	atomic_int s_printed;
	uint64_t s_cycles, s_swapoffs, s_refused, s_enomem_ok, s_enomem_skipped,
	    s_checks;
};

static _Thread_local sigjmp_buf *volatile tl_jb;
static _Thread_local void *volatile tl_busaddr;

static uint64_t
splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t
rng_next(uint64_t *s)
{
	*s = splitmix(*s);
	return *s;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* the expected contents of word w (>= 2) of page p at generation g */
static uint64_t
st_word(const struct st_state *st, size_t p, uint32_t g, int w)
{
	return splitmix(st->s_o.o_seed ^ ((uint64_t)p << 24) ^
	    ((uint64_t)g << 48) ^ (uint64_t)w ^ ((uint64_t)g >> 16));
}

static uint64_t
st_header(size_t p, uint32_t g)
{
	return ((uint64_t)p << 32) | g;
}

static void
st_fill(const struct st_state *st, uint64_t *pg, size_t p, uint32_t g)
{
	uint64_t sum = 0;

	for (int w = 2; w < ST_WORDS; w++) {
		pg[w] = st_word(st, p, g, w);
		sum += pg[w] * (uint64_t)(w | 1);
	}
	pg[1] = sum;
	pg[0] = st_header(p, g);
}

/*
 * st_fail: one wrong page.  Says what it holds instead: zeros (lost),
 * an older generation (a lost write), another page, or garbage.
 */
static void
st_fail(struct st_state *st, size_t p, uint32_t g, const uint64_t *pg, int word)
{
	const char *what;
	uint64_t hdr = pg[0];
	bool zero = true;

	atomic_fetch_add(&st->s_failures, 1);
	if (atomic_fetch_add(&st->s_printed, 1) >= ST_MAXFAILS)
		return;
	for (int w = 0; w < ST_WORDS; w++)
		zero = zero && pg[w] == 0;
	if (zero)
		what = "all zeros (page lost)";
	else if ((hdr >> 32) == p && (uint32_t)hdr < g)
		what = "an older generation (write lost)";
	else if ((hdr >> 32) == p && (uint32_t)hdr > g)
		what = "a newer generation (model broken)";
	else if ((hdr >> 32) != p && hdr != 0)
		what = "another page's contents";
	else
		what = "corrupt words";
	fprintf(stderr,
	    "uao stress: VERIFY FAILED: page %zu (address %p) generation %u, "
	    "word %d: found %s (header %#llx)\n",
	    p, (void *)pg, g, word, what, (unsigned long long)hdr);
}

/* st_verify: the whole page against the model.  => true if right */
static bool
st_verify(struct st_state *st, size_t p)
{
	const uint64_t *pg = st->s_base + p * ST_WORDS;
	uint32_t g = st->s_gen[p];
	uint64_t sum = 0;

	if (g == 0) {
		for (int w = 0; w < ST_WORDS; w++)
			if (pg[w] != 0) {
				st_fail(st, p, g, pg, w);
				return false;
			}
		return true;
	}
	if (pg[0] != st_header(p, g)) {
		st_fail(st, p, g, pg, 0);
		return false;
	}
	for (int w = 2; w < ST_WORDS; w++) {
		if (pg[w] != st_word(st, p, g, w)) {
			st_fail(st, p, g, pg, w);
			return false;
		}
		sum += pg[w] * (uint64_t)(w | 1);
	}
	if (pg[1] != sum) {
		st_fail(st, p, g, pg, 1);
		return false;
	}
	return true;
}

/* st_read: one random word (and the header) against the model */
static void
st_read(struct st_state *st, size_t p, uint64_t r)
{
	const uint64_t *pg = st->s_base + p * ST_WORDS;
	uint32_t g = st->s_gen[p];
	int w = 2 + (int)(r % (ST_WORDS - 2));
	uint64_t want = g == 0 ? 0 : st_word(st, p, g, w);
	uint64_t hdr = g == 0 ? 0 : st_header(p, g);

	if (pg[w] != want || pg[0] != hdr)
		st_fail(st, p, g, pg, pg[0] != hdr ? 0 : w);
}

static void
st_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (tl_jb == NULL) {
		/* not ours to catch: die of it */
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	tl_busaddr = si->si_addr;
	siglongjmp(*tl_jb, 1);
}

/*
 * st_page_op: one operation on page p, catching SIGBUS.  A SIGBUS is
 * right only for a page whose slot failed an (injected) read; it is
 * wrong, and counted as a failure, when no read errors are injected.
 */
static void
st_page_op(struct st_state *st, struct st_counts *c, size_t p, int op,
    uint64_t r)
{
	sigjmp_buf jb;
	uint64_t *pg = st->s_base + p * ST_WORDS;

	if (st->s_lost[p])
		return;
	if (sigsetjmp(jb, 1) != 0) {
		tl_jb = NULL;
		st->s_lost[p] = 1;
		c->c_sigbus++;
		if (st->s_o.o_inject_rppm == 0 ||
		    ((uintptr_t)tl_busaddr & ~(uintptr_t)(ST_PAGE - 1)) !=
			(uintptr_t)pg) {
			atomic_fetch_add(&st->s_failures, 1);
			fprintf(stderr,
			    "uao stress: unexpected SIGBUS at %p (page %zu "
			    "at %p)\n",
			    tl_busaddr, p, (void *)pg);
		}
		return;
	}
	tl_jb = &jb;
	switch (op) {
	case 0:
		c->c_reads++;
		st_read(st, p, r);
		break;
	case 1:
		c->c_writes++;
		st_fill(st, pg, p, st->s_gen[p] + 1);
		st->s_gen[p]++;
		break;
	case 2:
		c->c_verifies++;
		st_verify(st, p);
		break;
	}
	tl_jb = NULL;
}

static void
st_discard(struct st_state *st, struct st_counts *c, size_t p)
{
	int error;

	if (st->s_lost[p])
		return;
	error = uao_region_discard(st->s_region, p * ST_PAGE, ST_PAGE);
	if (error != 0) {
		atomic_fetch_add(&st->s_failures, 1);
		fprintf(stderr, "uao stress: uao_region_discard: %s\n",
		    uao_strerror(error));
		return;
	}
	st->s_gen[p] = 0;
	c->c_discards++;
}

/* park while the controller wants the workers still */
static bool
st_park(struct st_state *st)
{
	bool stop;

	pthread_mutex_lock(&st->s_mtx);
	while (st->s_pause && !st->s_stop) {
		st->s_parked++;
		pthread_cond_broadcast(&st->s_cv);
		while (st->s_pause && !st->s_stop)
			pthread_cond_wait(&st->s_cv, &st->s_mtx);
		st->s_parked--;
	}
	stop = st->s_stop;
	pthread_mutex_unlock(&st->s_mtx);
	return stop;
}

static void *
st_worker_main(void *arg)
{
	struct st_worker *w = arg;
	struct st_state *st = w->w_st;
	size_t nmine = (st->s_npages - (size_t)w->w_index +
			   (size_t)st->s_o.o_threads - 1) /
	    (size_t)st->s_o.o_threads;

	for (;;) {
		uint64_t r = rng_next(&w->w_rng);
		size_t p;
		unsigned op;

		if ((r & 63) == 0 && st_park(st))
			break;
		if (atomic_load_explicit(&st->s_pause, memory_order_relaxed) &&
		    st_park(st))
			break;
		p = (size_t)w->w_index +
		    (size_t)((r >> 8) % nmine) * (size_t)st->s_o.o_threads;
		op = (unsigned)((r >> 40) % 100);
		if (op < 45)
			st_page_op(st, &w->w_counts, p, 0, r >> 20);
		else if (op < 80)
			st_page_op(st, &w->w_counts, p, 1, 0);
		else if (op < 99)
			st_page_op(st, &w->w_counts, p, 2, 0);
		else
			st_discard(st, &w->w_counts, p);
	}
	return NULL;
}

static void
st_pause(struct st_state *st)
{
	pthread_mutex_lock(&st->s_mtx);
	st->s_pause = true;
	while (st->s_parked < st->s_o.o_threads)
		pthread_cond_wait(&st->s_cv, &st->s_mtx);
	pthread_mutex_unlock(&st->s_mtx);
}

static void
st_resume(struct st_state *st)
{
	pthread_mutex_lock(&st->s_mtx);
	st->s_pause = false;
	pthread_cond_broadcast(&st->s_cv);
	pthread_mutex_unlock(&st->s_mtx);
}

static void st_count_fail(struct st_state *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
st_count_fail(struct st_state *st, const char *fmt, ...)
{
	va_list ap;

	atomic_fetch_add(&st->s_failures, 1);
	fputs("uao stress: FAILED: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int
st_list(struct st_state *st, struct uao_swapinfo *si)
{
	return uao_swap_list(st->s_sim, si, ST_MAXDEV);
}

static int
st_find(const struct uao_swapinfo *si, int n, int id)
{
	for (int i = 0; i < n; i++)
		if (si[i].id == id)
			return i;
	return -1;
}

/* st_inuse_sum: the devices' in-use counts, added up */
static uint64_t
st_inuse_sum(struct st_state *st)
{
	struct uao_swapinfo si[ST_MAXDEV];
	uint64_t sum = 0;
	int n = st_list(st, si);

	for (int i = 0; i < n && i < ST_MAXDEV; i++)
		sum += si[i].inuse;
	return sum;
}

/*
 * st_check: with the workers parked, compare every counter with a
 * recount.  => true if all agree.
 *
 * The pagedaemon may still be moving pages between the snapshots, so the
 * devices' sum is compared with stats.swap_inuse only when it held still
 * across the stats read; a mismatch that never goes away is a failure.
 * final: stop the pagedaemon first, for good (it is not restarted: a
 * thread started anew after one exited reuses its pmap state mapping,
 * which ThreadSanitizer cannot see being freed, and reports as a race).
 */
static bool
st_check(struct st_state *st, bool final)
{
	struct uao_stats s;
	char why[512];
	uint64_t sum = 0, sum2;
	int error, tries = 0;
	bool ok = true, match = false;

	if (final)
		uao_pagedaemon_stop(st->s_sim);
	do {
		error = uao_sim_check(st->s_sim, why, sizeof(why));
		if (error == -EAGAIN)
			usleep(1000);
	} while (error == -EAGAIN && ++tries < 1000);
	if (error != 0) {
		st_count_fail(st, "uao_sim_check: %s: %s", uao_strerror(error),
		    error == -EUCLEAN ? why : "");
		ok = false;
	}
	for (tries = 0; tries < 1000 && !match; tries++) {
		if (tries > 0)
			usleep(1000);
		sum = st_inuse_sum(st);
		uao_sim_stats(st->s_sim, &s);
		sum2 = st_inuse_sum(st);
		match = sum == sum2 && sum == s.swap_inuse;
	}
	if (!match) {
		st_count_fail(st,
		    "devices' in-use counts add up to %llu, stats.swap_inuse "
		    "says %llu",
		    (unsigned long long)sum, (unsigned long long)s.swap_inuse);
		ok = false;
	}
	if (s.swpgonly > s.swap_inuse) {
		st_count_fail(st, "swpgonly %llu exceeds swap in use %llu",
		    (unsigned long long)s.swpgonly,
		    (unsigned long long)s.swap_inuse);
		ok = false;
	}
	if (final)
		printf("recount: uao_sim_check %s; devices' in-use sum %llu %s "
		       "stats.swap_inuse %llu; swpgonly %llu\n",
		    error == 0 ? "ok" : "FAILED", (unsigned long long)sum,
		    sum == s.swap_inuse ? "==" : "!=",
		    (unsigned long long)s.swap_inuse,
		    (unsigned long long)s.swpgonly);
	st->s_checks++;
	return ok;
}

/* st_verify_all: the controller verifies every page (workers parked) */
static void
st_verify_all(struct st_state *st)
{
	struct st_counts c = { 0 };

	for (size_t p = 0; p < st->s_npages; p++)
		st_page_op(st, &c, p, 2, 0);
}

static int
st_dev_add(struct st_state *st, struct st_dev *d)
{
	int id = uao_swap_add(st->s_sim, d->d_path[0] ? d->d_path : NULL,
	    d->d_size, d->d_prio, 0);

	if (id == -EOPNOTSUPP)
		id = uao_swap_add(st->s_sim, d->d_path[0] ? d->d_path : NULL,
		    d->d_size, d->d_prio, UAO_SWAP_BUFFERED);
	if (id < 0)
		return id;
	d->d_id = id;
	if (st->s_o.o_inject_rppm)
		uao_swap_inject(st->s_sim, id, 0, 0, st->s_o.o_inject_rppm,
		    st->s_o.o_seed + (uint64_t)id);
	if (st->s_o.o_inject_wppm)
		uao_swap_inject(st->s_sim, id, 1, 0, st->s_o.o_inject_wppm,
		    st->s_o.o_seed + 1000 + (uint64_t)id);
	return id;
}

static struct st_dev *
st_dev_of(struct st_state *st, int id)
{
	for (int i = 0; i < st->s_ndevs; i++)
		if (st->s_devs[i].d_id == id)
			return &st->s_devs[i];
	return NULL;
}

/*
 * st_fill_ballast: write and page out a region until free swap is down
 * to about `leave' pages.  => the region (NULL if none was needed).
 */
static struct uao_region *
st_ballast(struct st_state *st, uint64_t npages, const char *why)
{
	struct uao_region *b;
	uint64_t chunk = 64;
	int error;

	if (npages == 0)
		return NULL;
	error = uao_region_create(st->s_sim, npages * ST_PAGE, &b);
	if (error != 0) {
		st_count_fail(st, "%s: uao_region_create: %s", why,
		    uao_strerror(error));
		return NULL;
	}
	for (uint64_t off = 0; off < npages; off += chunk) {
		uint64_t n = npages - off < chunk ? npages - off : chunk;
		char *base = (char *)uao_region_base(b) + off * ST_PAGE;
		sigjmp_buf jb;

		/* out of memory (SIGBUS): swap is as full as it gets */
		if (sigsetjmp(jb, 1) != 0) {
			tl_jb = NULL;
			break;
		}
		tl_jb = &jb;
		for (uint64_t i = 0; i < n; i++)
			memset(base + i * ST_PAGE, 0xb5, 64);
		tl_jb = NULL;
		error = uao_region_pageout(b, off * ST_PAGE, n * ST_PAGE);
		if (error != 0 && error != -ENOSPC) {
			st_count_fail(st, "%s: uao_region_pageout: %s", why,
			    uao_strerror(error));
			break;
		}
	}
	return b;
}

/*
 * st_enomem_test: a swapoff that must fail with ENOMEM, and the device
 * must work afterwards.  Workers parked on entry and return.
 */
static void
st_enomem_test(struct st_state *st)
{
	struct uao_swapinfo si[ST_MAXDEV];
	struct uao_stats s;
	struct uao_region *ballast, *b2;
	uint64_t freeslots = 0, ram, before, more = 0;
	int n, t = -1, error, ti, tid;
	const uint64_t margin = 256;

	uao_sim_stats(st->s_sim, &s);
	ram = s.ram_pages;
	n = st_list(st, si);
	for (int i = 0; i < n; i++)
		freeslots += si[i].pages - si[i].inuse - si[i].bad;
	/*
	 * Leave about `margin' free slots in all of swap first, then choose
	 * the fullest device: the workload alone may keep little in swap
	 * (all-zero pages are freed without I/O), and the test would be
	 * skipped by chance rather than by the devices' sizes.
	 */
	ballast = st_ballast(st, freeslots > margin ? freeslots - margin : 0,
	    "enomem ballast");
	n = st_list(st, si);
	for (int i = 0; i < n; i++) {
		if (t < 0 || si[i].inuse > si[t].inuse)
			t = i;
	}
	if (t < 0 || si[t].inuse <= ram + 2 * margin) {
		/* the fullest device would fit in RAM: no test possible */
		st->s_enomem_skipped++;
		if (ballast != NULL)
			uao_region_destroy(ballast);
		return;
	}

	tid = si[t].id;
	error = uao_swap_remove(st->s_sim, tid, NULL);
	if (error != -ENOMEM) {
		st_count_fail(st,
		    "swapoff of device %d (%llu pages in use, RAM %llu pages, "
		    "about %llu slots free elsewhere) returned %s, not ENOMEM",
		    si[t].id, (unsigned long long)si[t].inuse,
		    (unsigned long long)ram, (unsigned long long)margin,
		    error == 0 ? "success" : uao_strerror(error));
		if (error == 0) {
			struct st_dev *d = st_dev_of(st, tid);

			d->d_id = 0;
			if (st_dev_add(st, d) < 0)
				st_count_fail(st, "cannot re-add device");
		}
		if (ballast != NULL)
			uao_region_destroy(ballast);
		return;
	}

	/* refused: the device must still be there, its pages readable */
	n = st_list(st, si);
	ti = st_find(si, n, tid);
	if (ti < 0) {
		st_count_fail(st, "device gone after a refused swapoff");
		if (ballast != NULL)
			uao_region_destroy(ballast);
		return;
	}
	/* from here on, count what is written to it */
	before = si[ti].writes;
	if (ballast != NULL)
		uao_region_destroy(ballast);
	st_verify_all(st);

	/*
	 * It must take new pageouts: fill every device used before it
	 * (priority not after its own), and a little more.
	 */
	n = st_list(st, si);
	ti = st_find(si, n, tid);
	for (int i = 0; i < n; i++)
		if (i != ti && si[i].prio <= si[ti].prio)
			more += si[i].pages - si[i].inuse - si[i].bad;
	b2 = st_ballast(st, more + 64, "pageout after ENOMEM");
	n = st_list(st, si);
	ti = st_find(si, n, tid);
	if (ti < 0 || si[ti].writes == before)
		st_count_fail(st,
		    "device refused by swapoff took no pageout afterwards");
	else
		st->s_enomem_ok++;
	if (b2 != NULL)
		uao_region_destroy(b2);
}

/* st_cycle: remove a device under load and add it back */
static void
st_cycle(struct st_state *st, uint64_t *rng)
{
	struct uao_swapinfo si[ST_MAXDEV];
	struct st_dev *d;
	int n, t = -1, error;

	n = st_list(st, si);
	if ((rng_next(rng) & 3) != 0) {
		for (int i = 0; i < n; i++)
			if (t < 0 || si[i].inuse > si[t].inuse)
				t = i;
	} else {
		t = (int)(rng_next(rng) % (uint64_t)n);
	}
	d = st_dev_of(st, si[t].id);
	error = uao_swap_remove(st->s_sim, si[t].id, NULL);
	if (error == -ENOMEM) {
		/* memory ran short under load: allowed, device stays */
		st->s_refused++;
		return;
	}
	if (error != 0) {
		st_count_fail(st, "swapoff of device %d: %s", si[t].id,
		    uao_strerror(error));
		return;
	}
	st->s_swapoffs++;
	d->d_id = 0;
	usleep(10000); /* run a little on the other devices */
	error = st_dev_add(st, d);
	if (error < 0)
		st_count_fail(st, "swapon of %s again: %s",
		    d->d_path[0] ? d->d_path : "(anonymous)",
		    uao_strerror(error));
}

static void
st_progress(struct st_state *st, double t0, bool done)
{
	struct uao_stats s;
	double el = now_s() - t0;
	double frac = 0;
	char bar[41];
	int fill;

	if (st->s_o.o_quiet || !isatty(STDERR_FILENO))
		return;
	if (done) {
		/* the bar stays as the last cycle drew it */
		fputc('\n', stderr);
		return;
	}
	if (st->s_o.o_cycles)
		frac = (double)st->s_cycles / (double)st->s_o.o_cycles;
	if (st->s_o.o_seconds && el / (double)st->s_o.o_seconds > frac)
		frac = el / (double)st->s_o.o_seconds;
	if (frac > 1)
		frac = 1;
	fill = (int)(frac * 40);
	for (int i = 0; i < 40; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[40] = '\0';
	uao_sim_stats(st->s_sim, &s);
	fprintf(stderr,
	    "\r[%s] %3.0f%% cycle %llu  %.0fs  swapoff pages %llu  "
	    "failures %llu ",
	    bar, frac * 100, (unsigned long long)st->s_cycles, el,
	    (unsigned long long)s.swapoff_pages,
	    (unsigned long long)atomic_load(&st->s_failures));
}

static uint64_t
st_num(const char *opt, const char *arg, uint64_t lo, uint64_t hi)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (*arg == '\0' || *arg == '-' || *end != '\0' || errno != 0 ||
	    v < lo || v > hi)
		die(EXIT_USAGE, "--%s %s: a number from %llu to %llu", opt, arg,
		    (unsigned long long)lo, (unsigned long long)hi);
	return v;
}

static void
st_inject_opt(struct st_opts *o, const char *arg)
{
	char rw[8];
	unsigned long ppm;
	int n = 0;

	if (sscanf(arg, "%7[a-z]:%lu%n", rw, &ppm, &n) != 2 || arg[n] != '\0' ||
	    ppm > 1000000 ||
	    (strcmp(rw, "read") != 0 && strcmp(rw, "write") != 0))
		die(EXIT_USAGE,
		    "--inject %s: read:PPM or write:PPM (pages per million)",
		    arg);
	if (rw[0] == 'r')
		o->o_inject_rppm = (uint32_t)ppm;
	else
		o->o_inject_wppm = (uint32_t)ppm;
}

static void
st_usage(FILE *f)
{
	fputs("usage: uao stress swapoff [--cycles N] [--seconds S] "
	      "[--threads N] [--ram SIZE]\n"
	      "           [--size SIZE] [--devices N] [--dir DIR] [--seed N]\n"
	      "           [--enomem-every K] [--inject read:PPM|write:PPM] "
	      "[--quiet]\n",
	    f);
}

static void
st_parse(int argc, char **argv, struct st_opts *o)
{
	static const struct option longopts[] = {
		{ "cycles", required_argument, NULL, 'c' },
		{ "seconds", required_argument, NULL, 't' },
		{ "threads", required_argument, NULL, 'T' },
		{ "ram", required_argument, NULL, 'r' },
		{ "size", required_argument, NULL, 's' },
		{ "devices", required_argument, NULL, 'd' },
		{ "dir", required_argument, NULL, 'D' },
		{ "seed", required_argument, NULL, 'S' },
		{ "enomem-every", required_argument, NULL, 'e' },
		{ "inject", required_argument, NULL, 'i' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool sized = false;
	int c;

	memset(o, 0, sizeof(*o));
	o->o_threads = 4;
	o->o_ram = 4 << 20;
	o->o_devices = 3;
	o->o_enomem_every = 5;
	o->o_seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16);
	if (argc < 2 || strcmp(argv[1], "swapoff") != 0)
		die(EXIT_USAGE, "stress %s: no such test (uao stress swapoff)",
		    argc < 2 ? "" : argv[1]);
	argc--;
	argv++;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->o_cycles = st_num("cycles", optarg, 1, 1u << 30);
			break;
		case 't':
			o->o_seconds = st_num("seconds", optarg, 1, 1u << 30);
			break;
		case 'T':
			o->o_threads =
			    (int)st_num("threads", optarg, 1, ST_MAXTHREADS);
			break;
		case 'r':
			if (parse_size(optarg, &o->o_ram) != 0 ||
			    o->o_ram < (256 << 10) || o->o_ram % ST_PAGE)
				die(EXIT_USAGE,
				    "--ram %s: a size of at least 256K, a "
				    "multiple of 4K",
				    optarg);
			break;
		case 's':
			if (parse_size(optarg, &o->o_size) != 0 ||
			    o->o_size == 0 || o->o_size % ST_PAGE ||
			    o->o_size > (64ULL << 30))
				die(EXIT_USAGE,
				    "--size %s: a size from 4K to 64G, a "
				    "multiple of 4K",
				    optarg);
			sized = true;
			break;
		case 'd':
			o->o_devices =
			    (int)st_num("devices", optarg, 3, ST_MAXDEV);
			break;
		case 'D':
			if (access(optarg, W_OK | X_OK) != 0)
				die(EXIT_USAGE,
				    "--dir %s: not a writable directory",
				    optarg);
			o->o_dir = optarg;
			break;
		case 'S':
			o->o_seed = st_num("seed", optarg, 0, UINT64_MAX);
			break;
		case 'e':
			o->o_enomem_every =
			    (int)st_num("enomem-every", optarg, 0, 1u << 30);
			break;
		case 'i':
			st_inject_opt(o, optarg);
			break;
		case 'q':
			o->o_quiet = true;
			break;
		case 'h':
			st_usage(stdout);
			exit(0);
		default:
			die(EXIT_USAGE,
			    "stress swapoff: %s: unknown option or missing "
			    "value (see uao stress swapoff --help)",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		die(EXIT_USAGE, "stress: unexpected argument: %s",
		    argv[optind]);
	if (!sized)
		o->o_size = 4 * o->o_ram;
	if (o->o_size < 2 * o->o_ram)
		die(EXIT_USAGE,
		    "--size: must be at least twice --ram, to live in swap");
	if (o->o_cycles == 0 && o->o_seconds == 0)
		o->o_cycles = 50;
}

/* st_setup_devices: each device as large as the region, priority i */
static int
st_setup_devices(struct st_state *st)
{
	for (int i = 0; i < st->s_o.o_devices; i++) {
		struct st_dev *d = &st->s_devs[i];
		int id;

		d->d_prio = i;
		d->d_size = st->s_o.o_size;
		if (st->s_o.o_dir != NULL)
			snprintf(d->d_path, sizeof(d->d_path),
			    "%s/uao-stress-%d-swap%d", st->s_o.o_dir,
			    (int)getpid(), i);
		id = st_dev_add(st, d);
		if (id < 0) {
			fprintf(stderr, "uao stress: cannot add swap %s: %s\n",
			    d->d_path[0] ? d->d_path : "(anonymous)",
			    uao_strerror(id));
			return id;
		}
		st->s_ndevs++;
	}
	return 0;
}

static void
st_report(struct st_state *st, const struct st_counts *tot, double el)
{
	struct uao_swapinfo si[ST_MAXDEV];
	struct uao_stats s;
	char b1[32], b2[32];
	uint64_t tot_lost;
	int n;

	uao_sim_stats(st->s_sim, &s);
	printf("uao stress swapoff: seed %llu, %d threads, RAM %s, region "
	       "%s, %d devices, %.1f s\n",
	    (unsigned long long)st->s_o.o_seed, st->s_o.o_threads,
	    fmt_bytes(b1, sizeof(b1), st->s_o.o_ram),
	    fmt_bytes(b2, sizeof(b2), st->s_o.o_size), st->s_ndevs, el);
	printf("cycles: %llu (swapoffs %llu, refused under load %llu; "
	       "ENOMEM tests %llu passed, %llu skipped)\n",
	    (unsigned long long)st->s_cycles,
	    (unsigned long long)st->s_swapoffs,
	    (unsigned long long)st->s_refused,
	    (unsigned long long)st->s_enomem_ok,
	    (unsigned long long)st->s_enomem_skipped);
	printf("pages moved by swapoff: %llu\n",
	    (unsigned long long)s.swapoff_pages);
	printf("operations: %llu reads, %llu writes, %llu verifies, %llu "
	       "discards\n",
	    (unsigned long long)tot->c_reads, (unsigned long long)tot->c_writes,
	    (unsigned long long)tot->c_verifies,
	    (unsigned long long)tot->c_discards);
	printf("paging: %llu pageins, %llu pageouts, %llu faults, %llu "
	       "pageout errors, %llu oom events\n",
	    (unsigned long long)s.pageins, (unsigned long long)s.pageouts,
	    (unsigned long long)s.faults, (unsigned long long)s.pageout_errors,
	    (unsigned long long)s.oom_events);
	tot_lost = 0;
	for (size_t p = 0; p < st->s_npages; p++)
		tot_lost += st->s_lost[p];
	if (st->s_o.o_inject_rppm || st->s_o.o_inject_wppm)
		printf("injected: read %u ppm, write %u ppm; pages lost to "
		       "read errors (SIGBUS) %llu\n",
		    st->s_o.o_inject_rppm, st->s_o.o_inject_wppm,
		    (unsigned long long)tot_lost);
	n = st_list(st, si);
	printf("  id prio    pages    inuse   bad    reads   writes\n");
	for (int i = 0; i < n && i < ST_MAXDEV; i++)
		printf("%4d %4d %8llu %8llu %5llu %8llu %8llu\n", si[i].id,
		    si[i].prio, (unsigned long long)si[i].pages,
		    (unsigned long long)si[i].inuse,
		    (unsigned long long)si[i].bad,
		    (unsigned long long)si[i].reads,
		    (unsigned long long)si[i].writes);
	st_check(st, true);
	printf("verify failures: %llu\n",
	    (unsigned long long)atomic_load(&st->s_failures));
}

int
cmd_stress(int argc, char **argv)
{
	struct st_state *st;
	struct st_worker *ws;
	struct uao_config cfg = { 0 };
	struct st_counts tot = { 0 };
	struct sigaction sa;
	uint64_t crng;
	double t0;
	int error, rv;

	st = calloc(1, sizeof(*st));
	if (st == NULL)
		die(1, "out of memory");
	st_parse(argc, argv, &st->s_o);
	pthread_mutex_init(&st->s_mtx, NULL);
	pthread_cond_init(&st->s_cv, NULL);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = st_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGBUS, &sa, NULL);

	/* SIGBUS rather than a kill: the ballast may meet a full swap */
	cfg.ram_bytes = st->s_o.o_ram;
	cfg.oom_action = UAO_OOM_SIGBUS;
	error = uao_sim_create(&cfg, &st->s_sim);
	if (error != 0) {
		fprintf(stderr, "uao stress: cannot start the simulator: %s\n",
		    uao_strerror(error));
		return error == -EPERM || error == -ENOSYS ||
			error == -EOPNOTSUPP
		    ? 77
		    : 1;
	}
	if (st_setup_devices(st) != 0)
		return 1;
	error = uao_region_create(st->s_sim, st->s_o.o_size, &st->s_region);
	if (error != 0) {
		fprintf(stderr, "uao stress: cannot create the region: %s\n",
		    uao_strerror(error));
		return 1;
	}
	st->s_base = uao_region_base(st->s_region);
	st->s_npages = st->s_o.o_size / ST_PAGE;
	st->s_gen = calloc(st->s_npages, sizeof(*st->s_gen));
	st->s_lost = calloc(st->s_npages, 1);
	ws = calloc((size_t)st->s_o.o_threads, sizeof(*ws));
	if (st->s_gen == NULL || st->s_lost == NULL || ws == NULL)
		die(1, "out of memory");
	if (!st->s_o.o_quiet)
		fprintf(stderr, "uao stress swapoff: seed %llu\n",
		    (unsigned long long)st->s_o.o_seed);

	t0 = now_s();
	for (int i = 0; i < st->s_o.o_threads; i++) {
		ws[i].w_st = st;
		ws[i].w_index = i;
		ws[i].w_rng = splitmix(st->s_o.o_seed + 17 * (uint64_t)i + 1);
		if (pthread_create(&ws[i].w_thread, NULL, st_worker_main,
			&ws[i]) != 0)
			die(1, "cannot create a thread");
	}
	crng = splitmix(st->s_o.o_seed ^ 0xc0ffee);
	/* warm up: let the region spread over RAM and swap */
	usleep(200000);
	for (;;) {
		double el = now_s() - t0;

		if (st->s_o.o_cycles && st->s_cycles >= st->s_o.o_cycles)
			break;
		if (st->s_o.o_seconds && el >= (double)st->s_o.o_seconds)
			break;
		st_cycle(st, &crng);
		st->s_cycles++;
		st_pause(st);
		if (st->s_o.o_enomem_every &&
		    st->s_cycles % (uint64_t)st->s_o.o_enomem_every == 0)
			st_enomem_test(st);
		st_check(st, false);
		st_resume(st);
		st_progress(st, t0, false);
		usleep(20000);
	}
	st_progress(st, t0, true);

	pthread_mutex_lock(&st->s_mtx);
	st->s_stop = true;
	pthread_cond_broadcast(&st->s_cv);
	pthread_mutex_unlock(&st->s_mtx);
	for (int i = 0; i < st->s_o.o_threads; i++) {
		pthread_join(ws[i].w_thread, NULL);
		tot.c_reads += ws[i].w_counts.c_reads;
		tot.c_writes += ws[i].w_counts.c_writes;
		tot.c_verifies += ws[i].w_counts.c_verifies;
		tot.c_discards += ws[i].w_counts.c_discards;
		tot.c_sigbus += ws[i].w_counts.c_sigbus;
	}
	/* the last word: every page, once more */
	st_verify_all(st);
	st_report(st, &tot, now_s() - t0);

	rv = atomic_load(&st->s_failures) == 0 ? 0 : 1;
	printf("result: %s\n", rv == 0 ? "PASS" : "FAIL");
	fflush(stdout);
	uao_region_destroy(st->s_region);
	error = uao_sim_destroy(st->s_sim);
	if (error != 0) {
		fprintf(stderr, "uao stress: uao_sim_destroy: %s\n",
		    uao_strerror(error));
		rv = 1;
	}
	for (int i = 0; i < st->s_ndevs; i++)
		if (st->s_devs[i].d_path[0])
			unlink(st->s_devs[i].d_path);
	free(st->s_gen);
	free(st->s_lost);
	free(ws);
	free(st);
	return rv;
}
