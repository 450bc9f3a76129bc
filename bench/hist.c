/*
 * hist.c: the latency histogram of uao-bench (log-linear, 32 buckets per
 * power of two, so percentiles are good to about 3%), and small helpers.
 */
#include <string.h>
#include <time.h>

#include "bench/bench.h"

uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int
hist_index(uint64_t v)
{
	int msb, e, b;

	if (v < HIST_SUB)
		return (int)v;
	msb = 63 - __builtin_clzll(v);
	e = msb - HIST_SUB_BITS;
	b = (e + 1) * HIST_SUB + (int)((v >> e) & (HIST_SUB - 1));
	return b < HIST_BUCKETS ? b : HIST_BUCKETS - 1;
}

/* hist_low: the smallest value bucket b holds */
uint64_t
hist_low(int b)
{
	int e;

	if (b < HIST_SUB)
		return (uint64_t)b;
	e = b / HIST_SUB - 1;
	return (uint64_t)(HIST_SUB + b % HIST_SUB) << e;
}

void
hist_add(struct hist *h, uint64_t v)
{
	h->h_n++;
	h->h_sum += v;
	if (v > h->h_max)
		h->h_max = v;
	h->h_b[hist_index(v)]++;
}

void
hist_merge(struct hist *h, const struct hist *o)
{
	h->h_n += o->h_n;
	h->h_sum += o->h_sum;
	if (o->h_max > h->h_max)
		h->h_max = o->h_max;
	for (int b = 0; b < HIST_BUCKETS; b++)
		h->h_b[b] += o->h_b[b];
}

/*
 * hist_pct: the p-quantile (0 < p <= 1), as the middle of its bucket,
 * never above the largest value seen.  => 0 for an empty histogram.
 */
uint64_t
hist_pct(const struct hist *h, double p)
{
	uint64_t want, acc = 0, lo, hi, v;

	if (h->h_n == 0)
		return 0;
	want = (uint64_t)(p * (double)h->h_n + 0.5);
	if (want < 1)
		want = 1;
	for (int b = 0; b < HIST_BUCKETS; b++) {
		acc += h->h_b[b];
		if (acc >= want) {
			lo = hist_low(b);
			hi = b + 1 < HIST_BUCKETS ? hist_low(b + 1) : lo;
			v = lo + (hi - lo) / 2;
			return v > h->h_max ? h->h_max : v;
		}
	}
	return h->h_max;
}

/*
 * hist_from_uao: uao's own histograms have one bucket per power of two;
 * spread each into ours at the bucket's geometric middle (so their
 * percentiles are good to a factor of about 1.4 only).
 */
void
hist_from_uao(struct hist *h, const struct uao_latency *l)
{
	memset(h, 0, sizeof(*h));
	for (int i = 0; i < UAO_LAT_BUCKETS; i++) {
		uint64_t mid = (uint64_t)((double)(1ULL << i) * 1.4142);
		if (l->buckets[i] == 0)
			continue;
		h->h_b[hist_index(mid)] += l->buckets[i];
	}
	h->h_n = l->count;
	h->h_sum = l->sum_ns;
	h->h_max = l->max_ns;
}
