/*
 * cmd_stress.c: `uao stress swapoff': swap-off under load, nothing lost.
 *
 * Worker threads read, write, verify and discard random pages of one
 * region several times the RAM limit, so that most of it lives in swap.
 * Each worker owns the pages whose index is its number modulo the thread
 * count and keeps a generation per page: page p at generation g holds a
 * header word (p, g), a checksum word, and 510 words that are a hash of
 * (seed, p, g, word).  Generation 0 is a page never written (or
 * discarded): it must read as zeros.  So any lost, stale, torn or
 * misplaced page is seen at the next verification, and classified.
 *
 * Meanwhile a controller thread cycles the swap devices (three or more,
 * each with its own priority): it removes one (usually the device that
 * holds the most pages) while the workers run, and adds it back.  Every
 * few cycles it also tries a swapoff that must fail with ENOMEM: with the
 * workers paused it fills the free swap with a ballast region, so that
 * the device's pages cannot fit in RAM plus what is left of swap; after
 * the refusal the device must still be there, every page must still read
 * back, and the device must take new pageouts.
 *
 * After each cycle, with the workers paused, the counters are checked
 * against a recount: uao_sim_check (every invariant of DESIGN.md section
 * 3) and the sum of the devices' in-use counts against stats.swap_inuse;
 * at the end once more with the pagedaemon stopped.  The exit status is 1 on any wrong
 * byte or count, 2 on bad options, 0 otherwise.
 *
 * This command links libuao and uses only its public API.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli_int.h"
#include "cli/stress_int.h"

static void
st_progress(struct st_state *st, double t0, bool done)
{
	struct uao_stats s;
	double el = now_s() - t0;
	double frac = 0;
	char bar[41];
	int fill;

	if (st->s_o.o_quiet || !isatty(STDERR_FILENO))
		return;
	if (done) {
		/* the bar stays as the last cycle drew it */
		fputc('\n', stderr);
		return;
	}
	if (st->s_o.o_cycles)
		frac = (double)st->s_cycles / (double)st->s_o.o_cycles;
	if (st->s_o.o_seconds && el / (double)st->s_o.o_seconds > frac)
		frac = el / (double)st->s_o.o_seconds;
	if (frac > 1)
		frac = 1;
	fill = (int)(frac * 40);
	for (int i = 0; i < 40; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[40] = '\0';
	uao_sim_stats(st->s_sim, &s);
	fprintf(stderr,
	    "\r[%s] %3.0f%% cycle %llu  %.0fs  swapoff pages %llu  "
	    "failures %llu ",
	    bar, frac * 100, (unsigned long long)st->s_cycles, el,
	    (unsigned long long)s.swapoff_pages,
	    (unsigned long long)atomic_load(&st->s_failures));
}

static uint64_t
st_num(const char *opt, const char *arg, uint64_t lo, uint64_t hi)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (*arg == '\0' || *arg == '-' || *end != '\0' || errno != 0 ||
	    v < lo || v > hi)
		die(EXIT_USAGE, "--%s %s: a number from %llu to %llu", opt, arg,
		    (unsigned long long)lo, (unsigned long long)hi);
	return v;
}

static void
st_inject_opt(struct st_opts *o, const char *arg)
{
	char rw[8];
	unsigned long ppm;
	int n = 0;

	if (sscanf(arg, "%7[a-z]:%lu%n", rw, &ppm, &n) != 2 || arg[n] != '\0' ||
	    ppm > 1000000 ||
	    (strcmp(rw, "read") != 0 && strcmp(rw, "write") != 0))
		die(EXIT_USAGE,
		    "--inject %s: read:PPM or write:PPM (pages per million)",
		    arg);
	if (rw[0] == 'r')
		o->o_inject_rppm = (uint32_t)ppm;
	else
		o->o_inject_wppm = (uint32_t)ppm;
}

static void
st_usage(FILE *f)
{
	fputs("usage: uao stress swapoff [--cycles N] [--seconds S] "
	      "[--threads N] [--ram SIZE]\n"
	      "           [--size SIZE] [--devices N] [--dir DIR] [--seed N]\n"
	      "           [--enomem-every K] [--inject read:PPM|write:PPM] "
	      "[--quiet]\n",
	    f);
}

static void
st_parse(int argc, char **argv, struct st_opts *o)
{
	static const struct option longopts[] = {
		{ "cycles", required_argument, NULL, 'c' },
		{ "seconds", required_argument, NULL, 't' },
		{ "threads", required_argument, NULL, 'T' },
		{ "ram", required_argument, NULL, 'r' },
		{ "size", required_argument, NULL, 's' },
		{ "devices", required_argument, NULL, 'd' },
		{ "dir", required_argument, NULL, 'D' },
		{ "seed", required_argument, NULL, 'S' },
		{ "enomem-every", required_argument, NULL, 'e' },
		{ "inject", required_argument, NULL, 'i' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool sized = false;
	int c;

	memset(o, 0, sizeof(*o));
	o->o_threads = 4;
	o->o_ram = 4 << 20;
	o->o_devices = 3;
	o->o_enomem_every = 5;
	o->o_seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16);
	if (argc < 2 || strcmp(argv[1], "swapoff") != 0)
		die(EXIT_USAGE, "stress %s: no such test (uao stress swapoff)",
		    argc < 2 ? "" : argv[1]);
	argc--;
	argv++;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->o_cycles = st_num("cycles", optarg, 1, 1u << 30);
			break;
		case 't':
			o->o_seconds = st_num("seconds", optarg, 1, 1u << 30);
			break;
		case 'T':
			o->o_threads =
			    (int)st_num("threads", optarg, 1, ST_MAXTHREADS);
			break;
		case 'r':
			if (parse_size(optarg, &o->o_ram) != 0 ||
			    o->o_ram < (256 << 10) || o->o_ram % ST_PAGE)
				die(EXIT_USAGE,
				    "--ram %s: a size of at least 256K, a "
				    "multiple of 4K",
				    optarg);
			break;
		case 's':
			if (parse_size(optarg, &o->o_size) != 0 ||
			    o->o_size == 0 || o->o_size % ST_PAGE ||
			    o->o_size > (64ULL << 30))
				die(EXIT_USAGE,
				    "--size %s: a size from 4K to 64G, a "
				    "multiple of 4K",
				    optarg);
			sized = true;
			break;
		case 'd':
			o->o_devices =
			    (int)st_num("devices", optarg, 3, ST_MAXDEV);
			break;
		case 'D':
			if (access(optarg, W_OK | X_OK) != 0)
				die(EXIT_USAGE,
				    "--dir %s: not a writable directory",
				    optarg);
			o->o_dir = optarg;
			break;
		case 'S':
			o->o_seed = st_num("seed", optarg, 0, UINT64_MAX);
			break;
		case 'e':
			o->o_enomem_every =
			    (int)st_num("enomem-every", optarg, 0, 1u << 30);
			break;
		case 'i':
			st_inject_opt(o, optarg);
			break;
		case 'q':
			o->o_quiet = true;
			break;
		case 'h':
			st_usage(stdout);
			exit(0);
		default:
			die(EXIT_USAGE,
			    "stress swapoff: %s: unknown option or missing "
			    "value (see uao stress swapoff --help)",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		die(EXIT_USAGE, "stress: unexpected argument: %s",
		    argv[optind]);
	if (!sized)
		o->o_size = 4 * o->o_ram;
	if (o->o_size < 2 * o->o_ram)
		die(EXIT_USAGE,
		    "--size: must be at least twice --ram, to live in swap");
	if (o->o_cycles == 0 && o->o_seconds == 0)
		o->o_cycles = 50;
}

/* st_setup_devices: each device as large as the region, priority i */
static int
st_setup_devices(struct st_state *st)
{
	for (int i = 0; i < st->s_o.o_devices; i++) {
		struct st_dev *d = &st->s_devs[i];
		int id;

		d->d_prio = i;
		d->d_size = st->s_o.o_size;
		if (st->s_o.o_dir != NULL)
			snprintf(d->d_path, sizeof(d->d_path),
			    "%s/uao-stress-%d-swap%d", st->s_o.o_dir,
			    (int)getpid(), i);
		id = st_dev_add(st, d);
		if (id < 0) {
			fprintf(stderr, "uao stress: cannot add swap %s: %s\n",
			    d->d_path[0] ? d->d_path : "(anonymous)",
			    uao_strerror(id));
			return id;
		}
		st->s_ndevs++;
	}
	return 0;
}

static void
st_report(struct st_state *st, const struct st_counts *tot, double el)
{
	struct uao_swapinfo si[ST_MAXDEV];
	struct uao_stats s;
	char b1[32], b2[32];
	uint64_t tot_lost;
	int n;

	uao_sim_stats(st->s_sim, &s);
	printf("uao stress swapoff: seed %llu, %d threads, RAM %s, region "
	       "%s, %d devices, %.1f s\n",
	    (unsigned long long)st->s_o.o_seed, st->s_o.o_threads,
	    fmt_bytes(b1, sizeof(b1), st->s_o.o_ram),
	    fmt_bytes(b2, sizeof(b2), st->s_o.o_size), st->s_ndevs, el);
	printf("cycles: %llu (swapoffs %llu, refused under load %llu; "
	       "ENOMEM tests %llu passed, %llu skipped)\n",
	    (unsigned long long)st->s_cycles,
	    (unsigned long long)st->s_swapoffs,
	    (unsigned long long)st->s_refused,
	    (unsigned long long)st->s_enomem_ok,
	    (unsigned long long)st->s_enomem_skipped);
	printf("pages moved by swapoff: %llu\n",
	    (unsigned long long)s.swapoff_pages);
	printf("operations: %llu reads, %llu writes, %llu verifies, %llu "
	       "discards\n",
	    (unsigned long long)tot->c_reads, (unsigned long long)tot->c_writes,
	    (unsigned long long)tot->c_verifies,
	    (unsigned long long)tot->c_discards);
	printf("paging: %llu pageins, %llu pageouts, %llu faults, %llu "
	       "pageout errors, %llu oom events\n",
	    (unsigned long long)s.pageins, (unsigned long long)s.pageouts,
	    (unsigned long long)s.faults, (unsigned long long)s.pageout_errors,
	    (unsigned long long)s.oom_events);
	tot_lost = 0;
	for (size_t p = 0; p < st->s_npages; p++)
		tot_lost += st->s_lost[p];
	if (st->s_o.o_inject_rppm || st->s_o.o_inject_wppm)
		printf("injected: read %u ppm, write %u ppm; pages lost to "
		       "read errors (SIGBUS) %llu\n",
		    st->s_o.o_inject_rppm, st->s_o.o_inject_wppm,
		    (unsigned long long)tot_lost);
	n = st_list(st, si);
	printf("  id prio    pages    inuse   bad    reads   writes\n");
	for (int i = 0; i < n && i < ST_MAXDEV; i++)
		printf("%4d %4d %8llu %8llu %5llu %8llu %8llu\n", si[i].id,
		    si[i].prio, (unsigned long long)si[i].pages,
		    (unsigned long long)si[i].inuse,
		    (unsigned long long)si[i].bad,
		    (unsigned long long)si[i].reads,
		    (unsigned long long)si[i].writes);
	st_check(st, true);
	printf("verify failures: %llu\n",
	    (unsigned long long)atomic_load(&st->s_failures));
}

int
cmd_stress(int argc, char **argv)
{
	struct st_state *st;
	struct st_worker *ws;
	struct uao_config cfg = { 0 };
	struct st_counts tot = { 0 };
	struct sigaction sa;
	uint64_t crng;
	double t0;
	int error, rv;

	st = calloc(1, sizeof(*st));
	if (st == NULL)
		die(1, "out of memory");
	st_parse(argc, argv, &st->s_o);
	pthread_mutex_init(&st->s_mtx, NULL);
	pthread_cond_init(&st->s_cv, NULL);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = st_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGBUS, &sa, NULL);

	/* SIGBUS rather than a kill: the ballast may meet a full swap */
	cfg.ram_bytes = st->s_o.o_ram;
	cfg.oom_action = UAO_OOM_SIGBUS;
	error = uao_sim_create(&cfg, &st->s_sim);
	if (error != 0) {
		fprintf(stderr, "uao stress: cannot start the simulator: %s\n",
		    uao_strerror(error));
		return error == -EPERM || error == -ENOSYS ||
			error == -EOPNOTSUPP
		    ? 77
		    : 1;
	}
	if (st_setup_devices(st) != 0)
		return 1;
	error = uao_region_create(st->s_sim, st->s_o.o_size, &st->s_region);
	if (error != 0) {
		fprintf(stderr, "uao stress: cannot create the region: %s\n",
		    uao_strerror(error));
		return 1;
	}
	st->s_base = uao_region_base(st->s_region);
	st->s_npages = st->s_o.o_size / ST_PAGE;
	st->s_gen = calloc(st->s_npages, sizeof(*st->s_gen));
	st->s_lost = calloc(st->s_npages, 1);
	ws = calloc((size_t)st->s_o.o_threads, sizeof(*ws));
	if (st->s_gen == NULL || st->s_lost == NULL || ws == NULL)
		die(1, "out of memory");
	if (!st->s_o.o_quiet)
		fprintf(stderr, "uao stress swapoff: seed %llu\n",
		    (unsigned long long)st->s_o.o_seed);

	t0 = now_s();
	for (int i = 0; i < st->s_o.o_threads; i++) {
		ws[i].w_st = st;
		ws[i].w_index = i;
		ws[i].w_rng = st_mix(st->s_o.o_seed + 17 * (uint64_t)i + 1);
		if (pthread_create(&ws[i].w_thread, NULL, st_worker_main,
			&ws[i]) != 0)
			die(1, "cannot create a thread");
	}
	crng = st_mix(st->s_o.o_seed ^ 0xc0ffee);
	/* warm up: let the region spread over RAM and swap */
	usleep(200000);
	for (;;) {
		double el = now_s() - t0;

		if (st->s_o.o_cycles && st->s_cycles >= st->s_o.o_cycles)
			break;
		if (st->s_o.o_seconds && el >= (double)st->s_o.o_seconds)
			break;
		st_cycle(st, &crng);
		st->s_cycles++;
		st_pause(st);
		if (st->s_o.o_enomem_every &&
		    st->s_cycles % (uint64_t)st->s_o.o_enomem_every == 0)
			st_enomem_test(st);
		st_check(st, false);
		st_resume(st);
		st_progress(st, t0, false);
		usleep(20000);
	}
	st_progress(st, t0, true);

	pthread_mutex_lock(&st->s_mtx);
	st->s_stop = true;
	pthread_cond_broadcast(&st->s_cv);
	pthread_mutex_unlock(&st->s_mtx);
	for (int i = 0; i < st->s_o.o_threads; i++) {
		pthread_join(ws[i].w_thread, NULL);
		tot.c_reads += ws[i].w_counts.c_reads;
		tot.c_writes += ws[i].w_counts.c_writes;
		tot.c_verifies += ws[i].w_counts.c_verifies;
		tot.c_discards += ws[i].w_counts.c_discards;
		tot.c_sigbus += ws[i].w_counts.c_sigbus;
	}
	/* the last word: every page, once more */
	st_verify_all(st);
	st_report(st, &tot, now_s() - t0);

	rv = atomic_load(&st->s_failures) == 0 ? 0 : 1;
	printf("result: %s\n", rv == 0 ? "PASS" : "FAIL");
	fflush(stdout);
	uao_region_destroy(st->s_region);
	error = uao_sim_destroy(st->s_sim);
	if (error != 0) {
		fprintf(stderr, "uao stress: uao_sim_destroy: %s\n",
		    uao_strerror(error));
		rv = 1;
	}
	for (int i = 0; i < st->s_ndevs; i++)
		if (st->s_devs[i].d_path[0])
			unlink(st->s_devs[i].d_path);
	free(st->s_gen);
	free(st->s_lost);
	free(ws);
	free(st);
	return rv;
}
