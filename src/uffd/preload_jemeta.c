/*
 * preload_jemeta.c: jemalloc's base blocks that no hook of ours sees,
 * found by their header, so that the report counts them as jemalloc's
 * metadata (uao's own) and not as the program's memory.
 *
 * jemalloc keeps its metadata -- the global radix tree that maps every
 * extent, each arena's records -- in "base blocks".  The blocks of the
 * global base (b0) are always mapped through jemalloc's default extent
 * hooks, whatever hooks an arena is given later (b0's hooks for metadata
 * are fixed when it boots), and the first of them are mapped before the
 * runtime starts, when something calls malloc during the loader's
 * constructors (libstdc++'s exception pool).  So neither preload_heap.c's
 * hooks nor a record made at the runtime's start can tell them apart
 * from the extents arena 0 handed the program's first objects, which
 * come through the same calls.
 *
 * What does tell them apart is their first words: a base block begins
 * with its own size (the length of its mapping) and a link to the base's
 * next block (NULL, or the start of another block).  An extent begins
 * with the program's data.  So every anonymous mapping jemalloc makes
 * outside our hooks is recorded here (before the runtime started: every
 * anonymous mapping, kept at the start only if jemalloc made it), and
 * the sampler (memacct_sample) reads the first two words of each one not
 * yet known -- with process_vm_readv, which fails instead of faulting --
 * and records a match as metadata (memacct_meta).  A mapping that does
 * not match is read again at the next sample: jemalloc writes the header
 * right after the mapping is made.
 *
 * A mapping of the program's whose first words happened to be its own
 * length and then zero would be counted as metadata; the test that
 * checks coverage compares against that (tests/run).  jemalloc 5.3's
 * layout (base.c: base_block_t { size; next; ... }) is what is read.
 *
 * jm_lock protects the table.  Lock order: jm_lock -> ma_own_lock
 * (memacct_meta is called with the table locked, so that a block
 * unmapped meanwhile cannot be recorded after it was forgotten).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base/param_int.h"
#include "uffd/memacct_int.h"
#include "uffd/preload_int.h"

#define JM_MAX 256

struct jm_map {
	uintptr_t jm_lo, jm_hi; /* [lo, hi) */
	uintptr_t jm_caller;	/* who mapped it (before the start only) */
	bool jm_meta;		/* a base block: recorded as metadata */
};

static pthread_mutex_t jm_lock = PTHREAD_MUTEX_INITIALIZER;
static struct jm_map jm_tab[JM_MAX]; /* jm_lock */
static int jm_n;		     /* jm_lock */
static bool jm_started;		     /* jm_lock: the runtime has started */

void
preload_jemeta_mapped(void *addr, size_t len, uintptr_t caller)
{
	pthread_mutex_lock(&jm_lock);
	if (jm_n < JM_MAX && len > 0) {
		jm_tab[jm_n].jm_lo = (uintptr_t)addr;
		jm_tab[jm_n].jm_hi = (uintptr_t)addr + round_page(len);
		jm_tab[jm_n].jm_caller = caller;
		jm_tab[jm_n].jm_meta = false;
		jm_n++;
	}
	/* a full table leaves a block counted as the program's: safe */
	pthread_mutex_unlock(&jm_lock);
}

/* take [lo, hi) out of the table.  => jm_lock held */
static void
jm_cut(uintptr_t lo, uintptr_t hi)
{
	for (int i = 0; i < jm_n;) {
		struct jm_map *m = &jm_tab[i];

		if (m->jm_hi <= lo || m->jm_lo >= hi) {
			i++;
			continue;
		}
		/*
		 * jemalloc trims a mapping it made too large for an
		 * alignment at its ends; what is left is not a block's
		 * whole mapping unless the header says so: start again.
		 */
		if (m->jm_lo < lo && m->jm_hi > hi) {
			m->jm_hi = lo; /* a hole inside: keep the head */
		} else if (m->jm_lo < lo) {
			m->jm_hi = lo;
		} else if (m->jm_hi > hi) {
			m->jm_lo = hi;
		} else {
			*m = jm_tab[--jm_n];
			continue;
		}
		m->jm_meta = false;
		i++;
	}
}

void
preload_jemeta_unmapped(void *addr, size_t len)
{
	uintptr_t lo = (uintptr_t)addr, hi = lo + round_page(len);

	if (len == 0)
		return;
	pthread_mutex_lock(&jm_lock);
	jm_cut(lo, hi);
	/* the metadata table forgets it too (a no-op if it never was) */
	memacct_meta(addr, len, false);
	pthread_mutex_unlock(&jm_lock);
}

void
preload_jemeta_start(bool (*is_jemalloc)(uintptr_t pc))
{
	pthread_mutex_lock(&jm_lock);
	for (int i = 0; i < jm_n;) {
		if (jm_tab[i].jm_caller != 0 &&
		    !is_jemalloc(jm_tab[i].jm_caller))
			jm_tab[i] = jm_tab[--jm_n];
		else
			i++;
	}
	jm_started = true;
	pthread_mutex_unlock(&jm_lock);
}

/* the first two words at lo, read without faulting: false if unreadable */
static bool
jm_read_header(uintptr_t lo, uint64_t word[2])
{
	struct iovec local = { word, 2 * sizeof(uint64_t) };
	struct iovec remote = { (void *)lo, 2 * sizeof(uint64_t) };

	return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) ==
	    (ssize_t)(2 * sizeof(uint64_t));
}

/* is a a block's start in the table (the next-block link)?  => jm_lock */
static bool
jm_is_start(uint64_t a)
{
	for (int i = 0; i < jm_n; i++) {
		if (jm_tab[i].jm_lo == a)
			return true;
	}
	return false;
}

void
preload_jemeta_scan(void)
{
	pthread_mutex_lock(&jm_lock);
	for (int i = 0; jm_started && i < jm_n; i++) {
		struct jm_map *m = &jm_tab[i];
		uint64_t word[2];

		if (m->jm_meta || !jm_read_header(m->jm_lo, word))
			continue;
		if (word[0] != m->jm_hi - m->jm_lo ||
		    (word[1] != 0 && !jm_is_start(word[1])))
			continue;
		m->jm_meta = true;
		memacct_meta((void *)m->jm_lo, m->jm_hi - m->jm_lo, true);
	}
	pthread_mutex_unlock(&jm_lock);
}

void
preload_jemeta_child(void)
{
	pthread_mutex_init(&jm_lock, NULL);
}
