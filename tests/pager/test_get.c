/*
 * test_get.c: uao_get (TCase get): PGO_LOCKED and the I/O path over the
 * four page states of get_setup, read errors, read-ahead errors, ENOMEM,
 * and PGO_ALLPAGES.  The machine comes from a fixture (TCase get: 32
 * frames and swap; get-full: 16 frames all taken; get-nomem: 16 frames
 * and swap), the object size from the loop index (both slot stores).
 */
#include "pager_test.h"

/*
 * uao_get
 */

/*
 * The get-full fixture: fx of 16 frames and no swap, every frame holding
 * a dirty page of full_uobj (40 pages, written at even indices): nothing
 * can be freed.
 */
static struct uvm_object *full_uobj;

static void
fx_full_setup(void)
{
	fx_machine16_setup();
	full_uobj = harness_aobj(&fx, 40);
	fill_frames(&fx, full_uobj, 1);
}

static void
fx_full_teardown(void)
{
	harness_aobj_free(full_uobj);
	fx_machine_teardown();
}

/*
 * Four pages at the end of an object of npages of h (the get fixture's
 * machine), in four states:
 * base+0 resident dirty, base+1 never written, base+2 swap-only,
 * base+3 resident dirty (a test may busy it).
 */
static int
get_setup(struct harness *h, struct uvm_object **uobjp, int npages)
{
	struct uvm_object *uobj;
	int base = npages - 4;

	uobj = harness_aobj(h, npages);
	ck_assert_int_eq(harness_write_page(uobj, base + 2, 2), 0);
	uvm_lock(&uobj->vmobjlock);
	ck_assert_int_eq(uao_put(uobj, (voff_t)(base + 2) << PAGE_SHIFT,
			     (voff_t)(base + 3) << PAGE_SHIFT,
			     PGO_CLEANIT | PGO_FREE),
	    0);
	ck_assert_int_eq(harness_write_page(uobj, base + 0, 1), 0);
	ck_assert_int_eq(harness_write_page(uobj, base + 3, 4), 0);
	ck_assert_ptr_nonnull(harness_page(uobj, base + 0));
	ck_assert_ptr_null(harness_page(uobj, base + 1));
	ck_assert_ptr_null(harness_page(uobj, base + 2));
	ck_assert_ptr_nonnull(harness_page(uobj, base + 3));
	ck_assert_int_eq(harness_slot(uobj, base + 1), 0);
	ck_assert_int_gt(harness_slot(uobj, base + 2), 0);
	ck_assert_int_eq(swap_swpgonly(h->h_uvm->swap), 1);
	*uobjp = uobj;
	return base;
}

/* => object locked: give back what a PGO_LOCKED get returned */
static void
release_pps(struct vm_page **pps, int n)
{
	for (int i = 0; i < n; i++) {
		if (pps[i] != NULL && pps[i] != PGO_DONTCARE)
			activate_unbusy(pps[i]);
		pps[i] = NULL;
	}
}

START_TEST(test_get_locked)
{
	struct uvm *uvm;
	struct uvm_object *uobj;
	struct vm_page *pps[4] = { NULL }, *busy;
	int base, n, slot2;
	voff_t off;

	base = get_setup(&fx, &uobj, obj_sizes[_i] < 8 ? 8 : obj_sizes[_i]);
	uvm = fx.h_uvm;
	off = (voff_t)base << PAGE_SHIFT;
	slot2 = harness_slot(uobj, base + 2);
	busy = harness_busy(uobj, base + 3);

	uvm_lock(&uobj->vmobjlock);
	/* centre resident: resident and zero-fill only, no I/O, no sleep */
	n = 4;
	ck_assert_int_eq(uao_get(uobj, off, pps, &n, 0, VM_PROT_READ, 0,
			     PGO_LOCKED),
	    0);
	ck_assert(uvm_lock_held(&uobj->vmobjlock));
	ck_assert_int_eq(n, 2);
	ck_assert_ptr_eq(pps[0], uvm_pagelookup(uobj, off));
	ck_assert_uint_eq(pps[0]->flags & PG_BUSY, PG_BUSY);
	ck_assert_ptr_nonnull(pps[1]);
	ck_assert_uint_eq(pps[1]->flags & (PG_BUSY | PG_CLEAN | PG_FAKE),
	    PG_BUSY);
	ck_assert_int_eq(pps[1]->mdpage.md_where, MD_ZERO);
	ck_assert_ptr_null(pps[2]); /* needs I/O */
	ck_assert_ptr_null(pps[3]); /* busy */
	release_pps(pps, 4);

	/* centre needs I/O: EBUSY, neighbours still returned */
	n = 4;
	ck_assert_int_eq(uao_get(uobj, off, pps, &n, 2, VM_PROT_READ, 0,
			     PGO_LOCKED),
	    -EBUSY);
	ck_assert_int_eq(n, 2);
	ck_assert_ptr_nonnull(pps[0]);
	ck_assert_ptr_nonnull(pps[1]);
	release_pps(pps, 4);

	/* centre busy: EBUSY */
	n = 4;
	ck_assert_int_eq(uao_get(uobj, off, pps, &n, 3, VM_PROT_READ, 0,
			     PGO_LOCKED),
	    -EBUSY);
	release_pps(pps, 4);

	/* PGO_ALLPAGES: any page needing I/O fails the call */
	n = 4;
	ck_assert_int_eq(uao_get(uobj, off, pps, &n, 0, VM_PROT_READ, 0,
			     PGO_LOCKED | PGO_ALLPAGES),
	    -EBUSY);
	release_pps(pps, 4);

	/* ... unless the caller does not care for those pages */
	n = 4;
	pps[2] = pps[3] = PGO_DONTCARE;
	ck_assert_int_eq(uao_get(uobj, off, pps, &n, 0, VM_PROT_READ, 0,
			     PGO_LOCKED | PGO_ALLPAGES),
	    0);
	ck_assert_int_eq(n, 2);
	release_pps(pps, 4);

	/* nothing was read; the swap-only page is as it was */
	ck_assert_uint_eq(stat_of(&uvm->exp.pageins), 0);
	ck_assert_ptr_null(uvm_pagelookup(uobj, off + 2 * PAGE_SIZE));
	ck_assert_int_eq(uao_find_swslot(uobj, base + 2), slot2);
	uvm_page_unbusy(busy);
	uvm_obj_unlock(uobj);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), 1);
	harness_check(&fx);

	ck_assert_int_eq(harness_verify_page(uobj, base + 0, 1), 0);
	ck_assert_int_eq(harness_verify_page(uobj, base + 1, 0), 0);
	ck_assert_int_eq(harness_verify_page(uobj, base + 2, 2), 0);
	ck_assert_int_eq(harness_verify_page(uobj, base + 3, 4), 0);
	harness_check(&fx);
	harness_aobj_free(uobj);
}
END_TEST

START_TEST(test_get_locked_no_frame)
{
	struct uvm_object *uobj = full_uobj;
	struct vm_page *pps[1] = { NULL };
	int n = 1;

	/* a zero-fill that finds no frame needs a wait: EBUSY */
	uvm_lock(&uobj->vmobjlock);
	ck_assert_int_eq(uao_get(uobj, 33 * PAGE_SIZE, pps, &n, 0, VM_PROT_READ,
			     0, PGO_LOCKED),
	    -EBUSY);
	ck_assert_int_eq(n, 0);
	ck_assert_ptr_null(uvm_pagelookup(uobj, 33 * PAGE_SIZE));
	uvm_unlock(&uobj->vmobjlock);
	harness_check(&fx);
}
END_TEST

START_TEST(test_get_io)
{
	struct uvm *uvm;
	struct uvm_object *uobj;
	struct vm_page *pps[4] = { NULL };
	int base, n, slot2;
	voff_t off;
	bool writable;

	base = get_setup(&fx, &uobj, obj_sizes[_i] < 8 ? 8 : obj_sizes[_i]);
	uvm = fx.h_uvm;
	off = (voff_t)base << PAGE_SHIFT;
	slot2 = harness_slot(uobj, base + 2);

	/* the centre page from swap: busy, clean, keeps its slot */
	uvm_lock(&uobj->vmobjlock);
	n = 4;
	ck_assert_int_eq(uao_get(uobj, off, pps, &n, 2, VM_PROT_READ, 0, 0), 0);
	ck_assert(!uvm_lock_held(&uobj->vmobjlock)); /* unlocked on return */
	ck_assert_ptr_null(pps[0]);
	ck_assert_ptr_null(pps[1]);
	ck_assert_ptr_null(pps[3]);
	ck_assert_ptr_nonnull(pps[2]);
	ck_assert_uint_eq(pps[2]->flags & (PG_BUSY | PG_CLEAN | PG_FAKE),
	    PG_BUSY | PG_CLEAN);
	ck_assert_int_eq(pps[2]->mdpage.md_where, MD_BOUNCE);
	ck_assert_uint_eq(stat_of(&uvm->exp.pageins), 1);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), 0);
	uvm_lock(&uobj->vmobjlock);
	ck_assert_int_eq(uao_find_swslot(uobj, base + 2), slot2);
	release_pps(pps, 4);
	uvm_obj_unlock(uobj);
	harness_check(&fx);
	/* a clean page is mapped read-only: its copy stays valid */
	ck_assert_int_eq(harness_verify_page(uobj, base + 2, 2), 0);
	ck_assert(pmap_mem_is_mapped(uobj, base + 2, &writable));
	ck_assert(!writable);

	/* PGO_ALLPAGES: every page, read, zero-filled or resident */
	harness_pageout_all(&fx);
	ck_assert_int_eq(harness_resident(uobj), 0);
	uvm_lock(&uobj->vmobjlock);
	n = 4;
	ck_assert_int_eq(uao_get(uobj, off, pps, &n, 0, VM_PROT_READ, 0,
			     PGO_ALLPAGES),
	    0);
	uvm_lock(&uobj->vmobjlock);
	for (int i = 0; i < 4; i++) {
		ck_assert_ptr_nonnull(pps[i]);
		ck_assert_uint_eq(pps[i]->flags & (PG_BUSY | PG_FAKE), PG_BUSY);
	}
	/* base+1 was zero-filled, never written: it went as a zero page */
	ck_assert_int_eq(pps[1]->mdpage.md_where, MD_ZERO);
	ck_assert_uint_eq(stat_of(&uvm->exp.pageins), 4);
	release_pps(pps, 4);
	uvm_obj_unlock(uobj);
	harness_check(&fx);
	ck_assert_int_eq(harness_verify_page(uobj, base + 0, 1), 0);
	ck_assert_int_eq(harness_verify_page(uobj, base + 1, 0), 0);
	ck_assert_int_eq(harness_verify_page(uobj, base + 2, 2), 0);
	ck_assert_int_eq(harness_verify_page(uobj, base + 3, 4), 0);
	harness_check(&fx);
	harness_aobj_free(uobj);
}
END_TEST

START_TEST(test_get_read_error)
{
	struct uvm *uvm;
	struct uvm_object *uobj;
	struct vm_page *pps[4] = { NULL };
	struct swap_devinfo si;
	int base, n, id, slot2;
	voff_t off;

	base = get_setup(&fx, &uobj, obj_sizes[_i] < 8 ? 8 : obj_sizes[_i]);
	uvm = fx.h_uvm;
	off = (voff_t)base << PAGE_SHIFT;
	slot2 = harness_slot(uobj, base + 2);
	id = swap_slot_device_id(uvm->swap, slot2);
	ck_assert_int_gt(id, 0);

	/* the next page read from the device fails */
	ck_assert_int_eq(swap_set_faults(uvm->swap, id, 0, 1, 0, 0), 0);
	uvm_lock(&uobj->vmobjlock);
	n = 4;
	ck_assert_int_eq(uao_get(uobj, off, pps, &n, 2, VM_PROT_READ, 0, 0),
	    -EIO);
	ck_assert(!uvm_lock_held(&uobj->vmobjlock));
	for (int i = 0; i < 4; i++)
		ck_assert_ptr_null(pps[i]);
	ck_assert_int_eq(harness_slot(uobj, base + 2), SWSLOT_BAD);
	ck_assert_ptr_null(harness_page(uobj, base + 2));
	/* the slot is bad for ever; the page is no longer swap-only */
	ck_assert_int_eq(harness_devinfo(&fx, id, &si), 0);
	ck_assert_int_eq(si.si_npgbad, 1);
	ck_assert_uint_eq(si.si_nreaderr, 1);
	ck_assert_int_eq(si.si_npginuse, 0);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), 0);
	harness_check(&fx);

	/* again: EIO at once, without I/O */
	uvm_lock(&uobj->vmobjlock);
	n = 4;
	ck_assert_int_eq(uao_get(uobj, off, pps, &n, 2, VM_PROT_READ, 0, 0),
	    -EIO);
	ck_assert_int_eq(harness_devinfo(&fx, id, &si), 0);
	ck_assert_uint_eq(si.si_nread, 0);
	ck_assert_uint_eq(si.si_nreaderr, 1);

	/* through the machine: SIGBUS, never zeros */
	ck_assert_int_eq(harness_verify_page(uobj, base + 2, 2), -EFAULT);
	ck_assert_uint_eq(stat_of(&uvm->exp.fltioerr), 1);
	ck_assert_int_eq(harness_write_page(uobj, base + 2, 9), -EFAULT);
	/* the neighbours are fine */
	ck_assert_int_eq(harness_verify_page(uobj, base + 0, 1), 0);
	ck_assert_int_eq(harness_verify_page(uobj, base + 3, 4), 0);
	harness_check(&fx);

	/* discarding the range makes the page zeros again */
	uvm_lock(&uobj->vmobjlock);
	ck_assert_int_eq(uao_put(uobj, off + 2 * PAGE_SIZE, off + 3 * PAGE_SIZE,
			     PGO_FREE),
	    0);
	ck_assert_int_eq(harness_slot(uobj, base + 2), 0);
	pmap_mem_discard(uobj, base + 2); /* as munmap+mmap would */
	ck_assert_int_eq(harness_verify_page(uobj, base + 2, 0), 0);
	ck_assert_int_eq(harness_devinfo(&fx, id, &si), 0);
	ck_assert_int_eq(si.si_npgbad, 1);
	harness_check(&fx);
	harness_aobj_free(uobj);
}
END_TEST

START_TEST(test_get_readahead_error)
{
	struct uvm *uvm;
	struct uvm_object *uobj;
	struct vm_page *pps[4] = { NULL };
	int n, id, s0;

	/* a neighbour's read error does not fail the centre page */
	uvm = fx.h_uvm;
	id = fx_swapid;
	uobj = harness_aobj(&fx, 8);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(harness_write_page(uobj, i, 3), 0);
	harness_pageout_all(&fx);
	s0 = harness_slot(uobj, 0);
	for (int i = 1; i < 4; i++)
		ck_assert_int_eq(harness_slot(uobj, i), s0 + i);

	ck_assert_int_eq(swap_set_faults(uvm->swap, id, 0, 2, 0, 0), 0);
	uvm_lock(&uobj->vmobjlock);
	n = 4;
	ck_assert_int_eq(uao_get(uobj, 0, pps, &n, 0, VM_PROT_READ, 0,
			     PGO_READAHEAD),
	    0);
	ck_assert_ptr_nonnull(pps[0]);
	ck_assert_ptr_null(pps[1]); /* failed */
	ck_assert_ptr_nonnull(pps[2]);
	ck_assert_ptr_nonnull(pps[3]);
	ck_assert_uint_eq(pps[2]->flags & PG_RDAHEAD, PG_RDAHEAD);
	ck_assert_uint_eq(stat_of(&uvm->exp.pgswapin_ra), 2);
	uvm_lock(&uobj->vmobjlock);
	release_pps(pps, 4);
	uvm_obj_unlock(uobj);
	ck_assert_int_eq(harness_slot(uobj, 1), SWSLOT_BAD);
	harness_check(&fx);
	ck_assert_int_eq(harness_verify_page(uobj, 0, 3), 0);
	ck_assert_int_eq(harness_verify_page(uobj, 1, 3), -EFAULT);
	ck_assert_int_eq(harness_verify_page(uobj, 2, 3), 0);
	ck_assert_int_eq(harness_verify_page(uobj, 3, 3), 0);
	harness_check(&fx);
	harness_aobj_free(uobj);
}
END_TEST

START_TEST(test_get_enomem)
{
	struct uvm_object *uobj = full_uobj;
	struct vm_page *pps[2] = { NULL };
	int n = 2;

	/* no frame and none can be freed: ENOMEM, nothing kept busy */
	uvm_lock(&uobj->vmobjlock);
	ck_assert_int_eq(uao_get(uobj, 32 * PAGE_SIZE, pps, &n, 1, VM_PROT_READ,
			     0, PGO_ALLPAGES),
	    -ENOMEM);
	ck_assert(!uvm_lock_held(&uobj->vmobjlock));
	ck_assert_ptr_null(pps[0]);
	ck_assert_ptr_null(pps[1]);
	ck_assert_ptr_null(harness_page(uobj, 33));
	harness_check(&fx);
}
END_TEST

/*
 * The pages of an object whose window [base, base+4) a PGO_ALLPAGES get
 * failed on: none may be left PG_BUSY (invariant 5: a busy page has an
 * owner, and the failed call owns nothing once it returns).
 */
static void
assert_none_busy(struct uvm_object *uobj, int base, int n)
{
	for (int i = base; i < base + n; i++) {
		struct vm_page *pg = harness_page(uobj, i);

		if (pg != NULL)
			ck_assert_msg((pg->flags & PG_BUSY) == 0,
			    "page %d left busy by a failed uao_get", i);
	}
}

START_TEST(test_get_allpages_bad_slot)
{
	struct uvm *uvm;
	struct uvm_object *uobj;
	struct vm_page *pps[4] = { NULL };
	int npages, base, n, id;
	voff_t off;

	/*
	 * base+0 and base+1 swapped out, base+2 SWSLOT_BAD, base+3 never
	 * written.  With PGO_ALLPAGES the centre and base+1 are queued for
	 * the read before base+2's bad slot fails the call: both must be
	 * given back, not left busy for ever.
	 */
	npages = obj_sizes[_i] < 8 ? 8 : obj_sizes[_i];
	base = npages - 4;
	uvm = fx.h_uvm;
	id = fx_swapid;
	uobj = harness_aobj(&fx, npages);
	off = (voff_t)base << PAGE_SHIFT;
	for (int i = 2; i >= 0; i--)
		ck_assert_int_eq(harness_write_page(uobj, base + i, 6), 0);
	harness_pageout_all(&fx);
	for (int i = 0; i < 3; i++)
		ck_assert_ptr_null(harness_page(uobj, base + i));

	/* a failed read makes base+2's slot bad */
	ck_assert_int_eq(swap_set_faults(uvm->swap, id, 0, 1, 0, 0), 0);
	uvm_lock(&uobj->vmobjlock);
	n = 1;
	ck_assert_int_eq(uao_get(uobj, off + 2 * PAGE_SIZE, pps, &n, 0,
			     VM_PROT_READ, 0, 0),
	    -EIO);
	ck_assert_int_eq(harness_slot(uobj, base + 2), SWSLOT_BAD);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), 2);

	uvm_lock(&uobj->vmobjlock);
	n = 4;
	ck_assert_int_eq(uao_get(uobj, off, pps, &n, 0, VM_PROT_READ, 0,
			     PGO_ALLPAGES),
	    -EIO);
	ck_assert(!uvm_lock_held(&uobj->vmobjlock));
	for (int i = 0; i < 4; i++)
		ck_assert_ptr_null(pps[i]);
	assert_none_busy(uobj, base, 4);
	/* nothing was read: the swapped pages are still swap-only */
	ck_assert_ptr_null(harness_page(uobj, base + 0));
	ck_assert_ptr_null(harness_page(uobj, base + 1));
	ck_assert_int_gt(harness_slot(uobj, base + 0), 0);
	ck_assert_int_gt(harness_slot(uobj, base + 1), 0);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), 2);
	harness_check(&fx);

	/* the centre alone is got again, without waiting on a lost owner */
	uvm_lock(&uobj->vmobjlock);
	n = 1;
	ck_assert_int_eq(uao_get(uobj, off, pps, &n, 0, VM_PROT_READ, 0, 0), 0);
	ck_assert_ptr_nonnull(pps[0]);
	uvm_lock(&uobj->vmobjlock);
	release_pps(pps, 1);
	uvm_obj_unlock(uobj);
	harness_check(&fx);

	ck_assert_int_eq(harness_verify_page(uobj, base + 0, 6), 0);
	ck_assert_int_eq(harness_verify_page(uobj, base + 1, 6), 0);
	ck_assert_int_eq(harness_verify_page(uobj, base + 2, 6), -EFAULT);
	ck_assert_int_eq(harness_verify_page(uobj, base + 3, 0), 0);
	harness_check(&fx);
	harness_aobj_free(uobj);
}
END_TEST

START_TEST(test_get_allpages_enomem)
{
	struct uvm *uvm;
	struct uvm_object *uobj;
	struct vm_page *pps[2] = { NULL };
	int n, id;

	/*
	 * Pages 0 and 1 swapped out; every frame but one then dirty, and
	 * every write to swap failing, so that nothing can be freed.  The
	 * centre (page 0) takes the last frame for its read; page 1 finds
	 * none and uvm_wait says -ENOMEM: the centre's frame must come back.
	 */
	uvm = fx.h_uvm;
	id = fx_swapid;
	uobj = harness_aobj(&fx, 40);
	ck_assert_int_eq(harness_write_page(uobj, 1, 8), 0);
	ck_assert_int_eq(harness_write_page(uobj, 0, 8), 0);
	harness_pageout_all(&fx);
	ck_assert_int_eq(uvm->free, 16);
	for (int i = 0; i < 15; i++)
		ck_assert_int_eq(harness_write_page(uobj, 4 + 2 * i, 8), 0);
	ck_assert_int_eq(uvm->free, 1);
	ck_assert_int_eq(swap_set_faults(uvm->swap, id, 1, 0, 1000000, 1), 0);

	uvm_lock(&uobj->vmobjlock);
	n = 2;
	ck_assert_int_eq(uao_get(uobj, 0, pps, &n, 0, VM_PROT_READ, 0,
			     PGO_ALLPAGES),
	    -ENOMEM);
	ck_assert(!uvm_lock_held(&uobj->vmobjlock));
	ck_assert_ptr_null(pps[0]);
	ck_assert_ptr_null(pps[1]);
	assert_none_busy(uobj, 0, 2);
	ck_assert_ptr_null(harness_page(uobj, 0));
	ck_assert_ptr_null(harness_page(uobj, 1));
	ck_assert_int_eq(uvm->free, 1);
	ck_assert_int_eq(swap_swpgonly(uvm->swap), 2);
	harness_check(&fx);

	/* the centre alone fits in the frame given back */
	uvm_lock(&uobj->vmobjlock);
	n = 1;
	ck_assert_int_eq(uao_get(uobj, 0, pps, &n, 0, VM_PROT_READ, 0, 0), 0);
	ck_assert_ptr_nonnull(pps[0]);
	uvm_lock(&uobj->vmobjlock);
	release_pps(pps, 1);
	uvm_obj_unlock(uobj);
	harness_check(&fx);

	ck_assert_int_eq(swap_set_faults(uvm->swap, id, 1, 0, 0, 0), 0);
	ck_assert_int_eq(harness_verify_page(uobj, 0, 8), 0);
	ck_assert_int_eq(harness_verify_page(uobj, 1, 8), 0);
	for (int i = 0; i < 15; i++)
		ck_assert_int_eq(harness_verify_page(uobj, 4 + 2 * i, 8), 0);
	harness_check(&fx);
	harness_aobj_free(uobj);
}
END_TEST

void
pager_get_tcases(Suite *s)
{
	TCase *tc;

	tc = pager_tcase(s, "get");
	tcase_add_checked_fixture(tc, fx_swap32_setup, fx_machine_teardown);
	tcase_add_loop_test(tc, test_get_locked, 0, NSIZES);
	tcase_add_loop_test(tc, test_get_io, 0, NSIZES);
	tcase_add_loop_test(tc, test_get_read_error, 0, NSIZES);
	tcase_add_test(tc, test_get_readahead_error);
	tcase_add_loop_test(tc, test_get_allpages_bad_slot, 0, NSIZES);

	tc = pager_tcase(s, "get-full");
	tcase_add_checked_fixture(tc, fx_full_setup, fx_full_teardown);
	tcase_add_test(tc, test_get_locked_no_frame);
	tcase_add_test(tc, test_get_enomem);

	tc = pager_tcase(s, "get-nomem");
	tcase_add_checked_fixture(tc, fx_swap16_setup, fx_machine_teardown);
	tcase_add_test(tc, test_get_allpages_enomem);
}
