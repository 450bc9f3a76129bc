/*
 * uao.h: the public API of libuao.
 *
 * A simulator instance (struct uao_sim) is one simulated machine: a RAM
 * limit, swap devices, fault-handler threads and a pagedaemon.  Its
 * memory is handed out as regions: each region is an anonymous-memory
 * object (an aobj, NetBSD UVM's uvm_aobj) with a real mapping in this
 * process.  The program reads and writes a region like any memory; pages
 * it has not touched, or that the pagedaemon paged out, fault, and the
 * fault is served by uao's reimplementation of uao_get: zero-filled, or
 * read back from a swap file through io_uring.  At most `ram' bytes of
 * all regions are resident at once.
 *
 * Every function returns 0 (or a count, or an id) on success and a
 * negative errno on failure, as liburing does.  uao_strerror names them.
 *
 * Threads: the functions may be called from any thread, concurrently,
 * except that a region must not be used once uao_region_destroy has
 * started on it, and uao_sim_destroy must be the last call.
 *
 * Memory of a region must not be unmapped or remapped with raw system
 * calls: use uao_region_destroy / uao_region_discard, or the libc
 * functions munmap, madvise and mremap, which libuao catches for region
 * addresses (see README.md).
 */
#ifndef UAO_UAO_H
#define UAO_UAO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * UAO_EXPORT marks the API: libuao and the `uao run' runtime are built
 * with symbol visibility hidden by default, and export only the functions
 * below and the libc functions they interpose (tests/symbols lists them).
 */
#if defined(__GNUC__)
#define UAO_EXPORT __attribute__((visibility("default")))
#else
#define UAO_EXPORT
#endif

struct uao_sim;
struct uao_region;

/* what a fault does when no frame can be had and none can be freed */
enum uao_oom_action {
	UAO_OOM_KILL = 0,   /* print why, then SIGKILL the process (exit 137) */
	UAO_OOM_SIGBUS = 1, /* the faulting access gets SIGBUS */
};

/*
 * Fault-handler threads when none are asked for.  Four, on two cores:
 * each handler has one read in flight, and with two, four faulting
 * threads got 1.2x the page-ins of one; with four, 1.7x (uao-bench).
 */
#define UAO_DEFAULT_HANDLERS 4

struct uao_config {
	size_t ram_bytes;  /* RAM limit; 0 = 64 MiB; >= 256 KiB */
	int handlers;	   /* fault-handler threads; 0 = UAO_DEFAULT_HANDLERS */
	int oom_action;	   /* enum uao_oom_action */
	int no_pagedaemon; /* 1: do not start the pagedaemon */
};

/*
 * uao_sim_create: start a simulated machine.
 * => cfg may be NULL (all defaults).
 * => returns 0, -EINVAL (a RAM limit below 256 KiB or not a multiple of
 *    the page size; handlers outside 1..64), -EPERM (userfaultfd not
 *    permitted: run as root or give access to /dev/userfaultfd), -ENOSYS
 *    (no userfaultfd in this kernel), -EOPNOTSUPP (a userfaultfd feature
 *    uao needs is missing: MOVE, POISON, write-protect), -ENOMEM.
 */
UAO_EXPORT int
uao_sim_create(const struct uao_config *cfg, struct uao_sim **simp);

/*
 * uao_sim_destroy: stop the threads, remove the swap devices and free
 * the machine.
 * => returns 0, or -EBUSY if regions remain.
 */
UAO_EXPORT int uao_sim_destroy(struct uao_sim *sim);

/*
 * uao_pagedaemon_start / uao_pagedaemon_stop: run or stop the pressure
 * thread (started by uao_sim_create unless cfg->no_pagedaemon).  Without
 * it, a fault that finds no free frame runs one pagedaemon pass itself.
 * => return 0, or -EALREADY (start: running already).
 */
UAO_EXPORT int uao_pagedaemon_start(struct uao_sim *sim);
UAO_EXPORT int uao_pagedaemon_stop(struct uao_sim *sim);

/*
 * uao_region_create: a new region of `size' bytes (rounded up to pages),
 * reading as zeros.
 * => returns 0 and sets *rp, or -EINVAL (size 0, or 2^31 pages (8 TiB) or more), -ENOMEM.
 */
UAO_EXPORT int
uao_region_create(struct uao_sim *sim, size_t size, struct uao_region **rp);

/* the region's first byte, and its size in bytes */
UAO_EXPORT void *uao_region_base(const struct uao_region *r);
UAO_EXPORT size_t uao_region_size(const struct uao_region *r);

/*
 * uao_region_destroy: free the region, its pages and its swap.
 * => returns 0.
 */
UAO_EXPORT int uao_region_destroy(struct uao_region *r);

/*
 * uao_region_discard: drop the contents of [off, off+len): the range
 * reads as zeros afterwards, and its frames and swap slots are freed
 * (madvise(MADV_DONTNEED) semantics).
 * => off and len are rounded out to pages.
 * => returns 0 or -EINVAL (outside the region).
 */
UAO_EXPORT int uao_region_discard(struct uao_region *r, size_t off, size_t len);

/*
 * uao_region_pageout: write the dirty pages of [off, off+len) to swap
 * and free the range's frames now (its contents stay, in swap).
 * => returns 0, -EINVAL, or -ENOSPC if swap could not hold every page
 *    (those stay resident).
 */
UAO_EXPORT int uao_region_pageout(struct uao_region *r, size_t off, size_t len);

/*
 * uao_region_of: the region that contains addr, or NULL.
 */
UAO_EXPORT struct uao_region *
uao_region_of(struct uao_sim *sim, const void *addr);

/*
 * Swap devices
 */

#define UAO_SWAP_BUFFERED 0x1 /* no O_DIRECT (filesystems without it) */

/*
 * uao_swap_add: add a swap device of `size' bytes of swap space.
 * => Swap space is claimed as the kernel's swapon claims it: uao writes
 *    only to a file it creates, or to a file or block device that carries
 *    uao's signature (a header page before the slots, written by
 *    `uao mkswap', uao_swap_mkfile, or uao when it created the file).
 * => path NULL: an anonymous file (O_TMPFILE) of `size' bytes in $TMPDIR.
 *    A missing path is created mode 0600 at `size' (plus the header
 *    page) and signed.  An existing signed file is used at `size', or at
 *    its signature's size if 0 (it grows if `size' is larger); a signed
 *    block device is opened O_EXCL and used at most at its signature's
 *    size.
 * => prio: lower numbers are used first (NetBSD swapctl).
 * => returns the device id (> 0), or -EINVAL (bad size; a FIFO, socket,
 *    character device, or /proc, /sys file), -ELOOP (a symbolic link),
 *    -EISDIR, -EMEDIUMTYPE (an existing file or device without uao's
 *    signature), -EUCLEAN (a damaged signature), -EFBIG (beyond a
 *    device's signature), -EEXIST (a device of this instance already),
 *    -EBUSY (in use as swap by another process, or a block device
 *    mounted or open exclusively elsewhere), -EACCES (read-only),
 *    -ENOSPC, -EOPNOTSUPP (no O_DIRECT there: use UAO_SWAP_BUFFERED),
 *    or the errno of open(2).
 */
UAO_EXPORT int uao_swap_add(struct uao_sim *sim, const char *path,
    uint64_t size, int prio, int flags);

/*
 * uao_swap_mkfile: create `path', a new swap file of `size' bytes of swap
 * space plus its header page, every block written, and signed, for a
 * later uao_swap_add that then allocates nothing while it runs.
 * => never overwrites anything: returns 0, -EEXIST (path exists), -EINVAL
 *    (size zero, not a multiple of 4 KiB, or too large), or the errno of
 *    open, write or fsync (the file is removed again).
 */
UAO_EXPORT int uao_swap_mkfile(const char *path, uint64_t size);

/*
 * uao_swap_remove: page everything on a device back in and remove it
 * (NetBSD swapoff).  Name it by id, or by id 0 and its path.
 * => returns 0, -ENXIO (no such device), -ENOMEM (not enough memory to
 *    take its pages: the device stays on, usable), -EBUSY.
 */
UAO_EXPORT int uao_swap_remove(struct uao_sim *sim, int id, const char *path);

struct uao_swapinfo {
	int id;
	char path[256];
	int prio;
	int odirect;		/* 1 if opened O_DIRECT */
	uint64_t pages;		/* size */
	uint64_t inuse;		/* slots in use */
	uint64_t bad;		/* slots lost to I/O errors, never reused */
	uint64_t reads, writes; /* pages transferred */
	uint64_t read_errors, write_errors;
};

/*
 * uao_swap_list: describe up to max devices.
 * => returns the number of devices (possibly more than max).
 */
UAO_EXPORT int
uao_swap_list(struct uao_sim *sim, struct uao_swapinfo *out, int max);

/*
 * uao_swap_inject: make a device fail transfers with EIO, for testing:
 * the nth page transferred from now on (one shot; 0 = off), and/or `ppm'
 * pages per million, chosen by a pseudo-random stream started at `seed'
 * (the same seed fails the same pages).  write: 0 for reads, 1 for
 * writes.
 * => returns 0, -ENXIO, -EINVAL.
 */
UAO_EXPORT int uao_swap_inject(struct uao_sim *sim, int id, int write,
    uint64_t nth, uint32_t ppm, uint64_t seed);

/*
 * Statistics
 */

#define UAO_LAT_BUCKETS 40

enum uao_fault_kind {
	UAO_FAULT_ZERO,	  /* first touch, zero-filled */
	UAO_FAULT_SOFT,	  /* resident but unmapped: mapped without I/O */
	UAO_FAULT_SWAPIN, /* read from swap */
	UAO_FAULT_WP,	  /* first write to a clean page */
	UAO_FAULT_KINDS
};

struct uao_latency {
	uint64_t count;
	uint64_t sum_ns;
	uint64_t max_ns;
	/* bucket i: latencies in [2^i, 2^(i+1)) ns */
	uint64_t buckets[UAO_LAT_BUCKETS];
};

struct uao_stats {
	/* faults: faults = sum(by_kind) + stale */
	uint64_t faults;
	uint64_t by_kind[UAO_FAULT_KINDS];
	uint64_t stale;		/* resolved before we read them */
	uint64_t lost;		/* pages the program discarded behind us */
	uint64_t fault_ahead;	/* neighbour pages mapped with a fault */
	uint64_t io_errors;	/* faults on lost pages (SIGBUS) */
	uint64_t out_of_memory; /* faults with no memory to be had */
	struct uao_latency latency[UAO_FAULT_KINDS];
	/* paging */
	uint64_t pageins;	    /* pages read from swap */
	uint64_t pageins_readahead; /* of which read ahead */
	uint64_t readahead_hits;    /* read-ahead pages then used */
	uint64_t pageouts;	    /* pages written to swap */
	uint64_t freed_clean;	    /* freed without I/O: swap copy current */
	uint64_t freed_zero;	    /* freed without I/O: all zeros */
	uint64_t pageout_errors;    /* writes that failed (page kept) */
	uint64_t pd_passes;
	uint64_t deactivated;
	uint64_t reactivated;
	uint64_t swapoff_pages; /* pages paged in by swap removal */
	uint64_t oom_events;
	/* memory, in pages */
	uint64_t ram_pages;
	uint64_t free_pages;
	uint64_t active_pages;
	uint64_t inactive_pages;
	uint64_t staged_pages; /* resident, unmapped */
	/* swap, in pages */
	uint64_t swap_pages;
	uint64_t swap_inuse;
	uint64_t swpgonly; /* pages whose only copy is in swap */
	/* regions */
	uint64_t regions;
	uint64_t region_bytes;
	/* the machine */
	uint64_t uffd_copies, uffd_zeropages, uffd_moves, uffd_wprotects;
	uint64_t pages_moved;
	/*
	 * pages a failed UFFDIO_MOVE had moved past the count it reported
	 * (kernel 6.18, pages under migration): found by their page tables
	 */
	uint64_t move_undercounts;
	/*
	 * clean pages mapped writable (and dirtied) on a read, because their
	 * object's pages are mostly written after a read: write-protect
	 * faults saved (see doc/design.md, write prediction)
	 */
	uint64_t write_predicted;
	/* fault probes (uao_probe_enable): 0 until enabled */
	uint64_t probe_records; /* records in the ring, not yet taken */
	/*
	 * records lost: overwritten before they were taken; also faults
	 * that found the slot next in turn still in use (those may not all
	 * have been swap-ins: a fault's kind is known only once served)
	 */
	uint64_t probe_lost;
	/*
	 * swap-ins not recorded because the fault did no read of its own
	 * (it waited for another thread's read of the same page)
	 */
	uint64_t probe_noio;
};

/* uao_sim_stats: a snapshot of the counters.  => returns 0 */
UAO_EXPORT int uao_sim_stats(struct uao_sim *sim, struct uao_stats *st);

/*
 * uao_sim_check: recount the machine and compare with its counters
 * (the invariants of DESIGN.md section 3).
 * => returns 0, or -EUCLEAN with a description in why, or -EAGAIN if
 *    the machine was too busy to hold still.
 */
UAO_EXPORT int uao_sim_check(struct uao_sim *sim, char *why, size_t len);

/*
 * Fault probes: where one swap-in's time goes.
 *
 * While probes are on, every swap-in fault a handler serves with a read
 * of its own leaves a record: the faulting page and four times from the
 * handler, on CLOCK_MONOTONIC in nanoseconds (the clock of
 * clock_gettime(CLOCK_MONOTONIC), so the program can put its own times
 * beside them):
 *
 *   (a) msgread_ns  the handler read the fault's userfaultfd message;
 *   (b) submit_ns   the page's read was handed to io_uring, after the
 *                   messages read before it in the same batch, the
 *                   object lock, a frame (and a wait for one);
 *   (c) iodone_ns   the read was reaped (the last of its batch, with
 *                   any read-ahead of the neighbours);
 *   (d) mapped_ns   the map-and-wake ioctl (UFFDIO_COPY or MOVE)
 *                   returned.  The faulting thread is woken inside it,
 *                   so it may run before (d).
 *
 * a <= b <= c <= d.  Other faults (zero fill, soft, write-protect) leave
 * none.  Off by default; off, a fault pays one test of a pointer.  The
 * records live in a ring of fixed size in uao's own memory, allocated
 * here: a fault never allocates for them.  Records not taken are
 * overwritten by newer ones (counted in uao_stats.probe_lost).
 */
struct uao_probe_record {
	void *addr; /* the faulting page (page-aligned) */
	uint64_t msgread_ns;
	uint64_t submit_ns;
	uint64_t iodone_ns;
	uint64_t mapped_ns;
};

/*
 * uao_probe_enable: turn the probes on, with a ring of nrecords.
 * => the ring is allocated by the first call and kept until
 *    uao_sim_destroy; a later call (after uao_probe_disable) turns the
 *    probes on again with the records still in it.
 * => returns 0, -EINVAL (nrecords below 1 or above 2^20), -ENOMEM, or
 *    -EBUSY (enabled before with another nrecords).
 */
UAO_EXPORT int uao_probe_enable(struct uao_sim *sim, int nrecords);

/*
 * uao_probe_disable: turn the probes off.  Faults read from now on leave
 * no record; the records made stay to be taken.
 * => returns 0 (also if never enabled).
 */
UAO_EXPORT int uao_probe_disable(struct uao_sim *sim);

/*
 * uao_probe_take: take out the record of the page that holds addr (the
 * oldest, if several).  A thread that has just returned from a faulting
 * access gets its fault's record: if the handler is still finishing it
 * (between the wake and (d)), the call waits for it.
 * => returns 0 (*rec filled, the record gone from the ring), -ENOENT (no
 *    record for that page: not a swap-in, probes off, or lost), -EINVAL
 *    (rec NULL).
 * => looks at every slot of the ring: keep the ring small when taking
 *    one record per access.
 */
UAO_EXPORT int uao_probe_take(struct uao_sim *sim, const void *addr,
    struct uao_probe_record *rec);

/*
 * uao_probe_drain: take out up to max records, oldest first.
 * => returns the number taken (0 if probes were never enabled), or
 *    -EINVAL (max < 0, or recs NULL with max > 0).  A fault being
 *    served when the call began is waited for (its thread may already
 *    run: the handler fills the record after waking it), so a drain
 *    after a program's accesses returns the records of all of them.
 */
UAO_EXPORT int
uao_probe_drain(struct uao_sim *sim, struct uao_probe_record *recs, int max);

/* uao_strerror: a short text for a negative errno from this API */
UAO_EXPORT const char *uao_strerror(int error);

#ifdef __cplusplus
}
#endif

#endif /* UAO_UAO_H */
