/*
 * fork.c: fork(2) of a process whose memory is in regions.
 *
 * Without help a forked child would read zeros wherever the parent's
 * pages were not present at the fork: its copies of the regions are no
 * longer registered with any userfaultfd, and its copy of the pager has
 * no threads.  Instead:
 *
 *   prepare (parent, before fork): each machine is held still
 *       (uvm_quiesce, the staging allocator, the region table), and its
 *       swap is held (swap_hold): slots the parent frees from now on are
 *       not reused while the child may still read them.  A pipe is made;
 *       the child keeps its write end, which closes when the child execs
 *       or exits.
 *   parent (after fork): everything runs on; a watcher thread ends the
 *       swap hold when the pipe reports that the child is gone (exec or
 *       exit: the write end is close-on-exec).
 *   child (after fork): each machine becomes a *snapshot*: the pager is
 *       frozen as it was at the fork.  A new userfaultfd registers the
 *       regions, and a server thread answers the child's faults from the
 *       snapshot: pages that were mapped are present already (copied by
 *       fork); staged pages come from the child's copy of the staging
 *       area; swapped pages are read from their (held) slots; a page lost
 *       to an I/O error is poisoned; others are zeros.  A page is served
 *       once: a later fault (after the child discarded it) is zeros.
 *
 * The child runs without a RAM limit of its own (its pages are not
 * evicted); a program it execs starts a machine of its own.  A child of
 * the child (a second fork) shares the snapshot and gets its own server.
 *
 * Locks: prepare takes, per machine, the locks of uvm_quiesce, then the
 * staging allocator, then the region table (write); the registry lock
 * first of all.  parent and child release them (the child's are copies
 * held by the same thread).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/fdguard_int.h"
#include "base/sys_int.h"
#include "pager/aobj_int.h"
#include "base/kmem_int.h"
#include "pager/uvm_int.h"
#include "uffd/pmap_uffd_int.h"
#include "uffd/region_int.h"
#include "uffd/sim_int.h"
#include "swapdev/swap_int.h"
#include "uffd/threads_int.h"
#include "uffd/uffd_compat.h"

#define FORK_WATCH_MAX 64

void (*sim_fork_child_hook)(void);
void (*sim_stop_hook)(void);
void (*sim_private_alloc_hook)(bool);
atomic_uint_fast64_t sim_forks;
/*
 * Pages served to forked children: the children's snapshot servers count
 * them, so the counter lives in a shared page the parent reads too.
 */
static atomic_uint_fast64_t *fork_pages;

static pthread_once_t fork_once = PTHREAD_ONCE_INIT;
static int fork_pipe[2] = { -1, -1 };

/*
 * The watcher: the read ends of the pipes of live children, and the swap
 * instances each holds.
 */
struct fork_watch {
	int fw_fd;
	int fw_nsd;
	struct swap_data *fw_sd[8];
};

static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fork_watch watches[FORK_WATCH_MAX]; /* watch_lock */
static int nwatches;				  /* watch_lock */
static int watch_wakefd[2] = { -1, -1 };	  /* I once started */
static bool watcher_started;			  /* watch_lock */

static void
watch_release(struct fork_watch *fw)
{
	for (int i = 0; i < fw->fw_nsd; i++)
		swap_unhold(fw->fw_sd[i]);
	fd_guard_close(fw->fw_fd);
}

static void *
watcher_main(void *arg)
{
	struct pollfd pfd[FORK_WATCH_MAX + 1];

	(void)arg;
	uao_thread_start();
	for (;;) {
		int n = 0;

		pthread_mutex_lock(&watch_lock);
		pfd[n].fd = watch_wakefd[0];
		pfd[n++].events = POLLIN;
		for (int i = 0; i < nwatches; i++) {
			pfd[n].fd = watches[i].fw_fd;
			pfd[n++].events = POLLIN;
		}
		pthread_mutex_unlock(&watch_lock);

		if (poll(pfd, (nfds_t)n, -1) < 0)
			continue;
		if (pfd[0].revents & POLLIN) {
			char c;

			(void)!read(watch_wakefd[0], &c, 1);
		}
		pthread_mutex_lock(&watch_lock);
		for (int i = 1; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			/* EOF: no process holds the write end any more */
			for (int w = 0; w < nwatches; w++) {
				if (watches[w].fw_fd != pfd[i].fd)
					continue;
				watch_release(&watches[w]);
				watches[w] = watches[--nwatches];
				break;
			}
		}
		pthread_mutex_unlock(&watch_lock);
	}
	return NULL;
}

/* => nothing locked; in the parent after fork */
static void
watch_add(int fd, struct swap_data **sds, int nsd)
{
	pthread_t t;

	pthread_mutex_lock(&watch_lock);
	if (!watcher_started) {
		if (pipe2(watch_wakefd, O_CLOEXEC | O_NONBLOCK) == 0 &&
		    (watch_wakefd[0] = fd_guard(watch_wakefd[0])) >= 0 &&
		    (watch_wakefd[1] = fd_guard(watch_wakefd[1])) >= 0 &&
		    pthread_create(&t, NULL, watcher_main, NULL) == 0) {
			pthread_detach(t);
			watcher_started = true;
		}
	}
	if (!watcher_started || nwatches == FORK_WATCH_MAX) {
		/*
		 * Nobody can watch this child: keep its slots for ever
		 * rather than risk reusing a slot it still reads.
		 */
		pthread_mutex_unlock(&watch_lock);
		return;
	}
	watches[nwatches].fw_fd = fd;
	watches[nwatches].fw_nsd = nsd;
	memcpy(watches[nwatches].fw_sd, sds, (size_t)nsd * sizeof(*sds));
	nwatches++;
	pthread_mutex_unlock(&watch_lock);
	(void)!write(watch_wakefd[1], "", 1);
}

/*
 * The snapshot server (in a child)
 */

static void
served_set(struct uao_region *r, int pageidx)
{
	r->r_served[pageidx / 64] |= (uint64_t)1 << (pageidx % 64);
}

static bool
served_test(struct uao_region *r, int pageidx)
{
	return (r->r_served[pageidx / 64] >> (pageidx % 64)) & 1;
}

static void
snap_copy(int fd, char *dst, const char *src)
{
	struct uffdio_copy uc;

	memset(&uc, 0, sizeof(uc));
	uc.dst = (unsigned long)dst;
	uc.src = (unsigned long)src;
	uc.len = PAGE_SIZE;
	while (ioctl(fd, UFFDIO_COPY, &uc) != 0 && errno == EAGAIN)
		continue;
}

static void
snap_zero(int fd, char *dst)
{
	struct uffdio_zeropage uz;

	memset(&uz, 0, sizeof(uz));
	uz.range.start = (unsigned long)dst;
	uz.range.len = PAGE_SIZE;
	while (ioctl(fd, UFFDIO_ZEROPAGE, &uz) != 0 && errno == EAGAIN)
		continue;
}

static void
snap_poison(int fd, char *dst)
{
	struct uffdio_poison up;

	memset(&up, 0, sizeof(up));
	up.range.start = (unsigned long)dst;
	up.range.len = PAGE_SIZE;
	while (ioctl(fd, UFFDIO_POISON, &up) != 0 && errno == EAGAIN)
		continue;
}

/*
 * Serve one fault from the snapshot.  buf: a page-aligned buffer of the
 * server's own.
 */
static void
snap_fault(struct uao_sim *sim, char *addr, char *buf)
{
	struct uao_region *r;
	struct uvm_object *uobj;
	struct vm_page *pg;
	char *page = (char *)trunc_page((uintptr_t)addr);
	int pageidx, slot, where = MD_NONE, stage = -1;

	r = region_lookup(sim, page, &pageidx);
	if (r == NULL) {
		struct uffdio_range ur = { (unsigned long)page, PAGE_SIZE };

		ioctl(sim->us_snapfd, UFFDIO_WAKE, &ur);
		return;
	}
	if (served_test(r, pageidx)) {
		/* given out before, then discarded by the child: zeros */
		snap_zero(sim->us_snapfd, page);
		goto out;
	}
	uobj = r->r_obj;
	uvm_lock(&uobj->vmobjlock);
	pg = uvm_pagelookup(uobj, (voff_t)pageidx << PAGE_SHIFT);
	if (pg != NULL) {
		where = pg->mdpage.md_where;
		stage = pg->mdpage.md_stage;
	}
	slot = uao_find_swslot(uobj, pageidx);
	uvm_unlock(&uobj->vmobjlock);

	if (where == MD_STAGED && stage >= 0) {
		/* the child's copy of the staging area has it */
		snap_copy(sim->us_snapfd, page,
		    pmap_uffd_stage_addr(sim->us_pmap, stage));
	} else if (where == MD_MAPPED || where == MD_ZERO) {
		/* present at fork (so the child discarded it), or zeros */
		snap_zero(sim->us_snapfd, page);
	} else if (slot > 0) {
		int fd;
		off_t off;

		if (swap_slot_locate(sim->us_uvm->swap, slot, &fd, &off) != 0 ||
		    pread(fd, buf, PAGE_SIZE, off) != PAGE_SIZE)
			snap_poison(sim->us_snapfd, page);
		else
			snap_copy(sim->us_snapfd, page, buf);
	} else if (slot == SWSLOT_BAD) {
		snap_poison(sim->us_snapfd, page);
	} else {
		snap_zero(sim->us_snapfd, page);
	}
	if (fork_pages != NULL)
		atomic_fetch_add(fork_pages, 1);
out:
	served_set(r, pageidx);
	region_release(r);
}

static void *
snap_main(void *arg)
{
	struct uao_sim *sim = arg;
	struct uffd_msg msgs[16];
	char *buf;

	/* never into the allocator: it could fault, and we serve faults */
	uao_thread_register();
	buf = sys_mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buf == MAP_FAILED)
		uvm_panic(__func__, "no memory for the snapshot server");
	for (;;) {
		struct pollfd pfd = { sim->us_snapfd, POLLIN, 0 };
		ssize_t n;

		if (poll(&pfd, 1, -1) < 0)
			continue;
		n = read(sim->us_snapfd, msgs, sizeof(msgs));
		if (n <= 0)
			continue;
		for (int i = 0; i < (int)(n / (ssize_t)sizeof(msgs[0])); i++) {
			if (msgs[i].event != UFFD_EVENT_PAGEFAULT)
				continue;
			snap_fault(sim,
			    (char *)(uintptr_t)msgs[i].arg.pagefault.address,
			    buf);
		}
	}
	return NULL;
}

/*
 * Make sim a snapshot in this (child) process: a new userfaultfd, the
 * regions registered with it, and a server.  On failure the child keeps
 * running with what fork copied, and its missing pages would read as
 * zeros: it must not run on, so it dies with a message.
 */
static void
snap_start(struct uao_sim *sim)
{
	struct region_table *rt = &sim->us_regions;
	struct uffdio_api api;
	pthread_t t;
	int fd;

	fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);

		if (dev >= 0) {
			fd = ioctl(dev, USERFAULTFD_IOC_NEW,
			    O_CLOEXEC | O_NONBLOCK);
			close(dev);
		}
	}
	memset(&api, 0, sizeof(api));
	api.api = UFFD_API;
	api.features = UFFD_FEATURE_POISON;
	if (fd < 0 || ioctl(fd, UFFDIO_API, &api) != 0)
		uvm_panic(__func__,
		    "forked child: no userfaultfd for its "
		    "snapshot");
	fd = fd_guard(fd);
	sim->us_snapfd = fd;

	if (!sim->us_snapshot) {
		struct uao_region *r;

		/* the parent's userfaultfd: no use here, and not to be inherited */
		fd_guard_close(sim->us_fd);
		sim->us_fd = -1;
		LIST_FOREACH(r, &rt->rt_regions, r_list) {
			size_t words = ((r->r_len >> PAGE_SHIFT) + 63) / 64;

			r->r_served = kmem_zalloc(words, sizeof(uint64_t));
			if (r->r_served == NULL)
				uvm_panic(__func__, "forked child: no memory");
		}
		sim->us_snapshot = true;
	}
	for (int i = 0; i < rt->rt_n; i++) {
		struct uffdio_register reg;

		memset(&reg, 0, sizeof(reg));
		reg.range.start = (unsigned long)rt->rt_spans[i].rs_start;
		reg.range.len = (unsigned long)(rt->rt_spans[i].rs_end -
		    rt->rt_spans[i].rs_start);
		reg.mode = UFFDIO_REGISTER_MODE_MISSING;
		if (ioctl(fd, UFFDIO_REGISTER, &reg) != 0)
			uvm_panic(__func__,
			    "forked child: cannot register "
			    "its regions");
	}
	if (pthread_create(&t, NULL, snap_main, sim) != 0)
		uvm_panic(__func__, "forked child: no snapshot server");
	pthread_detach(t);
}

size_t
snapshot_discard(struct uao_sim *sim, void *addr, size_t len)
{
	char *a = (char *)trunc_page((uintptr_t)addr);
	char *end = (char *)round_page((uintptr_t)addr + len);
	size_t total = 0;

	for (char *p = a; p < end; p += PAGE_SIZE) {
		struct uao_region *r;
		int pageidx;

		r = region_lookup(sim, p, &pageidx);
		if (r == NULL)
			continue;
		served_set(r, pageidx); /* zeros from now on */
		region_release(r);
		total += PAGE_SIZE;
	}
	syscall(SYS_madvise, a, (size_t)(end - a), MADV_DONTNEED);
	return total;
}

void
snapshot_unmap(struct uao_sim *sim, void *addr, size_t len)
{
	/* the pages stay in the frozen pager; only the range is forgotten */
	snapshot_discard(sim, addr, len);
}

/*
 * the fork handlers
 */

static void
fork_prepare(void)
{
	struct uao_sim *sim;

	/* first: it may fault on region memory, which needs the handlers */
	sim_private_alloc(true);
	sim_registry_wrlock();
	if (pipe2(fork_pipe, O_CLOEXEC) != 0) {
		fork_pipe[0] = fork_pipe[1] = -1;
	} else {
		/* the child's end must outlive its close-everything loop */
		fork_pipe[0] = fd_guard(fork_pipe[0]);
		fork_pipe[1] = fd_guard(fork_pipe[1]);
	}
	for (sim = sim_registry_next(NULL); sim != NULL;
	     sim = sim_registry_next(sim)) {
		if (!sim->us_snapshot) {
			swap_hold(sim->us_uvm->swap);
			uvm_quiesce(sim->us_uvm);
			pmap_uffd_lock(sim->us_pmap);
		}
		pthread_rwlock_wrlock(&sim->us_regions.rt_lock);
	}
}

/*
 * fork_release: undo fork_prepare for one sim.
 * => in the child the rwlock is re-initialised, not unlocked: glibc knows
 *    its writer by thread id, which the fork changed.
 */
static void
fork_release(struct uao_sim *sim, bool child)
{
	if (child)
		pthread_rwlock_init(&sim->us_regions.rt_lock, NULL);
	else
		pthread_rwlock_unlock(&sim->us_regions.rt_lock);
	if (!sim->us_snapshot) {
		pmap_uffd_unlock(sim->us_pmap);
		uvm_unquiesce(sim->us_uvm);
	}
}

static void
fork_parent(void)
{
	struct swap_data *held[8];
	struct uao_sim *sim;
	int nheld = 0;

	for (sim = sim_registry_next(NULL); sim != NULL;
	     sim = sim_registry_next(sim)) {
		if (!sim->us_snapshot && nheld < 8)
			held[nheld++] = sim->us_uvm->swap;
		else if (!sim->us_snapshot)
			swap_unhold(sim->us_uvm->swap); /* cannot track */
		fork_release(sim, false);
	}
	sim_registry_unlock();
	atomic_fetch_add(&sim_forks, 1);
	fd_guard_close(fork_pipe[1]);
	if (nheld > 0 && fork_pipe[0] >= 0)
		watch_add(fork_pipe[0], held, nheld);
	else
		fd_guard_close(fork_pipe[0]);
	if (fork_pipe[0] < 0) {
		/* no pipe: never learn that the child is gone; keep slots */
	}
	sim_private_alloc(false);
}

static void
fork_child(void)
{
	struct uao_sim *sim;

	for (sim = sim_registry_next(NULL); sim != NULL;
	     sim = sim_registry_next(sim)) {
		fork_release(sim, true);
		snap_start(sim);
	}
	sim_registry_child_reset();
	/* the parent's watcher and pipes are not ours */
	nwatches = 0;
	watcher_started = false;
	fd_guard_close(fork_pipe[0]);
	if (sim_fork_child_hook != NULL)
		sim_fork_child_hook();
	/* the snapshot servers run: a fault in here is served now */
	sim_private_alloc(false);
}

static int fork_init_error;

uint64_t
sim_fork_pages_served(void)
{
	return fork_pages != NULL ? atomic_load(fork_pages) : 0;
}

static void
fork_init_once(void)
{
	void *p = sys_mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	fork_pages = p != MAP_FAILED ? p : NULL;
	fork_init_error =
	    -pthread_atfork(fork_prepare, fork_parent, fork_child);
}

int
sim_fork_init(void)
{
	pthread_once(&fork_once, fork_init_once);
	return fork_init_error;
}
