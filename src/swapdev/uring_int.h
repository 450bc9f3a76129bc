/*
 * uring_int.h: the io_uring engine behind swap I/O.
 *
 * Every thread that does swap I/O gets its own ring, created on first
 * use and torn down when the thread exits, so that submission needs no
 * lock and a fault-handler thread never waits behind another thread's
 * submissions.  A batch of requests is submitted with one system call
 * and reaped together: that is what keeps several device reads in
 * flight for one fault with read-ahead.
 */
#ifndef UAO_SWAPDEV_URING_INT_H
#define UAO_SWAPDEV_URING_INT_H

#include <stdbool.h>
#include <sys/types.h>
#include <sys/uio.h>

/* One vectored transfer. */
struct uring_req {
	int ur_fd;		    /* in */
	off_t ur_off;		    /* in: file offset */
	const struct iovec *ur_iov; /* in */
	int ur_iovcnt;		    /* in */
	bool ur_write;		    /* in */
	int ur_error;		    /* out: 0, or -errno */
};

/* the most requests uring_submit_wait takes at once */
#define URING_DEPTH 64

/*
 * uring_submit_wait: perform every request and wait for all of them.
 *
 * => n <= URING_DEPTH.
 * => a short transfer is continued until done, so a request succeeds
 *    whole or fails with its errno (-EIO at end of file).
 * => returns 0, or -errno if the thread's ring could not be set up
 *    (then every ur_error is that errno too).
 * => uses the calling thread's ring: call from any thread, holding no
 *    lock that another I/O thread needs.
 */
int uring_submit_wait(struct uring_req *reqs, int n);

/*
 * uring_thread_release: tear down the calling thread's ring now.
 * => optional: a thread's ring is also released when the thread exits.
 */
void uring_thread_release(void);

#endif /* UAO_SWAPDEV_URING_INT_H */
