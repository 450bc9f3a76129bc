/*
 * main.c: the `uao' command: run programs over aobj memory, and look at
 * and steer them while they run.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli_int.h"

#ifndef UAO_VERSION
#define UAO_VERSION "unknown"
#endif

/* a subcommand: its entry point, and its usage and help text */
struct subcommand {
	const char *sc_name;
	int (*sc_main)(int, char **);
	const char *sc_usage;
	const char *sc_help;
};

static const struct subcommand subcommands[] = {
	{ "run", cmd_run,
	    "uao run [--ram SIZE] [--swap FILE[:SIZE][:prio=N]]... "
	    "[--handlers N]\n"
	    "               [--stats FILE|-] [--json] "
	    "[--inject \"DEV r|w NTH PPM\"]...\n"
	    "               -- PROGRAM [ARGS...]",
	    "Run PROGRAM with its heap and anonymous mappings in uao memory,\n"
	    "and report when it exits.\n"
	    "  --ram SIZE       the RAM limit (default 64M; K, M, G, T)\n"
	    "  --swap FILE[:SIZE][:prio=N]\n"
	    "                   a swap device (repeatable): a new file uao "
	    "creates,\n"
	    "                   or a file or device signed by uao mkswap\n"
	    "                   (default: an anonymous 2 GiB file in "
	    "$TMPDIR)\n"
	    "  --handlers N     fault-handler threads, 1 to 64 (default 4)\n"
	    "  --stats FILE|-   write the report there (default: stderr)\n"
	    "  --json           the report as JSON\n"
	    "  --inject \"DEV r|w NTH PPM\"\n"
	    "                   make swap device DEV fail reads or writes "
	    "with EIO\n" },
	{ "mkswap", cmd_mkswap, "uao mkswap [--force] FILE|DEVICE [SIZE]",
	    "Sign FILE or DEVICE as uao swap space (a header page).  Refused: "
	    "links,\n"
	    "FIFOs, character devices, /proc and /sys, a device mounted or "
	    "open\n"
	    "elsewhere; unless --force, anything holding a filesystem, a "
	    "partition\n"
	    "table or any non-zero byte (--force wipes those signatures "
	    "first).\n" },
	{ "stat", cmd_stat, "uao stat [--json] [--check] PID",
	    "Print the report of a program running under uao run.  --check "
	    "also\n"
	    "recounts its machine against the counters (exit 1 if they "
	    "disagree,\n"
	    "3 if the program was too busy to hold still).\n" },
	{ "swapctl", cmd_swapctl,
	    "uao swapctl PID --list | --add FILE[:SIZE][:prio=N] | --remove "
	    "FILE|ID",
	    "List, add or remove the swap devices of a program running under "
	    "uao run.\n"
	    "--remove pages everything on the device back in first.\n" },
	{ "stress", cmd_stress, "uao stress swapoff [options]",
	    "Add and remove swap devices under load and check every byte.\n"
	    "uao stress swapoff --help lists the options.\n" },
};

#define NSUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

static void
usage(FILE *f)
{
	for (size_t i = 0; i < NSUBCOMMANDS; i++)
		fprintf(f, "%s %s\n", i == 0 ? "usage:" : "      ",
		    subcommands[i].sc_usage);
	fputs("       uao --version | help [COMMAND] | COMMAND --help\n"
	      "benchmarks: uao-bench (see uao-bench --help)\n",
	    f);
}

static const struct subcommand *
subcommand(const char *name)
{
	for (size_t i = 0; i < NSUBCOMMANDS; i++) {
		if (strcmp(subcommands[i].sc_name, name) == 0)
			return &subcommands[i];
	}
	return NULL;
}

static int
help(const char *name)
{
	const struct subcommand *sc;

	if (name == NULL) {
		usage(stdout);
		return 0;
	}
	if ((sc = subcommand(name)) == NULL)
		die(EXIT_USAGE,
		    "help: no command %s (run, mkswap, stat, "
		    "swapctl, stress)",
		    name);
	printf("usage: %s\n\n%s", sc->sc_usage, sc->sc_help);
	return 0;
}

static bool
is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

int
main(int argc, char **argv)
{
	const struct subcommand *sc;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (is_help(argv[1]))
		return help(NULL);
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("uao %s\n", UAO_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0) {
		if (argc > 3)
			die(EXIT_USAGE, "help: one command at most");
		return help(argc == 3 ? argv[2] : NULL);
	}
	if ((sc = subcommand(argv[1])) == NULL) {
		usage(stderr);
		die(EXIT_USAGE, "unknown command: %s", argv[1]);
	}
	/* `uao stress swapoff --help' is stress's own */
	if (argc >= 3 && is_help(argv[2]))
		return help(sc->sc_name);
	return sc->sc_main(argc - 1, argv + 1);
}
