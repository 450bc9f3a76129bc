/*
 * check.c: verify the invariants of DESIGN.md section 3 on a machine.
 *
 * Used by the tests after every step, by the stress tool's final
 * recount, and by `uao stat --check'.  It must see a still machine: it
 * takes every object lock (with trylocks: the list lock comes after
 * object locks in the lock order), then the page queues, and reports
 * -EAGAIN if some object is busy, for the caller to try again.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/kmem_int.h"
#include "swapdev/swap_int.h"
#include "pager/aobj_int.h"
#include "pager/check_int.h"
#include "pager/uvm_int.h"

struct checker {
	char *ck_why;
	size_t ck_len;
	int ck_bad;
};

static void
check_fail(struct checker *ck, const char *fmt, ...)
{
	va_list ap;

	if (ck->ck_bad++ == 0 && ck->ck_why != NULL) {
		va_start(ap, fmt);
		vsnprintf(ck->ck_why, ck->ck_len, fmt, ap);
		va_end(ap);
	}
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* the device (index in devs) that owns slot, or -1 */
static int
check_slot_dev(const struct swap_devinfo *devs, int ndevs, int slot)
{
	for (int d = 0; d < ndevs; d++) {
		if (slot >= devs[d].si_start &&
		    slot < devs[d].si_start + devs[d].si_npages)
			return d;
	}
	return -1;
}

/* => object locked */
static void
check_object(struct checker *ck, struct uvm_aobj *aobj, int **slotsp,
    int *nslotsp, int *capp, int *swponlyp, int *residentp)
{
	struct uvm_object *uobj = &aobj->u_obj;
	struct vm_page *pg;
	int npages = 0;

	for (int i = 0; i < aobj->u_pages; i++) {
		int slot = uao_find_swslot(uobj, i);

		pg = uvm_pagelookup(uobj, (voff_t)i << PAGE_SHIFT);
		if (slot > 0) {
			if (*nslotsp == *capp) {
				*capp = *capp ? *capp * 2 : 1024;
				*slotsp = kmem_realloc(*slotsp,
				    (size_t)*capp * sizeof(int));
				if (*slotsp == NULL)
					abort();
			}
			(*slotsp)[(*nslotsp)++] = slot;
			if (pg == NULL)
				(*swponlyp)++;
		}
		if (slot < SWSLOT_BAD)
			check_fail(ck, "page %d: slot %d is not a slot", i,
			    slot);
		if (pg == NULL)
			continue;
		npages++;
		if (slot == SWSLOT_BAD)
			check_fail(ck, "page %d: resident with a bad slot", i);
		if ((pg->flags & PG_CLEAN) && slot <= 0 &&
		    (pg->flags & PG_BUSY) == 0)
			check_fail(ck, "page %d: clean without a swap copy", i);
		if ((pg->flags & (PG_CLEAN | PG_BUSY)) == 0 && slot > 0)
			check_fail(ck, "page %d: dirty but keeps slot %d", i,
			    slot);
		if ((pg->flags & PG_BUSY) == 0 &&
		    pg->mdpage.md_where == MD_BOUNCE)
			check_fail(ck, "page %d: unbusy in a bounce buffer", i);
		if ((pg->pqflags & PQ_INACTIVE) && pmap_is_mapped(pg) &&
		    (pg->flags & PG_BUSY) == 0)
			check_fail(ck, "page %d: inactive but mapped", i);
		if (pmap_is_mapped(pg) && (pg->flags & PG_CLEAN) &&
		    !pg->mdpage.md_wprot)
			check_fail(ck, "page %d: clean but mapped writable", i);
		if ((pg->pqflags & (PQ_ACTIVE | PQ_INACTIVE)) ==
		    (PQ_ACTIVE | PQ_INACTIVE))
			check_fail(ck, "page %d: on two queues", i);
		if ((pg->pqflags & (PQ_ACTIVE | PQ_INACTIVE)) == 0 &&
		    pg->wire_count == 0 && (pg->flags & PG_BUSY) == 0)
			check_fail(ck, "page %d: on no queue", i);
		if (pg->uobject != uobj)
			check_fail(ck, "page %d: owner mismatch", i);
	}
	if (npages != uobj->uo_npages)
		check_fail(ck, "object has %d pages, counts %d", npages,
		    uobj->uo_npages);
	*residentp += npages;
}

int
uvm_check(struct uvm *uvm, char *why, size_t len)
{
	struct checker ck = { why, len, 0 };
	struct swap_devinfo devs[64];
	struct uvm_aobj *aobj, *locked_to = NULL;
	int *slots = NULL, nslots = 0, cap = 0, swponly = 0, resident = 0;
	int ndevs, inuse[64], error = 0, counted;

	if (why != NULL && len > 0)
		why[0] = '\0';

	/* a still machine: every object lock, then the page queues */
	uvm_lock(&uvm->uao_list_lock);
	LIST_FOREACH(aobj, &uvm->uao_list, u_list) {
		if (!uvm_trylock(&aobj->u_obj.vmobjlock)) {
			error = -EAGAIN;
			break;
		}
		locked_to = aobj;
	}
	if (error != 0)
		goto out_unlock;
	uvm_lock(&uvm->pq_lock);

	LIST_FOREACH(aobj, &uvm->uao_list, u_list) {
		check_object(&ck, aobj, &slots, &nslots, &cap, &swponly,
		    &resident);
	}
	counted = 0;
	for (struct vm_page *pg = TAILQ_FIRST(&uvm->page_free); pg != NULL;
	     pg = TAILQ_NEXT(pg, pageq))
		counted++;
	if (counted != uvm->free)
		check_fail(&ck, "free list has %d, counter %d", counted,
		    uvm->free);
	if (resident + uvm->free != uvm->nframes)
		check_fail(&ck, "%d resident + %d free != %d frames", resident,
		    uvm->free, uvm->nframes);

	/* invariant 1: no slot referenced twice, each on one device */
	if (nslots > 0) /* slots may be NULL: qsort wants non-null */
		qsort(slots, (size_t)nslots, sizeof(int), cmp_int);
	for (int i = 1; i < nslots; i++) {
		if (slots[i] == slots[i - 1])
			check_fail(&ck, "slot %d referenced twice", slots[i]);
	}
	ndevs = swap_list(uvm->swap, devs, 64);
	if (ndevs > 64)
		ndevs = 64;
	memset(inuse, 0, sizeof(inuse));
	for (int i = 0; i < nslots; i++) {
		int d = check_slot_dev(devs, ndevs, slots[i]);

		if (d < 0)
			check_fail(&ck, "slot %d on no device", slots[i]);
		else
			inuse[d]++;
	}
	/* invariant 3: device counts equal the references */
	for (int d = 0; d < ndevs; d++) {
		if (inuse[d] != devs[d].si_npginuse)
			check_fail(&ck,
			    "swap %s: %d slots referenced, %d counted in use",
			    devs[d].si_path, inuse[d], devs[d].si_npginuse);
	}
	/* invariant 2: swpgonly */
	if (swponly != swap_swpgonly(uvm->swap))
		check_fail(&ck, "swpgonly is %d, recount says %d",
		    swap_swpgonly(uvm->swap), swponly);
	if (swap_check(uvm->swap) != 0)
		check_fail(&ck, "swap bitmaps disagree with counters");

	uvm_unlock(&uvm->pq_lock);
	error = ck.ck_bad > 0 ? -EUCLEAN : 0;
out_unlock:
	if (locked_to != NULL) {
		LIST_FOREACH(aobj, &uvm->uao_list, u_list) {
			uvm_unlock(&aobj->u_obj.vmobjlock);
			if (aobj == locked_to)
				break;
		}
	}
	uvm_unlock(&uvm->uao_list_lock);
	kmem_free(slots);
	return error;
}
