/*
 * interpose.c: the program's munmap, madvise and mremap on region
 * memory, and the registry of live instances they consult.
 *
 * Regions are registered with userfaultfd without the non-cooperative
 * events (UNMAP, REMAP, REMOVE): those block the program until a handler
 * reads them and make every ioctl fail with EAGAIN meanwhile, and they
 * arrive out of order with faults.  Instead libuao defines the libc
 * entry points, which a program linked with it (or run under `uao run')
 * calls instead of libc's.  Each updates the pager first (pages and swap
 * slots of the range freed, under the object lock), then does the system
 * call.  Addresses outside regions go straight to the kernel.
 *
 * A program that makes these system calls without libc is still safe for
 * MADV_DONTNEED: the next fault on a page the pager thought mapped finds
 * it gone and zero-fills it (pmo_refault).
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/sys_int.h"
#include "pager/param_int.h"
#include "uao/uao.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25 /* Linux 6.1; glibc 2.36 lacks the name */
#endif
#include "uffd/region_int.h"
#include "uffd/sim_int.h"

static pthread_rwlock_t sim_registry_lock = PTHREAD_RWLOCK_INITIALIZER;
static LIST_HEAD(, uao_sim) sim_registry = LIST_HEAD_INITIALIZER(sim_registry);
static atomic_int sim_registry_count;

void
sim_registry_add(struct uao_sim *sim)
{
	pthread_rwlock_wrlock(&sim_registry_lock);
	LIST_INSERT_HEAD(&sim_registry, sim, us_list);
	atomic_fetch_add(&sim_registry_count, 1);
	pthread_rwlock_unlock(&sim_registry_lock);
}

void
sim_registry_remove(struct uao_sim *sim)
{
	pthread_rwlock_wrlock(&sim_registry_lock);
	LIST_REMOVE(sim, us_list);
	atomic_fetch_sub(&sim_registry_count, 1);
	pthread_rwlock_unlock(&sim_registry_lock);
}

void
sim_registry_wrlock(void)
{
	pthread_rwlock_wrlock(&sim_registry_lock);
}

void
sim_registry_unlock(void)
{
	pthread_rwlock_unlock(&sim_registry_lock);
}

/*
 * glibc records a write owner by thread id, and a forked child's thread
 * has a new one: unlocking there would be taken for a reader's unlock and
 * leave the lock held.  The child has one thread, so it starts afresh.
 */
void
sim_registry_child_reset(void)
{
	pthread_rwlock_init(&sim_registry_lock, NULL);
}

struct uao_sim *
sim_registry_next(struct uao_sim *sim)
{
	return sim == NULL ? LIST_FIRST(&sim_registry)
			   : LIST_NEXT(sim, us_list);
}

struct uao_sim *
sim_registry_find(const void *addr, size_t len)
{
	struct uao_sim *sim, *found = NULL;

	if (atomic_load_explicit(&sim_registry_count, memory_order_relaxed) ==
	    0)
		return NULL;
	pthread_rwlock_rdlock(&sim_registry_lock);
	LIST_FOREACH(sim, &sim_registry, us_list) {
		if (region_overlaps(sim, addr, len)) {
			found = sim;
			break;
		}
	}
	pthread_rwlock_unlock(&sim_registry_lock);
	return found;
}

static long
raw_result(long rv)
{
	if (rv < 0 && rv > -4096) {
		errno = (int)-rv;
		return -1;
	}
	return rv;
}

void (*sim_munmap_hook)(void *addr, size_t len);

UAO_EXPORT int
munmap(void *addr, size_t len)
{
	struct uao_sim *sim;

	if (sim_munmap_hook != NULL)
		sim_munmap_hook(addr, len);
	if (((uintptr_t)addr & PAGE_MASK) == 0 && len > 0 &&
	    sim_registry_find(addr, len) != NULL) {
		sim_private_alloc(true);
		while ((sim = sim_registry_find(addr, len)) != NULL)
			region_unmap(sim, addr, len);
		sim_private_alloc(false);
	}
	return (int)syscall(SYS_munmap, addr, len);
}

UAO_EXPORT int
madvise(void *addr, size_t len, int advice)
{
	struct uao_sim *sim;

	if (((uintptr_t)addr & PAGE_MASK) != 0 || len == 0 ||
	    (sim = sim_registry_find(addr, len)) == NULL)
		return (int)syscall(SYS_madvise, addr, len, advice);

	switch (advice) {
	case MADV_DONTNEED:
	case MADV_FREE:
		/* as the kernel, which frees no page of a file mapping */
		if (advice == MADV_FREE && region_has_file(sim, addr, len)) {
			errno = EINVAL;
			return -1;
		}
		/* the range reads as zeros from now on */
		sim_private_alloc(true);
		region_discard(sim, addr, len);
		sim_private_alloc(false);
		if (advice == MADV_DONTNEED &&
		    region_has_file(sim, addr, len)) {
			/* ... or as the file, where a region copies one:
			 * read after the kernel's zap, which it would undo */
			int rv = (int)syscall(SYS_madvise, addr, len, advice);

			region_refill(sim, addr, len);
			return rv;
		}
		break;
	case MADV_PAGEOUT:
		region_pageout(sim, addr, len, false);
		return 0;
	case MADV_COLD:
		region_pageout(sim, addr, len, true);
		return 0;
	case MADV_HUGEPAGE:
	case MADV_COLLAPSE:
		/* regions stay in 4 KiB pages: the pager tracks those */
		return 0;
	default:
		break;
	}
	return (int)syscall(SYS_madvise, addr, len, advice);
}

/*
 * mremap of region memory moves the contents into a new region: the
 * old pages' swap slots belong to the old aobj, and an aobj has a fixed
 * size, so a copy is the simple correct move.  Shrinking in place just
 * forgets the tail.
 */
static void *region_mremap(struct uao_sim *sim, void *old, size_t oldlen,
    size_t newlen, int flags, void *fixed);

UAO_EXPORT void *
mremap(void *old, size_t oldlen, size_t newlen, int flags, ...)
{
	struct uao_sim *sim;
	void *fixed = NULL, *new;
	va_list ap;
	int error;

	if (flags & MREMAP_FIXED) {
		va_start(ap, flags);
		fixed = va_arg(ap, void *);
		va_end(ap);
	}
	if (((uintptr_t)old & PAGE_MASK) != 0 || oldlen == 0 ||
	    (sim = sim_registry_find(old, oldlen)) == NULL)
		return (void *)raw_result(
		    syscall(SYS_mremap, old, oldlen, newlen, flags, fixed));

	if ((flags & MREMAP_DONTUNMAP) || newlen == 0) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	sim_private_alloc(true);
	new = region_mremap(sim, old, oldlen, newlen, flags, fixed);
	error = errno;
	sim_private_alloc(false);
	errno = error;
	return new;
}

/* mremap of region memory.  => the caller allocates privately */
static void *
region_mremap(struct uao_sim *sim, void *old, size_t oldlen, size_t newlen,
    int flags, void *fixed)
{
	struct uao_region *r;
	void *new;
	int error;

	oldlen = (size_t)round_page(oldlen);
	newlen = (size_t)round_page(newlen);
	if (newlen <= oldlen && !(flags & MREMAP_FIXED)) {
		if (newlen < oldlen) {
			region_unmap(sim, (char *)old + newlen,
			    oldlen - newlen);
			syscall(SYS_munmap, (char *)old + newlen,
			    oldlen - newlen);
		}
		return old;
	}
	if (!(flags & MREMAP_MAYMOVE)) {
		errno = ENOMEM; /* cannot grow a region in place */
		return MAP_FAILED;
	}
	new = (void *)raw_result(
	    syscall(SYS_mmap, fixed, newlen, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
		    (fixed != NULL ? MAP_FIXED : 0),
		-1, 0));
	if (new == MAP_FAILED)
		return MAP_FAILED;
	error = region_create(sim, new, newlen, &r);
	if (error != 0) {
		syscall(SYS_munmap, new, newlen);
		errno = -error;
		return MAP_FAILED;
	}
	/* both sides fault through the handlers like any access */
	memcpy(new, old, oldlen < newlen ? oldlen : newlen);
	region_unmap(sim, old, oldlen);
	syscall(SYS_munmap, old, oldlen);
	return new;
}
