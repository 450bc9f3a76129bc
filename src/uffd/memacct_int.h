/*
 * memacct_int.h: where the program's anonymous resident memory is
 * (`uao run' report: uao_at_peak, uao_own_peak, and the rest by kind).
 *
 * The kernel's view, read from /proc/self/smaps and /proc/self/pagemap
 * in one pass, so that the parts add up to the whole:
 *   uao     pages in userfaultfd-registered mappings (regions, and the
 *           staging area's staged pages): the program's pages under the
 *           RAM limit;
 *   own     uao's own: what it mapped for itself (sys_mmap: bounce
 *           buffers, thread state, rings), its private jemalloc arena,
 *           its threads' stacks, stale staging slots (copies already
 *           mapped back, released in batches by the pagedaemon), and
 *           jemalloc's metadata (meta, shown apart): jemalloc is the
 *           allocator uao run brings in to put the heap in a region, and
 *           its base blocks (the global radix tree every free reads, each
 *           arena's extent records) stay out of regions because uao's
 *           threads read them; the program run plainly has none of it;
 *   brk     the [heap] (brk/sbrk) mapping;
 *   stacks  the main thread's [stack] and the stacks of threads the
 *           program made with pthread_create;
 *   filecow pages written in private file mappings (a library's or a
 *           program's .data and .bss, a mapped archive): anonymous copies
 *           the kernel made of file pages;
 *   other   the rest: anonymous mappings uao did not adopt.
 */
#ifndef UAO_UFFD_MEMACCT_INT_H
#define UAO_UFFD_MEMACCT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct uao_sim;

struct memacct {
	uint64_t ma_anon;    /* all anonymous resident bytes */
	uint64_t ma_uao;     /* of which the program's, under uao */
	uint64_t ma_own;     /* uao's own */
	uint64_t ma_meta;    /* of ma_own: jemalloc's metadata */
	uint64_t ma_brk;     /* [heap] */
	uint64_t ma_stacks;  /* program stacks */
	uint64_t ma_filecow; /* written pages of private file mappings */
	uint64_t ma_other;   /* anything else */
};

/*
 * memacct_init: start counting uao's own mappings (sys_map_hook) and the
 * program's thread stacks.  => before uao maps anything of its own.
 */
void memacct_init(void);

/*
 * memacct_own: [addr, addr+len) is uao's own memory (mapped: true) or no
 * longer (false).  Fixed table, one mutex: callable from any thread,
 * fault handlers included; never allocates.
 */
void memacct_own(void *addr, size_t len, bool mapped);

/*
 * memacct_meta: [addr, addr+len) is a block of jemalloc's metadata
 * (mapped: true), or no longer (false).  As memacct_own.
 */
void memacct_meta(void *addr, size_t len, bool mapped);

/*
 * memacct_sample: the breakdown now.
 * => 0, or -errno if /proc could not be read (*ma is zero then).
 * => reads /proc into stack buffers only: safe on uao threads.
 */
int memacct_sample(struct uao_sim *sim, struct memacct *ma);

#endif /* UAO_UFFD_MEMACCT_INT_H */
