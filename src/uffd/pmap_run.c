/*
 * pmap_run.c: the userfaultfd pmap's per-thread queue of operations on
 * mappings, issued in runs by pmap_flush (pmap_update), and the judging
 * of a move-out from the page tables when the kernel's count falls short.
 * See pmap_uffd_int.h for where a page's bytes live, pmap_run_int.h for
 * the structures.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/sys_int.h"
#include "pager/aobj_int.h"
#include "pager/pagerio_int.h"
#include "pager/uvm_int.h"
#include "uffd/pmap_run_int.h"

static pthread_key_t pmap_thread_key;
static pthread_once_t pmap_thread_once = PTHREAD_ONCE_INIT;
__thread struct pmap_thread *pmap_self
    __attribute__((tls_model("initial-exec")));

/*
 * the per-thread queue
 */

static void
pmap_thread_free(struct pmap_thread *pt)
{
	KASSERT(pt->pt_nops == 0);
	sys_munmap(pt->pt_bounce, (size_t)UVM_IO_MAXPAGES * PAGE_SIZE);
	sys_munmap(pt, sizeof(*pt));
}

static void
pmap_thread_destructor(void *arg)
{
	pmap_thread_free(arg);
}

static void
pmap_thread_key_create(void)
{
	if (pthread_key_create(&pmap_thread_key, pmap_thread_destructor) != 0)
		uvm_panic(__func__, "pthread_key_create failed");
}

/*
 * The thread's state lives in anonymous mappings of its own, never on
 * the heap: under `uao run' the heap is region memory.
 */
struct pmap_thread *
pmap_thread(void)
{
	struct pmap_thread *pt = pmap_self;

	if (pt != NULL)
		return pt;
	pthread_once(&pmap_thread_once, pmap_thread_key_create);
	pt = sys_mmap(NULL, sizeof(*pt), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pt == MAP_FAILED)
		uvm_panic(__func__, "no memory for a thread's pmap state");
	pt->pt_bounce = sys_mmap(NULL, (size_t)UVM_IO_MAXPAGES * PAGE_SIZE,
	    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
	    -1, 0);
	if (pt->pt_bounce == MAP_FAILED)
		uvm_panic(__func__, "no memory for a bounce buffer");
	pmap_self = pt;
	pthread_setspecific(pmap_thread_key, pt);
	return pt;
}

void
pmap_uffd_thread_release(void)
{
	if (pmap_self == NULL)
		return;
	pthread_setspecific(pmap_thread_key, NULL);
	pmap_thread_free(pmap_self);
	pmap_self = NULL;
}

void
pmap_queue(struct pmap_uffd *pu, const struct pmap_op *op)
{
	struct pmap_thread *pt = pmap_thread();

	if (pt->pt_nops > 0 && pt->pt_pmap != pu)
		pmap_flush(pt->pt_pmap, pt);
	if (pt->pt_nops == PMAP_QUEUE_MAX)
		pmap_flush(pu, pt);
	pt->pt_pmap = pu;
	pt->pt_ops[pt->pt_nops++] = *op;
	if (op->po_pg != NULL)
		op->po_pg->mdpage.md_pending = 1;
}

/*
 * Can op b join the run that ends with op a?
 */
static bool
pmap_op_follows(const struct pmap_op *a, const struct pmap_op *b)
{
	if (a->po_kind != b->po_kind || a->po_addr + PAGE_SIZE != b->po_addr)
		return false;
	if (a->po_kind == OP_DISCARD)
		return true; /* madvise spans mappings */
	/*
	 * UFFDIO_COPY and UFFDIO_MOVE act within one mapping (VMA): two
	 * regions may be adjacent in memory, and a run across them would
	 * fail on its first page as if the program had unmapped it.
	 */
	if (a->po_pg == NULL || b->po_pg == NULL ||
	    a->po_pg->uobject != b->po_pg->uobject)
		return false;
	if (a->po_kind != OP_ENTER)
		return true;
	if (a->po_src != b->po_src || a->po_wp != b->po_wp)
		return false;
	switch (a->po_src) {
	case SRC_BOUNCE:
	case SRC_STAGE:
		return a->po_from + PAGE_SIZE == b->po_from;
	case SRC_ZEROCOPY:
		return true; /* pu_zero is PMAP_RUN_MAX pages long */
	default:
		return true;
	}
}

/*
 * Mapping a run failed at page k with error err: settle that page.
 * => object locked
 */
static void
pmap_enter_failed(struct pmap_uffd *pu, struct pmap_op *op, int err)
{
	struct vm_page *pg = op->po_pg;

	/*
	 * The pager maps only pages it knows are absent, under the object
	 * lock, and nothing else fills a registered range: a page there
	 * already means the bookkeeping is wrong.
	 */
	if (err == EEXIST)
		uvm_panic(__func__, "a page was mapped already (EEXIST)");
	/*
	 * ENOENT / ESRCH: the range is no longer a registered mapping (the
	 * program unmapped it behind our back); its contents are gone.
	 */
	(void)pu;
	if (pg != NULL && pg->mdpage.md_where == MD_MAPPED) {
		pg->mdpage.md_where = MD_ZERO;
		uvm_pmap_page_lost(pg);
	}
}

/* pmap_run_done: an enter was issued: its source is not needed now */
static void
pmap_run_done(struct pmap_uffd *pu, struct pmap_op *op)
{
	if (op->po_src == SRC_STAGE)
		stage_release(&pu->pu_stage, op->po_stage, 1, true);
	if (op->po_src == SRC_BOUNCE && pmap_self != NULL)
		pmap_self->pt_bounce_busy--;
}

static void
pmap_run_enter(struct pmap_uffd *pu, struct pmap_op *ops, int n)
{
	size_t len = (size_t)n * PAGE_SIZE;
	long done;
	int err = 0, k;

	switch (ops[0].po_src) {
	case SRC_ZEROPAGE:
		done = ioc_zeropage(pu->pu_fd, &pu->pu_ioc, ops[0].po_addr, len,
		    &err);
		break;
	case SRC_ZEROCOPY:
		done = ioc_copy(pu->pu_fd, &pu->pu_ioc, ops[0].po_addr,
		    pu->pu_zero, len, ops[0].po_wp, &err);
		break;
	case SRC_BOUNCE:
	case SRC_STAGE:
		done = ioc_copy(pu->pu_fd, &pu->pu_ioc, ops[0].po_addr,
		    ops[0].po_from, len, ops[0].po_wp, &err);
		break;
	case SRC_UNPROTECT:
	case SRC_PROTECT:
		err = -ioc_writeprotect(pu->pu_fd, &pu->pu_ioc, ops[0].po_addr,
		    len, ops[0].po_src == SRC_PROTECT);
		done = err == 0 ? (long)len : 0;
		break;
	default:
		uvm_panic(__func__, "bad source");
	}

	k = (int)(done / PAGE_SIZE);
	if (k < n && err == ENOENT && n > 1) {
		/*
		 * The run may cross a mapping boundary inside one region
		 * (the program mprotect'ed part of it): page k is lost only
		 * if it fails on its own.
		 */
		for (int i = 0; i < k; i++)
			pmap_run_done(pu, &ops[i]);
		pmap_run_enter(pu, ops + k, 1);
		if (k + 1 < n)
			pmap_run_enter(pu, ops + k + 1, n - k - 1);
		return;
	}
	if (k < n) {
		pmap_enter_failed(pu, &ops[k], err);
		/* the rest of the run, after the page that failed */
		if (k + 1 < n)
			pmap_run_enter(pu, ops + k + 1, n - k - 1);
		n = k + 1;
	}
	for (int i = 0; i < n; i++)
		pmap_run_done(pu, &ops[i]);
}

/* /proc/self/pagemap's entry for addr.  => false when it cannot tell */
bool
pagemap_entry(struct pmap_uffd *pu, const char *addr, uint64_t *entp)
{
	return pu->pu_pagemap >= 0 &&
	    pread(pu->pu_pagemap, entp, sizeof(*entp),
		(off_t)((uintptr_t)addr >> PAGE_SHIFT) * 8) == sizeof(*entp);
}

/*
 * Is the page at addr mapped by this process only?  /proc/self/pagemap
 * says so (PM_MMAP_EXCLUSIVE).  A page that is not is shared with a
 * forked child; one that is, yet refused by UFFDIO_MOVE, is pinned.
 */
static bool
pagemap_exclusive(struct pmap_uffd *pu, const char *addr)
{
	uint64_t ent;

	if (!pagemap_entry(pu, addr, &ent))
		return true; /* cannot tell: treat as pinned, leave it */
	return (ent >> 56) & 1;
}

/*
 * pmap_evict_copy: take a page out of its region where UFFDIO_MOVE
 * cannot: a page a forked child shares (copy-on-write: EBUSY), or a
 * page in a mapping that is not writable (read-only or executable:
 * EINVAL, since the kernel moves only between writable mappings).
 *
 * Write-protect it first, so that no store lands between the copy and
 * the drop: a store now waits in a write-protect fault, which finds the
 * page staged and maps it back.  The uffd-wp bit is in the page table
 * entry, not the mapping, so it holds even if the program makes a
 * read-only mapping writable again meanwhile (mprotect).  Then copy it
 * into the staging slot with UFFDIO_COPY (the kernel reads the present
 * page, never a uao thread), and drop our mapping.  A child that shares
 * the page keeps its own reference to the old page.
 * => object locked.  Returns false, the page left as it was and the
 *    slot empty, if it cannot be copied -- a mapping without read access
 *    (PROT_NONE: the kernel's read of it fails with EFAULT) -- or dropped
 *    (an mlock'ed mapping): it stays resident.
 */
static bool
pmap_evict_copy(struct pmap_uffd *pu, struct vm_page *pg, char *addr, int slot)
{
	int err;

	if (!pg->mdpage.md_wprot &&
	    ioc_writeprotect(pu->pu_fd, &pu->pu_ioc, addr, PAGE_SIZE, true) !=
		0)
		return false;
	if (ioc_copy(pu->pu_fd, &pu->pu_ioc, stage_addr(&pu->pu_stage, slot),
		addr, PAGE_SIZE, false, &err) != PAGE_SIZE) {
		if (!pg->mdpage.md_wprot)
			ioc_writeprotect(pu->pu_fd, &pu->pu_ioc, addr,
			    PAGE_SIZE, false);
		return false;
	}
	if (sys_madvise(addr, PAGE_SIZE, MADV_DONTNEED) != 0) {
		/*
		 * An mlock'ed mapping refuses (EINVAL): the page stays
		 * mapped, and the slot, which the caller will release as a
		 * hole, is emptied of its copy.
		 */
		if (sys_madvise(stage_addr(&pu->pu_stage, slot), PAGE_SIZE,
			MADV_DONTNEED) != 0)
			uvm_panic(__func__, "cannot empty a staging slot");
		if (!pg->mdpage.md_wprot)
			ioc_writeprotect(pu->pu_fd, &pu->pu_ioc, addr,
			    PAGE_SIZE, false);
		return false;
	}
	return true;
}

/*
 * Does a pagemap entry hold a page?  Present (bit 63), or a swap-type
 * entry (bit 62).  uao's memory never goes to the kernel's swap, so a
 * swap-type entry is a migration entry: the kernel is moving the page
 * to another frame (compaction), and the page is there all the same.
 */
#define PM_PRESENT ((uint64_t)1 << 63)
#define PM_SWAP	   ((uint64_t)1 << 62)

static bool
pm_holds_page(uint64_t ent)
{
	return (ent & (PM_PRESENT | PM_SWAP)) != 0;
}

/* where a page is after a UFFDIO_MOVE into its staging slot failed */
enum moveout_state {
	MO_MOVED,   /* in its slot, gone from the region */
	MO_STAYED,  /* in the region still; the slot is empty */
	MO_GONE,    /* in neither: the program discarded it */
	MO_BOTH,    /* in both: the slot was not empty (bookkeeping) */
	MO_UNKNOWN, /* pagemap could not be read */
};

/*
 * moveout_judge: where is the page UFFDIO_MOVE was taking from src to
 * staging slot `slot'?  The page tables say, not the ioctl's count.
 * => object locked: no fault of ours maps src meanwhile (the program may
 *    still discard it: MO_GONE).
 * => *srcent, *dstent: the raw pagemap entries, for a panic message.
 */
static enum moveout_state
moveout_judge(struct pmap_uffd *pu, const char *src, int slot, uint64_t *srcent,
    uint64_t *dstent)
{
	bool in_src, in_dst;

	*srcent = *dstent = 0;
	if (!pagemap_entry(pu, src, srcent) ||
	    !pagemap_entry(pu, stage_addr(&pu->pu_stage, slot), dstent))
		return MO_UNKNOWN;
	in_src = pm_holds_page(*srcent);
	in_dst = pm_holds_page(*dstent);
	if (in_dst)
		return in_src ? MO_BOTH : MO_MOVED;
	return in_src ? MO_STAYED : MO_GONE;
}

/*
 * A page the machine cannot account for: staging slot `slot', allocated
 * empty, holds a page while the region's page is there too, or pagemap
 * cannot say where the page went.  Nothing is released and the program
 * is stopped: zeros in place of its data are worse.  The message names
 * the error, the raw pagemap entries, and whether a page of the machine
 * claims the slot.
 * => the object of `pg' locked.  Does not return.
 */
noreturn void
stage_slot_not_empty(struct vm_page *pg, int slot, const char *ioctl_name,
    int err, uint64_t srcent, uint64_t dstent)
{
	struct uvm *uvm = pg->uobject->uo_uvm;
	const char *claim = "no page of the machine claims it";
	char msg[256];

	for (int i = 0; i < uvm->nframes; i++) {
		struct vm_page *q = &uvm->pages[i];

		if (q->mdpage.md_where == MD_STAGED &&
		    q->mdpage.md_stage == slot)
			claim = "a staged page claims it, yet it was free";
	}
	snprintf(msg, sizeof(msg),
	    "%s into staging slot %d failed (errno %d) and the page tables "
	    "do not explain it: region entry %#llx, slot entry %#llx; %s",
	    ioctl_name, slot, err, (unsigned long long)srcent,
	    (unsigned long long)dstent, claim);
	uvm_panic(__func__, msg);
}

/* ops[i] is in staging slot `slot' now */
static void
moveout_staged(struct pmap_uffd *pu, struct pmap_op *op, int slot)
{
	if (op->po_pg == NULL) {
		/* freed while queued: its bytes are not wanted */
		stage_release(&pu->pu_stage, slot, 1, true);
		return;
	}
	op->po_pg->mdpage.md_stage = slot;
	op->po_pg->mdpage.md_forked = 0;
}

/*
 * The page did not move, nor could it be copied out: pinned by I/O in
 * flight (EBUSY), or in a mapping without read access (EINVAL, then
 * EFAULT: PROT_NONE).  It stays mapped, and the pagedaemon, finding it
 * mapped on the inactive queue, reactivates it.
 */
static void
moveout_stayed(struct pmap_uffd *pu, struct pmap_op *op, int slot)
{
	stage_release(&pu->pu_stage, slot, 1, false);
	atomic_fetch_add_explicit(&pu->pu_nbusy, 1, memory_order_relaxed);
	if (op->po_pg != NULL) {
		op->po_pg->mdpage.md_where = MD_MAPPED;
		op->po_pg->mdpage.md_stage = -1;
	}
}

/* the program discarded the page behind our back: zeros now */
static void
moveout_gone(struct pmap_uffd *pu, struct pmap_op *op, int slot)
{
	stage_release(&pu->pu_stage, slot, 1, false);
	atomic_fetch_add_explicit(&pu->pu_nlost, 1, memory_order_relaxed);
	if (op->po_pg != NULL) {
		op->po_pg->mdpage.md_where = MD_ZERO;
		uvm_pmap_page_lost(op->po_pg);
	}
}

/* EAGAINs one page may see (each after the kernel waited) before it stays */
#define MOVE_EAGAIN_MAX 1000

/*
 * moveout_slots: move pages ops[0..got) into staging slots [first,
 * first+got), page i into slot first+i, in as few ioctls as the kernel
 * allows.  Every page ends staged, mapped still, or lost.
 *
 * The kernel's count of a failed move is a lower bound only (see
 * ioc_move): pages past it may have moved.  So after a failure the
 * page at the count is judged by its page tables, and the next attempt
 * starts just past it, into the same slots: a page that moved already
 * then fails with EEXIST on its slot and is judged moved in turn.  No
 * slot is released as empty on inference.
 * => object(s) of the pages locked.
 */
static void
moveout_slots(struct pmap_uffd *pu, struct pmap_op *ops, int first, int got)
{
	int i = 0, span = got, again = 0;

	while (i < got) {
		int len = span < got - i ? span : got - i;
		uint64_t srcent, dstent;
		int err, k;
		long done;

		done = ioc_move(pu->pu_fd, &pu->pu_ioc,
		    stage_addr(&pu->pu_stage, first + i), ops[i].po_addr,
		    (size_t)len * PAGE_SIZE, &err);
		k = i + (int)(done / PAGE_SIZE);
		for (; i < k; i++)
			moveout_staged(pu, &ops[i], first + i);
		if (err == 0) {
			if (span < got)
				span *= 2;
			continue;
		}
		switch (moveout_judge(pu, ops[i].po_addr, first + i, &srcent,
		    &dstent)) {
		case MO_MOVED:
			/* the count fell short of what the kernel did */
			atomic_fetch_add_explicit(&pu->pu_nundercount, 1,
			    memory_order_relaxed);
			moveout_staged(pu, &ops[i], first + i);
			i++;
			break;
		case MO_GONE:
			moveout_gone(pu, &ops[i], first + i);
			i++;
			break;
		case MO_STAYED:
			if (err == EAGAIN && again++ < MOVE_EAGAIN_MAX)
				break; /* migration, or a lock: again */
			if (err == EINVAL && len > 1) {
				/* the run crosses a mapping (mprotect split) */
				span = len / 2;
				break;
			}
			/*
			 * A page pagemap calls exclusive is pinned: left.  But
			 * not one mapped at a fork (md_forked): the kernel
			 * refuses it until it is made ours again (a write
			 * would), even once the other process let go of it;
			 * and a pin would have unshared it first.
			 */
			if (err == EBUSY && ops[i].po_pg != NULL &&
			    (ops[i].po_pg->mdpage.md_forked ||
				!pagemap_exclusive(pu, ops[i].po_addr)) &&
			    pmap_evict_copy(pu, ops[i].po_pg, ops[i].po_addr,
				first + i)) {
				/* copied out of a page a forked child shares */
				atomic_fetch_add_explicit(&pu->pu_nshared, 1,
				    memory_order_relaxed);
				moveout_staged(pu, &ops[i], first + i);
			} else if (err == EINVAL && ops[i].po_pg != NULL &&
			    pmap_evict_copy(pu, ops[i].po_pg, ops[i].po_addr,
				first + i)) {
				/*
				 * One page refused with EINVAL: its mapping
				 * is not writable (mprotect'ed read-only or
				 * executable).  Copied out instead.
				 */
				atomic_fetch_add_explicit(&pu->pu_nrdonly, 1,
				    memory_order_relaxed);
				moveout_staged(pu, &ops[i], first + i);
			} else {
				moveout_stayed(pu, &ops[i], first + i);
			}
			i++;
			break;
		default:
			if (ops[i].po_pg == NULL)
				uvm_panic(__func__,
				    "a move-out the page tables cannot "
				    "explain");
			stage_slot_not_empty(ops[i].po_pg, first + i,
			    "UFFDIO_MOVE", err, srcent, dstent);
		}
	}
}

/*
 * pmap_run_moveout: move a run of mapped pages out of their region into
 * staging slots (pmap_page_protect(VM_PROT_NONE), clear_reference).
 * => object(s) of the pages locked.
 */
static void
pmap_run_moveout(struct pmap_uffd *pu, struct pmap_op *ops, int n)
{
	while (n > 0) {
		int first, got;

		first = stage_alloc(&pu->pu_stage, n, &got);
		if (first < 0)
			uvm_panic(__func__,
			    "staging area full: frames > slots");
		moveout_slots(pu, ops, first, got);
		ops += got;
		n -= got;
	}
}

static void
pmap_run_discard(struct pmap_uffd *pu, struct pmap_op *ops, int n)
{
	/* regions have no UFFD_EVENT_REMOVE: this raises no event */
	sys_madvise(ops[0].po_addr, (size_t)n * PAGE_SIZE, MADV_DONTNEED);
	atomic_fetch_add_explicit(&pu->pu_ndontneed, 1, memory_order_relaxed);
}

/*
 * pmap_flush: issue the queued operations, in order, in runs.
 * => the objects the operations concern are locked by this thread.
 */
void
pmap_flush(struct pmap_uffd *pu, struct pmap_thread *pt)
{
	int i = 0;

	while (i < pt->pt_nops) {
		struct pmap_op *ops = &pt->pt_ops[i];
		int n = 1;

		while (i + n < pt->pt_nops && n < PMAP_RUN_MAX &&
		    pmap_op_follows(&ops[n - 1], &ops[n]))
			n++;
		switch (ops[0].po_kind) {
		case OP_ENTER:
			pmap_run_enter(pu, ops, n);
			break;
		case OP_MOVEOUT:
			pmap_run_moveout(pu, ops, n);
			break;
		case OP_DISCARD:
			pmap_run_discard(pu, ops, n);
			break;
		}
		for (int j = 0; j < n; j++) {
			if (ops[j].po_pg != NULL)
				ops[j].po_pg->mdpage.md_pending = 0;
		}
		i += n;
	}
	pt->pt_nops = 0;
}
