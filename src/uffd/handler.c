/*
 * handler.c: the fault-handler threads.
 *
 * Each thread polls the userfaultfd, reads a batch of messages, and for
 * each page fault finds the region and calls uvm_fault, the aobj half of
 * UVM's fault routine.  Several threads share the one userfaultfd: the
 * kernel hands each message to one reader, and faults on different pages
 * proceed in parallel (a fault on a page already busy waits on it).
 *
 * What a handler thread may touch: its stack, the pager's metadata
 * (allocated from the heap of a uao thread, never region memory: see
 * uao_thread_setup_hook), its bounce buffer and ring (anonymous mappings
 * of their own).  Never region memory: a handler that faulted on a
 * region would wait for itself.  The latency clock starts when the
 * message is read and stops when the page is mapped.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock_int.h"
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

static void *
handler_main(void *arg)
{
	struct uao_sim *sim = arg;
	struct uffd_msg msgs[HANDLER_BATCH];
	struct pollfd pfd[2];

	uao_thread_start();
	uvm_lock(&sim->us_ready_lock);
	sim->us_handlers_ready++;
	uvm_cond_broadcast(&sim->us_ready_cv, &sim->us_ready_lock);
	uvm_unlock(&sim->us_ready_lock);
	pfd[0].fd = sim->us_fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = sim->us_stopfd;
	pfd[1].events = POLLIN;
	for (;;) {
		ssize_t n;
		uint64_t t0;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			uvm_panic(__func__, "poll on the userfaultfd failed");
		}
		if (pfd[1].revents & POLLIN)
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
 * handler_start: start the fault handlers, and return once every one is
 * past its setup (uao_thread_start).  A handler's setup may fault on
 * region memory (its first jemalloc call); only the other handlers could
 * serve that, so none may be left in setup once regions hold data.
 */
int
handler_start(struct uao_sim *sim)
{
	uvm_lock_init(&sim->us_ready_lock);
	uvm_cond_init(&sim->us_ready_cv);
	sim->us_handlers_ready = 0;
	for (int i = 0; i < sim->us_nhandlers; i++) {
		int error = pthread_create(&sim->us_handlers[i], NULL,
		    handler_main, sim);

		if (error != 0) {
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
	for (int i = 0; i < sim->us_nhandlers; i++)
		pthread_join(sim->us_handlers[i], NULL);
	sim->us_nhandlers = 0;
	/* every handler is gone: nothing touches them any more */
	pthread_cond_destroy(&sim->us_ready_cv);
	uvm_lock_destroy(&sim->us_ready_lock);
}
