/*
 * probe.c: the fault probes' ring (see probe_int.h) and their public
 * API, uao_probe_* (include/uao/uao.h).
 *
 * No lock: each slot is a small state machine moved by compare-and-swap
 * (FREE or DONE -> BUSY -> PENDING -> DONE or FREE by its handler; DONE
 * -> TAKING -> FREE by a taker), so a handler never waits for a taker
 * and a taker waits only for the one fault it is after.
 */
#include <errno.h>
#include <sched.h>

#include "base/kmem_int.h"
#include "base/param_int.h"
#include "swapdev/swap_int.h"
#include "uffd/probe_int.h"
#include "uffd/sim_int.h"
#include "uao/uao.h"

struct probe_ring *
probe_ring_new(int nslots)
{
	struct probe_ring *pr;

	pr = kmem_zalloc(1,
	    sizeof(*pr) + (size_t)nslots * sizeof(pr->pr_slots[0]));
	if (pr == NULL)
		return NULL;
	pr->pr_nslots = nslots;
	return pr;
}

void
probe_ring_free(struct probe_ring *pr)
{
	kmem_free(pr);
}

/* probe_cas: move ps from state `from' to `to'.  => true if it was there */
static bool
probe_cas(struct probe_slot *ps, int from, int to)
{
	return atomic_compare_exchange_strong_explicit(&ps->ps_state, &from, to,
	    memory_order_acquire, memory_order_relaxed);
}

struct probe_slot *
probe_claim(struct probe_ring *pr, uintptr_t page, uint64_t msgread)
{
	uint64_t i =
	    atomic_fetch_add_explicit(&pr->pr_next, 1, memory_order_relaxed);
	struct probe_slot *ps = &pr->pr_slots[i % (uint64_t)pr->pr_nslots];

	if (!probe_cas(ps, PS_FREE, PS_BUSY)) {
		if (!probe_cas(ps, PS_DONE, PS_BUSY)) {
			/* claimed by a slow fault, or being taken */
			atomic_fetch_add_explicit(&pr->pr_lost, 1,
			    memory_order_relaxed);
			return NULL;
		}
		/* the oldest record, never taken: lost to a newer fault */
		atomic_fetch_sub_explicit(&pr->pr_records, 1,
		    memory_order_relaxed);
		atomic_fetch_add_explicit(&pr->pr_lost, 1,
		    memory_order_relaxed);
	}
	atomic_store_explicit(&ps->ps_page, page, memory_order_relaxed);
	ps->ps_msgread = msgread;
	/* a taker that sees PENDING reads ps_page: publish it first */
	atomic_store_explicit(&ps->ps_state, PS_PENDING, memory_order_release);
	return ps;
}

void
probe_finish(struct probe_ring *pr, struct probe_slot *ps, bool swapin,
    const struct swap_iotimes *iot, uint64_t mapped)
{
	if (!swapin || iot->it_submit == 0) {
		/*
		 * Not a swap-in, or one whose page another thread was
		 * reading (the fault waited on the busy page): no stages
		 * of its own to tell.
		 */
		if (swapin)
			atomic_fetch_add_explicit(&pr->pr_noio, 1,
			    memory_order_relaxed);
		atomic_store_explicit(&ps->ps_state, PS_FREE,
		    memory_order_release);
		return;
	}
	ps->ps_submit = iot->it_submit;
	ps->ps_iodone = iot->it_done;
	ps->ps_mapped = mapped;
	atomic_fetch_add_explicit(&pr->pr_records, 1, memory_order_relaxed);
	atomic_store_explicit(&ps->ps_state, PS_DONE, memory_order_release);
}

/* probe_copy: a slot in state TAKING (ours) out to rec, and free it */
static void
probe_copy(struct probe_ring *pr, struct probe_slot *ps,
    struct uao_probe_record *rec)
{
	rec->addr =
	    (void *)atomic_load_explicit(&ps->ps_page, memory_order_relaxed);
	rec->msgread_ns = ps->ps_msgread;
	rec->submit_ns = ps->ps_submit;
	rec->iodone_ns = ps->ps_iodone;
	rec->mapped_ns = ps->ps_mapped;
	atomic_fetch_sub_explicit(&pr->pr_records, 1, memory_order_relaxed);
	atomic_store_explicit(&ps->ps_state, PS_FREE, memory_order_release);
}

int
probe_take(struct probe_ring *pr, uintptr_t page, struct uao_probe_record *rec)
{
	bool pending;

	do {
		/* from the slot next in turn: the oldest claim first */
		uint64_t next =
		    atomic_load_explicit(&pr->pr_next, memory_order_relaxed);

		pending = false;
		for (int k = 0; k < pr->pr_nslots; k++) {
			struct probe_slot *ps =
			    &pr->pr_slots[(next + (uint64_t)k) %
				(uint64_t)pr->pr_nslots];
			int st = atomic_load_explicit(&ps->ps_state,
			    memory_order_acquire);

			if ((st != PS_PENDING && st != PS_DONE) ||
			    atomic_load_explicit(&ps->ps_page,
				memory_order_relaxed) != page)
				continue;
			if (st == PS_PENDING) {
				pending = true;
				continue;
			}
			if (!probe_cas(ps, PS_DONE, PS_TAKING))
				continue;
			/* overwritten and refilled since we looked? */
			if (atomic_load_explicit(&ps->ps_page,
				memory_order_relaxed) != page) {
				atomic_store_explicit(&ps->ps_state, PS_DONE,
				    memory_order_release);
				continue;
			}
			probe_copy(pr, ps, rec);
			return 0;
		}
		/*
		 * A fault on the page is still being served: its handler
		 * woke the faulting thread inside the map ioctl and fills
		 * (d) once that returns.
		 */
		if (pending)
			sched_yield();
	} while (pending);
	return -ENOENT;
}

/*
 * probe_wait_served: a drain that began when pr_next was start reached
 * ps: while a fault is being served there, wait for it.  That is every
 * fault claimed before the drain, and any claimed since in a slot not yet
 * reached, each for as long as its service takes; once the ring has
 * turned over since start, the slot's fault is a newer one, not waited for.
 */
static void
probe_wait_served(struct probe_ring *pr, struct probe_slot *ps, uint64_t start)
{
	while (atomic_load_explicit(&ps->ps_state, memory_order_acquire) ==
	    PS_PENDING) {
		if (atomic_load_explicit(&pr->pr_next, memory_order_relaxed) -
			start >=
		    (uint64_t)pr->pr_nslots)
			return;
		sched_yield();
	}
}

int
probe_drain(struct probe_ring *pr, struct uao_probe_record *recs, int max)
{
	uint64_t next =
	    atomic_load_explicit(&pr->pr_next, memory_order_relaxed);
	int n = 0;

	/* from the slot next in turn: the oldest claim */
	for (int k = 0; k < pr->pr_nslots && n < max; k++) {
		struct probe_slot *ps = &pr->pr_slots[(next + (uint64_t)k) %
		    (uint64_t)pr->pr_nslots];

		/*
		 * A fault whose thread is already woken may not have filled
		 * (d) yet (probe_int.h): wait for it, so that a drain after
		 * the program's accesses returns all of their records.
		 */
		probe_wait_served(pr, ps, next);
		if (probe_cas(ps, PS_DONE, PS_TAKING))
			probe_copy(pr, ps, &recs[n++]);
	}
	return n;
}

/*
 * The public API
 */

/* the ring of sim, enabled or not, or NULL if probes never were */
static struct probe_ring *
probe_ring_of(struct uao_sim *sim)
{
	return atomic_load_explicit(&sim->us_probe_ring, memory_order_acquire);
}

int
uao_probe_enable(struct uao_sim *sim, int nrecords)
{
	struct probe_ring *pr, *none = NULL;

	if (nrecords < 1 || nrecords > PROBE_MAX_RECORDS)
		return -EINVAL;
	pr = probe_ring_of(sim);
	if (pr == NULL) {
		pr = probe_ring_new(nrecords);
		if (pr == NULL)
			return -ENOMEM;
		/* two first enables at once: one ring wins */
		if (!atomic_compare_exchange_strong(&sim->us_probe_ring, &none,
			pr)) {
			probe_ring_free(pr);
			pr = none;
		}
	}
	if (pr->pr_nslots != nrecords)
		return -EBUSY;
	atomic_store_explicit(&sim->us_probe, pr, memory_order_release);
	return 0;
}

int
uao_probe_disable(struct uao_sim *sim)
{
	/* the ring stays: handlers may hold its pointer (probe_int.h) */
	atomic_store_explicit(&sim->us_probe, NULL, memory_order_release);
	return 0;
}

int
uao_probe_take(struct uao_sim *sim, const void *addr,
    struct uao_probe_record *rec)
{
	struct probe_ring *pr = probe_ring_of(sim);

	if (rec == NULL)
		return -EINVAL;
	if (pr == NULL)
		return -ENOENT;
	return probe_take(pr, (uintptr_t)addr & ~(uintptr_t)PAGE_MASK, rec);
}

int
uao_probe_drain(struct uao_sim *sim, struct uao_probe_record *recs, int max)
{
	struct probe_ring *pr = probe_ring_of(sim);

	if (max < 0 || (recs == NULL && max > 0))
		return -EINVAL;
	if (pr == NULL)
		return 0;
	return probe_drain(pr, recs, max);
}
