/*
 * sim.h: helpers over a libuao machine (struct uao_sim), for the tests
 * that drive it through its public API on the real userfaultfd and real
 * swap files (uffd, fork, machine, integration, fault): the skip probe,
 * the statistics identities, and the end-of-test checks.
 *
 * sim.c needs only libuao's API; settle.c also needs uao_thread_is_ours,
 * which libuao.so does not export: only programs linking its static
 * libraries may call idle_handlers and stats_settled.
 */
#ifndef UAO_TESTS_COMMON_SIM_H
#define UAO_TESTS_COMMON_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/pattern.h"
#include "uao/uao.h"

/* exported by libuao's static libraries (src/uffd/threads_int.h) */
bool uao_thread_is_ours(pid_t tid);

/*
 * sim_probe: can this machine run libuao at all?  => 0, or 77 (the
 * automake/meson "skipped" code) after saying why; exits 1 if the probe
 * fails otherwise.  The probe runs in a child, so that the caller has
 * never had a machine when it forks its tests (libuao's fork handlers
 * then have nothing to do).
 */
int sim_probe(void);

/* the fault identity of uao.h: faults = sum(by_kind) + stale */
uint64_t stats_kinds(const struct uao_stats *st);

/* uao_sim_check, retried while the machine is busy.  => its result */
int sim_check_quiet(struct uao_sim *sim, char *why, size_t len);

/*
 * sim_assert_consistent: sim_check_quiet finds the machine consistent,
 * else the test fails with uao_sim_check's reason (sim_assert.c: needs
 * libcheck).
 */
void sim_assert_consistent(struct uao_sim *sim);

/* settle.c: uao threads of this process in epoll_wait(2): idle handlers */
int idle_handlers(void);

/*
 * stats_settled: a snapshot of the counters once every fault handler
 * is back in epoll_wait(2).  A handler wakes the faulting thread when
 * the page is mapped and counts the fault just after, so a snapshot
 * taken the moment an access returns can miss that fault.  nhandlers is
 * the machine's handler count.  The program must not be faulting
 * meanwhile.
 */
void stats_settled(struct uao_sim *sim, int nhandlers, struct uao_stats *st);

#endif /* UAO_TESTS_COMMON_SIM_H */
