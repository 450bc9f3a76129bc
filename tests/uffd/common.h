/*
 * common.h: helpers shared by the uffd and integration suites, which
 * drive libuao through its public API on the real userfaultfd and real
 * swap files: page patterns, statistics identities, and the end-of-test
 * checks.
 */
#ifndef UAO_TESTS_UFFD_COMMON_H
#define UAO_TESTS_UFFD_COMMON_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dirent.h>
#include <sched.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/rng.h"
#include "uao/uao.h"

/* exported by libuao (src/uffd/threads_int.h): is tid a uao thread? */
bool uao_thread_is_ours(pid_t tid);

#define TPAGE 4096UL

/*
 * The 64-bit word w of page idx at generation gen.  Generation 0 is all
 * zeros (a page never written); every other generation differs from it
 * and from every other page's in every word.
 */
static inline uint64_t
pat_word(uint64_t idx, unsigned w, uint64_t gen)
{
	if (gen == 0)
		return 0;
	return rng_mix((idx << 32) ^ (gen << 12) ^ w) | 1; /* never zero */
}

static inline void
pat_fill(void *page, uint64_t idx, uint64_t gen)
{
	uint64_t *p = page;

	for (unsigned w = 0; w < TPAGE / 8; w++)
		p[w] = pat_word(idx, w, gen);
}

/* => -1 if page holds generation gen, else the first differing word */
static inline int
pat_check(const void *page, uint64_t idx, uint64_t gen)
{
	const volatile uint64_t *p = page;

	for (unsigned w = 0; w < TPAGE / 8; w++) {
		if (p[w] != pat_word(idx, w, gen))
			return (int)w;
	}
	return -1;
}

/*
 * sim_probe: can this machine run libuao at all?  => 0, or 77 (the
 * automake/meson "skipped" code) after saying why.  The probe runs in a
 * child, so that the caller has never had a machine when it forks its
 * tests (libuao's fork handlers then have nothing to do).
 */
static inline int
sim_probe(void)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		struct uao_sim *sim;
		int error = uao_sim_create(NULL, &sim);

		if (error == -EPERM || error == -ENOSYS ||
		    error == -EOPNOTSUPP) {
			printf("SKIP: uao_sim_create: %s\n",
			    uao_strerror(error));
			_exit(77);
		}
		if (error != 0) {
			printf("uao_sim_create: %s\n", uao_strerror(error));
			_exit(1);
		}
		_exit(uao_sim_destroy(sim) == 0 ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		exit(1);
	if (WEXITSTATUS(status) == 77)
		return 77;
	if (WEXITSTATUS(status) != 0)
		exit(1);
	return 0;
}

/* the fault identity of uao.h: faults = sum(by_kind) + stale */
static inline uint64_t
stats_kinds(const struct uao_stats *st)
{
	uint64_t sum = st->stale;

	for (int k = 0; k < UAO_FAULT_KINDS; k++)
		sum += st->by_kind[k];
	return sum;
}

/* uao_sim_check, retried while the machine is busy.  => its result */
static inline int
sim_check_quiet(struct uao_sim *sim, char *why, size_t len)
{
	int error;

	for (int i = 0; i < 1000; i++) {
		error = uao_sim_check(sim, why, len);
		if (error != -EAGAIN)
			return error;
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	return error;
}

/* uao threads of this process sitting in poll(2): idle fault handlers */
static inline int
idle_handlers(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		char path[64], buf[64];
		FILE *f;
		long nr;
		pid_t tid = (pid_t)atoi(de->d_name);

		if (tid <= 0 || !uao_thread_is_ours(tid))
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%d/syscall",
		    (int)tid);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		/* poll (7) or ppoll (271) on x86_64 */
		if (fgets(buf, sizeof(buf), f) != NULL &&
		    sscanf(buf, "%ld", &nr) == 1 && (nr == 7 || nr == 271))
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

/*
 * stats_settled: a snapshot of the counters once every fault handler is
 * back in poll(2).  A handler wakes the faulting thread when the page
 * is mapped and counts the fault just after, so a snapshot taken the
 * moment an access returns can miss that fault.  nhandlers is the
 * machine's handler count.  The program must not be faulting meanwhile.
 */
static inline void
stats_settled(struct uao_sim *sim, int nhandlers, struct uao_stats *st)
{
	for (long i = 0; i < 1000000 && idle_handlers() < nhandlers; i++)
		sched_yield();
	uao_sim_stats(sim, st);
}

#endif /* UAO_TESTS_UFFD_COMMON_H */
