/*
 * main.c: the swap device layer (src/swapdev) against real files and
 * real io_uring (suite 'swapdev').
 *
 * One file per TCase:
 *   test_devices.c  devices: swap_on / swap_off of named, existing and
 *                   anonymous files and their errors, signatures, refusals
 *   test_alloc.c    alloc: global slot numbering, priorities and
 *                   round-robin, contiguous runs, bad and held slots
 *   test_io.c       io: batched page I/O, O_DIRECT and buffered
 *   test_faults.c   faults: fault injection
 *   test_swapoff.c  swapoff: through a model pager, and through the real
 *                   aobj pager (tests/common/harness.h)
 *   test_threads.c  threads: concurrent allocation and I/O
 * common.c holds the helpers and fixtures (swapdev_test.h).
 *
 * io_uring_submit_and_wait is wrapped at link time (-Wl,--wrap, see
 * meson.build):
 * the wrapper counts submissions and the requests they carried, so that
 * the tests can tell a batch went in one system call.
 *
 * Every random choice comes from SWAPDEV_SEED (default in common.c),
 * printed at start, through base/rng.h.  SWAPDEV_OPS sets the operations
 * per thread of the concurrent test (the 'slow' suite raises it).
 */
#include "swapdev_test.h"

static Suite *
swapdev_suite(void)
{
	Suite *s = suite_create("swapdev");

	swapdev_devices_tcases(s);
	swapdev_alloc_tcases(s);
	swapdev_io_tcases(s);
	swapdev_faults_tcases(s);
	swapdev_swapoff_tcases(s);
	swapdev_threads_tcases(s);
	return s;
}

int
main(void)
{
	const char *e;
	SRunner *sr;
	int failed;

	if ((e = getenv("SWAPDEV_SEED")) != NULL)
		test_seed = strtoull(e, NULL, 0);
	if ((e = getenv("SWAPDEV_OPS")) != NULL)
		test_ops = atoi(e);
	printf("swapdev: seed %#" PRIx64 " (SWAPDEV_SEED), %d ops per thread\n",
	    test_seed, test_ops);
	fflush(stdout);

	sr = srunner_create(swapdev_suite());
	srunner_run_all(sr, CK_ENV); /* CK_VERBOSITY=verbose lists each test */
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
