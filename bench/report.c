/*
 * report.c: what uao-bench prints: the terminal table (with each uao
 * figure as a ratio to the kernel's from the same run, and the issue's
 * targets), the JSON document, and the SVG latency-distribution plot
 * (cumulative distributions on a log time axis, written by hand).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench/bench.h"

static const double pcts[] = { 0.50, 0.90, 0.99, 0.999 };
static const char *const pct_name[] = { "p50", "p90", "p99", "p99.9" };

static const char *
lat(char *buf, uint64_t ns)
{
	if (ns == 0)
		snprintf(buf, 16, "-");
	else if (ns < 1000)
		snprintf(buf, 16, "%lluns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, 16, "%.1fus", (double)ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, 16, "%.2fms", (double)ns / 1e6);
	else
		snprintf(buf, 16, "%.2fs", (double)ns / 1e9);
	return buf;
}

static double
secs(const struct result *r)
{
	return (double)r->r_wall_ns / 1e9;
}

static double
acc_rate(const struct result *r)
{
	return r->r_wall_ns ? (double)r->r_accesses / secs(r) : 0;
}

static double
mib_rate(const struct result *r)
{
	return r->r_wall_ns ? (double)r->r_bytes / 1048576.0 / secs(r) : 0;
}

static double
swap_rate(const struct result *r)
{
	return r->r_wall_ns ? (double)(r->r_pageins + r->r_pageouts) * PAGE /
		1048576.0 / secs(r)
			    : 0;
}

static double
pagein_rate(const struct result *r)
{
	return r->r_wall_ns ? (double)r->r_pageins / secs(r) : 0;
}

/* CPU time per page moved (in + out), us; 0 if none moved */
static double
cpu_per_page(const struct result *r)
{
	uint64_t moved = r->r_pageins + r->r_pageouts;

	/* a handful of pages moved by chance says nothing */
	return moved && moved * 100 >= r->r_accesses
	    ? (double)(r->r_utime_ns + r->r_stime_ns) / 1e3 / (double)moved
	    : 0;
}

static double
ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

static int
ran(const struct run *u, int p, int m)
{
	return u->u_have[m] && u->u_res[p][m].r_ran && !u->u_res[p][m].r_failed;
}

struct target {
	const char *t_name;
	double t_val; /* measured ratio, 0 = not measured */
	double t_goal;
	int t_le; /* goal is an upper bound */
};

/*
 * The targets, as ratios of this run: issue 12's (speed: page-in p50,
 * random reads, CPU per page moved, four threads, sequential re-read)
 * and issue 5's that issue 12 did not replace (fill and zero-fill must
 * not fall behind).  Each is printed met or not.
 */
static int
targets(const struct run *u, struct target *t)
{
	const struct result *uk = u->u_res[P_RANDREAD];
	int k = ran(u, P_RANDREAD, M_KERNEL), n = 0;

	t[n++] = (struct target) { "page-in p50 (fault access) uao/kernel",
		k ? ratio((double)hist_pct(&uk[M_UAO].r_flt, 0.5),
			(double)hist_pct(&uk[M_KERNEL].r_flt, 0.5))
		  : 0,
		1.10, 1 };
	t[n++] = (struct target) { "random-read throughput uao/kernel",
		k ? ratio(acc_rate(&uk[M_UAO]), acc_rate(&uk[M_KERNEL])) : 0,
		1.0, 0 };
	t[n++] = (struct target) { "random-read CPU per page uao/kernel",
		k ? ratio(cpu_per_page(&uk[M_UAO]), cpu_per_page(&uk[M_KERNEL]))
		  : 0,
		1.2, 1 };
	t[n++] = (struct target) { "uao page-ins/s, 4 threads / 1 thread",
		ratio(pagein_rate(&u->u_res[P_THR4][M_UAO]),
		    pagein_rate(&u->u_res[P_THR1][M_UAO])),
		2.5, 0 };
	t[n++] = (struct target) { "seq re-read throughput uao/kernel",
		k ? ratio(acc_rate(&u->u_res[P_SEQREAD][M_UAO]),
			acc_rate(&u->u_res[P_SEQREAD][M_KERNEL]))
		  : 0,
		2.0, 0 };
	t[n++] = (struct target) { "fill throughput uao/kernel",
		k ? ratio(acc_rate(&u->u_res[P_FILL][M_UAO]),
			acc_rate(&u->u_res[P_FILL][M_KERNEL]))
		  : 0,
		1.0, 0 };
	t[n++] = (struct target) { "zero-fill fault p50 / UFFDIO_COPY p50",
		u->u_fl.f_have_uffd
		    ? ratio((double)hist_pct(&u->u_res[P_ZERO][M_UAO].r_flt,
				0.5),
			  (double)hist_pct(&u->u_fl.f_copy, 0.5))
		    : 0,
		1.25, 1 };
	return n;
}

/*
 * report_breakdown: where one swap-in's time goes (uao, randread and
 * threads1), from the fault probes (breakdown.c), beside what it is to be
 * compared with: the kernel's major faults in the same phase and the
 * floors.
 */
static const int bd_phase[] = { P_RANDREAD, P_THR1 };
#define BD_NPHASES 2

/* one line of the table: a p50 and a p99 per phase */
static void
bd_line(FILE *f, const char *name, const struct hist *const h[BD_NPHASES])
{
	char b0[16], b1[16];

	fprintf(f, "  %-36s", name);
	for (int i = 0; i < BD_NPHASES; i++)
		fprintf(f, " %9s %9s", h[i] ? lat(b0, hist_pct(h[i], .5)) : "",
		    h[i] ? lat(b1, hist_pct(h[i], .99)) : "");
	fprintf(f, "\n");
}

static void
report_breakdown(FILE *f, const struct run *u)
{
	const struct breakdown *b[BD_NPHASES];
	const struct hist *h[BD_NPHASES];
	const struct floors *fl = &u->u_fl;
	int any = 0;

	for (int i = 0; i < BD_NPHASES; i++) {
		b[i] = ran(u, bd_phase[i], M_UAO)
		    ? &u->u_res[bd_phase[i]][M_UAO].r_bd
		    : NULL;
		if (b[i] != NULL && !b[i]->b_on)
			b[i] = NULL;
		any |= b[i] != NULL;
	}
	if (!any)
		return;
	fprintf(f,
	    "\nWhere one swap-in's time goes (uao, one faulting thread, from "
	    "the fault probes):\n");
	for (int i = 0; i < BD_NPHASES; i++) {
		if (b[i] == NULL)
			continue;
		fprintf(f,
		    "  %-9s %llu swap-ins recorded; %llu faulting accesses "
		    "without a record (soft\n            fault, read-ahead "
		    "hit, wait on another's read); %llu records lost\n",
		    phase_name[bd_phase[i]],
		    (unsigned long long)b[i]->b_total.h_n,
		    (unsigned long long)b[i]->b_missing,
		    (unsigned long long)b[i]->b_lost);
	}
	fprintf(f, "  %-36s", "");
	for (int i = 0; i < BD_NPHASES; i++)
		fprintf(f, " %19s", phase_name[bd_phase[i]]);
	fprintf(f, "\n  %-36s", "stage");
	for (int i = 0; i < BD_NPHASES; i++)
		fprintf(f, " %9s %9s", "p50", "p99");
	fprintf(f, "\n");
	for (int s = 0; s < S_N; s++) {
		for (int i = 0; i < BD_NPHASES; i++)
			h[i] = b[i] ? &b[i]->b_stage[s] : NULL;
		bd_line(f, stage_name[s], h);
	}
	for (int i = 0; i < BD_NPHASES; i++)
		h[i] = b[i] ? &b[i]->b_total : NULL;
	bd_line(f, "total (t5 - t0)", h);
	for (int i = 0; i < BD_NPHASES; i++)
		h[i] = ran(u, bd_phase[i], M_KERNEL)
		    ? &u->u_res[bd_phase[i]][M_KERNEL].r_flt
		    : NULL;
	if (h[0] != NULL || h[1] != NULL)
		bd_line(f, "kernel: access with a major fault", h);
	if (fl->f_have_read) {
		h[0] = h[1] = &fl->f_qd1;
		bd_line(f, "floor: 4 KiB read, io_uring QD1", h);
	}
	if (fl->f_have_uffd) {
		h[0] = h[1] = &fl->f_copy;
		bd_line(f, "floor: userfaultfd round trip, COPY", h);
	}
	fprintf(f,
	    "  Each percentile is of its own stage: the stages' p50s need "
	    "not add up to the\n  total's p50, nor their p99s to its p99.  "
	    "A thread is woken inside the handler's\n  map ioctl and may "
	    "run before that returns (d): its wake-up then counts as 0\n "
	    " (");
	for (int i = 0, sep = 0; i < BD_NPHASES; i++) {
		if (b[i] == NULL)
			continue;
		fprintf(f, "%s%s: %llu accesses", sep ? ", " : "",
		    phase_name[bd_phase[i]],
		    (unsigned long long)b[i]->b_early_wake);
		sep = 1;
	}
	fprintf(f, ").\n");
}

void
report_table(FILE *f, const struct run *u)
{
	const struct opts *o = u->u_o;
	const struct floors *fl = &u->u_fl;
	char b[8][16];
	struct target t[8];
	int nt;

	fprintf(f,
	    "\nConditions: W=%llu MiB, R=%llu MiB, %llu random "
	    "accesses per phase, seed %llu.\n",
	    (unsigned long long)(o->o_wss >> 20),
	    (unsigned long long)(o->o_ram >> 20),
	    (unsigned long long)o->o_reads, (unsigned long long)o->o_seed);
	fprintf(f,
	    "  both swap files in %s (%s), written in full first; uao "
	    "swap %s; page cache dropped\n  before every phase of "
	    "every side; kernel: swapon + memory cgroup limit R "
	    "(no THP);\n  phases alternate between the sides, the "
	    "first side rotating.\n",
	    o->o_dir, u->u_fs, o->o_buffered ? "buffered" : "O_DIRECT");
	fprintf(f, "  uao fault-handler threads: %d%s\n",
	    o->o_handlers ? o->o_handlers : UAO_DEFAULT_HANDLERS,
	    o->o_handlers ? "" : " (uao's default)");
	if (!u->u_have[M_KERNEL])
		fprintf(f, "  KERNEL SWAP NOT MEASURED: %s\n", u->u_why_kernel);

	fprintf(f, "\nFloors (same run):\n");
	if (fl->f_have_read) {
		fprintf(f,
		    "  4 KiB O_DIRECT random read, io_uring QD1 : p50 "
		    "%s p99 %s, %.0f IOPS\n",
		    lat(b[0], hist_pct(&fl->f_qd1, .5)),
		    lat(b[1], hist_pct(&fl->f_qd1, .99)), fl->f_qd1_iops);
		fprintf(f,
		    "  4 KiB O_DIRECT random read, io_uring QD32: p50 "
		    "%s p99 %s, %.0f IOPS\n",
		    lat(b[0], hist_pct(&fl->f_qd32, .5)),
		    lat(b[1], hist_pct(&fl->f_qd32, .99)), fl->f_qd32_iops);
	}
	if (fl->f_have_uffd) {
		fprintf(f,
		    "  userfaultfd round trip, UFFDIO_COPY 4 KiB  : p50 "
		    "%s p99 %s\n",
		    lat(b[0], hist_pct(&fl->f_copy, .5)),
		    lat(b[1], hist_pct(&fl->f_copy, .99)));
		fprintf(f,
		    "  userfaultfd round trip, UFFDIO_ZEROPAGE    : p50 "
		    "%s p99 %s\n",
		    lat(b[0], hist_pct(&fl->f_zero, .5)),
		    lat(b[1], hist_pct(&fl->f_zero, .99)));
	}
	if (fl->f_msg[0])
		fprintf(f, "  not measured: %s\n", fl->f_msg);

	fprintf(f,
	    "\nPer phase (access = one word for random phases, one "
	    "page for fill/seqread/zerofill;\n flt = accesses that "
	    "faulted: kernel major fault (swap-in), any userfaultfd "
	    "fault\n under uao, any fault in zerofill; swMiB/s = "
	    "page-ins + page-outs; us/pg = CPU per page moved):\n\n");
	fprintf(f,
	    "%-9s %-6s %10s %7s %7s %8s %8s %8s %8s %8s %8s %8s "
	    "%8s %8s %7s %6s\n",
	    "phase", "side", "acc/s", "MiB/s", "swMiB/s", "p50", "p90", "p99",
	    "p99.9", "max", "flt p50", "flt p99", "pg-in", "pg-out", "us/pg",
	    "ok");
	for (int p = P_FILL; p < P_TEARDOWN; p++) {
		for (int m = 0; m < M_N; m++) {
			const struct result *r = &u->u_res[p][m];
			if (!u->u_have[m] || !r->r_ran)
				continue;
			fprintf(f,
			    "%-9s %-6s %10.0f %7.1f %7.1f %8s %8s %8s %8s %8s "
			    "%8s %8s %8llu %8llu %7.1f %6s\n",
			    phase_name[p], mode_name[m], acc_rate(r),
			    mib_rate(r), swap_rate(r),
			    lat(b[0], hist_pct(&r->r_all, .5)),
			    lat(b[1], hist_pct(&r->r_all, .9)),
			    lat(b[2], hist_pct(&r->r_all, .99)),
			    lat(b[3], hist_pct(&r->r_all, .999)),
			    lat(b[4], r->r_all.h_max),
			    lat(b[5], hist_pct(&r->r_flt, .5)),
			    lat(b[6], hist_pct(&r->r_flt, .99)),
			    (unsigned long long)r->r_pageins,
			    (unsigned long long)r->r_pageouts, cpu_per_page(r),
			    r->r_failed				    ? "FAIL"
				: r->r_errors || r->r_verify_errors ? "WRONG"
								    : "yes");
		}
		if (ran(u, p, M_UAO) && ran(u, p, M_KERNEL)) {
			const struct result *a = &u->u_res[p][M_UAO],
					    *k = &u->u_res[p][M_KERNEL];
			fprintf(f,
			    "%-9s %-6s %9.2fx %6s %6.2fx %7.2fx %7.2fx %7.2fx "
			    "%7.2fx %7.2fx %7.2fx %7.2fx %8s %8s %6.2fx\n",
			    "", "u/k", ratio(acc_rate(a), acc_rate(k)), "",
			    ratio(swap_rate(a), swap_rate(k)),
			    ratio((double)hist_pct(&a->r_all, .5),
				(double)hist_pct(&k->r_all, .5)),
			    ratio((double)hist_pct(&a->r_all, .9),
				(double)hist_pct(&k->r_all, .9)),
			    ratio((double)hist_pct(&a->r_all, .99),
				(double)hist_pct(&k->r_all, .99)),
			    ratio((double)hist_pct(&a->r_all, .999),
				(double)hist_pct(&k->r_all, .999)),
			    ratio((double)a->r_all.h_max,
				(double)k->r_all.h_max),
			    ratio((double)hist_pct(&a->r_flt, .5),
				(double)hist_pct(&k->r_flt, .5)),
			    ratio((double)hist_pct(&a->r_flt, .99),
				(double)hist_pct(&k->r_flt, .99)),
			    "", "", ratio(cpu_per_page(a), cpu_per_page(k)));
		}
	}

	fprintf(f,
	    "\nuao's own fault-handler latency (message read to page "
	    "mapped; excludes the trap\nand the wake-up; power-of-two "
	    "buckets, so good to ~1.4x):\n");
	fprintf(f, "%-9s %8s %9s %9s %8s %9s %9s %8s %8s %8s\n", "phase",
	    "swapins", "swpin p50", "swpin p99", "zero", "zero p50", "soft",
	    "wp", "ra pages", "ra hits");
	for (int p = P_FILL; p < P_TEARDOWN; p++) {
		const struct result *r = &u->u_res[p][M_UAO];
		if (!r->r_ran)
			continue;
		fprintf(f,
		    "%-9s %8llu %9s %9s %8llu %9s %9llu %8llu %8llu "
		    "%8llu\n",
		    phase_name[p],
		    (unsigned long long)r->r_uao_kind[UAO_FAULT_SWAPIN],
		    lat(b[0], hist_pct(&r->r_uao_lat[UAO_FAULT_SWAPIN], .5)),
		    lat(b[1], hist_pct(&r->r_uao_lat[UAO_FAULT_SWAPIN], .99)),
		    (unsigned long long)r->r_uao_kind[UAO_FAULT_ZERO],
		    lat(b[2], hist_pct(&r->r_uao_lat[UAO_FAULT_ZERO], .5)),
		    (unsigned long long)r->r_uao_kind[UAO_FAULT_SOFT],
		    (unsigned long long)r->r_uao_kind[UAO_FAULT_WP],
		    (unsigned long long)r->r_uao_readahead,
		    (unsigned long long)r->r_uao_ra_hits);
	}

	report_breakdown(f, u);

	fprintf(f, "\nPage-ins per second with threads (faulting at once):\n");
	for (int m = 0; m < M_N; m++) {
		if (!u->u_have[m] || m == M_RAM)
			continue;
		fprintf(f, "  %-6s 1: %.0f  2: %.0f  4: %.0f\n", mode_name[m],
		    pagein_rate(&u->u_res[P_THR1][m]),
		    pagein_rate(&u->u_res[P_THR2][m]),
		    pagein_rate(&u->u_res[P_THR4][m]));
	}

	nt = targets(u, t);
	fprintf(f,
	    "\nTargets (issue 12 target 3; fill and zero-fill: issue 5):\n");
	for (int i = 0; i < nt; i++) {
		const char *v = t[i].t_val == 0 ? "not measured"
		    : (t[i].t_le ? t[i].t_val <= t[i].t_goal
				 : t[i].t_val >= t[i].t_goal)
		    ? "met"
		    : "NOT met";
		fprintf(f, "  %-40s %6.2f (goal %s %.2f)  %s\n", t[i].t_name,
		    t[i].t_val, t[i].t_le ? "<=" : ">=", t[i].t_goal, v);
	}
}

static void
json_hist(FILE *f, const char *name, const struct hist *h)
{
	fprintf(f, "\"%s\": {\"n\": %llu, \"mean_ns\": %.0f", name,
	    (unsigned long long)h->h_n,
	    h->h_n ? (double)h->h_sum / (double)h->h_n : 0.0);
	for (int i = 0; i < 4; i++)
		fprintf(f, ", \"%s_ns\": %llu", pct_name[i],
		    (unsigned long long)hist_pct(h, pcts[i]));
	fprintf(f, ", \"max_ns\": %llu}", (unsigned long long)h->h_max);
}

/* the swap-in breakdown (report_breakdown) as "swapin_breakdown" */
static void
json_breakdown(FILE *f, const struct run *u)
{
	static const char *const key[S_N] = { "trap", "queueing", "io", "map",
		"wakeup" };
	int first = 1;

	fprintf(f, " \"swapin_breakdown\": {");
	for (int i = 0; i < BD_NPHASES; i++) {
		int p = bd_phase[i];
		const struct breakdown *b = &u->u_res[p][M_UAO].r_bd;

		if (!ran(u, p, M_UAO) || !b->b_on)
			continue;
		fprintf(f,
		    "%s\n  \"%s\": {\"recorded\": %llu, "
		    "\"faulting_accesses_without_record\": %llu, "
		    "\"records_lost\": %llu, "
		    "\"woken_before_map_returned\": %llu, ",
		    first ? "" : ",", phase_name[p],
		    (unsigned long long)b->b_total.h_n,
		    (unsigned long long)b->b_missing,
		    (unsigned long long)b->b_lost,
		    (unsigned long long)b->b_early_wake);
		for (int s = 0; s < S_N; s++) {
			json_hist(f, key[s], &b->b_stage[s]);
			fprintf(f, ", ");
		}
		json_hist(f, "total", &b->b_total);
		if (ran(u, p, M_KERNEL)) {
			fprintf(f, ", ");
			json_hist(f, "kernel_major_fault",
			    &u->u_res[p][M_KERNEL].r_flt);
		}
		fprintf(f, "}");
		first = 0;
	}
	fprintf(f, "},\n");
}

void
report_json(FILE *f, const struct run *u)
{
	const struct opts *o = u->u_o;
	const struct floors *fl = &u->u_fl;
	struct target t[8];
	int nt = targets(u, t);

	fprintf(f,
	    "{\n \"conditions\": {\"wss_bytes\": %llu, \"ram_bytes\": "
	    "%llu, \"accesses\": %llu, \"seed\": %llu, \"dir\": \"%s\", "
	    "\"fs\": \"%s\", \"uao_handlers\": %d, \"uao_odirect\": %s, "
	    "\"cache_dropped\": "
	    "true, \"kernel\": %s, \"kernel_why_not\": \"%s\"},\n",
	    (unsigned long long)o->o_wss, (unsigned long long)o->o_ram,
	    (unsigned long long)o->o_reads, (unsigned long long)o->o_seed,
	    o->o_dir, u->u_fs,
	    o->o_handlers ? o->o_handlers : UAO_DEFAULT_HANDLERS,
	    o->o_buffered ? "false" : "true",
	    u->u_have[M_KERNEL] ? "true" : "false", u->u_why_kernel);
	fprintf(f, " \"floors\": {");
	json_hist(f, "read_qd1", &fl->f_qd1);
	fprintf(f, ", \"read_qd1_iops\": %.0f, ", fl->f_qd1_iops);
	json_hist(f, "read_qd32", &fl->f_qd32);
	fprintf(f, ", \"read_qd32_iops\": %.0f, ", fl->f_qd32_iops);
	json_hist(f, "uffdio_copy", &fl->f_copy);
	fprintf(f, ", ");
	json_hist(f, "uffdio_zeropage", &fl->f_zero);
	fprintf(f, "},\n \"phases\": {\n");
	for (int p = P_FILL; p < P_TEARDOWN; p++) {
		fprintf(f, "  \"%s\": {", phase_name[p]);
		int first = 1;
		for (int m = 0; m < M_N; m++) {
			const struct result *r = &u->u_res[p][m];
			if (!u->u_have[m] || !r->r_ran)
				continue;
			fprintf(f,
			    "%s\n   \"%s\": {\"ok\": %s, \"wall_s\": %.6f, "
			    "\"accesses\": %llu, \"accesses_per_s\": %.1f, "
			    "\"mib_per_s\": %.2f, \"swap_mib_per_s\": %.2f, "
			    "\"pageins\": %llu, \"pageouts\": %llu, "
			    "\"pageins_per_s\": %.1f, "
			    "\"majflt\": %llu, \"minflt\": %llu, "
			    "\"utime_s\": %.6f, \"stime_s\": %.6f, "
			    "\"cpu_us_per_page_moved\": %.3f, "
			    "\"wrong_reads\": %llu, \"verified_words\": %llu, "
			    "\"wrong_words\": %llu, \"verify_s\": %.3f, ",
			    first ? "" : ",", mode_name[m],
			    r->r_failed || r->r_errors || r->r_verify_errors
				? "false"
				: "true",
			    secs(r), (unsigned long long)r->r_accesses,
			    acc_rate(r), mib_rate(r), swap_rate(r),
			    (unsigned long long)r->r_pageins,
			    (unsigned long long)r->r_pageouts, pagein_rate(r),
			    (unsigned long long)r->r_majflt,
			    (unsigned long long)r->r_minflt,
			    (double)r->r_utime_ns / 1e9,
			    (double)r->r_stime_ns / 1e9, cpu_per_page(r),
			    (unsigned long long)r->r_errors,
			    (unsigned long long)r->r_verified_words,
			    (unsigned long long)r->r_verify_errors,
			    (double)r->r_verify_ns / 1e9);
			json_hist(f, "latency", &r->r_all);
			fprintf(f, ", ");
			json_hist(f, "fault_latency", &r->r_flt);
			if (m == M_UAO) {
				fprintf(f, ", \"uao_swapins\": %llu, ",
				    (unsigned long long)
					r->r_uao_kind[UAO_FAULT_SWAPIN]);
				json_hist(f, "uao_handler_swapin",
				    &r->r_uao_lat[UAO_FAULT_SWAPIN]);
				fprintf(f, ", ");
				json_hist(f, "uao_handler_zero",
				    &r->r_uao_lat[UAO_FAULT_ZERO]);
			}
			fprintf(f, "}");
			first = 0;
		}
		if (ran(u, p, M_UAO) && ran(u, p, M_KERNEL)) {
			const struct result *a = &u->u_res[p][M_UAO],
					    *k = &u->u_res[p][M_KERNEL];
			fprintf(f,
			    ",\n   \"uao_over_kernel\": {"
			    "\"accesses_per_s\": %.3f, \"p50\": %.3f, "
			    "\"p99\": %.3f, \"p99.9\": %.3f, "
			    "\"fault_p50\": %.3f, \"fault_p99\": %.3f, "
			    "\"cpu_per_page\": %.3f}",
			    ratio(acc_rate(a), acc_rate(k)),
			    ratio((double)hist_pct(&a->r_all, .5),
				(double)hist_pct(&k->r_all, .5)),
			    ratio((double)hist_pct(&a->r_all, .99),
				(double)hist_pct(&k->r_all, .99)),
			    ratio((double)hist_pct(&a->r_all, .999),
				(double)hist_pct(&k->r_all, .999)),
			    ratio((double)hist_pct(&a->r_flt, .5),
				(double)hist_pct(&k->r_flt, .5)),
			    ratio((double)hist_pct(&a->r_flt, .99),
				(double)hist_pct(&k->r_flt, .99)),
			    ratio(cpu_per_page(a), cpu_per_page(k)));
		}
		fprintf(f, "}%s\n", p + 1 < P_TEARDOWN ? "," : "");
	}
	fprintf(f, " },\n");
	json_breakdown(f, u);
	fprintf(f, " \"targets\": [");
	for (int i = 0; i < nt; i++)
		fprintf(f,
		    "%s\n  {\"name\": \"%s\", \"value\": %.3f, "
		    "\"goal\": %.2f, \"upper_bound\": %s}",
		    i ? "," : "", t[i].t_name, t[i].t_val, t[i].t_goal,
		    t[i].t_le ? "true" : "false");
	fprintf(f, "\n ]\n}\n");
}

/*
 * SVG: cumulative distribution of the random-read phase's fault-access
 * latency, uao against the kernel, plus uao's handler-side swap-in
 * histogram and the floors as vertical lines.  Log time axis.
 */
#define SX0 70
#define SX1 760
#define SY0 40
#define SY1 400

static double lx_lo, lx_hi;

static double
xpos(double ns)
{
	double l = log10(ns < 1 ? 1 : ns);

	if (l < lx_lo)
		l = lx_lo;
	if (l > lx_hi)
		l = lx_hi;
	return SX0 + (l - lx_lo) / (lx_hi - lx_lo) * (SX1 - SX0);
}

static void
svg_cdf(FILE *f, const struct hist *h, const char *color, const char *dash,
    const char *label, int row)
{
	uint64_t acc = 0;
	int first = 1;

	if (h->h_n == 0)
		return;
	fprintf(f,
	    "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
	    "%s points=\"",
	    color, dash);
	for (int b = 0; b < HIST_BUCKETS; b++) {
		double y0, y1, x;
		if (h->h_b[b] == 0)
			continue;
		y0 = SY1 - (double)acc / (double)h->h_n * (SY1 - SY0);
		acc += h->h_b[b];
		y1 = SY1 - (double)acc / (double)h->h_n * (SY1 - SY0);
		x = xpos((double)hist_low(b + 1));
		if (first)
			fprintf(f, "%.1f,%.1f ", xpos((double)hist_low(b)),
			    (double)SY1);
		first = 0;
		fprintf(f, "%.1f,%.1f %.1f,%.1f ", x, y0, x, y1);
	}
	fprintf(f, "\"/>\n");
	fprintf(f,
	    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
	    "stroke-width=\"2\" %s/>\n",
	    SX0 + 15, SY0 + 15 + row * 18, SX0 + 45, SY0 + 15 + row * 18, color,
	    dash);
	fprintf(f, "<text x=\"%d\" y=\"%d\">%s (n=%llu, p50 %.1f us)</text>\n",
	    SX0 + 52, SY0 + 19 + row * 18, label, (unsigned long long)h->h_n,
	    (double)hist_pct(h, .5) / 1e3);
}

static void
svg_vline(FILE *f, double ns, const char *color, const char *label, int row)
{
	double x = xpos(ns);

	if (ns <= 0)
		return;
	fprintf(f,
	    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
	    "stroke=\"%s\" stroke-dasharray=\"2,3\"/>\n",
	    x, SY0, x, SY1, color);
	fprintf(f,
	    "<text x=\"%.1f\" y=\"%d\" fill=\"%s\" "
	    "transform=\"rotate(-90 %.1f %d)\">%s</text>\n",
	    x - 3, SY1 - 5 - row * 0, color, x - 3, SY1 - 5, label);
}

int
report_svg(const char *path, const struct run *u)
{
	const struct result *ru = &u->u_res[P_RANDREAD][M_UAO],
			    *rk = &u->u_res[P_RANDREAD][M_KERNEL];
	uint64_t hi = 1000;
	FILE *f;
	int row = 0;

	if (ru->r_flt.h_max > hi)
		hi = ru->r_flt.h_max;
	if (u->u_have[M_KERNEL] && rk->r_flt.h_max > hi)
		hi = rk->r_flt.h_max;
	lx_lo = 2.0; /* 100 ns */
	lx_hi = ceil(log10((double)hi));
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	fprintf(f,
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\" "
	    "height=\"460\" font-family=\"sans-serif\" font-size=\"12\">\n"
	    "<rect width=\"800\" height=\"460\" fill=\"white\"/>\n");
	fprintf(f,
	    "<text x=\"%d\" y=\"22\" font-size=\"14\">Random-read "
	    "fault latency, W=%llu MiB R=%llu MiB: uao vs Linux swap "
	    "(CDF)</text>\n",
	    SX0, (unsigned long long)(u->u_o->o_wss >> 20),
	    (unsigned long long)(u->u_o->o_ram >> 20));
	fprintf(f,
	    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
	    "fill=\"none\" stroke=\"black\"/>\n",
	    SX0, SY0, SX1 - SX0, SY1 - SY0);
	for (int d = (int)lx_lo; d <= (int)lx_hi; d++) {
		static const char *const unit[] = { "1ns", "10ns", "100ns",
			"1us", "10us", "100us", "1ms", "10ms", "100ms", "1s",
			"10s" };
		double x = xpos(pow(10, d));
		fprintf(f,
		    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
		    "stroke=\"#ddd\"/>\n<text x=\"%.1f\" y=\"%d\" "
		    "text-anchor=\"middle\">%s</text>\n",
		    x, SY0, x, SY1, x, SY1 + 16, d < 11 ? unit[d] : "?");
	}
	for (int i = 0; i <= 4; i++) {
		int y = SY1 - i * (SY1 - SY0) / 4;
		fprintf(f,
		    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		    "stroke=\"#ddd\"/>\n<text x=\"%d\" y=\"%d\" "
		    "text-anchor=\"end\">%.2f</text>\n",
		    SX0, y, SX1, y, SX0 - 5, y + 4, i / 4.0);
	}
	fprintf(f,
	    "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">latency "
	    "of an access that faulted (log scale)</text>\n",
	    (SX0 + SX1) / 2, SY1 + 36);
	fprintf(f,
	    "<text x=\"18\" y=\"%d\" transform=\"rotate(-90 18 %d)\" "
	    "text-anchor=\"middle\">fraction of faulting accesses"
	    "</text>\n",
	    (SY0 + SY1) / 2, (SY0 + SY1) / 2);
	svg_cdf(f, &ru->r_flt, "#d62728", "", "uao, access that faulted",
	    row++);
	if (u->u_have[M_KERNEL])
		svg_cdf(f, &rk->r_flt, "#1f77b4", "",
		    "kernel, access with a major fault", row++);
	svg_cdf(f, &ru->r_uao_lat[UAO_FAULT_SWAPIN], "#ff9896",
	    "stroke-dasharray=\"6,4\"", "uao handler swap-in (no trap/wake)",
	    row++);
	if (u->u_fl.f_have_read)
		svg_vline(f, (double)hist_pct(&u->u_fl.f_qd1, .5), "#2ca02c",
		    "read QD1 p50", 0);
	if (u->u_fl.f_have_uffd)
		svg_vline(f, (double)hist_pct(&u->u_fl.f_copy, .5), "#9467bd",
		    "UFFDIO_COPY p50", 0);
	fprintf(f, "</svg>\n");
	return fclose(f);
}
