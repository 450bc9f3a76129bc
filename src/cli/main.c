/*
 * main.c: the `uao' command: run programs over aobj memory, and look at
 * and steer them while they run.
 */
#include <stdio.h>
#include <string.h>

#include "cli_int.h"

static void
usage(FILE *f)
{
	fputs("usage: uao run [--ram SIZE] [--swap FILE[:SIZE][:prio=N]]... "
	      "[--handlers N]\n"
	      "               [--stats FILE|-] [--json] [--inject \"DEV r|w "
	      "NTH PPM\"]...\n"
	      "               -- PROGRAM [ARGS...]\n"
	      "       uao mkswap [--force] FILE|DEVICE [SIZE]\n"
	      "       uao stat [--json] [--check] PID\n"
	      "       uao swapctl PID --list | --add FILE[:SIZE][:prio=N] | "
	      "--remove FILE|ID\n"
	      "       uao stress swapoff [options]     (uao stress swapoff "
	      "--help)\n"
	      "benchmarks: build/bench/uao-bench (see README.md)\n",
	    f);
}

int
main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "mkswap") == 0)
		return cmd_mkswap(argc - 1, argv + 1);
	if (strcmp(argv[1], "stat") == 0)
		return cmd_stat(argc - 1, argv + 1);
	if (strcmp(argv[1], "swapctl") == 0)
		return cmd_swapctl(argc - 1, argv + 1);
	if (strcmp(argv[1], "stress") == 0)
		return cmd_stress(argc - 1, argv + 1);
	usage(stderr);
	die(EXIT_USAGE, "unknown command: %s", argv[1]);
}
