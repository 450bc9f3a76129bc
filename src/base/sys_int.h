/*
 * sys_int.h: mmap, munmap and madvise as system calls.
 *
 * libuao defines munmap, madvise and mremap (and the runtime mmap) to
 * catch the program's calls on region memory.  uao's own code must not
 * come through those: it would find its own regions and, holding the
 * object lock the interposer wants, wait for itself.  It calls these.
 * They return like the libc functions (-1 and errno on failure).
 */
#ifndef UAO_BASE_SYS_INT_H
#define UAO_BASE_SYS_INT_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

static inline long
sys_result(long rv)
{
	if (rv < 0 && rv > -4096) {
		errno = (int)-rv;
		return -1;
	}
	return rv;
}

/*
 * sys_map_hook: told of each mapping uao makes (mapped true, with its
 * mmap flags) or drops (false) through sys_mmap and sys_munmap, so that the
 * runtime can count uao's own memory (memacct.c); NULL when nobody
 * counts.  Defined in kmem.c.  It runs on any uao thread, fault handlers
 * included: it must neither allocate nor touch region memory.
 */
extern void (*sys_map_hook)(void *addr, size_t len, int flags, bool mapped);

static inline void *
sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	long rv = syscall(SYS_mmap, addr, len, prot, flags, fd, off);

	if (rv == -1)
		return MAP_FAILED;
	if (sys_map_hook != NULL)
		sys_map_hook((void *)rv, len, flags, true);
	return (void *)rv;
}

static inline int
sys_munmap(void *addr, size_t len)
{
	int rv = (int)syscall(SYS_munmap, addr, len);

	if (rv == 0 && sys_map_hook != NULL)
		sys_map_hook(addr, len, 0, false);
	return rv;
}

static inline int
sys_madvise(void *addr, size_t len, int advice)
{
	return (int)syscall(SYS_madvise, addr, len, advice);
}

#endif /* UAO_BASE_SYS_INT_H */
