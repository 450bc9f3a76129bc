/*
 * main.c: uao-bench, swap-in latency and throughput of uao side by side
 * with the Linux kernel's own swap, and against the raw floors, in one
 * invocation.
 *
 * The parent sets up the swap files (same directory, so the same
 * filesystem, every block written beforehand), swapon(2)s the kernel's
 * one, makes a memory cgroup limited to R, measures the floors, then
 * forks one child per way of running and steps them through the phases
 * in turn, alternating which goes first, dropping the page cache before
 * each phase of each child.  Whatever happens (error, signal), it kills
 * its children, removes the cgroup, swapoffs and unlinks the files.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"
#include "base/size_int.h"

const char *const mode_name[M_N] = { "uao", "kernel", "ram" };
const char *const phase_name[P_N] = { "setup", "fill", "randread", "randrw",
	"seqread", "threads1", "threads2", "threads4", "zerofill", "teardown" };

/* what the signal handler must undo: plain globals, set before use */
static struct kswap ks;
static char uswap[4096];
static volatile pid_t kids[M_N];

static void
cleanup(void)
{
	for (int m = 0; m < M_N; m++) {
		if (kids[m] > 0) {
			kill(kids[m], SIGKILL);
			waitpid(kids[m], NULL, 0);
			kids[m] = 0;
		}
	}
	kswap_cleanup(&ks);
	if (uswap[0] != '\0') {
		unlink(uswap);
		uswap[0] = '\0';
	}
}

static void
on_signal(int sig)
{
	static const char msg[] = "uao-bench: signal, cleaning up\n";

	write(2, msg, sizeof(msg) - 1);
	cleanup();
	_exit(128 + sig);
}

/* a size option (K/M/G/T suffixes, a multiple of 4 KiB), or exit 2 */
static uint64_t
size_opt(const char *opt, const char *s)
{
	uint64_t v;

	if (parse_size(s, &v) != 0 || v == 0 || v % PAGE != 0) {
		fprintf(stderr,
		    "uao-bench: %s %s: a size such as 64M (a multiple of 4K)\n",
		    opt, s);
		exit(2);
	}
	return v;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: uao-bench [--wss SIZE] [--ram SIZE] [--accesses N]\n"
	    "                 [--floor-ops N] [--seed N] [--dir DIR]\n"
	    "                 [--json FILE|-] [--plot FILE.svg] [--quick]\n"
	    "                 [--no-kernel] [--buffered] [--handlers N]\n"
	    "       uao-bench --programs [--runs N] [--only NAME,...] "
	    "[--src DIR]\n"
	    "                 [--dir DIR] [--json FILE|-] [--quick]\n"
	    "  SIZE with K/M/G: defaults --wss 256M --ram 64M\n"
	    "  --programs: real programs (sort, objects, sqlite, java) "
	    "under uao run\n"
	    "    and under the kernel's swap at the same RAM limit; "
	    "--runs rounds (2)\n"
	    "  --dir: where both swap files go (default .): same fs\n");
	exit(2);
}

static const char *
fs_name(const char *dir)
{
	struct statfs sf;

	if (statfs(dir, &sf) < 0)
		return "?";
	switch ((unsigned long)sf.f_type) {
	case 0xEF53:
		return "ext4";
	case 0x58465342:
		return "xfs";
	case 0x9123683E:
		return "btrfs";
	case 0x01021994:
		return "tmpfs";
	case 0x794c7630:
		return "overlayfs";
	default:
		return "other";
	}
}

/* run_child: fork the child for mode m.  => its pid, or -errno */
static pid_t
run_child(int m, struct opts *o, struct shared *sh, int *cmdw, int *ackr)
{
	int cmd[2], ack[2];
	pid_t pid;

	if (pipe2(cmd, O_CLOEXEC) < 0 || pipe2(ack, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		close(cmd[1]);
		close(ack[0]);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		/* the parent's clean-up is the parent's alone */
		signal(SIGQUIT, SIG_DFL);
		signal(SIGABRT, SIG_DFL);
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		child_main(m, o, sh, cmd[0], ack[1], uswap);
		_exit(0);
	}
	close(cmd[0]);
	close(ack[1]);
	*cmdw = cmd[1];
	*ackr = ack[0];
	return pid;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "wss", required_argument, NULL, 'w' },
		{ "ram", required_argument, NULL, 'r' },
		{ "accesses", required_argument, NULL, 'n' },
		{ "floor-ops", required_argument, NULL, 'f' },
		{ "seed", required_argument, NULL, 's' },
		{ "dir", required_argument, NULL, 'd' },
		{ "json", required_argument, NULL, 'j' },
		{ "plot", required_argument, NULL, 'p' },
		{ "quick", no_argument, NULL, 'q' },
		{ "no-kernel", no_argument, NULL, 'K' },
		{ "buffered", no_argument, NULL, 'B' },
		{ "handlers", required_argument, NULL, 'H' },
		{ "programs", no_argument, NULL, 'P' },
		{ "runs", required_argument, NULL, 'R' },
		{ "only", required_argument, NULL, 'O' },
		{ "src", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .o_dir = "." };
	uint64_t wss = 0, ram = 0, reads = 0, fops = 0;
	static struct run run;
	struct shared *sh[M_N] = { 0 };
	int cmdw[M_N], ackr[M_N], alive[M_N] = { 0 }, c, bad = 0;
	struct sigaction sa;
	size_t shsz;
	int programs = 0, runs = 2;
	const char *only = NULL, *src = UAO_SOURCE_ROOT;

	o.o_seed = 20261130;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'w':
			wss = size_opt("--wss", optarg);
			break;
		case 'r':
			ram = size_opt("--ram", optarg);
			break;
		case 'n':
			reads = strtoull(optarg, NULL, 0);
			break;
		case 'f':
			fops = strtoull(optarg, NULL, 0);
			break;
		case 's':
			o.o_seed = strtoull(optarg, NULL, 0);
			break;
		case 'd':
			o.o_dir = optarg;
			break;
		case 'j':
			o.o_json = optarg;
			break;
		case 'p':
			o.o_plot = optarg;
			break;
		case 'q':
			o.o_quick = 1;
			break;
		case 'K':
			o.o_no_kernel = 1;
			break;
		case 'H':
			o.o_handlers = atoi(optarg);
			break;
		case 'B':
			o.o_buffered = 1;
			break;
		case 'P':
			programs = 1;
			break;
		case 'R': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*optarg == '\0' || *end != '\0' || v < 1 ||
			    v > 16) {
				fprintf(stderr,
				    "uao-bench: --runs %s: a number from 1 to "
				    "16\n",
				    optarg);
				return 2;
			}
			runs = (int)v;
			break;
		}
		case 'O':
			only = optarg;
			break;
		case 'S':
			src = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (programs)
		return programs_main(o.o_dir, src, o.o_json, only, runs,
		    o.o_quick, o.o_seed);
	/*
	 * quick: R = 8M, not less: below about 5M the kernel's cgroup
	 * OOM-kills the child (its page tables, stacks and libc are charged
	 * to the same limit), which measures nothing.
	 */
	o.o_wss = wss ? wss : o.o_quick ? 32ULL << 20 : 256ULL << 20;
	o.o_ram = ram ? ram : o.o_quick ? 8ULL << 20 : 64ULL << 20;
	o.o_reads = reads ? reads : o.o_quick ? 2000 : 20000;
	o.o_floor_n = fops ? fops : o.o_quick ? 200 : 4000;
	if (o.o_ram < (256 << 10) || o.o_wss < o.o_ram) {
		fprintf(stderr, "uao-bench: need 256K <= --ram <= --wss\n");
		return 2;
	}
	run.u_o = &o;
	snprintf(run.u_fs, sizeof(run.u_fs), "%s", fs_name(o.o_dir));
	printf("uao-bench: W=%llu MiB R=%llu MiB accesses=%llu seed=%llu "
	       "dir=%s (%s)\n",
	    (unsigned long long)(o.o_wss >> 20),
	    (unsigned long long)(o.o_ram >> 20), (unsigned long long)o.o_reads,
	    (unsigned long long)o.o_seed, o.o_dir, run.u_fs);
	fflush(stdout);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	/* a crash (or a sanitizer's abort) must not leave swap on either */
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGABRT, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);

	if (geteuid() == 0)
		kswap_reap();
	else
		fprintf(stderr,
		    "uao-bench: not root: cannot drop caches, "
		    "swapon or make cgroups\n");

	/* the swap files: same directory, same size, written in full */
	/* 2W: the kernel keeps swap-cache copies (no re-write of clean
	 * pages) only while swap is under half full (vm_swap_full) */
	uint64_t swsize = 2 * o.o_wss + (1 << 20);
	snprintf(uswap, sizeof(uswap), "%s/uao-bench-uswap.%d", o.o_dir,
	    (int)getpid());
	/* uao's side: a signed swap file, written in full like the kernel's */
	int err = uao_swap_mkfile(uswap, swsize);
	if (err) {
		fprintf(stderr, "uao-bench: %s: %s\n", uswap,
		    uao_strerror(err));
		uswap[0] = '\0';
		return 1;
	}
	if (o.o_no_kernel)
		snprintf(run.u_why_kernel, sizeof(run.u_why_kernel),
		    "--no-kernel");
	else if (kswap_setup(&ks, o.o_dir, swsize, o.o_ram) < 0) {
		snprintf(run.u_why_kernel, sizeof(run.u_why_kernel), "%s",
		    ks.k_why);
		fprintf(stderr, "uao-bench: kernel swap impossible: %s\n",
		    ks.k_why);
		kswap_cleanup(&ks);
	} else
		run.u_have[M_KERNEL] = 1;
	run.u_have[M_UAO] = run.u_have[M_RAM] = 1;

	fprintf(stderr, "uao-bench: floors\n");
	floors_measure(&run.u_fl, uswap, o.o_floor_n, o.o_seed);

	shsz = shared_size(&o);
	for (int m = 0; m < M_N; m++) {
		pid_t pid;
		if (!run.u_have[m])
			continue;
		sh[m] = mmap(NULL, shsz, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (sh[m] == MAP_FAILED) {
			perror("mmap");
			cleanup();
			return 1;
		}
		memset(sh[m], 0, shsz); /* charged here, not to the child */
		pid = run_child(m, &o, sh[m], &cmdw[m], &ackr[m]);
		if (pid < 0) {
			fprintf(stderr, "fork: %s\n", strerror(-pid));
			cleanup();
			return 1;
		}
		kids[m] = pid;
		alive[m] = 1;
		if (m == M_KERNEL && (err = kswap_enter(&ks, pid)) < 0) {
			snprintf(run.u_why_kernel, sizeof(run.u_why_kernel),
			    "cannot enter cgroup %.400s: %s", ks.k_cg,
			    strerror(-err));
			alive[m] = 0;
			run.u_have[m] = 0;
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			kids[m] = 0;
		}
	}

	for (int p = P_SETUP; p < P_N; p++) {
		for (int j = 0; j < M_N; j++) {
			int m = (p + j) % M_N, st;
			unsigned char ph = (unsigned char)p, a;
			struct result *r = &run.u_res[p][m];
			if (!alive[m])
				continue;
			if (p != P_SETUP && p != P_TEARDOWN)
				drop_caches();
			fprintf(stderr, "uao-bench: %-9s %s\n", phase_name[p],
			    mode_name[m]);
			memset(&sh[m]->s_res, 0, sizeof(sh[m]->s_res));
			if (write(cmdw[m], &ph, 1) != 1 ||
			    read(ackr[m], &a, 1) != 1) {
				waitpid(kids[m], &st, 0);
				kids[m] = 0;
				alive[m] = 0;
				*r = sh[m]->s_res;
				r->r_failed = 1;
				if (r->r_msg[0] == '\0' && m == M_KERNEL &&
				    WIFSIGNALED(st) &&
				    WTERMSIG(st) == SIGKILL &&
				    kswap_oom_kills(&ks) > 0)
					snprintf(r->r_msg, sizeof(r->r_msg),
					    "child killed by its cgroup's OOM "
					    "killer: --ram %lluK is too small "
					    "for the kernel's own use",
					    (unsigned long long)(o.o_ram >>
						10));
				else if (r->r_msg[0] == '\0')
					snprintf(r->r_msg, sizeof(r->r_msg),
					    "child died: %s",
					    WIFSIGNALED(st)
						? strsignal(WTERMSIG(st))
						: "exit");
				fprintf(stderr, "uao-bench: %s %s: %s\n",
				    mode_name[m], phase_name[p], r->r_msg);
				bad = 1;
				continue;
			}
			*r = sh[m]->s_res;
			if (r->r_failed) {
				fprintf(stderr, "uao-bench: %s %s: %s\n",
				    mode_name[m], phase_name[p], r->r_msg);
				bad = 1;
				alive[m] = 0;
				waitpid(kids[m], NULL, 0);
				kids[m] = 0;
			}
			if (r->r_errors || r->r_verify_errors) {
				fprintf(stderr,
				    "uao-bench: %s %s: %llu wrong reads, %llu "
				    "wrong words in verification\n",
				    mode_name[m], phase_name[p],
				    (unsigned long long)r->r_errors,
				    (unsigned long long)r->r_verify_errors);
				bad = 1;
			}
		}
	}
	for (int m = 0; m < M_N; m++) {
		if (kids[m] > 0) {
			int st;
			waitpid(kids[m], &st, 0);
			kids[m] = 0;
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
				bad = 1;
		}
	}
	cleanup();

	report_table(stdout, &run);
	if (o.o_json != NULL) {
		FILE *f =
		    strcmp(o.o_json, "-") == 0 ? stdout : fopen(o.o_json, "w");
		if (f == NULL) {
			perror(o.o_json);
			bad = 1;
		} else {
			report_json(f, &run);
			if (f != stdout)
				fclose(f);
		}
	}
	if (o.o_plot != NULL && report_svg(o.o_plot, &run) < 0) {
		perror(o.o_plot);
		bad = 1;
	}
	printf("uao-bench: %s\n", bad ? "FAILED" : "all verified");
	return bad ? 1 : 0;
}
