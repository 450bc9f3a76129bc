/*
 * test_fault.c: injected swap faults, through libuao, on real
 * userfaultfd and real swap files.
 *
 * Each test pages a patterned region out to swap files in a private
 * directory, makes one device fail reads or writes with EIO
 * (uao_swap_inject), and checks what the program sees:
 *   - a failed read: SIGBUS at exactly the page's address, the slot
 *     counted bad and never reused, every other page intact;
 *   - a failed write: the slot counted bad, the page written elsewhere,
 *     nothing lost;
 *   - memory and swap both full: the process is stopped (SIGKILL with a
 *     message, or SIGBUS at the faulting page), never given wrong data;
 *   - swapoff of a device with bad slots completes and accounts them;
 *   - the fault-handling side gone: what the program sees then.
 * Every test ends with uao_sim_check and the devices' in-use counts
 * checked against stats.swap_inuse.  Exit 77 without userfaultfd.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdbool.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/rng.h"
#include "uao/uao.h"
#include "common/find_uffd.h"
#include "common/runner.h"
#include "common/sim.h"

#define PG    4096
#define WORDS (PG / 8)

static char tdir[64];
static uint64_t seed;

static sigjmp_buf *volatile jbp;
static void *volatile busaddr;
static volatile int nbus;

static void
on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (jbp == NULL) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	busaddr = si->si_addr;
	nbus++;
	siglongjmp(*jbp, 1);
}

static void
catch_sigbus(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGBUS, &sa, NULL);
}

static uint64_t
word(size_t p, int w, uint64_t gen)
{
	uint64_t x = seed ^ (p << 20) ^ ((uint64_t)w << 4) ^ (gen << 44);

	/* the first draw of the generator seeded with x; never zero: zeros
	 * mean lost */
	return rng_next(&x) | 1;
}

static void
write_page(void *base, size_t p, uint64_t gen)
{
	uint64_t *pg = (uint64_t *)((char *)base + p * PG);

	for (int w = 0; w < WORDS; w++)
		pg[w] = word(p, w, gen);
}

/*
 * read_page: => 0 if the page holds its pattern, 1 if it differs,
 * 2 if reading it raised SIGBUS (busaddr says where).
 */
static int
read_page(const void *base, size_t p, uint64_t gen)
{
	const volatile uint64_t *pg =
	    (const volatile uint64_t *)((const char *)base + p * PG);
	sigjmp_buf jb;
	int rv = 0;

	if (sigsetjmp(jb, 1) != 0) {
		jbp = NULL;
		return 2;
	}
	jbp = &jb;
	for (int w = 0; w < WORDS; w++)
		if (pg[w] != word(p, w, gen)) {
			rv = 1;
			break;
		}
	jbp = NULL;
	return rv;
}

/*
 * the_lost_page: read pages [0, np) of base: none holds wrong data, and
 * exactly one raises SIGBUS, at its own address (a page lost to a failed
 * read).  => its index
 */
static size_t
the_lost_page(const void *base, size_t np, uint64_t gen)
{
	size_t lost = (size_t)-1;

	for (size_t p = 0; p < np; p++) {
		int rv = read_page(base, p, gen);

		ck_assert_msg(rv != 1, "page %zu reads wrong data", p);
		if (rv == 2) {
			ck_assert_msg(lost == (size_t)-1,
			    "a second page (%zu) got SIGBUS", p);
			ck_assert_ptr_eq(busaddr, (const char *)base + p * PG);
			lost = p;
		}
	}
	ck_assert_msg(lost != (size_t)-1, "no page got SIGBUS");
	return lost;
}

static struct uao_sim *
new_sim(size_t ram, int oom)
{
	struct uao_config cfg = { .ram_bytes = ram, .oom_action = oom };
	struct uao_sim *sim;
	int error = uao_sim_create(&cfg, &sim);

	ck_assert_msg(error == 0, "uao_sim_create: %s", uao_strerror(error));
	return sim;
}

static int
add_swap(struct uao_sim *sim, const char *name, uint64_t bytes, int prio)
{
	char path[128];
	int id;

	snprintf(path, sizeof(path), "%s/%s", tdir, name);
	unlink(path);
	id = uao_swap_add(sim, path, bytes, prio, 0);
	if (id == -EOPNOTSUPP)
		id = uao_swap_add(sim, path, bytes, prio, UAO_SWAP_BUFFERED);
	ck_assert_msg(id > 0, "uao_swap_add %s: %s", path, uao_strerror(id));
	return id;
}

static struct uao_swapinfo
devinfo(struct uao_sim *sim, int id)
{
	struct uao_swapinfo si[8];
	int n = uao_swap_list(sim, si, 8);

	for (int i = 0; i < n && i < 8; i++)
		if (si[i].id == id)
			return si[i];
	ck_abort_msg("device %d not listed", id);
	return si[0];
}

static uint64_t
inuse_sum(struct uao_sim *sim)
{
	struct uao_swapinfo si[8];
	uint64_t sum = 0;
	int n = uao_swap_list(sim, si, 8);

	for (int i = 0; i < n && i < 8; i++)
		sum += si[i].inuse;
	return sum;
}

/*
 * the recount: uao_sim_check, and the devices' in-use sum against
 * stats.swap_inuse once it holds still (the pagedaemon runs on: stopping
 * and restarting it reuses a dead thread's pmap state, which
 * ThreadSanitizer takes for a race)
 */
static void
recount(struct uao_sim *sim)
{
	struct uao_stats st;
	char why[512];
	uint64_t sum = 0, sum2 = 1;
	int error, tries = 0;

	while ((error = uao_sim_check(sim, why, sizeof(why))) == -EAGAIN &&
	    tries++ < 1000)
		usleep(1000);
	ck_assert_msg(error == 0, "uao_sim_check: %s: %s", uao_strerror(error),
	    why);
	for (tries = 0; tries < 1000; tries++) {
		sum = inuse_sum(sim);
		uao_sim_stats(sim, &st);
		sum2 = inuse_sum(sim);
		if (sum == sum2 && sum == st.swap_inuse)
			break;
		usleep(1000);
	}
	ck_assert_uint_eq(sum, st.swap_inuse);
}

static void
finish(struct uao_sim *sim, struct uao_region *r)
{
	recount(sim);
	if (r != NULL)
		ck_assert_int_eq(uao_region_destroy(r), 0);
	ck_assert_int_eq(uao_sim_destroy(sim), 0);
}

/*
 * (a) a failed read: SIGBUS at that page, slot bad and never reused,
 * every other page intact.
 */
START_TEST(read_error_sigbus)
{
	const size_t np = 256;
	struct uao_sim *sim = new_sim(256 << 10, UAO_OOM_KILL);
	struct uao_region *r;
	struct uao_swapinfo si;
	struct uao_stats st;
	size_t victim;
	void *base;
	int id;

	catch_sigbus();
	/* one slot more than the region: every slot is used, but the bad */
	id = add_swap(sim, "a.swap", (np + 1) * PG, 0);
	ck_assert_int_eq(uao_region_create(sim, np * PG, &r), 0);
	base = uao_region_base(r);
	for (size_t p = 0; p < np; p++)
		write_page(base, p, 1);
	ck_assert_int_eq(uao_region_pageout(r, 0, np * PG), 0);

	/* the 3rd page read from the device from now on fails */
	ck_assert_int_eq(uao_swap_inject(sim, id, 0, 3, 0, seed), 0);
	nbus = 0;
	victim = the_lost_page(base, np, 1);
	ck_assert_int_eq(nbus, 1);
	/* it stays lost: SIGBUS again, never zeros */
	ck_assert_int_eq(read_page(base, victim, 1), 2);
	ck_assert_ptr_eq(busaddr, (char *)base + victim * PG);

	si = devinfo(sim, id);
	ck_assert_uint_eq(si.bad, 1);
	ck_assert_uint_eq(si.read_errors, 1);
	uao_sim_stats(sim, &st);
	ck_assert_uint_ge(st.io_errors, 1);
	recount(sim);

	/*
	 * Never reused: cycle every other page through swap several times;
	 * the device has exactly one good slot per page left, so all of
	 * them are handed out again and again, but never the bad one: the
	 * bad count stays 1, the recount agrees, nothing is lost.
	 */
	for (uint64_t gen = 2; gen < 6; gen++) {
		for (size_t p = 0; p < np; p++)
			if (p != victim)
				write_page(base, p, gen);
		ck_assert_int_eq(uao_region_pageout(r, 0, np * PG), 0);
		for (size_t p = 0; p < np; p++)
			if (p != victim)
				ck_assert_int_eq(read_page(base, p, gen), 0);
		si = devinfo(sim, id);
		ck_assert_uint_eq(si.bad, 1);
		ck_assert_uint_le(si.inuse + si.bad, si.pages);
		recount(sim);
	}
	ck_assert_int_eq(read_page(base, victim, 1), 2);
	finish(sim, r);
}
END_TEST

/*
 * (b) a failed write: the slot is bad, the page goes elsewhere, nothing
 * is lost.  Once the 1st write, then 1 in 50 of every write.
 */
static void
write_error_case(uint64_t nth, uint32_t ppm)
{
	const size_t np = 256;
	struct uao_sim *sim = new_sim(256 << 10, UAO_OOM_KILL);
	struct uao_region *r;
	struct uao_swapinfo si;
	struct uao_stats st;
	void *base;
	int id, error = 0;

	catch_sigbus();
	id = add_swap(sim, "b.swap", 2 << 20, 0);
	ck_assert_int_eq(uao_swap_inject(sim, id, 1, nth, ppm, seed), 0);
	ck_assert_int_eq(uao_region_create(sim, np * PG, &r), 0);
	base = uao_region_base(r);
	for (size_t p = 0; p < np; p++)
		write_page(base, p, 1);
	/* a page whose write failed stays resident: try again */
	for (int tries = 0; tries < 10; tries++)
		if ((error = uao_region_pageout(r, 0, np * PG)) == 0)
			break;
	ck_assert_msg(error == 0, "pageout: %s", uao_strerror(error));
	uao_swap_inject(sim, id, 1, 0, 0, 0);

	si = devinfo(sim, id);
	ck_assert_uint_ge(si.write_errors, 1);
	ck_assert_uint_eq(si.bad, si.write_errors);
	uao_sim_stats(sim, &st);
	ck_assert_uint_eq(st.swpgonly, np);
	ck_assert_uint_eq(si.inuse, np);
	for (size_t p = 0; p < np; p++)
		ck_assert_msg(read_page(base, p, 1) == 0, "page %zu lost", p);
	finish(sim, r);
}

START_TEST(write_error_once)
{
	write_error_case(1, 0);
}
END_TEST

START_TEST(write_error_fraction)
{
	write_error_case(0, 20000);
}
END_TEST

/*
 * (c) memory and swap both full.  A child fills more than RAM + swap;
 * it verifies what it wrote as it goes.  => exit status of the child.
 */
static int
oom_child(int oom, int errfd)
{
	struct uao_sim *sim;
	struct uao_config cfg = { .ram_bytes = 256 << 10, .oom_action = oom };
	struct uao_region *r;
	const size_t np = 1024; /* 4 MiB into 256 KiB + 512 KiB */
	char path[128];
	void *base;
	size_t p;
	sigjmp_buf jb;

	dup2(errfd, STDERR_FILENO);
	if (uao_sim_create(&cfg, &sim) != 0)
		return 10;
	snprintf(path, sizeof(path), "%s/c%d.swap", tdir, oom);
	unlink(path);
	if (uao_swap_add(sim, path, 512 << 10, 0, 0) <= 0 &&
	    uao_swap_add(sim, path, 512 << 10, 0, UAO_SWAP_BUFFERED) <= 0)
		return 11;
	if (uao_region_create(sim, np * PG, &r) != 0)
		return 12;
	base = uao_region_base(r);
	catch_sigbus();
	p = 0;
	if (sigsetjmp(jb, 1) != 0) {
		/* SIGBUS: must be the page being written, with all before it
		 * intact (they may stay resident or in swap) */
		jbp = NULL;
		if (busaddr != (char *)base + p * PG)
			return 13;
		for (size_t q = 0; q < p; q++)
			if (read_page(base, q, 1) != 0)
				return 14;
		fprintf(stderr, "child: SIGBUS at page %zu\n", p);
		return 42;
	}
	jbp = &jb;
	for (p = 0; p < np; p++) {
		write_page(base, p, 1);
		if (p % 32 == 31) {
			jbp = NULL;
			for (size_t q = 0; q <= p; q++) {
				int rv = read_page(base, q, 1);

				if (rv == 1)
					return 15; /* wrong data */
				/* no frame to read it into: SIGBUS there */
				if (rv == 2)
					return busaddr == (char *)base + q * PG
					    ? 42
					    : 17;
			}
			jbp = &jb;
		}
	}
	jbp = NULL;
	return 16; /* it all fit: impossible */
}

/* drain: read fd to its end, keeping the first len - 1 bytes */
static void
drain(int fd, char *buf, size_t len)
{
	char sink[4096];
	size_t got = 0;
	ssize_t n;

	for (;;) {
		if (got < len - 1)
			n = read(fd, buf + got, len - 1 - got);
		else
			n = read(fd, sink, sizeof(sink));
		if (n <= 0)
			break;
		if (got < len - 1)
			got += (size_t)n;
	}
	buf[got] = '\0';
}

static void
oom_case(int oom, int *statusp, char *err, size_t errlen)
{
	int fds[2];
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		_exit(oom_child(oom, fds[1]));
	}
	close(fds[1]);
	drain(fds[0], err, errlen);
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, statusp, 0), pid);
}

START_TEST(oom_kill)
{
	char err[65536];
	int status;

	oom_case(UAO_OOM_KILL, &status, err, sizeof(err));
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "child status %#x, stderr: %.300s", status, err);
	ck_assert_msg(strstr(err, "uao: out of memory") != NULL &&
		strstr(err, "swap is full") != NULL,
	    "no clear message: %.300s", err);
}
END_TEST

START_TEST(oom_sigbus)
{
	char err[65536];
	int status;

	oom_case(UAO_OOM_SIGBUS, &status, err, sizeof(err));
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 42,
	    "child status %#x, stderr: %.300s", status, err);
}
END_TEST

/*
 * (d) swapoff of a device with bad slots: it completes, the bad slots
 * go with the device, and every page is right (but the one whose read
 * failed during swapoff, which raises SIGBUS at its address).
 */
START_TEST(swapoff_bad_slots)
{
	const size_t np = 256;
	struct uao_sim *sim = new_sim(2 << 20, UAO_OOM_KILL);
	struct uao_region *r;
	struct uao_swapinfo si;
	struct uao_stats st0, st;
	size_t victim;
	void *base;
	int a, b, error;

	catch_sigbus();
	a = add_swap(sim, "d1.swap", 2 << 20, 0);
	b = add_swap(sim, "d2.swap", 2 << 20, 1);
	ck_assert_int_eq(uao_region_create(sim, np * PG, &r), 0);
	base = uao_region_base(r);
	/* bad slots from failed writes on a */
	ck_assert_int_eq(uao_swap_inject(sim, a, 1, 0, 50000, seed), 0);
	for (size_t p = 0; p < np; p++)
		write_page(base, p, 1);
	for (int tries = 0; tries < 10; tries++)
		if ((error = uao_region_pageout(r, 0, np * PG)) == 0)
			break;
	ck_assert_int_eq(error, 0);
	uao_swap_inject(sim, a, 1, 0, 0, 0);
	si = devinfo(sim, a);
	ck_assert_uint_ge(si.bad, 1);
	ck_assert_uint_eq(si.inuse, np);
	/* and one read that fails during swapoff */
	ck_assert_int_eq(uao_swap_inject(sim, a, 0, 7, 0, seed), 0);

	uao_sim_stats(sim, &st0);
	error = uao_swap_remove(sim, a, NULL);
	ck_assert_msg(error == 0, "swapoff: %s", uao_strerror(error));
	ck_assert_int_eq(uao_swap_list(sim, &si, 1), 1);
	ck_assert_int_eq(si.id, b);
	uao_sim_stats(sim, &st);
	ck_assert_uint_eq(st.swapoff_pages - st0.swapoff_pages, np - 1);
	recount(sim);

	victim = the_lost_page(base, np, 1);
	/* the rest can go to b and come back */
	ck_assert_int_eq(uao_region_discard(r, victim * PG, PG), 0);
	ck_assert_int_eq(uao_region_pageout(r, 0, np * PG), 0);
	for (size_t p = 0; p < np; p++)
		if (p != victim)
			ck_assert_int_eq(read_page(base, p, 1), 0);
	finish(sim, r);
}
END_TEST

/*
 * (e) fail-closed: a program that closes every descriptor it does not
 * know (as daemons do) would close the userfaultfd under the handlers.
 * Through libc (close, close_range, closefrom, dup2 over it) uao's
 * descriptors are guarded: the calls skip or refuse them (EBADF), and
 * every page reads back right (uffd_close_refused).  A raw close(2)
 * system call gets past the guard; then the next fault wakes a handler,
 * whose read(2) of the descriptor fails (EBADF), and uvm_panic aborts
 * the process with "uao: panic: handler_main: read from the userfaultfd
 * failed" (uffd_closed_raw).  The child says how many pages read as
 * zeros if it ever gets that far (exit 20).
 */
static int
uffd_closer_child(bool raw)
{
	const size_t np = 64;
	struct uao_sim *sim;
	struct uao_region *r;
	void *base;
	int fd, zeros = 0, wrong = 0;

	sim = new_sim(256 << 10, UAO_OOM_KILL);
	catch_sigbus();
	add_swap(sim, "e.swap", 1 << 20, 0);
	uao_region_create(sim, np * PG, &r);
	base = uao_region_base(r);
	for (size_t p = 0; p < np; p++)
		write_page(base, p, 1);
	uao_region_pageout(r, 0, np * PG);
	fd = find_uffd();
	if (fd < 0)
		return 30;
	if (raw) {
		syscall(SYS_close, fd);
	} else {
		if (close(fd) != -1 || errno != EBADF)
			return 31;
		if (dup2(STDERR_FILENO, fd) != -1 || errno != EBADF)
			return 32;
		if (close_range(3, ~0U, 0) != 0)
			return 33;
		closefrom(3);
		if (fcntl(fd, F_GETFD) < 0 || find_uffd() != fd)
			return 34;
	}
	for (size_t p = 0; p < np; p++) {
		const uint64_t *pg = (const uint64_t *)((char *)base + p * PG);
		int rv = read_page(base, p, 1);

		if (rv == 1 && pg[0] == 0)
			zeros++;
		else if (rv == 1)
			wrong++;
	}
	if (zeros + wrong > 0) {
		fprintf(stderr,
		    "uffd closed: %d of %zu paged-out pages read as zeros, "
		    "%d wrong\n",
		    zeros, np, wrong);
		return 20;
	}
	return 0;
}

static int
run_uffd_closer(bool raw, char *err, size_t errlen)
{
	int status, fds[2];
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		close(fds[1]);
		_exit(uffd_closer_child(raw));
	}
	close(fds[1]);
	drain(fds[0], err, errlen);
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

START_TEST(uffd_close_refused)
{
	char err[65536];
	int status;

#ifdef __SANITIZE_THREAD__
	/*
	 * TSan's own close() runs before libuao's and forgets the
	 * descriptor (its fd table says closed, while the handlers poll
	 * it): it reports a race and crashes in its poll interceptor.  The
	 * guard is tested in the plain and ASan builds.
	 */
	return;
#endif
	status = run_uffd_closer(false, err, sizeof(err));

	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "closing uao's userfaultfd through libc: status %#x (exit 31-34: "
	    "a call was not refused or skipped; 20: zeros read): %.300s",
	    status, err);
	ck_assert_msg(strstr(err, "refused (EBADF)") != NULL,
	    "dup2 over uao's descriptor said nothing: %.300s", err);
}
END_TEST

START_TEST(uffd_closed_raw)
{
	char err[65536];
	int status = run_uffd_closer(true, err, sizeof(err));

	ck_assert_msg(!(WIFEXITED(status) && WEXITSTATUS(status) == 20),
	    "the program read zeros after its userfaultfd was closed: %.300s",
	    err);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
	    "the program went on after its userfaultfd was closed: status "
	    "%#x: %.300s",
	    status, err);
	ck_assert_msg(strstr(err, "uao: panic") != NULL &&
		strstr(err, "userfaultfd") != NULL,
	    "no clear message: %.300s", err);
}
END_TEST

/*
 * (e) fail-closed, the other way the handling side can go: a fatal
 * signal in a handler thread (here: SIGSEGV sent to every thread but
 * ours) takes the whole process down; it never returns zeros.
 */
START_TEST(handler_thread_killed)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		const size_t np = 64;
		struct uao_sim *sim = new_sim(256 << 10, UAO_OOM_KILL);
		struct uao_region *r;
		pid_t self = gettid();
		DIR *d;
		struct dirent *de;
		void *base;

		add_swap(sim, "e2.swap", 1 << 20, 0);
		uao_region_create(sim, np * PG, &r);
		base = uao_region_base(r);
		for (size_t p = 0; p < np; p++)
			write_page(base, p, 1);
		uao_region_pageout(r, 0, np * PG);
		d = opendir("/proc/self/task");
		while (d != NULL && (de = readdir(d)) != NULL) {
			pid_t t = atoi(de->d_name);

			if (t > 0 && t != self)
				syscall(SYS_tgkill, getpid(), t, SIGSEGV);
		}
		for (size_t p = 0; p < np; p++)
			if (read_page(base, p, 1) != 0)
				_exit(20);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	/*
	 * Killed by SIGSEGV (under a sanitizer: its report, then its exit
	 * status), and never on to read its pages (0) or zeros (20).
	 */
	ck_assert_msg(WIFSIGNALED(status) ||
		(WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 20),
	    "child status %#x: went on after its handlers crashed", status);
	if (WIFSIGNALED(status))
		ck_assert_int_eq(WTERMSIG(status), SIGSEGV);
}
END_TEST

static Suite *
fault_suite(void)
{
	Suite *s = suite_create("fault");
	TCase *tc = tcase_create("inject");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, read_error_sigbus);
	tcase_add_test(tc, write_error_once);
	tcase_add_test(tc, write_error_fraction);
	tcase_add_test(tc, oom_kill);
	tcase_add_test(tc, oom_sigbus);
	tcase_add_test(tc, swapoff_bad_slots);
	tcase_add_test(tc, handler_thread_killed);
	tcase_add_test(tc, uffd_close_refused);
	tcase_add_test(tc, uffd_closed_raw);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	const char *s = getenv("UAO_TEST_SEED");
	int rv;

	seed = s != NULL ? strtoull(s, NULL, 0) : 20261130;
	printf("seed %llu (UAO_TEST_SEED to repeat)\n",
	    (unsigned long long)seed);
	fflush(stdout);
	if (sim_probe() == 77)
		return 77;
	snprintf(tdir, sizeof(tdir), "%s", "/tmp/uao-fault-XXXXXX");
	if (getenv("TMPDIR") != NULL)
		snprintf(tdir, sizeof(tdir), "%s/uao-fault-XXXXXX",
		    getenv("TMPDIR"));
	if (mkdtemp(tdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	rv = suite_run(fault_suite());
	{
		DIR *d = opendir(tdir);
		struct dirent *de;
		char path[400];

		while (d != NULL && (de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", tdir, de->d_name);
			unlink(path);
		}
		if (d != NULL)
			closedir(d);
		rmdir(tdir);
	}
	return rv;
}
