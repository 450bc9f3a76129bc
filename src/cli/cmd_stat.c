/*
 * cmd_stat.c: `uao stat [--json] [--check] PID': the statistics of a
 * running program.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_int.h"

/* `uao stat --check': asks while the program is too busy (about 5 s) */
#define STAT_CHECK_TRIES 300
/* its exit status when the program never held still: no verdict */
#define STAT_EXIT_BUSY 3

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
	/*
	 * The recount needs every object locked at once; a busy program
	 * holds some, and the runtime says -EAGAIN ("try again"), which is
	 * no verdict.  Ask again, backing off, until it holds still.
	 */
	for (int tries = 1;
	     check && rep.cr_error == -EAGAIN && tries < STAT_CHECK_TRIES;
	     tries++) {
		usleep((useconds_t)(tries < 20 ? 1000 * tries : 20000));
		ctl_or_die(pid, &rq, &rep);
	}
	print_report(stdout, &rep, json);
	if (!check)
		return 0;
	if (rep.cr_error == -EAGAIN) {
		printf("check: not done: pid %d was too busy to hold still for "
		       "a recount (%d tries); nothing is known to be wrong\n",
		    pid, STAT_CHECK_TRIES);
		return STAT_EXIT_BUSY;
	}
	if (rep.cr_error != 0) {
		printf("check: FAILED: %s\n",
		    rep.cr_msg[0] != '\0' ? rep.cr_msg
					  : strerror(-rep.cr_error));
		return 1;
	}
	printf("check: every invariant holds\n");
	return 0;
}

/*
 * swapctl_find: the device of rep that arg names: its path as listed,
 * the absolute form of a relative path, or its id.  => id, or 0.
 */
static int
swapctl_find(const struct ctl_report *rep, const char *arg, const char *abs)
{
	char *end;
	long id;

	for (int i = 0; i < rep->cr_nswap; i++) {
		if (strcmp(rep->cr_swap[i].path, arg) == 0 ||
		    strcmp(rep->cr_swap[i].path, abs) == 0)
			return rep->cr_swap[i].id;
	}
	id = strtol(arg, &end, 10);
	if (*arg != '\0' && *end == '\0') {
		for (int i = 0; i < rep->cr_nswap; i++) {
			if (rep->cr_swap[i].id == id)
				return (int)id;
		}
	}
	return 0;
}

/*
 * swapctl_fail: the runtime refused: one line saying what that means
 * for the device, and the exit status: 2 for a request that names
 * something wrong, 1 when the program's state refused it.
 */
static void __attribute__((noreturn))
swapctl_fail(int pid, const char *op, const char *what, int error)
{
	switch (-error) {
	case ENXIO:
		die(EXIT_USAGE,
		    "swapctl %s %s: pid %d has no such swap device "
		    "(see uao swapctl %d --list)",
		    op, what, pid, pid);
	case ENOMEM:
		die(1,
		    "swapctl %s %s: not enough memory (RAM limit and the other "
		    "swap devices) to take its pages back (ENOMEM); the device "
		    "stays on and in use",
		    op, what);
	case EBUSY:
		if (strcmp(op, "--add") == 0)
			die(EXIT_USAGE,
			    "swapctl --add %s: in use as swap by another "
			    "process",
			    what);
		die(1,
		    "swapctl %s %s: slots still held for a forked child that "
		    "reads them (EBUSY); the device stays on: retry when the "
		    "child has exited",
		    op, what);
	case EEXIST:
		die(EXIT_USAGE,
		    "swapctl --add %s: already a swap device of pid %d", what,
		    pid);
	case EINVAL:
		die(EXIT_USAGE,
		    "swapctl %s %s: not usable as swap (a regular file or "
		    "block device, with a size of at least 4 KiB)",
		    op, what);
	case EOPNOTSUPP:
		die(EXIT_USAGE,
		    "swapctl %s %s: the filesystem does not support O_DIRECT "
		    "or preallocation",
		    op, what);
	case ENOSPC:
		die(1, "swapctl %s %s: no room for it (ENOSPC)", op, what);
	case EMEDIUMTYPE:
		die(EXIT_USAGE,
		    "swapctl %s %s: no uao swap signature; uao writes only to "
		    "files it creates or that `uao mkswap' made",
		    op, what);
	case EUCLEAN:
		die(EXIT_USAGE,
		    "swapctl %s %s: a damaged uao swap signature; make it "
		    "again with `uao mkswap'",
		    op, what);
	case EFBIG:
		die(EXIT_USAGE,
		    "swapctl %s %s: beyond the device's swap area (its "
		    "signature's size)",
		    op, what);
	case ELOOP:
		die(EXIT_USAGE,
		    "swapctl %s %s: a symbolic link; name the file or device "
		    "itself",
		    op, what);
	case ENOENT:
	case EACCES:
	case EPERM:
	case EROFS:
	case EISDIR:
	case ENOTDIR:
		die(EXIT_USAGE, "swapctl %s %s: %s", op, what,
		    strerror(-error));
	default:
		die(1, "swapctl %s %s: %s", op, what, strerror(-error));
	}
}

/*
 * swapctl_precheck: --add FILE as `uao run' checks --swap, here, so
 * that a refusal names why (the runtime can only return an errno).  A
 * file pid itself holds is left for the runtime to call EEXIST.
 */
static void
swapctl_precheck(int pid, struct swap_spec *ss)
{
	struct swapcheck_info sc;
	char why[512];
	int error = swapcheck(ss, &sc, why, sizeof(why));

	if (error == -EBUSY && sc.sc_st.st_mode != 0 &&
	    lock_holder(&sc.sc_st) == pid)
		return;
	if (error != 0)
		die(EXIT_USAGE, "swapctl --add %s: %s", ss->ss_path, why);
	ss->ss_size = sc.sc_size;
}

int
cmd_swapctl(int argc, char **argv)
{
	struct ctl_request rq;
	struct ctl_report rep;
	struct swap_spec ss;
	char why[256];
	int pid, id;

	if (argc < 3)
		die(EXIT_USAGE,
		    "swapctl: usage: uao swapctl PID --list | "
		    "--add FILE[:SIZE][:prio=N] | --remove FILE|ID");
	pid = parse_pid(argv[1]);
	memset(&rq, 0, sizeof(rq));
	rq.cq_magic = CTL_MAGIC;
	if (strcmp(argv[2], "--list") == 0 && argc == 3) {
		rq.cq_op = CTL_STAT;
	} else if (strcmp(argv[2], "--add") == 0 && argc == 4) {
		if (parse_swap_spec(argv[3], &ss, why, sizeof(why)) != 0)
			die(EXIT_USAGE, "swapctl --add %s: %s", argv[3], why);
		swapctl_precheck(pid, &ss);
		rq.cq_op = CTL_SWAP_ADD;
		snprintf(rq.cq_path, sizeof(rq.cq_path), "%s", ss.ss_path);
		rq.cq_size = ss.ss_size;
		rq.cq_prio = ss.ss_prio;
	} else if (strcmp(argv[2], "--remove") == 0 && argc == 4) {
		/* name the device by id: the list says which one is meant */
		if (parse_swap_spec(argv[3], &ss, why, sizeof(why)) != 0)
			die(EXIT_USAGE, "swapctl --remove %s: %s", argv[3],
			    why);
		rq.cq_op = CTL_STAT;
		ctl_or_die(pid, &rq, &rep);
		id = swapctl_find(&rep, argv[3], ss.ss_path);
		if (id == 0)
			swapctl_fail(pid, argv[2], argv[3], -ENXIO);
		rq.cq_op = CTL_SWAP_REMOVE;
		rq.cq_id = id;
	} else if (strcmp(argv[2], "--list") != 0 &&
	    strcmp(argv[2], "--add") != 0 && strcmp(argv[2], "--remove") != 0) {
		die(EXIT_USAGE,
		    "swapctl: unknown option %s (--list, --add "
		    "FILE[:SIZE][:prio=N], --remove FILE|ID)",
		    argv[2]);
	} else {
		die(EXIT_USAGE, "swapctl %s: %s", argv[2],
		    strcmp(argv[2], "--list") == 0 ? "takes no argument"
						   : "takes one argument");
	}
	ctl_or_die(pid, &rq, &rep);
	if (rep.cr_error != 0)
		swapctl_fail(pid, argv[2], argc > 3 ? argv[3] : "",
		    rep.cr_error);
	print_swaplist(stdout, &rep);
	return 0;
}
