/*
 * test_swapoff.c: swap_off with pages in use (TCase swapoff), through a
 * model pager (success, ENOMEM, EBUSY) and through the real aobj pager on
 * a harness machine.
 */
#include "swapdev_test.h"

/*
 * 5. swap_off with pages in use, through a model pager
 *
 * The model holds npages pages, each either resident (a buffer) or in one
 * slot; its pagein callback reads every page in the range back and frees
 * the slot, as uao_swap_off does.
 */

struct model {
	struct swap_data *m_sd;
	int m_npages;
	int *m_slot;	    /* 0: resident */
	void *m_mem;	    /* resident copies, m_npages pages */
	uint64_t m_gen;	    /* pattern generation of every page */
	int m_calls;	    /* pagein calls */
	int m_start, m_end; /* last range asked for */
	int m_limit;	    /* page in at most this many, then -ENOMEM */
	int m_leave;	    /* leave this many in the range (for -EBUSY) */
	int m_swpages_in;   /* swap_swpages seen inside the callback */
	int m_alloc_dev;    /* device of a slot allocated inside */
};

static int
model_pagein(void *arg, int start, int end)
{
	struct model *m = arg;
	int done = 0, n = 1, s;

	m->m_calls++;
	m->m_start = start;
	m->m_end = end;
	m->m_swpages_in = swap_swpages(m->m_sd);
	/* the device is closed to allocation while it empties */
	s = uvm_swap_alloc(m->m_sd, &n, false);
	m->m_alloc_dev = swap_slot_device_id(m->m_sd, s);
	uvm_swap_free(m->m_sd, s, n);

	for (int i = 0; i < m->m_npages; i++) {
		int slot = m->m_slot[i];

		if (slot < start || slot >= end)
			continue;
		if (m->m_leave > 0) {
			m->m_leave--;
			continue;
		}
		if (done == m->m_limit)
			return -ENOMEM;
		ck_assert_int_eq(io_slots(m->m_sd, &slot, 1,
				     page_at(m->m_mem, i), false, NULL),
		    0);
		uvm_swap_free(m->m_sd, slot, 1);
		m->m_slot[i] = 0;
		done++;
	}
	return 0;
}

static void
model_init(struct model *m, int npages)
{
	memset(m, 0, sizeof(*m));
	m->m_sd = swap_create(model_pagein, m);
	ck_assert_ptr_nonnull(m->m_sd);
	m->m_npages = npages;
	m->m_slot = calloc((size_t)npages, sizeof(int));
	m->m_mem = pages_alloc(npages);
	m->m_limit = INT_MAX;
	m->m_gen = 1;
	for (int i = 0; i < npages; i++)
		fill_page(page_at(m->m_mem, i), (uint64_t)i, m->m_gen);
}

/* page out every resident page, in runs; => pages paged out */
static int
model_pageout(struct model *m)
{
	int out = 0, i = 0;

	while (i < m->m_npages) {
		int n, s, slots[64];

		if (m->m_slot[i] != 0) {
			i++;
			continue;
		}
		n = m->m_npages - i < 64 ? m->m_npages - i : 64;
		s = uvm_swap_alloc(m->m_sd, &n, true);
		if (s == 0)
			break;
		for (int k = 0; k < n; k++)
			slots[k] = s + k;
		ck_assert_int_eq(io_slots(m->m_sd, slots, n,
				     page_at(m->m_mem, i), true, NULL),
		    0);
		for (int k = 0; k < n; k++) {
			m->m_slot[i + k] = s + k;
			memset(page_at(m->m_mem, i + k), 0, PAGE_SIZE);
		}
		out += n;
		i += n;
	}
	return out;
}

/* every page, resident or read from its slot, holds its pattern */
static void
model_verify(struct model *m)
{
	void *buf = pages_alloc(1);

	for (int i = 0; i < m->m_npages; i++) {
		const void *p = page_at(m->m_mem, i);

		if (m->m_slot[i] != 0) {
			ck_assert_int_eq(io_slots(m->m_sd, &m->m_slot[i], 1,
					     buf, false, NULL),
			    0);
			p = buf;
		}
		ck_assert_msg(page_is(p, (uint64_t)i, m->m_gen),
		    "model page %d (slot %d) differs", i, m->m_slot[i]);
	}
	free(buf);
}

static int
model_on_device(struct model *m, int id)
{
	int n = 0;

	for (int i = 0; i < m->m_npages; i++)
		n += m->m_slot[i] != 0 &&
		    swap_slot_device_id(m->m_sd, m->m_slot[i]) == id;
	return n;
}

static void
model_fini(struct model *m)
{
	for (int i = 0; i < m->m_npages; i++) {
		if (m->m_slot[i] > 0)
			uvm_swap_free(m->m_sd, m->m_slot[i], 1);
		m->m_slot[i] = 0;
	}
	sd_destroy_all(m->m_sd);
	free(m->m_slot);
	free(m->m_mem);
}

START_TEST(test_swapoff_pages_in_use)
{
	struct model m;
	struct swap_devinfo si;
	int a, b;

	model_init(&m, 48);
	a = dev_on(m.m_sd, "a", 32, 0, 0);
	b = dev_on(m.m_sd, NULL, 32, 1, 0);
	ck_assert_int_eq(model_pageout(&m), 48);
	ck_assert_int_eq(model_on_device(&m, a), 32);
	ck_assert_int_eq(model_on_device(&m, b), 16);
	si = devinfo(m.m_sd, a);

	ck_assert_int_eq(swap_off(m.m_sd, a, NULL), 0);
	ck_assert_int_eq(m.m_calls, 1);
	ck_assert_int_eq(m.m_start, si.si_start);
	ck_assert_int_eq(m.m_end, si.si_start + si.si_npages);
	ck_assert_int_eq(m.m_swpages_in, 32); /* a's slots no longer count */
	ck_assert_int_eq(m.m_alloc_dev, b);
	ck_assert(!dev_listed(m.m_sd, a));
	ck_assert_int_eq(model_on_device(&m, b), 16);
	ck_assert_int_eq(swap_swpginuse(m.m_sd), 16);
	model_verify(&m);
	sd_check(m.m_sd);
	/* what came in goes out again, on b only */
	ck_assert_int_eq(model_pageout(&m), 16);
	ck_assert_int_eq(model_on_device(&m, b), 32);
	model_verify(&m);
	model_fini(&m);
}
END_TEST

START_TEST(test_swapoff_enomem_then_usable)
{
	struct model m;
	int a, b, s, n;

	model_init(&m, 24);
	a = dev_on(m.m_sd, "a", 32, 0, 0);
	ck_assert_int_eq(model_pageout(&m), 24);
	m.m_limit = 10;
	ck_assert_int_eq(swap_off(m.m_sd, a, NULL), -ENOMEM);
	/* enabled again, counted again, as before */
	ck_assert(devinfo(m.m_sd, a).si_flags & SWF_ENABLE);
	ck_assert_int_eq(swap_swpages(m.m_sd), 32);
	ck_assert_int_eq(model_on_device(&m, a), 14);
	ck_assert_int_eq(swap_swpginuse(m.m_sd), 14);
	sd_check(m.m_sd);
	model_verify(&m);
	/* usable: allocation lands on it, I/O works */
	n = 1;
	s = uvm_swap_alloc(m.m_sd, &n, false);
	ck_assert_int_eq(swap_slot_device_id(m.m_sd, s), a);
	write_verify_slots(m.m_sd, &s, 1, 9);
	uvm_swap_free(m.m_sd, s, 1);
	ck_assert_int_eq(model_pageout(&m), 10);
	model_verify(&m);

	/* with room elsewhere and no limit it goes */
	b = dev_on(m.m_sd, "b", 32, 0, 0);
	m.m_limit = INT_MAX;
	ck_assert_int_eq(swap_off(m.m_sd, a, NULL), 0);
	ck_assert_int_eq(m.m_alloc_dev, b);
	model_verify(&m);
	ck_assert_int_eq(model_pageout(&m), 24);
	ck_assert_int_eq(model_on_device(&m, b), 24);
	model_verify(&m);
	model_fini(&m);
}
END_TEST

START_TEST(test_swapoff_ebusy)
{
	struct model m;
	int a;

	model_init(&m, 8);
	a = dev_on(m.m_sd, "a", 8, 0, 0);
	ck_assert_int_eq(model_pageout(&m), 8);
	/* the pager says done but left 3 slots: -EBUSY, device kept */
	m.m_leave = 3;
	ck_assert_int_eq(swap_off(m.m_sd, a, NULL), -EBUSY);
	ck_assert(devinfo(m.m_sd, a).si_flags & SWF_ENABLE);
	ck_assert_int_eq(swap_swpages(m.m_sd), 8);
	ck_assert_int_eq(devinfo(m.m_sd, a).si_npginuse, 3);
	/* no other device: the allocation inside the callback found none */
	ck_assert_int_eq(m.m_alloc_dev, 0);
	model_verify(&m);
	sd_check(m.m_sd);
	/* held slots: -EBUSY even when nothing is in use */
	swap_hold(m.m_sd);
	ck_assert_int_eq(swap_off(m.m_sd, 0, devinfo(m.m_sd, a).si_path),
	    -EBUSY);
	ck_assert_int_eq(devinfo(m.m_sd, a).si_npginuse, 0);
	ck_assert_int_eq(devinfo(m.m_sd, a).si_npgheld, 3);
	swap_unhold(m.m_sd);
	model_verify(&m);
	ck_assert_int_eq(swap_off(m.m_sd, a, NULL), 0);
	ck_assert_int_eq(m.m_calls, 3);
	model_fini(&m);
}
END_TEST

/*
 * 6. swap_off through the real pager (uao_swap_off), on a harness machine
 */

/* the device holding page idx of uobj, or 0 */
static int
page_device(struct harness *h, struct uvm_object *uobj, int idx)
{
	int slot;

	uvm_lock(&uobj->vmobjlock);
	slot = uao_find_swslot(uobj, idx);
	uvm_unlock(&uobj->vmobjlock);
	return swap_slot_device_id(h->h_uvm->swap, slot);
}

START_TEST(test_swapoff_pager)
{
	struct harness h;
	struct uvm_object *uobj;
	int a, b, npages = 48;

	harness_init(&h, 64);
	a = harness_swapon(&h, "swapA", 128, 0);
	ck_assert_int_gt(a, 0);
	uobj = harness_aobj(&h, npages);
	for (int i = 0; i < npages; i++)
		ck_assert_int_eq(harness_write_page(uobj, i, 1), 0);
	harness_pageout_all(&h);
	harness_check(&h);
	ck_assert_int_eq(swap_swpgonly(h.h_uvm->swap), npages);
	ck_assert_int_eq(swap_swpginuse(h.h_uvm->swap), npages);
	for (int i = 0; i < npages; i++)
		ck_assert_int_eq(page_device(&h, uobj, i), a);

	b = harness_swapon(&h, NULL, 128, 1);
	ck_assert_int_gt(b, 0);
	ck_assert_int_eq(swap_off(h.h_uvm->swap, a, NULL), 0);
	ck_assert(!dev_listed(h.h_uvm->swap, a));
	ck_assert_int_eq(harness_resident(uobj), npages);
	ck_assert_int_eq(swap_swpgonly(h.h_uvm->swap), 0);
	ck_assert_int_eq(swap_swpginuse(h.h_uvm->swap), 0);
	ck_assert_uint_eq(devinfo(h.h_uvm->swap, b).si_nwrite, 0);
	harness_check(&h);
	sd_check(h.h_uvm->swap);
	for (int i = 0; i < npages; i++)
		ck_assert_int_eq(harness_verify_page(uobj, i, 1), 0);
	/* paged in dirty, without a slot: out again, onto b */
	harness_pageout_all(&h);
	for (int i = 0; i < npages; i++)
		ck_assert_int_eq(page_device(&h, uobj, i), b);
	for (int i = 0; i < npages; i++)
		ck_assert_int_eq(harness_verify_page(uobj, i, 1), 0);
	harness_check(&h);
	harness_aobj_free(uobj);
	ck_assert_int_eq(swap_swpginuse(h.h_uvm->swap), 0);
	harness_fini(&h);
}
END_TEST

START_TEST(test_swapoff_pager_enomem)
{
	struct harness h;
	struct uvm_object *uobj;
	struct swap_data *sd;
	int a, b, npages = 96;

	harness_init(&h, 64);
	sd = h.h_uvm->swap;
	a = harness_swapon(&h, "swapA", 256, 0);
	ck_assert_int_gt(a, 0);
	uobj = harness_aobj(&h, npages);
	for (int i = 0; i < npages; i++)
		ck_assert_int_eq(harness_write_page(uobj, i, 1), 0);
	harness_pageout_all(&h);
	ck_assert_int_eq(swap_swpgonly(sd), npages);

	/* 96 pages, 64 frames, nowhere else to go: ENOMEM */
	ck_assert_int_eq(swap_off(sd, a, NULL), -ENOMEM);
	ck_assert(dev_listed(sd, a));
	ck_assert(devinfo(sd, a).si_flags & SWF_ENABLE);
	ck_assert_int_eq(swap_swpages(sd), 256);
	harness_check(&h);
	sd_check(sd);
	ck_assert_int_gt(swap_swpgonly(sd), 0);
	ck_assert_int_lt(swap_swpgonly(sd), npages);
	/* still usable: every page reads back, paging through a */
	for (int i = 0; i < npages; i++)
		ck_assert_int_eq(harness_verify_page(uobj, i, 1), 0);
	for (int i = 0; i < npages; i += 3)
		ck_assert_int_eq(harness_write_page(uobj, i, 2), 0);
	harness_pageout_all(&h);
	harness_check(&h);

	/* with a second device it goes, and nothing is lost */
	b = harness_swapon(&h, "swapB", 256, 0);
	ck_assert_int_gt(b, 0);
	ck_assert_int_eq(swap_off(sd, a, NULL), 0);
	ck_assert(!dev_listed(sd, a));
	harness_check(&h);
	sd_check(sd);
	for (int i = 0; i < npages; i++) {
		int dev = page_device(&h, uobj, i);

		ck_assert(dev == 0 || dev == b);
		ck_assert_int_eq(harness_verify_page(uobj, i, i % 3 ? 1 : 2),
		    0);
	}
	harness_check(&h);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

void
swapdev_swapoff_tcases(Suite *s)
{
	TCase *tc = tcase_create("swapoff");

	tcase_add_checked_fixture(tc, tdir_setup, tdir_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_swapoff_pages_in_use);
	tcase_add_test(tc, test_swapoff_enomem_then_usable);
	tcase_add_test(tc, test_swapoff_ebusy);
	tcase_add_test(tc, test_swapoff_pager);
	tcase_add_test(tc, test_swapoff_pager_enomem);
	suite_add_tcase(s, tc);
}
