/*
 * breakdown.c: where one swap-in's time goes, from uao's fault probes.
 *
 * The faulting thread takes t0 before an access and t5 after it; for an
 * access that faulted it takes its fault's record out of the probe ring
 * (uao_probe_take, which waits if the handler has not filled it yet) and
 * adds each stage to its own histogram.  A faulting access with no
 * record (a soft fault, a read-ahead hit, a fault that waited for another
 * thread's read) is counted, not hidden.
 */
#include "bench/bench.h"

const char *const stage_name[S_N] = { "trap -> message read (a - t0)",
	"queueing (b - a)", "I/O (c - b)", "map (d - c)", "wake-up (t5 - d)" };

int
breakdown_begin(struct breakdown *b, struct uao_sim *sim)
{
	int err = uao_probe_enable(sim, BREAKDOWN_RING);

	b->b_on = err == 0;
	return err;
}

/* y - x, or 0 if the clocks of two threads say y came first */
static uint64_t
span(uint64_t x, uint64_t y)
{
	return y > x ? y - x : 0;
}

void
breakdown_access(struct breakdown *b, struct uao_sim *sim, const void *addr,
    uint64_t t0, uint64_t t5)
{
	struct uao_probe_record rec;

	if (!b->b_on)
		return;
	if (uao_probe_take(sim, addr, &rec) != 0) {
		b->b_missing++;
		return;
	}
	hist_add(&b->b_stage[S_TRAP], span(t0, rec.msgread_ns));
	hist_add(&b->b_stage[S_QUEUE], rec.submit_ns - rec.msgread_ns);
	hist_add(&b->b_stage[S_IO], rec.iodone_ns - rec.submit_ns);
	hist_add(&b->b_stage[S_MAP], rec.mapped_ns - rec.iodone_ns);
	/* woken inside the ioctl, the thread may run before (d) */
	if (t5 < rec.mapped_ns)
		b->b_early_wake++;
	hist_add(&b->b_stage[S_WAKE], span(rec.mapped_ns, t5));
	hist_add(&b->b_total, t5 - t0);
}

void
breakdown_end(struct breakdown *b, struct uao_sim *sim, uint64_t lost0)
{
	struct uao_probe_record rec[16];
	struct uao_stats st;
	int n;

	if (!b->b_on)
		return;
	uao_probe_disable(sim);
	/* records no access claimed: swap-ins we did not see fault */
	while ((n = uao_probe_drain(sim, rec, 16)) > 0)
		b->b_lost += (uint64_t)n;
	uao_sim_stats(sim, &st);
	b->b_lost += st.probe_lost - lost0;
}
