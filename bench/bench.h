/*
 * bench.h: shared declarations of uao-bench, the swap-in benchmark that
 * runs the same workloads under uao, under the Linux kernel's own swap
 * (a swap file and a memory cgroup) and with no limit, in one run.
 */
#ifndef UAO_BENCH_H
#define UAO_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "uao/uao.h"

#define PAGE	       4096UL
#define WORDS_PER_PAGE (PAGE / 8)

/*
 * Latency histogram, log-linear: 32 buckets per power of two (about 3%
 * resolution), from 1 ns to beyond 2^60 ns.
 */
#define HIST_SUB_BITS 5
#define HIST_SUB      (1 << HIST_SUB_BITS)
#define HIST_BUCKETS  (60 * HIST_SUB)

struct hist {
	uint64_t h_n;
	uint64_t h_sum;
	uint64_t h_max;
	uint64_t h_b[HIST_BUCKETS];
};

void hist_add(struct hist *, uint64_t);
void hist_merge(struct hist *, const struct hist *);
uint64_t hist_pct(const struct hist *, double);
uint64_t hist_low(int);
void hist_from_uao(struct hist *, const struct uao_latency *);

/* the three ways a workload runs */
enum mode {
	M_UAO,
	M_KERNEL,
	M_RAM,
	M_N
};
extern const char *const mode_name[M_N];

/* the workloads, in the order they run (state carries over) */
enum phase {
	P_SETUP,
	P_FILL,
	P_RANDREAD,
	P_RANDRW,
	P_SEQREAD,
	P_THR1,
	P_THR2,
	P_THR4,
	P_ZERO,
	P_TEARDOWN,
	P_N
};
extern const char *const phase_name[P_N];
#define MAXTHREADS 4

/*
 * Where one swap-in's time goes (breakdown.c): uao's fault probes
 * (uao_probe_enable) give four handler times per swap-in fault, (a)
 * message read, (b) read submitted, (c) read reaped, (d) page mapped;
 * the faulting thread adds t0 before its access and t5 after it.
 */
enum stage {
	S_TRAP,	 /* a - t0: the trap, until the handler reads the message */
	S_QUEUE, /* b - a: batch, lock, frame, until the read is submitted */
	S_IO,	 /* c - b: the read, with any read-ahead */
	S_MAP,	 /* d - c: relock, map and wake, until the ioctl returns */
	S_WAKE,	 /* t5 - d: until the faulting thread runs again */
	S_N
};
extern const char *const stage_name[S_N];

struct breakdown {
	int b_on;		  /* the probes were on for the phase */
	struct hist b_stage[S_N]; /* a negative stage counts as 0 */
	struct hist b_total;	  /* t5 - t0 of the accesses recorded */
	uint64_t b_missing;	  /* faulting accesses with no record */
	uint64_t b_early_wake; /* t5 < d: running before the ioctl returned */
	uint64_t b_lost;       /* records lost, or left untaken */
};

/* the ring of one faulting thread: records are taken access by access */
#define BREAKDOWN_RING 256

/* breakdown_begin: turn the probes on.  => 0 or uao's -errno */
int breakdown_begin(struct breakdown *, struct uao_sim *);
/* breakdown_access: an access to addr from t0 to t5 that faulted */
void breakdown_access(struct breakdown *, struct uao_sim *, const void *addr,
    uint64_t t0, uint64_t t5);
/* breakdown_end: turn them off; count records lost or never taken */
void breakdown_end(struct breakdown *, struct uao_sim *, uint64_t lost0);

/* what one phase of one mode measured; written by the child */
struct result {
	int r_ran;
	int r_failed; /* setup failed or the child died */
	uint64_t r_wall_ns;
	uint64_t r_accesses;
	uint64_t r_bytes;	   /* region bytes the phase walked */
	uint64_t r_errors;	   /* wrong values seen by the timed accesses */
	uint64_t r_verify_errors;  /* wrong words in the verification pass */
	uint64_t r_verified_words; /* words the verification pass checked */
	uint64_t r_verify_ns;
	uint64_t r_pageins, r_pageouts;
	uint64_t r_majflt, r_minflt;
	uint64_t r_utime_ns, r_stime_ns;
	uint64_t r_fault_accesses; /* accesses that took a major fault */
	struct hist r_all;	   /* every timed access */
	struct hist r_flt;	   /* timed accesses that took a major fault */
	/* uao only: deltas of uao_sim_stats */
	uint64_t r_uao_kind[UAO_FAULT_KINDS];
	uint64_t r_uao_readahead, r_uao_ra_hits;
	struct hist r_uao_lat[UAO_FAULT_KINDS];
	struct breakdown r_bd; /* uao randread and threads1 only */
	char r_msg[256];
};

/* the memory a child shares with the parent: charged to the parent */
struct shared {
	struct result s_res;
	struct hist s_thr_all[MAXTHREADS], s_thr_flt[MAXTHREADS];
	uint64_t s_bits[]; /* one bit per word of the region: written */
};

struct opts {
	uint64_t o_wss;	    /* W, bytes */
	uint64_t o_ram;	    /* R, bytes */
	uint64_t o_reads;   /* random accesses per random phase */
	uint64_t o_floor_n; /* operations per floor measurement */
	uint64_t o_seed;
	const char *o_dir;  /* swap files go here */
	const char *o_json; /* NULL, "-" or a file */
	const char *o_plot; /* SVG file or NULL */
	int o_quick;
	int o_no_kernel; /* skip kernel swap */
	int o_handlers;	 /* uao fault-handler threads (0: uao's default) */
	int o_buffered;	 /* uao swap without O_DIRECT */
};

/* child side (workload.c) */
void child_main(int mode, const struct opts *, struct shared *, int cmdfd,
    int ackfd, const char *uswap);
size_t shared_size(const struct opts *);

/* floors (floors.c) */
struct floors {
	int f_have_read, f_have_uffd;
	struct hist f_qd1, f_qd32, f_copy, f_zero;
	double f_qd1_iops, f_qd32_iops;
	char f_msg[256];
};
void
floors_measure(struct floors *, const char *file, uint64_t n, uint64_t seed);

/* kernel swap and cgroup (kswap.c) */
struct kswap {
	char k_path[1024];
	char k_cg[1024];
	int k_cgv2;
	int k_swapon;
	char k_why[1024]; /* why kernel swap is impossible, or "" */
};
int kswap_setup(struct kswap *, const char *dir, uint64_t size, uint64_t ram);
int kswap_set_limit(struct kswap *, uint64_t ram);
int kswap_enter(struct kswap *, int pid);
long kswap_oom_kills(const struct kswap *);
void kswap_cleanup(struct kswap *);
int kswap_reap(void);
int prewrite_file(const char *path, uint64_t size);
int drop_caches(void);
int vmstat_swap(uint64_t *in, uint64_t *out);

/* report.c */
struct run {
	struct opts *u_o;
	struct result u_res[P_N][M_N];
	struct floors u_fl;
	int u_have[M_N];
	char u_why_kernel[1200];
	char u_fs[64];
};
void report_table(FILE *, const struct run *);
void report_json(FILE *, const struct run *);
int report_svg(const char *path, const struct run *);

/* programs.c: uao-bench --programs */
int programs_main(const char *dir, const char *src, const char *json,
    const char *only, int runs, int quick, uint64_t seed);

uint64_t now_ns(void);

#endif /* UAO_BENCH_H */
