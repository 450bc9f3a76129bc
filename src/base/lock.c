/*
 * lock.c: panic and the timed condition wait behind lock_int.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/lock_int.h"

_Thread_local unsigned int uvm_lock_nheld[UL_NRANKS]
    __attribute__((tls_model("initial-exec")));

static void
panic_write(const char *s)
{
	size_t len = strlen(s);

	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, s, len);
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

void (*uvm_panic_hook)(void);

noreturn void
uvm_panic(const char *func, const char *msg)
{
	static atomic_flag hooked = ATOMIC_FLAG_INIT;

	panic_write("uao: panic: ");
	panic_write(func);
	panic_write(": ");
	panic_write(msg);
	panic_write("\n");
	/* once: a panic inside the hook must still abort */
	if (uvm_panic_hook != NULL && !atomic_flag_test_and_set(&hooked))
		uvm_panic_hook();
	abort();
}

void
uvm_cond_init(pthread_cond_t *cv)
{
	pthread_condattr_t attr;

	if (pthread_condattr_init(&attr) != 0 ||
	    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(cv, &attr) != 0)
		uvm_panic(__func__, "cannot initialise a condition variable");
	pthread_condattr_destroy(&attr);
}

int
uvm_cond_timedwait(pthread_cond_t *cv, struct uvm_lock *l, int ms)
{
	struct timespec ts;
	int error;

	KASSERT(uvm_lock_held(l));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	atomic_store_explicit(&l->ul_owner, 0, memory_order_relaxed);
	error = pthread_cond_timedwait(cv, &l->ul_mutex, &ts);
	atomic_store_explicit(&l->ul_owner, uvm_lock_self(),
	    memory_order_relaxed);
	return error == ETIMEDOUT ? ETIMEDOUT : 0;
}
