/*
 * report.c: the statistics of a run, as text and as JSON.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli_int.h"

static const char *kind_names[UAO_FAULT_KINDS] = { "zero_fill", "soft",
	"swap_in", "write_protect" };

/*
 * A percentile from a log2 histogram, interpolated inside its bucket
 * (so within a factor of two of the truth at worst), in nanoseconds.
 */
static double
lat_percentile(const struct uao_latency *l, double q)
{
	uint64_t want, seen = 0;

	if (l->count == 0)
		return 0;
	want = (uint64_t)(q * (double)l->count);
	if (want == 0)
		want = 1;
	for (int b = 0; b < UAO_LAT_BUCKETS; b++) {
		if (seen + l->buckets[b] >= want) {
			double lo = (double)(1ULL << b), hi = lo * 2;
			double f =
			    (double)(want - seen) / (double)l->buckets[b];
			double v = lo + f * (hi - lo);

			return v > (double)l->max_ns ? (double)l->max_ns : v;
		}
		seen += l->buckets[b];
	}
	return (double)l->max_ns;
}

static void
print_hist(FILE *f, const struct uao_latency *l)
{
	uint64_t top = 0;

	for (int b = 0; b < UAO_LAT_BUCKETS; b++)
		if (l->buckets[b] > top)
			top = l->buckets[b];
	for (int b = 0; b < UAO_LAT_BUCKETS; b++) {
		char lo[32];
		int bar;

		if (l->buckets[b] == 0)
			continue;
		if (b < 10)
			snprintf(lo, sizeof(lo), "%llu ns", 1ULL << b);
		else if (b < 20)
			snprintf(lo, sizeof(lo), "%.1f us",
			    (double)(1ULL << b) / 1e3);
		else
			snprintf(lo, sizeof(lo), "%.1f ms",
			    (double)(1ULL << b) / 1e6);
		bar = (int)(40 * l->buckets[b] / top);
		fprintf(f, "      >= %-9s %10" PRIu64 " %.*s\n", lo,
		    l->buckets[b], bar > 0 ? bar : 1,
		    "########################################");
	}
}

double
report_uao_share(const struct ctl_report *r)
{
	uint64_t own = r->cr_rss_anon_peak > r->cr_uao_own_peak
	    ? r->cr_rss_anon_peak - r->cr_uao_own_peak
	    : 0;

	return own != 0 ? (double)r->cr_uao_at_peak / (double)own : 0.0;
}

static void
print_text(FILE *f, const struct ctl_report *r)
{
	const struct uao_stats *s = &r->cr_stats;
	const char *exe = strrchr(r->cr_exe, '/');
	char b1[32], b2[32], b3[32];

	exe = exe != NULL ? exe + 1 : r->cr_exe;
	fprintf(f, "uao: report for %s (pid %d), %.2f s\n", exe, r->cr_pid,
	    r->cr_elapsed);
	fprintf(f,
	    "  memory   RAM limit %s; at peak the process had %s "
	    "anonymous memory resident:\n",
	    fmt_bytes(b1, sizeof(b1), r->cr_ram_limit),
	    fmt_bytes(b2, sizeof(b2), r->cr_rss_anon_peak));
	fprintf(f,
	    "           the program's under uao %s (%.1f%% of the program's "
	    "own), uao's own %s (jemalloc's metadata %s);\n",
	    fmt_bytes(b1, sizeof(b1), r->cr_uao_at_peak),
	    100.0 * report_uao_share(r),
	    fmt_bytes(b2, sizeof(b2), r->cr_uao_own_peak),
	    fmt_bytes(b3, sizeof(b3), r->cr_uao_meta_peak));
	fprintf(f, "           outside uao: brk %s, stacks %s,",
	    fmt_bytes(b1, sizeof(b1), r->cr_brk_peak),
	    fmt_bytes(b2, sizeof(b2), r->cr_stacks_peak));
	fprintf(f, " private file pages %s, other %s\n",
	    fmt_bytes(b1, sizeof(b1), r->cr_filecow_peak),
	    fmt_bytes(b3, sizeof(b3), r->cr_other_peak));
	fprintf(f,
	    "           heap %s given to jemalloc; %" PRIu64
	    " program mmaps made regions, %" PRIu64 " left alone; %" PRIu64
	    " regions now\n",
	    fmt_bytes(b1, sizeof(b1), r->cr_heap_used), r->cr_mmaps_adopted,
	    r->cr_mmaps_skipped, s->regions);
	fprintf(f,
	    "  faults   %" PRIu64 " served: %" PRIu64 " zero-fill, %" PRIu64
	    " soft, %" PRIu64 " swap-in, %" PRIu64 " write-protect, %" PRIu64
	    " stale\n",
	    s->faults, s->by_kind[UAO_FAULT_ZERO], s->by_kind[UAO_FAULT_SOFT],
	    s->by_kind[UAO_FAULT_SWAPIN], s->by_kind[UAO_FAULT_WP], s->stale);
	fprintf(f,
	    "           %" PRIu64 " pages mapped ahead; %" PRIu64
	    " clean pages mapped writable on a read (write predicted)\n",
	    s->fault_ahead, s->write_predicted);
	fprintf(f,
	    "           %" PRIu64 " lost to I/O errors (SIGBUS); %" PRIu64
	    " out of memory\n",
	    s->io_errors, s->out_of_memory);
	fprintf(f,
	    "  paging   %" PRIu64 " pages in (%" PRIu64 " read ahead, %" PRIu64
	    " of them used), %" PRIu64 " out\n",
	    s->pageins, s->pageins_readahead, s->readahead_hits, s->pageouts);
	fprintf(f,
	    "           freed without I/O: %" PRIu64 " clean, %" PRIu64
	    " all zeros; %" PRIu64 " write errors\n",
	    s->freed_clean, s->freed_zero, s->pageout_errors);
	fprintf(f,
	    "  swap     %" PRIu64 " of %" PRIu64
	    " pages in use; swpgonly %" PRIu64 "\n",
	    s->swap_inuse, s->swap_pages, s->swpgonly);
	if (r->cr_forks > 0)
		fprintf(f,
		    "  fork     %" PRIu64 " forks; the children paged %" PRIu64
		    " in, %" PRIu64 " out\n",
		    r->cr_forks, r->cr_fork_pageins, r->cr_fork_pageouts);
	print_swaplist(f, r);
	for (int k = 0; k < UAO_FAULT_KINDS; k++) {
		const struct uao_latency *l = &s->latency[k];

		if (l->count == 0)
			continue;
		fprintf(f,
		    "  latency  %-13s n=%-9" PRIu64 " p50 %.1f us  "
		    "p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n",
		    kind_names[k], l->count, lat_percentile(l, 0.5) / 1e3,
		    lat_percentile(l, 0.9) / 1e3, lat_percentile(l, 0.99) / 1e3,
		    lat_percentile(l, 0.999) / 1e3, (double)l->max_ns / 1e3);
	}
	if (s->latency[UAO_FAULT_SWAPIN].count > 0) {
		fprintf(f, "  swap-in latency histogram:\n");
		print_hist(f, &s->latency[UAO_FAULT_SWAPIN]);
	}
}

void
print_swaplist(FILE *f, const struct ctl_report *r)
{
	char b1[32], b2[32];

	fprintf(f, "    %-4s %-6s %-10s %-10s %-6s %-9s %-9s %s\n", "id",
	    "prio", "size", "in use", "bad", "reads", "writes", "path");
	for (int i = 0; i < r->cr_nswap; i++) {
		const struct uao_swapinfo *w = &r->cr_swap[i];

		fprintf(f,
		    "    %-4d %-6d %-10s %-10s %-6" PRIu64 " %-9" PRIu64
		    " %-9" PRIu64 " %s%s\n",
		    w->id, w->prio, fmt_bytes(b1, sizeof(b1), w->pages * 4096),
		    fmt_bytes(b2, sizeof(b2), w->inuse * 4096), w->bad,
		    w->reads, w->writes, w->path,
		    w->odirect ? "" : " (buffered)");
	}
}

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void
print_json(FILE *f, const struct ctl_report *r)
{
	const struct uao_stats *s = &r->cr_stats;

	fprintf(f, "{\"pid\":%d,\"exe\":", r->cr_pid);
	json_str(f, r->cr_exe);
	fprintf(f,
	    ",\"elapsed_s\":%.3f,\"ram_limit\":%" PRIu64
	    ",\"rss_anon_peak\":%" PRIu64 ",\"uao_at_peak\":%" PRIu64
	    ",\"heap_used\":%" PRIu64 ",\"mmaps_adopted\":%" PRIu64
	    ",\"mmaps_skipped\":%" PRIu64 ",\"forks\":%" PRIu64
	    ",\"fork_pageins\":%" PRIu64 ",\"fork_pageouts\":%" PRIu64,
	    r->cr_elapsed, r->cr_ram_limit, r->cr_rss_anon_peak,
	    r->cr_uao_at_peak, r->cr_heap_used, r->cr_mmaps_adopted,
	    r->cr_mmaps_skipped, r->cr_forks, r->cr_fork_pageins,
	    r->cr_fork_pageouts);
	fprintf(f,
	    ",\"uao_own_peak\":%" PRIu64 ",\"uao_meta_peak\":%" PRIu64
	    ",\"brk_peak\":%" PRIu64 ",\"stacks_peak\":%" PRIu64
	    ",\"filecow_peak\":%" PRIu64 ",\"other_peak\":%" PRIu64
	    ",\"uao_share\":%.4f",
	    r->cr_uao_own_peak, r->cr_uao_meta_peak, r->cr_brk_peak,
	    r->cr_stacks_peak, r->cr_filecow_peak, r->cr_other_peak,
	    report_uao_share(r));
	fprintf(f, ",\"faults\":{\"total\":%" PRIu64, s->faults);
	for (int k = 0; k < UAO_FAULT_KINDS; k++)
		fprintf(f, ",\"%s\":%" PRIu64, kind_names[k], s->by_kind[k]);
	fprintf(f,
	    ",\"stale\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"ahead\":%" PRIu64
	    ",\"io_errors\":%" PRIu64 ",\"out_of_memory\":%" PRIu64
	    ",\"write_predicted\":%" PRIu64 "}",
	    s->stale, s->lost, s->fault_ahead, s->io_errors, s->out_of_memory,
	    s->write_predicted);
	fprintf(f,
	    ",\"paging\":{\"pageins\":%" PRIu64 ",\"readahead\":%" PRIu64
	    ",\"readahead_hits\":%" PRIu64 ",\"pageouts\":%" PRIu64
	    ",\"freed_clean\":%" PRIu64 ",\"freed_zero\":%" PRIu64
	    ",\"pageout_errors\":%" PRIu64 ",\"deactivated\":%" PRIu64
	    ",\"reactivated\":%" PRIu64 ",\"swapoff_pages\":%" PRIu64
	    ",\"oom_events\":%" PRIu64 "}",
	    s->pageins, s->pageins_readahead, s->readahead_hits, s->pageouts,
	    s->freed_clean, s->freed_zero, s->pageout_errors, s->deactivated,
	    s->reactivated, s->swapoff_pages, s->oom_events);
	fprintf(f,
	    ",\"memory\":{\"ram_pages\":%" PRIu64 ",\"free\":%" PRIu64
	    ",\"active\":%" PRIu64 ",\"inactive\":%" PRIu64
	    ",\"staged\":%" PRIu64 "}",
	    s->ram_pages, s->free_pages, s->active_pages, s->inactive_pages,
	    s->staged_pages);
	fprintf(f,
	    ",\"swap\":{\"pages\":%" PRIu64 ",\"inuse\":%" PRIu64
	    ",\"swpgonly\":%" PRIu64 ",\"devices\":[",
	    s->swap_pages, s->swap_inuse, s->swpgonly);
	for (int i = 0; i < r->cr_nswap; i++) {
		const struct uao_swapinfo *w = &r->cr_swap[i];

		fprintf(f, "%s{\"id\":%d,\"path\":", i ? "," : "", w->id);
		json_str(f, w->path);
		fprintf(f,
		    ",\"prio\":%d,\"odirect\":%s,\"pages\":%" PRIu64
		    ",\"inuse\":%" PRIu64 ",\"bad\":%" PRIu64
		    ",\"reads\":%" PRIu64 ",\"writes\":%" PRIu64
		    ",\"read_errors\":%" PRIu64 ",\"write_errors\":%" PRIu64
		    "}",
		    w->prio, w->odirect ? "true" : "false", w->pages, w->inuse,
		    w->bad, w->reads, w->writes, w->read_errors,
		    w->write_errors);
	}
	fprintf(f, "]},\"latency\":{");
	for (int k = 0; k < UAO_FAULT_KINDS; k++) {
		const struct uao_latency *l = &s->latency[k];

		fprintf(f,
		    "%s\"%s\":{\"count\":%" PRIu64
		    ",\"p50_ns\":%.0f,\"p90_ns\":%.0f,\"p99_ns\":%.0f"
		    ",\"p999_ns\":%.0f,\"max_ns\":%" PRIu64
		    ",\"log2_buckets\":[",
		    k ? "," : "", kind_names[k], l->count,
		    lat_percentile(l, 0.5), lat_percentile(l, 0.9),
		    lat_percentile(l, 0.99), lat_percentile(l, 0.999),
		    l->max_ns);
		for (int b = 0; b < UAO_LAT_BUCKETS; b++)
			fprintf(f, "%s%" PRIu64, b ? "," : "", l->buckets[b]);
		fprintf(f, "]}");
	}
	fprintf(f, "}}\n");
}

void
print_report(FILE *f, const struct ctl_report *rep, bool json)
{
	if (json)
		print_json(f, rep);
	else
		print_text(f, rep);
	fflush(f);
}
