/*
 * stress_int.h: `uao stress swapoff' (cmd_stress.c), shared by its parts:
 *
 *   stress_worker.c: the page pattern, the workers, the pause protocol;
 *   stress_check.c:  the recounts, the devices, the ENOMEM test, a cycle;
 *   cmd_stress.c:    options, set-up, progress, the report.
 */
#ifndef UAO_CLI_STRESS_INT_H
#define UAO_CLI_STRESS_INT_H

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/rng.h"
#include "uao/uao.h"

#define ST_PAGE	      4096
#define ST_WORDS      (ST_PAGE / 8)
#define ST_MAXDEV     16
#define ST_MAXTHREADS 64
#define ST_MAXFAILS   10 /* mismatches printed in full */

struct st_opts {
	uint64_t o_cycles;  /* 0: no limit */
	uint64_t o_seconds; /* 0: no limit */
	int o_threads;
	uint64_t o_ram;
	uint64_t o_size;
	int o_devices;
	const char *o_dir; /* NULL: anonymous swap files */
	uint64_t o_seed;
	int o_enomem_every; /* 0: never */
	uint32_t o_inject_rppm, o_inject_wppm;
	bool o_quiet;
};

struct st_dev {
	int d_id; /* current id; 0 while removed */
	int d_prio;
	char d_path[256]; /* "" for anonymous */
	uint64_t d_size;
};

/* what a worker does, counted */
struct st_counts {
	uint64_t c_reads, c_writes, c_verifies, c_discards;
	uint64_t c_sigbus; /* pages lost to injected read errors */
};

struct st_worker {
	struct st_state *w_st;
	int w_index;
	pthread_t w_thread;
	uint64_t w_rng;
	struct st_counts w_counts;
};

struct st_state {
	struct st_opts s_o;
	struct uao_sim *s_sim;
	struct uao_region *s_region;
	uint64_t *s_base;
	size_t s_npages;
	uint32_t *s_gen; /* per page: its generation (owner writes) */
	uint8_t *s_lost; /* per page: got SIGBUS (injected read error) */
	struct st_dev s_devs[ST_MAXDEV];
	int s_ndevs;
	/* pause protocol: controller sets s_pause, waits for all parked */
	pthread_mutex_t s_mtx;
	pthread_cond_t s_cv;
	atomic_bool s_pause;
	bool s_stop;
	int s_parked;
	/* results */
	atomic_uint_fast64_t s_failures; /* wrong bytes or counts */
	atomic_int s_printed;
	uint64_t s_cycles, s_swapoffs, s_refused, s_enomem_ok, s_enomem_skipped,
	    s_checks;
};

/* the SIGBUS landing pad of the thread touching region memory, or NULL */
extern _Thread_local sigjmp_buf *volatile st_tl_jb;
extern _Thread_local void *volatile st_tl_busaddr;

/*
 * st_mix: a stateless hash, for page patterns and per-thread seeds (the
 * values of the splitmix64 step the command used before base/rng.h).
 */
static inline uint64_t
st_mix(uint64_t x)
{
	return rng_mix(x + RNG_GOLDEN);
}

/* stress_worker.c */
double now_s(void);
void st_sigbus(int sig, siginfo_t *si, void *uc);
void st_page_op(struct st_state *st, struct st_counts *c, size_t p, int op,
    uint64_t r);
void *st_worker_main(void *arg);
void st_pause(struct st_state *st);
void st_resume(struct st_state *st);

/* stress_check.c */
int st_list(struct st_state *st, struct uao_swapinfo *si);
bool st_check(struct st_state *st, bool final);
void st_verify_all(struct st_state *st);
int st_dev_add(struct st_state *st, struct st_dev *d);
void st_enomem_test(struct st_state *st);
void st_cycle(struct st_state *st, uint64_t *rng);

#endif /* UAO_CLI_STRESS_INT_H */
