/*
 * sim.c: the public API of libuao (include/uao/uao.h): simulator
 * instances, regions, swap devices, statistics.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/fdguard_int.h"
#include "base/kmem_int.h"
#include "pager/aobj_int.h"
#include "pager/check_int.h"
#include "pager/pdaemon_int.h"
#include "pager/uvm_int.h"
#include "uffd/pmap_uffd_int.h"
#include "uffd/probe_int.h"
#include "uffd/sim_int.h"
#include "uffd/threads_int.h"
#include "swapdev/swap_int.h"
#include "uao/uao.h"
#include "uffd/uffd_compat.h"

#define SIM_DEFAULT_RAM (64UL << 20)
#define SIM_MIN_RAM	(256UL << 10)

/* what uao needs of userfaultfd */
#define SIM_FEATURES                                                           \
	(UFFD_FEATURE_PAGEFAULT_FLAG_WP | UFFD_FEATURE_MOVE |                  \
	    UFFD_FEATURE_POISON | UFFD_FEATURE_THREAD_ID)

/*
 * Open a userfaultfd that also reports faults taken inside system calls
 * (no UFFD_USER_MODE_ONLY): a program's read(2) into a region must be
 * served too.
 */
static int
sim_open_uffd(void)
{
	int dev, fd, error;

	dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
	if (dev >= 0) {
		fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC | O_NONBLOCK);
		error = errno;
		close(dev);
		if (fd >= 0)
			return fd;
		errno = error;
	}
	fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0)
		return fd;
	return errno == EACCES ? -EPERM : -errno;
}

static int
sim_api(int fd)
{
	struct uffdio_api api;

	memset(&api, 0, sizeof(api));
	api.api = UFFD_API;
	api.features = SIM_FEATURES;
	if (ioctl(fd, UFFDIO_API, &api) != 0)
		return errno == EINVAL ? -EOPNOTSUPP : -errno;
	if ((api.features & SIM_FEATURES) != SIM_FEATURES)
		return -EOPNOTSUPP;
	return 0;
}

static pthread_once_t sim_hook_once = PTHREAD_ONCE_INIT;

static void
sim_hook_install(void)
{
	uvm_thread_hook = uao_thread_start;
}

int
sim_uffd_new(void)
{
	int fd = sim_open_uffd(), error;

	if (fd < 0)
		return fd;
	error = sim_api(fd);
	if (error != 0) {
		close(fd);
		return error;
	}
	return fd;
}

int
uao_sim_create(const struct uao_config *cfg, struct uao_sim **simp)
{
	struct uao_config dflt;
	struct uao_sim *sim;
	int error, nframes;

	memset(&dflt, 0, sizeof(dflt));
	if (cfg == NULL)
		cfg = &dflt;
	if (cfg->ram_bytes != 0 &&
	    (cfg->ram_bytes < SIM_MIN_RAM || cfg->ram_bytes % PAGE_SIZE != 0 ||
		cfg->ram_bytes / PAGE_SIZE > INT32_MAX))
		return -EINVAL;
	if (cfg->handlers < 0 || cfg->handlers > SIM_MAX_HANDLERS)
		return -EINVAL;
	if (cfg->oom_action != UAO_OOM_KILL &&
	    cfg->oom_action != UAO_OOM_SIGBUS)
		return -EINVAL;
	nframes = (int)((cfg->ram_bytes ? cfg->ram_bytes : SIM_DEFAULT_RAM) /
	    PAGE_SIZE);

	/*
	 * The pagedaemon registers as a uao thread too.  Once per process:
	 * a second machine's create must not write the hook while the first
	 * machine's pagedaemon reads it (a data race, though of one value).
	 */
	pthread_once(&sim_hook_once, sim_hook_install);
	sim = kmem_zalloc(1, sizeof(*sim));
	if (sim == NULL)
		return -ENOMEM;
	sim->us_stopfd = -1;
	sim->us_oom_action = cfg->oom_action;
	sim->us_nhandlers =
	    cfg->handlers ? cfg->handlers : UAO_DEFAULT_HANDLERS;
	sim->us_fd = fd_guard(sim_open_uffd());
	if (sim->us_fd < 0) {
		error = sim->us_fd;
		goto out_free;
	}
	error = sim_api(sim->us_fd);
	if (error != 0)
		goto out_close;
	sim->us_stopfd = fd_guard(eventfd(0, EFD_CLOEXEC));
	if (sim->us_stopfd < 0) {
		error = -errno;
		goto out_close;
	}
	error = region_table_init(&sim->us_regions);
	if (error != 0)
		goto out_close;
	sim->us_pmap = pmap_uffd_create(sim->us_fd, nframes);
	if (sim->us_pmap == NULL) {
		error = -errno;
		goto out_table;
	}
	sim->us_uvm = uvm_create(nframes, sim->us_pmap);
	if (sim->us_uvm == NULL) {
		error = -ENOMEM;
		goto out_pmap;
	}
	error = handler_start(sim);
	if (error != 0)
		goto out_uvm;
	if (!cfg->no_pagedaemon) {
		error = uvm_pdaemon_start(sim->us_uvm);
		if (error != 0)
			goto out_handlers;
	}
	error = sim_fork_init();
	if (error != 0)
		goto out_pdaemon;
	sim_registry_add(sim);
	*simp = sim;
	return 0;

out_pdaemon:
	uvm_pdaemon_stop(sim->us_uvm);

out_handlers:
	handler_stop(sim);
out_uvm:
	uvm_destroy(sim->us_uvm);
out_pmap:
	pmap_uffd_destroy(sim->us_pmap);
out_table:
	region_table_fini(&sim->us_regions);
out_close:
	fd_guard_close(sim->us_stopfd);
	fd_guard_close(sim->us_fd);
out_free:
	kmem_free(sim);
	return error;
}

int
uao_sim_destroy(struct uao_sim *sim)
{
	struct swap_devinfo devs[64];
	int n;

	pthread_rwlock_rdlock(&sim->us_regions.rt_lock);
	n = sim->us_regions.rt_nregions;
	pthread_rwlock_unlock(&sim->us_regions.rt_lock);
	if (n > 0)
		return -EBUSY;

	sim_registry_remove(sim);
	uvm_pdaemon_stop(sim->us_uvm);
	handler_stop(sim);
	do {
		n = swap_list(sim->us_uvm->swap, devs, 64);
		for (int i = 0; i < n && i < 64; i++)
			swap_off(sim->us_uvm->swap, devs[i].si_id, NULL);
	} while (n > 64);
	uvm_destroy(sim->us_uvm);
	/* after handler_stop: no handler holds the ring any more */
	probe_ring_free(atomic_load(&sim->us_probe_ring));
	pmap_uffd_destroy(sim->us_pmap);
	region_table_fini(&sim->us_regions);
	fd_guard_close(sim->us_stopfd);
	fd_guard_close(sim->us_fd);
	kmem_free(sim);
	return 0;
}

int
uao_pagedaemon_start(struct uao_sim *sim)
{
	return uvm_pdaemon_start(sim->us_uvm);
}

int
uao_pagedaemon_stop(struct uao_sim *sim)
{
	uvm_pdaemon_stop(sim->us_uvm);
	return 0;
}

/*
 * regions
 */

int
uao_region_create(struct uao_sim *sim, size_t size, struct uao_region **rp)
{
	return region_create(sim, NULL, size, rp);
}

void *
uao_region_base(const struct uao_region *r)
{
	return r->r_view.pv_base;
}

size_t
uao_region_size(const struct uao_region *r)
{
	return r->r_len;
}

int
uao_region_destroy(struct uao_region *r)
{
	region_destroy(r);
	return 0;
}

static int
region_range(const struct uao_region *r, size_t off, size_t len)
{
	if (off > r->r_len || len > r->r_len - off || len == 0)
		return -EINVAL;
	return 0;
}

int
uao_region_discard(struct uao_region *r, size_t off, size_t len)
{
	int error = region_range(r, off, len);

	if (error == 0)
		region_discard(r->r_sim, r->r_view.pv_base + off, len);
	return error;
}

int
uao_region_pageout(struct uao_region *r, size_t off, size_t len)
{
	int error = region_range(r, off, len);

	if (error == 0)
		error = region_pageout(r->r_sim, r->r_view.pv_base + off, len,
		    false);
	return error;
}

struct uao_region *
uao_region_of(struct uao_sim *sim, const void *addr)
{
	struct uao_region *r;
	int pageidx;

	r = region_lookup(sim, addr, &pageidx);
	if (r != NULL)
		region_release(r);
	return r;
}

/*
 * swap
 */

int
uao_swap_add(struct uao_sim *sim, const char *path, uint64_t size, int prio,
    int flags)
{
	if ((flags & ~UAO_SWAP_BUFFERED) != 0)
		return -EINVAL;
	return swap_on(sim->us_uvm->swap, path, size, prio,
	    (flags & UAO_SWAP_BUFFERED) ? SWAP_BUFFERED : 0, NULL);
}

int
uao_swap_mkfile(const char *path, uint64_t size)
{
	if (path == NULL)
		return -EINVAL;
	return swap_mkfile(path, size);
}

int
uao_swap_remove(struct uao_sim *sim, int id, const char *path)
{
	if (id == 0 && path == NULL)
		return -EINVAL;
	return swap_off(sim->us_uvm->swap, id, path);
}

int
uao_swap_list(struct uao_sim *sim, struct uao_swapinfo *out, int max)
{
	struct swap_devinfo devs[64];
	int n = swap_list(sim->us_uvm->swap, devs, 64);

	for (int i = 0; i < n && i < max && i < 64; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].id = devs[i].si_id;
		memcpy(out[i].path, devs[i].si_path, sizeof(out[i].path));
		out[i].prio = devs[i].si_prio;
		out[i].odirect = (devs[i].si_flags & SWF_ODIRECT) != 0;
		out[i].pages = (uint64_t)devs[i].si_npages;
		out[i].inuse = (uint64_t)devs[i].si_npginuse;
		out[i].bad = (uint64_t)devs[i].si_npgbad;
		out[i].reads = devs[i].si_nread;
		out[i].writes = devs[i].si_nwrite;
		out[i].read_errors = devs[i].si_nreaderr;
		out[i].write_errors = devs[i].si_nwriteerr;
	}
	return n;
}

int
uao_swap_inject(struct uao_sim *sim, int id, int write, uint64_t nth,
    uint32_t ppm, uint64_t seed)
{
	return swap_set_faults(sim->us_uvm->swap, id, write, nth, ppm, seed);
}

/*
 * statistics
 */

static uint64_t
ld(atomic_uint_fast64_t *p)
{
	return atomic_load_explicit(p, memory_order_relaxed);
}

int
uao_sim_stats(struct uao_sim *sim, struct uao_stats *st)
{
	struct uvm *uvm = sim->us_uvm;
	struct uvmexp *e = &uvm->exp;
	struct pmap_uffd_stats ps;
	struct probe_ring *pr;

	memset(st, 0, sizeof(*st));
	st->faults = ld(&e->faults);
	for (int k = 0; k < UAO_FAULT_KINDS; k++) {
		struct uvm_hist *h = &e->hist[k];

		st->by_kind[k] = ld(&e->fltkind[k]);
		st->latency[k].count = ld(&h->h_n);
		st->latency[k].sum_ns = ld(&h->h_sum_ns);
		st->latency[k].max_ns = ld(&h->h_max_ns);
		for (int b = 0; b < UAO_LAT_BUCKETS; b++)
			st->latency[k].buckets[b] = ld(&h->h_count[b]);
	}
	st->stale = ld(&e->fltstale);
	st->lost = ld(&e->fltlost);
	st->fault_ahead = ld(&e->fltahead);
	st->write_predicted = ld(&e->fltwpredict);
	st->io_errors = ld(&e->fltioerr);
	st->out_of_memory = ld(&e->fltnomem);
	st->pageins = ld(&e->pageins);
	st->pageins_readahead = ld(&e->pgswapin_ra);
	st->readahead_hits = ld(&e->pgswapin_rahit);
	st->pageouts = ld(&e->pageouts);
	st->freed_clean = ld(&e->pgoutclean);
	st->freed_zero = ld(&e->pgoutzero);
	st->pageout_errors = ld(&e->pdwrerr);
	st->pd_passes = ld(&e->pdpasses);
	st->deactivated = ld(&e->pddeact);
	st->reactivated = ld(&e->pdreact);
	st->swapoff_pages = ld(&e->swapoffpgs);
	st->oom_events = ld(&e->oomevents);

	uvm_lock(&uvm->pq_lock);
	st->ram_pages = (uint64_t)uvm->nframes;
	st->free_pages = (uint64_t)uvm->free;
	st->active_pages = (uint64_t)uvm->active;
	st->inactive_pages = (uint64_t)uvm->inactive;
	uvm_unlock(&uvm->pq_lock);

	st->swap_pages = (uint64_t)swap_swpages(uvm->swap);
	st->swap_inuse = (uint64_t)swap_swpginuse(uvm->swap);
	st->swpgonly = (uint64_t)swap_swpgonly(uvm->swap);

	pthread_rwlock_rdlock(&sim->us_regions.rt_lock);
	st->regions = (uint64_t)sim->us_regions.rt_nregions;
	st->region_bytes = (uint64_t)sim->us_regions.rt_bytes;
	pthread_rwlock_unlock(&sim->us_regions.rt_lock);

	pmap_uffd_get_stats(sim->us_pmap, &ps);
	st->staged_pages = (uint64_t)ps.ps_staged;
	st->uffd_copies = ps.ps_copy;
	st->uffd_zeropages = ps.ps_zeropage;
	st->uffd_moves = ps.ps_move;
	st->uffd_wprotects = ps.ps_wp;
	st->pages_moved = ps.ps_pages_moved;
	st->move_undercounts = ps.ps_undercount;

	if ((pr = atomic_load(&sim->us_probe_ring)) != NULL) {
		st->probe_records = ld(&pr->pr_records);
		st->probe_lost = ld(&pr->pr_lost);
		st->probe_noio = ld(&pr->pr_noio);
	}
	return 0;
}

int
uao_sim_check(struct uao_sim *sim, char *why, size_t len)
{
	return uvm_check(sim->us_uvm, why, len);
}

const char *
uao_strerror(int error)
{
	const char *s;

	/*
	 * what swap_on means by them (swapsig_int.h); not -EUCLEAN, which
	 * uao_sim_check returns for a broken invariant
	 */
	switch (error < 0 ? -error : error) {
	case EMEDIUMTYPE:
		return "not uao's: no uao swap signature (see uao mkswap)";
	case EFBIG:
		return "beyond the device's swap area (its signature's size)";
	case ELOOP:
		return "a symbolic link (name the file or device itself)";
	default:
		break;
	}
	s = strerrordesc_np(error < 0 ? -error : error);

	return s != NULL ? s : "unknown error";
}
