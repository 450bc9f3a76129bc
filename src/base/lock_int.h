/*
 * lock_int.h: locks that know their owner, assertions, and panic.
 *
 * UVM's simple_lock becomes a pthread mutex that records which thread
 * holds it, so that "=> object must be locked" contracts are checked by
 * assertions (KASSERT(uvm_lock_held(...))) rather than trusted.
 *
 * Nothing here allocates memory or formats through stdio: these are
 * called from fault-handler threads, which must never touch memory that
 * a registered region could back (see DESIGN.md section 7).
 */
#ifndef UAO_BASE_LOCK_INT_H
#define UAO_BASE_LOCK_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdnoreturn.h>

/*
 * uvm_panic: report a broken invariant and abort.
 *
 * => writes "uao: panic: <func>: <msg>" to stderr with write(2) only.
 * => never returns.
 */
noreturn void uvm_panic(const char *func, const char *msg);

/*
 * uvm_panic_hook: if set, run by uvm_panic after the message and before
 * abort, once: the runtime removes its control socket there, so that a
 * panic leaves nothing behind.  It must not take locks or allocate.
 */
extern void (*uvm_panic_hook)(void);

#define KASSERT(e)                                                             \
	((e) ? (void)0 : uvm_panic(__func__, "assertion \"" #e "\" failed"))

/*
 * Lock ranks: the pager's part of the one lock order (uvm_int.h), as
 * numbers that uvm_lock checks.  A thread that holds a lock of some rank
 * may wait for a lock of the same or a higher rank only; going against
 * the order takes uvm_trylock, which is not checked (it cannot deadlock).
 * UL_RANK_NONE locks (the swap layer's, the machine's leaf locks) are not
 * checked.
 */
enum uvm_lock_rank {
	UL_RANK_NONE,
	UL_RANK_OBJECT, /* vmobjlock */
	UL_RANK_LIST,	/* uvm->uao_list_lock */
	UL_RANK_PQ,	/* uvm->pq_lock */
	UL_NRANKS
};

struct uvm_lock {
	pthread_mutex_t ul_mutex;
	atomic_ulong ul_owner;	    /* pthread_self() of the holder, or 0 */
	enum uvm_lock_rank ul_rank; /* I */
};

/*
 * The ranked locks the calling thread holds, per rank.  initial-exec: no
 * lazy allocation on a fault-handler thread's first lock.
 */
extern _Thread_local unsigned int uvm_lock_nheld[UL_NRANKS]
    __attribute__((tls_model("initial-exec")));

static inline unsigned long
uvm_lock_self(void)
{
	return (unsigned long)pthread_self();
}

/* uvm_lock_init_rank: a lock of the given rank, not held. */
static inline void
uvm_lock_init_rank(struct uvm_lock *l, enum uvm_lock_rank rank)
{
	if (pthread_mutex_init(&l->ul_mutex, NULL) != 0)
		uvm_panic(__func__, "pthread_mutex_init failed");
	atomic_init(&l->ul_owner, 0);
	l->ul_rank = rank;
}

/* uvm_lock_init: a lock outside the checked ranks, not held. */
static inline void
uvm_lock_init(struct uvm_lock *l)
{
	uvm_lock_init_rank(l, UL_RANK_NONE);
}

/*
 * uvm_lock_order_check: about to wait for l.
 * => panics if the calling thread holds a ranked lock that comes after l
 *    in the lock order.
 */
static inline void
uvm_lock_order_check(const struct uvm_lock *l)
{
	if (l->ul_rank == UL_RANK_NONE)
		return;
	for (int r = l->ul_rank + 1; r < UL_NRANKS; r++) {
		if (uvm_lock_nheld[r] != 0)
			uvm_panic(__func__,
			    "lock order: waiting for a lock while holding one "
			    "that comes after it (see uvm_int.h)");
	}
}

static inline void
uvm_lock_destroy(struct uvm_lock *l)
{
	KASSERT(atomic_load_explicit(&l->ul_owner, memory_order_relaxed) == 0);
	pthread_mutex_destroy(&l->ul_mutex);
}

static inline void
uvm_lock(struct uvm_lock *l)
{
	uvm_lock_order_check(l);
	if (pthread_mutex_lock(&l->ul_mutex) != 0)
		uvm_panic(__func__, "pthread_mutex_lock failed");
	atomic_store_explicit(&l->ul_owner, uvm_lock_self(),
	    memory_order_relaxed);
	uvm_lock_nheld[l->ul_rank]++;
}

static inline bool
uvm_trylock(struct uvm_lock *l)
{
	if (pthread_mutex_trylock(&l->ul_mutex) != 0)
		return false;
	atomic_store_explicit(&l->ul_owner, uvm_lock_self(),
	    memory_order_relaxed);
	uvm_lock_nheld[l->ul_rank]++;
	return true;
}

/* uvm_lock_held: true if the calling thread holds l. */
static inline bool
uvm_lock_held(struct uvm_lock *l)
{
	return atomic_load_explicit(&l->ul_owner, memory_order_relaxed) ==
	    uvm_lock_self();
}

static inline void
uvm_unlock(struct uvm_lock *l)
{
	KASSERT(uvm_lock_held(l));
	uvm_lock_nheld[l->ul_rank]--;
	atomic_store_explicit(&l->ul_owner, 0, memory_order_relaxed);
	pthread_mutex_unlock(&l->ul_mutex);
}

/*
 * uvm_cond_wait: sleep on cv, releasing l while asleep.
 *
 * => l held on entry and on return (it is dropped while sleeping).
 */
static inline void
uvm_cond_wait(pthread_cond_t *cv, struct uvm_lock *l)
{
	KASSERT(uvm_lock_held(l));
	atomic_store_explicit(&l->ul_owner, 0, memory_order_relaxed);
	pthread_cond_wait(cv, &l->ul_mutex);
	atomic_store_explicit(&l->ul_owner, uvm_lock_self(),
	    memory_order_relaxed);
}

/*
 * uvm_cond_broadcast: wake every thread asleep on cv.
 *
 * => l, the lock the sleepers pass to uvm_cond_wait, held: the state
 *    they wait for changed under it, so none can test it, miss the
 *    change and sleep through the wakeup.
 */
static inline void
uvm_cond_broadcast(pthread_cond_t *cv, struct uvm_lock *l)
{
	KASSERT(uvm_lock_held(l));
	pthread_cond_broadcast(cv);
}

/*
 * uvm_cond_signal: wake one thread asleep on cv.
 * => l held, as for uvm_cond_broadcast.
 */
static inline void
uvm_cond_signal(pthread_cond_t *cv, struct uvm_lock *l)
{
	KASSERT(uvm_lock_held(l));
	pthread_cond_signal(cv);
}

/*
 * uvm_cond_timedwait: as uvm_cond_wait, for at most ms milliseconds.
 * => returns 0 if woken, ETIMEDOUT otherwise.
 */
int uvm_cond_timedwait(pthread_cond_t *cv, struct uvm_lock *l, int ms);

/* uvm_cond_init: a condition variable on CLOCK_MONOTONIC. */
void uvm_cond_init(pthread_cond_t *cv);

#endif /* UAO_BASE_LOCK_INT_H */
