/*
 * workload.c: the child side of uao-bench.  One child per way of running
 * (uao, kernel swap in a memory cgroup, no limit) holds its region across
 * the phases, runs a phase when the parent says so, and leaves what it
 * measured in the shared page set up by the parent (so that the bench's
 * own bookkeeping is charged to the parent, not to the RAM limit).
 *
 * Every word of the region has a known value: h1(i) until a random write
 * stores h2(i) there, which sets bit i of the shared bitmap.  Every
 * timed read checks its value, and every phase ends with a verification
 * pass over the whole region (untimed).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/rng.h"
#include "bench/bench.h"

struct child {
	int c_mode;
	const struct opts *c_o;
	struct shared *c_sh;
	struct result *c_res;
	uint64_t *c_p; /* the region */
	uint64_t c_nwords;
	struct uao_sim *c_sim;
	struct uao_region *c_reg;
	const char *c_uswap;
	/* snapshot at the start of a phase */
	struct rusage c_ru;
	uint64_t c_t0, c_swin, c_swout;
	struct uao_stats c_st;
};

static inline uint64_t
h1(uint64_t seed, uint64_t i)
{
	uint64_t s = seed ^ (i * 0xd1b54a32d192ed03ULL);

	return rng_next(&s);
}

static inline uint64_t
h2(uint64_t seed, uint64_t i)
{
	uint64_t s = ~seed ^ (i * 0x8cb92ba72f3d8dd7ULL);

	return rng_next(&s) | 1; /* never h1's value by chance: test both */
}

static inline uint64_t
expect(const struct child *c, uint64_t i)
{
	if (c->c_sh->s_bits[i >> 6] & (1ULL << (i & 63)))
		return h2(c->c_o->o_seed, i);
	return h1(c->c_o->o_seed, i);
}

/*
 * Which faults mark an access as "faulted": the kernel's swap-ins are
 * major faults; a fault served by userfaultfd is counted as a minor one
 * by the kernel, so under uao every fault counts (and in the zero-fill
 * phase, minor faults count on every side).
 */
static int count_minor;

static inline long
thr_majflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_majflt + (count_minor ? ru.ru_minflt : 0);
}

static uint64_t
tv_ns(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000000ULL +
	    (uint64_t)tv->tv_usec * 1000;
}

static void
phase_begin(struct child *c)
{
	if (c->c_mode == M_UAO)
		uao_sim_stats(c->c_sim, &c->c_st);
	vmstat_swap(&c->c_swin, &c->c_swout);
	getrusage(RUSAGE_SELF, &c->c_ru);
	c->c_t0 = now_ns();
}

static void
phase_end(struct child *c)
{
	struct result *r = c->c_res;
	struct rusage ru;
	struct uao_stats st;
	struct uao_latency d;
	uint64_t in, out;

	r->r_wall_ns = now_ns() - c->c_t0;
	getrusage(RUSAGE_SELF, &ru);
	vmstat_swap(&in, &out);
	r->r_utime_ns = tv_ns(&ru.ru_utime) - tv_ns(&c->c_ru.ru_utime);
	r->r_stime_ns = tv_ns(&ru.ru_stime) - tv_ns(&c->c_ru.ru_stime);
	r->r_majflt = (uint64_t)(ru.ru_majflt - c->c_ru.ru_majflt);
	r->r_minflt = (uint64_t)(ru.ru_minflt - c->c_ru.ru_minflt);
	if (c->c_mode == M_KERNEL) {
		r->r_pageins = in - c->c_swin;
		r->r_pageouts = out - c->c_swout;
	}
	if (c->c_mode != M_UAO)
		return;
	uao_sim_stats(c->c_sim, &st);
	r->r_pageins = st.pageins - c->c_st.pageins;
	r->r_pageouts = st.pageouts - c->c_st.pageouts;
	r->r_uao_readahead = st.pageins_readahead - c->c_st.pageins_readahead;
	r->r_uao_ra_hits = st.readahead_hits - c->c_st.readahead_hits;
	for (int k = 0; k < UAO_FAULT_KINDS; k++) {
		const struct uao_latency *a = &c->c_st.latency[k],
					 *b = &st.latency[k];
		r->r_uao_kind[k] = st.by_kind[k] - c->c_st.by_kind[k];
		d.count = b->count - a->count;
		d.sum_ns = b->sum_ns - a->sum_ns;
		d.max_ns = b->max_ns; /* a running max: the best we have */
		for (int i = 0; i < UAO_LAT_BUCKETS; i++)
			d.buckets[i] = b->buckets[i] - a->buckets[i];
		hist_from_uao(&r->r_uao_lat[k], &d);
	}
}

/* verify: every word of the region is what it should be (untimed) */
static void
verify(struct child *c)
{
	struct result *r = c->c_res;
	uint64_t t0 = now_ns(), bad = 0;

	for (uint64_t i = 0; i < c->c_nwords; i++)
		if (c->c_p[i] != expect(c, i))
			bad++;
	r->r_verify_errors += bad;
	r->r_verified_words += c->c_nwords;
	r->r_verify_ns = now_ns() - t0;
	if (bad && r->r_msg[0] == '\0')
		snprintf(r->r_msg, sizeof(r->r_msg),
		    "verification: %llu wrong words", (unsigned long long)bad);
}

static int
setup(struct child *c)
{
	const struct opts *o = c->c_o;
	struct uao_config cfg;
	size_t len = o->o_wss;
	int err;

	c->c_nwords = len / 8;
	if (c->c_mode != M_UAO) {
		void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			return -errno;
		/* 4 KiB pages on every side: no THP */
		madvise(p, len, MADV_NOHUGEPAGE);
		c->c_p = p;
		return 0;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.ram_bytes = o->o_ram;
	cfg.oom_action = UAO_OOM_SIGBUS;
	cfg.handlers = o->o_handlers;
	if ((err = uao_sim_create(&cfg, &c->c_sim)) < 0) {
		snprintf(c->c_res->r_msg, sizeof(c->c_res->r_msg),
		    "uao_sim_create: %s", uao_strerror(err));
		return err;
	}
	err = uao_swap_add(c->c_sim, c->c_uswap, 0, 0,
	    o->o_buffered ? UAO_SWAP_BUFFERED : 0);
	if (err < 0) {
		snprintf(c->c_res->r_msg, sizeof(c->c_res->r_msg),
		    "uao_swap_add(%s): %s", c->c_uswap, uao_strerror(err));
		return err;
	}
	if ((err = uao_region_create(c->c_sim, len, &c->c_reg)) < 0) {
		snprintf(c->c_res->r_msg, sizeof(c->c_res->r_msg),
		    "uao_region_create: %s", uao_strerror(err));
		return err;
	}
	c->c_p = uao_region_base(c->c_reg);
	return 0;
}

/* fill: write every word of the region, page by page; an access = page */
static void
fill(struct child *c)
{
	struct result *r = c->c_res;
	uint64_t seed = c->c_o->o_seed, npages = c->c_nwords / WORDS_PER_PAGE;
	long mf = thr_majflt(), m;

	phase_begin(c);
	for (uint64_t pg = 0; pg < npages; pg++) {
		uint64_t *w = c->c_p + pg * WORDS_PER_PAGE, t0, t1;
		t0 = now_ns();
		for (uint64_t j = 0; j < WORDS_PER_PAGE; j++)
			w[j] = h1(seed, pg * WORDS_PER_PAGE + j);
		t1 = now_ns();
		hist_add(&r->r_all, t1 - t0);
		if ((m = thr_majflt()) != mf) {
			hist_add(&r->r_flt, t1 - t0);
			r->r_fault_accesses++;
			mf = m;
		}
	}
	r->r_accesses = npages;
	r->r_bytes = npages * PAGE;
	phase_end(c);
}

/*
 * random: o_reads uniformly random single-word accesses, a write for
 * half of them if rw (the top bit of the draw decides).
 */
static void
random_access(struct child *c, int rw)
{
	struct result *r = c->c_res;
	uint64_t rng = c->c_o->o_seed * 31 + (uint64_t)rw + 7;
	uint64_t seed = c->c_o->o_seed, n = c->c_o->o_reads;
	volatile uint64_t *p = c->c_p;
	long mf = thr_majflt(), m;
	/* the swap-in breakdown: uao's random reads only */
	int probed = c->c_mode == M_UAO && !rw;
	uint64_t lost0 = 0;
	int err;

	phase_begin(c);
	if (probed) {
		lost0 = c->c_st.probe_lost;
		if ((err = breakdown_begin(&r->r_bd, c->c_sim)) < 0)
			fprintf(stderr, "uao-bench: uao_probe_enable: %s\n",
			    uao_strerror(err));
	}
	for (uint64_t k = 0; k < n; k++) {
		uint64_t x = rng_next(&rng), i = x % c->c_nwords, t0, t1, v;
		if (rw && (x >> 63)) {
			t0 = now_ns();
			p[i] = h2(seed, i);
			t1 = now_ns();
			c->c_sh->s_bits[i >> 6] |= 1ULL << (i & 63);
		} else {
			t0 = now_ns();
			v = p[i];
			t1 = now_ns();
			if (v != expect(c, i))
				r->r_errors++;
		}
		hist_add(&r->r_all, t1 - t0);
		if ((m = thr_majflt()) != mf) {
			hist_add(&r->r_flt, t1 - t0);
			r->r_fault_accesses++;
			mf = m;
			if (probed)
				breakdown_access(&r->r_bd, c->c_sim,
				    (const void *)&p[i], t0, t1);
		}
	}
	if (probed)
		breakdown_end(&r->r_bd, c->c_sim, lost0);
	r->r_accesses = n;
	phase_end(c);
}

/* seqread: read every word in order; an access = page */
static void
seqread(struct child *c)
{
	struct result *r = c->c_res;
	uint64_t npages = c->c_nwords / WORDS_PER_PAGE, sum = 0;
	volatile uint64_t sink;
	long mf = thr_majflt(), m;

	phase_begin(c);
	for (uint64_t pg = 0; pg < npages; pg++) {
		const uint64_t *w = c->c_p + pg * WORDS_PER_PAGE;
		uint64_t t0, t1;
		t0 = now_ns();
		for (uint64_t j = 0; j < WORDS_PER_PAGE; j++)
			sum += w[j];
		t1 = now_ns();
		hist_add(&r->r_all, t1 - t0);
		if ((m = thr_majflt()) != mf) {
			hist_add(&r->r_flt, t1 - t0);
			r->r_fault_accesses++;
			mf = m;
		}
	}
	sink = sum;
	(void)sink;
	r->r_accesses = npages;
	r->r_bytes = npages * PAGE;
	phase_end(c);
}

struct thr {
	struct child *t_c;
	int t_id, t_n;
	uint64_t t_count;
	pthread_barrier_t *t_bar;
	struct breakdown *t_bd; /* the swap-in breakdown, or NULL */
};

static void *
thr_main(void *arg)
{
	struct thr *t = arg;
	struct child *c = t->t_c;
	struct hist *all = &c->c_sh->s_thr_all[t->t_id];
	struct hist *flt = &c->c_sh->s_thr_flt[t->t_id];
	uint64_t rng =
	    c->c_o->o_seed * 1000003 + (uint64_t)(t->t_n * 100 + t->t_id);
	volatile uint64_t *p = c->c_p;
	long mf, m;

	memset(all, 0, sizeof(*all));
	memset(flt, 0, sizeof(*flt));
	mf = thr_majflt();
	pthread_barrier_wait(t->t_bar);
	for (uint64_t k = 0; k < t->t_count; k++) {
		uint64_t i = rng_next(&rng) % c->c_nwords, t0, t1, v;
		t0 = now_ns();
		v = p[i];
		t1 = now_ns();
		if (v != expect(c, i))
			__atomic_fetch_add(&c->c_res->r_errors, 1,
			    __ATOMIC_RELAXED);
		hist_add(all, t1 - t0);
		if ((m = thr_majflt()) != mf) {
			hist_add(flt, t1 - t0);
			mf = m;
			if (t->t_bd != NULL)
				breakdown_access(t->t_bd, c->c_sim,
				    (const void *)&p[i], t0, t1);
		}
	}
	return NULL;
}

/* threads: n threads doing random reads at once, o_reads between them */
static void
threads(struct child *c, int n)
{
	struct result *r = c->c_res;
	struct thr t[MAXTHREADS];
	pthread_t tid[MAXTHREADS];
	pthread_barrier_t bar;
	uint64_t total = c->c_o->o_reads;

	/* one thread: the swap-in breakdown, as in randread */
	struct breakdown *bd = c->c_mode == M_UAO && n == 1 ? &r->r_bd : NULL;
	uint64_t lost0 = 0;
	int err;

	pthread_barrier_init(&bar, NULL, (unsigned)n + 1);
	for (int i = 0; i < n; i++) {
		t[i] = (struct thr) { c, i, n, total / (uint64_t)n, &bar, bd };
		if (i == 0)
			t[i].t_count += total % (uint64_t)n;
		if (pthread_create(&tid[i], NULL, thr_main, &t[i]) != 0)
			abort();
	}
	phase_begin(c);
	if (bd != NULL) {
		lost0 = c->c_st.probe_lost;
		if ((err = breakdown_begin(bd, c->c_sim)) < 0)
			fprintf(stderr, "uao-bench: uao_probe_enable: %s\n",
			    uao_strerror(err));
	}
	pthread_barrier_wait(&bar);
	for (int i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	if (bd != NULL)
		breakdown_end(bd, c->c_sim, lost0);
	phase_end(c);
	pthread_barrier_destroy(&bar);
	for (int i = 0; i < n; i++) {
		hist_merge(&r->r_all, &c->c_sh->s_thr_all[i]);
		hist_merge(&r->r_flt, &c->c_sh->s_thr_flt[i]);
	}
	r->r_fault_accesses = r->r_flt.h_n;
	r->r_accesses = total;
}

/*
 * zero: first touch of fresh memory only.  The main region is freed
 * first, and the fresh one is at most R/2, so nothing is paged out.
 */
static void
zero(struct child *c)
{
	struct result *r = c->c_res;
	uint64_t z = c->c_o->o_wss < c->c_o->o_ram / 2 ? c->c_o->o_wss
						       : c->c_o->o_ram / 2;
	uint64_t npages = z / PAGE, seed = c->c_o->o_seed, bad = 0, t0;
	struct uao_region *reg = NULL;
	uint64_t *p;
	long mf = thr_majflt(), m;
	int err;

	if (c->c_mode == M_UAO) {
		uao_region_destroy(c->c_reg);
		c->c_reg = NULL;
		if ((err = uao_region_create(c->c_sim, z, &reg)) < 0) {
			snprintf(r->r_msg, sizeof(r->r_msg),
			    "uao_region_create: %s", uao_strerror(err));
			r->r_failed = 1;
			return;
		}
		p = uao_region_base(reg);
	} else {
		munmap(c->c_p, c->c_o->o_wss);
		p = mmap(NULL, z, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED) {
			r->r_failed = 1;
			return;
		}
		madvise(p, z, MADV_NOHUGEPAGE);
	}
	c->c_p = NULL;
	count_minor = 1;
	mf = thr_majflt();
	phase_begin(c);
	for (uint64_t pg = 0; pg < npages; pg++) {
		uint64_t t1;
		t0 = now_ns();
		p[pg * WORDS_PER_PAGE] = h1(seed, pg);
		t1 = now_ns();
		hist_add(&r->r_all, t1 - t0);
		if ((m = thr_majflt()) != mf) {
			hist_add(&r->r_flt, t1 - t0);
			r->r_fault_accesses++;
			mf = m;
		}
	}
	r->r_accesses = npages;
	r->r_bytes = npages * PAGE;
	phase_end(c);

	t0 = now_ns();
	for (uint64_t i = 0; i < npages * WORDS_PER_PAGE; i++) {
		uint64_t want =
		    i % WORDS_PER_PAGE ? 0 : h1(seed, i / WORDS_PER_PAGE);
		if (p[i] != want)
			bad++;
	}
	r->r_verify_errors += bad;
	r->r_verified_words += npages * WORDS_PER_PAGE;
	r->r_verify_ns = now_ns() - t0;
	if (reg != NULL)
		uao_region_destroy(reg);
	else
		munmap(p, z);
}

size_t
shared_size(const struct opts *o)
{
	uint64_t words = o->o_wss / 8;

	return sizeof(struct shared) + (words + 63) / 64 * 8;
}

/*
 * child_main: run phases as the parent writes their numbers to cmdfd,
 * answering each on ackfd.  Exits after P_TEARDOWN or a failure.
 */
void
child_main(int mode, const struct opts *o, struct shared *sh, int cmdfd,
    int ackfd, const char *uswap)
{
	struct child c = { .c_mode = mode,
		.c_o = o,
		.c_sh = sh,
		.c_res = &sh->s_res,
		.c_uswap = uswap };
	unsigned char ph, ack = 1;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	count_minor = mode == M_UAO;
	/* map the shared page set now, so its minor faults do not land in
	 * a timed access */
	for (size_t off = 0; off < shared_size(o); off += PAGE)
		(void)((volatile char *)sh)[off];
	for (;;) {
		if (read(cmdfd, &ph, 1) != 1)
			_exit(1);
		switch (ph) {
		case P_SETUP:
			if (setup(&c) < 0)
				sh->s_res.r_failed = 1;
			break;
		case P_FILL:
			fill(&c);
			verify(&c);
			break;
		case P_RANDREAD:
			random_access(&c, 0);
			verify(&c);
			break;
		case P_RANDRW:
			random_access(&c, 1);
			verify(&c);
			break;
		case P_SEQREAD:
			seqread(&c);
			verify(&c);
			break;
		case P_THR1:
		case P_THR2:
		case P_THR4:
			threads(&c, ph == P_THR1 ? 1 : ph == P_THR2 ? 2 : 4);
			verify(&c);
			break;
		case P_ZERO:
			zero(&c);
			break;
		case P_TEARDOWN:
			if (c.c_sim != NULL) {
				if (c.c_reg != NULL)
					uao_region_destroy(c.c_reg);
				uao_sim_destroy(c.c_sim);
			}
			break;
		}
		sh->s_res.r_ran = 1;
		if (write(ackfd, &ack, 1) != 1 || sh->s_res.r_failed ||
		    ph == P_TEARDOWN)
			_exit(sh->s_res.r_failed ? 1 : 0);
	}
}
