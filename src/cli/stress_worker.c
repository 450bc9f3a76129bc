/*
 * stress_worker.c: the workers of `uao stress swapoff' (see cmd_stress.c):
 * the page pattern, reading, writing, verifying and discarding pages,
 * SIGBUS on pages lost to injected read errors, and the pause protocol
 * the controller uses to check counters with the workers parked.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli_int.h"
#include "cli/stress_int.h"

_Thread_local sigjmp_buf *volatile st_tl_jb;
_Thread_local void *volatile st_tl_busaddr;

double
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
	return st_mix(st->s_o.o_seed ^ ((uint64_t)p << 24) ^
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

void
st_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (st_tl_jb == NULL) {
		/* not ours to catch: die of it */
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	st_tl_busaddr = si->si_addr;
	siglongjmp(*st_tl_jb, 1);
}

/*
 * st_page_op: one operation on page p, catching SIGBUS.  A SIGBUS is
 * right only for a page whose slot failed an (injected) read; it is
 * wrong, and counted as a failure, when no read errors are injected.
 */
void
st_page_op(struct st_state *st, struct st_counts *c, size_t p, int op,
    uint64_t r)
{
	sigjmp_buf jb;
	uint64_t *pg = st->s_base + p * ST_WORDS;

	if (st->s_lost[p])
		return;
	if (sigsetjmp(jb, 1) != 0) {
		st_tl_jb = NULL;
		st->s_lost[p] = 1;
		c->c_sigbus++;
		if (st->s_o.o_inject_rppm == 0 ||
		    ((uintptr_t)st_tl_busaddr & ~(uintptr_t)(ST_PAGE - 1)) !=
			(uintptr_t)pg) {
			atomic_fetch_add(&st->s_failures, 1);
			fprintf(stderr,
			    "uao stress: unexpected SIGBUS at %p (page %zu "
			    "at %p)\n",
			    st_tl_busaddr, p, (void *)pg);
		}
		return;
	}
	st_tl_jb = &jb;
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
	st_tl_jb = NULL;
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

void *
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

void
st_pause(struct st_state *st)
{
	pthread_mutex_lock(&st->s_mtx);
	st->s_pause = true;
	while (st->s_parked < st->s_o.o_threads)
		pthread_cond_wait(&st->s_cv, &st->s_mtx);
	pthread_mutex_unlock(&st->s_mtx);
}

void
st_resume(struct st_state *st)
{
	pthread_mutex_lock(&st->s_mtx);
	st->s_pause = false;
	pthread_cond_broadcast(&st->s_cv);
	pthread_mutex_unlock(&st->s_mtx);
}
