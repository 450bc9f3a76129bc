/*
 * util.c: messages, sizes and swap specs for the `uao' command.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli_int.h"

void
die(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("uao: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

const char *
fmt_bytes(char *buf, size_t len, uint64_t bytes)
{
	static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

int
parse_swap_spec(const char *arg, struct swap_spec *ss, char *why, size_t whylen)
{
	char copy[512], *part, *save = NULL;
	int n = 0;

	memset(ss, 0, sizeof(*ss));
	if (strlen(arg) >= sizeof(copy) || arg[0] == '\0' || arg[0] == ':') {
		snprintf(why, whylen, "a swap file path is needed");
		return -EINVAL;
	}
	snprintf(copy, sizeof(copy), "%s", arg);
	for (part = strtok_r(copy, ":", &save); part != NULL;
	     part = strtok_r(NULL, ":", &save), n++) {
		if (n == 0) {
			if (strlen(part) >= sizeof(ss->ss_path)) {
				snprintf(why, whylen, "path too long");
				return -EINVAL;
			}
			snprintf(ss->ss_path, sizeof(ss->ss_path), "%s", part);
		} else if (strncmp(part, "prio=", 5) == 0) {
			char *end;
			long p = strtol(part + 5, &end, 10);

			if (part[5] == '\0' || *end != '\0' || p < -1000000 ||
			    p > 1000000) {
				snprintf(why, whylen, "bad priority \"%s\"",
				    part + 5);
				return -EINVAL;
			}
			ss->ss_prio = (int)p;
		} else if (n == 1) {
			if (parse_size(part, &ss->ss_size) != 0 ||
			    ss->ss_size == 0 || ss->ss_size % 4096 != 0) {
				snprintf(why, whylen,
				    "bad size \"%s\" (a multiple of 4 KiB, "
				    "e.g. 512M)",
				    part);
				return -EINVAL;
			}
			/* slots are ints; swap_on takes INT_MAX / 2 */
			if (ss->ss_size / 4096 > INT_MAX / 2) {
				snprintf(why, whylen,
				    "size \"%s\" too large (below 4T per "
				    "device)",
				    part);
				return -EINVAL;
			}
		} else {
			snprintf(why, whylen, "unexpected \"%s\"", part);
			return -EINVAL;
		}
	}
	/*
	 * The runtime opens the file in the program's process, whose
	 * working directory may differ (and `uao swapctl' runs elsewhere):
	 * name it absolutely, as lists and --remove will show it.
	 */
	if (ss->ss_path[0] != '/') {
		char cwd[PATH_MAX], abs[PATH_MAX + 256];

		if (getcwd(cwd, sizeof(cwd)) == NULL) {
			snprintf(why, whylen,
			    "cannot name the current directory");
			return -EINVAL;
		}
		snprintf(abs, sizeof(abs), "%s/%s", strcmp(cwd, "/") ? cwd : "",
		    ss->ss_path);
		if (strlen(abs) >= sizeof(ss->ss_path)) {
			snprintf(why, whylen, "path too long");
			return -EINVAL;
		}
		snprintf(ss->ss_path, sizeof(ss->ss_path), "%s", abs);
	}
	return 0;
}
