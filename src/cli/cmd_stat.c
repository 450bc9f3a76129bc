/*
 * cmd_stat.c: `uao stat [--json] [--check] PID': the statistics of a
 * running program.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"

/* parse_pid: a positive process id.  => the pid, or exits */
static int
parse_pid(const char *s)
{
	char *end;
	long pid;

	errno = 0;
	pid = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || pid <= 0 || pid > 4194304)
		die(EXIT_USAGE, "not a process id: %s", s);
	return (int)pid;
}

/* ctl_or_die: call the runtime of pid, or explain why not */
static void
ctl_or_die(int pid, const struct ctl_request *rq, struct ctl_report *rep)
{
	int error = ctl_call(pid, rq, rep);

	if (error == -ESRCH)
		die(EXIT_USAGE, "no program under uao with pid %d", pid);
	if (error == -EPERM)
		die(EXIT_USAGE,
		    "the control directory is not private "
		    "(owned by someone else, or readable by others)");
	if (error != 0)
		die(1, "pid %d: %s", pid, strerror(-error));
}

int
cmd_stat(int argc, char **argv)
{
	struct ctl_request rq;
	struct ctl_report rep;
	bool json = false, check = false;
	int pid = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (strcmp(argv[i], "--check") == 0)
			check = true;
		else if (argv[i][0] == '-')
			die(EXIT_USAGE, "stat: unknown option: %s", argv[i]);
		else if (pid != 0)
			die(EXIT_USAGE, "stat: one PID only: %s", argv[i]);
		else
			pid = parse_pid(argv[i]);
	}
	if (pid == 0)
		die(EXIT_USAGE, "stat: which PID?");
	memset(&rq, 0, sizeof(rq));
	rq.cq_magic = CTL_MAGIC;
	rq.cq_op = check ? CTL_CHECK : CTL_STAT;
	ctl_or_die(pid, &rq, &rep);
	print_report(stdout, &rep, json);
	if (check) {
		if (rep.cr_error != 0) {
			printf("check: FAILED: %s\n", rep.cr_msg);
			return 1;
		}
		printf("check: every invariant holds\n");
	}
	return 0;
}

int
cmd_swapctl(int argc, char **argv)
{
	struct ctl_request rq;
	struct ctl_report rep;
	struct swap_spec ss;
	char why[256];
	int pid;

	if (argc < 3)
		die(EXIT_USAGE,
		    "swapctl: usage: uao swapctl PID --list | "
		    "--add FILE[:SIZE][:prio=N] | --remove FILE");
	pid = parse_pid(argv[1]);
	memset(&rq, 0, sizeof(rq));
	rq.cq_magic = CTL_MAGIC;
	if (strcmp(argv[2], "--list") == 0 && argc == 3) {
		rq.cq_op = CTL_STAT;
	} else if (strcmp(argv[2], "--add") == 0 && argc == 4) {
		if (parse_swap_spec(argv[3], &ss, why, sizeof(why)) != 0)
			die(EXIT_USAGE, "swapctl --add %s: %s", argv[3], why);
		rq.cq_op = CTL_SWAP_ADD;
		snprintf(rq.cq_path, sizeof(rq.cq_path), "%s", ss.ss_path);
		rq.cq_size = ss.ss_size;
		rq.cq_prio = ss.ss_prio;
	} else if (strcmp(argv[2], "--remove") == 0 && argc == 4) {
		rq.cq_op = CTL_SWAP_REMOVE;
		if (strlen(argv[3]) >= sizeof(rq.cq_path))
			die(EXIT_USAGE, "swapctl --remove: path too long");
		snprintf(rq.cq_path, sizeof(rq.cq_path), "%s", argv[3]);
	} else {
		die(EXIT_USAGE, "swapctl: bad arguments after %s", argv[1]);
	}
	ctl_or_die(pid, &rq, &rep);
	if (rep.cr_error != 0)
		die(1, "swapctl %s %s: %s", argv[2], argc > 3 ? argv[3] : "",
		    rep.cr_msg);
	print_swaplist(stdout, &rep);
	return 0;
}
