/*
 * region.c: regions and the address table (see region_int.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/sys_int.h"
#include "base/fdguard_int.h"
#include "base/kmem_int.h"
#include "pager/aobj_int.h"
#include "pager/uvm_int.h"
#include "uffd/region_int.h"
#include "uffd/sim_int.h"
#include "uffd/uffd_compat.h"

/* the ioctls a registered region must allow */
#define REGION_IOCTLS                                                          \
	((1ULL << _UFFDIO_COPY) | (1ULL << _UFFDIO_ZEROPAGE) |                 \
	    (1ULL << _UFFDIO_WRITEPROTECT) | (1ULL << _UFFDIO_WAKE) |          \
	    (1ULL << _UFFDIO_MOVE) | (1ULL << _UFFDIO_POISON))

int
region_table_init(struct region_table *rt)
{
	memset(rt, 0, sizeof(*rt));
	LIST_INIT(&rt->rt_regions);
	return -pthread_rwlock_init(&rt->rt_lock, NULL);
}

void
region_table_fini(struct region_table *rt)
{
	KASSERT(rt->rt_n == 0 && rt->rt_nregions == 0);
	kmem_free(rt->rt_spans);
	pthread_rwlock_destroy(&rt->rt_lock);
}

/*
 * the span table
 */

/* the index of the first span ending after addr.  => table locked */
static int
span_search(struct region_table *rt, const char *addr)
{
	int lo = 0, hi = rt->rt_n;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (rt->rt_spans[mid].rs_end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* => table write-locked */
static int
span_insert(struct region_table *rt, char *start, char *end,
    struct uao_region *r)
{
	int at = span_search(rt, start);

	if (rt->rt_n == rt->rt_cap) {
		int cap = rt->rt_cap ? rt->rt_cap * 2 : 16;
		struct region_span *s =
		    kmem_realloc(rt->rt_spans, (size_t)cap * sizeof(*s));

		if (s == NULL)
			return -ENOMEM;
		rt->rt_spans = s;
		rt->rt_cap = cap;
	}
	KASSERT(at == rt->rt_n || rt->rt_spans[at].rs_start >= end);
	memmove(&rt->rt_spans[at + 1], &rt->rt_spans[at],
	    (size_t)(rt->rt_n - at) * sizeof(*rt->rt_spans));
	rt->rt_spans[at].rs_start = start;
	rt->rt_spans[at].rs_end = end;
	rt->rt_spans[at].rs_region = r;
	rt->rt_n++;
	r->r_nspans++;
	return 0;
}

/* => table write-locked */
static void
span_delete(struct region_table *rt, int at)
{
	rt->rt_spans[at].rs_region->r_nspans--;
	memmove(&rt->rt_spans[at], &rt->rt_spans[at + 1],
	    (size_t)(rt->rt_n - at - 1) * sizeof(*rt->rt_spans));
	rt->rt_n--;
}

_Static_assert(offsetof(struct uao_region, r_view) == 0,
    "region_view_run finds the region from its view");

int
region_view_run(struct pmap_uffd_view *pv, int pageidx)
{
	/* the view is the region's first member */
	struct uao_region *r = (struct uao_region *)pv;
	struct region_table *rt = &r->r_sim->us_regions;
	const char *a = pv->pv_base + ((size_t)pageidx << PAGE_SHIFT);
	int at, n = 0;

	pthread_rwlock_rdlock(&rt->rt_lock);
	at = span_search(rt, a);
	if (at < rt->rt_n && rt->rt_spans[at].rs_start <= a &&
	    rt->rt_spans[at].rs_region == r)
		n = (int)((rt->rt_spans[at].rs_end - a) >> PAGE_SHIFT);
	pthread_rwlock_unlock(&rt->rt_lock);
	return n;
}

struct uao_region *
region_lookup(struct uao_sim *sim, const void *addr, int *pageidxp)
{
	struct region_table *rt = &sim->us_regions;
	struct uao_region *r = NULL;
	const char *a = addr;
	int at;

	pthread_rwlock_rdlock(&rt->rt_lock);
	at = span_search(rt, a);
	if (at < rt->rt_n && rt->rt_spans[at].rs_start <= a) {
		r = rt->rt_spans[at].rs_region;
		atomic_fetch_add_explicit(&r->r_refs, 1, memory_order_acquire);
		*pageidxp = (int)((a - r->r_view.pv_base) >> PAGE_SHIFT);
	}
	pthread_rwlock_unlock(&rt->rt_lock);
	return r;
}

bool
region_overlaps(struct uao_sim *sim, const void *addr, size_t len)
{
	struct region_table *rt = &sim->us_regions;
	const char *a = addr;
	bool hit;
	int at;

	pthread_rwlock_rdlock(&rt->rt_lock);
	at = span_search(rt, a);
	hit = at < rt->rt_n && rt->rt_spans[at].rs_start < a + len;
	pthread_rwlock_unlock(&rt->rt_lock);
	return hit;
}

/*
 * regions
 */

int
region_create(struct uao_sim *sim, void *addr, size_t len,
    struct uao_region **rp)
{
	struct region_table *rt = &sim->us_regions;
	struct uffdio_register reg;
	struct uao_region *r;
	char *base;
	int error;

	if (len == 0 || len > ((size_t)INT32_MAX << PAGE_SHIFT))
		return -EINVAL;
	len = (size_t)round_page(len);
	r = kmem_zalloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	r->r_fd = -1;
	r->r_obj = uao_create(sim->us_uvm, len, 0);
	if (r->r_obj == NULL) {
		kmem_free(r);
		return -ENOMEM;
	}

	base = addr;
	if (base == NULL) {
		base = sys_mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (base == MAP_FAILED) {
			error = -errno;
			goto out_detach;
		}
		r->r_owned = true;
	}
	/*
	 * 4 KiB pages only: a transparent huge page would be filled or
	 * collapsed by the kernel behind the pager's back.
	 */
	sys_madvise(base, len, MADV_NOHUGEPAGE);
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (unsigned long)base;
	reg.range.len = len;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP;
	if (ioctl(sim->us_fd, UFFDIO_REGISTER, &reg) != 0) {
		error = -errno;
		goto out_unmap;
	}
	if ((reg.ioctls & REGION_IOCTLS) != REGION_IOCTLS) {
		error = -EOPNOTSUPP;
		goto out_unregister;
	}

	r->r_sim = sim;
	r->r_len = len;
	r->r_view.pv_base = base;
	r->r_view.pv_npages = (int)(len >> PAGE_SHIFT);
	atomic_init(&r->r_refs, 0);
	uvm_lock(&r->r_obj->vmobjlock);
	r->r_obj->uo_mapping = &r->r_view;
	uvm_unlock(&r->r_obj->vmobjlock);

	pthread_rwlock_wrlock(&rt->rt_lock);
	error = span_insert(rt, base, base + len, r);
	if (error == 0) {
		LIST_INSERT_HEAD(&rt->rt_regions, r, r_list);
		rt->rt_nregions++;
		rt->rt_bytes += len;
	}
	pthread_rwlock_unlock(&rt->rt_lock);
	if (error != 0)
		goto out_unmapping;
	*rp = r;
	return 0;

out_unmapping:
	uvm_lock(&r->r_obj->vmobjlock);
	r->r_obj->uo_mapping = NULL;
	uvm_unlock(&r->r_obj->vmobjlock);
out_unregister:
	ioctl(sim->us_fd, UFFDIO_UNREGISTER, &reg.range);
out_unmap:
	if (r->r_owned)
		sys_munmap(base, len);
out_detach:
	uao_detach(r->r_obj);
	kmem_free(r);
	return error;
}

/*
 * region_lock_alone: lock the region's object, waiting until ours is its
 * only reference.  Others are transient (uao_swap_off holds one while it
 * pages the object in), and uao_put(PGO_FREE) would only deactivate
 * pages of an object with several references.
 * => nothing locked; object locked on return.
 */
static void
region_lock_alone(struct uao_region *r)
{
	uvm_lock(&r->r_obj->vmobjlock);
	uao_wait_alone_locked(r->r_obj);
}

/*
 * region_free_range: discard pages [first, first+n) of the region.
 * => nothing locked
 */
static void
region_free_range(struct uao_region *r, voff_t start, voff_t stop)
{
	region_lock_alone(r);
	uao_put(r->r_obj, start, stop, PGO_FREE);
	/* object unlocked */
}

/*
 * region_drain: wait until no handler works on r.
 * => r has no span left, so no new reference can be taken.
 *
 * A spin, on purpose: r_refs is taken and dropped on every fault
 * (region_lookup, region_release), and a sleep here would need its waker
 * there, a lock or a futex check on the handlers' hot path, to serve a
 * rare event (a region's last span unmapped).  What it waits for is short:
 * the faults already in flight on r, each bounded by one swap read or
 * one wait for a free frame, and the discard or pageout calls of other
 * program threads on it.  sched_yield lets those threads run on a
 * machine with fewer cores than threads.
 */
static void
region_drain(struct uao_region *r)
{
	while (atomic_load_explicit(&r->r_refs, memory_order_acquire) > 0)
		sched_yield();
}

/*
 * region_teardown: free a region that no span points to any more.
 * unmap: also unregister and unmap our mapping.
 */
static void
region_teardown(struct uao_region *r, bool unmap)
{
	struct uao_sim *sim = r->r_sim;
	struct region_table *rt = &sim->us_regions;
	struct uffdio_range range;

	KASSERT(r->r_nspans == 0);
	region_drain(r);

	region_lock_alone(r);
	uao_put(r->r_obj, 0, 0, PGO_ALLPAGES | PGO_FREE);
	uvm_lock(&r->r_obj->vmobjlock);
	r->r_obj->uo_mapping = NULL;
	uvm_unlock(&r->r_obj->vmobjlock);
	uao_detach(r->r_obj);

	if (unmap) {
		range.start = (unsigned long)r->r_view.pv_base;
		range.len = r->r_len;
		ioctl(sim->us_fd, UFFDIO_UNREGISTER, &range);
		if (r->r_owned)
			sys_munmap(r->r_view.pv_base, r->r_len);
	}

	pthread_rwlock_wrlock(&rt->rt_lock);
	LIST_REMOVE(r, r_list);
	rt->rt_nregions--;
	rt->rt_bytes -= r->r_len;
	pthread_rwlock_unlock(&rt->rt_lock);
	fd_guard_close(r->r_fd);
	kmem_free(r);
}

void
region_set_file(struct uao_region *r, int fd, off_t foff)
{
	r->r_fd = fd;
	r->r_foff = foff;
}

void
region_destroy(struct uao_region *r)
{
	struct region_table *rt = &r->r_sim->us_regions;

	pthread_rwlock_wrlock(&rt->rt_lock);
	for (int at = 0; at < rt->rt_n;) {
		if (rt->rt_spans[at].rs_region == r)
			span_delete(rt, at);
		else
			at++;
	}
	pthread_rwlock_unlock(&rt->rt_lock);
	region_teardown(r, true);
}

/*
 * Collect the regions that [addr, addr+len) overlaps, with references,
 * and the overlap of each.
 * => returns how many (at most max).
 */
struct region_hit {
	struct uao_region *rh_region;
	char *rh_start, *rh_end;
};

static int
region_collect(struct uao_sim *sim, char *addr, size_t len,
    struct region_hit *hits, int max)
{
	struct region_table *rt = &sim->us_regions;
	char *end = addr + len;
	int n = 0;

	pthread_rwlock_rdlock(&rt->rt_lock);
	for (int at = span_search(rt, addr);
	     at < rt->rt_n && rt->rt_spans[at].rs_start < end && n < max;
	     at++) {
		struct region_span *s = &rt->rt_spans[at];

		hits[n].rh_region = s->rs_region;
		hits[n].rh_start = s->rs_start > addr ? s->rs_start : addr;
		hits[n].rh_end = s->rs_end < end ? s->rs_end : end;
		atomic_fetch_add(&s->rs_region->r_refs, 1);
		n++;
	}
	pthread_rwlock_unlock(&rt->rt_lock);
	return n;
}

#define REGION_HITS_MAX 64

size_t
region_discard(struct uao_sim *sim, void *addr, size_t len)
{
	struct region_hit hits[REGION_HITS_MAX];
	char *a = (char *)trunc_page((uintptr_t)addr);
	size_t total = 0;
	int n;

	len = (size_t)round_page((char *)addr + len - a);
	n = region_collect(sim, a, len, hits, REGION_HITS_MAX);
	for (int i = 0; i < n; i++) {
		struct uao_region *r = hits[i].rh_region;
		char *base = r->r_view.pv_base;

		region_free_range(r, hits[i].rh_start - base,
		    hits[i].rh_end - base);
		/*
		 * Pages that were never resident can still carry a poison
		 * marker (a lost swap slot): the kernel clears it here.  The
		 * regions have no UFFD_EVENT_REMOVE, so this raises no event.
		 */
		sys_madvise(hits[i].rh_start,
		    (size_t)(hits[i].rh_end - hits[i].rh_start), MADV_DONTNEED);
		total += (size_t)(hits[i].rh_end - hits[i].rh_start);
		region_release(r);
	}
	return total;
}

/*
 * The file could not be read again: the range goes back to being a
 * private mapping of the file, so that the kernel reads it on access and
 * raises SIGBUS if it still cannot -- never zeros where file bytes were.
 * => holds a reference on r, which it drops (region_unmap may free r).
 */
static void
region_refill_failed(struct uao_sim *sim, struct uao_region *r, char *start,
    char *end)
{
	off_t foff = r->r_foff + (start - r->r_view.pv_base);
	int fd = fcntl(r->r_fd, F_DUPFD_CLOEXEC, 0);

	region_release(r);
	region_unmap(sim, start, (size_t)(end - start));
	/* XXX: PROT_READ|PROT_WRITE, as made; a later mprotect is lost */
	if (fd < 0 ||
	    syscall(SYS_mmap, start, (size_t)(end - start),
		PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, foff) < 0)
		syscall(SYS_munmap, start, (size_t)(end - start));
	if (fd >= 0)
		syscall(SYS_close, fd);
}

int
region_refill(struct uao_sim *sim, void *addr, size_t len)
{
	struct region_hit hits[REGION_HITS_MAX];
	char *a = (char *)trunc_page((uintptr_t)addr);
	int n, error = 0;

	len = (size_t)round_page((char *)addr + len - a);
	n = region_collect(sim, a, len, hits, REGION_HITS_MAX);
	for (int i = 0; i < n; i++) {
		struct uao_region *r = hits[i].rh_region;
		char *p = hits[i].rh_start;

		/*
		 * The read faults the pages back in through the handlers, as
		 * the program's own read would; our reference keeps the
		 * region (and r_fd) alive meanwhile, and no lock is held.
		 */
		while (r->r_fd >= 0 && error == 0 && p < hits[i].rh_end) {
			ssize_t got =
			    pread(r->r_fd, p, (size_t)(hits[i].rh_end - p),
				r->r_foff + (p - r->r_view.pv_base));

			if (got < 0 && errno != EINTR)
				error = -errno;
			else if (got == 0)
				break; /* past the end of the file: zeros */
			else if (got > 0)
				p += got;
		}
		if (error != 0) {
			region_refill_failed(sim, r, hits[i].rh_start,
			    hits[i].rh_end);
			continue; /* the reference is dropped */
		}
		region_release(r);
	}
	return error;
}

bool
region_has_file(struct uao_sim *sim, const void *addr, size_t len)
{
	struct region_table *rt = &sim->us_regions;
	const char *a = addr, *end = a + len;
	bool hit = false;

	pthread_rwlock_rdlock(&rt->rt_lock);
	for (int at = span_search(rt, a);
	     at < rt->rt_n && rt->rt_spans[at].rs_start < end && !hit; at++)
		hit = rt->rt_spans[at].rs_region->r_fd >= 0;
	pthread_rwlock_unlock(&rt->rt_lock);
	return hit;
}

int
region_pageout(struct uao_sim *sim, void *addr, size_t len,
    bool deactivate_only)
{
	struct region_hit hits[REGION_HITS_MAX];
	char *a = (char *)trunc_page((uintptr_t)addr);
	int n, error = 0;

	len = (size_t)round_page((char *)addr + len - a);
	n = region_collect(sim, a, len, hits, REGION_HITS_MAX);
	for (int i = 0; i < n; i++) {
		struct uao_region *r = hits[i].rh_region;
		char *base = r->r_view.pv_base;
		int rv;

		uvm_lock(&r->r_obj->vmobjlock);
		rv = uao_put(r->r_obj, hits[i].rh_start - base,
		    hits[i].rh_end - base,
		    deactivate_only ? PGO_DEACTIVATE : PGO_CLEANIT | PGO_FREE);
		if (rv != 0)
			error = rv;
		region_release(r);
	}
	return error;
}

size_t
region_unmap(struct uao_sim *sim, void *addr, size_t len)
{
	struct region_table *rt = &sim->us_regions;
	struct region_hit hits[REGION_HITS_MAX];
	struct uao_region *dead[REGION_HITS_MAX];
	char *a = (char *)trunc_page((uintptr_t)addr), *end;
	size_t total = 0;
	int n, ndead = 0;

	len = (size_t)round_page((char *)addr + len - a);
	end = a + len;
	n = region_collect(sim, a, len, hits, REGION_HITS_MAX);

	/*
	 * First the table, so that no new fault finds the range.  Whoever
	 * removes a region's last span owns its teardown.
	 */
	pthread_rwlock_wrlock(&rt->rt_lock);
	for (int at = span_search(rt, a);
	     at < rt->rt_n && rt->rt_spans[at].rs_start < end;) {
		struct region_span s = rt->rt_spans[at];

		span_delete(rt, at);
		if (s.rs_start < a) {
			span_insert(rt, s.rs_start, a, s.rs_region);
			at++;
		}
		if (s.rs_end > end) {
			span_insert(rt, end, s.rs_end, s.rs_region);
			at++;
		}
		if (s.rs_region->r_nspans == 0 && ndead < REGION_HITS_MAX)
			dead[ndead++] = s.rs_region;
	}
	pthread_rwlock_unlock(&rt->rt_lock);

	/* then the pages of the regions that live on */
	for (int i = 0; i < n; i++) {
		struct uao_region *r = hits[i].rh_region;
		char *base = r->r_view.pv_base;
		bool isdead = false;

		for (int j = 0; j < ndead; j++)
			isdead |= dead[j] == r;
		total += (size_t)(hits[i].rh_end - hits[i].rh_start);
		if (!isdead)
			region_free_range(r, hits[i].rh_start - base,
			    hits[i].rh_end - base);
	}
	for (int i = 0; i < n; i++)
		region_release(hits[i].rh_region);

	/* the caller's munmap drops the registration with the mapping */
	for (int j = 0; j < ndead; j++)
		region_teardown(dead[j], false);
	return total;
}
