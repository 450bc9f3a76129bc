/*
 * pmap_uffd.c: the pmap of the userfaultfd machine (see pmap_uffd_int.h).
 *
 * Sections: the staging allocator; ioctl wrappers that handle every
 * outcome (EAGAIN retried, EEXIST, ENOENT, EBUSY and short counts
 * reported per page); the per-thread queue and its flush (pmap_update);
 * the pmap operations.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdnoreturn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pager/fdguard_int.h"
#include "pager/sys_int.h"
#include "pager/kmem_int.h"
#include "pager/aobj_int.h"
#include "pager/pagerio_int.h"
#include "pager/uvm_int.h"
#include "pmap_uffd_int.h"
#include "uffd_compat.h"

/* the longest run one ioctl carries, in pages */
#define PMAP_RUN_MAX 64
/* operations queued per thread before a forced flush */
#define PMAP_QUEUE_MAX 256

struct pmap_uffd {
	struct pmap pu_pmap;	 /* first */
	int pu_fd;		 /* I: the userfaultfd */
	char *pu_stage;		 /* I: staging area */
	int pu_nstage;		 /* I: slots (pages) in it */
	char *pu_zero;		 /* I: PMAP_RUN_MAX zero pages */
	struct uvm_lock pu_lock; /* the staging allocator: */
	uint64_t *pu_used;	 /* l: slot holds a page's bytes */
	uint64_t *pu_stale;	 /* l: free, memory still populated */
	int pu_hint;		 /* l: next-fit cursor */
	int pu_nused;		 /* l */
	int pu_nstale;		 /* l */
	atomic_uint_fast64_t pu_ncopy, pu_nzeropage, pu_nmove, pu_nwp;
	atomic_uint_fast64_t pu_ndontneed, pu_npgmoved, pu_neagain;
	atomic_uint_fast64_t pu_nbusy, pu_nlost, pu_nshared, pu_nundercount;
	int pu_pagemap; /* I: /proc/self/pagemap, or -1 */
};

enum pmap_opkind {
	OP_ENTER,   /* map a page into its region */
	OP_MOVEOUT, /* move a mapped page into a staging slot */
	OP_DISCARD, /* drop a mapped page, bytes and all */
};

enum pmap_src {
	SRC_ZEROPAGE,  /* UFFDIO_ZEROPAGE */
	SRC_ZEROCOPY,  /* copy from pu_zero */
	SRC_BOUNCE,    /* copy from the thread's bounce buffer */
	SRC_STAGE,     /* copy from a staging slot */
	SRC_UNPROTECT, /* mapped already: remove write protection */
	SRC_PROTECT,   /* mapped already: write-protect */
};

struct pmap_op {
	uint8_t po_kind;
	uint8_t po_src;
	bool po_wp;	       /* ENTER: map write-protected */
	struct vm_page *po_pg; /* NULL once the page was freed */
	char *po_addr;	       /* region address */
	char *po_from;	       /* ENTER: source address */
	int po_stage;	       /* ENTER from SRC_STAGE: slot to release */
};

struct pmap_thread {
	char *pt_bounce;	   /* UVM_IO_MAXPAGES pages, not registered */
	int pt_bounce_busy;	   /* pages of it holding data */
	struct pmap_uffd *pt_pmap; /* whose operations are queued */
	int pt_nops;
	struct pmap_op pt_ops[PMAP_QUEUE_MAX];
};

static pthread_key_t pmap_thread_key;
static pthread_once_t pmap_thread_once = PTHREAD_ONCE_INIT;
/* initial-exec: never through the DTV (malloc'd: region memory) */
static __thread struct pmap_thread *pmap_self
    __attribute__((tls_model("initial-exec")));

static struct pmap_uffd *
to_uffd(struct pmap *pm)
{
	return (struct pmap_uffd *)pm;
}

static inline char *
page_addr(struct vm_page *pg)
{
	struct pmap_uffd_view *pv = pg->uobject->uo_mapping;

	return pv->pv_base + pg->offset;
}

static inline char *
stage_addr(struct pmap_uffd *pu, int slot)
{
	return pu->pu_stage + (size_t)slot * PAGE_SIZE;
}

/*
 * the staging allocator
 */

static inline bool
bit_test(const uint64_t *m, int i)
{
	return (m[i / 64] >> (i % 64)) & 1;
}

static inline void
bit_put(uint64_t *m, int i, bool v)
{
	if (v)
		m[i / 64] |= (uint64_t)1 << (i % 64);
	else
		m[i / 64] &= ~((uint64_t)1 << (i % 64));
}

/*
 * stage_zap: release the memory of stale slots [first, first+n).
 * => pu_lock held; the slots are marked used by the caller or stale.
 */
static void
stage_zap_locked(struct pmap_uffd *pu, int first, int n)
{
	/*
	 * A slot that kept its page would meet the next move into it with
	 * EEXIST: the staging area is ours alone, so this cannot fail
	 * unless the bookkeeping is wrong.
	 */
	if (sys_madvise(stage_addr(pu, first), (size_t)n * PAGE_SIZE,
		MADV_DONTNEED) != 0)
		uvm_panic(__func__,
		    "madvise(MADV_DONTNEED) of staging slots "
		    "failed");
	atomic_fetch_add_explicit(&pu->pu_ndontneed, 1, memory_order_relaxed);
	for (int i = first; i < first + n; i++) {
		if (bit_test(pu->pu_stale, i)) {
			bit_put(pu->pu_stale, i, false);
			pu->pu_nstale--;
		}
	}
}

/*
 * stage_alloc: reserve up to `want' contiguous empty staging slots.
 * => returns the first slot and sets *gotp, or -1 if none is free.
 * => slots come back as holes (stale ones are released first), ready to
 *    be the destination of UFFDIO_MOVE or UFFDIO_COPY.
 */
static int
stage_alloc(struct pmap_uffd *pu, int want, int *gotp)
{
	int best = -1, bestlen = 0, start = 0, len = 0, i, scanned;
	bool stale = false;

	uvm_lock(&pu->pu_lock);
	for (i = pu->pu_hint, scanned = 0; scanned < pu->pu_nstage;
	     scanned++, i = (i + 1) % pu->pu_nstage) {
		if (i == 0 || bit_test(pu->pu_used, i))
			len = 0; /* runs end at used slots and do not wrap */
		if (bit_test(pu->pu_used, i))
			continue;
		if (len++ == 0)
			start = i;
		if (len > bestlen) {
			best = start;
			bestlen = len;
			if (len == want)
				break;
		}
	}
	if (best < 0) {
		uvm_unlock(&pu->pu_lock);
		return -1;
	}
	for (i = best; i < best + bestlen; i++) {
		bit_put(pu->pu_used, i, true);
		stale |= bit_test(pu->pu_stale, i);
	}
	if (stale)
		stage_zap_locked(pu, best, bestlen);
	pu->pu_nused += bestlen;
	pu->pu_hint = (best + bestlen) % pu->pu_nstage;
	uvm_unlock(&pu->pu_lock);
	*gotp = bestlen;
	return best;
}

/*
 * stage_release: give slots back.  populated: their memory still holds
 * bytes (released in batches by pmo_reclaim); else they are holes.
 */
static void
stage_release(struct pmap_uffd *pu, int first, int n, bool populated)
{
	uvm_lock(&pu->pu_lock);
	for (int i = first; i < first + n; i++) {
		KASSERT(bit_test(pu->pu_used, i));
		bit_put(pu->pu_used, i, false);
		if (populated && !bit_test(pu->pu_stale, i)) {
			bit_put(pu->pu_stale, i, true);
			pu->pu_nstale++;
		}
	}
	pu->pu_nused -= n;
	uvm_unlock(&pu->pu_lock);
}

/*
 * ioctl wrappers
 *
 * Each issues one run and returns the bytes done before the first
 * failure, with *errp the failure (0 if the whole run was done).  EAGAIN
 * (a non-cooperative event in flight: none is enabled, but the kernel may
 * still say so) is retried here.
 */

static long
ioc_copy(struct pmap_uffd *pu, char *dst, const char *src, size_t len, bool wp,
    int *errp)
{
	struct uffdio_copy uc;
	size_t done = 0;

	*errp = 0;
	while (done < len) {
		memset(&uc, 0, sizeof(uc));
		uc.dst = (unsigned long)(dst + done);
		uc.src = (unsigned long)(src + done);
		uc.len = len - done;
		uc.mode = wp ? UFFDIO_COPY_MODE_WP : 0;
		atomic_fetch_add_explicit(&pu->pu_ncopy, 1,
		    memory_order_relaxed);
		if (ioctl(pu->pu_fd, UFFDIO_COPY, &uc) == 0) {
			done = len;
			break;
		}
		if (uc.copy > 0)
			done += (size_t)uc.copy;
		if (errno == EAGAIN) {
			atomic_fetch_add_explicit(&pu->pu_neagain, 1,
			    memory_order_relaxed);
			continue;
		}
		*errp = errno;
		break;
	}
	return (long)done;
}

static long
ioc_zeropage(struct pmap_uffd *pu, char *dst, size_t len, int *errp)
{
	struct uffdio_zeropage uz;
	size_t done = 0;

	*errp = 0;
	while (done < len) {
		memset(&uz, 0, sizeof(uz));
		uz.range.start = (unsigned long)(dst + done);
		uz.range.len = len - done;
		atomic_fetch_add_explicit(&pu->pu_nzeropage, 1,
		    memory_order_relaxed);
		if (ioctl(pu->pu_fd, UFFDIO_ZEROPAGE, &uz) == 0) {
			done = len;
			break;
		}
		if (uz.zeropage > 0)
			done += (size_t)uz.zeropage;
		if (errno == EAGAIN) {
			atomic_fetch_add_explicit(&pu->pu_neagain, 1,
			    memory_order_relaxed);
			continue;
		}
		*errp = errno;
		break;
	}
	return (long)done;
}

/*
 * ioc_move: one UFFDIO_MOVE of a run, no retry here.
 * => returns the bytes the kernel says it moved, with *errp the failure
 *    (0 if the whole run was done).
 * => on failure the count is a lower bound only: on 6.18, a run that
 *    meets a page under migration may be moved in full yet reported short
 *    with EAGAIN.  The caller judges the rest page by page (pagemap), and
 *    never retries a range it has not judged.
 */
static long
ioc_move(struct pmap_uffd *pu, char *dst, char *src, size_t len, int *errp)
{
	struct uffdio_move um;
	long done;

	memset(&um, 0, sizeof(um));
	um.dst = (unsigned long)dst;
	um.src = (unsigned long)src;
	um.len = len;
	/* nobody waits on the staging area: no wake-up to do */
	um.mode = UFFDIO_MOVE_MODE_DONTWAKE;
	atomic_fetch_add_explicit(&pu->pu_nmove, 1, memory_order_relaxed);
	if (ioctl(pu->pu_fd, UFFDIO_MOVE, &um) == 0) {
		*errp = 0;
		done = (long)len;
	} else {
		*errp = errno;
		done = um.move > 0 ? (long)um.move : 0;
		if (*errp == EAGAIN)
			atomic_fetch_add_explicit(&pu->pu_neagain, 1,
			    memory_order_relaxed);
	}
	atomic_fetch_add_explicit(&pu->pu_npgmoved,
	    (unsigned long)done / PAGE_SIZE, memory_order_relaxed);
	return done;
}

static int
ioc_writeprotect(struct pmap_uffd *pu, char *addr, size_t len, bool wp)
{
	struct uffdio_writeprotect uw;

	memset(&uw, 0, sizeof(uw));
	uw.range.start = (unsigned long)addr;
	uw.range.len = len;
	uw.mode = wp ? UFFDIO_WRITEPROTECT_MODE_WP : 0;
	for (;;) {
		atomic_fetch_add_explicit(&pu->pu_nwp, 1, memory_order_relaxed);
		if (ioctl(pu->pu_fd, UFFDIO_WRITEPROTECT, &uw) == 0)
			return 0;
		if (errno != EAGAIN)
			return -errno;
		atomic_fetch_add_explicit(&pu->pu_neagain, 1,
		    memory_order_relaxed);
	}
}

void
pmap_uffd_wake(struct pmap *pm, void *addr, size_t len)
{
	struct uffdio_range ur;

	ur.start = (unsigned long)addr & ~(unsigned long)PAGE_MASK;
	ur.len = round_page(len);
	ioctl(to_uffd(pm)->pu_fd, UFFDIO_WAKE, &ur);
}

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
static struct pmap_thread *
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

static void pmap_flush(struct pmap_uffd *pu, struct pmap_thread *pt);

static void
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
		stage_release(pu, op->po_stage, 1, true);
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
		done = ioc_zeropage(pu, ops[0].po_addr, len, &err);
		break;
	case SRC_ZEROCOPY:
		done = ioc_copy(pu, ops[0].po_addr, pu->pu_zero, len,
		    ops[0].po_wp, &err);
		break;
	case SRC_BOUNCE:
	case SRC_STAGE:
		done = ioc_copy(pu, ops[0].po_addr, ops[0].po_from, len,
		    ops[0].po_wp, &err);
		break;
	case SRC_UNPROTECT:
	case SRC_PROTECT:
		err = -ioc_writeprotect(pu, ops[0].po_addr, len,
		    ops[0].po_src == SRC_PROTECT);
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
static bool
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
 * pmap_evict_shared: take out of the region a page that UFFDIO_MOVE
 * refused because a forked child shares it (copy-on-write).
 *
 * Write-protect it first, so that no store lands between the copy and
 * the drop (a store now waits in a write-protect fault, which finds the
 * page staged and maps it back); copy it into the staging slot with
 * UFFDIO_COPY (the kernel reads the present page); drop our mapping.
 * The child keeps its own reference to the old page.
 * => object locked.  Returns false (page untouched) if it is pinned.
 */
static bool
pmap_evict_shared(struct pmap_uffd *pu, struct vm_page *pg, char *addr,
    int slot)
{
	int err;

	if (pagemap_exclusive(pu, addr))
		return false;
	if (!pg->mdpage.md_wprot &&
	    ioc_writeprotect(pu, addr, PAGE_SIZE, true) != 0)
		return false;
	if (ioc_copy(pu, stage_addr(pu, slot), addr, PAGE_SIZE, false, &err) !=
	    PAGE_SIZE) {
		if (!pg->mdpage.md_wprot)
			ioc_writeprotect(pu, addr, PAGE_SIZE, false);
		return false;
	}
	sys_madvise(addr, PAGE_SIZE, MADV_DONTNEED);
	atomic_fetch_add_explicit(&pu->pu_nshared, 1, memory_order_relaxed);
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
	    !pagemap_entry(pu, stage_addr(pu, slot), dstent))
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
static noreturn void
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
		stage_release(pu, slot, 1, true);
		return;
	}
	op->po_pg->mdpage.md_stage = slot;
}

/*
 * The page did not move: pinned by I/O in flight (EBUSY), or in a mapping
 * the program changed (EINVAL: mprotect).  It stays mapped, and the
 * pagedaemon, finding it mapped on the inactive queue, reactivates it.
 */
static void
moveout_stayed(struct pmap_uffd *pu, struct pmap_op *op, int slot)
{
	stage_release(pu, slot, 1, false);
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
	stage_release(pu, slot, 1, false);
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

		done = ioc_move(pu, stage_addr(pu, first + i), ops[i].po_addr,
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
			if (err == EBUSY && ops[i].po_pg != NULL &&
			    pmap_evict_shared(pu, ops[i].po_pg, ops[i].po_addr,
				first + i)) {
				/* copied out of a page a forked child shares */
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

		first = stage_alloc(pu, n, &got);
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
static void
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

/*
 * the pmap operations
 */

static void
uffd_update(struct pmap *pm)
{
	struct pmap_thread *pt = pmap_self;

	(void)pm;
	if (pt != NULL && pt->pt_nops > 0)
		pmap_flush(pt->pt_pmap, pt);
}

static void
uffd_zero_page(struct pmap *pm, struct vm_page *pg)
{
	(void)pm;
	KASSERT(pg->mdpage.md_where == MD_NONE);
	pg->mdpage.md_where = MD_ZERO;
}

static int
uffd_enter(struct pmap *pm, struct vm_page *pg, vm_prot_t prot, int flags)
{
	struct pmap_uffd *pu = to_uffd(pm);
	struct pmap_op op;
	bool wp = (prot & VM_PROT_WRITE) == 0;

	if (pg->uobject->uo_mapping == NULL)
		return -ENOENT;
	KASSERT(!wp || (prot & VM_PROT_READ));
	KASSERT(wp || (pg->flags & PG_CLEAN) == 0);

	memset(&op, 0, sizeof(op));
	op.po_kind = OP_ENTER;
	op.po_pg = pg;
	op.po_addr = page_addr(pg);
	op.po_wp = wp;
	op.po_stage = -1;
	/*
	 * A staged page whose move-out is still queued has no slot yet:
	 * settle it first (our own queue: the object is locked by us, so
	 * no other thread's queue holds an operation on it).
	 */
	if (pg->mdpage.md_where == MD_STAGED && pg->mdpage.md_stage < 0) {
		KASSERT(pg->mdpage.md_pending);
		uffd_update(pm);
		KASSERT(pg->mdpage.md_where != MD_STAGED ||
		    pg->mdpage.md_stage >= 0);
	}
	switch (pg->mdpage.md_where) {
	case MD_MAPPED:
		if (pg->mdpage.md_wprot == wp)
			return 0; /* as asked already */
		op.po_src = wp ? SRC_PROTECT : SRC_UNPROTECT;
		break;
	case MD_ZERO:
		/*
		 * A read maps the shared zero page; the program's first write
		 * then gets a private copy from the kernel, with no fault to
		 * us.  That is why a zero-filled page counts as dirty.
		 */
		op.po_src =
		    (flags & PMAP_WRITING) || wp ? SRC_ZEROCOPY : SRC_ZEROPAGE;
		op.po_from = pu->pu_zero;
		break;
	case MD_BOUNCE:
		op.po_src = SRC_BOUNCE;
		op.po_from = pg->mdpage.md_iobuf;
		pg->mdpage.md_iobuf = NULL;
		break;
	case MD_STAGED:
		op.po_src = SRC_STAGE;
		op.po_stage = pg->mdpage.md_stage;
		op.po_from = stage_addr(pu, op.po_stage);
		pg->mdpage.md_stage = -1;
		break;
	default:
		uvm_panic(__func__, "mapping a page with no contents");
	}
	pg->mdpage.md_where = MD_MAPPED;
	pg->mdpage.md_wprot = wp;
	pmap_queue(pu, &op);
	return 0;
}

static void
uffd_moveout(struct pmap_uffd *pu, struct vm_page *pg)
{
	struct pmap_op op;

	if (pg->mdpage.md_where != MD_MAPPED)
		return;
	memset(&op, 0, sizeof(op));
	op.po_kind = OP_MOVEOUT;
	op.po_pg = pg;
	op.po_addr = page_addr(pg);
	op.po_stage = -1;
	/* tentatively: pmap_update settles it (or finds it busy, or lost) */
	pg->mdpage.md_where = MD_STAGED;
	pg->mdpage.md_stage = -1;
	pmap_queue(pu, &op);
}

static void
uffd_page_protect(struct pmap *pm, struct vm_page *pg, vm_prot_t prot)
{
	if (prot == VM_PROT_NONE) {
		uffd_moveout(to_uffd(pm), pg);
		return;
	}
	if (pg->mdpage.md_where == MD_MAPPED && (prot & VM_PROT_WRITE) == 0 &&
	    !pg->mdpage.md_wprot)
		uffd_enter(pm, pg, VM_PROT_READ, 0);
}

static void
uffd_clear_reference(struct pmap *pm, struct vm_page *pg)
{
	uffd_moveout(to_uffd(pm), pg);
}

static void
uffd_page_remove(struct pmap *pm, struct vm_page *pg)
{
	struct pmap_op op;

	if (pg->mdpage.md_where != MD_MAPPED)
		return;
	memset(&op, 0, sizeof(op));
	op.po_kind = OP_DISCARD;
	op.po_addr = page_addr(pg);
	op.po_stage = -1;
	pg->mdpage.md_where = MD_NONE;
	pmap_queue(to_uffd(pm), &op);
}

static int
uffd_refault(struct pmap *pm, struct vm_page *pg, vm_prot_t access)
{
	struct pmap_uffd *pu = to_uffd(pm);
	char *addr = page_addr(pg);
	int err;

	(void)access;
	/* our own queue first: the mapping may be in it */
	uffd_update(pm);
	/*
	 * Probe: a copy succeeds only where nothing is mapped.  EEXIST
	 * means the mapping is intact and the fault was stale.
	 */
	if (ioc_copy(pu, addr, pu->pu_zero, PAGE_SIZE, false, &err) ==
	    PAGE_SIZE) {
		pg->mdpage.md_wprot = 0;
		return -ENOENT;
	}
	pmap_uffd_wake(pm, addr, PAGE_SIZE);
	return 0;
}

static void
uffd_pagein_bufs(struct pmap *pm, struct vm_page **pgs, int n, void **bufs)
{
	struct pmap_thread *pt = pmap_thread();

	(void)pm;
	KASSERT(n <= UVM_IO_MAXPAGES);
	/* the previous read's pages must have been mapped or staged */
	KASSERT(pt->pt_bounce_busy == 0);
	for (int i = 0; i < n; i++) {
		KASSERT(pgs[i]->mdpage.md_where == MD_NONE);
		bufs[i] = pt->pt_bounce + (size_t)i * PAGE_SIZE;
		pgs[i]->mdpage.md_where = MD_BOUNCE;
		pgs[i]->mdpage.md_iobuf = bufs[i];
	}
	pt->pt_bounce_busy = n;
}

static void *
uffd_pageout_buf(struct pmap *pm, struct vm_page *pg)
{
	struct pmap_uffd *pu = to_uffd(pm);

	KASSERT(!pg->mdpage.md_pending);
	switch (pg->mdpage.md_where) {
	case MD_STAGED:
		return stage_addr(pu, pg->mdpage.md_stage);
	case MD_ZERO:
		return pu->pu_zero;
	default:
		uvm_panic(__func__, "page out of a page that is not staged");
	}
}

/*
 * A staged page's slot is populated (moved or copied in), so reading it
 * cannot fault: a slot that maps the shared zero page (a page the
 * program only read, moved out) reads as zeros like any other.
 */
static bool
uffd_page_is_zero(struct pmap *pm, struct vm_page *pg)
{
	struct pmap_uffd *pu = to_uffd(pm);

	if (pg->mdpage.md_pending)
		return false; /* a queued move-out: not settled, say no */
	switch (pg->mdpage.md_where) {
	case MD_ZERO:
		return true;
	case MD_STAGED:
		return pg->mdpage.md_stage >= 0 &&
		    pmap_bytes_zero(stage_addr(pu, pg->mdpage.md_stage));
	default:
		return false;
	}
}

static void
uffd_page_settle(struct pmap *pm, struct vm_page *pg)
{
	struct pmap_uffd *pu = to_uffd(pm);
	int slot, got, err;

	KASSERT(pg->mdpage.md_where == MD_BOUNCE);
	slot = stage_alloc(pu, 1, &got);
	if (slot < 0)
		uvm_panic(__func__, "staging area full: frames > slots");
	if (ioc_copy(pu, stage_addr(pu, slot), pg->mdpage.md_iobuf, PAGE_SIZE,
		false, &err) != PAGE_SIZE) {
		uint64_t slotent = 0;

		if (err == EEXIST) {
			pagemap_entry(pu, stage_addr(pu, slot), &slotent);
			stage_slot_not_empty(pg, slot, "UFFDIO_COPY", err, 0,
			    slotent);
		}
		uvm_panic(__func__, "cannot copy into the staging area");
	}
	pg->mdpage.md_where = MD_STAGED;
	pg->mdpage.md_stage = slot;
	pg->mdpage.md_iobuf = NULL;
	if (pmap_self != NULL)
		pmap_self->pt_bounce_busy--;
}

static void
uffd_page_free(struct pmap *pm, struct vm_page *pg)
{
	struct pmap_uffd *pu = to_uffd(pm);
	struct pmap_thread *pt = pmap_self;

	KASSERT(pg->mdpage.md_where != MD_MAPPED);
	if (pg->mdpage.md_pending && pt != NULL) {
		/*
		 * An operation on this page is still queued.  The frame
		 * may be reused before the queue is flushed: the queue must
		 * not touch it, and a pending move-out becomes a discard.
		 */
		for (int i = 0; i < pt->pt_nops; i++) {
			if (pt->pt_ops[i].po_pg != pg)
				continue;
			pt->pt_ops[i].po_pg = NULL;
			if (pt->pt_ops[i].po_kind == OP_MOVEOUT)
				pt->pt_ops[i].po_kind = OP_DISCARD;
		}
	}
	if (pg->mdpage.md_where == MD_STAGED && pg->mdpage.md_stage >= 0)
		stage_release(pu, pg->mdpage.md_stage, 1, true);
	if (pg->mdpage.md_where == MD_BOUNCE && pmap_self != NULL)
		pmap_self->pt_bounce_busy--;
	pg->mdpage.md_where = MD_NONE;
	pg->mdpage.md_stage = -1;
	pg->mdpage.md_iobuf = NULL;
	pg->mdpage.md_pending = 0;
}

static void
uffd_poison(struct pmap *pm, struct uvm_object *uobj, int pageidx)
{
	struct pmap_uffd *pu = to_uffd(pm);
	struct pmap_uffd_view *pv = uobj->uo_mapping;
	struct uffdio_poison up;

	if (pv == NULL)
		return;
	uffd_update(pm);
	memset(&up, 0, sizeof(up));
	up.range.start =
	    (unsigned long)(pv->pv_base + ((size_t)pageidx << PAGE_SHIFT));
	up.range.len = PAGE_SIZE;
	while (ioctl(pu->pu_fd, UFFDIO_POISON, &up) != 0 && errno == EAGAIN)
		continue;
}

static int
uffd_mapped_run(struct pmap *pm, struct uvm_object *uobj, int pageidx)
{
	(void)pm;
	if (uobj->uo_mapping == NULL)
		return 0;
	return region_view_run(uobj->uo_mapping, pageidx);
}

static void
uffd_reclaim(struct pmap *pm)
{
	struct pmap_uffd *pu = to_uffd(pm);
	int i = 0;

	uvm_lock(&pu->pu_lock);
	while (pu->pu_nstale > 0 && i < pu->pu_nstage) {
		int n;

		if (!bit_test(pu->pu_stale, i)) {
			i++;
			continue;
		}
		for (n = 1; i + n < pu->pu_nstage &&
		     bit_test(pu->pu_stale, i + n) && n < 512;
		     n++)
			continue;
		stage_zap_locked(pu, i, n);
		i += n;
	}
	uvm_unlock(&pu->pu_lock);
}

static const struct pmap_ops pmap_uffd_ops = {
	.pmo_zero_page = uffd_zero_page,
	.pmo_enter = uffd_enter,
	.pmo_page_protect = uffd_page_protect,
	.pmo_clear_reference = uffd_clear_reference,
	.pmo_page_remove = uffd_page_remove,
	.pmo_update = uffd_update,
	.pmo_refault = uffd_refault,
	.pmo_pagein_bufs = uffd_pagein_bufs,
	.pmo_pageout_buf = uffd_pageout_buf,
	.pmo_page_is_zero = uffd_page_is_zero,
	.pmo_page_settle = uffd_page_settle,
	.pmo_page_free = uffd_page_free,
	.pmo_poison = uffd_poison,
	.pmo_reclaim = uffd_reclaim,
	.pmo_mapped_run = uffd_mapped_run,
};

struct pmap *
pmap_uffd_create(int fd, int nframes)
{
	struct pmap_uffd *pu;
	struct uffdio_register reg;
	size_t len = (size_t)nframes * PAGE_SIZE;
	int nwords = (nframes + 63) / 64;

	pu = kmem_zalloc(1, sizeof(*pu));
	if (pu == NULL)
		return NULL;
	pu->pu_used = kmem_zalloc((size_t)nwords, sizeof(uint64_t));
	pu->pu_stale = kmem_zalloc((size_t)nwords, sizeof(uint64_t));
	if (pu->pu_used == NULL || pu->pu_stale == NULL)
		goto out_free;
	pu->pu_zero = sys_mmap(NULL, (size_t)PMAP_RUN_MAX * PAGE_SIZE,
	    PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (pu->pu_zero == MAP_FAILED)
		goto out_free;
	/*
	 * The staging area mirrors a region's mapping exactly (flags,
	 * protection, registration modes): UFFDIO_MOVE refuses areas that
	 * differ.
	 */
	pu->pu_stage = sys_mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (pu->pu_stage == MAP_FAILED)
		goto out_unmap_zero;
	sys_madvise(pu->pu_stage, len, MADV_NOHUGEPAGE);
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (unsigned long)pu->pu_stage;
	reg.range.len = len;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP;
	if (ioctl(fd, UFFDIO_REGISTER, &reg) != 0)
		goto out_unmap_stage;

	pu->pu_fd = fd;
	pu->pu_nstage = nframes;
	pu->pu_pagemap =
	    fd_guard(open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC));
	uvm_lock_init(&pu->pu_lock);
	pu->pu_pmap.pm_ops = &pmap_uffd_ops;
	return &pu->pu_pmap;

out_unmap_stage:
	sys_munmap(pu->pu_stage, len);
out_unmap_zero:
	sys_munmap(pu->pu_zero, (size_t)PMAP_RUN_MAX * PAGE_SIZE);
out_free:
	kmem_free(pu->pu_used);
	kmem_free(pu->pu_stale);
	kmem_free(pu);
	return NULL;
}

void
pmap_uffd_destroy(struct pmap *pm)
{
	struct pmap_uffd *pu = to_uffd(pm);

	if (pm == NULL)
		return;
	KASSERT(pu->pu_nused == 0);
	fd_guard_close(pu->pu_pagemap);
	sys_munmap(pu->pu_stage, (size_t)pu->pu_nstage * PAGE_SIZE);
	sys_munmap(pu->pu_zero, (size_t)PMAP_RUN_MAX * PAGE_SIZE);
	uvm_lock_destroy(&pu->pu_lock);
	kmem_free(pu->pu_used);
	kmem_free(pu->pu_stale);
	kmem_free(pu);
}

bool
pmap_uffd_stage_owns(struct pmap *pm, const void *addr)
{
	struct pmap_uffd *pu = to_uffd(pm);
	const char *p = addr;

	return p >= pu->pu_stage &&
	    p < pu->pu_stage + (size_t)pu->pu_nstage * PAGE_SIZE;
}

void
pmap_uffd_get_stats(struct pmap *pm, struct pmap_uffd_stats *st)
{
	struct pmap_uffd *pu = to_uffd(pm);

	st->ps_copy = atomic_load(&pu->pu_ncopy);
	st->ps_zeropage = atomic_load(&pu->pu_nzeropage);
	st->ps_move = atomic_load(&pu->pu_nmove);
	st->ps_wp = atomic_load(&pu->pu_nwp);
	st->ps_dontneed = atomic_load(&pu->pu_ndontneed);
	st->ps_pages_moved = atomic_load(&pu->pu_npgmoved);
	st->ps_eagain = atomic_load(&pu->pu_neagain);
	st->ps_busy = atomic_load(&pu->pu_nbusy);
	st->ps_lost = atomic_load(&pu->pu_nlost);
	st->ps_undercount = atomic_load(&pu->pu_nundercount);
	uvm_lock(&pu->pu_lock);
	st->ps_staged = pu->pu_nused;
	st->ps_stale = pu->pu_nstale;
	uvm_unlock(&pu->pu_lock);
}

void
pmap_uffd_lock(struct pmap *pm)
{
	uvm_lock(&to_uffd(pm)->pu_lock);
}

void
pmap_uffd_unlock(struct pmap *pm)
{
	uvm_unlock(&to_uffd(pm)->pu_lock);
}

char *
pmap_uffd_stage_addr(struct pmap *pm, int slot)
{
	return stage_addr(to_uffd(pm), slot);
}
