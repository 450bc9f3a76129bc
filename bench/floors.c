/*
 * floors.c: the raw floors a swap-in cannot beat, measured in the same
 * run as the workloads: a 4 KiB O_DIRECT random read of the swap file
 * through io_uring at queue depth 1 and 32, and the bare userfaultfd
 * round trip (a thread touches a missing page, a handler thread polls
 * the userfaultfd, reads the message and resolves it with UFFDIO_COPY of
 * 4 KiB, or with UFFDIO_ZEROPAGE), with nothing of uao in between.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/rng.h"
#include "bench/bench.h"

#define QD 32

/* read_floor: n random 4 KiB reads at queue depth qd.  => 0 or -errno */
static int
read_floor(const char *file, int qd, uint64_t n, uint64_t seed, struct hist *h,
    double *iops)
{
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	struct stat st;
	uint64_t t_start[QD], rng = seed, issued = 0, done = 0, t0, npages;
	void *buf;
	int fd, err;

	fd = open(file, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_size < (off_t)(2 * PAGE)) {
		close(fd);
		return -EINVAL;
	}
	npages = (uint64_t)st.st_size / PAGE;
	if (posix_memalign(&buf, PAGE, PAGE * QD) != 0) {
		close(fd);
		return -ENOMEM;
	}
	if ((err = io_uring_queue_init(QD, &ring, 0)) < 0) {
		free(buf);
		close(fd);
		return err;
	}
	t0 = now_ns();
	while (done < n) {
		while (issued < n && issued - done < (uint64_t)qd) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			int slot = (int)(issued % QD);
			off_t off = (off_t)(rng_next(&rng) % npages * PAGE);
			io_uring_prep_read(sqe, fd, (char *)buf + slot * PAGE,
			    PAGE, (uint64_t)off);
			sqe->user_data = (uint64_t)slot;
			t_start[slot] = now_ns();
			issued++;
		}
		if ((err = io_uring_submit_and_wait(&ring, 1)) < 0)
			break;
		while (io_uring_peek_cqe(&ring, &cqe) == 0) {
			if (cqe->res != (int)PAGE) {
				err = cqe->res < 0 ? cqe->res : -EIO;
				goto out;
			}
			hist_add(h, now_ns() - t_start[cqe->user_data]);
			io_uring_cqe_seen(&ring, cqe);
			done++;
		}
		err = 0;
	}
	*iops = (double)done * 1e9 / (double)(now_ns() - t0);
out:
	io_uring_queue_exit(&ring);
	free(buf);
	close(fd);
	return err < 0 ? err : 0;
}

struct uf {
	int u_fd;
	int u_stop[2]; /* a pipe: readable when the handler must stop */
	int u_zero;
	void *u_src;
};

static void *
uf_handler(void *arg)
{
	struct uf *u = arg;
	struct uffd_msg msg;
	struct pollfd pfd[2] = { { .fd = u->u_fd, .events = POLLIN },
		{ .fd = u->u_stop[0], .events = POLLIN } };

	for (;;) {
		/* poll, as a real handler must; then one read */
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		if (pfd[1].revents & POLLIN)
			return NULL;
		/* EAGAIN: nothing there after all; short reads cannot be */
		if (read(u->u_fd, &msg, sizeof(msg)) != sizeof(msg) ||
		    msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		uint64_t a = msg.arg.pagefault.address & ~(PAGE - 1);
		if (u->u_zero) {
			struct uffdio_zeropage z = { .range = { a, PAGE } };
			ioctl(u->u_fd, UFFDIO_ZEROPAGE, &z);
		} else {
			struct uffdio_copy cp = { .dst = a,
				.src = (uint64_t)(uintptr_t)u->u_src,
				.len = PAGE };
			ioctl(u->u_fd, UFFDIO_COPY, &cp);
		}
	}
}

/*
 * uffd_floor: n pages touched in turn by this thread, each resolved by
 * a handler thread in poll(2) + read(2) on the userfaultfd, as uao's
 * handlers do.
 * => 0 or -errno (no userfaultfd here).
 */
static int
uffd_floor(uint64_t n, int zero, struct hist *h)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	struct uf u = { .u_zero = zero };
	pthread_t tid;
	char *p;
	size_t len = n * PAGE;
	int err = 0;

	u.u_fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (u.u_fd < 0)
		return -errno;
	if (ioctl(u.u_fd, UFFDIO_API, &api) < 0) {
		err = -errno;
		close(u.u_fd);
		return err;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	u.u_src = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED || u.u_src == MAP_FAILED) {
		close(u.u_fd);
		return -ENOMEM;
	}
	memset(u.u_src, 0x5a, PAGE);
	madvise(p, len, MADV_NOHUGEPAGE);
	reg.range.start = (uint64_t)(uintptr_t)p;
	reg.range.len = len;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(u.u_fd, UFFDIO_REGISTER, &reg) < 0) {
		err = -errno;
		goto out;
	}
	if (pipe2(u.u_stop, O_CLOEXEC) < 0) {
		err = -errno;
		goto out;
	}
	pthread_create(&tid, NULL, uf_handler, &u);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t t0 = now_ns();
		if (zero)
			(void)*(volatile char *)(p + i * PAGE);
		else
			*(volatile char *)(p + i * PAGE) = 1;
		hist_add(h, now_ns() - t0);
	}
	ioctl(u.u_fd, UFFDIO_UNREGISTER, &reg.range);
	(void)!write(u.u_stop[1], "x", 1);
	pthread_join(tid, NULL);
	close(u.u_stop[0]);
	close(u.u_stop[1]);
out:
	close(u.u_fd);
	munmap(p, len);
	munmap(u.u_src, PAGE);
	return err;
}

/* floors_measure: all the floors; what cannot be measured says why */
void
floors_measure(struct floors *f, const char *file, uint64_t n, uint64_t seed)
{
	int err;

	memset(f, 0, sizeof(*f));
	drop_caches();
	err = read_floor(file, 1, n, seed, &f->f_qd1, &f->f_qd1_iops);
	if (err == 0)
		err = read_floor(file, QD, n * 4, seed + 1, &f->f_qd32,
		    &f->f_qd32_iops);
	if (err == 0)
		f->f_have_read = 1;
	else
		snprintf(f->f_msg, sizeof(f->f_msg), "O_DIRECT read: %s",
		    strerror(-err));
	err = uffd_floor(n * 4, 0, &f->f_copy);
	if (err == 0)
		err = uffd_floor(n * 4, 1, &f->f_zero);
	if (err == 0)
		f->f_have_uffd = 1;
	else
		snprintf(f->f_msg + strlen(f->f_msg),
		    sizeof(f->f_msg) - strlen(f->f_msg), " userfaultfd: %s",
		    strerror(-err));
}
