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
#ifndef UAO_PAGER_LOCK_INT_H
#define UAO_PAGER_LOCK_INT_H

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

#define KASSERT(e)                                                             \
	((e) ? (void)0 : uvm_panic(__func__, "assertion \"" #e "\" failed"))

struct uvm_lock {
	pthread_mutex_t ul_mutex;
	atomic_ulong ul_owner; /* pthread_self() of the holder, or 0 */
};

static inline unsigned long
uvm_lock_self(void)
{
	return (unsigned long)pthread_self();
}

static inline void
uvm_lock_init(struct uvm_lock *l)
{
	if (pthread_mutex_init(&l->ul_mutex, NULL) != 0)
		uvm_panic(__func__, "pthread_mutex_init failed");
	atomic_init(&l->ul_owner, 0);
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
	if (pthread_mutex_lock(&l->ul_mutex) != 0)
		uvm_panic(__func__, "pthread_mutex_lock failed");
	atomic_store_explicit(&l->ul_owner, uvm_lock_self(),
	    memory_order_relaxed);
}

static inline bool
uvm_trylock(struct uvm_lock *l)
{
	if (pthread_mutex_trylock(&l->ul_mutex) != 0)
		return false;
	atomic_store_explicit(&l->ul_owner, uvm_lock_self(),
	    memory_order_relaxed);
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
 * uvm_cond_timedwait: as uvm_cond_wait, for at most ms milliseconds.
 * => returns 0 if woken, ETIMEDOUT otherwise.
 */
int uvm_cond_timedwait(pthread_cond_t *cv, struct uvm_lock *l, int ms);

/* uvm_cond_init: a condition variable on CLOCK_MONOTONIC. */
void uvm_cond_init(pthread_cond_t *cv);

#endif /* UAO_PAGER_LOCK_INT_H */
