/*
 * threads_int.h: the registry of uao's own threads.
 *
 * uao's threads (fault handlers, the pagedaemon) must never touch region
 * memory: a handler that faulted on a region would wait for a fault only
 * handlers can serve.  The design guarantees it (they touch only their
 * stacks, the pager's heap metadata, and mappings of their own), and the
 * registry checks it at run time: every uao thread records its thread id
 * here when it starts, and the handlers, which learn the faulting
 * thread's id from the kernel (UFFD_FEATURE_THREAD_ID), panic if a fault
 * comes from one of them instead of deadlocking.
 */
#ifndef UAO_UFFD_THREADS_INT_H
#define UAO_UFFD_THREADS_INT_H

#include <stdbool.h>
#include <sys/types.h>

/* the most uao threads alive at once in one process */
#define UAO_THREADS_MAX 256

/*
 * uao_thread_start: run the preload runtime's setup (uao_thread_setup_extra)
 * if any, then register the calling thread as a uao thread (it is
 * unregistered when it exits).  Installed as uvm_thread_hook.
 * => the setup may fault on region memory (see threads.c): a thread that
 *    is the only one to serve some faults uses uao_thread_register.
 */
void uao_thread_start(void);

/*
 * uao_thread_register: register the calling thread, with no setup: for a
 * thread that never allocates.
 */
void uao_thread_register(void);

/* the runtime's own per-thread setup (allocator arena), or NULL */
extern void (*uao_thread_setup_extra)(void);

/*
 * uao_thread_fork_child: in a forked child, forget the parent's threads
 * (their ids are not this process's threads).
 */
void uao_thread_fork_child(void);

/* uao_thread_is_ours: is tid a registered uao thread? */
bool uao_thread_is_ours(pid_t tid);

#endif /* UAO_UFFD_THREADS_INT_H */
