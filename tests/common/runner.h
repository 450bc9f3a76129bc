/*
 * runner.h: the end of a libcheck test program's main.
 */
#ifndef UAO_TESTS_COMMON_RUNNER_H
#define UAO_TESTS_COMMON_RUNNER_H

#include <check.h>

/*
 * suite_run: run every test of s (CK_NORMAL output), free it.
 * => the program's exit status: 0 if every test passed, else 1.
 */
int suite_run(Suite *s);

#endif /* UAO_TESTS_COMMON_RUNNER_H */
