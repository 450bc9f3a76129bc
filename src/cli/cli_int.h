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
#include <stdio.h>

#include "size_int.h"
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
 * ctl_call: send a request to the runtime of process pid and read its
 * report.  => 0, or -errno (-ESRCH: no uao process of that pid).
 */
int ctl_call(int pid, const struct ctl_request *rq, struct ctl_report *rep);

/* print_report: the report as text (or JSON) on f */
void print_report(FILE *f, const struct ctl_report *rep, bool json);
/* print_swaplist: the swap devices as a table */
void print_swaplist(FILE *f, const struct ctl_report *rep);

int cmd_run(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_swapctl(int argc, char **argv);
int cmd_stress(int argc, char **argv);

#endif /* UAO_CLI_CLI_INT_H */
