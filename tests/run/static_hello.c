/*
 * static_hello.c: a statically linked program.  `uao run' cannot preload
 * its runtime into one, and must refuse it at start (exit 2, one line).
 */
#include <stdio.h>

int
main(void)
{
	puts("static_hello: ran");
	return 0;
}
