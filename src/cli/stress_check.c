/*
 * stress_check.c: the controller's side of `uao stress swapoff' (see
 * cmd_stress.c): counters checked against a recount, the swap devices
 * removed and added back, and the swapoff that must fail with ENOMEM.
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

int
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
bool
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
void
st_verify_all(struct st_state *st)
{
	struct st_counts c = { 0 };

	for (size_t p = 0; p < st->s_npages; p++)
		st_page_op(st, &c, p, 2, 0);
}

int
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
			st_tl_jb = NULL;
			break;
		}
		st_tl_jb = &jb;
		for (uint64_t i = 0; i < n; i++)
			memset(base + i * ST_PAGE, 0xb5, 64);
		st_tl_jb = NULL;
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
void
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
void
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
