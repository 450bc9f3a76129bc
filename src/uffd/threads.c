/*
 * threads.c: the registry of uao's own threads (see threads_int.h).
 *
 * A fixed array of atomic slots: registering and looking up never
 * allocate and never lock, so the check costs a fault-handler nothing
 * that could itself go wrong.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "base/lock_int.h"
#include "uffd/threads_int.h"

void (*uao_thread_setup_extra)(void);

static atomic_int uao_threads[UAO_THREADS_MAX];
static pthread_key_t uao_thread_key;
static pthread_once_t uao_thread_once = PTHREAD_ONCE_INIT;

static void
uao_thread_exit(void *arg)
{
	atomic_int *slot = arg;

	atomic_store(slot, 0);
}

static void
uao_thread_key_create(void)
{
	if (pthread_key_create(&uao_thread_key, uao_thread_exit) != 0)
		uvm_panic(__func__, "pthread_key_create failed");
}

void
uao_thread_register(void)
{
	int tid = (int)gettid();

	pthread_once(&uao_thread_once, uao_thread_key_create);
	for (int i = 0; i < UAO_THREADS_MAX; i++) {
		int expect = 0;

		if (atomic_compare_exchange_strong(&uao_threads[i], &expect,
			tid)) {
			pthread_setspecific(uao_thread_key, &uao_threads[i]);
			break;
		}
	}
}

void
uao_thread_start(void)
{
	/*
	 * The setup first: under `uao run' it is the thread's first call
	 * into jemalloc, which makes the thread's cache from arena 0 --
	 * region memory once the program has used it.  Those faults are
	 * served like a program thread's; once registered they would be a
	 * uao thread faulting on region memory.
	 */
	if (uao_thread_setup_extra != NULL)
		uao_thread_setup_extra();
	uao_thread_register();
}

bool
uao_thread_is_ours(pid_t tid)
{
	if (tid <= 0)
		return false;
	for (int i = 0; i < UAO_THREADS_MAX; i++) {
		if (atomic_load_explicit(&uao_threads[i],
			memory_order_relaxed) == tid)
			return true;
	}
	return false;
}

void
uao_thread_fork_child(void)
{
	for (int i = 0; i < UAO_THREADS_MAX; i++)
		atomic_store(&uao_threads[i], 0);
}
