/*
 * fault.c: the aobj half of uvm_fault (see fault_int.h).
 *
 * Lock state is narrated step by step, as in the seed's uao_get.  The
 * object lock is held whenever the machine is asked to map a page, and
 * pmap_update runs before it is released (uvm_obj_unlock), so a page is
 * never seen unbusied before its mapping exists.
 */
#include <errno.h>
#include <string.h>

#include "pager/aobj_int.h"
#include "pager/fault_int.h"
#include "pager/uvm_int.h"
#include "swapdev/swap_int.h"

/*
 * uvm_fault_dirty: the program writes to pg: it no longer equals its swap
 * copy, so drop the copy (as UVM's uvm_fault does for aobj pages).
 * => object locked
 */
static void
uvm_fault_dirty(struct vm_page *pg)
{
	struct uvm_object *uobj = pg->uobject;

	KASSERT(uvm_lock_held(&uobj->vmobjlock));
	pg->flags &= ~PG_CLEAN;
	uao_dropswap(uobj, (int)(pg->offset >> PAGE_SHIFT));
}

/*
 * Write prediction.  A clean page (its swap copy current) is mapped
 * read-only, so that its first write takes a write-protect fault that
 * dirties it and drops the copy: the modified bit, which UVM's pmap gets
 * from the hardware for nothing.  Here it is a userfaultfd round trip on
 * the program's path, and programs such as CPython (reference counts in
 * every object) write nearly every page they read.  So each object keeps
 * score: of its clean pages mapped read-only, how many were written
 * after.  While more than half were, with enough evidence, a clean page
 * mapped for a read is dirtied at once and mapped writable: no
 * write-protect fault.  A wrong guess costs one page written at eviction
 * that could have been freed without I/O; it never loses a write, since
 * a dirty page is never freed unwritten.  While predicting, one clean
 * read in WP_SAMPLE is still mapped read-only so that the score stays
 * current (a program turning read-mostly switches prediction off).
 * This departs from the seed's fault path, which dirties only on a write
 * (doc/design.md).
 */
#define WP_EVIDENCE 32	/* read-only maps seen before predicting */
#define WP_WINDOW   256 /* then both counts halve: recent behaviour wins */
#define WP_SAMPLE   8

/*
 * uvm_fault_predict_write: map clean page pg, faulted for a read, as
 * written?  Only a page with a swap copy: one that never left (zero-fill)
 * has no copy to drop and is freed without I/O if it stays zeros.
 * => object locked
 */
static bool
uvm_fault_predict_write(struct vm_page *pg)
{
	struct uvm_object *uobj = pg->uobject;

	if (uobj->uo_rdmaps < WP_EVIDENCE ||
	    uobj->uo_firstwrites * 2 <= uobj->uo_rdmaps ||
	    uao_find_swslot(uobj, (int)(pg->offset >> PAGE_SHIFT)) <= 0)
		return false;
	return ++uobj->uo_wpsample % WP_SAMPLE != 0;
}

/* a clean page mapped read-only: one more for the score.  => object locked */
static void
uvm_fault_note_rdmap(struct uvm_object *uobj)
{
	if (++uobj->uo_rdmaps >= WP_WINDOW) {
		uobj->uo_rdmaps /= 2;
		uobj->uo_firstwrites /= 2;
	}
}

/* a write-protect fault: a read-only clean page written.  => object locked */
static void
uvm_fault_note_firstwrite(struct uvm_object *uobj)
{
	if (uobj->uo_firstwrites < uobj->uo_rdmaps)
		uobj->uo_firstwrites++;
}

/*
 * uvm_fault_enter: map a busy page for an access, then activate and
 * unbusy it.
 * => object locked.  A clean page is mapped write-protected unless the
 *    access writes, which dirties it first, or its object's score
 *    predicts a write (above).
 */
static void
uvm_fault_enter(struct vm_page *pg, vm_prot_t access_type, int flags)
{
	struct uvm *uvm = pg->uobject->uo_uvm;
	vm_prot_t prot = VM_PROT_ALL;

	KASSERT(uvm_lock_held(&pg->uobject->vmobjlock));
	KASSERT(pg->flags & PG_BUSY);
	if (access_type & VM_PROT_WRITE) {
		if (pg->flags & PG_CLEAN)
			uvm_fault_dirty(pg);
	} else if (pg->flags & PG_CLEAN) {
		if (uvm_fault_predict_write(pg)) {
			uvm_fault_dirty(pg);
			UVM_STAT_INC(uvm, fltwpredict);
		} else {
			prot = VM_PROT_READ;
			uvm_fault_note_rdmap(pg->uobject);
		}
	}
	if (access_type & VM_PROT_WRITE)
		flags |= PMAP_WRITING;
	pmap_enter(pg, prot, flags);

	uvm_lock(&uvm->pq_lock);
	uvm_pageactivate(pg);
	uvm_unlock(&uvm->pq_lock);
	uvm_page_unbusy(pg);
}

/*
 * uvm_fault_enter_window: map the pages of a window in ascending order,
 * so that the machine can map runs in one call.  The centre gets the
 * access of the fault; neighbours (fault-ahead, read-ahead) are mapped
 * writable only if they are dirty already.
 * => object locked; every page in pages[] busy and ours.
 */
static void
uvm_fault_enter_window(struct vm_page **pages, int centeridx,
    vm_prot_t access_type)
{
	int hint = access_type & VM_PROT_WRITE ? PMAP_WRITING : 0;

	for (int lcv = 0; lcv < UVM_FAULT_WINDOW; lcv++) {
		struct vm_page *pg = pages[lcv];

		if (pg == NULL || pg == PGO_DONTCARE)
			continue;
		if (pg->flags & PG_RDAHEAD) {
			/* read ahead, and now used: a hit */
			pg->flags &= ~PG_RDAHEAD;
			pg->uobject->uo_ra_hits++;
			UVM_STAT_INC(pg->uobject->uo_uvm, pgswapin_rahit);
		}
		if (lcv == centeridx) {
			uvm_fault_enter(pages[lcv], access_type, PMAP_WAKE);
			continue;
		}
		if (!pmap_is_mapped(pages[lcv]))
			UVM_STAT_INC(pages[lcv]->uobject->uo_uvm, fltahead);
		uvm_fault_enter(pages[lcv], VM_PROT_READ, hint);
	}
}

void
uvm_pmap_page_lost(struct vm_page *pg)
{
	struct uvm *uvm = pg->uobject->uo_uvm;

	uvm_fault_dirty(pg);
	UVM_STAT_INC(uvm, fltlost);
}

/*
 * uvm_fault_mapped: step 1, the pager has pg mapped already.
 * => object locked; pg resident, unbusy, mapped.
 * => returns the fault kind.
 */
static int
uvm_fault_mapped(struct vm_page *pg, vm_prot_t access_type)
{
	struct pmap *pm = uvm_page_pmap(pg);
	int kind;

	if ((access_type & VM_PROT_WRITE) && pg->mdpage.md_wprot) {
		/* the first write to a clean page (the modified bit) */
		uvm_fault_note_firstwrite(pg->uobject);
		uvm_fault_dirty(pg);
		pmap_enter(pg, VM_PROT_ALL, PMAP_WAKE);
		kind = FK_WP;
	} else if (pm->pm_ops->pmo_refault(pm, pg, access_type) == 0) {
		/* resolved by another thread before we read the fault */
		UVM_STAT_INC(pg->uobject->uo_uvm, fltstale);
		return FK_STALE;
	} else {
		/* the program discarded it: it now reads as zeros */
		uvm_pmap_page_lost(pg);
		kind = FK_ZERO;
	}
	uvm_lock(&pg->uobject->uo_uvm->pq_lock);
	uvm_pageactivate(pg);
	uvm_unlock(&pg->uobject->uo_uvm->pq_lock);
	return kind;
}

/*
 * Fault-ahead (step 2) maps neighbours that cost no I/O, in one run:
 *
 *   - after a read-ahead page is touched (a read-ahead hit), the resident
 *     pages that follow it: a sequential reader would fault on each;
 *   - on a first touch right after the previous page's, the next pages,
 *     zero-filled: a program filling a buffer would fault on each.
 *
 * Otherwise only the centre page: mapping pages a random access pattern
 * never touches would spend frames for nothing.  Pages outside the
 * window's purpose are PGO_DONTCARE.
 * => object locked.  Returns the window size; *startp is its first page.
 */
static int
uvm_fault_window(struct uvm_object *uobj, int pageidx, struct vm_page **pps,
    int *startp)
{
	int npages = uao_npages(uobj), n = 1;
	struct vm_page *pg =
	    uvm_pagelookup(uobj, (voff_t)pageidx << PAGE_SHIFT);

	*startp = pageidx;
	if (pg != NULL && (pg->flags & PG_RDAHEAD) != 0) {
		for (n = 1; n < UVM_FAULT_WINDOW && pageidx + n < npages; n++) {
			if (uvm_pagelookup(uobj,
				(voff_t)(pageidx + n) << PAGE_SHIFT) == NULL)
				break;
		}
	} else if (pg == NULL && pageidx > 0 && pageidx + 1 < npages &&
	    uvm_pagelookup(uobj, (voff_t)(pageidx - 1) << PAGE_SHIFT) != NULL &&
	    uvm_pagelookup(uobj, (voff_t)(pageidx + 1) << PAGE_SHIFT) == NULL) {
		n = UVM_FAULT_WINDOW;
		if (pageidx + n > npages)
			n = npages - pageidx;
	}
	for (int lcv = 0; lcv < n; lcv++)
		pps[lcv] = NULL;
	return n;
}

/*
 * Read-ahead (step 3) sizes its window per object from how much of the
 * last read-ahead was used, as Linux's swapin_nr_pages does: a hit or a
 * swap-in right after the previous one doubles the window, a miss halves
 * it.  Random access settles at no read-ahead at all.  seq: the fault is
 * right after the last page read (uo_ra_last, set by uvm_fault).
 * => object locked.  Returns the pages to read after the centre.
 */
static int
uvm_fault_readahead(struct uvm_object *uobj, bool seq)
{
	int hits = uobj->uo_ra_hits, win = uobj->uo_ra_win;

	if (seq || (hits > 0 && hits * 2 >= win))
		win = win == 0 ? 2 : win * 2;
	else
		win /= 2;
	if (win > UVM_FAULT_WINDOW - 1)
		win = UVM_FAULT_WINDOW - 1;
	uobj->uo_ra_win = win;
	uobj->uo_ra_hits = 0;
	return win;
}

/*
 * uvm_fault_mapped_run: pages from pageidx on that the object's mapping
 * covers (pmo_mapped_run).  => object locked
 */
static int
uvm_fault_mapped_run(struct uvm_object *uobj, int pageidx)
{
	struct pmap *pm = uobj->uo_uvm->pmap;

	if (pm->pm_ops->pmo_mapped_run == NULL)
		return uao_npages(uobj) - pageidx;
	return pm->pm_ops->pmo_mapped_run(pm, uobj, pageidx);
}

/*
 * uvm_fault_count: count a fault of this kind.  Before the object is
 * unlocked, which is when the faulting thread is woken (pmap_update): a
 * program that reads the counters right after its access sees it.
 */
static void
uvm_fault_count(struct uvm *uvm, int kind)
{
	UVM_STAT_INC(uvm, faults);
	if (kind < FK_NKINDS)
		UVM_STAT_INC(uvm, fltkind[kind]);
}

int
uvm_fault(struct uvm_object *uobj, int pageidx, vm_prot_t access_type,
    int *kindp, struct swap_iotimes *iot)
{
	struct uvm *uvm = uobj->uo_uvm;
	struct vm_page *pages[UVM_FAULT_WINDOW], *pg;
	int npages, start, centeridx, error, kind, lcv, run;
	voff_t off = (voff_t)pageidx << PAGE_SHIFT;
	bool seq;

	*kindp = FK_STALE;
	if (pageidx < 0 || pageidx >= uao_npages(uobj))
		return -EFAULT;

again:
	/* a retried fault reports the read that mapped the page, not this */
	if (iot != NULL)
		memset(iot, 0, sizeof(*iot));

	/* step 1: object locked */
	uvm_lock(&uobj->vmobjlock);
	pg = uvm_pagelookup(uobj, off);
	if (pg != NULL && (pg->flags & PG_BUSY) == 0 && pmap_is_mapped(pg)) {
		*kindp = uvm_fault_mapped(pg, access_type);
		uvm_fault_count(uvm, *kindp);
		uvm_obj_unlock(uobj);
		return 0;
	}

	/* windows end where the mapping does (windows start at pageidx) */
	run = uvm_fault_mapped_run(uobj, pageidx);
	if (run == 0) {
		/* unmapped while the fault was on its way: nothing to map */
		uvm_obj_unlock(uobj);
		return -EFAULT;
	}

	/* step 2: object locked; resident or new pages, no sleeping */
	for (lcv = 0; lcv < UVM_FAULT_WINDOW; lcv++)
		pages[lcv] = PGO_DONTCARE;
	npages = uvm_fault_window(uobj, pageidx, pages, &start);
	if (npages > run)
		npages = run;
	centeridx = pageidx - start;
	error = uao_get(uobj, (voff_t)start << PAGE_SHIFT, pages, &npages,
	    centeridx, access_type, 0, PGO_LOCKED);
	if (error == 0 && pages[centeridx] != NULL) {
		kind = pages[centeridx]->mdpage.md_where == MD_ZERO ? FK_ZERO
								    : FK_SOFT;
		uvm_fault_enter_window(pages, centeridx, access_type);
		uvm_fault_count(uvm, kind);
		uvm_obj_unlock(uobj);
		*kindp = kind;
		return 0;
	}
	/* the neighbours we got are mapped all the same */
	uvm_fault_enter_window(pages, -1, access_type);

	/*
	 * step 3: the centre page needs I/O, or is busy.  uao_get unlocks
	 * the object; it reads the page (and read-ahead neighbours) or waits
	 * for whoever owns it.
	 */
	start = pageidx;
	centeridx = 0;
	seq = pageidx == uobj->uo_ra_last + 1;
	npages = 1 + uvm_fault_readahead(uobj, seq);
	if (start + npages > uao_npages(uobj))
		npages = uao_npages(uobj) - start;
	if (npages > run)
		npages = run;
	memset(pages, 0, sizeof(pages));
	error = uao_get_timed(uobj, (voff_t)start << PAGE_SHIFT, pages, &npages,
	    centeridx, access_type, 0, PGO_READAHEAD, iot);
	/* object unlocked */
	if (error == -EIO) {
		uvm_lock(&uobj->vmobjlock);
		uvm->pmap->pm_ops->pmo_poison(uvm->pmap, uobj, pageidx);
		uvm_obj_unlock(uobj);
		UVM_STAT_INC(uvm, fltioerr);
		return -EIO;
	}
	if (error != 0) {
		UVM_STAT_INC(uvm, fltnomem);
		return error;
	}

	/* object locked; every page in pages[] is busy and ours */
	uvm_lock(&uobj->vmobjlock);
	pg = pages[centeridx];
	KASSERT(pg != NULL);
	if (pg->flags & PG_RELEASED) {
		/* freed under us (never in the aobj pager today): retry */
		for (lcv = 0; lcv < UVM_FAULT_WINDOW; lcv++) {
			if (pages[lcv] != NULL)
				uvm_page_unbusy(pages[lcv]);
		}
		uvm_obj_unlock(uobj);
		goto again;
	}
	kind = pg->mdpage.md_where == MD_BOUNCE ? FK_SWAPIN
	    : pg->mdpage.md_where == MD_ZERO	? FK_ZERO
						: FK_SOFT;
	/*
	 * The next miss of a sequential reader comes right after the last
	 * page read, not after the centre.
	 */
	for (lcv = npages - 1; lcv > 0 && pages[lcv] == NULL; lcv--)
		continue;
	uobj->uo_ra_last = pageidx + lcv;
	/*
	 * Read-ahead pages stay unmapped on the inactive queue, like
	 * Linux's swap cache: touching one is a soft fault, which is how
	 * read-ahead hits are counted; unused, they are the first pages
	 * freed (clean, with their swap copy).  But a soft fault here is a
	 * whole userfaultfd round trip, not the kernel's microsecond: for a
	 * reader that is going sequentially, the pages are mapped now,
	 * clean and write-protected, with the centre (counted as
	 * fault-ahead, not as hits: nobody has touched them yet).
	 */
	for (lcv = 1; lcv < npages; lcv++) {
		if (pages[lcv] == NULL)
			continue;
		KASSERT(pages[lcv]->flags & PG_RDAHEAD);
		if (seq) {
			pages[lcv]->flags &= ~PG_RDAHEAD;
			continue;
		}
		uvm_lock(&uvm->pq_lock);
		uvm_pagedeactivate(pages[lcv]);
		uvm_unlock(&uvm->pq_lock);
		uvm_page_unbusy(pages[lcv]);
		pages[lcv] = NULL;
	}
	uvm_fault_enter_window(pages, centeridx, access_type);
	uvm_fault_count(uvm, kind);
	uvm_obj_unlock(uobj);
	*kindp = kind;
	return 0;
}

int
uvm_fault_swapoff_retry(struct uvm_object *uobj, int pageidx,
    vm_prot_t access_type, int *kindp, struct swap_iotimes *iot)
{
	struct swap_data *sd = uobj->uo_uvm->swap;
	unsigned int offgen;
	int error, tries = 0;

	for (;;) {
		offgen = swap_off_gen(sd);
		error = uvm_fault(uobj, pageidx, access_type, kindp, iot);
		if (error != -ENOMEM || tries++ >= 8)
			return error;
		/* odd: a swapoff runs; changed: one began or ended since */
		if ((offgen & 1) == 0 && offgen == swap_off_gen(sd))
			return error;
		swap_off_wait(sd);
	}
}
