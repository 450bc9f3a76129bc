/*
 * cmd_run.c: `uao run': start a program with its heap and anonymous
 * mappings in aobj memory, under a RAM limit, and report at its exit.
 *
 * The program is exec'd by a child of this process with the runtime
 * (libuao_preload) and jemalloc in LD_PRELOAD, configured through UAO_*
 * variables (see src/uffd/preload.c).  This process stays outside uao:
 * it waits for the program, collects the report every runtime sends at
 * exit over a private socket (programs that close stderr still get
 * one), prints it, and exits with the program's status.
 *
 * Everything that can be checked before the program starts is: sizes,
 * the program (present, executable, not static), the swap files
 * (writable, room on their filesystem).  Bad input is one line naming
 * the value, and exit status 2.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_int.h"

#ifndef UAO_PRELOAD_PATHS
#define UAO_PRELOAD_PATHS ""
#endif
#ifndef UAO_JEMALLOC_PATH
#define UAO_JEMALLOC_PATH "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
#endif

#define RUN_MAX_SWAP	 16
#define RUN_MIN_RAM	 (1ULL << 20)
#define RUN_DEFAULT_RAM	 (64ULL << 20)
#define RUN_DEFAULT_SWAP (2ULL << 30)
#define RUN_MAX_REPORTS	 64

struct run_opts {
	uint64_t ro_ram;
	int ro_handlers;
	struct swap_spec ro_swap[RUN_MAX_SWAP];
	int ro_nswap;
	const char *ro_stats; /* NULL: stderr */
	bool ro_json;
	char ro_inject[1024]; /* UAO_INJECT: entries, one per line */
};

static pid_t run_child;

static void
run_forward_signal(int sig)
{
	if (run_child > 0)
		kill(run_child, sig);
}

/*
 * find_program: PROGRAM as execvp(3) would find it.
 * => 0 and the path in buf, or exits.
 */
static void
find_program(const char *prog, char *buf, size_t len)
{
	const char *path = getenv("PATH");
	char cand[PATH_MAX];

	if (strchr(prog, '/') != NULL) {
		if (access(prog, X_OK) != 0)
			die(EXIT_USAGE,
			    "program not found or not executable: "
			    "%s",
			    prog);
		snprintf(buf, len, "%s", prog);
		return;
	}
	if (path == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *colon = strchr(path, ':');
		size_t dlen =
		    colon != NULL ? (size_t)(colon - path) : strlen(path);
		struct stat st;

		snprintf(cand, sizeof(cand), "%.*s/%s", (int)dlen,
		    dlen ? path : ".", prog);
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(cand, X_OK) == 0) {
			snprintf(buf, len, "%s", cand);
			return;
		}
		path = colon != NULL ? colon + 1 : path + dlen;
	}
	die(EXIT_USAGE, "program not found: %s", prog);
}

/*
 * check_dynamic: the runtime is an LD_PRELOAD library, so the program
 * must be a dynamically linked ELF (or a script whose interpreter is).
 */
static void
check_dynamic(const char *path, int depth)
{
	Elf64_Ehdr eh;
	char buf[PATH_MAX + 2];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(EXIT_USAGE, "cannot read program %s: %s", path,
		    strerror(errno));
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n >= 2 && buf[0] == '#' && buf[1] == '!' && depth < 4) {
		char *interp = buf + 2, *end;

		buf[n] = '\0';
		while (*interp == ' ' || *interp == '\t')
			interp++;
		end = interp + strcspn(interp, " \t\n");
		*end = '\0';
		close(fd);
		if (*interp == '\0')
			die(EXIT_USAGE, "%s: a script with no interpreter",
			    path);
		check_dynamic(interp, depth + 1);
		return;
	}
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64) {
		close(fd);
		die(EXIT_USAGE, "%s is not a 64-bit ELF program", path);
	}
	for (int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		if (pread(fd, &ph, sizeof(ph),
			(off_t)eh.e_phoff + (off_t)i * eh.e_phentsize) !=
		    (ssize_t)sizeof(ph))
			break;
		if (ph.p_type == PT_INTERP) {
			close(fd);
			return;
		}
	}
	close(fd);
	die(EXIT_USAGE,
	    "%s is statically linked: uao cannot preload its "
	    "runtime into it",
	    path);
}

/*
 * lock_holder: the process holding a flock(2) on the file st names, from
 * /proc/locks, or 0 if none is found.
 */
static int
lock_holder(const struct stat *st)
{
	char line[256];
	FILE *f = fopen("/proc/locks", "re");
	int pid = 0;

	if (f == NULL)
		return 0;
	while (pid == 0 && fgets(line, sizeof(line), f) != NULL) {
		unsigned int maj, min;
		unsigned long ino;
		int p;

		if (strstr(line, "FLOCK") == NULL)
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %d %x:%x:%lu", &p, &maj, &min,
			&ino) == 4 &&
		    maj == major(st->st_dev) && min == minor(st->st_dev) &&
		    ino == (unsigned long)st->st_ino)
			pid = p;
	}
	fclose(f);
	return pid;
}

/*
 * check_swap_free: a named swap file is not swap of another process
 * already (the runtime locks it, see swap_on), and can be opened.
 */
static void
check_swap_free(const struct swap_spec *ss, const struct stat *st)
{
	int fd = open(ss->ss_path, O_RDWR | O_CLOEXEC);
	int holder;

	if (fd < 0)
		die(EXIT_USAGE, "--swap %s: cannot open it: %s", ss->ss_path,
		    strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
		holder = lock_holder(st);
		close(fd);
		if (holder > 0)
			die(EXIT_USAGE,
			    "--swap %s: in use as swap by another process "
			    "(pid %d)",
			    ss->ss_path, holder);
		die(EXIT_USAGE, "--swap %s: in use as swap by another process",
		    ss->ss_path);
	}
	close(fd);
}

/*
 * check_swap_create: a missing swap file can be made there (the
 * runtime makes it for real; this one is removed at once).
 */
static void
check_swap_create(const struct swap_spec *ss)
{
	int fd = open(ss->ss_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0)
		die(EXIT_USAGE, "--swap %s: cannot create it: %s", ss->ss_path,
		    strerror(errno));
	close(fd);
	unlink(ss->ss_path);
}

/* check_swap: the file can be made or used, and its filesystem has room */
static void
check_swap(const struct swap_spec *ss)
{
	struct statvfs vfs;
	struct stat st;
	char dir[PATH_MAX], b1[32], b2[32];
	const char *slash;
	uint64_t need = ss->ss_size;

	if (stat(ss->ss_path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			die(EXIT_USAGE, "--swap %s: a directory, not a file",
			    ss->ss_path);
		if (access(ss->ss_path, R_OK | W_OK) != 0)
			die(EXIT_USAGE, "--swap %s: not writable: %s",
			    ss->ss_path, strerror(errno));
		/* root may write anything: the mode says what was meant */
		if (S_ISREG(st.st_mode) && (st.st_mode & 0222) == 0)
			die(EXIT_USAGE,
			    "--swap %s: read-only file (mode %04o); "
			    "chmod u+w it to use it as swap",
			    ss->ss_path, (unsigned)(st.st_mode & 07777));
		if (S_ISREG(st.st_mode) && need == 0 && st.st_size < 4096)
			die(EXIT_USAGE,
			    "--swap %s: empty file; give a size "
			    "(FILE:SIZE)",
			    ss->ss_path);
		if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))
			check_swap_free(ss, &st);
		need = need > (uint64_t)st.st_size ? need - (uint64_t)st.st_size
						   : 0;
		snprintf(dir, sizeof(dir), "%s", ss->ss_path);
	} else {
		if (need == 0)
			die(EXIT_USAGE,
			    "--swap %s: the file does not exist; "
			    "give its size (FILE:SIZE)",
			    ss->ss_path);
		slash = strrchr(ss->ss_path, '/');
		snprintf(dir, sizeof(dir), "%.*s",
		    slash != NULL ? (int)(slash - ss->ss_path) : 1,
		    slash != NULL ? ss->ss_path : ".");
		if (dir[0] == '\0')
			snprintf(dir, sizeof(dir), "/");
		if (access(dir, W_OK | X_OK) != 0)
			die(EXIT_USAGE, "--swap %s: cannot create it in %s: %s",
			    ss->ss_path, dir, strerror(errno));
		check_swap_create(ss);
	}
	if (statvfs(dir, &vfs) == 0 &&
	    (uint64_t)vfs.f_bavail * vfs.f_frsize < need)
		die(EXIT_USAGE,
		    "--swap %s: needs %s, but only %s is free there",
		    ss->ss_path, fmt_bytes(b1, sizeof(b1), need),
		    fmt_bytes(b2, sizeof(b2),
			(uint64_t)vfs.f_bavail * vfs.f_frsize));
}

static void
check_tmp_room(uint64_t need)
{
	const char *tmp = getenv("TMPDIR");
	struct statvfs vfs;
	char b1[32], b2[32];

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if (access(tmp, W_OK | X_OK) != 0)
		die(EXIT_USAGE, "TMPDIR %s is not writable: %s", tmp,
		    strerror(errno));
	if (statvfs(tmp, &vfs) == 0 &&
	    (uint64_t)vfs.f_bavail * vfs.f_frsize < need)
		die(EXIT_USAGE,
		    "the default swap file needs %s in %s, but "
		    "only %s is free (give --swap FILE:SIZE)",
		    fmt_bytes(b1, sizeof(b1), need), tmp,
		    fmt_bytes(b2, sizeof(b2),
			(uint64_t)vfs.f_bavail * vfs.f_frsize));
}

/* the runtime library: next to this binary (build tree) or installed */
static void
find_preload(char *buf, size_t len)
{
	char self[PATH_MAX - 64], cand[PATH_MAX];
	const char *env = getenv("UAO_PRELOAD");
	char *slash;
	ssize_t n;

	if (env != NULL && access(env, R_OK) == 0) {
		snprintf(buf, len, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash != NULL) {
			*slash = '\0';
			snprintf(cand, sizeof(cand),
			    "%s/../uffd/libuao_preload.so", self);
			if (access(cand, R_OK) == 0) {
				snprintf(buf, len, "%s", cand);
				return;
			}
		}
	}
	{
		const char *paths = UAO_PRELOAD_PATHS;

		while (*paths) {
			const char *colon = strchr(paths, ':');
			size_t plen =
			    colon ? (size_t)(colon - paths) : strlen(paths);

			snprintf(cand, sizeof(cand), "%.*s", (int)plen, paths);
			if (access(cand, R_OK) == 0) {
				snprintf(buf, len, "%s", cand);
				return;
			}
			paths += plen + (colon ? 1 : 0);
		}
	}
	die(1, "cannot find libuao_preload.so (set UAO_PRELOAD)");
}

static void
setenv_u64(const char *name, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	setenv(name, buf, 1);
}

/* build the runtime's environment (see src/uffd/preload.c) */
static void
run_environment(const struct run_opts *o, const char *report_sock)
{
	char preload[PATH_MAX], buf[8192];
	const char *old;
	size_t off = 0;

	find_preload(preload, sizeof(preload));
	if (access(UAO_JEMALLOC_PATH, R_OK) != 0)
		die(1,
		    "jemalloc not found at %s (apt-get install "
		    "libjemalloc2)",
		    UAO_JEMALLOC_PATH);
	old = getenv("LD_PRELOAD");
	snprintf(buf, sizeof(buf), "%s:%s%s%s", UAO_JEMALLOC_PATH, preload,
	    old != NULL && *old ? ":" : "", old != NULL ? old : "");
	setenv("LD_PRELOAD", buf, 1);
	/*
	 * One jemalloc arena for huge allocations would take its extents
	 * outside our hooks: send them through the normal arenas.
	 */
	old = getenv("MALLOC_CONF");
	snprintf(buf, sizeof(buf), "%s%soversize_threshold:0",
	    old != NULL ? old : "", old != NULL && *old ? "," : "");
	setenv("MALLOC_CONF", buf, 1);

	setenv("UAO_RUN", "1", 1);
	setenv_u64("UAO_RAM", o->ro_ram);
	setenv_u64("UAO_HANDLERS", (uint64_t)o->ro_handlers);
	buf[0] = '\0';
	for (int i = 0; i < o->ro_nswap; i++) {
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
		    "%s%llu %d %s", i ? "\n" : "",
		    (unsigned long long)o->ro_swap[i].ss_size,
		    o->ro_swap[i].ss_prio, o->ro_swap[i].ss_path);
	}
	if (o->ro_nswap == 0)
		snprintf(buf, sizeof(buf), "%llu 0 ",
		    (unsigned long long)RUN_DEFAULT_SWAP);
	setenv("UAO_SWAP", buf, 1);
	setenv("UAO_REPORT", report_sock, 1);
	if (o->ro_inject[0] != '\0')
		setenv("UAO_INJECT", o->ro_inject, 1);
}

static int
report_listen(char *dir, size_t dirlen, char *path, size_t len)
{
	struct sockaddr_un sun;
	char base[200];
	int fd, error;

	error = ctl_socket_dir(base, sizeof(base));
	if (error != 0)
		die(1, "control directory: %s", strerror(-error));
	snprintf(dir, dirlen, "%s/run.XXXXXX", base);
	if (mkdtemp(dir) == NULL)
		die(1, "mkdtemp %s: %s", dir, strerror(errno));
	snprintf(path, len, "%s/report.sock", dir);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (fd < 0 || strlen(path) >= sizeof(sun.sun_path))
		die(1, "cannot make the report socket");
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(fd, 64) != 0)
		die(1, "report socket %s: %s", path, strerror(errno));
	return fd;
}

/* accept pending reports; => the number stored in reps */
static int
report_drain(int lfd, struct ctl_report *reps, int n)
{
	int conn;

	while (n < RUN_MAX_REPORTS &&
	    (conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		struct timeval tv = { 5, 0 };

		setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (recv(conn, &reps[n], sizeof(reps[n]), MSG_WAITALL) ==
			(ssize_t)sizeof(reps[n]) &&
		    reps[n].cr_magic == CTL_MAGIC &&
		    reps[n].cr_size == sizeof(reps[n]))
			n++;
		close(conn);
	}
	return n;
}

/*
 * inject_add: one --inject "DEV r|w NTH PPM" (DEV: the index of a swap
 * device in --swap order, from 0; NTH: fail the nth page transferred,
 * 0 = none; PPM: fail that many pages per million), checked here so a
 * bad one is named before the program starts.
 */
static void
inject_add(struct run_opts *o, const char *spec)
{
	unsigned long long nth, ppm;
	int dev, end = 0;
	char rw;

	if (sscanf(spec, "%d %c %llu %llu%n", &dev, &rw, &nth, &ppm, &end) !=
		4 ||
	    spec[end] != '\0' || dev < 0 || (rw != 'r' && rw != 'w') ||
	    ppm > 1000000)
		die(EXIT_USAGE,
		    "--inject \"%s\": want \"DEV r|w NTH PPM\" (e.g. \"0 r 20 "
		    "0\")",
		    spec);
	if (strlen(o->ro_inject) + strlen(spec) + 2 > sizeof(o->ro_inject))
		die(EXIT_USAGE, "--inject \"%s\": too many entries", spec);
	if (o->ro_inject[0] != '\0')
		strcat(o->ro_inject, "\n");
	strcat(o->ro_inject, spec);
}

static void
run_usage_opts(int argc, char **argv, struct run_opts *o, int *firstp)
{
	static const struct option longopts[] = {
		{ "ram", required_argument, NULL, 'r' },
		{ "swap", required_argument, NULL, 's' },
		{ "handlers", required_argument, NULL, 'h' },
		{ "stats", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "inject", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	char why[256];
	int c;

	memset(o, 0, sizeof(*o));
	o->ro_ram = RUN_DEFAULT_RAM;
	o->ro_handlers = UAO_DEFAULT_HANDLERS;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (parse_size(optarg, &o->ro_ram) != 0)
				die(EXIT_USAGE,
				    "--ram %s: not a size (e.g. "
				    "64M, 1G)",
				    optarg);
			if (o->ro_ram < RUN_MIN_RAM)
				die(EXIT_USAGE,
				    "--ram %s: too small to run a "
				    "program (at least 1M)",
				    optarg);
			if (o->ro_ram % 4096 != 0)
				die(EXIT_USAGE,
				    "--ram %s: not a multiple of "
				    "4 KiB",
				    optarg);
			break;
		case 's':
			if (o->ro_nswap == RUN_MAX_SWAP)
				die(EXIT_USAGE, "--swap: at most %d devices",
				    RUN_MAX_SWAP);
			if (parse_swap_spec(optarg, &o->ro_swap[o->ro_nswap],
				why, sizeof(why)) != 0)
				die(EXIT_USAGE, "--swap %s: %s", optarg, why);
			o->ro_nswap++;
			break;
		case 'h': {
			char *end;
			long h = strtol(optarg, &end, 10);

			if (*optarg == '\0' || *end != '\0' || h < 1 || h > 64)
				die(EXIT_USAGE,
				    "--handlers %s: a number from 1 "
				    "to 64",
				    optarg);
			o->ro_handlers = (int)h;
			break;
		}
		case 'S':
			o->ro_stats = optarg;
			break;
		case 'j':
			o->ro_json = true;
			break;
		case 'i':
			inject_add(o, optarg);
			break;
		default:
			die(EXIT_USAGE, "run: bad option (see uao --help)");
		}
	}
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (optind >= argc)
		die(EXIT_USAGE,
		    "run: which program? (uao run [options] -- "
		    "PROGRAM [ARGS...])");
	*firstp = optind;
}

static void
run_print(const struct run_opts *o, struct ctl_report *reps, int nrep,
    pid_t main_pid)
{
	FILE *f = stderr;
	int others = 0;

	if (o->ro_stats != NULL && strcmp(o->ro_stats, "-") == 0) {
		f = stdout;
	} else if (o->ro_stats != NULL) {
		f = fopen(o->ro_stats, "w");
		if (f == NULL) {
			fprintf(stderr, "uao: --stats %s: %s\n", o->ro_stats,
			    strerror(errno));
			f = stderr;
		}
	}
	for (int i = 0; i < nrep; i++) {
		if (reps[i].cr_pid == main_pid)
			print_report(f, &reps[i], o->ro_json);
		else
			others++;
	}
	if (others > 0 && !o->ro_json) {
		fprintf(f, "  also under uao: %d program(s) it ran:", others);
		for (int i = 0; i < nrep; i++) {
			const char *exe = strrchr(reps[i].cr_exe, '/');

			if (reps[i].cr_pid != main_pid)
				fprintf(f, " %s[%d]", exe ? exe + 1 : "?",
				    reps[i].cr_pid);
		}
		fputc('\n', f);
	}
	if (f != stderr && f != stdout)
		fclose(f);
}

int
cmd_run(int argc, char **argv)
{
	static struct ctl_report reps[RUN_MAX_REPORTS];
	struct run_opts o;
	char prog[PATH_MAX], dir[256], sock[300];
	struct sigaction sa;
	int first, lfd, pidfd, nrep = 0, status;
	uint64_t total_swap = 0;

	run_usage_opts(argc, argv, &o, &first);
	find_program(argv[first], prog, sizeof(prog));
	check_dynamic(prog, 0);
	for (int i = 0; i < o.ro_nswap; i++) {
		check_swap(&o.ro_swap[i]);
		total_swap += o.ro_swap[i].ss_size;
	}
	if (o.ro_nswap == 0)
		check_tmp_room(RUN_DEFAULT_SWAP);

	lfd = report_listen(dir, sizeof(dir), sock, sizeof(sock));
	run_environment(&o, sock);

	run_child = fork();
	if (run_child < 0)
		die(1, "fork: %s", strerror(errno));
	if (run_child == 0) {
		close(lfd);
		execv(prog, argv + first);
		fprintf(stderr, "uao: cannot run %s: %s\n", prog,
		    strerror(errno));
		_exit(127);
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = run_forward_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);

	pidfd = (int)syscall(SYS_pidfd_open, run_child, 0);
	for (;;) {
		struct pollfd pfd[2] = { { lfd, POLLIN, 0 },
			{ pidfd, POLLIN, 0 } };

		if (poll(pfd, pidfd >= 0 ? 2 : 1, pidfd >= 0 ? -1 : 100) < 0 &&
		    errno != EINTR)
			break;
		nrep = report_drain(lfd, reps, nrep);
		if (pidfd < 0 || (pfd[1].revents & POLLIN)) {
			pid_t w = waitpid(run_child, &status,
			    pidfd >= 0 ? 0 : WNOHANG);

			if (w == run_child)
				break;
		}
	}
	/* reports sent just before the exit are queued: take them */
	nrep = report_drain(lfd, reps, nrep);
	close(lfd);
	unlink(sock);
	rmdir(dir);
	(void)total_swap;

	run_print(&o, reps, nrep, run_child);
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "uao: %s killed by signal %d (%s)\n",
		    argv[first], WTERMSIG(status), strsignal(WTERMSIG(status)));
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}
