/*
 * sim_int.h: a simulator instance (struct uao_sim): the userfaultfd, the
 * machine (pmap_uffd), the VM (struct uvm), the regions and the
 * fault-handler threads.
 *
 * Field protection:  I = immutable after uao_sim_create,  a = atomic,
 *                    r = us_ready_lock (handler start-up only).
 */
#ifndef UAO_UFFD_SIM_INT_H
#define UAO_UFFD_SIM_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/queue.h>

#include "base/lock_int.h"
#include "uffd/region_int.h"

struct pmap;
struct probe_ring;
struct uvm;

#define SIM_MAX_HANDLERS 64

struct uao_sim {
	int us_fd;	      /* I: the userfaultfd */
	int us_stopfd;	      /* I: eventfd: handlers, stop */
	struct pmap *us_pmap; /* I */
	struct uvm *us_uvm;   /* I */
	int us_oom_action;    /* I */
	int us_nhandlers;     /* I */
	struct sim_handler {
		pthread_t sh_thread;	/* I */
		int sh_epfd;		/* I: its epoll (handler_start) */
		struct uao_sim *sh_sim; /* I */
	} us_handlers[SIM_MAX_HANDLERS];
	int us_fdhold; /* I: a second descriptor of the userfaultfd */
	struct uvm_lock us_ready_lock; /* made by handler_start */
	pthread_cond_t us_ready_cv;    /* r: a handler got past its setup */
	int us_handlers_ready;	       /* r: handlers past their setup */
	struct region_table us_regions;
	atomic_uint_fast64_t us_unknown; /* a: faults outside any region */
	/*
	 * The fault probes (probe_int.h): us_probe is the ring while they
	 * are on, NULL while off (the handlers' one test); us_probe_ring is
	 * the ring once enabled, freed by uao_sim_destroy.
	 */
	_Atomic(struct probe_ring *) us_probe;	    /* a */
	_Atomic(struct probe_ring *) us_probe_ring; /* a */
	LIST_ENTRY(uao_sim) us_list; /* interposer's list of instances */
};

/*
 * handler_start: start the fault-handler threads; returns once every
 * one is past its setup (asleep on us_ready_cv meanwhile).  Makes
 * us_ready_lock and us_ready_cv anew (a forked child's copies may be
 * the parent's mid-use).  => 0 or -errno
 * handler_stop: stop and join them, and close their epoll instances.
 * handler_forget: in a forked child, close the parent's handlers'
 * epoll instances and us_fdhold (their threads are not in the child).
 */
int handler_start(struct uao_sim *sim);
void handler_stop(struct uao_sim *sim);
void handler_forget(struct uao_sim *sim);

/*
 * sim_uffd_new: a userfaultfd with the features uao needs (API done).
 * => returns the descriptor (close-on-exec, non-blocking), or -EPERM,
 *    -EOPNOTSUPP, or another -errno.
 */
int sim_uffd_new(void);

/*
 * Fork support (fork.c): a forked child gets a live machine of its own,
 * with the parent's RAM limit.
 *
 * sim_fork_init: install the process's fork handlers (once).
 */
int sim_fork_init(void);

/* run in a forked child once its machines run again (the runtime
 * forgets its control socket and report there), or NULL */
extern void (*sim_fork_child_hook)(void);

/*
 * sim_stop_hook: run on a handler thread just before uao stops the
 * program (out of memory, UAO_OOM_KILL), or NULL: the runtime sends its
 * report to `uao run' there, so that the report (bad slots, write
 * errors) is printed although the program dies by SIGKILL.
 * => no uao lock is held; it may not fault on region memory.
 */
extern void (*sim_stop_hook)(void);
/*
 * sim_private_alloc_hook(true) ... (false): between the two, the calling
 * program thread allocates where no region is (the runtime's private
 * arena, no thread cache), or NULL.  Nests.  For program threads that
 * enter uao: around a fork (in the child, pthread_create of the new
 * handlers mallocs each thread's DTV before any handler can serve a
 * fault), and in the munmap, madvise, mremap and mmap interposers, whose
 * frees and allocations happen under uao's locks: had jemalloc touched
 * region memory there (a thread cache is region memory), the fault would
 * wait for a handler that waits for those locks.
 */
extern void (*sim_private_alloc_hook)(bool private_heap);

/*
 * sim_munmap_hook(addr, len): told of every munmap through the
 * interposer, before the system call, or NULL (the runtime's record of
 * jemalloc's mappings, preload_jemeta.c).  => may lock a leaf lock of
 * its own; it may not fault on region memory.
 */
extern void (*sim_munmap_hook)(void *addr, size_t len);

/* sim_private_alloc: call sim_private_alloc_hook, if there is one */
static inline void
sim_private_alloc(bool on)
{
	if (sim_private_alloc_hook != NULL)
		sim_private_alloc_hook(on);
}
/*
 * What forked children did, counted in a page the whole process tree
 * shares (a child's children count there too): forks (in this process
 * and its children), and pages the children read from and wrote to swap.
 */
struct sim_fork_counts {
	uint64_t fc_forks;
	uint64_t fc_pageins;
	uint64_t fc_pageouts;
};
void sim_fork_counts(struct sim_fork_counts *fc);

/*
 * The interposer's registry of live instances.
 */
void sim_registry_add(struct uao_sim *sim);
void sim_registry_remove(struct uao_sim *sim);
/* hold the registry still (fork), and walk it: sim NULL = first */
void sim_registry_wrlock(void);
void sim_registry_unlock(void);
/* in a forked child: the write lock taken by fork_prepare, released */
void sim_registry_child_reset(void);
struct uao_sim *sim_registry_next(struct uao_sim *sim);
/* the instance whose regions contain [addr, addr+len), or NULL */
struct uao_sim *sim_registry_find(const void *addr, size_t len);

#endif /* UAO_UFFD_SIM_INT_H */
