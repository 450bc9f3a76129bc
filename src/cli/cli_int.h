/*
 * cli_int.h: the `uao' command's shared helpers.
 *
 * Every subcommand reports bad input as one line naming the value, on
 * stderr, and exits with status 2 (EXIT_USAGE).
 */
#ifndef UAO_CLI_CLI_INT_H
#define UAO_CLI_CLI_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

#include "base/size_int.h"
#include "uffd/ctl_proto.h"

#define EXIT_USAGE 2

/* die: print "uao: <message>" and exit with status */
void die(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/* fmt_bytes: "64.0 MiB" into buf */
const char *fmt_bytes(char *buf, size_t len, uint64_t bytes);

/*
 * Swap specs: FILE[:SIZE][:prio=N]
 */
struct swap_spec {
	char ss_path[256];
	uint64_t ss_size; /* 0: the file's own size */
	int ss_prio;
};

/* => 0, or -EINVAL with a reason in why */
int parse_swap_spec(const char *arg, struct swap_spec *ss, char *why,
    size_t whylen);

/*
 * swapcheck: would swap_on take this spec?  Looks only (swapcheck.c).
 * => 0 and *sc filled, or -errno with one phrase in why (the caller
 *    prefixes "--swap PATH: ").
 */
struct swapcheck_info {
	struct stat sc_st;	       /* lstat; st_mode 0: to be created */
	uint64_t sc_size;	       /* swap space it will give, bytes */
	bool sc_create;		       /* uao will create it */
	char sc_canon[PATH_MAX + 256]; /* sc_create: the real path */
};
int swapcheck(const struct swap_spec *ss, struct swapcheck_info *sc, char *why,
    size_t whylen);

/* lock_holder: the pid holding a flock(2) on st's file, from /proc/locks,
 * or 0 */
int lock_holder(const struct stat *st);
/* mount_point_of: where block device rdev is mounted.  => 1 (in buf) or 0 */
int mount_point_of(dev_t rdev, char *buf, size_t len);

/*
 * ctl_call: send a request to the runtime of process pid and read its
 * report.  => 0, or -errno (-ESRCH: no uao process of that pid).
 */
int ctl_call(int pid, const struct ctl_request *rq, struct ctl_report *rep);

/* print_report: the report as text (or JSON) on f */
void print_report(FILE *f, const struct ctl_report *rep, bool json);
/*
 * report_uao_share: of the program's own anonymous resident memory at
 * peak (all of it less uao's own), the share under uao: 0 to 1.
 */
double report_uao_share(const struct ctl_report *rep);
/* print_swaplist: the swap devices as a table */
void print_swaplist(FILE *f, const struct ctl_report *rep);

int cmd_mkswap(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_swapctl(int argc, char **argv);
int cmd_stress(int argc, char **argv);

#endif /* UAO_CLI_CLI_INT_H */
