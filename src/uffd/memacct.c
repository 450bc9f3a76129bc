/*
 * memacct.c: where the program's anonymous resident memory is (see
 * memacct_int.h), and the registries that say whose a mapping is:
 *   - uao's own mappings: every sys_mmap/sys_munmap of uao's code
 *     (sys_map_hook), and the private jemalloc arena's extents
 *     (preload_heap.c);
 *   - thread stacks: pthread_create is interposed, and each new thread
 *     records its stack (pthread_getattr_np) before it runs the
 *     program's start routine, and forgets it when it exits.  A stack is
 *     uao's own if its thread registered as a uao thread.
 *
 * Thread stacks stay plain memory (counted, not adopted): a program
 * thread inside an interposer (munmap, madvise, mremap, mmap, fork)
 * holds uao's locks while it uses its stack, and a stack page moved out
 * under it would fault to a handler that waits for those same locks.
 * UVM wires a thread's kernel stack (the u-area) for the same reason.
 *
 *   - jemalloc's metadata (memacct_meta): its base blocks, counted as
 *     uao's own (memacct_int.h says why).
 *
 * Lock order: ma_sample_lock -> ma_own_lock, ma_stack_lock (each taken
 * alone, to copy a table; nothing else is locked meanwhile).  ma_own_lock
 * also protects the metadata table.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/fdguard_int.h"
#include "base/kmem_int.h"
#include "pager/param_int.h"
#include "base/sys_int.h"
#include "uffd/memacct_int.h"
#include "uffd/pmap_uffd_int.h"
#include "uffd/preload_int.h"
#include "uffd/sim_int.h"
#include "uffd/threads_int.h"
#include "uao/uao.h"

#define MA_OWN_MAX   1024 /* uao's own mappings at once */
#define MA_STACK_MAX 4096 /* program threads at once */

struct ma_range {
	uintptr_t mr_lo, mr_hi; /* [lo, hi) */
	pid_t mr_tid;		/* stacks: the thread; own: 0 */
};

static pthread_mutex_t ma_own_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ma_range ma_own_tab[MA_OWN_MAX]; /* ma_own_lock */
static int ma_nown;			       /* ma_own_lock */
static unsigned long ma_own_dropped;	       /* ma_own_lock: table full */
/* uao's MAP_NORESERVE mappings: staging area, regions it maps itself */
#define MA_UFFD_MAX 64
static struct ma_range ma_uffd_tab[MA_UFFD_MAX];  /* ma_own_lock */
static struct ma_range ma_uffd_copy[MA_UFFD_MAX]; /* ma_sample_lock */

/*
 * jemalloc's metadata: its base blocks (the global radix tree's nodes,
 * each arena's extent records), asked for with 2 MiB alignment after the
 * runtime started (preload_heap.c).  Its start-up blocks, made before,
 * are not told from the start-up extents the program's first objects
 * went to: they stay "other".
 */
#define MA_META_MAX 256
static struct ma_range ma_meta_tab[MA_META_MAX];  /* ma_own_lock */
static int ma_nmeta;				  /* ma_own_lock */
static struct ma_range ma_meta_copy[MA_META_MAX]; /* ma_sample_lock */

static pthread_mutex_t ma_stack_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ma_range ma_stack_tab[MA_STACK_MAX]; /* ma_stack_lock */

/* the sampler's copies and its pagemap descriptor: ma_sample_lock */
static pthread_mutex_t ma_sample_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ma_range ma_own_copy[MA_OWN_MAX];
static struct ma_range ma_stack_copy[MA_STACK_MAX];
static int ma_pagemap = -1;

/*
 * uao's own mappings
 */

void
memacct_own(void *addr, size_t len, bool mapped)
{
	uintptr_t lo = (uintptr_t)addr, hi = lo + round_page(len);

	if (len == 0)
		return;
	pthread_mutex_lock(&ma_own_lock);
	if (mapped) {
		if (ma_nown < MA_OWN_MAX) {
			ma_own_tab[ma_nown].mr_lo = lo;
			ma_own_tab[ma_nown].mr_hi = hi;
			ma_own_tab[ma_nown].mr_tid = 0;
			ma_nown++;
		} else {
			ma_own_dropped++; /* counted as the program's then */
		}
		pthread_mutex_unlock(&ma_own_lock);
		return;
	}
	/* unmapped: forget [lo, hi) of every entry (uao unmaps whole) */
	for (int i = 0; i < ma_nown;) {
		struct ma_range *r = &ma_own_tab[i];

		if (r->mr_hi <= lo || r->mr_lo >= hi) {
			i++;
		} else if (r->mr_lo >= lo && r->mr_hi <= hi) {
			*r = ma_own_tab[--ma_nown];
		} else {
			/* a part: keep the larger side (never seen) */
			if (lo - r->mr_lo >= r->mr_hi - hi)
				r->mr_hi = lo > r->mr_lo ? lo : r->mr_lo;
			else
				r->mr_lo = hi;
			i++;
		}
	}
	pthread_mutex_unlock(&ma_own_lock);
}

/*
 * Take [lo, hi) out of every range of tab[0..*n) (max entries), splitting
 * a range it is inside of; with no room to split, the larger side stays.
 * => ma_own_lock held
 */
static void
ma_tab_cut(struct ma_range *tab, int *n, int max, uintptr_t lo, uintptr_t hi)
{
	for (int i = 0; i < *n;) {
		struct ma_range *r = &tab[i];

		if (r->mr_hi <= lo || r->mr_lo >= hi) {
			i++;
		} else if (r->mr_lo >= lo && r->mr_hi <= hi) {
			*r = tab[--*n];
		} else if (r->mr_lo < lo && r->mr_hi > hi && *n < max) {
			tab[*n] = *r;
			tab[(*n)++].mr_lo = hi;
			r->mr_hi = lo;
			i++;
		} else if (r->mr_lo < lo &&
		    (r->mr_hi <= hi || lo - r->mr_lo >= r->mr_hi - hi)) {
			r->mr_hi = lo;
			i++;
		} else {
			r->mr_lo = hi;
			i++;
		}
	}
}

void
memacct_meta(void *addr, size_t len, bool mapped)
{
	uintptr_t lo = (uintptr_t)addr, hi = lo + round_page(len);

	if (len == 0)
		return;
	pthread_mutex_lock(&ma_own_lock);
	/* recorded once: a block can come through both of our hooks */
	ma_tab_cut(ma_meta_tab, &ma_nmeta, MA_META_MAX, lo, hi);
	if (mapped && ma_nmeta < MA_META_MAX) {
		ma_meta_tab[ma_nmeta].mr_lo = lo;
		ma_meta_tab[ma_nmeta].mr_hi = hi;
		ma_meta_tab[ma_nmeta].mr_tid = 0;
		ma_nmeta++;
	}
	pthread_mutex_unlock(&ma_own_lock);
}

/*
 * thread stacks
 *
 * A new thread records its own stack before it runs its start routine.
 * It must not allocate there: jemalloc's first call on a thread builds
 * the thread's cache from arena 0, region memory, and the new thread may
 * be one of the few to serve such a fault (a forked child's new
 * handlers, starting together).  So the trampolines come from a static pool, and the thread
 * finds its stack as the mapping its stack pointer is in, from
 * /proc/self/maps read into its stack.  A stack glibc keeps cached after
 * its thread exited stays counted as a stack (it still is one); a new
 * thread on the same addresses replaces the entry.
 */

#define MA_TRAMP_MAX 256

struct ma_start {
	void *(*ms_fn)(void *);
	void *ms_arg;
	atomic_bool ms_busy;
};

static struct ma_start ma_tramp[MA_TRAMP_MAX];

/* [*lo, *hi): the mapping that holds addr, from /proc/self/maps */
static bool
ma_mapping_of(uintptr_t addr, uintptr_t *lo, uintptr_t *hi)
{
	char buf[4096];
	size_t have = 0;
	bool found = false;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	while (!found) {
		ssize_t got = read(fd, buf + have, sizeof(buf) - 1 - have);
		char *line = buf, *nl;

		if (got <= 0)
			break;
		have += (size_t)got;
		buf[have] = '\0';
		while (!found && (nl = strchr(line, '\n')) != NULL) {
			unsigned long a, b;

			*nl = '\0';
			if (sscanf(line, "%lx-%lx", &a, &b) == 2 && addr >= a &&
			    addr < b) {
				*lo = a;
				*hi = b;
				found = true;
			}
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		if (have == sizeof(buf) - 1)
			have = 0;
	}
	syscall(SYS_close, fd); /* not through the close interposer */
	return found;
}

static void
ma_stack_note(void)
{
	uintptr_t lo, hi, sp = (uintptr_t)__builtin_frame_address(0);
	int free_slot = -1;

	if (!ma_mapping_of(sp, &lo, &hi))
		return;
	pthread_mutex_lock(&ma_stack_lock);
	for (int i = 0; i < MA_STACK_MAX; i++) {
		struct ma_range *r = &ma_stack_tab[i];

		if (r->mr_hi == 0) {
			if (free_slot < 0)
				free_slot = i;
		} else if (r->mr_lo < hi && r->mr_hi > lo) {
			r->mr_hi = 0; /* an exited thread's stack, reused */
			if (free_slot < 0)
				free_slot = i;
		}
	}
	if (free_slot >= 0) {
		ma_stack_tab[free_slot].mr_lo = lo;
		ma_stack_tab[free_slot].mr_hi = hi;
		ma_stack_tab[free_slot].mr_tid = gettid();
	}
	pthread_mutex_unlock(&ma_stack_lock);
}

static void *
ma_thread_start(void *arg)
{
	struct ma_start *ms = arg;
	void *(*fn)(void *) = ms->ms_fn;
	void *fnarg = ms->ms_arg;

	atomic_store(&ms->ms_busy, false);
	ma_stack_note();
	return fn(fnarg);
}

typedef int (*pthread_create_fn)(pthread_t *, const pthread_attr_t *,
    void *(*)(void *), void *);
static pthread_create_fn ma_real_create;

/*
 * pthread_create, interposed: the new thread records its stack first.
 * uao's own threads come here too (their stacks count as uao's, by
 * thread id).  With no trampoline free, the thread is made as asked and
 * its stack counts as "other".
 */
UAO_EXPORT int
pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *),
    void *arg)
{
	pthread_create_fn real = ma_real_create;
	struct ma_start *ms = NULL;
	int error;

	if (real == NULL) {
		real = (pthread_create_fn)dlsym(RTLD_NEXT, "pthread_create");
		if (real == NULL)
			return EAGAIN;
		ma_real_create = real;
	}
	for (int i = 0; i < MA_TRAMP_MAX && ms == NULL; i++) {
		bool no = false;

		if (atomic_compare_exchange_strong(&ma_tramp[i].ms_busy, &no,
			true))
			ms = &ma_tramp[i];
	}
	if (ms == NULL)
		return real(t, attr, fn, arg);
	ms->ms_fn = fn;
	ms->ms_arg = arg;
	error = real(t, attr, ma_thread_start, ms);
	if (error != 0)
		atomic_store(&ms->ms_busy, false);
	return error;
}

/*
 * uao's MAP_NORESERVE mappings are the regions it makes (the heap) and
 * the staging area: userfaultfd memory, whose pages are the program's
 * (counted by the pager's frames).  The rest is uao's own.
 */
static void
ma_sys_map(void *addr, size_t len, int flags, bool mapped)
{
	uintptr_t lo = (uintptr_t)addr, hi = lo + round_page(len);

	if (!mapped || (flags & MAP_NORESERVE) == 0)
		memacct_own(addr, len, mapped);
	if (!mapped || (flags & MAP_NORESERVE) != 0) {
		pthread_mutex_lock(&ma_own_lock);
		for (int i = 0; i < MA_UFFD_MAX; i++) {
			if (mapped && ma_uffd_tab[i].mr_hi == 0) {
				ma_uffd_tab[i].mr_lo = lo;
				ma_uffd_tab[i].mr_hi = hi;
				break;
			}
			if (!mapped && ma_uffd_tab[i].mr_lo == lo)
				ma_uffd_tab[i].mr_hi = 0;
		}
		pthread_mutex_unlock(&ma_own_lock);
	}
}

/* is [lo, hi) in one of uao's NORESERVE mappings (staging, heap)? */
static bool
ma_in_uffd(uintptr_t lo, uintptr_t hi)
{
	for (int i = 0; i < MA_UFFD_MAX; i++)
		if (ma_uffd_copy[i].mr_lo < hi && ma_uffd_copy[i].mr_hi > lo)
			return true;
	return false;
}

/*
 * In a forked child, the locks start afresh: a thread of the parent may
 * have held one at the fork (a program thread in munmap, the control
 * thread sampling), and it does not exist here.  The tables are counts
 * only: an entry half written then costs accuracy, never memory.
 */
static void
ma_child(void)
{
	pthread_mutex_init(&ma_own_lock, NULL);
	pthread_mutex_init(&ma_stack_lock, NULL);
	pthread_mutex_init(&ma_sample_lock, NULL);
	preload_jemeta_child();
}

void
memacct_init(void)
{
	static bool once;

	if (!once) {
		once = true;
		/* before fork.c's child handler, which maps (memacct_own) */
		pthread_atfork(NULL, NULL, ma_child);
	}
	if (ma_real_create == NULL)
		ma_real_create =
		    (pthread_create_fn)dlsym(RTLD_NEXT, "pthread_create");
	sys_map_hook = ma_sys_map;
}

/*
 * the sampler
 */

static int
ma_cmp(const void *a, const void *b)
{
	const struct ma_range *x = a, *y = b;

	return x->mr_lo < y->mr_lo ? -1 : x->mr_lo > y->mr_lo;
}

/* anonymous resident bytes of [lo, hi), by pagemap: present, not a file
 * page (bit 61: file-backed or shared) */
static uint64_t
ma_present(uintptr_t lo, uintptr_t hi)
{
	uint64_t ent[512], n = 0;

	lo = trunc_page(lo);
	while (lo < hi) {
		size_t want = (hi - lo) >> PAGE_SHIFT;
		ssize_t got;

		if (want > 512)
			want = 512;
		got = pread(ma_pagemap, ent, want * sizeof(ent[0]),
		    (off_t)((lo >> PAGE_SHIFT) * sizeof(ent[0])));
		if (got <= 0)
			break;
		got /= (ssize_t)sizeof(ent[0]);
		for (ssize_t i = 0; i < got; i++)
			n += (ent[i] >> 63) & !((ent[i] >> 61) & 1);
		lo += (uintptr_t)got << PAGE_SHIFT;
	}
	return n << PAGE_SHIFT;
}

/* resident bytes of the sorted ranges tab[0..n) inside [lo, hi) */
static uint64_t
ma_overlap(const struct ma_range *tab, int n, uintptr_t lo, uintptr_t hi)
{
	uint64_t sum = 0;
	int a = 0, b = n;

	while (a < b) { /* the first range ending after lo */
		int m = (a + b) / 2;

		if (tab[m].mr_hi <= lo)
			a = m + 1;
		else
			b = m;
	}
	/* ranges may overlap each other (a table lags munmap): start back */
	while (a > 0 && tab[a - 1].mr_hi > lo)
		a--;
	for (; a < n && tab[a].mr_lo < hi; a++) {
		uintptr_t l = tab[a].mr_lo > lo ? tab[a].mr_lo : lo;
		uintptr_t h = tab[a].mr_hi < hi ? tab[a].mr_hi : hi;

		if (l < h)
			sum += ma_present(l, h);
	}
	return sum;
}

struct ma_pass {
	struct memacct *mp_ma;
	struct uao_sim *mp_sim;
	uint64_t mp_staging; /* resident in the staging area */
	int mp_nown, mp_nmeta, mp_nustk, mp_npstk;
	const struct ma_range *mp_ustk; /* uao threads' stacks */
	const struct ma_range *mp_pstk; /* program threads' stacks */
};

/*
 * One line of /proc/self/maps.  Only mappings outside regions are read
 * through pagemap: region memory is counted by the pager's frames, and
 * a region can be 64 GiB of address space.  (/proc/self/smaps is not
 * read: on this kernel, reading it made the reading thread fault on
 * region memory, which a uao thread must never do.)
 */
static void
ma_line(struct ma_pass *mp, const char *line)
{
	struct memacct *ma = mp->mp_ma;
	unsigned long lo, hi, ino;
	char perms[8];
	int name = 0;
	const char *nm;
	uint64_t own, meta, stk, anon;

	if (sscanf(line, "%lx-%lx %7s %*s %*s %lu %n", &lo, &hi, perms, &ino,
		&name) < 4)
		return;
	nm = name > 0 ? line + name : "";
	if (perms[3] != 'p' || perms[0] == '-' || hi <= lo)
		return; /* shared, or no access: no private page to count */
	if (sim_registry_find((void *)lo, hi - lo) != NULL)
		return; /* region memory: the pager's frames */
	if (ma_in_uffd(lo, hi)) {
		/* the staging area: staged frames, and uao's own copies */
		mp->mp_staging += ma_present(lo, hi);
		return;
	}
	if (ino != 0 && perms[1] != 'w')
		return; /* a read-only file mapping: file pages */
	own = ma_overlap(ma_own_copy, mp->mp_nown, lo, hi) +
	    ma_overlap(mp->mp_ustk, mp->mp_nustk, lo, hi);
	meta = ma_overlap(ma_meta_copy, mp->mp_nmeta, lo, hi);
	stk = ma_overlap(mp->mp_pstk, mp->mp_npstk, lo, hi);
	anon = ma_present(lo, hi);
	if (own > anon)
		own = anon;
	if (meta > anon - own)
		meta = anon - own;
	own += meta;
	if (stk > anon - own)
		stk = anon - own;
	ma->ma_own += own;
	ma->ma_meta += meta;
	anon -= own;
	if (strcmp(nm, "[heap]") == 0)
		ma->ma_brk += anon;
	else if (strcmp(nm, "[stack]") == 0 || stk > 0)
		ma->ma_stacks += anon;
	else if (ino != 0)
		ma->ma_filecow += anon;
	else
		ma->ma_other += anon;
}

/* stacks of the copy split: uao threads' first, then the program's */
static void
ma_split_stacks(struct ma_pass *mp, int n)
{
	int u = 0;

	for (int i = 0; i < n; i++) {
		if (uao_thread_is_ours(ma_stack_copy[i].mr_tid)) {
			struct ma_range t = ma_stack_copy[u];

			ma_stack_copy[u++] = ma_stack_copy[i];
			ma_stack_copy[i] = t;
		}
	}
	qsort(ma_stack_copy, (size_t)u, sizeof(ma_stack_copy[0]), ma_cmp);
	qsort(ma_stack_copy + u, (size_t)(n - u), sizeof(ma_stack_copy[0]),
	    ma_cmp);
	mp->mp_ustk = ma_stack_copy;
	mp->mp_nustk = u;
	mp->mp_pstk = ma_stack_copy + u;
	mp->mp_npstk = n - u;
}

/* RssAnon of /proc/self/status, in bytes (0 if unreadable) */
static uint64_t
ma_rss_anon(void)
{
	char buf[4096], *p;
	ssize_t n;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	syscall(SYS_close, fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, "RssAnon:");
	return p != NULL ? strtoull(p + 8, NULL, 10) * 1024 : 0;
}

int
memacct_sample(struct uao_sim *sim, struct memacct *ma)
{
	struct pmap_uffd_stats ps;
	struct uao_stats st;
	struct ma_pass mp;
	char buf[16384];
	size_t have = 0;
	uint64_t outside, frames, stale;
	int fd, n = 0, error = 0;

	memset(ma, 0, sizeof(*ma));
	memset(&mp, 0, sizeof(mp));
	mp.mp_ma = ma;
	mp.mp_sim = sim;
	/* jemalloc's base blocks made since: into the metadata table */
	preload_jemeta_scan();
	pthread_mutex_lock(&ma_sample_lock);
	if (ma_pagemap < 0)
		ma_pagemap =
		    fd_guard(open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC));
	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || ma_pagemap < 0) {
		error = -errno;
		goto out;
	}
	pthread_mutex_lock(&ma_own_lock);
	mp.mp_nown = ma_nown;
	memcpy(ma_own_copy, ma_own_tab,
	    (size_t)ma_nown * sizeof(ma_own_tab[0]));
	memcpy(ma_uffd_copy, ma_uffd_tab, sizeof(ma_uffd_tab));
	mp.mp_nmeta = ma_nmeta;
	memcpy(ma_meta_copy, ma_meta_tab,
	    (size_t)ma_nmeta * sizeof(ma_meta_tab[0]));
	pthread_mutex_unlock(&ma_own_lock);
	qsort(ma_own_copy, (size_t)mp.mp_nown, sizeof(ma_own_copy[0]), ma_cmp);
	qsort(ma_meta_copy, (size_t)mp.mp_nmeta, sizeof(ma_meta_copy[0]),
	    ma_cmp);
	pthread_mutex_lock(&ma_stack_lock);
	for (int i = 0; i < MA_STACK_MAX; i++)
		if (ma_stack_tab[i].mr_hi != 0)
			ma_stack_copy[n++] = ma_stack_tab[i];
	pthread_mutex_unlock(&ma_stack_lock);
	ma_split_stacks(&mp, n);

	/* line by line, through a buffer on this stack */
	for (;;) {
		ssize_t got = read(fd, buf + have, sizeof(buf) - 1 - have);
		char *line = buf, *nl;

		if (got <= 0)
			break;
		have += (size_t)got;
		buf[have] = '\0';
		while ((nl = strchr(line, '\n')) != NULL) {
			*nl = '\0';
			ma_line(&mp, line);
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		if (have == sizeof(buf) - 1)
			have = 0; /* a line longer than the buffer: dropped */
	}
	syscall(SYS_close, fd);

	/*
	 * The kernel's total; the program's pages under uao are the pager's
	 * frames in use (mapped in regions, or staged); stale staging slots
	 * hold copies of pages already mapped back (released in batches by
	 * the pagedaemon), found as what is resident in the staging area less
	 * the staged pages: uao's own.  What the parts leave over is "other".
	 */
	ma->ma_anon = ma_rss_anon();
	uao_sim_stats(sim, &st);
	pmap_uffd_get_stats(sim->us_pmap, &ps);
	frames = (st.ram_pages - st.free_pages) << PAGE_SHIFT;
	/* in staging but not a staged frame: stale copies, uao's own */
	stale = (uint64_t)ps.ps_staged << PAGE_SHIFT;
	stale = mp.mp_staging > stale ? mp.mp_staging - stale : 0;
	ma->ma_own += stale;
	outside = ma->ma_own + ma->ma_brk + ma->ma_stacks + ma->ma_filecow +
	    ma->ma_other;
	if (outside > ma->ma_anon)
		ma->ma_anon = outside; /* sampled at different moments */
	ma->ma_uao =
	    frames < ma->ma_anon - outside ? frames : ma->ma_anon - outside;
	ma->ma_other += ma->ma_anon - outside - ma->ma_uao;
out:
	if (fd < 0 && ma_pagemap >= 0)
		error = error != 0 ? error : -EIO;
	pthread_mutex_unlock(&ma_sample_lock);
	return error;
}
