/*
 * fdguard_int.h: uao's own file descriptors, kept out of the program's
 * reach.
 *
 * uao lives inside the program it serves, and programs close file
 * descriptors they never opened: a daemon's close-everything loop,
 * closefrom(3) before exec, a shell's `exec 3>file'.  Losing the
 * userfaultfd unregisters every region (the program would read zeros
 * where its data was); losing a swap file, an io_uring or a fork pipe
 * loses pages or holds.  So every descriptor uao keeps is *guarded*:
 * moved up to a number programs rarely name (fd_guard_floor), and
 * marked, so that the libc entry points libuao interposes (close,
 * close_range, closefrom, dup2, dup3: interpose_fd.c) leave it alone.
 *
 * The marks are a process-wide bitmap of atomic words: reading one is
 * async-signal-safe and lock-free, as close(2) in a signal handler or a
 * vforked child needs.  A fork copies them, with the descriptors.
 */
#ifndef UAO_BASE_FDGUARD_INT_H
#define UAO_BASE_FDGUARD_INT_H

#include <stdbool.h>

#define FD_GUARD_MAX 65536 /* descriptors at or above are not guarded */

/*
 * fd_guard: take fd (uao's own, close-on-exec) into the guard: it is
 * moved to the lowest free number at or above fd_guard_floor() (the old
 * number is closed) and marked.  Where no number up there is free, it
 * stays where it is, marked.
 * => a negative fd is returned as it is (so fd_guard(open_thing())
 *    passes an -errno through).
 * => returns the descriptor to use from now on.
 */
int fd_guard(int fd);

/* fd_unguard: take the mark off fd, which uao is about to close itself. */
void fd_unguard(int fd);

/* fd_guard_close: fd_unguard and close(2).  A negative fd is ignored. */
void fd_guard_close(int fd);

/* fd_guarded: whether fd is one of uao's.  => async-signal-safe */
bool fd_guarded(int fd);

/*
 * fd_guard_next: the lowest guarded descriptor in [fd, FD_GUARD_MAX), or
 * -1.  => async-signal-safe
 */
int fd_guard_next(int fd);

/* fd_guard_floor: where guarded descriptors go (below RLIMIT_NOFILE). */
int fd_guard_floor(void);

#endif /* UAO_BASE_FDGUARD_INT_H */
