/*
 * main.c: the userfaultfd machine through libuao's public API
 * (include/uao/uao.h), on the real kernel userfaultfd and real swap
 * files (anonymous O_TMPFILE files in $TMPDIR) (suite 'uffd').
 *
 * One file per TCase family:
 *   test_faults.c    faults: zero fill, page-out/page-in, soft and
 *                    write-protect faults, fault-ahead, read-ahead,
 *                    faults in system calls, SIGBUS for a lost page
 *   test_threads.c   threads: concurrent faults; uao's own threads stay
 *                    out of region memory
 *   test_interpose.c interpose, pressure: munmap, madvise, mremap on
 *                    regions; the pagedaemon under a RAM limit
 *   test_api.c       api: every API error, uao_swap_mkfile
 *   test_probe.c     probes: one record per swap-in fault, in stage
 *                    order; none while off; their errors
 *   test_tracking.c  tracking: writes race soft-fault sampling, write
 *                    prediction and eviction; none is lost
 * env.c holds the environment, its fixtures and the kmem guard
 * (uffd_test.h).
 *
 * A test's machine is made by its TCase's fixture (or by the test, where
 * the machines of a TCase differ) and ends with env_fini: the fault
 * identities of uao.h hold, uao_sim_check finds the machine consistent,
 * and everything is freed.  Tests run forked (libcheck's default), so a
 * panic in one is reported as that test's failure.  Exit 77 when
 * userfaultfd is not available.
 *
 * Two tests look inside libuao (its exported internals): a uao thread
 * that touches region memory must panic rather than deadlock, and every
 * allocation uao makes (kmem, kmem_int.h) must lie outside the regions.
 * main() installs a kmem backend that checks the latter.
 */
#include "uffd_test.h"

static Suite *
uffd_suite(void)
{
	Suite *s = suite_create("uffd");

	uffd_faults_tcases(s);
	uffd_threads_tcases(s);
	uffd_interpose_tcases(s);
	uffd_api_tcases(s);
	uffd_probe_tcases(s);
	uffd_tracking_tcases(s);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed, rv;

	/* before libuao allocates anything */
	kmem_set_backend(&guard_backend);
	rv = sim_probe();
	if (rv != 0)
		return rv;
	sr = srunner_create(uffd_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
