/*
 * ctl.c: the runtime's control socket (`uao stat PID', `uao swapctl PID')
 * and the report it sends at exit.
 *
 * One uao thread accepts connections on <ctl dir>/<pid>.sock, answers one
 * request per connection, and between requests samples the process's
 * anonymous RSS; at each new peak it breaks it down by whose the memory
 * is (memacct.c), so that the report can say what share of the
 * program's memory uao managed at its peak.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/fdguard_int.h"
#include "base/lock_int.h"
#include "pager/param_int.h"
#include "uffd/memacct_int.h"
#include "uffd/preload_int.h"
#include "uffd/sim_int.h"
#include "uffd/threads_int.h"

#define CTL_SAMPLE_MS 100

static int ctl_fd = -1;
static char ctl_path[256];
static pthread_mutex_t ctl_peak_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t ctl_rss_peak;	   /* ctl_peak_lock: RssAnon */
static struct memacct ctl_at_peak; /* ctl_peak_lock: its breakdown */
static uint64_t ctl_acct_errors;   /* ctl_peak_lock */
static struct timespec ctl_started;

/*
 * The process's anonymous resident memory, from /proc/self/statm-like
 * RssAnon in /proc/self/status.  read(2) into a stack buffer: this runs
 * on uao threads too.
 */
static uint64_t
ctl_rss_anon(void)
{
	char buf[4096], *p;
	ssize_t n;
	int fd;

	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, "RssAnon:");
	return p != NULL ? strtoull(p + 8, NULL, 10) * 1024 : 0;
}

/*
 * A new peak of RssAnon (cheap to read) is broken down by whose the
 * memory is (memacct_sample: maps and pagemap, a few milliseconds).
 */
static void
ctl_sample(struct uao_sim *sim)
{
	uint64_t rss = ctl_rss_anon();
	struct memacct ma;
	int error;

	pthread_mutex_lock(&ctl_peak_lock);
	if (rss <= ctl_rss_peak) {
		pthread_mutex_unlock(&ctl_peak_lock);
		return;
	}
	pthread_mutex_unlock(&ctl_peak_lock);
	error = memacct_sample(sim, &ma);
	pthread_mutex_lock(&ctl_peak_lock);
	if (error != 0)
		ctl_acct_errors++;
	else if (rss > ctl_rss_peak) {
		ctl_rss_peak = rss;
		ctl_at_peak = ma;
	}
	pthread_mutex_unlock(&ctl_peak_lock);
}

void
preload_fill_report(struct uao_sim *sim, struct ctl_report *rep)
{
	struct timespec now;
	struct sim_fork_counts fc;
	unsigned long adopted, skipped;
	size_t used, reserved;
	ssize_t n;

	ctl_sample(sim);
	memset(rep, 0, sizeof(*rep));
	rep->cr_magic = CTL_MAGIC;
	rep->cr_size = sizeof(*rep);
	rep->cr_pid = getpid();
	rep->cr_ppid = getppid();
	n = readlink("/proc/self/exe", rep->cr_exe, sizeof(rep->cr_exe) - 1);
	if (n < 0)
		rep->cr_exe[0] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &now);
	rep->cr_elapsed = (double)(now.tv_sec - ctl_started.tv_sec) +
	    (double)(now.tv_nsec - ctl_started.tv_nsec) / 1e9;
	uao_sim_stats(sim, &rep->cr_stats);
	rep->cr_ram_limit = rep->cr_stats.ram_pages * PAGE_SIZE;
	rep->cr_nswap = uao_swap_list(sim, rep->cr_swap, CTL_MAXSWAP);
	if (rep->cr_nswap > CTL_MAXSWAP)
		rep->cr_nswap = CTL_MAXSWAP;
	rep->cr_rss_anon = ctl_rss_anon();
	pthread_mutex_lock(&ctl_peak_lock);
	/* the sum of the parts, at RssAnon's peak */
	rep->cr_rss_anon_peak = ctl_at_peak.ma_anon;
	rep->cr_uao_at_peak = ctl_at_peak.ma_uao;
	rep->cr_uao_own_peak = ctl_at_peak.ma_own;
	rep->cr_uao_meta_peak = ctl_at_peak.ma_meta;
	rep->cr_brk_peak = ctl_at_peak.ma_brk;
	rep->cr_stacks_peak = ctl_at_peak.ma_stacks;
	rep->cr_filecow_peak = ctl_at_peak.ma_filecow;
	rep->cr_other_peak = ctl_at_peak.ma_other;
	rep->cr_acct_errors = ctl_acct_errors;
	pthread_mutex_unlock(&ctl_peak_lock);
	preload_heap_usage(&used, &reserved);
	rep->cr_heap_used = used;
	rep->cr_heap_reserved = reserved;
	preload_mmap_counts(&adopted, &skipped);
	rep->cr_mmaps_adopted = adopted;
	rep->cr_mmaps_skipped = skipped;
	sim_fork_counts(&fc);
	rep->cr_forks = fc.fc_forks;
	rep->cr_fork_pageins = fc.fc_pageins;
	rep->cr_fork_pageouts = fc.fc_pageouts;
}

static void
ctl_errmsg(struct ctl_report *rep, int error, const char *what)
{
	rep->cr_error = error;
	if (error == 0)
		return;
	if (error == -ENOMEM && what != NULL && strcmp(what, "remove") == 0)
		snprintf(rep->cr_msg, sizeof(rep->cr_msg),
		    "not enough memory to take the device's pages back "
		    "(ENOMEM); the device stays on and in use");
	else
		snprintf(rep->cr_msg, sizeof(rep->cr_msg), "%s: %s",
		    what != NULL ? what : "error", uao_strerror(error));
}

static void
ctl_serve(struct uao_sim *sim, int conn)
{
	struct ctl_request rq;
	struct ctl_report rep;
	ssize_t n;
	int error = 0;

	n = recv(conn, &rq, sizeof(rq), MSG_WAITALL);
	if (n != (ssize_t)sizeof(rq) || rq.cq_magic != CTL_MAGIC)
		return;
	rq.cq_path[sizeof(rq.cq_path) - 1] = '\0';

	/* act first, so that the report shows the result */
	if (rq.cq_op == CTL_SWAP_ADD)
		error = uao_swap_add(sim, rq.cq_path[0] ? rq.cq_path : NULL,
		    rq.cq_size, rq.cq_prio, 0);
	else if (rq.cq_op == CTL_SWAP_REMOVE)
		error = uao_swap_remove(sim, rq.cq_id,
		    rq.cq_path[0] ? rq.cq_path : NULL);

	preload_fill_report(sim, &rep);
	switch (rq.cq_op) {
	case CTL_SWAP_ADD:
		ctl_errmsg(&rep, error < 0 ? error : 0, "add");
		break;
	case CTL_SWAP_REMOVE:
		ctl_errmsg(&rep, error, "remove");
		break;
	case CTL_CHECK:
		rep.cr_error =
		    uao_sim_check(sim, rep.cr_msg, sizeof(rep.cr_msg));
		break;
	case CTL_STAT:
		break;
	default:
		ctl_errmsg(&rep, -EINVAL, "unknown request");
		break;
	}
	(void)!send(conn, &rep, sizeof(rep), MSG_NOSIGNAL);
}

static void *
ctl_main(void *arg)
{
	struct uao_sim *sim = arg;
	struct pollfd pfd;

	/*
	 * Allocating privately, but not registered as a uao thread: reading
	 * /proc/self/maps and pagemap (memacct.c) made this thread fault on
	 * region memory now and then (a Java run), which a registered
	 * thread may not.  It takes no uao lock around those reads, so its
	 * faults are served as a program thread's.  XXX: find the access.
	 */
	preload_heap_bind_thread();
	pfd.fd = ctl_fd;
	pfd.events = POLLIN;
	for (;;) {
		int rv = poll(&pfd, 1, CTL_SAMPLE_MS);

		ctl_sample(sim);
		if (rv > 0 && (pfd.revents & POLLIN)) {
			int conn = accept4(ctl_fd, NULL, NULL, SOCK_CLOEXEC);

			if (conn >= 0) {
				ctl_serve(sim, conn);
				close(conn);
			}
		}
	}
	return NULL;
}

static void
ctl_unlink(void)
{
	/* only the process that made it (not a forked child) removes it */
	if (ctl_path[0] != '\0' && ctl_fd >= 0)
		unlink(ctl_path);
}

int
preload_ctl_start(struct uao_sim *sim)
{
	struct sockaddr_un sun;
	pthread_t t;
	int error;

	clock_gettime(CLOCK_MONOTONIC, &ctl_started);
	error = ctl_socket_path(getpid(), ctl_path, sizeof(ctl_path));
	if (error != 0)
		return error;
	ctl_fd = fd_guard(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	if (ctl_fd < 0)
		return -errno;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(ctl_path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	memcpy(sun.sun_path, ctl_path, strlen(ctl_path) + 1);
	unlink(ctl_path); /* a stale one from a process of the same pid */
	if (bind(ctl_fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(ctl_fd, 8) != 0) {
		error = -errno;
		fd_guard_close(ctl_fd);
		ctl_fd = -1;
		return error;
	}
	atexit(ctl_unlink);
	/* and on the panic path, which aborts without exit(3) */
	uvm_panic_hook = ctl_unlink;
	error = pthread_create(&t, NULL, ctl_main, sim);
	if (error != 0)
		return -error;
	pthread_detach(t);
	return 0;
}

/*
 * preload_ctl_forget: in a forked child: the socket is the parent's.
 */
void
preload_ctl_forget(void)
{
	fd_guard_close(ctl_fd);
	ctl_fd = -1;
	ctl_path[0] = '\0';
}
