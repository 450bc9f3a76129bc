/*
 * main.c: the pager suite (suite 'pager'): the machine-independent pager
 * through the in-memory machine (pmap_mem) and real swap files.  No page
 * faults: every "access" is pmap_mem_access, which calls uvm_fault where
 * the hardware would fault.
 *
 * One file per TCase family, one behaviour group per TCase:
 *   test_pages.c    pages, queues, wait: uvm_pagealloc/free/lookup/zero,
 *                   the page queues, uvm_wait
 *   test_busy.c     busy: the PG_BUSY / PG_WANTED sleep protocol
 *   test_aobj.c     aobj, detach, swslot, roundtrip: create, reference,
 *                   detach, the slot store (array and hash), the round
 *                   trip through swap
 *   test_get.c      get: uao_get, PGO_LOCKED and the I/O path, read errors
 *   test_put.c      put: uao_put, every flag combination, both
 *                   traversals, refs, wired and busy pages; uao_dropswap
 *   test_swapoff.c  swapoff: uao_swap_off through swap_off, success and
 *                   ENOMEM
 *   test_pdaemon.c  pdaemon: the pressure thread, 4x the RAM limit
 *   test_contract.c contract: the lock order, assertions that must abort
 * Each test ends with harness_check (DESIGN.md section 3), in the
 * fixture's teardown (fixture.c), in harness_fini, or directly.
 */
#include "pager_test.h"

TCase *
pager_tcase(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return tc;
}

static Suite *
pager_suite(void)
{
	Suite *s = suite_create("pager");

	pager_pages_tcases(s);
	pager_busy_tcases(s);
	pager_aobj_tcases(s);
	pager_get_tcases(s);
	pager_put_tcases(s);
	pager_swapoff_tcases(s);
	pager_pdaemon_tcases(s);
	pager_contract_tcases(s);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(pager_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
