/*
 * probe_int.h: the fault probes, where one swap-in's time goes.
 *
 * While probes are on (uao_probe_enable), each page fault a handler reads
 * claims a slot of a fixed ring at once, before it is served, and a
 * fault that turns out to be a swap-in with a read of its own leaves
 * there the page and four clock_now_ns times: (a) its message read,
 * (b) its read handed to io_uring, (c) the read reaped, (d) the page
 * mapped (the map-and-wake ioctl returned).  Other faults give their
 * slot back.  The program takes records out (uao_probe_take,
 * uao_probe_drain in uao.h).
 *
 * The slot is claimed before the faulting thread can be woken, and
 * filled after: the wake happens inside the ioctl, so the thread may run
 * before (d) is known.  A taker that finds its page's slot still
 * claimed waits for it (probe_take, and probe_drain for every fault
 * claimed before it began); one that finds no slot knows there is no
 * record.
 *
 * The ring is uao's private memory (kmem, allocated by uao_probe_enable
 * on a program thread), never region memory: a handler writes to it.
 * Nothing is allocated on the fault path.  It lives until
 * uao_sim_destroy, after the handlers are stopped, so a handler that
 * read the ring's pointer just before uao_probe_disable still writes to
 * live memory.
 *
 * Field protection:  I = immutable after probe_ring_new,  a = atomic,
 *                    s = owned by whoever moved ps_state to PS_BUSY,
 *                        PS_PENDING's handler, or PS_TAKING's taker
 */
#ifndef UAO_UFFD_PROBE_INT_H
#define UAO_UFFD_PROBE_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct swap_iotimes;
struct uao_probe_record;

/* the most records a ring holds (uao_probe_enable: -EINVAL beyond) */
#define PROBE_MAX_RECORDS (1 << 20)

/* a slot's states */
enum probe_state {
	PS_FREE,    /* nothing */
	PS_BUSY,    /* a handler is writing ps_page */
	PS_PENDING, /* ps_page's fault is being served */
	PS_DONE,    /* a record, to be taken */
	PS_TAKING,  /* a taker is copying it out */
};

struct probe_slot {
	atomic_int ps_state;	   /* a: enum probe_state */
	_Atomic uintptr_t ps_page; /* a, s: the faulting page; takers peek */
	uint64_t ps_msgread;	   /* s: (a) */
	uint64_t ps_submit;	   /* s: (b) */
	uint64_t ps_iodone;	   /* s: (c) */
	uint64_t ps_mapped;	   /* s: (d) */
};

struct probe_ring {
	int pr_nslots;			 /* I */
	atomic_uint_fast64_t pr_next;	 /* a: the next slot to claim */
	atomic_uint_fast64_t pr_records; /* a: records left */
	atomic_uint_fast64_t pr_lost;	 /* a: overwritten unread, or no slot */
	atomic_uint_fast64_t pr_noio;	 /* a: swap-ins read by another */
	struct probe_slot pr_slots[];	 /* pr_nslots */
};

/*
 * probe_ring_new: a ring of nslots, all free.
 * => returns NULL if no memory.  Program thread only (kmem_zalloc).
 * probe_ring_free: free it.  => no handler may use it any more.
 */
struct probe_ring *probe_ring_new(int nslots);
void probe_ring_free(struct probe_ring *pr);

/*
 * probe_claim: a handler read a fault on page at time msgread: claim a
 * slot for it.
 * => returns the slot, or NULL (counted in pr_lost) if the slot next
 *    in turn is claimed or being taken: a full ring drops new faults.
 *    A record nobody took is overwritten, oldest first (also counted).
 * => lock-free, no allocation: for fault-handler threads.
 */
struct probe_slot *
probe_claim(struct probe_ring *pr, uintptr_t page, uint64_t msgread);

/*
 * probe_finish: the claimed fault is served: keep the record if it was
 * a swap-in whose read it made itself (iot set), else free the slot.
 * => swapin: the fault read the page from swap.  mapped: (d).
 * => lock-free, no allocation: for fault-handler threads.
 */
void probe_finish(struct probe_ring *pr, struct probe_slot *ps, bool swapin,
    const struct swap_iotimes *iot, uint64_t mapped);

/*
 * probe_take: take out the record of page, waiting while a handler is
 * still serving a fault there.
 * => returns 0 (*rec filled), or -ENOENT.  Any thread; O(slots).
 */
int
probe_take(struct probe_ring *pr, uintptr_t page, struct uao_probe_record *rec);

/*
 * probe_drain: take out up to max records, oldest slot first, waiting
 * for a fault still being served in a slot it reaches (as probe_take does
 * for its page), so that every fault claimed before the call is in.
 * => returns the number taken.  Any thread; O(slots).
 */
int probe_drain(struct probe_ring *pr, struct uao_probe_record *recs, int max);

#endif /* UAO_UFFD_PROBE_INT_H */
