/*
 * interpose_fd.c: the program's close, close_range, closefrom, dup2 and
 * dup3, kept off uao's own descriptors (fdguard_int.h says why).
 *
 * To the program a guarded descriptor is one it does not have: close()
 * of it is EBADF, a range close skips it, and dup2/dup3 onto it is
 * refused with EBADF and one line on stderr, since replacing it would
 * silently take uao's userfaultfd, swap file or io_uring away.  Guarded
 * descriptors sit at fd_guard_floor() and up, where programs rarely
 * look, so the refusal is for programs that name high numbers.
 *
 * What is left: the raw system calls (syscall(SYS_close_range, ...)),
 * and glibc's own internal closes (closefrom inside posix_spawn), which
 * do not come through these symbols.  posix_spawn runs in a vfork child
 * whose descriptor table is a copy, so uao's stay open in the program.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/fdguard_int.h"
#include "uao/uao.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2) /* linux/close_range.h */
#endif

static int
sys_ret(long rv)
{
	/* syscall(2) already set errno and returned -1 */
	return (int)rv;
}

UAO_EXPORT int
close(int fd)
{
	if (fd_guarded(fd)) {
		errno = EBADF;
		return -1;
	}
	return sys_ret(syscall(SYS_close, fd));
}

/*
 * Close [first, last] but the guarded descriptors in it, as ranges
 * between them.  CLOSE_RANGE_CLOEXEC closes nothing (uao's descriptors
 * are close-on-exec already), so it goes through whole.
 */
UAO_EXPORT int
close_range(unsigned int first, unsigned int last, int flags)
{
	unsigned int from = first;
	int g;

	if ((flags & CLOSE_RANGE_CLOEXEC) != 0 || first > last ||
	    first >= FD_GUARD_MAX)
		return sys_ret(syscall(SYS_close_range, first, last, flags));
	while (from <= last) {
		g = fd_guard_next((int)from);
		if (g < 0 || (unsigned int)g > last)
			return sys_ret(
			    syscall(SYS_close_range, from, last, flags));
		if ((unsigned int)g > from &&
		    syscall(SYS_close_range, from, (unsigned int)g - 1,
			flags) != 0)
			return -1;
		from = (unsigned int)g + 1;
	}
	return 0;
}

UAO_EXPORT void
closefrom(int lowfd)
{
	if (lowfd < 0)
		lowfd = 0;
	if (close_range((unsigned int)lowfd, ~0U, 0) == 0)
		return;
	/* close_range(2) missing (ENOSYS: Linux < 5.9): one by one */
	for (long fd = lowfd, max = sysconf(_SC_OPEN_MAX); fd < max; fd++)
		if (!fd_guarded((int)fd))
			syscall(SYS_close, (int)fd);
}

static int
refuse_dup(const char *call, int oldfd, int newfd)
{
	char line[200];
	int n;

	n = snprintf(line, sizeof(line),
	    "uao: %s(%d, %d) refused (EBADF): descriptor %d is uao's own "
	    "(userfaultfd, swap file or io_uring)\n",
	    call, oldfd, newfd, newfd);
	if (n > 0)
		(void)!write(STDERR_FILENO, line,
		    (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	errno = EBADF;
	return -1;
}

UAO_EXPORT int
dup2(int oldfd, int newfd)
{
	if (oldfd != newfd && fd_guarded(newfd))
		return refuse_dup("dup2", oldfd, newfd);
	return sys_ret(syscall(SYS_dup2, oldfd, newfd));
}

UAO_EXPORT int
dup3(int oldfd, int newfd, int flags)
{
	if (oldfd != newfd && fd_guarded(newfd))
		return refuse_dup("dup3", oldfd, newfd);
	return sys_ret(syscall(SYS_dup3, oldfd, newfd, flags));
}
