/*
 * swap_int.h: swap devices, global slot numbers, and swap I/O.
 *
 * The model is NetBSD's uvm_swap.c: several swap devices, each owning
 * one range of the global slot space ("the drum"), kept in a list sorted
 * by priority.  Slot 0 means "no slot"; SWSLOT_BAD (-1) is never a real
 * slot.  This layer knows nothing of objects: it moves pages between
 * memory and slots, and for swapoff asks the pager (through the callback
 * given to swap_create) to empty a range of slots, as uvm_swap.c calls
 * uao_swap_off.
 *
 * Locks, in the one lock order of uao (see src/pager/uvm_int.h):
 *
 *	sd_ctl_lock  ->  [object lock -> uao_list_lock -> page queues]
 *	    ->  sd_lock
 *
 * sd_ctl_lock (UVM's swap_syscall_lock) serialises swapon and swapoff,
 * and is held across the pager callback.  sd_lock (UVM's
 * uvm_swap_data_lock) protects the device list, the slot bitmaps, and
 * the counters; it is a leaf: nothing else is taken while it is held.
 *
 * Field protection:  I = immutable after creation,  s = sd_lock,
 *                    c = sd_ctl_lock (and sd_lock for writes).
 */
#ifndef UAO_SWAPDEV_SWAP_INT_H
#define UAO_SWAPDEV_SWAP_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "base/lock_int.h"
#include "base/param_int.h"

/* swap_on flags */
#define SWAP_BUFFERED 0x1 /* no O_DIRECT: host page cache holds pages */

/* sw_flags */
#define SWF_ENABLE   0x1 /* slots may be allocated on this device */
#define SWF_ODIRECT  0x2 /* opened O_DIRECT */
#define SWF_ANON     0x4 /* anonymous O_TMPFILE, gone on close */
#define SWF_CREATED  0x8 /* we created the named file at swapon */
#define SWF_BLOCKDEV 0x10
#define SWF_INHERITED                                                          \
	0x20 /* a forked child's copy of its parent's device: read only */

/*
 * Fault injection, per device and per direction: fail the Nth page
 * transferred from now on (one shot), and/or a fraction of all pages,
 * with EIO.  The I/O itself is never issued for an injected failure, so
 * the slot's old contents stay as they were, as with a real bad sector.
 */
struct swap_faultinj {
	uint64_t fi_nth;   /* s: 1 = the next page; 0 = off */
	uint32_t fi_ppm;   /* s: fail this many pages per million */
	uint64_t fi_rng;   /* s: base/rng.h stream for fi_ppm */
	uint64_t fi_count; /* s: pages of this direction seen since set */
};

struct swapdev {
	TAILQ_ENTRY(swapdev) sw_next;  /* s: sd_devs, by priority */
	char *sw_path;		       /* I: as given, or "(anonymous)" */
	int sw_id;		       /* I: unique id in this instance */
	int sw_fd;		       /* I */
	dev_t sw_stdev;		       /* I: identity, for duplicates */
	ino_t sw_stino;		       /* I */
	int sw_prio;		       /* s: lower is used first */
	int sw_flags;		       /* s: SWF_* */
	int sw_start;		       /* I: first global slot */
	int sw_npages;		       /* I: slots on this device */
	int sw_npginuse;	       /* s: allocated, not bad */
	int sw_npgbad;		       /* s: marked bad, never reused */
	int sw_npgheld;		       /* s: freed while held (swap_hold) */
	int sw_inflight;	       /* s: pages under I/O */
	int sw_hint;		       /* s: next-fit cursor */
	uint64_t *sw_used;	       /* s: bit set: allocated or bad */
	uint64_t *sw_bad;	       /* s: bit set: bad */
	uint64_t *sw_held;	       /* s: bit set: freed, held for a child */
	struct swap_faultinj sw_fi[2]; /* s: [0] reads, [1] writes */
	uint64_t sw_nread;	       /* s: pages read */
	uint64_t sw_nwrite;	       /* s: pages written */
	uint64_t sw_nreaderr;	       /* s: pages that failed a read */
	uint64_t sw_nwriteerr;	       /* s: pages that failed a write */
	int sw_lastwerr;	       /* s: errno of the last failed write */
};

/*
 * swap_pagein_fn: the pager's "empty this slot range" entry point
 * (uao_swap_off).  Returns 0, or -ENOMEM if memory ran out.
 */
typedef int (*swap_pagein_fn)(void *arg, int startslot, int endslot);

struct swap_data {
	struct uvm_lock sd_ctl_lock;   /* swapon/swapoff serialisation */
	struct uvm_lock sd_lock;       /* the swap data lock */
	TAILQ_HEAD(, swapdev) sd_devs; /* s: sorted by sw_prio */
	int sd_ndevs;		       /* s */
	int sd_nextslot;	       /* s: start of the next device */
	int sd_nextid;		       /* s */
	int sd_swpages;		       /* s: slots on enabled devices */
	int sd_swpginuse;	       /* s: allocated slots, all devices */
	int sd_swpgonly;	       /* s: pages whose only copy is swap */
	int sd_holds;		       /* s: swap_hold calls outstanding */
	atomic_uint
	    sd_offgen; /* a (written under c): odd while a swap_off runs */
	swap_pagein_fn sd_pagein; /* I */
	void *sd_pagein_arg;	  /* I */
};

/* One page of a batched transfer (uvm_swap_io). */
struct swap_io {
	int sio_slot;  /* in: global slot */
	void *sio_buf; /* in: page-aligned, PAGE_SIZE bytes */
	int sio_error; /* out: 0, or -errno */
};

/*
 * When a batch's reads went to the device and came back, for the fault
 * probes (uao_probe_enable): clock_now_ns times, 0 until set.  A
 * caller that passes one gets it filled; one that passes NULL pays a
 * NULL test per batch and no clock read.
 */
struct swap_iotimes {
	uint64_t it_submit; /* the first request handed to io_uring */
	uint64_t it_done;   /* the last completion reaped */
};

/* One device, as swap_list reports it. */
struct swap_devinfo {
	int si_id;
	char si_path[256];
	int si_prio;
	int si_flags;
	int si_start;
	int si_npages;
	int si_npginuse;
	int si_npgbad;
	int si_npgheld;
	uint64_t si_nread, si_nwrite, si_nreaderr, si_nwriteerr;
	int si_lastwerr; /* errno of the last failed write, or 0 */
};

/*
 * swap_create: a swap instance with no devices.
 * => pagein is called by swap_off with sd_ctl_lock held.
 * => returns NULL only if memory is exhausted.
 */
struct swap_data *swap_create(swap_pagein_fn pagein, void *arg);

/*
 * swap_destroy: close every device and free the instance.
 * => no slot may be in use (KASSERT): the pager frees its objects first.
 */
void swap_destroy(struct swap_data *sd);

/*
 * swap_on: add a swap device, claimed as the kernel's swapon(2) claims
 * one (swapsig_int.h): uao writes only to a file it creates here, or to
 * a file or block device that carries uao's signature.
 *
 * => `size' is the swap space in bytes (the slots); the file holds one
 *    more page, the signature, before slot 0.
 * => path NULL: an anonymous file (O_TMPFILE, mode 0600) in tmpdir (NULL:
 *    $TMPDIR, else /tmp).
 * => path names a missing file: it is created 0600, allocated, and
 *    signed.  An existing file or block device must carry the signature:
 *    it is used at `size', or at the signature's size if `size' is 0.  A
 *    signed regular file grows if `size' is larger (its holes are
 *    allocated, its mode set to 0600); a block device is opened O_EXCL,
 *    and never used beyond its signature.
 * => the file is opened O_DIRECT unless flags has SWAP_BUFFERED.
 * => returns the device id (> 0), or -EINVAL (size zero, not a multiple
 *    of the page size, or too large; a FIFO, socket, character device,
 *    or a file of /proc, /sys or another pseudo filesystem), -ELOOP (a
 *    symbolic link), -EISDIR, -EMEDIUMTYPE (an existing file or device
 *    without uao's signature: see `uao mkswap'), -EUCLEAN (a damaged
 *    signature), -EFBIG (`size' beyond a device's signature), -EEXIST
 *    (already a swap device here), -EBUSY (a named file that another
 *    process uses as swap: locked with flock(2) while in use; a block
 *    device mounted or opened O_EXCL elsewhere), -EACCES (a read-only
 *    file, even for root), -ENOSPC (the filesystem cannot hold it),
 *    -EOPNOTSUPP (no O_DIRECT on that filesystem; holes it cannot
 *    allocate), -ESTALE (the path changed while it was opened), or the
 *    errno of open(2) (-ENOENT, -EACCES, ...).
 * => a file created here is removed again if swap_on fails.
 * => takes sd_ctl_lock and sd_lock.
 */
int swap_on(struct swap_data *sd, const char *path, uint64_t size, int prio,
    int flags, const char *tmpdir);

/*
 * swap_mkfile: create `path', a new file of `size' bytes of swap space
 * (and one page more, the signature), every block written with zeros,
 * and sign it: a swap file for a later swap_on that allocates nothing
 * while it is used (benchmarks measure I/O, not block allocation).
 * => never overwrites: an existing path is -EEXIST (a dangling symbolic
 *    link too: O_EXCL).
 * => returns 0, -EINVAL (size zero, not a multiple of the page size, or
 *    too large), -EEXIST, or the errno of open/write/fsync (the file is
 *    removed again then).
 */
int swap_mkfile(const char *path, uint64_t size);

/*
 * swapdev_open (swapopen.c): open path as a swap device for swap_on,
 * claiming it (above); flags and tmpdir as for swap_on.
 * => an fd, or -errno; *sizep (bytes, 0 = the signature's) is in/out;
 *    *swflagsp gets SWF_CREATED when uao made the file.
 */
int swapdev_open(const char *path, uint64_t *sizep, int flags,
    const char *tmpdir, int *swflagsp);

/*
 * swap_off: remove a device, paging everything on it back in first.
 *
 * => `id' as swap_on returned it, or 0 to name the device by path.
 * => returns 0, -ENXIO (no such device), -ENOMEM (memory ran out; the
 *    device is enabled again and stays usable), or -EBUSY (slots still in
 *    use after the pagein; the device is enabled again).
 * => nothing may be locked by the caller: this calls the pager.
 */
int swap_off(struct swap_data *sd, int id, const char *path);

/*
 * swap_off_gen: a count that is odd while a swap_off runs, and changes
 * with every one.  swap_off_wait: return once no swap_off runs.
 * => for a fault that ran out of memory: a swapoff holds its device out
 *    of use while it pages it in, and gives it back if memory runs out.
 *    Such a fault is worth trying again once the swapoff is over.
 * => swap_off_wait takes sd_ctl_lock: the caller must hold no page busy.
 */
unsigned int swap_off_gen(struct swap_data *sd);
void swap_off_wait(struct swap_data *sd);

/*
 * swap_quiesce: hold swapon and swapoff off (sd_ctl_lock), for a caller
 * that must see the whole machine still: the pager's uvm_quiesce (a
 * consistency check, a fork snapshot).  swap_unquiesce ends it.
 * => first in the lock order: nothing of the pager may be locked by the
 *    caller, and no page held busy (a swapoff in progress may wait for it).
 *
 * swap_freeze: also hold slot allocation, freeing and every counter
 * still (sd_lock), so that a recount matches.  swap_thaw ends it.
 * => swap_quiesce'd by the caller; last in the lock order: taken after
 *    the pager's locks (objects, list, page queues), and nothing may be
 *    locked after it.  The caller may read struct swap_data and its
 *    devices while frozen, and must not call into this layer (every
 *    call that takes sd_lock would deadlock).
 */
void swap_quiesce(struct swap_data *sd);
void swap_unquiesce(struct swap_data *sd);
void swap_freeze(struct swap_data *sd);
void swap_thaw(struct swap_data *sd);

/*
 * swap_list: copy up to max device descriptions into out.
 * => returns the number of devices (which may exceed max).
 */
int swap_list(struct swap_data *sd, struct swap_devinfo *out, int max);

/*
 * swap_set_faults: set fault injection for a device.
 * => write: 0 for reads, 1 for writes.  nth: fail the nth page from now
 *    (0: off).  ppm: fail that many pages per million (0: off), page by
 *    page where rng_below(&stream, 1000000) < ppm, the stream (base/rng.h)
 *    starting at seed (any value, 0 included).
 * => returns 0 or -ENXIO.
 */
int swap_set_faults(struct swap_data *sd, int id, int write, uint64_t nth,
    uint32_t ppm, uint64_t seed);

/*
 * uvm_swap_alloc: allocate *nslots contiguous slots on one device.
 *
 * => devices are tried in priority order, round-robin within a priority
 *    (the device used moves to the back of its priority).
 * => lessok: accept a shorter run (*nslots is updated).
 * => returns the first slot, or 0 if no swap space was found.
 * => takes sd_lock.
 */
int uvm_swap_alloc(struct swap_data *sd, int *nslots, bool lessok);

/*
 * uvm_swap_free: free slots from one allocation.
 * => SWSLOT_BAD and 0 are ignored; bad slots stay allocated for ever.
 * => takes sd_lock.
 */
void uvm_swap_free(struct swap_data *sd, int startslot, int nslots);

/*
 * uvm_swap_markbad: record an I/O error on a range of allocated slots.
 *
 * => the slots move from "in use" to "bad" and are never handed out
 *    again; they are released only with their device.
 * => differs from UVM: does not touch swpgonly.  Only the caller knows
 *    whether the page was swap-only (a read error) or resident (a write
 *    error); it adjusts swpgonly itself.
 * => takes sd_lock.
 */
void uvm_swap_markbad(struct swap_data *sd, int startslot, int nslots);

/*
 * uvm_swap_io: read or write a batch of pages.
 *
 * => consecutive entries whose slots are consecutive on one device go in
 *    one request; all requests are in flight at once (io_uring).
 * => each entry's sio_error is set; returns the number that failed.
 * => blocks until every transfer has finished.  No pager lock may be
 *    held (the calling thread sleeps on the device).
 * => iot, if not NULL (the caller zeroes it), gets when the first
 *    request was handed to
 *    io_uring (after sd_lock and the request building) and when the last
 *    completion was reaped; both stay 0 if nothing was issued (every
 *    page failed by injection).
 */
int uvm_swap_io(struct swap_data *sd, struct swap_io *ios, int n, bool write,
    struct swap_iotimes *iot);

/*
 * swap_hold: keep the contents of every slot in use now.  Until the
 * matching swap_unhold, slots that are freed are not handed out again
 * (they are "held"): a forked child may still read them.
 * => takes sd_lock
 */
void swap_hold(struct swap_data *sd);
/* swap_unhold: end one hold; the last releases every held slot */
void swap_unhold(struct swap_data *sd);

/*
 * swap_fork_child: in a forked child, make every device inherited from
 * the parent read-only (SWF_INHERITED): its held slots are still read,
 * but never allocated or written, since the parent allocates from the
 * same free space; freeing one of them only forgets it.  The child's
 * holds (the parent's, copied) are dropped: it has no children yet.
 * => the only thread of a forked child; takes sd_lock.
 * => returns the slots the parent could allocate (its enabled devices,
 *    not those it inherited itself), to size the child's own device: a
 *    child of a child gets as much swap as its parent, not the sum of
 *    the generations before it.
 */
int swap_fork_child(struct swap_data *sd);

/*
 * swap_slot_locate: where slot lives: its device's fd and the byte
 * offset.  => 0, or -ENXIO.  For tests (uao reads slots by uvm_swap_io).
 */
int swap_slot_locate(struct swap_data *sd, int slot, int *fdp, off_t *offp);

/* swap counters, read under sd_lock */
int swap_swpgonly(struct swap_data *sd);
void swap_swpgonly_add(struct swap_data *sd, int delta);
int swap_swpages(struct swap_data *sd);
int swap_swpginuse(struct swap_data *sd);

/*
 * swap_slot_device_id: the id of the device that owns slot, or 0.
 */
int swap_slot_device_id(struct swap_data *sd, int slot);

/*
 * swap_check: recount every device's bitmaps against its counters.
 * => returns 0, or -EUCLEAN after printing what disagrees to stderr.
 * => for tests and the stress tool's final report.
 */
int swap_check(struct swap_data *sd);

#endif /* UAO_SWAPDEV_SWAP_INT_H */
