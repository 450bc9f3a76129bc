/*
 * pagerio.c: aobj pages to and from swap (see pagerio_int.h).
 */
#include <errno.h>

#include "swapdev/swap_int.h"
#include "pager/aobj_int.h"
#include "pager/pagerio_int.h"
#include "pager/uvm_int.h"

int
uvm_swap_get(struct uvm_object *uobj, struct vm_page **pgs, const int *slots,
    int n, int *errors, struct swap_iotimes *iot)
{
	struct uvm *uvm = uobj->uo_uvm;
	struct swap_io ios[UVM_IO_MAXPAGES];
	void *bufs[UVM_IO_MAXPAGES];
	int nfailed;

	KASSERT(n > 0 && n <= UVM_IO_MAXPAGES);
	uvm->pmap->pm_ops->pmo_pagein_bufs(uvm->pmap, pgs, n, bufs);
	/*
	 * The pages are busy and ours, but pg->flags is not read here: the
	 * object is unlocked, and a waiter sets PG_WANTED under its lock.
	 */
	for (int i = 0; i < n; i++) {
		KASSERT(slots[i] > 0);
		ios[i].sio_slot = slots[i];
		ios[i].sio_buf = bufs[i];
	}
	nfailed = uvm_swap_io(uvm->swap, ios, n, false, iot);
	for (int i = 0; i < n; i++)
		errors[i] = ios[i].sio_error;

	/* a page read back is resident again: no longer only in swap */
	if (n - nfailed > 0) {
		swap_swpgonly_add(uvm->swap, -(n - nfailed));
		UVM_STAT_ADD(uvm, pageins, (uint64_t)(n - nfailed));
		if (uvm->child_io != NULL)
			atomic_fetch_add_explicit(&uvm->child_io[0],
			    (uint64_t)(n - nfailed), memory_order_relaxed);
	}
	return nfailed;
}

int
uvm_pageout_cluster(struct uvm_object *uobj, struct vm_page **pgs, int n)
{
	struct uvm *uvm = uobj->uo_uvm;
	struct pmap *pm = uvm->pmap;
	struct swap_io ios[UVM_IO_MAXPAGES];
	int nalloc = 0, written = 0;

	KASSERT(uvm_lock_held(&uobj->vmobjlock));
	KASSERT(n > 0 && n <= UVM_IO_MAXPAGES);

	/*
	 * Slots first, in as few contiguous runs as the devices allow, so
	 * that a later read-ahead finds neighbours next to each other.
	 * They are recorded in the object before the write, as UVM does:
	 * swapoff then finds them, and waits on the busy pages.
	 */
	while (nalloc < n) {
		int want = n - nalloc;
		int start = uvm_swap_alloc(uvm->swap, &want, true);

		if (start == 0)
			break; /* swap is full */
		for (int k = 0; k < want; k++) {
			struct vm_page *pg = pgs[nalloc + k];
			int pageidx = (int)(pg->offset >> PAGE_SHIFT);

			KASSERT(pg->flags & PG_BUSY);
			KASSERT((pg->flags & PG_CLEAN) == 0);
			KASSERT(!pmap_is_mapped(pg));
			if (uao_set_swslot(uobj, pageidx, start + k) != 0) {
				/* no memory to record it: give the rest back */
				uvm_swap_free(uvm->swap, start + k, want - k);
				want = k;
				n = nalloc + k;
				break;
			}
			ios[nalloc + k].sio_slot = start + k;
			ios[nalloc + k].sio_buf =
			    pm->pm_ops->pmo_pageout_buf(pm, pg);
		}
		nalloc += want;
	}
	if (nalloc == 0)
		return 0;

	/* the pages are busy: unlock for the write */
	uvm_obj_unlock(uobj);
	uvm_swap_io(uvm->swap, ios, nalloc, true, NULL);
	uvm_lock(&uobj->vmobjlock);

	for (int k = 0; k < nalloc; k++) {
		struct vm_page *pg = pgs[k];

		if (ios[k].sio_error == 0) {
			pg->flags |= PG_CLEAN;
			written++;
			continue;
		}
		/*
		 * The write failed: that slot is never used again, and the
		 * page keeps its bytes, dirty, for another try elsewhere.
		 */
		uao_set_swslot(uobj, (int)(pg->offset >> PAGE_SHIFT), 0);
		uvm_swap_markbad(uvm->swap, ios[k].sio_slot, 1);
		UVM_STAT_INC(uvm, pdwrerr);
	}
	UVM_STAT_ADD(uvm, pageouts, (uint64_t)written);
	if (uvm->child_io != NULL)
		atomic_fetch_add_explicit(&uvm->child_io[1], (uint64_t)written,
		    memory_order_relaxed);
	return written;
}
