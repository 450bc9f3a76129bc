/*
 * page_int.h: struct vm_page, "physical memory" under the RAM limit, the
 * page queues, and the per-object page lookup.
 *
 * Physical memory is a fixed array of vm_page structures, one per frame:
 * the RAM limit of the simulator instance.  Where a frame's bytes live
 * (mapped into a region, parked in the machine's staging area, in a
 * bounce buffer, or nowhere yet because the page is all zeros) is the
 * machine's business: see pmap_int.h and struct vm_page_md.
 *
 * Field protection:  I = immutable,  o = owner object's lock,
 *                    q = page-queue lock (uvm->pq_lock),
 *                    m = machine-dependent (pmap), under the object lock.
 */
#ifndef UAO_PAGER_PAGE_INT_H
#define UAO_PAGER_PAGE_INT_H

#include <sys/queue.h>

#include "base/lock_int.h"
#include "pager/param_int.h"
#include "pager/pmap_int.h"

struct uvm;
struct uvm_object;

/* flags (o) */
#define PG_BUSY	    0x0001 /* owned by a thread; others wait */
#define PG_WANTED   0x0002 /* someone sleeps on this page */
#define PG_CLEAN    0x0008 /* contents equal the page's swap slot */
#define PG_RELEASED 0x0020 /* free the page when it is unbusied */
#define PG_FAKE	    0x0040 /* contents not valid yet */
#define PG_MARKER   0x0100 /* a uao_put traversal marker, not a page */
#define PG_RDAHEAD  0x0200 /* read ahead, not touched yet (ours) */

/* pqflags (q) */
#define PQ_FREE	    0x0001 /* on the free list */
#define PQ_INACTIVE 0x0002 /* on the inactive queue */
#define PQ_ACTIVE   0x0004 /* on the active queue */
#define PQ_AOBJ	    0x0010 /* owned by an aobj */

struct vm_page {
	TAILQ_ENTRY(vm_page) pageq; /* q: free, active or inactive queue */
	TAILQ_ENTRY(vm_page) listq; /* o: owner's memq */
	struct uvm_object *uobject; /* o: owner, NULL when free */
	voff_t offset;		    /* o: offset in owner, bytes */
	uint32_t flags;		    /* o: PG_* */
	uint32_t pqflags;	    /* q: PQ_* */
	uint16_t wire_count;	    /* o: >0: never paged out */
	uint16_t loan_count;	    /* o: >0: lent, never freed */
	int frameno;		    /* I: index in uvm->pages */
	const char *owner_tag;	    /* o: who busied it (debug) */
	struct vm_page_md mdpage;   /* m */
};

/*
 * Per-object page table: page index -> vm_page, two levels, leaves
 * allocated while they hold a page.  Lookups are O(1) under the object
 * lock; memory follows the resident set, not the object size.
 */
#define PAGETAB_LEAF_SHIFT 9
#define PAGETAB_LEAF_SIZE  (1 << PAGETAB_LEAF_SHIFT)

struct pagetab_leaf {
	int pl_count;
	struct vm_page *pl_pages[PAGETAB_LEAF_SIZE];
};

struct pagetab {
	int pt_nleaves;
	struct pagetab_leaf **pt_leaves;
};

/*
 * uvm_object: the part of an object the page layer needs.  An aobj
 * (aobj_int.h) begins with one, so the two pointers convert, as in UVM.
 */
struct uvm_object {
	struct uvm_lock vmobjlock;  /* the object lock */
	pthread_cond_t uo_cv;	    /* o: page unbusied with PG_WANTED */
	struct uvm *uo_uvm;	    /* I: instance */
	TAILQ_HEAD(, vm_page) memq; /* o: resident pages, new at tail */
	int uo_npages;		    /* o: resident pages */
	int uo_refs;		    /* o: references */
	pthread_cond_t uo_refcv;    /* o: a reference went (uo_refwaiters) */
	int uo_refwaiters;	    /* o: threads in uao_wait_alone_locked */
	struct pagetab uo_pagetab;  /* o: index -> page */
	void *uo_mapping;	    /* o: the machine's view, or NULL */
	int uo_ra_win;		    /* o: read-ahead window, pages */
	int uo_ra_hits;		    /* o: read-ahead pages used since */
	int uo_ra_last;		    /* o: page of the last swap-in fault */
	int uo_rdmaps;		    /* o: clean pages mapped read-only */
	int uo_firstwrites;	    /* o: of those, written after (WP faults) */
	unsigned uo_wpsample;	    /* o: clean read maps while predicting */
};

/*
 * uvm_obj_unlock: finish the machine's deferred work (pmap_update) and
 * unlock the object.  Every object unlock in the pager goes through it.
 * => object locked on entry, unlocked on return.
 */
void uvm_obj_unlock(struct uvm_object *uobj);

/*
 * Lookup table
 */

/* pagetab_init: an empty table for npages pages.  => 0 or -ENOMEM */
int pagetab_init(struct pagetab *pt, int npages);
/* pagetab_fini: free the table; it must be empty. */
void pagetab_fini(struct pagetab *pt);

/*
 * uvm_pagelookup: the resident page at off, or NULL.
 * => object locked
 */
struct vm_page *uvm_pagelookup(struct uvm_object *uobj, voff_t off);

/*
 * Allocation
 */

/*
 * uvm_pagealloc: take a free frame for (uobj, off).
 *
 * => object locked; the page queues must not be.
 * => the page is returned PG_BUSY|PG_CLEAN|PG_FAKE, on no queue, and
 *    entered in uobj (memq tail and lookup table).
 * => UVM_PGA_ZERO: the page reads as zeros and is not clean.
 * => returns NULL if no frame is free (wakes the pagedaemon).
 */
struct vm_page *
uvm_pagealloc(struct uvm_object *uobj, voff_t off, void *anon, int flags);

/*
 * uvm_pagefree: free a page.
 *
 * => object and page queues locked.
 * => the page must not be mapped (pmap_page_protect first) and must not
 *    be busy unless the caller owns it.
 * => wakes anyone in uvm_wait.
 */
void uvm_pagefree(struct vm_page *pg);

/*
 * uvm_pagezero: make the page read as zeros.  => object locked.
 */
void uvm_pagezero(struct vm_page *pg);

/*
 * Queues
 */

/* => page queues locked */
void uvm_pageactivate(struct vm_page *pg);
/* => page queues locked */
void uvm_pagedeactivate(struct vm_page *pg);
/* => page queues locked: take the page off active/inactive */
void uvm_pagedequeue(struct vm_page *pg);

/* => object locked: a wired page is never paged out or deactivated */
void uvm_pagewire(struct vm_page *pg);
void uvm_pageunwire(struct vm_page *pg);

void uvm_lock_pageq(struct uvm *uvm);
void uvm_unlock_pageq(struct uvm *uvm);

/*
 * Busy / wanted
 */

/*
 * uvm_page_own: record the thread that busied pg (debug aid).
 * => object locked; tag NULL when unbusying.
 */
static inline void
uvm_page_own(struct vm_page *pg, const char *tag)
{
	pg->owner_tag = tag;
}

/*
 * uvm_page_wait: sleep until pg is unbusied (UVM_UNLOCK_AND_WAIT).
 *
 * => object locked on entry and on return; dropped while asleep.
 * => pg must be busy; sets PG_WANTED.  The page may be gone on return:
 *    look it up again.
 */
void uvm_page_wait(struct vm_page *pg);

/*
 * uvm_page_unbusy: clear PG_BUSY and wake waiters.
 *
 * => object locked.  A page marked PG_RELEASED is freed instead (the
 *    page queues are taken for that).
 * => the machine settles the page's bytes first (pmap_page_settle).
 */
void uvm_page_unbusy(struct vm_page *pg);

/*
 * Memory
 */

/*
 * uvm_wait: sleep until a frame is free.
 *
 * => nothing locked.
 * => wakes the pagedaemon; without one running, runs a pass itself.
 * => returns 0 when frames were freed, or -ENOMEM if the pagedaemon
 *    reports that no progress is possible (swap full, nothing clean).
 */
int uvm_wait(struct uvm *uvm, const char *wmsg);

#endif /* UAO_PAGER_PAGE_INT_H */
