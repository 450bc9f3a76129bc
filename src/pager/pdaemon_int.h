/*
 * pdaemon_int.h: the pressure thread (UVM's pagedaemon).
 *
 * The pagedaemon keeps free frames above a low-water mark.  It wakes when
 * an allocation leaves fewer than uvm->freemin frames free, or when a
 * thread sleeps in uvm_wait, and then:
 *
 *   1. balances the queues: deactivates pages from the head of the active
 *      queue, through uao_put(PGO_DEACTIVATE), until the inactive queue
 *      holds about inactarg_pct percent of the pages (10: see uvm.c);
 *   2. scans the inactive queue from its head, with second chance: a
 *      page mapped again since it was deactivated is reactivated; a clean
 *      page that has a swap copy, or an all-zero page that never had one,
 *      is freed without I/O; dirty pages are paged out in clusters of
 *      object neighbours, on contiguous slots, in one batched write.
 *
 * It needs no free frame to make progress: pageout writes from the
 * frame itself.  When a whole pass frees nothing while threads wait for
 * memory, nothing is in flight and no swap slot can be had, it declares
 * memory exhausted (uvm->oom_gen) and uvm_wait returns -ENOMEM.
 */
#ifndef UAO_PAGER_PDAEMON_INT_H
#define UAO_PAGER_PDAEMON_INT_H

#include <stdbool.h>

struct uvm;

/*
 * uvm_thread_hook: run first by every thread uao starts (the pagedaemon,
 * the fault handlers).  The preload runtime sets it to bind the thread
 * to an allocator arena that is never region memory.  NULL by default.
 */
extern void (*uvm_thread_hook)(void);

/*
 * uvm_pdaemon_init: set up (not start) the pagedaemon of a machine.
 * => returns 0 or -ENOMEM.
 */
int uvm_pdaemon_init(struct uvm *uvm);

/* uvm_pdaemon_fini: free it.  => it must be stopped. */
void uvm_pdaemon_fini(struct uvm *uvm);

/*
 * uvm_pdaemon_start: start the thread.
 * => returns 0, -EALREADY, or the errno of pthread_create.
 */
int uvm_pdaemon_start(struct uvm *uvm);

/*
 * uvm_pdaemon_stop: stop the thread and join it.
 * => nothing locked.  Threads in uvm_wait are woken (and get -ENOMEM
 *    if no frame is free).
 */
void uvm_pdaemon_stop(struct uvm *uvm);

/*
 * uvm_pdaemon_fork_child: in a forked child (one thread), forget the
 * parent's daemon thread.  => whether it was running.
 */
bool uvm_pdaemon_fork_child(struct uvm *uvm);

/* => page queues locked */
void uvm_pdaemon_wakeup_locked(struct uvm *uvm);
/* => page queues locked */
bool uvm_pdaemon_running_locked(struct uvm *uvm);

/*
 * uvm_pdaemon_pass: one pass of balance + scan, in the calling thread.
 *
 * => nothing locked.
 * => frees up to the high-water mark (uvm->freetarg) if it can.
 * => returns the number of frames freed.
 * => used by the thread, by uvm_wait when no thread runs, and by tests
 *    that want pageout at a precise moment.
 */
int uvm_pdaemon_pass(struct uvm *uvm);

#endif /* UAO_PAGER_PDAEMON_INT_H */
