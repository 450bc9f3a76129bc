/*
 * pmap_mem.c: the in-memory machine (see pmap_mem_int.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "base/sys_int.h"
#include "base/kmem_int.h"
#include "pager/aobj_int.h"
#include "pager/fault_int.h"
#include "pager/pmap_mem_int.h"
#include "pager/uvm_int.h"

#define PTE_POISON ((struct vm_page *)-1L)

struct pmap_mem_pte {
	struct vm_page *pte_pg; /* NULL: not mapped; PTE_POISON: SIGBUS */
	bool pte_write;
};

struct pmap_mem_map {
	struct pmap_mem *mm_pmap;
	int mm_npages;
	struct pmap_mem_pte *mm_pte; /* pm_lock */
};

struct pmap_mem {
	struct pmap pm_pmap;	 /* first */
	struct uvm_lock pm_lock; /* the page tables, frame contents */
	int pm_nframes;
	char *pm_frames;
};

static struct pmap_mem *
to_mem(struct pmap *pm)
{
	return (struct pmap_mem *)pm;
}

static char *
frame_of(struct pmap_mem *mp, struct vm_page *pg)
{
	KASSERT(pg->frameno >= 0 && pg->frameno < mp->pm_nframes);
	return mp->pm_frames + (size_t)pg->frameno * PAGE_SIZE;
}

static struct pmap_mem_pte *
pte_of(struct vm_page *pg)
{
	struct pmap_mem_map *mm = pg->uobject->uo_mapping;

	if (mm == NULL)
		return NULL;
	return &mm->mm_pte[pg->offset >> PAGE_SHIFT];
}

static void
mem_zero_page(struct pmap *pm, struct vm_page *pg)
{
	struct pmap_mem *mp = to_mem(pm);

	uvm_lock(&mp->pm_lock);
	memset(frame_of(mp, pg), 0, PAGE_SIZE);
	uvm_unlock(&mp->pm_lock);
	pg->mdpage.md_where = MD_ZERO;
}

static int
mem_enter(struct pmap *pm, struct vm_page *pg, vm_prot_t prot, int flags)
{
	struct pmap_mem *mp = to_mem(pm);
	struct pmap_mem_pte *pte = pte_of(pg);

	(void)flags;
	if (pte == NULL)
		return -ENOENT;
	KASSERT((prot & VM_PROT_WRITE) == 0 || (pg->flags & PG_CLEAN) == 0);
	uvm_lock(&mp->pm_lock);
	pte->pte_pg = pg;
	pte->pte_write = (prot & VM_PROT_WRITE) != 0;
	uvm_unlock(&mp->pm_lock);
	pg->mdpage.md_where = MD_MAPPED;
	pg->mdpage.md_wprot = !pte->pte_write;
	return 0;
}

static void
mem_unmap(struct pmap_mem *mp, struct vm_page *pg, int where)
{
	struct pmap_mem_pte *pte = pte_of(pg);

	if (pg->mdpage.md_where != MD_MAPPED)
		return;
	uvm_lock(&mp->pm_lock);
	if (pte->pte_pg == pg) {
		pte->pte_pg = NULL;
		pg->mdpage.md_where = where;
	} else {
		/* discarded by the "program": its bytes are gone */
		memset(frame_of(mp, pg), 0, PAGE_SIZE);
		pg->mdpage.md_where = where == MD_NONE ? MD_NONE : MD_ZERO;
		if (where != MD_NONE) {
			uvm_unlock(&mp->pm_lock);
			uvm_pmap_page_lost(pg);
			return;
		}
	}
	uvm_unlock(&mp->pm_lock);
}

static void
mem_page_protect(struct pmap *pm, struct vm_page *pg, vm_prot_t prot)
{
	struct pmap_mem *mp = to_mem(pm);

	if (prot == VM_PROT_NONE) {
		mem_unmap(mp, pg, MD_STAGED);
		return;
	}
	if (pg->mdpage.md_where == MD_MAPPED && (prot & VM_PROT_WRITE) == 0) {
		uvm_lock(&mp->pm_lock);
		pte_of(pg)->pte_write = false;
		uvm_unlock(&mp->pm_lock);
		pg->mdpage.md_wprot = 1;
	}
}

static void
mem_clear_reference(struct pmap *pm, struct vm_page *pg)
{
	mem_unmap(to_mem(pm), pg, MD_STAGED);
}

static void
mem_page_remove(struct pmap *pm, struct vm_page *pg)
{
	mem_unmap(to_mem(pm), pg, MD_NONE);
	pg->mdpage.md_where = MD_NONE;
}

static void
mem_update(struct pmap *pm)
{
	(void)pm; /* nothing is deferred */
}

static int
mem_refault(struct pmap *pm, struct vm_page *pg, vm_prot_t access)
{
	struct pmap_mem *mp = to_mem(pm);
	struct pmap_mem_pte *pte = pte_of(pg);
	int error = 0;

	(void)access;
	uvm_lock(&mp->pm_lock);
	if (pte->pte_pg != pg) {
		/* discarded behind our back: zeros, mapped writable */
		memset(frame_of(mp, pg), 0, PAGE_SIZE);
		pte->pte_pg = pg;
		pte->pte_write = true;
		pg->mdpage.md_wprot = 0;
		error = -ENOENT;
	}
	uvm_unlock(&mp->pm_lock);
	return error;
}

static void
mem_pagein_bufs(struct pmap *pm, struct vm_page **pgs, int n, void **bufs)
{
	for (int i = 0; i < n; i++) {
		bufs[i] = frame_of(to_mem(pm), pgs[i]);
		pgs[i]->mdpage.md_where = MD_BOUNCE;
	}
}

static void *
mem_pageout_buf(struct pmap *pm, struct vm_page *pg)
{
	KASSERT(pg->mdpage.md_where != MD_MAPPED);
	return frame_of(to_mem(pm), pg);
}

static bool
mem_page_is_zero(struct pmap *pm, struct vm_page *pg)
{
	struct pmap_mem *mp = to_mem(pm);
	bool zero;

	KASSERT(pg->mdpage.md_where != MD_MAPPED);
	uvm_lock(&mp->pm_lock);
	zero = pmap_bytes_zero(frame_of(mp, pg));
	uvm_unlock(&mp->pm_lock);
	return zero;
}

static void
mem_page_settle(struct pmap *pm, struct vm_page *pg)
{
	(void)pm;
	if (pg->mdpage.md_where == MD_BOUNCE)
		pg->mdpage.md_where = MD_STAGED;
}

static void
mem_page_free(struct pmap *pm, struct vm_page *pg)
{
	(void)pm;
	KASSERT(pg->mdpage.md_where != MD_MAPPED);
	pg->mdpage.md_where = MD_NONE;
}

static void
mem_poison(struct pmap *pm, struct uvm_object *uobj, int pageidx)
{
	struct pmap_mem *mp = to_mem(pm);
	struct pmap_mem_map *mm = uobj->uo_mapping;

	if (mm == NULL)
		return;
	uvm_lock(&mp->pm_lock);
	mm->mm_pte[pageidx].pte_pg = PTE_POISON;
	uvm_unlock(&mp->pm_lock);
}

static const struct pmap_ops pmap_mem_ops = {
	.pmo_zero_page = mem_zero_page,
	.pmo_enter = mem_enter,
	.pmo_page_protect = mem_page_protect,
	.pmo_clear_reference = mem_clear_reference,
	.pmo_page_remove = mem_page_remove,
	.pmo_update = mem_update,
	.pmo_refault = mem_refault,
	.pmo_pagein_bufs = mem_pagein_bufs,
	.pmo_pageout_buf = mem_pageout_buf,
	.pmo_page_is_zero = mem_page_is_zero,
	.pmo_page_settle = mem_page_settle,
	.pmo_page_free = mem_page_free,
	.pmo_poison = mem_poison,
	.pmo_reclaim = NULL,
};

struct pmap *
pmap_mem_create(int nframes)
{
	struct pmap_mem *mp;

	mp = kmem_zalloc(1, sizeof(*mp));
	if (mp == NULL)
		return NULL;
	/* page-aligned: swap I/O is O_DIRECT straight from frames */
	mp->pm_frames = sys_mmap(NULL, (size_t)nframes * PAGE_SIZE,
	    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mp->pm_frames == MAP_FAILED) {
		kmem_free(mp);
		return NULL;
	}
	mp->pm_nframes = nframes;
	mp->pm_pmap.pm_ops = &pmap_mem_ops;
	uvm_lock_init(&mp->pm_lock);
	return &mp->pm_pmap;
}

void
pmap_mem_destroy(struct pmap *pm)
{
	struct pmap_mem *mp = to_mem(pm);

	if (pm == NULL)
		return;
	sys_munmap(mp->pm_frames, (size_t)mp->pm_nframes * PAGE_SIZE);
	uvm_lock_destroy(&mp->pm_lock);
	kmem_free(mp);
}

int
pmap_mem_map(struct pmap *pm, struct uvm_object *uobj)
{
	struct pmap_mem_map *mm;

	mm = kmem_zalloc(1, sizeof(*mm));
	if (mm == NULL)
		return -ENOMEM;
	mm->mm_npages = uao_npages(uobj);
	mm->mm_pte = kmem_zalloc((size_t)mm->mm_npages, sizeof(*mm->mm_pte));
	if (mm->mm_pte == NULL) {
		kmem_free(mm);
		return -ENOMEM;
	}
	mm->mm_pmap = to_mem(pm);
	uvm_lock(&uobj->vmobjlock);
	uobj->uo_mapping = mm;
	uvm_unlock(&uobj->vmobjlock);
	return 0;
}

void
pmap_mem_unmap(struct uvm_object *uobj)
{
	struct pmap_mem_map *mm;

	uvm_lock(&uobj->vmobjlock);
	mm = uobj->uo_mapping;
	uobj->uo_mapping = NULL;
	uvm_unlock(&uobj->vmobjlock);
	if (mm == NULL)
		return;
	for (int i = 0; i < mm->mm_npages; i++)
		KASSERT(mm->mm_pte[i].pte_pg == NULL ||
		    mm->mm_pte[i].pte_pg == PTE_POISON);
	kmem_free(mm->mm_pte);
	kmem_free(mm);
}

int
pmap_mem_access(struct uvm_object *uobj, voff_t off, void *buf, size_t len,
    bool write)
{
	struct pmap_mem_map *mm = uobj->uo_mapping;
	struct pmap_mem *mp = mm->mm_pmap;
	char *p = buf;

	while (len > 0) {
		int pageidx = (int)(off >> PAGE_SHIFT);
		size_t inpage = (size_t)(off & PAGE_MASK);
		size_t n = PAGE_SIZE - inpage;
		struct pmap_mem_pte *pte;
		int error, kind;

		if (n > len)
			n = len;
		if (pageidx >= mm->mm_npages)
			return -EFAULT;
		uvm_lock(&mp->pm_lock);
		pte = &mm->mm_pte[pageidx];
		if (pte->pte_pg == PTE_POISON) {
			uvm_unlock(&mp->pm_lock);
			return -EFAULT;
		}
		if (pte->pte_pg != NULL && (!write || pte->pte_write)) {
			char *frame = frame_of(mp, pte->pte_pg) + inpage;

			if (write)
				memcpy(frame, p, n);
			else
				memcpy(p, frame, n);
			uvm_unlock(&mp->pm_lock);
			off += (voff_t)n;
			p += n;
			len -= n;
			continue;
		}
		uvm_unlock(&mp->pm_lock);

		/* the hardware would fault here */
		error = uvm_fault(uobj, pageidx,
		    write ? VM_PROT_WRITE : VM_PROT_READ, &kind, NULL);
		if (error == -EIO)
			return -EFAULT;
		if (error != 0)
			return error;
	}
	return 0;
}

void
pmap_mem_discard(struct uvm_object *uobj, int pageidx)
{
	struct pmap_mem_map *mm = uobj->uo_mapping;

	/* as MADV_DONTNEED does, this also clears a poison marker */
	uvm_lock(&mm->mm_pmap->pm_lock);
	mm->mm_pte[pageidx].pte_pg = NULL;
	uvm_unlock(&mm->mm_pmap->pm_lock);
}

bool
pmap_mem_is_mapped(struct uvm_object *uobj, int pageidx, bool *writable)
{
	struct pmap_mem_map *mm = uobj->uo_mapping;
	bool mapped;

	uvm_lock(&mm->mm_pmap->pm_lock);
	mapped = mm->mm_pte[pageidx].pte_pg != NULL &&
	    mm->mm_pte[pageidx].pte_pg != PTE_POISON;
	if (writable != NULL)
		*writable = mapped && mm->mm_pte[pageidx].pte_write;
	uvm_unlock(&mm->mm_pmap->pm_lock);
	return mapped;
}
