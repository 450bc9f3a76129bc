/*
 * test_pdaemon.c: the pagedaemon thread (TCase pdaemon): an object 4x
 * the RAM limit through swap, and pages of zeros freed without a write.
 */
#include "pager_test.h"

/*
 * the pagedaemon thread
 */

#define PD_NFRAMES 64
#define PD_NPAGES  (4 * PD_NFRAMES)

/*
 * The pdaemon fixture: fx of PD_NFRAMES frames, a swap file twice the
 * object, pd_uobj of PD_NPAGES pages (four times the RAM limit), and the
 * pagedaemon thread running.  The teardown stops it (if the test has
 * not) before the object and the machine go.
 */
static struct uvm_object *pd_uobj;

static void
fx_pdaemon_setup(void)
{
	harness_init(&fx, PD_NFRAMES);
	ck_assert_int_gt(harness_swapon(&fx, "swap0", 2 * PD_NPAGES, 0), 0);
	pd_uobj = harness_aobj(&fx, PD_NPAGES);
	ck_assert_int_eq(uvm_pdaemon_start(fx.h_uvm), 0);
}

static void
fx_pdaemon_teardown(void)
{
	uvm_pdaemon_stop(fx.h_uvm);
	harness_aobj_free(pd_uobj);
	fx_machine_teardown();
}

/* => the pagedaemon thread is running */
static bool
pd_running(struct uvm *uvm)
{
	bool running;

	uvm_lock(&uvm->pq_lock);
	running = uvm_pdaemon_running_locked(uvm);
	uvm_unlock(&uvm->pq_lock);
	return running;
}

static uint8_t
pd_byte(size_t i)
{
	uint64_t x = harness_pattern((int)(i >> 12), (int)(i & 4095) / 8, 11);

	return (uint8_t)(x >> ((i & 7) * 8));
}

START_TEST(test_pdaemon_thread)
{
	struct uvm *uvm = fx.h_uvm;
	struct uvm_object *uobj = pd_uobj;
	struct swap_devinfo devs[4];
	const int nframes = PD_NFRAMES, npages = PD_NPAGES;
	const size_t size = (size_t)npages * PAGE_SIZE, chunk = 5000;
	uint8_t buf[5000], want[5000];
	uint64_t nread = 0, nwrite = 0, kinds = 0;
	int ndevs, res, swonly;

	/* unaligned chunks: accesses straddle pages */
	for (size_t off = 0; off < size; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;

		for (size_t k = 0; k < n; k++)
			buf[k] = pd_byte(off + k);
		ck_assert_int_eq(pmap_mem_access(uobj, (voff_t)off, buf, n,
				     true),
		    0);
	}
	for (size_t off = 0; off < size; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;

		ck_assert_int_eq(pmap_mem_access(uobj, (voff_t)off, buf, n,
				     false),
		    0);
		for (size_t k = 0; k < n; k++)
			want[k] = pd_byte(off + k);
		if (memcmp(buf, want, n) != 0) {
			size_t k = 0;

			while (buf[k] == want[k])
				k++;
			ck_abort_msg("byte %zu differs", off + k);
		}
	}
	/* again, backwards by page: no read-ahead helps */
	for (int i = npages - 1; i >= 0; i--) {
		size_t off = (size_t)i * PAGE_SIZE;

		ck_assert_int_eq(pmap_mem_access(uobj, (voff_t)off, buf,
				     PAGE_SIZE, false),
		    0);
		for (size_t k = 0; k < PAGE_SIZE; k++)
			want[k] = pd_byte(off + k);
		ck_assert_msg(memcmp(buf, want, PAGE_SIZE) == 0,
		    "page %d differs", i);
	}
	uvm_pdaemon_stop(uvm);
	ck_assert(!pd_running(uvm));
	harness_check(&fx);

	/* the counters add up */
	ndevs = swap_list(uvm->swap, devs, 4);
	for (int d = 0; d < ndevs; d++) {
		nread += devs[d].si_nread;
		nwrite += devs[d].si_nwrite;
	}
	for (int k = 0; k < FK_NKINDS; k++)
		kinds += stat_of(&uvm->exp.fltkind[k]);
	ck_assert_uint_gt(stat_of(&uvm->exp.pdpasses), 0);
	ck_assert_uint_gt(stat_of(&uvm->exp.pageouts), 0);
	ck_assert_uint_gt(stat_of(&uvm->exp.pageins), 0);
	ck_assert_uint_eq(stat_of(&uvm->exp.pageouts), nwrite);
	ck_assert_uint_eq(stat_of(&uvm->exp.pageins), nread);
	ck_assert_uint_eq(stat_of(&uvm->exp.pageins),
	    stat_of(&uvm->exp.fltkind[FK_SWAPIN]) +
		stat_of(&uvm->exp.pgswapin_ra));
	ck_assert_uint_le(stat_of(&uvm->exp.pgswapin_rahit),
	    stat_of(&uvm->exp.pgswapin_ra));
	ck_assert_uint_eq(stat_of(&uvm->exp.faults),
	    kinds + stat_of(&uvm->exp.fltstale));
	ck_assert_uint_eq(stat_of(&uvm->exp.fltnomem), 0);
	ck_assert_uint_eq(stat_of(&uvm->exp.fltioerr), 0);
	ck_assert_uint_eq(stat_of(&uvm->exp.pdwrerr), 0);
	/* every page freed by the scan had been deactivated first */
	ck_assert_uint_ge(stat_of(&uvm->exp.pddeact),
	    stat_of(&uvm->exp.pgoutclean) + stat_of(&uvm->exp.pgoutzero));
	/* every page is resident or in swap; RAM never exceeded */
	count_pages(uobj, &res, &swonly, NULL);
	ck_assert_int_eq(res + swonly, npages);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), swonly);
	ck_assert_int_le(res, nframes);
	ck_assert_int_eq(res + uvm->free, nframes);
}
END_TEST

/* a stopped pagedaemon starts again, and stops again */
START_TEST(test_pdaemon_restarts)
{
	struct uvm *uvm = fx.h_uvm;

	ck_assert(pd_running(uvm));
	uvm_pdaemon_stop(uvm);
	ck_assert(!pd_running(uvm));
	ck_assert_int_eq(uvm_pdaemon_start(uvm), 0);
	ck_assert(pd_running(uvm));
	uvm_pdaemon_stop(uvm);
	ck_assert(!pd_running(uvm));
}
END_TEST

/*
 * Pages holding only zeros are freed by the pagedaemon without a write:
 * every third page of an object 4x RAM is written with zeros (dirty,
 * all zero: the kernel's swap would write it), the rest with a pattern.
 * Under pressure the zero pages go without I/O (pgoutzero, no slot),
 * the others are written, and every byte reads back; a zero page that
 * had a stale slot loses it.
 */
START_TEST(test_pdaemon_zero_pages)
{
	struct uvm *uvm = fx.h_uvm;
	struct uvm_object *uobj = pd_uobj;
	struct swap_devinfo devs[4];
	const int npages = PD_NPAGES;
	uint8_t buf[PAGE_SIZE], want[PAGE_SIZE];
	uint64_t nwrite = 0, zeros = 0;
	int ndevs, res, swonly;
	for (int i = 0; i < npages; i++) {
		for (size_t k = 0; k < PAGE_SIZE; k++)
			buf[k] = i % 3 == 0 ? 0 : pd_byte((size_t)i * 7 + k);
		ck_assert_int_eq(pmap_mem_access(uobj, (voff_t)i * PAGE_SIZE,
				     buf, PAGE_SIZE, true),
		    0);
		zeros += i % 3 == 0;
	}
	/* twice round: the second pass pages out again */
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < npages; i++) {
			ck_assert_int_eq(pmap_mem_access(uobj,
					     (voff_t)i * PAGE_SIZE, buf,
					     PAGE_SIZE, false),
			    0);
			for (size_t k = 0; k < PAGE_SIZE; k++)
				want[k] =
				    i % 3 == 0 ? 0 : pd_byte((size_t)i * 7 + k);
			ck_assert_msg(memcmp(buf, want, PAGE_SIZE) == 0,
			    "page %d differs (pass %d)", i, pass);
		}
	}
	uvm_pdaemon_stop(uvm);
	ndevs = swap_list(uvm->swap, devs, 4);
	for (int d = 0; d < ndevs; d++)
		nwrite += devs[d].si_nwrite;
	/* zero pages were freed without I/O, and never written */
	ck_assert_uint_gt(stat_of(&uvm->exp.pgoutzero), zeros / 2);
	ck_assert_uint_eq(stat_of(&uvm->exp.pageouts), nwrite);
	ck_assert_uint_le(nwrite, (uint64_t)npages - zeros);
	uvm_lock(&uobj->vmobjlock);
	for (int i = 0; i < npages; i += 3)
		ck_assert_int_le(uao_find_swslot(uobj, i), 0);
	uvm_obj_unlock(uobj);
	count_pages(uobj, &res, &swonly, NULL);
	ck_assert_int_le(res + swonly, npages);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), swonly);
	harness_check(&fx);
}
END_TEST

void
pager_pdaemon_tcases(Suite *s)
{
	TCase *tc = pager_tcase(s, "pdaemon");

	tcase_add_checked_fixture(tc, fx_pdaemon_setup, fx_pdaemon_teardown);
	tcase_add_test(tc, test_pdaemon_thread);
	tcase_add_test(tc, test_pdaemon_restarts);
	tcase_add_test(tc, test_pdaemon_zero_pages);
}
