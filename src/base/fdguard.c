/*
 * fdguard.c: the marks on uao's own file descriptors (fdguard_int.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/fdguard_int.h"

static _Atomic uint64_t fd_guard_bits[FD_GUARD_MAX / 64];
static atomic_int fd_guard_floor_cached;

/*
 * Near the top of the soft RLIMIT_NOFILE, but not past 1024 (select(2)'s
 * FD_SETSIZE, and where most programs' loops stop): shells put their own
 * descriptors at 10 and up (bash at 255 and down), and programs take
 * the lowest free number, so 896 and up is out of everybody's way while
 * the program can still open nearly all the descriptors it may.
 */
int
fd_guard_floor(void)
{
	struct rlimit rl;
	int floor =
	    atomic_load_explicit(&fd_guard_floor_cached, memory_order_relaxed);

	if (floor > 0)
		return floor;
	floor = 896;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 1024)
		floor = (int)(rl.rlim_cur / 2);
	if (floor < 3)
		floor = 3;
	atomic_store_explicit(&fd_guard_floor_cached, floor,
	    memory_order_relaxed);
	return floor;
}

static void
mark(int fd, bool on)
{
	uint64_t bit = 1ULL << (fd % 64);

	if (fd < 0 || fd >= FD_GUARD_MAX)
		return;
	if (on)
		atomic_fetch_or(&fd_guard_bits[fd / 64], bit);
	else
		atomic_fetch_and(&fd_guard_bits[fd / 64], ~bit);
}

int
fd_guard(int fd)
{
	int high;

	if (fd < 0)
		return fd;
	if (fd < fd_guard_floor()) {
		high = fcntl(fd, F_DUPFD_CLOEXEC, fd_guard_floor());
		if (high >= 0) {
			syscall(SYS_close, fd);
			fd = high;
		}
		/* else: nothing free up there; guard it where it is */
	}
	mark(fd, true);
	return fd;
}

void
fd_unguard(int fd)
{
	mark(fd, false);
}

void
fd_guard_close(int fd)
{
	if (fd < 0)
		return;
	mark(fd, false);
	syscall(SYS_close, fd);
}

bool
fd_guarded(int fd)
{
	if (fd < 0 || fd >= FD_GUARD_MAX)
		return false;
	return (atomic_load_explicit(&fd_guard_bits[fd / 64],
		    memory_order_relaxed) >>
		   (fd % 64)) &
	    1;
}

int
fd_guard_next(int fd)
{
	if (fd < 0)
		fd = 0;
	for (int w = fd / 64; w < FD_GUARD_MAX / 64; w++) {
		uint64_t bits = atomic_load_explicit(&fd_guard_bits[w],
		    memory_order_relaxed);

		if (w == fd / 64)
			bits &= ~0ULL << (fd % 64);
		if (bits != 0)
			return w * 64 + __builtin_ctzll(bits);
	}
	return -1;
}
