/*
 * sim_assert.c: the libcheck side of sim.h (a failed check fails the
 * test); apart from sim.c, which programs without libcheck link.
 */
#include <check.h>

#include "common/sim.h"

void
sim_assert_consistent(struct uao_sim *sim)
{
	char why[512] = "";
	int error = sim_check_quiet(sim, why, sizeof(why));

	ck_assert_msg(error == 0, "uao_sim_check: %s: %s", uao_strerror(error),
	    why);
}
