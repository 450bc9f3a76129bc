/*
 * aobj_int.h: anonymous-memory objects (aobjs), the seed's uvm_aobj.
 *
 * An aobj is memory with no file behind it: its pages are resident, or
 * zero (never written), or in swap.  Besides the resident pages (kept by
 * the page layer) it records, for each page, its swap slot: in a plain
 * array for objects of up to UAO_SWHASH_THRESHOLD pages, and above that
 * in a hash of clusters of UAO_SWHASH_CLUSTER_SIZE slots.
 *
 * Field protection:  I = immutable after uao_create,  o = object lock,
 *                    L = uvm->uao_list_lock.
 */
#ifndef UAO_PAGER_AOBJ_INT_H
#define UAO_PAGER_AOBJ_INT_H

#include <stdbool.h>
#include <sys/queue.h>

#include "pager/page_int.h"
#include "pager/param_int.h"

struct swap_iotimes;

struct uvm;

#define UAO_SWHASH_CLUSTER_SHIFT 4
#define UAO_SWHASH_CLUSTER_SIZE	 (1 << UAO_SWHASH_CLUSTER_SHIFT)
#define UAO_SWHASH_THRESHOLD	 (UAO_SWHASH_CLUSTER_SIZE * 4)
#define UAO_SWHASH_MAXBUCKETS	 256

/* uao_create flags */
#define UAO_FLAG_NOSWAP 0x8 /* pages are never paged out */

/* a cluster of slots in the hash (large objects) */
struct uao_swhash_elt {
	LIST_ENTRY(uao_swhash_elt) list;    /* o: bucket chain */
	int tag;			    /* o: page index >> shift */
	int count;			    /* o: non-zero slots */
	int slots[UAO_SWHASH_CLUSTER_SIZE]; /* o */
};

LIST_HEAD(uao_swhash, uao_swhash_elt);

struct uvm_aobj {
	struct uvm_object u_obj;     /* first: the two pointers convert */
	int u_pages;		     /* I: size in pages */
	int u_flags;		     /* I: UAO_FLAG_* */
	int *u_swslots;		     /* o: array (small objects) */
	struct uao_swhash *u_swhash; /* o: buckets (large objects) */
	unsigned long u_swhashmask;  /* I */
	LIST_ENTRY(uvm_aobj) u_list; /* L: uvm->uao_list */
};

#define UAO_USES_SWHASH(aobj) ((aobj)->u_pages > UAO_SWHASH_THRESHOLD)

/*
 * uao_create: a new aobj of `size' bytes (rounded up to pages), with one
 * reference.
 * => flags: 0, or UAO_FLAG_NOSWAP.
 * => differs from UVM: the machine is passed; NULL for a size of zero or
 *    over 2^31 pages, or when memory for the slot store is exhausted.
 */
struct uvm_object *uao_create(struct uvm *uvm, vsize_t size, int flags);

/* uao_reference: add a reference.  => object unlocked */
void uao_reference(struct uvm_object *uobj);
/* uao_reference_locked: add a reference.  => object locked */
void uao_reference_locked(struct uvm_object *uobj);

/*
 * uao_detach: drop a reference; the last one frees the object, its pages
 * (after waiting for busy ones) and its swap slots.
 * => object unlocked.
 */
void uao_detach(struct uvm_object *uobj);
/* => object locked on entry; unlocked (or freed) on return */
void uao_detach_locked(struct uvm_object *uobj);

/*
 * uao_wait_alone_locked: sleep until the caller's reference is the
 * object's only one (others are transient: uao_swap_off holds one while
 * it pages the object in).  Woken by the uao_detach that drops the
 * second last reference; sleeps on uo_refcv, never polls.
 * => object locked on entry and on return; unlocked while asleep.
 * => the caller holds a reference.
 * => differs from UVM: UVM's callers never wait for other references.
 */
void uao_wait_alone_locked(struct uvm_object *uobj);

/*
 * uao_find_swslot: the swap slot of page pageidx: 0 (none), SWSLOT_BAD,
 * or a slot.
 * => object locked
 */
int uao_find_swslot(struct uvm_object *uobj, int pageidx);

/*
 * uao_set_swslot: set the slot of page pageidx; 0 clears it.
 * => object locked.
 * => returns the old slot, or -1 if a hash cluster could not be
 *    allocated to record a non-zero slot (nothing changed then).
 * => setting a non-zero slot on a NOSWAP object panics.
 */
int uao_set_swslot(struct uvm_object *uobj, int pageidx, int slot);

/*
 * uao_get: fetch pages.
 *
 * => object locked.  PGO_LOCKED: it stays locked and nothing sleeps;
 *    otherwise it is unlocked before I/O and on return.
 * => offset is the offset of pps[0] (not of pps[centeridx]).
 * => PGO_LOCKED gets resident, unbusy pages and zero-fills new pages
 *    that have no slot; it returns -EBUSY if the centre page (or, with
 *    PGO_ALLPAGES, any page) needs I/O or is busy.
 * => otherwise the centre page (every page with PGO_ALLPAGES) is got,
 *    waiting for busy pages and for memory, reading from swap.  With
 *    PGO_READAHEAD, neighbours in the window whose slots follow the
 *    centre's on the device are read in the same batch (never waited
 *    for).
 * => pages returned in pps[] are PG_BUSY: the caller activates and
 *    unbusies them.  New pages are on no queue until then.
 * => on an error, pps[] holds no page of this call: every page it busied
 *    is unbusied (activated), or freed if it was never read.
 * => differs from UVM: returns 0 or -errno: -EBUSY (PGO_LOCKED), -EIO
 *    (the centre page's slot is bad or could not be read; it is then
 *    SWSLOT_BAD and never reused), -ENOMEM (no frame, and the pagedaemon
 *    says none can be freed).
 */
int uao_get(struct uvm_object *uobj, voff_t offset, struct vm_page **pps,
    int *npagesp, int centeridx, vm_prot_t access_type, int advice, int flags);

/*
 * uao_get_timed: uao_get, telling the fault probes when the read of the
 * centre page was submitted and completed.
 * => as uao_get.  iot (zeroed by the caller) is set only if this call
 *    read the centre page itself, in a batch with any read-ahead: a
 *    centre page that another thread was reading (busy) leaves it 0.
 * => differs from UVM: pgo_get has no such argument; uvm_fault uses it
 *    when the machine asks for probes (uao_probe_enable).
 */
int uao_get_timed(struct uvm_object *uobj, voff_t offset, struct vm_page **pps,
    int *npagesp, int centeridx, vm_prot_t access_type, int advice, int flags,
    struct swap_iotimes *iot);

/*
 * uao_put: deactivate, clean or free the pages in [start, stop).
 *
 * => object locked on entry, unlocked on return.
 * => flags: PGO_ALLPAGES (whole object), and one of PGO_DEACTIVATE,
 *    PGO_FREE, PGO_CLEANIT, PGO_CLEANIT|PGO_DEACTIVATE,
 *    PGO_CLEANIT|PGO_FREE.
 * => PGO_FREE alone discards: pages and their swap slots go, and the
 *    range reads as zeros; with several references it only deactivates.
 * => differs from UVM: PGO_CLEANIT really writes dirty pages to swap
 *    (1.51 only deactivated them): CLEANIT|FREE is "page these out now"
 *    (pages freed, swap copies kept), CLEANIT|DEACTIVATE keeps them
 *    resident and clean.  PGO_FREE also drops the slots of pages that
 *    are not resident (NetBSD-current's uao_dropswap_range).
 * => wired and loaned pages are skipped; busy pages are waited for.
 * => returns 0, or -ENOSPC if CLEANIT found no swap space for some page
 *    (those stay dirty and resident).
 */
int uao_put(struct uvm_object *uobj, voff_t start, voff_t stop, int flags);

/*
 * uao_dropswap: free the swap slot of page pageidx, if any.
 * => object locked, or no references left.
 */
void uao_dropswap(struct uvm_object *uobj, int pageidx);

/*
 * uao_pageout_free: free a resident page that is clean and holds a valid
 * swap slot, keeping the slot: the page becomes swap-only (swpgonly).
 * => object and page queues locked; the page is not mapped; a busy page
 *    may be freed only by its owner.
 */
void uao_pageout_free(struct vm_page *pg);

/*
 * uao_dropswap_range: free the slots of pages [start, stop) (bytes; stop
 * 0 = end), counting the ones that were swap-only out of swpgonly.
 * => object locked.
 */
void uao_dropswap_range(struct uvm_object *uobj, voff_t start, voff_t stop);

/*
 * uao_swap_off: page in every page of every aobj that is in a slot of
 * [startslot, endslot).
 * => nothing locked.
 * => returns true if the pagein was aborted for lack of memory.
 */
bool uao_swap_off(struct uvm *uvm, int startslot, int endslot);

/* uao_npages: the object's size in pages.  => any lock state */
static inline int
uao_npages(struct uvm_object *uobj)
{
	return ((struct uvm_aobj *)uobj)->u_pages;
}

#endif /* UAO_PAGER_AOBJ_INT_H */
