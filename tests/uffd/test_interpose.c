/*
 * test_interpose.c: the program's munmap, madvise and mremap on region
 * memory (TCase interpose), and the pagedaemon under a RAM limit
 * (pressure): pages of zeros are not written, a full staging slot stops
 * the program.
 */
#include "uffd_test.h"
#include "pager/aobj_int.h"
#include "uffd/region_int.h"
/*
 * the program's munmap, madvise and mremap on region memory
 */

/* MADV_DONTNEED: the range reads as zeros; frames and slots are freed */
START_TEST(test_madv_dontneed)
{
	const size_t n = 64;
	struct uao_stats st0, st;
	struct uao_region *r;
	char *base;

	r = env_region(&fx_env, n, &base);
	fill_pages(base, 0, n, 11);
	ck_assert_int_eq(pageout(r, 0, n / 2), 0); /* half in swap */
	stats(&fx_env, &st0);
	ck_assert_uint_eq(st0.swap_inuse, n / 2);
	/* pages 16..47: 16 in swap, 16 resident */
	ck_assert_int_eq(madvise(base + 16 * TPAGE, 32 * TPAGE, MADV_DONTNEED),
	    0);
	stats(&fx_env, &st);
	ck_assert_uint_eq(st.swap_inuse, n / 2 - 16);
	ck_assert_uint_eq(st.swpgonly, n / 2 - 16);
	ck_assert_uint_eq(st0.active_pages + st0.inactive_pages -
		st.active_pages - st.inactive_pages,
	    16);
	env_check(&fx_env);
	verify_pages(base, 0, 16, 11);
	verify_pages(base, 16, 32, 0);
	verify_pages(base, 48, 16, 11);
	stats_ok(&fx_env);
	ck_assert_int_eq(uao_region_destroy(r), 0);
}
END_TEST

/* uao_region_discard, the API's own: as MADV_DONTNEED, swapped pages too */
START_TEST(test_region_discard)
{
	const size_t n = 16;
	struct uao_stats st0, st;
	struct uao_region *r;
	char *base;

	r = env_region_swapped(&fx_env, n, 11, &base);
	stats(&fx_env, &st0);
	ck_assert_uint_eq(st0.swap_inuse, n);
	ck_assert_int_eq(uao_region_discard(r, 0, 8 * TPAGE), 0);
	stats(&fx_env, &st);
	ck_assert_uint_eq(st.swap_inuse, n - 8);
	verify_pages(base, 0, 8, 0);
	verify_pages(base, 8, 8, 11);
	stats_ok(&fx_env);
	ck_assert_int_eq(uao_region_destroy(r), 0);
}
END_TEST

/*
 * A raw madvise(MADV_DONTNEED), which uao cannot see, of a clean mapped
 * page, then a pageout of its range: the pageout finds the page gone
 * (lost: it reads as zeros, as the program asked) and keeps it instead of
 * freeing it as clean; every other page stays as written.
 */
START_TEST(test_raw_dontneed_pageout)
{
	const size_t n = 32;
	struct uao_stats st;
	struct uao_region *r;
	char *base;

	r = env_region_swapped(&fx_env, n, 13, &base);
	verify_pages(base, 0, n, 13); /* mapped again, clean, slots kept */
	ck_assert_int_eq(syscall(SYS_madvise, base + 5 * TPAGE, TPAGE,
			     MADV_DONTNEED),
	    0);
	ck_assert_int_eq(pageout(r, 0, n), 0);
	stats(&fx_env, &st);
	ck_assert_uint_ge(st.lost, 1);
	verify_pages(base, 0, 5, 13);
	verify_pages(base, 5, 1, 0);
	verify_pages(base, 6, n - 6, 13);
	stats_ok(&fx_env);
	ck_assert_int_eq(uao_region_destroy(r), 0);
}
END_TEST

/*
 * The staging area: the anonymous mapping of exactly `len' bytes that is
 * registered for missing faults ("um" in smaps' VmFlags), or NULL.
 */
static char *
find_stage_area(size_t len)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[512], *found = NULL;
	unsigned long lo = 0, hi = 0;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		unsigned long a, b;

		if (sscanf(line, "%lx-%lx ", &a, &b) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			lo = a;
			hi = b;
		} else if (strncmp(line, "VmFlags:", 8) == 0 &&
		    strstr(line, " um") != NULL && hi - lo == len) {
			found = (char *)lo;
			break;
		}
	}
	if (f != NULL)
		fclose(f);
	return found;
}

/*
 * A free staging slot that holds a page (the bookkeeping fault behind a
 * rare "staging slot was not empty" panic) stops the program: its bytes
 * may be a page whose move-out was taken for failed, so releasing them
 * could turn the program's data into zeros.  Every staging slot is
 * filled behind uao's back; the first move-out must abort, naming it.
 */
START_TEST(test_stage_slot_not_empty_panics)
{
	const size_t ram_pages = 64, n = 256;
	struct uao_region *r;
	char *base, *stage, junk[TPAGE];
	int fd;

	stage = find_stage_area(ram_pages * TPAGE);
	ck_assert_msg(stage != NULL, "no staging area in /proc/self/smaps");
	ck_assert_int_ge(fd = find_uffd(), 0);
	memset(junk, 0xAB, sizeof(junk));
	for (size_t i = 0; i < ram_pages; i++) {
		struct uffdio_copy uc = { .dst = (uintptr_t)(stage + i * TPAGE),
			.src = (uintptr_t)junk,
			.len = TPAGE };

		ck_assert_msg(ioctl(fd, UFFDIO_COPY, &uc) == 0,
		    "UFFDIO_COPY into staging slot %zu: %s", i,
		    strerror(errno));
	}
	r = env_region(&fx_env, n, &base);
	fill_pages(base, 0, n, 21); /* the pagedaemon's move-out aborts */
	(void)pageout(r, 0, n);
	ck_abort_msg("a move-out into a full staging slot went on");
}
END_TEST

/*
 * Pages that hold only zeros are not written to swap: half the pages of
 * a region 4x RAM are only read (mapped as the shared zero page), a
 * quarter written with zeros, a quarter with a pattern.  Under the
 * pagedaemon only the pattern pages are written (each at most once: read
 * back, they stay clean), the others are freed as zeros, and all read
 * back right.
 */
START_TEST(test_zero_pages_not_written)
{
	const size_t n = 256; /* 4x the fixture's 64 pages of RAM */
	struct uao_stats st;
	struct uao_region *r;
	char *base;
	size_t npattern = 0;
	volatile uint64_t sink = 0;

	r = env_region(&fx_env, n, &base);
	for (size_t i = 0; i < n; i++) {
		if (i % 4 == 0) {
			pat_fill(base + i * TPAGE, i, 5);
			npattern++;
		} else if (i % 4 == 1) {
			memset(base + i * TPAGE, 0, TPAGE);
		} else {
			sink += ((volatile uint64_t *)(base + i * TPAGE))[7];
		}
	}
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++)
			verify_pages(base, i, 1, i % 4 == 0 ? 5 : 0);
	}
	stats(&fx_env, &st);
	ck_assert_uint_gt(st.pageouts, 0);
	ck_assert_uint_le(st.pageouts, npattern);
	ck_assert_uint_gt(st.freed_zero, n / 2);
	ck_assert_uint_le(st.swap_inuse, npattern);
	stats_ok(&fx_env);
	env_check(&fx_env);
	ck_assert_int_eq(uao_region_destroy(r), 0);
}
END_TEST

/*
 * Fault-ahead stops where the region's mapping does: the middle of a
 * region is unmapped and someone else's mapping made in the hole; a
 * sequential first touch of the pages before it (which maps the next
 * pages ahead, zero-filled) must not map pages into the hole.  Before,
 * the window ran on into the hole: an ENOENT counted as a page "lost",
 * or, had the new mapping been a region too, a page of this object
 * planted in another region's range.
 */
START_TEST(test_fault_ahead_stops_at_hole)
{
	const size_t n = 64, hole = 24, holelen = 16;
	struct uao_stats st;
	struct uao_region *r;
	char *base, *other;

	r = env_region(&fx_env, n, &base);
	ck_assert_int_eq(munmap(base + hole * TPAGE, holelen * TPAGE), 0);
	other =
	    mmap(base + hole * TPAGE, holelen * TPAGE, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ck_assert_ptr_eq(other, base + hole * TPAGE);
	memset(other, 0x5A, holelen * TPAGE);
	for (size_t i = 0; i < hole; i++)
		verify_pages(base, i, 1, 0);
	for (size_t i = hole + holelen; i < n; i++)
		verify_pages(base, i, 1, 0);
	stats(&fx_env, &st);
	ck_assert_uint_eq(st.lost, 0);
	ck_assert_uint_gt(st.fault_ahead, 0);
	ck_assert_uint_le(st.by_kind[UAO_FAULT_ZERO] + st.fault_ahead,
	    n - holelen);
	for (size_t k = 0; k < holelen * TPAGE; k++)
		ck_assert_int_eq(other[k], 0x5A);
	stats_ok(&fx_env);
	env_check(&fx_env);
	syscall(SYS_munmap, other, holelen * TPAGE);
	ck_assert_int_eq(uao_region_destroy(r), 0);
}
END_TEST

/* a program thread's madvise(MADV_DONTNEED) of a whole region */
struct dontneed_arg {
	char *da_base;
	size_t da_len;
	atomic_bool da_done;
};

static void *
dontneed_thread(void *arg)
{
	struct dontneed_arg *da = arg;

	ck_assert_int_eq(madvise(da->da_base, da->da_len, MADV_DONTNEED), 0);
	atomic_store(&da->da_done, true);
	return NULL;
}

/* => the threads asleep in uao_wait_alone_locked on uobj */
static int
alone_waiters(struct uvm_object *uobj)
{
	int n;

	uvm_lock(&uobj->vmobjlock);
	n = uobj->uo_refwaiters;
	uvm_unlock(&uobj->vmobjlock);
	return n;
}

/*
 * A discard while the object has a second reference (as swapoff holds
 * one while it pages the object in) sleeps until that reference goes,
 * then frees every page: it neither goes ahead (it would only deactivate
 * the pages) nor needs more than the uao_detach to wake.
 */
START_TEST(test_madv_dontneed_waits_for_reference)
{
	const size_t n = 16;
	struct dontneed_arg da;
	struct uao_stats st0, st;
	struct uvm_object *uobj;
	struct uao_region *r;
	pthread_t t;
	char *base;

	r = env_region(&fx_env, n, &base);
	fill_pages(base, 0, n, 17);
	uobj = r->r_obj;
	uao_reference(uobj);
	stats(&fx_env, &st0);

	da.da_base = base;
	da.da_len = n * TPAGE;
	atomic_init(&da.da_done, false);
	ck_assert_int_eq(pthread_create(&t, NULL, dontneed_thread, &da), 0);
	/* no threshold: until the discard sleeps on the reference */
	while (alone_waiters(uobj) == 0) {
		ck_assert_msg(!atomic_load(&da.da_done),
		    "the discard went ahead of the second reference");
		sched_yield();
	}
	ck_assert(!atomic_load(&da.da_done));
	verify_pages(base, 0, n, 17); /* nothing discarded meanwhile */
	stats(&fx_env, &st);
	ck_assert_uint_eq(st.active_pages + st.inactive_pages,
	    st0.active_pages + st0.inactive_pages);

	uao_detach(uobj); /* the wakeup */
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert(atomic_load(&da.da_done));
	ck_assert_int_eq(alone_waiters(uobj), 0);
	stats(&fx_env, &st);
	ck_assert_uint_eq(st0.active_pages + st0.inactive_pages -
		st.active_pages - st.inactive_pages,
	    n);
	verify_pages(base, 0, n, 0);
	stats_ok(&fx_env);
	env_check(&fx_env);
	ck_assert_int_eq(uao_region_destroy(r), 0);
}
END_TEST

/* munmap of part of a region frees that part; of all, the region */
START_TEST(test_munmap)
{
	const size_t n = 64;
	struct uao_stats st;
	struct uao_region *r;
	char *base;

	r = env_region_swapped(&fx_env, n, 13, &base);
	verify_pages(base, 0, 4, 13); /* a few resident again */
	ck_assert_int_eq(munmap(base + 16 * TPAGE, 16 * TPAGE), 0);
	stats(&fx_env, &st);
	ck_assert_uint_eq(st.swap_inuse, n - 16);
	ck_assert_uint_eq(st.regions, 1);
	ck_assert_ptr_null(uao_region_of(fx_env.sim, base + 20 * TPAGE));
	ck_assert_ptr_eq(uao_region_of(fx_env.sim, base + 40 * TPAGE), r);
	env_check(&fx_env);
	verify_pages(base, 0, 16, 13);
	verify_pages(base, 32, 32, 13);
	stats_ok(&fx_env);
	/*
	 * the rest, piece by piece: the hole may hold someone else's
	 * mapping by now (the kernel reuses the addresses)
	 */
	ck_assert_int_eq(munmap(base, 16 * TPAGE), 0);
	stats(&fx_env, &st);
	ck_assert_uint_eq(st.regions, 1);
	verify_pages(base, 32, 32, 13);
	ck_assert_int_eq(munmap(base + 32 * TPAGE, 32 * TPAGE), 0);
	stats(&fx_env, &st);
	ck_assert_uint_eq(st.regions, 0);
	ck_assert_uint_eq(st.swap_inuse, 0);
	ck_assert_uint_eq(st.active_pages + st.inactive_pages, 0);
	ck_assert_ptr_null(uao_region_of(fx_env.sim, base));
}
END_TEST

/* mremap moves a region's contents into a new region, which pages */
START_TEST(test_mremap_moves)
{
	const size_t n = 32;
	struct uao_stats st;
	struct uao_region *r, *r2;
	char *base, *nbase;

	r = env_region(&fx_env, n, &base);
	fill_pages(base, 0, n, 15);
	ck_assert_int_eq(pageout(r, 0, n / 2), 0);

	nbase = mremap(base, n * TPAGE, 2 * n * TPAGE, MREMAP_MAYMOVE);
	ck_assert_ptr_ne(nbase, MAP_FAILED);
	ck_assert_ptr_ne(nbase, base);
	guard_add(nbase, 2 * n * TPAGE);
	r2 = uao_region_of(fx_env.sim, nbase);
	ck_assert_ptr_nonnull(r2);
	ck_assert_uint_eq(uao_region_size(r2), 2 * n * TPAGE);
	ck_assert_ptr_null(uao_region_of(fx_env.sim, base));
	stats(&fx_env, &st);
	ck_assert_uint_eq(st.regions, 1);
	ck_assert_uint_eq(st.swap_inuse, 0); /* the old slots are gone */
	verify_pages(nbase, 0, n, 15);
	verify_pages(nbase, n, n, 0);

	/* the new region pages like any other */
	fill_pages(nbase, n, n, 16);
	ck_assert_int_eq(pageout(r2, 0, 2 * n), 0);
	verify_pages(nbase, 0, n, 15);
	verify_pages(nbase, n, n, 16);
	stats_ok(&fx_env);
	env_check(&fx_env);
	ck_assert_int_eq(munmap(nbase, 2 * n * TPAGE), 0);
}
END_TEST

/*
 * shrink_in_place: a region of 2n pages at generation 15, half of them
 * in swap, shrunk by mremap to its first n pages, which stay in place and
 * as written; the tail is no region any more.  => the region's base
 */
static char *
shrink_in_place(size_t n)
{
	struct uao_region *r;
	char *base, *p;

	r = env_region(&fx_env, 2 * n, &base);
	fill_pages(base, 0, 2 * n, 15);
	ck_assert_int_eq(pageout(r, 0, n), 0);
	p = mremap(base, 2 * n * TPAGE, n * TPAGE, 0);
	ck_assert_ptr_eq(p, base);
	ck_assert_ptr_eq(uao_region_of(fx_env.sim, base), r);
	ck_assert_ptr_null(uao_region_of(fx_env.sim, base + n * TPAGE));
	verify_pages(base, 0, n, 15);
	return base;
}

/* shrinking stays in place and forgets the tail */
START_TEST(test_mremap_shrinks_in_place)
{
	const size_t n = 32;
	char *base = shrink_in_place(n);

	stats_ok(&fx_env);
	env_check(&fx_env);
	ck_assert_int_eq(munmap(base, n * TPAGE), 0);
}
END_TEST

/* growing in place is refused, even into the tail just given back */
START_TEST(test_mremap_grow_in_place_refused)
{
	const size_t n = 32;
	char *base = shrink_in_place(n), *p;

	p = mremap(base, n * TPAGE, 2 * n * TPAGE, 0);
	ck_assert_ptr_eq(p, MAP_FAILED);
	ck_assert_int_eq(errno, ENOMEM);
	verify_pages(base, 0, n, 15);
	stats_ok(&fx_env);
	env_check(&fx_env);
	ck_assert_int_eq(munmap(base, n * TPAGE), 0);
}
END_TEST

void
uffd_interpose_tcases(Suite *s)
{
	TCase *tc;

	tc = tcase_create("interpose");
	tcase_add_checked_fixture(tc, fx_env_swap256_setup, fx_env_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_madv_dontneed);
	tcase_add_test(tc, test_madv_dontneed_waits_for_reference);
	tcase_add_test(tc, test_region_discard);
	tcase_add_test(tc, test_raw_dontneed_pageout);
	tcase_add_test(tc, test_fault_ahead_stops_at_hole);
	tcase_add_test(tc, test_munmap);
	tcase_add_test(tc, test_mremap_moves);
	tcase_add_test(tc, test_mremap_shrinks_in_place);
	tcase_add_test(tc, test_mremap_grow_in_place_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("pressure");
	tcase_add_checked_fixture(tc, fx_env_pressure_setup, fx_env_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test_raise_signal(tc, test_stage_slot_not_empty_panics,
	    SIGABRT);
	tcase_add_test(tc, test_zero_pages_not_written);
	suite_add_tcase(s, tc);
}
