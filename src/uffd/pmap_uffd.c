/*
 * pmap_uffd.c: the pmap operations of the userfaultfd machine (see
 * pmap_uffd_int.h for where a page's bytes live, pmap_int.h for each
 * operation's contract).  They record the page's new place at once and
 * queue what the page tables must do (pmap_run.c issues it in runs at
 * pmap_update); the staging area is stage.c, the ioctls ioc.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/fdguard_int.h"
#include "base/sys_int.h"
#include "base/kmem_int.h"
#include "pager/aobj_int.h"
#include "pager/pagerio_int.h"
#include "pager/uvm_int.h"
#include "uffd/pmap_run_int.h"
#include "uffd/uffd_compat.h"

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
		op.po_from = stage_addr(&pu->pu_stage, op.po_stage);
		pg->mdpage.md_stage = -1;
		break;
	default:
		uvm_panic(__func__, "mapping a page with no contents");
	}
	pg->mdpage.md_where = MD_MAPPED;
	pg->mdpage.md_wprot = wp;
	if (op.po_src != SRC_PROTECT && op.po_src != SRC_UNPROTECT)
		pg->mdpage.md_forked = 0; /* a new page, ours alone */
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
	if (ioc_copy(pu->pu_fd, &pu->pu_ioc, addr, pu->pu_zero, PAGE_SIZE,
		false, &err) == PAGE_SIZE) {
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
		return stage_addr(&pu->pu_stage, pg->mdpage.md_stage);
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
		    pmap_bytes_zero(
			stage_addr(&pu->pu_stage, pg->mdpage.md_stage));
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
	slot = stage_alloc(&pu->pu_stage, 1, &got);
	if (slot < 0)
		uvm_panic(__func__, "staging area full: frames > slots");
	if (ioc_copy(pu->pu_fd, &pu->pu_ioc, stage_addr(&pu->pu_stage, slot),
		pg->mdpage.md_iobuf, PAGE_SIZE, false, &err) != PAGE_SIZE) {
		uint64_t slotent = 0;

		if (err == EEXIST) {
			pagemap_entry(pu, stage_addr(&pu->pu_stage, slot),
			    &slotent);
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
		stage_release(&pu->pu_stage, pg->mdpage.md_stage, 1, true);
	if (pg->mdpage.md_where == MD_BOUNCE && pmap_self != NULL)
		pmap_self->pt_bounce_busy--;
	pg->mdpage.md_where = MD_NONE;
	pg->mdpage.md_stage = -1;
	pg->mdpage.md_iobuf = NULL;
	pg->mdpage.md_pending = 0;
	pg->mdpage.md_forked = 0;
}

static void
uffd_poison(struct pmap *pm, struct uvm_object *uobj, int pageidx)
{
	struct pmap_uffd *pu = to_uffd(pm);
	struct pmap_uffd_view *pv = uobj->uo_mapping;

	if (pv == NULL)
		return;
	uffd_update(pm);
	(void)ioc_poison(pu->pu_fd, &pu->pu_ioc,
	    pv->pv_base + ((size_t)pageidx << PAGE_SHIFT), PAGE_SIZE);
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
	stage_reclaim(&to_uffd(pm)->pu_stage);
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
	int err;

	pu = kmem_zalloc(1, sizeof(*pu));
	if (pu == NULL)
		return NULL;
	pu->pu_zero = sys_mmap(NULL, (size_t)PMAP_RUN_MAX * PAGE_SIZE,
	    PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (pu->pu_zero == MAP_FAILED)
		goto out_free;
	err = stage_init(&pu->pu_stage, fd, nframes);
	if (err != 0) {
		errno = -err;
		goto out_unmap_zero;
	}
	pu->pu_fd = fd;
	pu->pu_pagemap =
	    fd_guard(open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC));
	pu->pu_pmap.pm_ops = &pmap_uffd_ops;
	return &pu->pu_pmap;

out_unmap_zero:
	err = errno;
	sys_munmap(pu->pu_zero, (size_t)PMAP_RUN_MAX * PAGE_SIZE);
	errno = err;
out_free:
	kmem_free(pu);
	return NULL;
}

void
pmap_uffd_destroy(struct pmap *pm)
{
	struct pmap_uffd *pu = to_uffd(pm);

	if (pm == NULL)
		return;
	fd_guard_close(pu->pu_pagemap);
	stage_fini(&pu->pu_stage);
	sys_munmap(pu->pu_zero, (size_t)PMAP_RUN_MAX * PAGE_SIZE);
	kmem_free(pu);
}

bool
pmap_uffd_stage_owns(struct pmap *pm, const void *addr)
{
	return stage_owns(&to_uffd(pm)->pu_stage, addr);
}

void
pmap_uffd_get_stats(struct pmap *pm, struct pmap_uffd_stats *st)
{
	struct pmap_uffd *pu = to_uffd(pm);

	st->ps_copy = atomic_load(&pu->pu_ioc.is_copy);
	st->ps_zeropage = atomic_load(&pu->pu_ioc.is_zeropage);
	st->ps_move = atomic_load(&pu->pu_ioc.is_move);
	st->ps_wp = atomic_load(&pu->pu_ioc.is_wp);
	st->ps_dontneed =
	    atomic_load(&pu->pu_ndontneed) + atomic_load(&pu->pu_stage.st_nzap);
	st->ps_pages_moved = atomic_load(&pu->pu_ioc.is_pgmoved);
	st->ps_eagain = atomic_load(&pu->pu_ioc.is_eagain);
	st->ps_busy = atomic_load(&pu->pu_nbusy);
	st->ps_lost = atomic_load(&pu->pu_nlost);
	st->ps_undercount = atomic_load(&pu->pu_nundercount);
	st->ps_copied_shared = atomic_load(&pu->pu_nshared);
	st->ps_copied_rdonly = atomic_load(&pu->pu_nrdonly);
	stage_counts(&pu->pu_stage, &st->ps_staged, &st->ps_stale);
}

void
pmap_uffd_lock(struct pmap *pm)
{
	uvm_lock(&to_uffd(pm)->pu_stage.st_lock);
}

void
pmap_uffd_unlock(struct pmap *pm)
{
	uvm_unlock(&to_uffd(pm)->pu_stage.st_lock);
}

char *
pmap_uffd_stage_addr(struct pmap *pm, int slot)
{
	return stage_addr(&to_uffd(pm)->pu_stage, slot);
}

void
pmap_uffd_wake(struct pmap *pm, void *addr, size_t len)
{
	ioc_wake(to_uffd(pm)->pu_fd, addr, len);
}

int
pmap_uffd_fork_child(struct pmap *pm, int fd)
{
	struct pmap_uffd *pu = to_uffd(pm);
	struct pmap_stage *st = &pu->pu_stage;
	struct uffdio_register reg;

	memset(&reg, 0, sizeof(reg));
	reg.range.start = (unsigned long)st->st_base;
	reg.range.len = (size_t)st->st_nslots * PAGE_SIZE;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP;
	if (ioctl(fd, UFFDIO_REGISTER, &reg) != 0)
		return -errno;
	pu->pu_fd = fd;
	/* /proc/self was the parent when it was opened */
	fd_guard_close(pu->pu_pagemap);
	pu->pu_pagemap =
	    fd_guard(open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC));
	return 0;
}
