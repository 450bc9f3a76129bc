/*
 * uffd_test.h: what the files of the uffd suite (tests/uffd/) share: the
 * test environment and its fixtures, the kmem guard, page helpers
 * (env.c), and one TCase constructor per file.
 */
#ifndef UAO_TESTS_UFFD_TEST_H
#define UAO_TESTS_UFFD_TEST_H

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/sim.h"
#include "common/find_uffd.h"
#include "base/kmem_int.h"
#include "uffd/threads_int.h"

/*
 * The kmem guard: main() makes it libuao's allocator; it counts every
 * allocation, those made on uao threads, and those that overlap a region
 * made by env_region (violations).
 */
extern const struct kmem_backend guard_backend;
extern atomic_ulong guard_allocs, guard_uao_allocs, guard_violations;
/* guard_add: [base, base + len) is region memory (after a move) */
void guard_add(void *base, size_t len);

/* a simulator and its swap device (0: none) */
struct env {
	struct uao_sim *sim;
	int swapid;
};

/* env_init: a simulator with ram bytes (0: no limit), swap_pages of swap */
void
env_init(struct env *e, size_t ram, uint64_t swap_pages, int no_pagedaemon);
/* env_region: a region of npages at *basep, known to the kmem guard */
struct uao_region *env_region(struct env *e, size_t npages, char **basep);
/* env_region_swapped: the same, every page written at gen, then paged out */
struct uao_region *
env_region_swapped(struct env *e, size_t npages, uint64_t gen, char **basep);
/* the counters, once the handlers have finished their accounting */
void stats(struct env *e, struct uao_stats *st);
/* the identities of uao.h hold (the machine must be quiet) */
void stats_ok(struct env *e);
/* uao_sim_check finds the machine consistent */
void env_check(struct env *e);
/* end of a test: the regions destroyed, everything checked and freed */
void env_fini(struct env *e);

/* pat_fill / pat_check over pages [first, first + n) of base */
void fill_pages(char *base, size_t first, size_t n, uint64_t gen);
void verify_pages(char *base, size_t first, size_t n, uint64_t gen);
/* uao_region_pageout of pages [first, first + n) */
int pageout(struct uao_region *r, size_t first, size_t n);

/*
 * The fixtures (tcase_add_checked_fixture: in each test's process).  The
 * machine is fx_env; the teardown is env_fini, so a test destroys its
 * regions and leaves the rest to it.
 */
extern struct env fx_env;
void fx_env_setup(void);
void fx_env_swap_setup(void);
void fx_env_swap256_setup(void);
void fx_env_pressure_setup(void);
void fx_env_teardown(void);

void uffd_faults_tcases(Suite *s);
void uffd_threads_tcases(Suite *s);
void uffd_interpose_tcases(Suite *s);
void uffd_api_tcases(Suite *s);
void uffd_probe_tcases(Suite *s);
void uffd_tracking_tcases(Suite *s);

#endif /* UAO_TESTS_UFFD_TEST_H */
