/*
 * ioc_int.h: the userfaultfd ioctls, each with the retry loop it needs.
 *
 * One place for the outcomes of UFFDIO_COPY, ZEROPAGE, MOVE,
 * WRITEPROTECT, POISON and WAKE, shared by the pmap (pmap_run.c,
 * pmap_uffd.c) and a forked child's revival (fork.c), so that no file
 * keeps a copy of a retry loop of its own.
 *
 * Common to all:
 * => fd is a userfaultfd; addresses and lengths are page aligned, and a
 *    range lies inside one registered mapping (VMA) of fd: COPY, ZEROPAGE
 *    and MOVE act within one mapping, and a range that crosses into the
 *    next fails (EINVAL or ENOENT) at the boundary.
 * => EAGAIN means the kernel could not finish now (a non-cooperative event
 *    in flight, a page lock, a page under migration).  COPY, ZEROPAGE,
 *    WRITEPROTECT and POISON retry it here, from the kernel's count;
 *    MOVE does not (see ioc_move: its count cannot be trusted then).
 * => st counts ioctls, retries and pages moved; it may be NULL.
 * => safe on a fault-handler thread: no allocation, no region memory
 *    touched (the kernel reads and writes the pages, never the caller).
 */
#ifndef UAO_UFFD_IOC_INT_H
#define UAO_UFFD_IOC_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

/* ioctl counters, for statistics (relaxed atomics: any thread adds) */
struct ioc_stats {
	atomic_uint_fast64_t is_copy;	  /* UFFDIO_COPY calls */
	atomic_uint_fast64_t is_zeropage; /* UFFDIO_ZEROPAGE calls */
	atomic_uint_fast64_t is_move;	  /* UFFDIO_MOVE calls */
	atomic_uint_fast64_t is_wp;	  /* UFFDIO_WRITEPROTECT calls */
	atomic_uint_fast64_t is_poison;	  /* UFFDIO_POISON calls */
	atomic_uint_fast64_t is_pgmoved;  /* pages UFFDIO_MOVE said it moved */
	atomic_uint_fast64_t is_eagain;	  /* EAGAIN seen (and retried) */
};

/*
 * ioc_copy: UFFDIO_COPY of [src, src+len) to dst (mode WP if wp: the
 * page is mapped write-protected).
 * => returns the bytes mapped before the first failure, len if all were;
 *    *errp is 0 then, else the errno of the failure.  A short count means
 *    the page at dst+count was not mapped; the ones after it were not
 *    tried.
 * => EAGAIN is retried from the count.  Returned: EEXIST (a page is
 *    mapped at dst+count already), ENOENT or ESRCH (no registered mapping
 *    there any more: the program unmapped it), EINVAL, ENOMEM, EFAULT
 *    (src unreadable).
 */
long ioc_copy(int fd, struct ioc_stats *st, char *dst, const char *src,
    size_t len, bool wp, int *errp);

/*
 * ioc_zeropage: UFFDIO_ZEROPAGE of [dst, dst+len): map the shared zero
 * page there.
 * => returns and retries as ioc_copy does (a short count: the page at
 *    dst+count was not mapped; EEXIST, ENOENT, ESRCH, EINVAL, ENOMEM
 *    returned).
 */
long
ioc_zeropage(int fd, struct ioc_stats *st, char *dst, size_t len, int *errp);

/*
 * ioc_move: one UFFDIO_MOVE of [src, src+len) to dst, mode DONTWAKE
 * (nobody waits on a destination of ours).  No retry here.
 * => returns the bytes the kernel says it moved, with *errp the failure
 *    (0 if the whole run was done; then the count is len).
 * => on failure the count is a lower bound only: on 6.18, a run that
 *    meets a page under migration may be moved in full yet reported
 *    short with EAGAIN.  The caller judges the rest page by page
 *    (pagemap), and never retries a range it has not judged.  Returned:
 *    EAGAIN (counted), EEXIST (a page at the destination), ENOENT (no
 *    page at the source), EBUSY (a page the kernel will not move: shared
 *    with a forked child, or pinned), EINVAL (the source mapping is not
 *    writable, or the run crosses mappings), ESRCH, ENOMEM.
 */
long ioc_move(int fd, struct ioc_stats *st, char *dst, char *src, size_t len,
    int *errp);

/*
 * ioc_writeprotect: UFFDIO_WRITEPROTECT of [addr, addr+len): set write
 * protection (wp) or remove it, waking threads that wait in a
 * write-protect fault there when it is removed.
 * => the range is done whole or not at all: returns 0, or -errno.
 * => EAGAIN is retried.  Returned: -ENOENT (no registered mapping),
 *    -EINVAL, -ENOMEM.
 */
int
ioc_writeprotect(int fd, struct ioc_stats *st, char *addr, size_t len, bool wp);

/*
 * ioc_poison: UFFDIO_POISON of [addr, addr+len): an access there raises
 * SIGBUS (a page lost to an I/O error, never zeros).
 * => returns 0, or -errno.  EAGAIN is retried; a short count is retried
 *    from the count.  Returned: -EEXIST (a page is mapped there), -ENOENT,
 *    -ESRCH, -EINVAL.
 */
int ioc_poison(int fd, struct ioc_stats *st, char *addr, size_t len);

/*
 * ioc_wake: UFFDIO_WAKE: wake threads waiting in faults on the pages
 * covering [addr, addr+len) (addr rounded down, len up to pages), for
 * faults that will not be resolved by a map.  Cannot fail in a way the
 * caller could act on: its result is ignored.
 */
void ioc_wake(int fd, void *addr, size_t len);

#endif /* UAO_UFFD_IOC_INT_H */
