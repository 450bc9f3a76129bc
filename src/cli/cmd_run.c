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
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli_int.h"

#ifndef UAO_LIBDIR_FROM_BINDIR
#define UAO_LIBDIR_FROM_BINDIR "../lib"
#endif
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
/* slot numbers are ints; the RAM limit is counted in int pages too */
#define RUN_MAX_SLOTS (INT_MAX - 1)
#define RUN_MAX_RAM   ((uint64_t)INT32_MAX * 4096)

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
 * check_swaps: every --swap as swap_on will see it (swapcheck), each
 * file named once, and the slots of all of them within what slot
 * numbers can count.  => exits with one line on the first refusal;
 *    sets each spec's size (0: the signature's) to the size it will have.
 */
static void
check_swaps(struct run_opts *o)
{
	static struct swapcheck_info sc[RUN_MAX_SWAP];
	uint64_t total = 0;
	char why[512], b1[32];

	for (int i = 0; i < o->ro_nswap; i++) {
		const struct swap_spec *ss = &o->ro_swap[i];

		if (swapcheck(ss, &sc[i], why, sizeof(why)) != 0)
			die(EXIT_USAGE, "--swap %s: %s", ss->ss_path, why);
		for (int j = 0; j < i; j++) {
			bool same = sc[i].sc_create ? sc[j].sc_create &&
				strcmp(sc[i].sc_canon, sc[j].sc_canon) == 0
						    : !sc[j].sc_create &&
				sc[i].sc_st.st_dev == sc[j].sc_st.st_dev &&
				sc[i].sc_st.st_ino == sc[j].sc_st.st_ino;

			if (same)
				die(EXIT_USAGE,
				    "--swap %s: the same file as --swap %s "
				    "(each swap file is named once)",
				    ss->ss_path, o->ro_swap[j].ss_path);
		}
		total += sc[i].sc_size / 4096;
	}
	/*
	 * The size each will have, said to the runtime: a program exec'd
	 * under another that holds the file gets an anonymous file of that
	 * size instead (see preload.c), which needs a number.
	 */
	for (int i = 0; i < o->ro_nswap; i++)
		o->ro_swap[i].ss_size = sc[i].sc_size;
	if (total > RUN_MAX_SLOTS)
		die(EXIT_USAGE,
		    "--swap: %s of swap in all; uao counts slots in 31 bits "
		    "(at most 8T)",
		    fmt_bytes(b1, sizeof(b1), total * 4096));
}

/*
 * check_stats: --stats FILE can be written at the end.  Not created
 * now: a refused run leaves nothing behind.
 */
static void
check_stats(const char *path)
{
	struct stat st;
	char dir[PATH_MAX];
	const char *slash;

	if (path == NULL || strcmp(path, "-") == 0)
		return;
	if (path[0] == '\0')
		die(EXIT_USAGE, "--stats: an empty file name");
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			die(EXIT_USAGE, "--stats %s: a directory, not a file",
			    path);
		if (access(path, W_OK) != 0)
			die(EXIT_USAGE, "--stats %s: not writable: %s", path,
			    strerror(errno));
		return;
	}
	if (errno != ENOENT)
		die(EXIT_USAGE, "--stats %s: %s", path, strerror(errno));
	slash = strrchr(path, '/');
	snprintf(dir, sizeof(dir), "%.*s",
	    slash != NULL ? (int)(slash - path) : 1,
	    slash != NULL ? path : ".");
	if (dir[0] == '\0')
		snprintf(dir, sizeof(dir), "/");
	if (access(dir, W_OK | X_OK) != 0)
		die(EXIT_USAGE, "--stats %s: cannot create it in %s: %s", path,
		    dir, strerror(errno));
}

/* check_inject: each --inject names a device there will be */
static void
check_inject(const struct run_opts *o)
{
	int ndev = o->ro_nswap > 0 ? o->ro_nswap : 1;
	const char *line = o->ro_inject;

	while (line != NULL && *line != '\0') {
		int dev = atoi(line);
		size_t len = strcspn(line, "\n");

		if (dev >= ndev)
			die(EXIT_USAGE,
			    "--inject \"%.*s\": no swap device %d (devices are "
			    "numbered from 0 in --swap order; this run has %d)",
			    (int)len, line, dev, ndev);
		line = line[len] != '\0' ? line + len + 1 : NULL;
	}
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
			/* the build tree, then an installed tree */
			snprintf(cand, sizeof(cand),
			    "%s/../uffd/libuao_preload.so", self);
			if (access(cand, R_OK) == 0) {
				snprintf(buf, len, "%s", cand);
				return;
			}
			snprintf(cand, sizeof(cand),
			    "%s/" UAO_LIBDIR_FROM_BINDIR "/libuao_preload.so",
			    self);
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
run_environment(const struct run_opts *o, const char *preload,
    const char *report_sock)
{
	char buf[8192];
	const char *old;
	size_t off = 0;

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
	/* named by our pid: if we are killed, the next run sweeps it */
	snprintf(dir, dirlen, "%s/run.%d.XXXXXX", base, (int)getpid());
	if (mkdtemp(dir) == NULL)
		die(1, "mkdtemp %s: %s", dir, strerror(errno));
	snprintf(path, len, "%s/report.sock", dir);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (fd < 0 || strlen(path) >= sizeof(sun.sun_path)) {
		rmdir(dir);
		die(1, "cannot make the report socket");
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(fd, 64) != 0) {
		error = errno;
		unlink(path);
		rmdir(dir);
		die(1, "report socket %s: %s", path, strerror(error));
	}
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
	char why[256], b1[32];
	uint64_t phys;
	int c;

	memset(o, 0, sizeof(*o));
	o->ro_ram = RUN_DEFAULT_RAM;
	o->ro_handlers = UAO_DEFAULT_HANDLERS;
	optind = 1;
	opterr = 0; /* our own one-line messages, not getopt's */
	while ((c = getopt_long(argc, argv, "+:", longopts, NULL)) != -1) {
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
			if (o->ro_ram > RUN_MAX_RAM)
				die(EXIT_USAGE,
				    "--ram %s: too large (uao counts RAM in "
				    "31-bit pages: below 8T)",
				    optarg);
			phys = (uint64_t)sysconf(_SC_PHYS_PAGES) *
			    (uint64_t)sysconf(_SC_PAGESIZE);
			if (phys > 0 && o->ro_ram > phys)
				die(EXIT_USAGE,
				    "--ram %s: more than this machine's memory "
				    "(%s)",
				    optarg, fmt_bytes(b1, sizeof(b1), phys));
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
		case ':':
			die(EXIT_USAGE,
			    "run: %s needs a value (see uao --help)",
			    argv[optind - 1]);
		default:
			die(EXIT_USAGE,
			    "run: unknown option %s (see uao --help)",
			    argv[optind - 1]);
		}
	}
	/*
	 * One way: the program follows `--' (getopt has stepped over it).
	 * Without it, a program whose name or first argument looks like an
	 * option would be ambiguous.
	 */
	if (optind < argc && strcmp(argv[optind - 1], "--") != 0)
		die(EXIT_USAGE,
		    "run: put -- before the program: uao run [options] -- %s "
		    "...",
		    argv[optind]);
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
	char prog[PATH_MAX], preload[PATH_MAX], dir[256], sock[300];
	struct sigaction sa;
	int first, lfd, pidfd, nrep = 0, status;
	pid_t parent;

	run_usage_opts(argc, argv, &o, &first);
	find_program(argv[first], prog, sizeof(prog));
	check_dynamic(prog, 0);
	check_swaps(&o);
	if (o.ro_nswap == 0)
		check_tmp_room(RUN_DEFAULT_SWAP);
	check_inject(&o);
	check_stats(o.ro_stats);

	/* the runtime and jemalloc, before anything is made */
	find_preload(preload, sizeof(preload));
	if (access(UAO_JEMALLOC_PATH, R_OK) != 0)
		die(1,
		    "jemalloc not found at %s (apt-get install "
		    "libjemalloc2)",
		    UAO_JEMALLOC_PATH);

	/* what runs before us left and could not remove: they are gone */
	(void)ctl_sweep_stale();
	lfd = report_listen(dir, sizeof(dir), sock, sizeof(sock));
	run_environment(&o, preload, sock);

	parent = getpid();
	run_child = fork();
	if (run_child < 0) {
		unlink(sock);
		rmdir(dir);
		die(1, "fork: %s", strerror(errno));
	}
	if (run_child == 0) {
		close(lfd);
		/*
		 * If we are killed (SIGKILL cannot be caught or forwarded),
		 * the program is too: never left running unreported.  The
		 * program's own children are its business, as with any
		 * parent.
		 */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 ||
		    getppid() != parent)
			_exit(127);
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
	/*
	 * The program and what it ran are gone: the control sockets of
	 * those that ended without exit(3) (a signal, _exit, a killed
	 * child) go now.
	 */
	(void)ctl_sweep_stale();

	run_print(&o, reps, nrep, run_child);
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "uao: %s killed by signal %d (%s)\n",
		    argv[first], WTERMSIG(status), strsignal(WTERMSIG(status)));
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}
