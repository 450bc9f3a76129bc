/*
 * swap.c: swap devices, slot allocation, and swapon/swapoff.
 *
 * Follows NetBSD's uvm_swap.c (swaplist_insert, uvm_swap_alloc,
 * uvm_swap_free, uvm_swap_markbad, swap_on, swap_off) in semantics, on
 * files opened with O_DIRECT.  Per-device allocation is a bitmap with a
 * next-fit cursor, which hands out contiguous runs for clustered pageout.
 * Locks: see swap_int.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/kmem_int.h"
#include "base/fdguard_int.h"
#include "swapdev/swap_int.h"
#include "swapdev/swapsig_int.h"

#define BITS 64

static inline bool
bit_test(const uint64_t *map, int i)
{
	return (map[i / BITS] >> (i % BITS)) & 1;
}

static inline void
bit_set(uint64_t *map, int i)
{
	map[i / BITS] |= (uint64_t)1 << (i % BITS);
}

static inline void
bit_clear(uint64_t *map, int i)
{
	map[i / BITS] &= ~((uint64_t)1 << (i % BITS));
}

/*
 * swapdev lookup and list functions
 */

/* => sd_lock held */
static struct swapdev *
swapdrum_getsdp(struct swap_data *sd, int slot)
{
	struct swapdev *sw;

	KASSERT(uvm_lock_held(&sd->sd_lock));
	TAILQ_FOREACH(sw, &sd->sd_devs, sw_next) {
		if (slot >= sw->sw_start && slot < sw->sw_start + sw->sw_npages)
			return sw;
	}
	return NULL;
}

/* => sd_lock held */
static struct swapdev *
swaplist_find(struct swap_data *sd, int id, const char *path)
{
	struct swapdev *sw;

	KASSERT(uvm_lock_held(&sd->sd_lock));
	TAILQ_FOREACH(sw, &sd->sd_devs, sw_next) {
		if (id != 0 && sw->sw_id == id)
			return sw;
		if (id == 0 && path != NULL && strcmp(sw->sw_path, path) == 0)
			return sw;
	}
	return NULL;
}

/*
 * swaplist_insert: insert a device after every device of the same or a
 * lower priority number, so that a new device of an existing priority
 * takes its turn last in the round-robin.
 * => sd_lock held
 */
static void
swaplist_insert(struct swap_data *sd, struct swapdev *sw)
{
	struct swapdev *it;

	KASSERT(uvm_lock_held(&sd->sd_lock));
	TAILQ_FOREACH(it, &sd->sd_devs, sw_next) {
		if (it->sw_prio > sw->sw_prio) {
			TAILQ_INSERT_BEFORE(it, sw, sw_next);
			return;
		}
	}
	TAILQ_INSERT_TAIL(&sd->sd_devs, sw, sw_next);
}

struct swap_data *
swap_create(swap_pagein_fn pagein, void *arg)
{
	struct swap_data *sd;

	sd = kmem_zalloc(1, sizeof(*sd));
	if (sd == NULL)
		return NULL;
	uvm_lock_init(&sd->sd_ctl_lock);
	uvm_lock_init(&sd->sd_lock);
	TAILQ_INIT(&sd->sd_devs);
	sd->sd_nextslot = 1; /* slot 0 means "none" */
	sd->sd_nextid = 1;
	sd->sd_pagein = pagein;
	sd->sd_pagein_arg = arg;
	return sd;
}

static void
swapdev_free(struct swapdev *sw)
{
	fd_guard_close(sw->sw_fd);
	kmem_free(sw->sw_used);
	kmem_free(sw->sw_bad);
	kmem_free(sw->sw_held);
	kmem_free(sw->sw_path);
	kmem_free(sw);
}

void
swap_destroy(struct swap_data *sd)
{
	struct swapdev *sw;

	if (sd == NULL)
		return;
	while ((sw = TAILQ_FIRST(&sd->sd_devs)) != NULL) {
		KASSERT(sw->sw_npginuse == 0 && sw->sw_inflight == 0);
		TAILQ_REMOVE(&sd->sd_devs, sw, sw_next);
		swapdev_free(sw);
	}
	KASSERT(sd->sd_swpgonly == 0);
	uvm_lock_destroy(&sd->sd_lock);
	uvm_lock_destroy(&sd->sd_ctl_lock);
	kmem_free(sd);
}

/*
 * swapon
 */

int
swap_on(struct swap_data *sd, const char *path, uint64_t size, int prio,
    int flags, const char *tmpdir)
{
	struct swapdev *sw, *it;
	struct stat st;
	int error, npages, nwords, swflags = 0;

	if (size % PAGE_SIZE != 0 || size / PAGE_SIZE > INT_MAX / 2)
		return -EINVAL;
	if (path == NULL && size == 0)
		return -EINVAL;
	if (path != NULL && path[0] == '\0')
		return -ENOENT;
	if ((flags & ~SWAP_BUFFERED) != 0)
		return -EINVAL;

	uvm_lock(&sd->sd_ctl_lock);

	/* refuse a file that is already swap here, before touching it */
	if (path != NULL && lstat(path, &st) == 0) {
		uvm_lock(&sd->sd_lock);
		TAILQ_FOREACH(it, &sd->sd_devs, sw_next) {
			if (it->sw_stdev == st.st_dev &&
			    it->sw_stino == st.st_ino)
				break;
		}
		uvm_unlock(&sd->sd_lock);
		if (it != NULL) {
			error = -EEXIST;
			goto out_unlock;
		}
	}

	sw = kmem_zalloc(1, sizeof(*sw));
	if (sw == NULL) {
		error = -ENOMEM;
		goto out_unlock;
	}
	sw->sw_fd =
	    fd_guard(swapdev_open(path, &size, flags, tmpdir, &swflags));
	if (sw->sw_fd < 0) {
		error = sw->sw_fd;
		goto out_free;
	}
	if (size < PAGE_SIZE || size / PAGE_SIZE > INT_MAX / 2) {
		error = -EINVAL;
		goto out_free;
	}
	if (fstat(sw->sw_fd, &st) < 0) {
		error = -errno;
		goto out_free;
	}
	npages = (int)(size / PAGE_SIZE);
	nwords = (npages + BITS - 1) / BITS;
	sw->sw_path = kmem_strdup(path != NULL ? path : "(anonymous)");
	sw->sw_used = kmem_zalloc((size_t)nwords, sizeof(uint64_t));
	sw->sw_bad = kmem_zalloc((size_t)nwords, sizeof(uint64_t));
	sw->sw_held = kmem_zalloc((size_t)nwords, sizeof(uint64_t));
	if (sw->sw_path == NULL || sw->sw_used == NULL || sw->sw_bad == NULL ||
	    sw->sw_held == NULL) {
		error = -ENOMEM;
		goto out_free;
	}
	sw->sw_stdev = st.st_dev;
	sw->sw_stino = st.st_ino;
	sw->sw_prio = prio;
	sw->sw_flags = swflags | SWF_ENABLE;
	sw->sw_npages = npages;

	uvm_lock(&sd->sd_lock);
	if (sd->sd_nextslot > INT_MAX - npages) {
		uvm_unlock(&sd->sd_lock);
		error = -ENOSPC;
		goto out_free;
	}
	sw->sw_start = sd->sd_nextslot;
	sd->sd_nextslot += npages;
	sw->sw_id = sd->sd_nextid++;
	swaplist_insert(sd, sw);
	sd->sd_ndevs++;
	sd->sd_swpages += npages;
	uvm_unlock(&sd->sd_lock);
	uvm_unlock(&sd->sd_ctl_lock);
	return sw->sw_id;

out_free:
	if (sw->sw_fd >= 0 && (swflags & SWF_CREATED))
		unlink(path);
	swapdev_free(sw);
out_unlock:
	uvm_unlock(&sd->sd_ctl_lock);
	return error;
}

/*
 * swapoff
 */

int
swap_off(struct swap_data *sd, int id, const char *path)
{
	struct swapdev *sw;
	int error, start, end;

	uvm_lock(&sd->sd_ctl_lock);
	atomic_fetch_add(&sd->sd_offgen, 1); /* odd: running */
	uvm_lock(&sd->sd_lock);
	sw = swaplist_find(sd, id, path);
	if (sw == NULL) {
		uvm_unlock(&sd->sd_lock);
		error = -ENXIO;
		goto out_unlock;
	}

	/* step 1: stop allocation on the device (an inherited one has none) */
	KASSERT(sw->sw_flags & (SWF_ENABLE | SWF_INHERITED));
	if (sw->sw_flags & SWF_ENABLE) {
		sw->sw_flags &= ~SWF_ENABLE;
		sd->sd_swpages -= sw->sw_npages;
	}
	start = sw->sw_start;
	end = sw->sw_start + sw->sw_npages;
	uvm_unlock(&sd->sd_lock);

	/* step 2: page everything on it back in (the pager's uao_swap_off) */
	error = 0;
	if (sd->sd_pagein != NULL)
		error = sd->sd_pagein(sd->sd_pagein_arg, start, end);

	uvm_lock(&sd->sd_lock);
	/* slots held for a forked child must stay readable */
	if (error == 0 &&
	    (sw->sw_npginuse > 0 || sw->sw_inflight > 0 || sw->sw_npgheld > 0))
		error = -EBUSY;
	if (error != 0) {
		/* step 3: failed: the device stays, usable as before */
		if ((sw->sw_flags & SWF_INHERITED) == 0) {
			sw->sw_flags |= SWF_ENABLE;
			sd->sd_swpages += sw->sw_npages;
		}
		uvm_unlock(&sd->sd_lock);
		goto out_unlock;
	}

	/* step 4: remove it; its bad slots go with it */
	TAILQ_REMOVE(&sd->sd_devs, sw, sw_next);
	sd->sd_ndevs--;
	uvm_unlock(&sd->sd_lock);
	swapdev_free(sw);

out_unlock:
	atomic_fetch_add(&sd->sd_offgen, 1); /* even: over */
	uvm_unlock(&sd->sd_ctl_lock);
	return error;
}

unsigned int
swap_off_gen(struct swap_data *sd)
{
	return atomic_load(&sd->sd_offgen);
}

void
swap_off_wait(struct swap_data *sd)
{
	uvm_lock(&sd->sd_ctl_lock);
	uvm_unlock(&sd->sd_ctl_lock);
}

void
swap_quiesce(struct swap_data *sd)
{
	uvm_lock(&sd->sd_ctl_lock);
}

void
swap_unquiesce(struct swap_data *sd)
{
	uvm_unlock(&sd->sd_ctl_lock);
}

void
swap_freeze(struct swap_data *sd)
{
	KASSERT(uvm_lock_held(&sd->sd_ctl_lock));
	uvm_lock(&sd->sd_lock);
}

void
swap_thaw(struct swap_data *sd)
{
	uvm_unlock(&sd->sd_lock);
}

int
swap_list(struct swap_data *sd, struct swap_devinfo *out, int max)
{
	struct swapdev *sw;
	int n = 0;

	uvm_lock(&sd->sd_lock);
	TAILQ_FOREACH(sw, &sd->sd_devs, sw_next) {
		if (n < max) {
			struct swap_devinfo *si = &out[n];

			memset(si, 0, sizeof(*si));
			si->si_id = sw->sw_id;
			snprintf(si->si_path, sizeof(si->si_path), "%s",
			    sw->sw_path);
			si->si_prio = sw->sw_prio;
			si->si_flags = sw->sw_flags;
			si->si_start = sw->sw_start;
			si->si_npages = sw->sw_npages;
			si->si_npginuse = sw->sw_npginuse;
			si->si_npgbad = sw->sw_npgbad;
			si->si_npgheld = sw->sw_npgheld;
			si->si_nread = sw->sw_nread;
			si->si_nwrite = sw->sw_nwrite;
			si->si_nreaderr = sw->sw_nreaderr;
			si->si_nwriteerr = sw->sw_nwriteerr;
			si->si_lastwerr = sw->sw_lastwerr;
		}
		n++;
	}
	uvm_unlock(&sd->sd_lock);
	return n;
}

int
swap_set_faults(struct swap_data *sd, int id, int write, uint64_t nth,
    uint32_t ppm, uint64_t seed)
{
	struct swapdev *sw;
	struct swap_faultinj *fi;

	if (write != 0 && write != 1)
		return -EINVAL;
	if (ppm > 1000000)
		return -EINVAL;
	uvm_lock(&sd->sd_lock);
	sw = swaplist_find(sd, id, NULL);
	if (sw == NULL) {
		uvm_unlock(&sd->sd_lock);
		return -ENXIO;
	}
	fi = &sw->sw_fi[write];
	fi->fi_nth = nth;
	fi->fi_ppm = ppm;
	fi->fi_rng = seed;
	fi->fi_count = 0;
	uvm_unlock(&sd->sd_lock);
	return 0;
}

/*
 * slot allocation
 */

/*
 * Find a run of free slots at or after `from', of at most `want' slots.
 * => returns the run's first index and sets *lenp, or -1.
 * => sd_lock held
 */
static int
swapdev_findrun(struct swapdev *sw, int from, int want, int *lenp)
{
	int i = from;

	while (i < sw->sw_npages) {
		int len;

		/* skip whole used words quickly */
		if (i % BITS == 0 && sw->sw_used[i / BITS] == ~(uint64_t)0) {
			i += BITS;
			continue;
		}
		if (bit_test(sw->sw_used, i)) {
			i++;
			continue;
		}
		for (len = 1; len < want && i + len < sw->sw_npages &&
		     !bit_test(sw->sw_used, i + len);
		     len++)
			continue;
		*lenp = len;
		return i;
	}
	return -1;
}

/*
 * Allocate up to `want' contiguous slots on one device, next-fit.
 * => returns the device-relative index of the run, or -1.
 * => sd_lock held
 */
static int
swapdev_alloc(struct swapdev *sw, int want, bool lessok, int *gotp)
{
	int best = -1, bestlen = 0;
	int pass, from, i, len;

	for (pass = 0; pass < 2; pass++) {
		from = pass == 0 ? sw->sw_hint : 0;
		while ((i = swapdev_findrun(sw, from, want, &len)) >= 0) {
			if (pass == 1 && i >= sw->sw_hint)
				break;
			if (len == want) {
				best = i;
				bestlen = len;
				goto found;
			}
			if (len > bestlen) {
				best = i;
				bestlen = len;
			}
			from = i + len;
		}
	}
	if (best < 0 || !lessok)
		return -1;
found:
	for (i = best; i < best + bestlen; i++)
		bit_set(sw->sw_used, i);
	sw->sw_hint = best + bestlen < sw->sw_npages ? best + bestlen : 0;
	*gotp = bestlen;
	return best;
}

int
uvm_swap_alloc(struct swap_data *sd, int *nslots, bool lessok)
{
	struct swapdev *sw;
	int want = *nslots, got, idx;

	KASSERT(want > 0);
	uvm_lock(&sd->sd_lock);
	/*
	 * Try for the whole run everywhere first, in priority order, then
	 * (lessok) accept a shorter run: a clustered pageout would rather
	 * have its run contiguous on a second device than split on the first.
	 */
	for (int tryless = 0; tryless < (lessok ? 2 : 1); tryless++) {
		TAILQ_FOREACH(sw, &sd->sd_devs, sw_next) {
			if ((sw->sw_flags & SWF_ENABLE) == 0)
				continue;
			if (sw->sw_npginuse + sw->sw_npgbad + sw->sw_npgheld +
				(tryless ? 1 : want) >
			    sw->sw_npages)
				continue;
			idx = swapdev_alloc(sw, want, tryless != 0, &got);
			if (idx < 0)
				continue;
			/* rotate: the next allocation of this priority goes
			 * to the next device */
			{
				struct swapdev *last = sw, *it;

				for (it = TAILQ_NEXT(sw, sw_next);
				     it != NULL && it->sw_prio == sw->sw_prio;
				     it = TAILQ_NEXT(it, sw_next))
					last = it;
				if (last != sw) {
					TAILQ_REMOVE(&sd->sd_devs, sw, sw_next);
					TAILQ_INSERT_AFTER(&sd->sd_devs, last,
					    sw, sw_next);
				}
			}
			sw->sw_npginuse += got;
			sd->sd_swpginuse += got;
			uvm_unlock(&sd->sd_lock);
			*nslots = got;
			return sw->sw_start + idx;
		}
	}
	uvm_unlock(&sd->sd_lock);
	return 0;
}

void
uvm_swap_free(struct swap_data *sd, int startslot, int nslots)
{
	struct swapdev *sw;

	if (startslot == SWSLOT_BAD || startslot == 0)
		return;
	uvm_lock(&sd->sd_lock);
	sw = swapdrum_getsdp(sd, startslot);
	KASSERT(sw != NULL);
	KASSERT(startslot + nslots <= sw->sw_start + sw->sw_npages);
	for (int i = 0; i < nslots; i++) {
		int idx = startslot - sw->sw_start + i;

		KASSERT(bit_test(sw->sw_used, idx));
		KASSERT(!bit_test(sw->sw_bad, idx));
		KASSERT(!bit_test(sw->sw_held, idx));
		if (sd->sd_holds > 0) {
			/* a forked child may still read it: not reused yet */
			bit_set(sw->sw_held, idx);
			sw->sw_npgheld++;
		} else {
			bit_clear(sw->sw_used, idx);
		}
	}
	KASSERT(sw->sw_npginuse >= nslots);
	sw->sw_npginuse -= nslots;
	sd->sd_swpginuse -= nslots;
	uvm_unlock(&sd->sd_lock);
}

void
swap_hold(struct swap_data *sd)
{
	uvm_lock(&sd->sd_lock);
	sd->sd_holds++;
	uvm_unlock(&sd->sd_lock);
}

void
swap_unhold(struct swap_data *sd)
{
	struct swapdev *sw;

	uvm_lock(&sd->sd_lock);
	KASSERT(sd->sd_holds > 0);
	if (--sd->sd_holds == 0) {
		TAILQ_FOREACH(sw, &sd->sd_devs, sw_next) {
			for (int w = 0; sw->sw_npgheld > 0 &&
			     w < (sw->sw_npages + BITS - 1) / BITS;
			     w++) {
				sw->sw_used[w] &= ~sw->sw_held[w];
				sw->sw_held[w] = 0;
			}
			sw->sw_npgheld = 0;
		}
	}
	uvm_unlock(&sd->sd_lock);
}

int
swap_fork_child(struct swap_data *sd)
{
	struct swapdev *sw;
	int total = 0;

	uvm_lock(&sd->sd_lock);
	sd->sd_holds = 0;
	TAILQ_FOREACH(sw, &sd->sd_devs, sw_next) {
		if (sw->sw_flags & SWF_ENABLE) {
			sd->sd_swpages -= sw->sw_npages;
			total += sw->sw_npages;
		}
		sw->sw_flags = (sw->sw_flags & ~SWF_ENABLE) | SWF_INHERITED;
		/* held for the parent's other children: not ours to keep */
		for (int w = 0; sw->sw_npgheld > 0 &&
		     w < (sw->sw_npages + BITS - 1) / BITS;
		     w++) {
			sw->sw_used[w] &= ~sw->sw_held[w];
			sw->sw_held[w] = 0;
		}
		sw->sw_npgheld = 0;
	}
	uvm_unlock(&sd->sd_lock);
	return total;
}

int
swap_slot_locate(struct swap_data *sd, int slot, int *fdp, off_t *offp)
{
	struct swapdev *sw;

	uvm_lock(&sd->sd_lock);
	sw = slot > 0 ? swapdrum_getsdp(sd, slot) : NULL;
	if (sw != NULL) {
		*fdp = sw->sw_fd;
		*offp =
		    (off_t)(slot - sw->sw_start + SWAPSIG_PAGES) * PAGE_SIZE;
	}
	uvm_unlock(&sd->sd_lock);
	return sw != NULL ? 0 : -ENXIO;
}

void
uvm_swap_markbad(struct swap_data *sd, int startslot, int nslots)
{
	struct swapdev *sw;

	KASSERT(startslot > 0);
	uvm_lock(&sd->sd_lock);
	sw = swapdrum_getsdp(sd, startslot);
	KASSERT(sw != NULL);
	for (int i = 0; i < nslots; i++) {
		int idx = startslot - sw->sw_start + i;

		KASSERT(bit_test(sw->sw_used, idx));
		KASSERT(!bit_test(sw->sw_bad, idx));
		bit_set(sw->sw_bad, idx);
	}
	KASSERT(sw->sw_npginuse >= nslots);
	sw->sw_npginuse -= nslots;
	sw->sw_npgbad += nslots;
	sd->sd_swpginuse -= nslots;
	uvm_unlock(&sd->sd_lock);
}

int
swap_slot_device_id(struct swap_data *sd, int slot)
{
	struct swapdev *sw;
	int id;

	if (slot <= 0)
		return 0;
	uvm_lock(&sd->sd_lock);
	sw = swapdrum_getsdp(sd, slot);
	id = sw != NULL ? sw->sw_id : 0;
	uvm_unlock(&sd->sd_lock);
	return id;
}

int
swap_swpgonly(struct swap_data *sd)
{
	int v;

	uvm_lock(&sd->sd_lock);
	v = sd->sd_swpgonly;
	uvm_unlock(&sd->sd_lock);
	return v;
}

void
swap_swpgonly_add(struct swap_data *sd, int delta)
{
	uvm_lock(&sd->sd_lock);
	KASSERT(sd->sd_swpgonly + delta >= 0);
	sd->sd_swpgonly += delta;
	uvm_unlock(&sd->sd_lock);
}

int
swap_swpages(struct swap_data *sd)
{
	int v;

	uvm_lock(&sd->sd_lock);
	v = sd->sd_swpages;
	uvm_unlock(&sd->sd_lock);
	return v;
}

int
swap_swpginuse(struct swap_data *sd)
{
	int v;

	uvm_lock(&sd->sd_lock);
	v = sd->sd_swpginuse;
	uvm_unlock(&sd->sd_lock);
	return v;
}

int
swap_check(struct swap_data *sd)
{
	struct swapdev *sw;
	int bad = 0, total_inuse = 0;

	uvm_lock(&sd->sd_lock);
	TAILQ_FOREACH(sw, &sd->sd_devs, sw_next) {
		int used = 0, nbad = 0, nheld = 0;

		for (int i = 0; i < sw->sw_npages; i++) {
			if (bit_test(sw->sw_bad, i)) {
				nbad++;
				if (!bit_test(sw->sw_used, i) ||
				    bit_test(sw->sw_held, i))
					bad++;
			} else if (bit_test(sw->sw_held, i)) {
				nheld++;
				if (!bit_test(sw->sw_used, i))
					bad++;
			} else if (bit_test(sw->sw_used, i)) {
				used++;
			}
		}
		if (used != sw->sw_npginuse || nbad != sw->sw_npgbad ||
		    nheld != sw->sw_npgheld) {
			fprintf(stderr,
			    "uao: swap %s: bitmap has %d in use, %d bad; "
			    "counters say %d, %d\n",
			    sw->sw_path, used, nbad, sw->sw_npginuse,
			    sw->sw_npgbad);
			bad++;
		}
		total_inuse += sw->sw_npginuse;
	}
	if (total_inuse != sd->sd_swpginuse) {
		fprintf(stderr, "uao: swap: devices have %d in use, total %d\n",
		    total_inuse, sd->sd_swpginuse);
		bad++;
	}
	uvm_unlock(&sd->sd_lock);
	return bad ? -EUCLEAN : 0;
}
