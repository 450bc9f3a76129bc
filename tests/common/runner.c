/*
 * runner.c: the end of a libcheck test program's main (see runner.h).
 */
#include "common/runner.h"

int
suite_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int nfailed;

	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? 0 : 1;
}
