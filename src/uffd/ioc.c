/*
 * ioc.c: the userfaultfd ioctls with their retry loops (see ioc_int.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "pager/param_int.h"
#include "uffd/ioc_int.h"
#include "uffd/uffd_compat.h"

static inline void
ioc_count(atomic_uint_fast64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

#define IOC_COUNT(st, field, n)                                                \
	do {                                                                   \
		if ((st) != NULL)                                              \
			ioc_count(&(st)->field, (n));                          \
	} while (0)

long
ioc_copy(int fd, struct ioc_stats *st, char *dst, const char *src, size_t len,
    bool wp, int *errp)
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
		IOC_COUNT(st, is_copy, 1);
		if (ioctl(fd, UFFDIO_COPY, &uc) == 0) {
			done = len;
			break;
		}
		if (uc.copy > 0)
			done += (size_t)uc.copy;
		if (errno == EAGAIN) {
			IOC_COUNT(st, is_eagain, 1);
			continue;
		}
		*errp = errno;
		break;
	}
	return (long)done;
}

long
ioc_zeropage(int fd, struct ioc_stats *st, char *dst, size_t len, int *errp)
{
	struct uffdio_zeropage uz;
	size_t done = 0;

	*errp = 0;
	while (done < len) {
		memset(&uz, 0, sizeof(uz));
		uz.range.start = (unsigned long)(dst + done);
		uz.range.len = len - done;
		IOC_COUNT(st, is_zeropage, 1);
		if (ioctl(fd, UFFDIO_ZEROPAGE, &uz) == 0) {
			done = len;
			break;
		}
		if (uz.zeropage > 0)
			done += (size_t)uz.zeropage;
		if (errno == EAGAIN) {
			IOC_COUNT(st, is_eagain, 1);
			continue;
		}
		*errp = errno;
		break;
	}
	return (long)done;
}

long
ioc_move(int fd, struct ioc_stats *st, char *dst, char *src, size_t len,
    int *errp)
{
	struct uffdio_move um;
	long done;

	memset(&um, 0, sizeof(um));
	um.dst = (unsigned long)dst;
	um.src = (unsigned long)src;
	um.len = len;
	/* nobody waits on the destination: no wake-up to do */
	um.mode = UFFDIO_MOVE_MODE_DONTWAKE;
	IOC_COUNT(st, is_move, 1);
	if (ioctl(fd, UFFDIO_MOVE, &um) == 0) {
		*errp = 0;
		done = (long)len;
	} else {
		*errp = errno;
		done = um.move > 0 ? (long)um.move : 0;
		if (*errp == EAGAIN)
			IOC_COUNT(st, is_eagain, 1);
	}
	IOC_COUNT(st, is_pgmoved, (unsigned long)done / PAGE_SIZE);
	return done;
}

int
ioc_writeprotect(int fd, struct ioc_stats *st, char *addr, size_t len, bool wp)
{
	struct uffdio_writeprotect uw;

	memset(&uw, 0, sizeof(uw));
	uw.range.start = (unsigned long)addr;
	uw.range.len = len;
	uw.mode = wp ? UFFDIO_WRITEPROTECT_MODE_WP : 0;
	for (;;) {
		IOC_COUNT(st, is_wp, 1);
		if (ioctl(fd, UFFDIO_WRITEPROTECT, &uw) == 0)
			return 0;
		if (errno != EAGAIN)
			return -errno;
		IOC_COUNT(st, is_eagain, 1);
	}
}

int
ioc_poison(int fd, struct ioc_stats *st, char *addr, size_t len)
{
	struct uffdio_poison up;
	size_t done = 0;

	while (done < len) {
		memset(&up, 0, sizeof(up));
		up.range.start = (unsigned long)(addr + done);
		up.range.len = len - done;
		IOC_COUNT(st, is_poison, 1);
		if (ioctl(fd, UFFDIO_POISON, &up) == 0)
			return 0;
		if (errno != EAGAIN)
			return -errno;
		IOC_COUNT(st, is_eagain, 1);
		if (up.updated > 0)
			done += (size_t)up.updated;
	}
	return 0;
}

void
ioc_wake(int fd, void *addr, size_t len)
{
	struct uffdio_range ur;

	ur.start = (unsigned long)addr & ~(unsigned long)PAGE_MASK;
	ur.len = round_page(len);
	ioctl(fd, UFFDIO_WAKE, &ur);
}
