/*
 * programs.c: uao-bench --programs: real, unmodified programs, their wall
 * time under `uao run --ram R` against the same program under the Linux
 * kernel's own swap at the same R (a memory cgroup, a swap file in the
 * same directory), and a plain run without any limit for scale.
 *
 * Each program runs once plain (its output is the reference), then
 * --runs rounds of (kernel, uao), the order alternating from round to
 * round so that neither side always meets a warm disk; the page cache is
 * dropped before every run.  Both sides' outputs must equal the plain
 * run's byte for byte, or the figure is void and uao-bench exits 1.
 *
 * Besides wall time it reports, from uao's own report (`--json --stats`),
 * the faults that were neither swap-ins nor first touches (soft faults:
 * pages the pagedaemon unmapped to sample their reference; write-protect
 * faults: first writes after a swap-in) per swap-in, since each is a
 * userfaultfd round trip the kernel's reference and dirty bits do not
 * pay, and the share of the program's anonymous memory uao held at peak
 * (a limit that leaks makes any time figure meaningless).
 *
 * The programs read their scripts and sources from the source tree
 * (UAO_SOURCE_ROOT, or --src DIR); a program whose interpreter or
 * script is missing is skipped with the reason, never faked.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/rng.h"
#include "bench/bench.h"

#define MAXARGS	 24
#define MAXRUNS	 16
#define ARGBYTES 8192

enum pmode {
	PM_PLAIN,
	PM_KERNEL,
	PM_UAO,
	PM_N
};
static const char *const pmode_name[PM_N] = { "plain", "kernel", "uao" };

/* one program to run, as prepared in the work directory */
struct pctx {
	const struct popts *c_o;
	const char *c_name;
	uint64_t c_ram;
	char *c_argv[MAXARGS];
	int c_argc;
	char c_args[ARGBYTES]; /* the strings c_argv points into */
	size_t c_used;
	char c_stdin[PATH_MAX]; /* a file for stdin, or "" (/dev/null) */
	char c_fresh[PATH_MAX]; /* removed before each run (a database) */
	const char *c_env;	/* one NAME=VALUE for the program, or NULL */
	char c_why[512];	/* why the program is skipped */
};

/* what one run measured */
struct prun {
	int r_ok;     /* exited 0 and its output equals the plain run's */
	int r_status; /* wait status */
	double r_wall, r_user, r_sys;
	uint64_t r_majflt;
	uint64_t r_swapins; /* kernel: pswpin delta; uao: its report */
	uint64_t r_pageouts;
	uint64_t r_kind[UAO_FAULT_KINDS]; /* uao only */
	double r_share;			  /* uao only: uao_share */
	uint64_t r_rss_peak;		  /* uao only: rss_anon_peak */
	long r_oom_kills; /* kernel only: the cgroup's OOM killer acted */
};

struct presult {
	const char *p_name;
	const char *p_what;
	uint64_t p_ram;
	int p_skipped;
	char p_why[512];
	struct prun p_plain;
	struct prun p_run[PM_N][MAXRUNS];
	int p_nrun;
};

struct popts {
	const char *o_dir;
	const char *o_src;
	const char *o_uao;  /* the uao binary */
	const char *o_json; /* NULL, "-" or a file */
	const char *o_only; /* comma-separated names, or NULL */
	int o_runs;
	int o_quick;
	uint64_t o_seed;
};

static char uswap_path[PATH_MAX];
static struct kswap pks;
static volatile pid_t pkid;

/*
 * fmt_into: snprintf for a message or a path that may be cut short (a
 * path longer than PATH_MAX fails later, at open, with its own error).
 */
static void __attribute__((format(printf, 3, 4)))
fmt_into(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

static void
arg(struct pctx *c, const char *s)
{
	size_t n = strlen(s) + 1;

	if (c->c_argc + 1 >= MAXARGS || c->c_used + n > sizeof(c->c_args)) {
		fprintf(stderr, "uao-bench: too many arguments for %s\n",
		    c->c_name);
		exit(1);
	}
	memcpy(c->c_args + c->c_used, s, n);
	c->c_argv[c->c_argc++] = c->c_args + c->c_used;
	c->c_argv[c->c_argc] = NULL;
	c->c_used += n;
}

/* which: the first executable named name on PATH, into out.  => 0 or -1 */
static int
which(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char dir[PATH_MAX];

	if (path == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path != '\0') {
		size_t n = strcspn(path, ":");

		snprintf(dir, sizeof(dir), "%.*s", (int)n, path);
		fmt_into(out, len, "%s/%s", dir, name);
		if (access(out, X_OK) == 0)
			return 0;
		path += n + (path[n] == ':');
	}
	return -1;
}

static int
need(struct pctx *c, const char *prog, char *out, size_t len)
{
	if (which(prog, out, len) == 0)
		return 0;
	fmt_into(c->c_why, sizeof(c->c_why), "%s not installed", prog);
	return -1;
}

static int
need_file(struct pctx *c, const char *rel, char *out, size_t len)
{
	fmt_into(out, len, "%s/%s", c->c_o->o_src, rel);
	if (access(out, R_OK) == 0)
		return 0;
	fmt_into(c->c_why, sizeof(c->c_why), "%s: %s (give --src DIR)", out,
	    strerror(errno));
	return -1;
}

/*
 * sort: GNU sort with a buffer larger than R keeps every line in its
 * heap and sorts there: pages go out and come back in a pattern neither
 * pager can predict.  Short lines, so per-line objects dominate.
 */
static int
prep_sort(struct pctx *c)
{
	char sort[PATH_MAX], path[PATH_MAX];
	uint64_t s = c->c_o->o_seed;
	/* quick: 6 MB, ~32 MiB sorted in memory against a 16M limit */
	long lines = c->c_o->o_quick ? 400000 : 1500000;
	FILE *f;

	if (need(c, "sort", sort, sizeof(sort)) != 0)
		return -1;
	fmt_into(path, sizeof(path), "%s/sort-input.txt", c->c_o->o_dir);
	if ((f = fopen(path, "we")) == NULL) {
		fmt_into(c->c_why, sizeof(c->c_why), "%s: %s", path,
		    strerror(errno));
		return -1;
	}
	for (long i = 0; i < lines; i++)
		fprintf(f, "%08llu %ld\n",
		    (unsigned long long)rng_below(&s, 100000000), i);
	if (fclose(f) != 0) {
		fmt_into(c->c_why, sizeof(c->c_why), "%s: %s", path,
		    strerror(errno));
		return -1;
	}
	c->c_env = "LC_ALL=C";
	arg(c, sort);
	arg(c, "-S");
	arg(c, "200M");
	arg(c, "-T");
	arg(c, c->c_o->o_dir);
	arg(c, path);
	return 0;
}

/* objects: the README's main job, examples/objects.py */
static int
prep_objects(struct pctx *c)
{
	char py[PATH_MAX], script[PATH_MAX];

	if (need(c, "python3", py, sizeof(py)) != 0 ||
	    need_file(c, "examples/objects.py", script, sizeof(script)) != 0)
		return -1;
	arg(c, py);
	arg(c, script);
	arg(c, c->c_o->o_quick ? "48" : "256");
	return 0;
}

/*
 * sqlite: tables and indexes built with a 256 MiB page cache in the heap
 * (tests/run/workload.sql), a fresh database file each run.
 */
static int
prep_sqlite(struct pctx *c)
{
	char sq[PATH_MAX], sql[PATH_MAX], buf[4096];
	const char *orders = c->c_o->o_quick ? "20000" : "300000";
	FILE *in, *out;

	if (need(c, "sqlite3", sq, sizeof(sq)) != 0 ||
	    need_file(c, "tests/run/workload.sql", sql, sizeof(sql)) != 0)
		return -1;
	fmt_into(c->c_stdin, sizeof(c->c_stdin), "%s/workload.sql",
	    c->c_o->o_dir);
	in = fopen(sql, "re");
	out = fopen(c->c_stdin, "we");
	if (in == NULL || out == NULL) {
		fmt_into(c->c_why, sizeof(c->c_why), "%s: %s", c->c_stdin,
		    strerror(errno));
		if (in != NULL)
			fclose(in);
		if (out != NULL)
			fclose(out);
		return -1;
	}
	/* the script's one parameter, :ORDERS, is the number of orders */
	while (fgets(buf, sizeof(buf), in) != NULL) {
		char *p, *line = buf;

		while ((p = strstr(line, ":ORDERS")) != NULL) {
			fprintf(out, "%.*s%s", (int)(p - line), line, orders);
			line = p + strlen(":ORDERS");
		}
		fputs(line, out);
	}
	fclose(in);
	if (fclose(out) != 0) {
		fmt_into(c->c_why, sizeof(c->c_why), "%s: %s", c->c_stdin,
		    strerror(errno));
		return -1;
	}
	fmt_into(c->c_fresh, sizeof(c->c_fresh), "%s/bench.db", c->c_o->o_dir);
	arg(c, sq);
	arg(c, c->c_fresh);
	return 0;
}

/* java: tests/run/FillHeap.java, compiled once (not timed) */
static int
prep_java(struct pctx *c)
{
	char java[PATH_MAX], javac[PATH_MAX], src[PATH_MAX];
	int status;
	pid_t pid;

	if (need(c, "java", java, sizeof(java)) != 0 ||
	    need(c, "javac", javac, sizeof(javac)) != 0 ||
	    need_file(c, "tests/run/FillHeap.java", src, sizeof(src)) != 0)
		return -1;
	fflush(NULL);
	if ((pid = fork()) == 0) {
		int nul = open("/dev/null", O_WRONLY);

		if (nul >= 0)
			dup2(nul, 1);
		execl(javac, javac, "-d", c->c_o->o_dir, src, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fmt_into(c->c_why, sizeof(c->c_why), "javac %s failed", src);
		return -1;
	}
	/*
	 * The same JVM on both sides.  Under the kernel's memory cgroup a
	 * container-aware JVM sizes its heap from the cgroup's limit (a
	 * quarter of R: OutOfMemoryError) and picks the serial collector;
	 * under uao it sees the machine.  Ergonomics off, heap and
	 * collector named: the two runs do the same work.
	 */
	arg(c, java);
	arg(c, "-XX:-UseContainerSupport");
	arg(c, "-XX:+UseG1GC");
	arg(c, "-Xms256m");
	arg(c, "-Xmx256m");
	arg(c, "-cp");
	arg(c, c->c_o->o_dir);
	arg(c, "FillHeap");
	arg(c, c->c_o->o_quick ? "100000" : "400000");
	return 0;
}

static const struct program {
	const char *g_name;
	const char *g_what;
	uint64_t g_ram, g_ram_quick;
	int (*g_prep)(struct pctx *);
} programs[] = {
	{ "sort", "GNU sort -S 200M of 1.5M short lines (24 MB)", 24 << 20,
	    16 << 20, prep_sort },
	{ "objects", "the main job: examples/objects.py 256 MiB", 64 << 20,
	    16 << 20, prep_objects },
	{ "sqlite", "sqlite3: 300k orders, indexes, joins (256 MiB cache)",
	    32 << 20, 16 << 20, prep_sqlite },
	{ "java", "Java: FillHeap 400k records, sorted", 48 << 20, 48 << 20,
	    prep_java },
};
#define NPROGRAMS (sizeof(programs) / sizeof(programs[0]))

/* check_only: every name in --only's list is a program.  => 0 or -1 */
static int
check_only(const char *only)
{
	const char *p = only;

	while (*p != '\0') {
		size_t k = strcspn(p, ","), j;

		for (j = 0; j < NPROGRAMS; j++)
			if (strlen(programs[j].g_name) == k &&
			    strncmp(programs[j].g_name, p, k) == 0)
				break;
		if (j == NPROGRAMS) {
			fprintf(stderr,
			    "uao-bench: --only %.*s: no such program (sort, "
			    "objects, sqlite, java)\n",
			    (int)k, p);
			return -1;
		}
		p += k + (p[k] == ',');
	}
	return 0;
}

static int
selected(const struct popts *o, const char *name)
{
	const char *p = o->o_only;
	size_t n = strlen(name);

	if (p == NULL)
		return 1;
	while (*p != '\0') {
		size_t k = strcspn(p, ",");

		if (k == n && strncmp(p, name, n) == 0)
			return 1;
		p += k + (p[k] == ',');
	}
	return 0;
}

static double
tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/*
 * json_u64: the number after the first "key": in a report.  uao's JSON
 * report lists "faults" before "latency", so a fault kind's first
 * occurrence is its count.  => 0 if absent.
 */
static uint64_t
json_u64(const char *buf, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(buf, pat);
	return p == NULL ? 0 : strtoull(p + strlen(pat), NULL, 10);
}

static void
read_uao_report(const char *path, struct prun *r)
{
	static const char *const kinds[UAO_FAULT_KINDS] = { "zero_fill", "soft",
		"swap_in", "write_protect" };
	static char buf[1 << 16];
	const char *p;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	p = strstr(buf, "\"faults\":");
	for (int k = 0; k < UAO_FAULT_KINDS && p != NULL; k++)
		r->r_kind[k] = json_u64(p, kinds[k]);
	r->r_swapins = json_u64(buf, "pageins");
	r->r_pageouts = json_u64(buf, "pageouts");
	r->r_rss_peak = json_u64(buf, "rss_anon_peak");
	if ((p = strstr(buf, "\"uao_share\":")) != NULL)
		r->r_share = strtod(p + strlen("\"uao_share\":"), NULL);
}

static int
same_file(const char *a, const char *b)
{
	char ba[65536], bb[65536];
	int fa = open(a, O_RDONLY | O_CLOEXEC),
	    fb = open(b, O_RDONLY | O_CLOEXEC);
	int same = fa >= 0 && fb >= 0;

	while (same) {
		ssize_t na = read(fa, ba, sizeof(ba)), nb;
		size_t got = 0;

		/* read b in step, whatever sizes read(2) returns */
		if (na < 0) {
			same = 0;
			break;
		}
		while (got < (size_t)na) {
			nb = read(fb, bb + got, (size_t)na - got);
			if (nb <= 0)
				break;
			got += (size_t)nb;
		}
		if (got != (size_t)na || memcmp(ba, bb, got) != 0)
			same = 0;
		if (na == 0) {
			same = same && read(fb, bb, 1) == 0;
			break;
		}
	}
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return same;
}

/*
 * run_once: run the program one way, wait for it, and fill r.  The
 * kernel's child waits on a pipe until it is in the cgroup, so none of
 * its memory is charged elsewhere.  => 0, or -1 if it could not start.
 */
static int
run_once(struct pctx *c, int mode, struct prun *r)
{
	const struct popts *o = c->c_o;
	char out[PATH_MAX], err[PATH_MAX], stats[PATH_MAX], ref[PATH_MAX];
	char ram[32];
	char *argv[MAXARGS + 16];
	uint64_t in0 = 0, in1 = 0, out0 = 0, out1 = 0;
	struct rusage ru;
	uint64_t t0, t1;
	int go[2], n = 0, status;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	fmt_into(out, sizeof(out), "%s/%s.%s.out", o->o_dir, c->c_name,
	    pmode_name[mode]);
	fmt_into(err, sizeof(err), "%s/%s.%s.err", o->o_dir, c->c_name,
	    pmode_name[mode]);
	fmt_into(stats, sizeof(stats), "%s/%s.stats.json", o->o_dir, c->c_name);
	fmt_into(ref, sizeof(ref), "%s/%s.plain.out", o->o_dir, c->c_name);
	snprintf(ram, sizeof(ram), "%lluK",
	    (unsigned long long)(c->c_ram >> 10));
	if (mode == PM_UAO) {
		argv[n++] = (char *)o->o_uao;
		argv[n++] = "run";
		argv[n++] = "--ram";
		argv[n++] = ram;
		argv[n++] = "--swap";
		argv[n++] = uswap_path;
		argv[n++] = "--json";
		argv[n++] = "--stats";
		argv[n++] = stats;
		argv[n++] = "--";
		unlink(stats);
	}
	for (int i = 0; i < c->c_argc; i++)
		argv[n++] = c->c_argv[i];
	argv[n] = NULL;
	if (c->c_fresh[0] != '\0')
		unlink(c->c_fresh);
	drop_caches();
	if (pipe2(go, O_CLOEXEC) < 0)
		return -1;
	vmstat_swap(&in0, &out0);
	long oom0 = mode == PM_KERNEL ? kswap_oom_kills(&pks) : 0;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(go[0]);
		close(go[1]);
		return -1;
	}
	if (pid == 0) {
		char b;
		int fd;

		close(go[1]);
		if (read(go[0], &b, 1) != 1)
			_exit(126); /* the parent gave up: not in the cgroup */
		fd = open(c->c_stdin[0] ? c->c_stdin : "/dev/null",
		    O_RDONLY | O_CLOEXEC);
		if (fd < 0 || dup2(fd, 0) < 0)
			_exit(126);
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(126);
		fd = open(err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(126);
		if (c->c_env != NULL)
			putenv((char *)c->c_env);
		if (mode == PM_UAO)
			setenv("TMPDIR", o->o_dir, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	pkid = pid;
	close(go[0]);
	if (mode == PM_KERNEL && kswap_enter(&pks, pid) != 0) {
		close(go[1]);
		waitpid(pid, NULL, 0);
		pkid = 0;
		return -1;
	}
	t0 = now_ns();
	if (write(go[1], "g", 1) != 1) {
		close(go[1]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pkid = 0;
		return -1;
	}
	close(go[1]);
	while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
		;
	t1 = now_ns();
	pkid = 0;
	vmstat_swap(&in1, &out1);
	r->r_status = status;
	r->r_wall = (double)(t1 - t0) / 1e9;
	r->r_user = tv_s(ru.ru_utime);
	r->r_sys = tv_s(ru.ru_stime);
	r->r_majflt = (uint64_t)ru.ru_majflt;
	if (mode == PM_KERNEL) {
		r->r_oom_kills = kswap_oom_kills(&pks) - oom0;
		r->r_swapins = in1 - in0;
		r->r_pageouts = out1 - out0;
	} else if (mode == PM_UAO)
		read_uao_report(stats, r);
	r->r_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    (mode == PM_PLAIN || same_file(ref, out));
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* the median wall time of the runs made one way (-1 if any failed) */
static double
median_wall(const struct presult *p, int mode)
{
	double v[MAXRUNS];

	for (int i = 0; i < p->p_nrun; i++) {
		if (!p->p_run[mode][i].r_ok)
			return -1;
		v[i] = p->p_run[mode][i].r_wall;
	}
	if (p->p_nrun == 0)
		return -1;
	qsort(v, (size_t)p->p_nrun, sizeof(v[0]), cmp_double);
	return p->p_nrun % 2 ? v[p->p_nrun / 2]
			     : (v[p->p_nrun / 2 - 1] + v[p->p_nrun / 2]) / 2;
}

/* soft + write-protect faults per swap-in, over all of uao's runs */
static double
extra_per_swapin(const struct presult *p)
{
	uint64_t extra = 0, in = 0;

	for (int i = 0; i < p->p_nrun; i++) {
		const struct prun *r = &p->p_run[PM_UAO][i];

		extra += r->r_kind[UAO_FAULT_SOFT] + r->r_kind[UAO_FAULT_WP];
		in += r->r_kind[UAO_FAULT_SWAPIN];
	}
	return in ? (double)extra / (double)in : 0;
}

static uint64_t
mean_u64(const struct presult *p, int mode, size_t off)
{
	uint64_t sum = 0;

	for (int i = 0; i < p->p_nrun; i++)
		sum +=
		    *(const uint64_t *)((const char *)&p->p_run[mode][i] + off);
	return p->p_nrun ? sum / (uint64_t)p->p_nrun : 0;
}

static void
print_table(FILE *f, const struct presult *res, int n)
{
	double logsum = 0;
	int nratio = 0;

	fprintf(f, "\n%-8s %5s %8s %9s %9s %11s %9s %9s %10s %6s  %s\n",
	    "program", "R", "plain s", "kernel s", "uao s", "uao/kernel",
	    "k swapin", "u swapin", "extra/swp", "share", "outputs");
	for (int i = 0; i < n; i++) {
		const struct presult *p = &res[i];
		double k, u;
		int ok = 1;

		if (p->p_skipped) {
			fprintf(f, "%-8s SKIPPED: %s\n", p->p_name, p->p_why);
			continue;
		}
		k = median_wall(p, PM_KERNEL);
		u = median_wall(p, PM_UAO);
		for (int m = PM_KERNEL; m < PM_N; m++)
			for (int j = 0; j < p->p_nrun; j++)
				ok = ok && p->p_run[m][j].r_ok;
		fprintf(f, "%-8s %4lluM %8.1f %9.1f %9.1f ", p->p_name,
		    (unsigned long long)(p->p_ram >> 20), p->p_plain.r_wall, k,
		    u);
		if (k > 0 && u > 0) {
			fprintf(f, "%10.2fx ", u / k);
			logsum += log(u / k);
			nratio++;
		} else
			fprintf(f, "%11s ", "-");
		fprintf(f, "%9llu %9llu %10.2f %5.1f%%  %s\n",
		    (unsigned long long)mean_u64(p, PM_KERNEL,
			offsetof(struct prun, r_swapins)),
		    (unsigned long long)mean_u64(p, PM_UAO,
			offsetof(struct prun, r_swapins)),
		    extra_per_swapin(p), 100.0 * p->p_run[PM_UAO][0].r_share,
		    ok ? "identical" : "DIFFER OR FAILED");
	}
	if (nratio > 0)
		fprintf(f,
		    "geometric mean uao/kernel: %.2fx over %d programs\n",
		    exp(logsum / nratio), nratio);
	fprintf(f,
	    "(median of %d alternating runs each; extra/swp = soft + "
	    "write-protect faults per swap-in under uao; share = the program's "
	    "own anonymous memory under uao at peak)\n",
	    n > 0 ? res[0].p_nrun : 0);
}

static void
json_run(FILE *f, const struct prun *r)
{
	fprintf(f,
	    "{\"ok\": %s, \"wall_s\": %.3f, \"user_s\": %.3f, \"sys_s\": "
	    "%.3f, \"majflt\": %llu, \"swapins\": %llu, \"pageouts\": %llu, "
	    "\"zero\": %llu, \"soft\": %llu, \"swapin_faults\": %llu, "
	    "\"wp\": %llu, \"uao_share\": %.4f, \"rss_anon_peak\": %llu}",
	    r->r_ok ? "true" : "false", r->r_wall, r->r_user, r->r_sys,
	    (unsigned long long)r->r_majflt, (unsigned long long)r->r_swapins,
	    (unsigned long long)r->r_pageouts,
	    (unsigned long long)r->r_kind[UAO_FAULT_ZERO],
	    (unsigned long long)r->r_kind[UAO_FAULT_SOFT],
	    (unsigned long long)r->r_kind[UAO_FAULT_SWAPIN],
	    (unsigned long long)r->r_kind[UAO_FAULT_WP], r->r_share,
	    (unsigned long long)r->r_rss_peak);
}

static void
print_json(FILE *f, const struct presult *res, int n)
{
	fprintf(f, "{\"programs\": [");
	for (int i = 0; i < n; i++) {
		const struct presult *p = &res[i];

		fprintf(f,
		    "%s\n {\"name\": \"%s\", \"what\": \"%s\", "
		    "\"ram\": %llu, \"skipped\": %s",
		    i ? "," : "", p->p_name, p->p_what,
		    (unsigned long long)p->p_ram,
		    p->p_skipped ? "true" : "false");
		if (!p->p_skipped) {
			double k = median_wall(p, PM_KERNEL),
			       u = median_wall(p, PM_UAO);

			fprintf(f,
			    ", \"kernel_s\": %.3f, \"uao_s\": %.3f, "
			    "\"ratio\": %.4f, \"extra_faults_per_swapin\": "
			    "%.4f, "
			    "\"plain\": ",
			    k, u, k > 0 && u > 0 ? u / k : -1,
			    extra_per_swapin(p));
			json_run(f, &p->p_plain);
			for (int m = PM_KERNEL; m < PM_N; m++) {
				fprintf(f, ", \"%s\": [", pmode_name[m]);
				for (int j = 0; j < p->p_nrun; j++) {
					fprintf(f, "%s", j ? ", " : "");
					json_run(f, &p->p_run[m][j]);
				}
				fprintf(f, "]");
			}
		}
		fprintf(f, "}");
	}
	fprintf(f, "\n]}\n");
}

static void
programs_cleanup(void)
{
	if (pkid > 0) {
		kill(pkid, SIGKILL);
		waitpid(pkid, NULL, 0);
		pkid = 0;
	}
	kswap_cleanup(&pks);
	if (uswap_path[0] != '\0') {
		unlink(uswap_path);
		uswap_path[0] = '\0';
	}
}

static void
programs_on_signal(int sig)
{
	static const char msg[] = "uao-bench: signal, cleaning up\n";

	(void)!write(2, msg, sizeof(msg) - 1);
	programs_cleanup();
	_exit(128 + sig);
}

static void
say_run(const char *name, const char *how, int round, const struct prun *r)
{
	fprintf(stderr, "uao-bench: %s %s run %d: %.1f s, %s\n", name, how,
	    round, r->r_wall,
	    r->r_ok		     ? "output identical"
		: r->r_oom_kills > 0 ? "OOM-killed by the kernel's cgroup (its "
				       "limit charges page cache and kernel "
				       "memory too)"
		: WIFSIGNALED(r->r_status) ? "KILLED by a signal"
					   : "FAILED or output differs");
}

/* nftw callback: the work directory is ours (mkdtemp), all of it */
static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/*
 * uao_binary: uao beside uao-bench when installed (bin/), or in the
 * build tree (bench/../src/cli/uao).
 */
static int
uao_binary(char *out, size_t len)
{
	char self[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return -1;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return -1;
	*slash = '\0';
	fmt_into(out, len, "%s/uao", self);
	if (access(out, X_OK) == 0)
		return 0;
	fmt_into(out, len, "%s/../src/cli/uao", self);
	return access(out, X_OK) == 0 ? 0 : -1;
}

int
programs_main(const char *dir, const char *src, const char *json,
    const char *only, int runs, int quick, uint64_t seed)
{
	static struct presult res[NPROGRAMS];
	static char uao[PATH_MAX], workdir[PATH_MAX];
	struct popts o = { .o_src = src,
		.o_json = json,
		.o_only = only,
		.o_runs = runs,
		.o_quick = quick,
		.o_seed = seed };
	struct sigaction sa;
	int n = 0, failed = 0;
	uint64_t swsize = quick ? 512ULL << 20 : 2ULL << 30;

	if (geteuid() != 0) {
		fprintf(stderr,
		    "uao-bench: --programs needs root (swapon, a "
		    "memory cgroup, drop_caches)\n");
		return 2;
	}
	if (runs < 1 || runs > MAXRUNS) {
		fprintf(stderr, "uao-bench: --runs %d: 1 to %d\n", runs,
		    MAXRUNS);
		return 2;
	}
	if (uao_binary(uao, sizeof(uao)) != 0) {
		fprintf(stderr,
		    "uao-bench: the uao binary is not beside "
		    "uao-bench nor in the build tree\n");
		return 1;
	}
	o.o_uao = uao;
	if (only != NULL && check_only(only) != 0)
		return 2;
	fmt_into(workdir, sizeof(workdir), "%s/uao-bench-programs.XXXXXX", dir);
	if (mkdtemp(workdir) == NULL) {
		fprintf(stderr, "uao-bench: mkdtemp %s: %s\n", workdir,
		    strerror(errno));
		return 1;
	}
	o.o_dir = workdir;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = programs_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	kswap_reap();

	/* uao's swap: a signed file, written in full like the kernel's */
	fmt_into(uswap_path, sizeof(uswap_path), "%s/uao.swap", workdir);
	int err = uao_swap_mkfile(uswap_path, swsize);
	if (err != 0) {
		fprintf(stderr, "uao-bench: %s: %s\n", uswap_path,
		    uao_strerror(err));
		uswap_path[0] = '\0';
		failed = 1;
		goto out;
	}
	if (kswap_setup(&pks, workdir, swsize, 64ULL << 20) != 0) {
		fprintf(stderr, "uao-bench: kernel swap impossible: %s\n",
		    pks.k_why);
		failed = 1;
		goto out;
	}
	printf("uao-bench --programs: %d round(s), dir %s, uao %s\n", runs, dir,
	    uao);
	fflush(stdout);

	for (size_t g = 0; g < NPROGRAMS; g++) {
		const struct program *pg = &programs[g];
		struct presult *p;
		struct pctx c;

		if (!selected(&o, pg->g_name))
			continue;
		p = &res[n++];
		memset(&c, 0, sizeof(c));
		c.c_o = &o;
		c.c_name = pg->g_name;
		c.c_ram = quick ? pg->g_ram_quick : pg->g_ram;
		p->p_name = pg->g_name;
		p->p_what = pg->g_what;
		p->p_ram = c.c_ram;
		if (pg->g_prep(&c) != 0) {
			p->p_skipped = 1;
			fmt_into(p->p_why, sizeof(p->p_why), "%s", c.c_why);
			fprintf(stderr, "uao-bench: %s skipped: %s\n",
			    pg->g_name, c.c_why);
			continue;
		}
		if (kswap_set_limit(&pks, c.c_ram) != 0) {
			fprintf(stderr, "uao-bench: %s: %s\n", pg->g_name,
			    pks.k_why);
			failed = 1;
			goto out;
		}
		if (run_once(&c, PM_PLAIN, &p->p_plain) != 0 ||
		    !p->p_plain.r_ok) {
			p->p_skipped = 1;
			fmt_into(p->p_why, sizeof(p->p_why),
			    "the plain run failed (status 0x%x): see "
			    "%s/%s.plain.err",
			    p->p_plain.r_status, workdir, pg->g_name);
			fprintf(stderr, "uao-bench: %s\n", p->p_why);
			failed = 1;
			continue;
		}
		fprintf(stderr, "uao-bench: %s plain: %.1f s\n", pg->g_name,
		    p->p_plain.r_wall);
		for (int r = 0; r < runs; r++) {
			/* alternate which side meets the disk first */
			int first = r % 2 ? PM_UAO : PM_KERNEL;
			int second = first == PM_UAO ? PM_KERNEL : PM_UAO;

			for (int s = 0; s < 2; s++) {
				int m = s ? second : first;
				struct prun *pr = &p->p_run[m][r];

				if (run_once(&c, m, pr) != 0) {
					fprintf(stderr,
					    "uao-bench: %s: could not start "
					    "the %s run: %s\n",
					    pg->g_name, pmode_name[m],
					    strerror(errno));
					failed = 1;
				}
				say_run(pg->g_name, pmode_name[m], r + 1, pr);
				if (!pr->r_ok)
					failed = 1;
			}
			p->p_nrun = r + 1;
		}
	}
	print_table(stdout, res, n);
	if (json != NULL) {
		FILE *f = strcmp(json, "-") == 0 ? stdout : fopen(json, "we");

		if (f == NULL) {
			fprintf(stderr, "uao-bench: %s: %s\n", json,
			    strerror(errno));
			failed = 1;
		} else {
			print_json(f, res, n);
			if (f != stdout)
				fclose(f);
		}
	}
out:
	programs_cleanup();
	/* the work directory holds only what this run made */
	if (failed)
		fprintf(stderr, "uao-bench: outputs and logs kept in %s\n",
		    workdir);
	else if (nftw(workdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		fprintf(stderr, "uao-bench: could not remove %s: %s\n", workdir,
		    strerror(errno));
	return failed;
}
