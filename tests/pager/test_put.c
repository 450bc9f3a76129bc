/*
 * test_put.c: uao_put (TCase put): every flag combination over both
 * traversals, a no-op, several references, wired and busy pages; and
 * uao_dropswap.  The fixture is put_setup: an object in four page states.
 */
#include "pager_test.h"

/*
 * uao_put
 *
 * The object's pages cycle through four states, page i in state i % 4:
 *   PS_ZERO    never written: absent, no slot
 *   PS_SWONLY  written (gen 1), paged out: absent, slot
 *   PS_CLEAN   written (gen 1), paged out, read back: resident, clean,
 *              mapped read-only, slot
 *   PS_DIRTY   written (gen 1), paged out, written again (gen 2):
 *              resident, dirty, mapped writable, no slot
 */
enum {
	PS_ZERO,
	PS_SWONLY,
	PS_CLEAN,
	PS_DIRTY
};
#define PUT_NPAGES 256

static uint64_t
put_gen(int i)
{
	return (uint64_t[]) { 0, 1, 1, 2 }[i % 4];
}

static struct uvm_object *
put_setup(struct harness *h)
{
	struct uvm_object *uobj;
	int res, swonly;

	harness_init(h, PUT_NPAGES);
	ck_assert_int_gt(harness_swapon(h, "swap0", 2 * PUT_NPAGES, 0), 0);
	uobj = harness_aobj(h, PUT_NPAGES);
	/*
	 * Descending: a first touch right after its lower neighbour would
	 * zero-fill ahead (fault-ahead) over the never-written pages.
	 */
	for (int i = PUT_NPAGES - 1; i >= 0; i--) {
		if (i % 4 != PS_ZERO)
			ck_assert_int_eq(harness_write_page(uobj, i, 1), 0);
	}
	harness_pageout_all(h);
	count_pages(uobj, &res, &swonly, NULL);
	ck_assert_int_eq(res, 0);
	ck_assert_int_eq(swonly, PUT_NPAGES / 4 * 3);
	/* dirty first: a read-ahead from a clean page must not map them */
	for (int i = PS_DIRTY; i < PUT_NPAGES; i += 4)
		ck_assert_int_eq(harness_write_page(uobj, i, 2), 0);
	for (int i = PS_CLEAN; i < PUT_NPAGES; i += 4)
		ck_assert_int_eq(harness_verify_page(uobj, i, 1), 0);
	/* exactly the four states */
	uvm_lock(&uobj->vmobjlock);
	for (int i = 0; i < PUT_NPAGES; i++) {
		struct vm_page *pg =
		    uvm_pagelookup(uobj, (voff_t)i << PAGE_SHIFT);
		int slot = uao_find_swslot(uobj, i);
		bool w;

		switch (i % 4) {
		case PS_ZERO:
			ck_assert(pg == NULL && slot == 0);
			break;
		case PS_SWONLY:
			ck_assert(pg == NULL && slot > 0);
			break;
		case PS_CLEAN:
			ck_assert(pg != NULL && slot > 0);
			ck_assert(pg->flags & PG_CLEAN);
			ck_assert(pmap_mem_is_mapped(uobj, i, &w) && !w);
			break;
		case PS_DIRTY:
			ck_assert(pg != NULL && slot == 0);
			ck_assert(!(pg->flags & PG_CLEAN));
			ck_assert(pmap_mem_is_mapped(uobj, i, &w) && w);
			break;
		}
	}
	uvm_unlock(&uobj->vmobjlock);
	ck_assert_int_eq(swap_swpgonly(h->h_uvm->swap), PUT_NPAGES / 4);
	harness_check(h);
	return uobj;
}

/*
 * The put fixture: a machine of PUT_NPAGES frames with swap, and
 * put_uobj in the four states; the teardown frees it and checks.
 */
static struct uvm_object *put_uobj;

static void
fx_put_setup(void)
{
	put_uobj = put_setup(&fx);
}

static void
fx_put_teardown(void)
{
	harness_aobj_free(put_uobj);
	harness_fini(&fx);
}

static const int put_flags[] = { PGO_DEACTIVATE, PGO_FREE, PGO_CLEANIT,
	PGO_CLEANIT | PGO_DEACTIVATE, PGO_CLEANIT | PGO_FREE };
#define NPUTFLAGS ((int)(sizeof(put_flags) / sizeof(put_flags[0])))
/* ranges: PGO_ALLPAGES; all pages by range (by list); 8 in the middle
 * (by offset: far fewer than the resident pages), unaligned */
#define NPUTRANGES 3

/* check page i after uao_put(flags) touched it (inrange) or not */
static void
put_expect(struct uvm_object *uobj, int i, int flags, bool inrange)
{
	struct vm_page *pg = uvm_pagelookup(uobj, (voff_t)i << PAGE_SHIFT);
	int slot = uao_find_swslot(uobj, i);
	int st = i % 4;
	bool mapped = pmap_mem_is_mapped(uobj, i, NULL);

	if (!inrange || flags == 0) {
		ck_assert_msg((pg != NULL) == (st >= PS_CLEAN),
		    "page %d untouched", i);
		ck_assert((slot > 0) == (st == PS_SWONLY || st == PS_CLEAN));
		if (pg != NULL)
			ck_assert(pg->pqflags & PQ_ACTIVE);
		return;
	}
	switch (flags) {
	case PGO_DEACTIVATE:
		/* resident pages inactive and unmapped, nothing else */
		ck_assert((pg != NULL) == (st >= PS_CLEAN));
		ck_assert((slot > 0) == (st == PS_SWONLY || st == PS_CLEAN));
		if (pg != NULL) {
			ck_assert_uint_eq(pg->pqflags & PQ_INACTIVE,
			    PQ_INACTIVE);
			ck_assert(!mapped);
			ck_assert(
			    ((pg->flags & PG_CLEAN) != 0) == (st == PS_CLEAN));
		}
		break;
	case PGO_FREE:
		/* discarded: no page, no slot */
		ck_assert_msg(pg == NULL && slot == 0, "page %d: %p slot %d", i,
		    (void *)pg, slot);
		break;
	case PGO_CLEANIT:
	case PGO_CLEANIT | PGO_DEACTIVATE:
		/* dirty pages written: everything resident is clean */
		ck_assert((pg != NULL) == (st >= PS_CLEAN));
		ck_assert((slot > 0) == (st != PS_ZERO));
		if (pg != NULL) {
			ck_assert(pg->flags & PG_CLEAN);
			ck_assert_uint_eq(pg->pqflags & PQ_INACTIVE,
			    flags & PGO_DEACTIVATE ? PQ_INACTIVE : 0);
		}
		if (st == PS_DIRTY)
			ck_assert(!mapped);
		break;
	case PGO_CLEANIT | PGO_FREE:
		/* paged out: swap copies only */
		ck_assert_msg(pg == NULL, "page %d (state %d) resident", i, st);
		ck_assert((slot > 0) == (st != PS_ZERO));
		break;
	}
}

START_TEST(test_put_flags)
{
	struct uvm *uvm;
	struct uvm_object *uobj;
	int flags = put_flags[_i % NPUTFLAGS];
	int range = _i / NPUTFLAGS;
	int lo = 0, hi = PUT_NPAGES, res, swonly, slots;
	voff_t start, stop;
	uint64_t pageouts0;

	uobj = put_uobj;
	uvm = fx.h_uvm;
	switch (range) {
	case 0:
		start = stop = 0;
		flags |= PGO_ALLPAGES;
		break;
	case 1:
		start = 0;
		stop = (voff_t)PUT_NPAGES << PAGE_SHIFT;
		break;
	default:
		/* unaligned ends: [lo, hi) after trunc_page/round_page */
		lo = PUT_NPAGES / 2 - 4;
		hi = PUT_NPAGES / 2 + 4;
		start = ((voff_t)lo << PAGE_SHIFT) + 100;
		stop = ((voff_t)hi << PAGE_SHIFT) - 100;
		break;
	}
	pageouts0 = stat_of(&uvm->exp.pageouts);
	uvm_lock(&uobj->vmobjlock);
	ck_assert_int_eq(uao_put(uobj, start, stop, flags), 0);
	ck_assert(!uvm_lock_held(&uobj->vmobjlock));
	flags &= ~PGO_ALLPAGES;

	uvm_lock(&uobj->vmobjlock);
	for (int i = 0; i < PUT_NPAGES; i++)
		put_expect(uobj, i, flags, i >= lo && i < hi);
	uvm_unlock(&uobj->vmobjlock);
	/* only dirty pages were written, once each */
	ck_assert_uint_eq(stat_of(&uvm->exp.pageouts) - pageouts0,
	    flags & PGO_CLEANIT ? (uint64_t)(hi - lo) / 4 : 0);
	count_pages(uobj, &res, &swonly, &slots);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), swonly);
	ck_assert_int_eq(swap_swpginuse(uvm->swap), slots);
	harness_check(&fx);

	/* every byte: discarded pages read as zeros */
	for (int i = 0; i < PUT_NPAGES; i++) {
		uint64_t gen = put_gen(i);

		if ((flags & (PGO_FREE | PGO_CLEANIT)) == PGO_FREE && i >= lo &&
		    i < hi)
			gen = 0;
		ck_assert_msg(harness_verify_page(uobj, i, gen) == 0, "page %d",
		    i);
	}
	harness_check(&fx);
}
END_TEST

START_TEST(test_put_noop)
{
	struct uvm_object *uobj;

	/* no action flag, or an empty range: nothing happens, unlocked */
	uobj = put_uobj;
	uvm_lock(&uobj->vmobjlock);
	ck_assert_int_eq(uao_put(uobj, 0, 0, PGO_ALLPAGES), 0);
	ck_assert(!uvm_lock_held(&uobj->vmobjlock));
	uvm_lock(&uobj->vmobjlock);
	ck_assert_int_eq(uao_put(uobj, 8 * PAGE_SIZE, 8 * PAGE_SIZE, PGO_FREE),
	    0);
	uvm_lock(&uobj->vmobjlock);
	for (int i = 0; i < PUT_NPAGES; i++)
		put_expect(uobj, i, 0, false);
	uvm_unlock(&uobj->vmobjlock);
	harness_check(&fx);
}
END_TEST

START_TEST(test_put_multiref)
{
	struct uvm *uvm;
	struct uvm_object *uobj;
	int swonly0;

	/* with another reference, PGO_FREE only deactivates */
	uobj = put_uobj;
	uvm = fx.h_uvm;
	uao_reference(uobj);
	swonly0 = swap_swpgonly(uvm->swap);
	uvm_lock(&uobj->vmobjlock);
	ck_assert_int_eq(uao_put(uobj, 0, 0, PGO_ALLPAGES | PGO_FREE), 0);
	uvm_lock(&uobj->vmobjlock);
	for (int i = 0; i < PUT_NPAGES; i++)
		put_expect(uobj, i, PGO_DEACTIVATE, true);
	uvm_unlock(&uobj->vmobjlock);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), swonly0);
	harness_check(&fx);
	for (int i = 0; i < PUT_NPAGES; i++)
		ck_assert_int_eq(harness_verify_page(uobj, i, put_gen(i)), 0);

	/* a pageout keeps every byte: allowed with any references */
	uvm_lock(&uobj->vmobjlock);
	ck_assert_int_eq(uao_put(uobj, 0, 0,
			     PGO_ALLPAGES | PGO_CLEANIT | PGO_FREE),
	    0);
	ck_assert_int_eq(harness_resident(uobj), 0);
	harness_check(&fx);
	uao_detach(uobj);
	for (int i = 0; i < PUT_NPAGES; i++)
		ck_assert_int_eq(harness_verify_page(uobj, i, put_gen(i)), 0);
	harness_check(&fx);
}
END_TEST

START_TEST(test_put_wired)
{
	struct uvm_object *uobj;
	struct vm_page *pc, *pd;
	int slot;

	/* wired pages are skipped by every operation */
	uobj = put_uobj;
	uvm_lock(&uobj->vmobjlock);
	pc = uvm_pagelookup(uobj, (voff_t)(4 + PS_CLEAN) << PAGE_SHIFT);
	pd = uvm_pagelookup(uobj, (voff_t)(4 + PS_DIRTY) << PAGE_SHIFT);
	slot = uao_find_swslot(uobj, 4 + PS_CLEAN);
	uvm_pagewire(pc);
	uvm_pagewire(pd);
	for (int k = 1; k < NPUTFLAGS; k++) {
		ck_assert_int_eq(uao_put(uobj, 0, 0,
				     PGO_ALLPAGES | put_flags[k]),
		    0);
		uvm_lock(&uobj->vmobjlock);
	}
	ck_assert_ptr_eq(uvm_pagelookup(uobj, pc->offset), pc);
	ck_assert_ptr_eq(uvm_pagelookup(uobj, pd->offset), pd);
	/* the discard took the range's swap copies: the page is dirty */
	ck_assert_int_gt(slot, 0);
	ck_assert_int_eq(uao_find_swslot(uobj, 4 + PS_CLEAN), 0);
	ck_assert_int_eq(uao_find_swslot(uobj, 4 + PS_DIRTY), 0);
	ck_assert_int_eq(pc->flags & PG_CLEAN, 0);
	ck_assert_int_eq(pd->flags & PG_CLEAN, 0);
	ck_assert_uint_eq((pc->pqflags | pd->pqflags) &
		(PQ_ACTIVE | PQ_INACTIVE),
	    0);
	ck_assert_int_eq(uobj->uo_npages, 2);
	uvm_unlock(&uobj->vmobjlock);
	harness_check(&fx);
	ck_assert_int_eq(harness_verify_page(uobj, 4 + PS_CLEAN, 1), 0);
	ck_assert_int_eq(harness_verify_page(uobj, 4 + PS_DIRTY, 2), 0);
	uvm_lock(&uobj->vmobjlock);
	uvm_pageunwire(pc);
	uvm_pageunwire(pd);
	ck_assert_uint_eq(pc->pqflags & pd->pqflags & (PQ_ACTIVE | PQ_INACTIVE),
	    PQ_ACTIVE);
	uvm_unlock(&uobj->vmobjlock);
	harness_check(&fx);
}
END_TEST

struct putter {
	struct uvm_object *p_uobj;
	voff_t p_start, p_stop;
	int p_flags, p_rv;
};

static void *
putter_main(void *arg)
{
	struct putter *p = arg;

	uvm_lock(&p->p_uobj->vmobjlock);
	p->p_rv = uao_put(p->p_uobj, p->p_start, p->p_stop, p->p_flags);
	return NULL;
}

/*
 * busy pages are waited for: loop index selects the flags (FREE,
 * CLEANIT) and the traversal (by list: whole object; by offset: 8 pages)
 */
START_TEST(test_put_waits_busy)
{
	struct uvm_object *uobj;
	struct vm_page *pg;
	struct putter p = { 0 };
	pthread_t t;
	bool clean = (_i & 1) != 0, small = (_i & 2) != 0;
	int idx = PUT_NPAGES / 2 + PS_DIRTY, lo, hi;

	uobj = put_uobj;
	p.p_uobj = uobj;
	p.p_flags = clean ? PGO_CLEANIT : PGO_FREE;
	lo = small ? idx - 4 : 0;
	hi = small ? idx + 4 : PUT_NPAGES;
	p.p_start = (voff_t)lo << PAGE_SHIFT;
	p.p_stop = (voff_t)hi << PAGE_SHIFT;
	pg = harness_busy(uobj, idx);
	start_sleeper(&t, putter_main, &p, uobj, pg);
	uvm_lock(&uobj->vmobjlock);
	/* it sleeps on our page: the page is untouched so far */
	ck_assert_ptr_eq(uvm_pagelookup(uobj, pg->offset), pg);
	ck_assert_int_eq(pg->flags & PG_CLEAN, 0);
	uvm_page_unbusy(pg);
	uvm_obj_unlock(uobj);
	pthread_join(t, NULL);
	ck_assert_int_eq(p.p_rv, 0);

	uvm_lock(&uobj->vmobjlock);
	for (int i = 0; i < PUT_NPAGES; i++)
		put_expect(uobj, i, p.p_flags, i >= lo && i < hi);
	uvm_unlock(&uobj->vmobjlock);
	harness_check(&fx);
}
END_TEST

START_TEST(test_dropswap)
{
	struct uvm *uvm;
	struct uvm_object *uobj;
	struct vm_page *pg;
	int inuse, idx = 4 + PS_CLEAN;

	uobj = put_uobj;
	uvm = fx.h_uvm;
	inuse = swap_swpginuse(uvm->swap);
	uvm_lock(&uobj->vmobjlock);
	/* a resident clean page: its copy goes, and it must be dirty now */
	pg = uvm_pagelookup(uobj, (voff_t)idx << PAGE_SHIFT);
	pmap_page_protect(pg, VM_PROT_NONE);
	pg->flags &= ~PG_CLEAN;
	uao_dropswap(uobj, idx);
	ck_assert_int_eq(uao_find_swslot(uobj, idx), 0);
	ck_assert_int_eq(swap_swpginuse(uvm->swap), inuse - 1);
	/* no slot: nothing to do */
	uao_dropswap(uobj, 4 + PS_ZERO);
	uao_dropswap(uobj, 4 + PS_DIRTY);
	ck_assert_int_eq(swap_swpginuse(uvm->swap), inuse - 1);
	uvm_unlock(&uobj->vmobjlock);
	harness_check(&fx);
	/* the bytes are the page's, still */
	ck_assert_int_eq(harness_verify_page(uobj, idx, 1), 0);
	harness_pageout_all(&fx);
	ck_assert_int_eq(harness_verify_page(uobj, idx, 1), 0);
	harness_check(&fx);
}
END_TEST

void
pager_put_tcases(Suite *s)
{
	TCase *tc = pager_tcase(s, "put");

	tcase_add_checked_fixture(tc, fx_put_setup, fx_put_teardown);
	tcase_add_loop_test(tc, test_put_flags, 0, NPUTFLAGS * NPUTRANGES);
	tcase_add_test(tc, test_put_noop);
	tcase_add_test(tc, test_put_multiref);
	tcase_add_test(tc, test_put_wired);
	tcase_add_loop_test(tc, test_put_waits_busy, 0, 4);
	tcase_add_test(tc, test_dropswap);
}
