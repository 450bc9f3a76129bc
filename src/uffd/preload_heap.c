/*
 * preload_heap.c: the program's heap in a uao region (jemalloc extent
 * hooks), and uao's own memory in a private arena.
 *
 * jemalloc asks its extent hooks for large runs of pages ("extents") and
 * carves objects out of them.  Our alloc hook hands out extents from one
 * big region with a lock-free bump pointer, so every object the program
 * mallocs lives in aobj memory.  Extents are never given back (dalloc
 * says "keep it"): jemalloc reuses them itself, and when it purges a
 * range we discard those pages (the pager frees their frames and swap
 * slots), which is what madvise would have done.
 *
 * Two kinds of request stay outside the region, through the hooks
 * jemalloc had before ours:
 *   - jemalloc's own metadata, which it asks for with 2 MiB alignment
 *     (base blocks): uao threads read it when they free memory, and a uao
 *     thread must never fault on region memory;
 *   - everything for the private arena, from which kmem_* serves the
 *     pager, the swap layer and the machine.
 * Extents that predate the hooks (jemalloc's start-up) stay where they
 * are; the hooks recognise them by address and pass them on.
 */
#include <errno.h>
#include <jemalloc/jemalloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "base/kmem_int.h"
#include "pager/param_int.h"
#include "uffd/memacct_int.h"
#include "uffd/preload_int.h"
#include "uffd/region_int.h"
#include "uffd/sim_int.h"
#include "uao/uao.h"

/* metadata asks for this alignment (HUGEPAGE): keep it out of regions */
#define HEAP_META_ALIGN (2UL << 20)

static unsigned heap_private_arena;
static extent_hooks_t *heap_dflt; /* the hooks before ours */
static struct uao_sim *heap_sim;
static char *heap_base;		/* the region, I */
static size_t heap_size;	/* I */
static atomic_size_t heap_next; /* bump pointer, offset */

/* inside heap_dflt->alloc on behalf of one of our hooks (preload_jemeta) */
static __thread int heap_hook_depth __attribute__((tls_model("initial-exec")));

bool
preload_heap_in_hook(void)
{
	return heap_hook_depth > 0;
}

/* jemalloc's own alloc hook, called from one of ours */
static void *
dflt_alloc(void *new_addr, size_t size, size_t alignment, bool *zero,
    bool *commit, unsigned arena_ind)
{
	void *p;

	heap_hook_depth++;
	p = heap_dflt->alloc(heap_dflt, new_addr, size, alignment, zero, commit,
	    arena_ind);
	heap_hook_depth--;
	return p;
}

static bool
in_heap(const void *p, size_t size)
{
	const char *c = p;

	return c >= heap_base && c + size <= heap_base + heap_size;
}

static void *
heap_alloc(extent_hooks_t *h, void *new_addr, size_t size, size_t alignment,
    bool *zero, bool *commit, unsigned arena_ind)
{
	size_t cur, start, end;
	void *p;

	(void)h;
	if (alignment >= HEAP_META_ALIGN || heap_base == NULL)
		goto dflt;
	if (alignment < PAGE_SIZE)
		alignment = PAGE_SIZE;
	cur = atomic_load_explicit(&heap_next, memory_order_relaxed);
	for (;;) {
		if (new_addr != NULL) {
			/* growing an extent in place: only at the frontier */
			if ((char *)new_addr != heap_base + cur)
				return NULL;
			start = cur;
		} else {
			start = (cur + alignment - 1) & ~(alignment - 1);
		}
		end = start + size;
		if (end < start || end > heap_size)
			goto dflt; /* the reservation is used up */
		if (atomic_compare_exchange_weak_explicit(&heap_next, &cur, end,
			memory_order_relaxed, memory_order_relaxed))
			break;
	}
	/* never handed out before: it reads as zeros, and is committed */
	*zero = true;
	*commit = true;
	return heap_base + start;

dflt:
	if (new_addr != NULL && in_heap(new_addr, size))
		return NULL;
	p = dflt_alloc(new_addr, size, alignment, zero, commit, arena_ind);
	if (p != NULL && new_addr == NULL && alignment >= HEAP_META_ALIGN)
		memacct_meta(p, size, true); /* a base block: metadata */
	return p;
}

static bool
heap_dalloc(extent_hooks_t *h, void *addr, size_t size, bool committed,
    unsigned arena_ind)
{
	(void)h;
	bool kept;

	if (in_heap(addr, size))
		return true; /* keep it: jemalloc retains and reuses it */
	kept = heap_dflt->dalloc(heap_dflt, addr, size, committed, arena_ind);
	if (!kept)
		memacct_meta(addr, size, false);
	return kept;
}

static void
heap_destroy(extent_hooks_t *h, void *addr, size_t size, bool committed,
    unsigned arena_ind)
{
	(void)h;
	if (in_heap(addr, size)) {
		region_discard(heap_sim, addr, size);
		return;
	}
	heap_dflt->destroy(heap_dflt, addr, size, committed, arena_ind);
	memacct_meta(addr, size, false);
}

static bool
heap_commit(extent_hooks_t *h, void *addr, size_t size, size_t offset,
    size_t length, unsigned arena_ind)
{
	(void)h;
	if (in_heap(addr, size))
		return false; /* region memory is always committed */
	return heap_dflt->commit(heap_dflt, addr, size, offset, length,
	    arena_ind);
}

static bool
heap_decommit(extent_hooks_t *h, void *addr, size_t size, size_t offset,
    size_t length, unsigned arena_ind)
{
	(void)h;
	if (in_heap(addr, size))
		return true; /* not supported: jemalloc keeps it committed */
	return heap_dflt->decommit(heap_dflt, addr, size, offset, length,
	    arena_ind);
}

static bool
heap_purge_lazy(extent_hooks_t *h, void *addr, size_t size, size_t offset,
    size_t length, unsigned arena_ind)
{
	(void)h;
	if (in_heap(addr, size))
		return true; /* only forced purges: they are exact */
	return heap_dflt->purge_lazy == NULL ||
	    heap_dflt->purge_lazy(heap_dflt, addr, size, offset, length,
		arena_ind);
}

static bool
heap_purge_forced(extent_hooks_t *h, void *addr, size_t size, size_t offset,
    size_t length, unsigned arena_ind)
{
	(void)h;
	if (in_heap(addr, size)) {
		/* the pager frees the pages and their swap: zeros after */
		region_discard(heap_sim, (char *)addr + offset, length);
		return false;
	}
	return heap_dflt->purge_forced == NULL ||
	    heap_dflt->purge_forced(heap_dflt, addr, size, offset, length,
		arena_ind);
}

static bool
heap_split(extent_hooks_t *h, void *addr, size_t size, size_t size_a,
    size_t size_b, bool committed, unsigned arena_ind)
{
	(void)h;
	if (in_heap(addr, size))
		return false;
	return heap_dflt->split == NULL ||
	    heap_dflt->split(heap_dflt, addr, size, size_a, size_b, committed,
		arena_ind);
}

static bool
heap_merge(extent_hooks_t *h, void *addr_a, size_t size_a, void *addr_b,
    size_t size_b, bool committed, unsigned arena_ind)
{
	bool a = in_heap(addr_a, size_a), b = in_heap(addr_b, size_b);

	(void)h;
	if (a && b)
		return false;
	if (a || b)
		return true; /* one in the region, one outside: never */
	return heap_dflt->merge == NULL ||
	    heap_dflt->merge(heap_dflt, addr_a, size_a, addr_b, size_b,
		committed, arena_ind);
}

static extent_hooks_t heap_hooks = {
	.alloc = heap_alloc,
	.dalloc = heap_dalloc,
	.destroy = heap_destroy,
	.commit = heap_commit,
	.decommit = heap_decommit,
	.purge_lazy = heap_purge_lazy,
	.purge_forced = heap_purge_forced,
	.split = heap_split,
	.merge = heap_merge,
};

/*
 * The private arena's hooks: jemalloc's own (heap_dflt, read before the
 * arena is made), and every extent it maps is counted as uao's own
 * memory (memacct.c), its metadata included.
 */
static void *
priv_ext_alloc(extent_hooks_t *h, void *new_addr, size_t size, size_t alignment,
    bool *zero, bool *commit, unsigned arena_ind)
{
	void *p;

	(void)h;
	p = dflt_alloc(new_addr, size, alignment, zero, commit, arena_ind);
	if (p != NULL && new_addr == NULL)
		memacct_own(p, size, true);
	return p;
}

static bool
priv_ext_dalloc(extent_hooks_t *h, void *addr, size_t size, bool committed,
    unsigned arena_ind)
{
	bool kept;

	(void)h;
	kept = heap_dflt->dalloc(heap_dflt, addr, size, committed, arena_ind);
	if (!kept)
		memacct_own(addr, size, false);
	return kept;
}

static void
priv_ext_destroy(extent_hooks_t *h, void *addr, size_t size, bool committed,
    unsigned arena_ind)
{
	(void)h;
	heap_dflt->destroy(heap_dflt, addr, size, committed, arena_ind);
	memacct_own(addr, size, false);
}

static bool
priv_ext_commit(extent_hooks_t *h, void *addr, size_t size, size_t offset,
    size_t length, unsigned arena_ind)
{
	(void)h;
	return heap_dflt->commit(heap_dflt, addr, size, offset, length,
	    arena_ind);
}

static bool
priv_ext_decommit(extent_hooks_t *h, void *addr, size_t size, size_t offset,
    size_t length, unsigned arena_ind)
{
	(void)h;
	return heap_dflt->decommit(heap_dflt, addr, size, offset, length,
	    arena_ind);
}

static bool
priv_ext_purge_lazy(extent_hooks_t *h, void *addr, size_t size, size_t offset,
    size_t length, unsigned arena_ind)
{
	(void)h;
	return heap_dflt->purge_lazy == NULL ||
	    heap_dflt->purge_lazy(heap_dflt, addr, size, offset, length,
		arena_ind);
}

static bool
priv_ext_purge_forced(extent_hooks_t *h, void *addr, size_t size, size_t offset,
    size_t length, unsigned arena_ind)
{
	(void)h;
	return heap_dflt->purge_forced == NULL ||
	    heap_dflt->purge_forced(heap_dflt, addr, size, offset, length,
		arena_ind);
}

static bool
priv_ext_split(extent_hooks_t *h, void *addr, size_t size, size_t size_a,
    size_t size_b, bool committed, unsigned arena_ind)
{
	(void)h;
	return heap_dflt->split == NULL ||
	    heap_dflt->split(heap_dflt, addr, size, size_a, size_b, committed,
		arena_ind);
}

static bool
priv_ext_merge(extent_hooks_t *h, void *addr_a, size_t size_a, void *addr_b,
    size_t size_b, bool committed, unsigned arena_ind)
{
	(void)h;
	return heap_dflt->merge == NULL ||
	    heap_dflt->merge(heap_dflt, addr_a, size_a, addr_b, size_b,
		committed, arena_ind);
}

static extent_hooks_t priv_hooks = {
	.alloc = priv_ext_alloc,
	.dalloc = priv_ext_dalloc,
	.destroy = priv_ext_destroy,
	.commit = priv_ext_commit,
	.decommit = priv_ext_decommit,
	.purge_lazy = priv_ext_purge_lazy,
	.purge_forced = priv_ext_purge_forced,
	.split = priv_ext_split,
	.merge = priv_ext_merge,
};

/*
 * kmem backend: the private arena, without a thread cache (a cached
 * block could cross to a program thread's cache and back).
 */
static void *
priv_alloc(size_t size)
{
	return mallocx(size,
	    MALLOCX_ARENA(heap_private_arena) | MALLOCX_TCACHE_NONE);
}

static void *
priv_realloc(void *p, size_t size)
{
	if (p == NULL)
		return priv_alloc(size);
	return rallocx(p, size,
	    MALLOCX_ARENA(heap_private_arena) | MALLOCX_TCACHE_NONE);
}

static void
priv_free(void *p)
{
	dallocx(p, MALLOCX_TCACHE_NONE);
}

static const struct kmem_backend priv_backend = { priv_alloc, priv_realloc,
	priv_free };

/*
 * preload_heap_private: while on, the calling program thread allocates
 * from the private arena, without its thread cache (whose cached blocks
 * and bins are heap, region memory); afterwards it goes back to its
 * arena and cache.  The mallctls run before uao takes any lock, so
 * whatever jemalloc has to touch to switch (the cache it flushes, the
 * thread's state it brings up to date) faults like any program access.
 * Nests: only the outermost pair switches.  sim_private_alloc_hook.
 */
static __thread int heap_private_depth
    __attribute__((tls_model("initial-exec")));
static __thread unsigned heap_fork_arena
    __attribute__((tls_model("initial-exec")));
static __thread bool heap_fork_tcache
    __attribute__((tls_model("initial-exec")));
static __thread bool heap_fork_switched
    __attribute__((tls_model("initial-exec")));

void
preload_heap_private(bool private_heap)
{
	bool off = false;
	size_t sz;

	if (private_heap ? heap_private_depth++ > 0
			 : heap_private_depth == 0 || --heap_private_depth > 0)
		return;
	if (private_heap) {
		sz = sizeof(heap_fork_arena);
		/* on failure nothing changed, and nothing is to restore */
		heap_fork_switched =
		    mallctl("thread.arena", &heap_fork_arena, &sz,
			&heap_private_arena, sizeof(heap_private_arena)) == 0;
		sz = sizeof(heap_fork_tcache);
		if (mallctl("thread.tcache.enabled", &heap_fork_tcache, &sz,
			&off, sizeof(off)) != 0)
			heap_fork_tcache = false;
		return;
	}
	if (heap_fork_switched)
		mallctl("thread.arena", NULL, NULL, &heap_fork_arena,
		    sizeof(heap_fork_arena));
	if (heap_fork_tcache)
		mallctl("thread.tcache.enabled", NULL, NULL, &heap_fork_tcache,
		    sizeof(heap_fork_tcache));
}

void
preload_heap_bind_thread(void)
{
	bool off = false;

	mallctl("thread.arena", NULL, NULL, &heap_private_arena,
	    sizeof(heap_private_arena));
	mallctl("thread.tcache.enabled", NULL, NULL, &off, sizeof(off));
}

/*
 * preload_kmem_init: the private arena, and kmem on it.  Must run before
 * anything of uao allocates.
 */
int
preload_kmem_init(char *why, size_t whylen)
{
	size_t sz = sizeof(heap_dflt);
	extent_hooks_t *hooks = &priv_hooks;

	/* jemalloc's own hooks, which ours pass everything on to */
	if (mallctl("arena.0.extent_hooks", &heap_dflt, &sz, NULL, 0) != 0) {
		snprintf(why, whylen,
		    "jemalloc is not the allocator (is it in LD_PRELOAD?)");
		return -ENOTSUP;
	}
	sz = sizeof(heap_private_arena);
	if (mallctl("arenas.create", &heap_private_arena, &sz, &hooks,
		sizeof(hooks)) != 0) {
		snprintf(why, whylen,
		    "jemalloc is not the allocator (is it in LD_PRELOAD?)");
		return -ENOTSUP;
	}
	kmem_set_backend(&priv_backend);
	return 0;
}

int
preload_heap_init(struct uao_sim *sim, size_t reserve, char *why, size_t whylen)
{
	struct uao_region *r;
	extent_hooks_t *hooks = &heap_hooks, *old;
	unsigned narenas;
	size_t sz = sizeof(narenas);
	int error;

	error = region_create(sim, NULL, reserve, &r);
	if (error != 0) {
		snprintf(why, whylen, "cannot reserve a heap of %zu MiB: %s",
		    reserve >> 20, uao_strerror(error));
		return error;
	}
	heap_sim = sim;
	heap_size = uao_region_size(r);
	heap_base = uao_region_base(r);

	if (mallctl("opt.narenas", &narenas, &sz, NULL, 0) != 0) {
		snprintf(why, whylen, "jemalloc: opt.narenas unreadable");
		return -ENOTSUP;
	}
	/* heap_dflt, the hooks before ours, was read by preload_kmem_init */
	/* writing the hooks also creates automatic arenas not made yet */
	for (unsigned i = 0; i < narenas; i++) {
		char name[64];

		if (i == heap_private_arena)
			continue;
		snprintf(name, sizeof(name), "arena.%u.extent_hooks", i);
		sz = sizeof(old);
		if (mallctl(name, &old, &sz, &hooks, sizeof(hooks)) != 0) {
			snprintf(why, whylen, "jemalloc: cannot set %s", name);
			return -ENOTSUP;
		}
	}
	return 0;
}

void
preload_heap_usage(size_t *used, size_t *reserved)
{
	*used = atomic_load_explicit(&heap_next, memory_order_relaxed);
	*reserved = heap_size;
}
