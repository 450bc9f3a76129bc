/*
 * stress.h: the timed stress runs of the machine suite (test_machine.c,
 * test_rdonly.c).  Worker threads drive a libuao machine for
 * UAO_STRESS_SECONDS while another disturbs it; the first failure of any
 * worker stops every thread, and the test reports it with the seed that
 * repeats the run (UAO_STRESS_SEED).
 */
#ifndef UAO_TESTS_COMMON_STRESS_H
#define UAO_TESTS_COMMON_STRESS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "uao/uao.h"

/* set: every thread of the run stops at its next step */
extern atomic_int stress_stop;

/* a worker's first failure, or "" */
struct stress_err {
	int se_worker;
	char se_msg[256];
};

/*
 * stress_fail: record the worker's first failure ("worker N: ..."),
 * keep it over any later one, and stop every thread.
 */
void stress_fail(struct stress_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

struct stress_run {
	unsigned sr_seconds; /* UAO_STRESS_SECONDS, 6 by default */
	uint64_t sr_seed;    /* UAO_STRESS_SEED, the time by default */
	struct uao_sim *sr_sim;
};

/*
 * stress_begin: read and print the run's length and seed; make a machine
 * of ram bytes with swap_pages pages of anonymous swap; clear
 * stress_stop.  => ck_asserts that the machine is made.
 */
void stress_begin(struct stress_run *run, size_t ram, size_t swap_pages);

/*
 * stress_wait: let the threads run for sr_seconds, or until one fails,
 * then set stress_stop.  The caller joins them.
 */
void stress_wait(const struct stress_run *run);

/* stress_assert_ok: fail the test with e's failure and the seed, if any */
void stress_assert_ok(const struct stress_run *run, const struct stress_err *e);

/* stress_end: the machine checks out (uao_sim_check) and is destroyed */
void stress_end(struct stress_run *run);

#endif /* UAO_TESTS_COMMON_STRESS_H */
