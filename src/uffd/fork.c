/*
 * fork.c: fork(2) of a process whose memory is in regions.
 *
 * A forked child gets a live machine of its own, with the same RAM limit
 * as the parent's: each process its own limit, as each machine is per
 * process (a share of the parent's would need one pagedaemon over the
 * frames of several address spaces, which uao cannot see).  Without help
 * the child would read zeros wherever the parent's pages were not
 * present at the fork: its copies of the regions are registered with no
 * userfaultfd, and its copy of the pager has no threads.  So:
 *
 *   prepare (parent, before fork): each machine is held still at a
 *       moment when nothing is half done (uvm_quiesce, at a moment when
 *       no page is busy: no swap I/O in flight), with its staging
 *       allocator and region table; its swap is held (swap_hold): slots the parent frees from
 *       now on are not reused while the child may still read them.  A
 *       pipe is made; the child keeps its write end, which closes when
 *       the child (and every child of its own) has exec'd or exited.
 *   parent (after fork): everything runs on; a watcher thread ends the
 *       swap hold when the pipe reports that the child is gone.
 *   child (after fork): each machine is revived (fork_revive).  The
 *       child's copy of the pager is a true copy of the parent's state:
 *       pages mapped at the fork are present (copy-on-write with the
 *       parent), staged pages are in the child's copy of the staging
 *       area, swapped pages in held slots of the parent's devices.
 *       1. The forking thread's io_uring ring is the parent's (its rings
 *          are memory shared with the parent): it is dropped; each
 *          thread of the child makes its own on first use.
 *       2. A new userfaultfd; the regions and the staging area are
 *          registered with it (missing and write-protect, as in the
 *          parent).
 *       3. Pages mapped write-protected (clean: equal to their swap slot)
 *          are write-protected again: fork does not copy the uffd-wp bit
 *          into a mapping that is not registered, and a clean page
 *          written without a fault would later be freed as clean, its
 *          write lost.
 *       4. The parent's swap devices become read-only (swap_fork_child):
 *          the child reads its held slots there, through the swap
 *          layer, and never allocates or writes one; dropping one only
 *          forgets it.  The child's pageouts go to a new anonymous swap
 *          file of its own, as large as the parent's swap, in $TMPDIR
 *          (where `uao run' puts its anonymous swap).
 *       5. New handler threads and, if the parent had one, a new
 *          pagedaemon, with the parent's frame budget.
 *
 * A page that UFFDIO_MOVE cannot take because the other process still
 * shares it (EBUSY) is evicted by write-protect, copy, MADV_DONTNEED
 * (pmap_evict_shared), in the parent and in the child alike; staged pages
 * are mapped back by UFFDIO_COPY, which reads a shared source as well.
 * A child forks again as its parent did; a program it execs starts a
 * machine of its own.  Pages the children read from swap and write to it
 * are counted in a page the whole process tree shares, for the report.
 *
 * Locks: prepare takes the registry lock first of all, then per machine
 * the swap hold and the locks of uvm_quiesce (all let go and taken again
 * while a page is busy), then the staging allocator, then the region
 * table (write).  parent and child release them (the child's are copies
 * held by the same thread).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "base/fdguard_int.h"
#include "base/sys_int.h"
#include "pager/aobj_int.h"
#include "base/kmem_int.h"
#include "pager/pdaemon_int.h"
#include "pager/uvm_int.h"
#include "uffd/ioc_int.h"
#include "uffd/pmap_uffd_int.h"
#include "uffd/region_int.h"
#include "uffd/sim_int.h"
#include "swapdev/swap_int.h"
#include "swapdev/uring_int.h"
#include "uffd/threads_int.h"
#include "uao/uao.h"
#include "uffd/uffd_compat.h"

#define FORK_WATCH_MAX 64

void (*sim_fork_child_hook)(void);
void (*sim_stop_hook)(void);
void (*sim_private_alloc_hook)(bool);

/*
 * What children did, in a page the process tree shares (MAP_SHARED, made
 * before the first fork): every process of the tree adds to it.
 */
struct fork_shared {
	atomic_uint_fast64_t fs_forks;
	atomic_uint_fast64_t fs_io[2]; /* children's pageins, pageouts */
};
static struct fork_shared *fork_shared; /* I once made */

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
 * Reviving a machine in a forked child
 */

/*
 * fork_reprotect: step 3, write-protect again every page mapped clean.
 * A page that cannot be (its range is gone from the child) becomes
 * dirty: without a swap copy it can be lost to nothing but the program.
 * => the only thread of a forked child; nothing locked.
 */
static void
fork_reprotect(struct uao_sim *sim)
{
	struct uvm *uvm = sim->us_uvm;

	for (int i = 0; i < uvm->nframes; i++) {
		struct vm_page *pg = &uvm->pages[i];
		struct uvm_object *uobj = pg->uobject;
		struct pmap_uffd_view *pv;

		if (uobj == NULL || pg->mdpage.md_where != MD_MAPPED ||
		    !pg->mdpage.md_wprot)
			continue;
		pv = uobj->uo_mapping;
		if (pv != NULL &&
		    ioc_writeprotect(sim->us_fd, NULL, pv->pv_base + pg->offset,
			PAGE_SIZE, true) == 0)
			continue;
		uvm_lock(&uobj->vmobjlock);
		pg->flags &= ~PG_CLEAN;
		pg->mdpage.md_wprot = 0;
		uao_dropswap(uobj, (int)(pg->offset >> PAGE_SHIFT));
		uvm_obj_unlock(uobj);
	}
}

/*
 * fork_swap: step 4, the parent's devices read-only, and a device of the
 * child's own.  Without one the child still runs, and is stopped as out
 * of memory (never given zeros) if it needs to page out.
 */
static void
fork_swap(struct uao_sim *sim)
{
	struct swap_data *sd = sim->us_uvm->swap;
	int npages = swap_fork_child(sd), id;
	char msg[256];

	if (npages == 0)
		return; /* the parent had no swap: nor does the child */
	id = swap_on(sd, NULL, (uint64_t)npages * PAGE_SIZE, 0, 0, NULL);
	if (id > 0)
		return;
	snprintf(msg, sizeof(msg),
	    "uao: forked child %d: no swap file of its own (%d pages in "
	    "$TMPDIR): %s; it stops if it needs to page out\n",
	    (int)getpid(), npages, uao_strerror(id));
	(void)!write(STDERR_FILENO, msg, strlen(msg));
}

/*
 * fork_revive: steps 2 to 4, make sim a machine of this (child) process
 * (fork_start then starts its threads).  A child
 * that cannot have one must not run on (its missing pages would read as
 * zeros): it dies with a message.
 * => the only thread of a forked child; fork_release done.
 */
static void
fork_revive(struct uao_sim *sim)
{
	struct region_table *rt = &sim->us_regions;
	int fd, error;

	/* step 2: a userfaultfd of our own, the parent's closed */
	fd = fd_guard(sim_uffd_new());
	if (fd < 0)
		uvm_panic(__func__, "forked child: no userfaultfd");
	fd_guard_close(sim->us_fd);
	sim->us_fd = fd;
	error = pmap_uffd_fork_child(sim->us_pmap, fd);
	if (error != 0)
		uvm_panic(__func__,
		    "forked child: cannot register the staging area");
	for (int i = 0; i < rt->rt_n; i++) {
		struct uffdio_register reg;

		memset(&reg, 0, sizeof(reg));
		reg.range.start = (unsigned long)rt->rt_spans[i].rs_start;
		reg.range.len = (unsigned long)(rt->rt_spans[i].rs_end -
		    rt->rt_spans[i].rs_start);
		reg.mode =
		    UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP;
		/*
		 * A range the program kept from its children
		 * (MADV_DONTFORK) is not in this process: nothing to serve.
		 */
		if (ioctl(fd, UFFDIO_REGISTER, &reg) != 0 && errno != EINVAL &&
		    errno != ENOMEM)
			uvm_panic(__func__,
			    "forked child: cannot register its regions");
	}

	/* step 3 */
	fork_reprotect(sim);

	/* step 4 */
	fork_swap(sim);
}

/*
 * fork_start: step 5, the machine's threads.  Their setup may fault on
 * region memory of any machine (jemalloc's first call): every machine is
 * registered before the first thread starts.
 * => the only thread of a forked child; every machine revived.
 */
static void
fork_start(struct uao_sim *sim)
{
	bool pagedaemon;

	/* the stop eventfd and the handlers' epolls were the parent's too */
	pagedaemon = uvm_fork_child(sim->us_uvm);
	sim->us_uvm->child_io = fork_shared != NULL ? fork_shared->fs_io : NULL;
	handler_forget(sim);
	fd_guard_close(sim->us_stopfd);
	sim->us_stopfd = fd_guard(eventfd(0, EFD_CLOEXEC));
	if (sim->us_stopfd < 0)
		uvm_panic(__func__, "forked child: no eventfd");
	if (handler_start(sim) != 0)
		uvm_panic(__func__, "forked child: no fault handlers");
	if (pagedaemon && uvm_pdaemon_start(sim->us_uvm) != 0)
		uvm_panic(__func__, "forked child: no pagedaemon");
}

/*
 * the fork handlers
 */

/*
 * fork_mark_mapped: every page mapped now is shared with the child after
 * the fork: its move-out may be refused (EBUSY) even after the other
 * process has let go of it (md_forked: see pmap_evict_shared).  The
 * child inherits the marks.
 * => the machine quiesced (every object locked).
 */
static void
fork_mark_mapped(struct uvm *uvm)
{
	for (int i = 0; i < uvm->nframes; i++) {
		struct vm_page *pg = &uvm->pages[i];

		if (pg->uobject != NULL && pg->mdpage.md_where == MD_MAPPED)
			pg->mdpage.md_forked = 1;
	}
}

static void
fork_prepare(void)
{
	struct uao_sim *sim;

	struct timespec ts = { 0, 0 };
	bool busy;

	/* first: it may fault on region memory, which needs the handlers */
	sim_private_alloc(true);
	/*
	 * Hold every machine still at a moment when none has a page busy
	 * (uvm_quiesce_busy_locked).  A busy page's owner may need the
	 * registry (jemalloc's madvise goes through the interposer) to
	 * finish: between tries, everything is let go, the registry too,
	 * with a back-off of up to a millisecond.
	 */
	for (;;) {
		sim_registry_wrlock();
		busy = false;
		for (sim = sim_registry_next(NULL); sim != NULL;
		     sim = sim_registry_next(sim)) {
			swap_hold(sim->us_uvm->swap);
			uvm_quiesce(sim->us_uvm);
			busy = busy || uvm_quiesce_busy_locked(sim->us_uvm);
		}
		if (!busy)
			break;
		for (sim = sim_registry_next(NULL); sim != NULL;
		     sim = sim_registry_next(sim)) {
			uvm_unquiesce(sim->us_uvm);
			swap_unhold(sim->us_uvm->swap);
		}
		sim_registry_unlock();
		ts.tv_nsec = ts.tv_nsec == 0 ? 20000 : ts.tv_nsec * 2;
		if (ts.tv_nsec > 1000000)
			ts.tv_nsec = 1000000;
		nanosleep(&ts, NULL);
	}
	if (pipe2(fork_pipe, O_CLOEXEC) != 0) {
		fork_pipe[0] = fork_pipe[1] = -1;
	} else {
		/* the child's end must outlive its close-everything loop */
		fork_pipe[0] = fd_guard(fork_pipe[0]);
		fork_pipe[1] = fd_guard(fork_pipe[1]);
	}
	for (sim = sim_registry_next(NULL); sim != NULL;
	     sim = sim_registry_next(sim)) {
		fork_mark_mapped(sim->us_uvm);
		pmap_uffd_lock(sim->us_pmap);
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
	pmap_uffd_unlock(sim->us_pmap);
	uvm_unquiesce(sim->us_uvm);
}

static void
fork_parent(void)
{
	struct swap_data *held[8];
	struct uao_sim *sim;
	int nheld = 0;

	for (sim = sim_registry_next(NULL); sim != NULL;
	     sim = sim_registry_next(sim)) {
		if (nheld < 8)
			held[nheld++] = sim->us_uvm->swap;
		else
			swap_unhold(sim->us_uvm->swap); /* cannot track */
		fork_release(sim, false);
	}
	sim_registry_unlock();
	if (fork_shared != NULL)
		atomic_fetch_add(&fork_shared->fs_forks, 1);
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

	/* step 1: the ring is the parent's; never submit on it here */
	uring_thread_release();
	/* the registered ids are the parent's threads */
	uao_thread_fork_child();
	/*
	 * The registry first: the new threads' setup goes through the
	 * interposers, which read it.
	 */
	sim_registry_child_reset();
	for (sim = sim_registry_next(NULL); sim != NULL;
	     sim = sim_registry_next(sim)) {
		fork_release(sim, true);
		fork_revive(sim);
	}
	for (sim = sim_registry_next(NULL); sim != NULL;
	     sim = sim_registry_next(sim))
		fork_start(sim);
	/* the parent's watcher and pipes are not ours */
	nwatches = 0;
	watcher_started = false;
	fd_guard_close(fork_pipe[0]);
	if (sim_fork_child_hook != NULL)
		sim_fork_child_hook();
	/* the handlers run: a fault in here is served now */
	sim_private_alloc(false);
}

static int fork_init_error;

void
sim_fork_counts(struct sim_fork_counts *fc)
{
	memset(fc, 0, sizeof(*fc));
	if (fork_shared == NULL)
		return;
	fc->fc_forks = atomic_load(&fork_shared->fs_forks);
	fc->fc_pageins = atomic_load(&fork_shared->fs_io[0]);
	fc->fc_pageouts = atomic_load(&fork_shared->fs_io[1]);
}

static void
fork_init_once(void)
{
	void *p = sys_mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	fork_shared = p != MAP_FAILED ? p : NULL;
	fork_init_error =
	    -pthread_atfork(fork_prepare, fork_parent, fork_child);
}

int
sim_fork_init(void)
{
	pthread_once(&fork_once, fork_init_once);
	return fork_init_error;
}
