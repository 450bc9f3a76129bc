/*
 * sim.c: helpers over a libuao machine, through its public API only
 * (see sim.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/sim.h"

int
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

uint64_t
stats_kinds(const struct uao_stats *st)
{
	uint64_t sum = st->stale;

	for (int k = 0; k < UAO_FAULT_KINDS; k++)
		sum += st->by_kind[k];
	return sum;
}

int
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
