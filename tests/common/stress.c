/*
 * stress.c: the timed stress runs of the machine suite (see stress.h).
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/pattern.h"
#include "common/sim.h"
#include "common/stress.h"

atomic_int stress_stop;

void
stress_fail(struct stress_err *e, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (e->se_msg[0] == '\0') {
		n = snprintf(e->se_msg, sizeof(e->se_msg),
		    "worker %d: ", e->se_worker);
		va_start(ap, fmt);
		vsnprintf(e->se_msg + n, sizeof(e->se_msg) - (size_t)n, fmt,
		    ap);
		va_end(ap);
	}
	atomic_store(&stress_stop, 1);
}

static unsigned
env_unsigned(const char *name, unsigned dflt)
{
	const char *s = getenv(name);

	return s != NULL && *s != '\0' ? (unsigned)strtoul(s, NULL, 0) : dflt;
}

void
stress_begin(struct stress_run *run, size_t ram, size_t swap_pages)
{
	struct uao_config cfg = { .ram_bytes = ram };
	int error;

	run->sr_seconds = env_unsigned("UAO_STRESS_SECONDS", 6);
	run->sr_seed = env_unsigned("UAO_STRESS_SEED", (unsigned)time(NULL));
	printf("seed %llu (UAO_STRESS_SEED repeats it), %u s\n",
	    (unsigned long long)run->sr_seed, run->sr_seconds);
	fflush(stdout);
	error = uao_sim_create(&cfg, &run->sr_sim);
	ck_assert_msg(error == 0, "uao_sim_create: %s", uao_strerror(error));
	error = uao_swap_add(run->sr_sim, NULL, swap_pages * TPAGE, 0, 0);
	ck_assert_msg(error > 0, "uao_swap_add: %s", uao_strerror(error));
	atomic_store(&stress_stop, 0);
}

void
stress_wait(const struct stress_run *run)
{
	for (unsigned s = 0;
	     s < run->sr_seconds * 10 && !atomic_load(&stress_stop); s++) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	atomic_store(&stress_stop, 1);
}

void
stress_assert_ok(const struct stress_run *run, const struct stress_err *e)
{
	ck_assert_msg(e->se_msg[0] == '\0', "%s (seed %llu)", e->se_msg,
	    (unsigned long long)run->sr_seed);
}

void
stress_end(struct stress_run *run)
{
	sim_assert_consistent(run->sr_sim);
	ck_assert_int_eq(uao_sim_destroy(run->sr_sim), 0);
	run->sr_sim = NULL;
}
