/*
 * settle.c: waiting for a libuao machine's fault handlers to be idle
 * (see sim.h).  Needs uao_thread_is_ours, from libuao's static libraries.
 */
#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/sim.h"

int
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
		/*
		 * An idle handler sleeps in epoll_wait: epoll_wait (232),
		 * epoll_pwait (281) or epoll_pwait2 (441) on x86_64, as
		 * the C library calls it.
		 */
		if (fgets(buf, sizeof(buf), f) != NULL &&
		    sscanf(buf, "%ld", &nr) == 1 &&
		    (nr == 232 || nr == 281 || nr == 441))
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

void
stats_settled(struct uao_sim *sim, int nhandlers, struct uao_stats *st)
{
	for (long i = 0; i < 1000000 && idle_handlers() < nhandlers; i++)
		sched_yield();
	uao_sim_stats(sim, st);
}
