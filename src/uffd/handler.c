/*
 * handler.c: the fault-handler threads.
 *
 * Each thread waits on the userfaultfd, reads a batch of messages, and
 * for each page fault finds the region and calls uvm_fault, the aobj
 * half of UVM's fault routine.  Several threads share the one
 * userfaultfd: the kernel hands each message to one reader, and faults
 * on different pages proceed in parallel (a fault on a page already busy
 * waits on it).
 *
 * Each handler waits in an epoll instance of its own, which watches the
 * userfaultfd with EPOLLEXCLUSIVE: a new message wakes one idle handler.
 * poll(2) on the shared descriptor woke every idle handler for every
 * fault, and all but one found nothing to read: with four handlers, 2.4
 * wasted wake-ups per fault (strace: 66,766 EAGAIN reads for 28k faults).
 * Measured: 6 to 13% less CPU per page with one or two faulting threads,
 * throughput within the noise (doc/benchmarks.md).  The stop eventfd is
 * watched without EPOLLEXCLUSIVE: it wakes them all.
 *
 * An epoll holds no reference to the files it watches, and poll(2) did
 * (while a handler slept in it).  A program that closes our userfaultfd
 * with a raw close(2), past the descriptor guard (fdguard_int.h), would
 * release it: every region unregistered, its pages reading as zeros.
 * handler_start keeps a second descriptor (us_fdhold), so the file
 * lives on, and the next fault's read(2) of the closed number fails and
 * stops the program with a message instead.
 *
 * What a handler thread may touch: its stack, the pager's metadata
 * (allocated from the heap of a uao thread, never region memory: see
 * uao_thread_setup_hook), its bounce buffer and ring (anonymous mappings
 * of their own).  Never region memory: a handler that faulted on a
 * region would wait for itself.  The latency clock starts when the
 * message is read and stops when the page is mapped.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock_int.h"
#include "base/fdguard_int.h"
#include "pager/fault_int.h"
#include "pager/pdaemon_int.h"
#include "pager/uvm_int.h"
#include "uffd/pmap_uffd_int.h"
#include "uffd/probe_int.h"
#include "uffd/sim_int.h"
#include "uffd/threads_int.h"
#include "swapdev/swap_int.h"
#include "swapdev/uring_int.h"
#include "uffd/uffd_compat.h"
#include "uao/uao.h"

/* messages read at once */
#define HANDLER_BATCH 16

/*
 * handler_stop_message: why the program is stopped, on stderr.  Swap
 * that is full because its writes failed is said so, device by device:
 * slots that failed a write are marked bad and never used again, so a
 * failing device looks full long before its slots are in use.
 * => snprintf of integers and strings, strerrordesc_np: no allocation.
 */
static void
handler_stop_message(struct uvm *uvm)
{
	struct swap_devinfo devs[8];
	char msg[1024];
	int n, len = 0, ndev, nbad = 0;

	ndev = swap_list(uvm->swap, devs, 8);
	if (ndev > 8)
		ndev = 8;
	for (int i = 0; i < ndev; i++)
		nbad += devs[i].si_npgbad;
	if (nbad == 0) {
		n = snprintf(msg, sizeof(msg),
		    "uao: out of memory: all %d pages of RAM are in use and "
		    "swap is full (%d of %d pages); stopping the program\n",
		    uvm->nframes, swap_swpginuse(uvm->swap),
		    swap_swpages(uvm->swap));
		if (n > 0)
			(void)!write(STDERR_FILENO, msg, (size_t)n);
		return;
	}
	n = snprintf(msg, sizeof(msg),
	    "uao: swap writes failed, RAM is full (%d pages) and no good slot "
	    "is left: %d of %d slots in use, %d bad;",
	    uvm->nframes, swap_swpginuse(uvm->swap), swap_swpages(uvm->swap),
	    nbad);
	len = n > 0 && n < (int)sizeof(msg) ? n : 0;
	for (int i = 0; i < ndev && len < (int)sizeof(msg) - 1; i++) {
		const char *e = devs[i].si_lastwerr != 0
		    ? strerrordesc_np(devs[i].si_lastwerr)
		    : NULL;

		if (devs[i].si_npgbad == 0 && devs[i].si_nwriteerr == 0)
			continue;
		n = snprintf(msg + len, sizeof(msg) - (size_t)len,
		    " %s: %d bad slots, %llu failed writes (last: %s);",
		    devs[i].si_path, devs[i].si_npgbad,
		    (unsigned long long)devs[i].si_nwriteerr,
		    e != NULL ? e : "read errors only");
		if (n > 0)
			len += n;
	}
	if (len > (int)sizeof(msg) - 32)
		len = (int)sizeof(msg) - 32;
	len += snprintf(msg + len, sizeof(msg) - (size_t)len,
	    " stopping the program\n");
	(void)!write(STDERR_FILENO, msg, (size_t)len);
}

/*
 * handler_oom: no frame for a fault and none can be freed.
 * => never returns the faulting thread to a mapping of wrong data: it is
 *    either killed with the whole process, or gets SIGBUS.
 */
static void
handler_oom(struct uao_sim *sim, struct uao_region *r, int pageidx)
{
	struct uvm *uvm = sim->us_uvm;

	if (sim->us_oom_action == UAO_OOM_SIGBUS) {
		uvm_lock(&r->r_obj->vmobjlock);
		uvm->pmap->pm_ops->pmo_poison(uvm->pmap, r->r_obj, pageidx);
		uvm_obj_unlock(r->r_obj);
		return;
	}
	handler_stop_message(uvm);
	/* the report first: SIGKILL leaves no exit for the runtime */
	if (sim_stop_hook != NULL)
		sim_stop_hook();
	kill(getpid(), SIGKILL);
	pause();
}

/*
 * handler_serve: serve one page fault.
 * => returns the uvm_fault kind served (FK_STALE included), or -1 if
 *    nothing was mapped (no region, an error).  *mappedp: when uvm_fault
 *    returned (the page mapped, its thread woken), if it returned 0.
 * => iot: NULL, or the probes' I/O times (uvm_fault).
 */
static int
handler_serve(struct uao_sim *sim, const struct uffd_msg *msg, uint64_t t0,
    struct swap_iotimes *iot, uint64_t *mappedp)
{
	void *addr = (void *)(uintptr_t)msg->arg.pagefault.address;
	uint64_t flags = msg->arg.pagefault.flags;
	struct uvm *uvm = sim->us_uvm;
	struct uao_region *r;
	int pageidx, kind, error;
	vm_prot_t access;

	/*
	 * A fault from one of our own threads would never be served (its
	 * handler could be waiting on it): that is a bug, say so now.
	 */
	if (uao_thread_is_ours((pid_t)msg->arg.pagefault.feat.ptid))
		uvm_panic(__func__, "a uao thread faulted on region memory");

	r = region_lookup(sim, addr, &pageidx);
	if (r == NULL) {
		/*
		 * No region here (any more): the program is unmapping it.
		 * Let the thread retry; it will meet the unmapped range.
		 */
		atomic_fetch_add_explicit(&sim->us_unknown, 1,
		    memory_order_relaxed);
		pmap_uffd_wake(sim->us_pmap, addr, PAGE_SIZE);
		return -1;
	}
	access = (flags & (UFFD_PAGEFAULT_FLAG_WRITE | UFFD_PAGEFAULT_FLAG_WP))
	    ? VM_PROT_WRITE
	    : VM_PROT_READ;
	error = uvm_fault_swapoff_retry(r->r_obj, pageidx, access, &kind, iot);
	switch (error) {
	case 0:
		*mappedp = clock_now_ns();
		if (kind < FK_NKINDS)
			uvm_hist_add(&uvm->exp.hist[kind], *mappedp - t0);
		break;
	case -ENOMEM:
		/* no swapoff explains it (the pager's policy: fault_int.h) */
		handler_oom(sim, r, pageidx);
		kind = -1;
		break;
	case -EIO:
		/* uvm_fault poisoned the page: the access gets SIGBUS */
		kind = -1;
		break;
	default:
		pmap_uffd_wake(sim->us_pmap, addr, PAGE_SIZE);
		kind = -1;
		break;
	}
	region_release(r);
	return kind;
}

/*
 * handler_fault_probed: handler_serve with the fault probes on.  The
 * slot is claimed before the fault is served: the faulting thread may
 * look for its record as soon as it is woken, inside uvm_fault.
 */
static void
handler_fault_probed(struct uao_sim *sim, struct probe_ring *pr,
    const struct uffd_msg *msg, uint64_t t0)
{
	uintptr_t page =
	    (uintptr_t)msg->arg.pagefault.address & ~(uintptr_t)PAGE_MASK;
	struct swap_iotimes iot = { 0, 0 };
	struct probe_slot *ps = probe_claim(pr, page, t0);
	uint64_t mapped = 0;
	int kind;

	kind = handler_serve(sim, msg, t0, ps != NULL ? &iot : NULL, &mapped);
	if (ps != NULL)
		probe_finish(pr, ps, kind == FK_SWAPIN, &iot, mapped);
}

static void
handler_fault(struct uao_sim *sim, const struct uffd_msg *msg, uint64_t t0)
{
	/* acquire: pairs with uao_probe_enable's release, so that the
	 * ring's slots are seen as it made them (a plain load on x86) */
	struct probe_ring *pr =
	    atomic_load_explicit(&sim->us_probe, memory_order_acquire);
	uint64_t mapped;

	/* probes off: this test is all they cost */
	if (__builtin_expect(pr != NULL, 0)) {
		handler_fault_probed(sim, pr, msg, t0);
		return;
	}
	(void)handler_serve(sim, msg, t0, NULL, &mapped);
}

/* epoll_event.data of the two descriptors a handler waits on */
#define HANDLER_EV_FAULT 0
#define HANDLER_EV_STOP	 1

static void *
handler_main(void *arg)
{
	struct sim_handler *sh = arg;
	struct uao_sim *sim = sh->sh_sim;
	struct uffd_msg msgs[HANDLER_BATCH];

	uao_thread_start();
	uvm_lock(&sim->us_ready_lock);
	sim->us_handlers_ready++;
	uvm_cond_broadcast(&sim->us_ready_cv, &sim->us_ready_lock);
	uvm_unlock(&sim->us_ready_lock);
	for (;;) {
		struct epoll_event evs[2];
		bool stop = false;
		ssize_t n;
		uint64_t t0;
		int nev;

		nev = epoll_wait(sh->sh_epfd, evs, 2, -1);
		if (nev < 0) {
			if (errno == EINTR)
				continue;
			uvm_panic(__func__,
			    "epoll_wait on the userfaultfd failed");
		}
		for (int i = 0; i < nev; i++)
			stop |= evs[i].data.u32 == HANDLER_EV_STOP;
		if (stop)
			break;
		n = read(sim->us_fd, msgs, sizeof(msgs));
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue; /* another handler took it */
			uvm_panic(__func__, "read from the userfaultfd failed");
		}
		t0 = clock_now_ns();
		for (int i = 0; i < (int)(n / (ssize_t)sizeof(msgs[0])); i++) {
			if (msgs[i].event == UFFD_EVENT_PAGEFAULT)
				handler_fault(sim, &msgs[i], t0);
		}
	}
	pmap_uffd_thread_release();
	uring_thread_release();
	return NULL;
}

/*
 * handler_epoll: a handler's epoll instance: the userfaultfd, one idle
 * handler woken per message; the stop eventfd, all of them.
 * => a guarded descriptor, or -errno
 */
static int
handler_epoll(struct uao_sim *sim)
{
	struct epoll_event fault = { .events = EPOLLIN | EPOLLEXCLUSIVE,
		.data.u32 = HANDLER_EV_FAULT };
	struct epoll_event stop = { .events = EPOLLIN,
		.data.u32 = HANDLER_EV_STOP };
	int epfd = fd_guard(epoll_create1(EPOLL_CLOEXEC));

	if (epfd < 0)
		return -errno;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, sim->us_fd, &fault) != 0 ||
	    epoll_ctl(epfd, EPOLL_CTL_ADD, sim->us_stopfd, &stop) != 0) {
		int error = -errno;

		fd_guard_close(epfd);
		return error;
	}
	return epfd;
}

/*
 * handler_start: start the fault handlers, and return once every one is
 * past its setup (uao_thread_start).  A handler's setup may fault on
 * region memory (its first jemalloc call); only the other handlers could
 * serve that, so none may be left in setup once regions hold data.
 */
int
handler_start(struct uao_sim *sim)
{
	sim->us_fdhold = fd_guard(fcntl(sim->us_fd, F_DUPFD_CLOEXEC, 0));
	if (sim->us_fdhold < 0)
		return -errno;
	uvm_lock_init(&sim->us_ready_lock);
	uvm_cond_init(&sim->us_ready_cv);
	sim->us_handlers_ready = 0;
	for (int i = 0; i < sim->us_nhandlers; i++) {
		struct sim_handler *sh = &sim->us_handlers[i];
		int error;

		sh->sh_sim = sim;
		sh->sh_epfd = handler_epoll(sim);
		error = sh->sh_epfd < 0
		    ? -sh->sh_epfd
		    : pthread_create(&sh->sh_thread, NULL, handler_main, sh);
		if (error != 0) {
			if (sh->sh_epfd >= 0)
				fd_guard_close(sh->sh_epfd);
			sim->us_nhandlers = i;
			handler_stop(sim);
			return -error;
		}
	}
	uvm_lock(&sim->us_ready_lock);
	while (sim->us_handlers_ready < sim->us_nhandlers)
		uvm_cond_wait(&sim->us_ready_cv, &sim->us_ready_lock);
	uvm_unlock(&sim->us_ready_lock);
	return 0;
}

void
handler_stop(struct uao_sim *sim)
{
	uint64_t one = 1;

	/* the eventfd stays readable: every handler sees it */
	(void)!write(sim->us_stopfd, &one, sizeof(one));
	for (int i = 0; i < sim->us_nhandlers; i++) {
		pthread_join(sim->us_handlers[i].sh_thread, NULL);
		fd_guard_close(sim->us_handlers[i].sh_epfd);
	}
	sim->us_nhandlers = 0;
	fd_guard_close(sim->us_fdhold);
	sim->us_fdhold = -1;
	/* every handler is gone: nothing touches them any more */
	pthread_cond_destroy(&sim->us_ready_cv);
	uvm_lock_destroy(&sim->us_ready_lock);
}

void
handler_forget(struct uao_sim *sim)
{
	for (int i = 0; i < sim->us_nhandlers; i++)
		fd_guard_close(sim->us_handlers[i].sh_epfd);
	fd_guard_close(sim->us_fdhold);
	sim->us_fdhold = -1;
}
