/*
 * env.c: the uffd suite's test environment (see uffd_test.h): the kmem
 * guard, a simulator with optional swap, regions, the end-of-test
 * checks, and the fixtures.
 */
#include "uffd_test.h"

/*
 * the kmem guard: uao's allocations, checked against the regions
 */

#define GUARD_MAX 64

static struct {
	_Atomic uintptr_t start, end;
} guard_ranges[GUARD_MAX];
atomic_ulong guard_allocs, guard_uao_allocs, guard_violations;

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

const struct kmem_backend guard_backend = { guard_alloc, guard_realloc, free };

/* remember [base, base+len) as region memory */
void
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

void
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

struct uao_region *
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

struct uao_region *
env_region_swapped(struct env *e, size_t npages, uint64_t gen, char **basep)
{
	struct uao_region *r = env_region(e, npages, basep);

	fill_pages(*basep, 0, npages, gen);
	ck_assert_int_eq(pageout(r, 0, npages), 0);
	return r;
}

/* the counters, once the handlers have finished their accounting */
void
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
void
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

void
env_check(struct env *e)
{
	sim_assert_consistent(e->sim);
}

/* end of a test: regions already destroyed by the test */
void
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

void
fill_pages(char *base, size_t first, size_t n, uint64_t gen)
{
	for (size_t i = first; i < first + n; i++)
		pat_fill(base + i * TPAGE, i, gen);
}

void
verify_pages(char *base, size_t first, size_t n, uint64_t gen)
{
	for (size_t i = first; i < first + n; i++) {
		int w = pat_check(base + i * TPAGE, i, gen);

		ck_assert_msg(w < 0, "page %zu word %d: not generation %llu", i,
		    w, (unsigned long long)gen);
	}
}

int
pageout(struct uao_region *r, size_t first, size_t n)
{
	return uao_region_pageout(r, first * TPAGE, n * TPAGE);
}

/*
 * The fixtures: fx_env, made before each test of a TCase and checked and
 * destroyed after it (env_fini: the identities hold, the machine is
 * consistent, no region and no slot is left).  They differ in the
 * machine only.
 */
struct env fx_env;

/* no RAM limit, no swap */
void
fx_env_setup(void)
{
	env_init(&fx_env, 0, 0, 0);
}

/* no RAM limit, 1024 pages of swap */
void
fx_env_swap_setup(void)
{
	env_init(&fx_env, 0, 1024, 0);
}

/* no RAM limit, 256 pages of swap */
void
fx_env_swap256_setup(void)
{
	env_init(&fx_env, 0, 256, 0);
}

/* 64 pages of RAM, 512 pages of swap, the pagedaemon running */
void
fx_env_pressure_setup(void)
{
	env_init(&fx_env, 64 * TPAGE, 512, 0);
}

void
fx_env_teardown(void)
{
	env_fini(&fx_env);
}
