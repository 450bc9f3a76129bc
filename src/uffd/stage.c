/*
 * stage.c: the staging area's slot allocator (see stage_int.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "base/kmem_int.h"
#include "base/sys_int.h"
#include "pager/uvm_int.h"
#include "uffd/stage_int.h"
#include "uffd/uffd_compat.h"

/*
 * The most stale slots kept: a sixteenth of the area (of the frames),
 * at least 2 * STAGE_TRIM_BATCH.  A release that passes it zaps
 * STAGE_TRIM_BATCH or more of them (see stage_release).
 */
#define STAGE_STALE_DIV	 16
#define STAGE_TRIM_BATCH 64

static inline bool
bit_test(const uint64_t *m, int i)
{
	return (m[i / 64] >> (i % 64)) & 1;
}

static inline void
bit_put(uint64_t *m, int i, bool v)
{
	if (v)
		m[i / 64] |= (uint64_t)1 << (i % 64);
	else
		m[i / 64] &= ~((uint64_t)1 << (i % 64));
}

int
stage_init(struct pmap_stage *st, int fd, int nslots)
{
	struct uffdio_register reg;
	size_t len = (size_t)nslots * PAGE_SIZE;
	int nwords = (nslots + 63) / 64, err;

	memset(st, 0, sizeof(*st));
	st->st_used = kmem_zalloc((size_t)nwords, sizeof(uint64_t));
	st->st_stale = kmem_zalloc((size_t)nwords, sizeof(uint64_t));
	if (st->st_used == NULL || st->st_stale == NULL) {
		err = -ENOMEM;
		goto out_free;
	}
	/*
	 * The staging area mirrors a region's mapping exactly (flags,
	 * protection, registration modes): UFFDIO_MOVE refuses areas that
	 * differ.
	 */
	st->st_base = sys_mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (st->st_base == MAP_FAILED) {
		err = -errno;
		goto out_free;
	}
	sys_madvise(st->st_base, len, MADV_NOHUGEPAGE);
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (unsigned long)st->st_base;
	reg.range.len = len;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP;
	if (ioctl(fd, UFFDIO_REGISTER, &reg) != 0) {
		err = -errno;
		goto out_unmap;
	}
	st->st_nslots = nslots;
	st->st_stale_max = nslots / STAGE_STALE_DIV;
	if (st->st_stale_max < 2 * STAGE_TRIM_BATCH)
		st->st_stale_max = 2 * STAGE_TRIM_BATCH;
	uvm_lock_init(&st->st_lock);
	return 0;

out_unmap:
	sys_munmap(st->st_base, len);
out_free:
	kmem_free(st->st_used);
	kmem_free(st->st_stale);
	return err;
}

void
stage_fini(struct pmap_stage *st)
{
	KASSERT(st->st_nused == 0);
	sys_munmap(st->st_base, (size_t)st->st_nslots * PAGE_SIZE);
	uvm_lock_destroy(&st->st_lock);
	kmem_free(st->st_used);
	kmem_free(st->st_stale);
}

/*
 * stage_zap_locked: release the memory of slots [first, first+n).
 * => st_lock held; the slots are marked used by the caller, or stale.
 */
static void
stage_zap_locked(struct pmap_stage *st, int first, int n)
{
	/*
	 * A slot that kept its page would meet the next move into it with
	 * EEXIST: the staging area is ours alone, so this cannot fail
	 * unless the bookkeeping is wrong.
	 */
	if (sys_madvise(stage_addr(st, first), (size_t)n * PAGE_SIZE,
		MADV_DONTNEED) != 0)
		uvm_panic(__func__,
		    "madvise(MADV_DONTNEED) of staging slots "
		    "failed");
	atomic_fetch_add_explicit(&st->st_nzap, 1, memory_order_relaxed);
	for (int i = first; i < first + n; i++) {
		if (bit_test(st->st_stale, i)) {
			bit_put(st->st_stale, i, false);
			st->st_nstale--;
		}
	}
}

/*
 * stage_trim_locked: zap stale slots, in runs, from the trim cursor on,
 * until no more than `keep' are left.
 * => st_lock held.
 */
static void
stage_trim_locked(struct pmap_stage *st, int keep)
{
	int i = st->st_trim, scanned = 0;

	while (st->st_nstale > keep && scanned < st->st_nslots) {
		int n = 1;

		if ((i % 64) == 0 && st->st_stale[i / 64] == 0) {
			n = 64; /* a whole word without a stale slot */
		} else if (bit_test(st->st_stale, i)) {
			while (i + n < st->st_nslots &&
			    bit_test(st->st_stale, i + n) && n < 512)
				n++;
			stage_zap_locked(st, i, n);
		}
		scanned += n;
		i += n;
		if (i >= st->st_nslots)
			i = 0; /* runs do not wrap: start again at a word */
	}
	st->st_trim = i;
}

int
stage_alloc(struct pmap_stage *st, int want, int *gotp)
{
	int best = -1, bestlen = 0, start = 0, len = 0, i, scanned;
	bool stale = false;

	uvm_lock(&st->st_lock);
	for (i = st->st_hint, scanned = 0; scanned < st->st_nslots;
	     scanned++, i = (i + 1) % st->st_nslots) {
		if (i == 0 || bit_test(st->st_used, i))
			len = 0; /* runs end at used slots and do not wrap */
		if (bit_test(st->st_used, i))
			continue;
		if (len++ == 0)
			start = i;
		if (len > bestlen) {
			best = start;
			bestlen = len;
			if (len == want)
				break;
		}
	}
	if (best < 0) {
		uvm_unlock(&st->st_lock);
		return -1;
	}
	for (i = best; i < best + bestlen; i++) {
		bit_put(st->st_used, i, true);
		stale |= bit_test(st->st_stale, i);
	}
	if (stale)
		stage_zap_locked(st, best, bestlen);
	st->st_nused += bestlen;
	st->st_hint = (best + bestlen) % st->st_nslots;
	uvm_unlock(&st->st_lock);
	*gotp = bestlen;
	return best;
}

void
stage_release(struct pmap_stage *st, int first, int n, bool populated)
{
	uvm_lock(&st->st_lock);
	for (int i = first; i < first + n; i++) {
		KASSERT(bit_test(st->st_used, i));
		bit_put(st->st_used, i, false);
		if (populated && !bit_test(st->st_stale, i)) {
			bit_put(st->st_stale, i, true);
			st->st_nstale++;
		}
	}
	st->st_nused -= n;
	/*
	 * Stale slots are resident memory of uao's own, beside the
	 * program's frames: past st_stale_max the releasing thread zaps a
	 * batch of them, so that they stay below it.  The number of madvise
	 * calls is about the same whenever they are zapped (a stale slot is
	 * zapped before reuse anyway); the batch keeps runs long and spreads
	 * the cost over releases.
	 */
	if (st->st_nstale > st->st_stale_max)
		stage_trim_locked(st, st->st_stale_max - STAGE_TRIM_BATCH);
	uvm_unlock(&st->st_lock);
}

void
stage_reclaim(struct pmap_stage *st)
{
	int i = 0;

	uvm_lock(&st->st_lock);
	while (st->st_nstale > 0 && i < st->st_nslots) {
		int n;

		if (!bit_test(st->st_stale, i)) {
			i++;
			continue;
		}
		for (n = 1; i + n < st->st_nslots &&
		     bit_test(st->st_stale, i + n) && n < 512;
		     n++)
			continue;
		stage_zap_locked(st, i, n);
		i += n;
	}
	uvm_unlock(&st->st_lock);
}

bool
stage_owns(struct pmap_stage *st, const void *addr)
{
	const char *p = addr;

	return p >= st->st_base &&
	    p < st->st_base + (size_t)st->st_nslots * PAGE_SIZE;
}

void
stage_counts(struct pmap_stage *st, int *nusedp, int *nstalep)
{
	uvm_lock(&st->st_lock);
	*nusedp = st->st_nused;
	*nstalep = st->st_nstale;
	uvm_unlock(&st->st_lock);
}
