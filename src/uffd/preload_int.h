/*
 * preload_int.h: the LD_PRELOAD runtime behind `uao run'.
 *
 * `uao run' starts the program with libjemalloc and libuao_preload in
 * LD_PRELOAD.  Before main, the runtime's constructor reads its
 * configuration from the environment (set by the CLI), creates a
 * simulator instance, and then:
 *
 *   - heap: jemalloc's arenas take their extents from one big uao region
 *     (extent hooks, preload_heap.c), so every malloc'd byte is aobj
 *     memory; uao's own bookkeeping comes from a private arena that never
 *     touches a region (kmem backend);
 *   - mmap: the program's private anonymous mappings become regions of
 *     their own (preload_mmap.c);
 *   - fork: a child keeps reading the memory it shares with the parent
 *     (fork.c);
 *   - control: `uao stat' and `uao swapctl' talk to it over a Unix socket
 *     (ctl.c);
 *   - exit: a final report goes back to the `uao run' process.
 */
#ifndef UAO_UFFD_PRELOAD_INT_H
#define UAO_UFFD_PRELOAD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "uffd/ctl_proto.h"

struct uao_sim;
struct uao_region;

/* the runtime's one simulator instance (NULL until set up, or if off) */
extern struct uao_sim *preload_sim;

/*
 * preload_kmem_init: create the private arena and point kmem at it.
 * => before anything of uao allocates.  Returns 0 or -errno (why).
 */
int preload_kmem_init(char *why, size_t whylen);

/*
 * preload_heap_init: the private arena (for uao) and the heap region
 * with extent hooks on every automatic arena (for the program).
 * => returns 0 or -errno (with a message in why).
 */
int preload_heap_init(struct uao_sim *sim, size_t reserve, char *why,
    size_t whylen);

/* preload_heap_bind_thread: make the calling thread allocate from the
 * private arena (run by every uao thread at start) */
void preload_heap_bind_thread(void);

/*
 * preload_heap_private: true, then false: the calling thread allocates
 * outside regions meanwhile (see sim_private_alloc_hook).  Nests.
 */
void preload_heap_private(bool private_heap);

/* bytes of the heap region handed to jemalloc so far, and its size */
void preload_heap_usage(size_t *used, size_t *reserved);

/* preload_mmap_enable: start turning anonymous mmaps into regions */
void preload_mmap_enable(struct uao_sim *sim);
/*
 * preload_filemap_adopt: [p, p+len), just mapped MAP_PRIVATE and
 * writable from fd at off, becomes a region where the file covers it
 * (preload_filemap.c); *ff says what preload_filemap_fill must read.
 * => the caller allocates privately (sim_private_alloc); p is not yet
 *    the program's.  Returns 0, or -errno with the file mapping left as
 *    it was (not a regular file, nothing of the file in it, too large).
 */
struct filemap_fill {
	void *ff_addr;
	size_t ff_len; /* 0: nothing to fill */
	int ff_fd;     /* the region's own descriptor */
	off_t ff_off;
};
int preload_filemap_adopt(struct uao_sim *sim, void *p, size_t len, int fd,
    off_t off, struct filemap_fill *ff);

/*
 * preload_filemap_fill: read the file into the region preload_filemap_adopt
 * made.  => nothing of uao locked, not allocating privately: the reads
 *    fault like the program's own.
 * => returns 0, or -errno: the file was unreadable, and the range is a
 *    file mapping again (whose reads fault: SIGBUS, never zeros).
 */
int preload_filemap_fill(struct uao_sim *sim, const struct filemap_fill *ff);

/* mappings adopted / skipped so far */
void preload_mmap_counts(unsigned long *adopted, unsigned long *skipped);

/*
 * preload_ctl_start: listen on the control socket for this process.
 * => returns 0 or -errno.
 */
int preload_ctl_start(struct uao_sim *sim);

/* preload_ctl_forget: in a forked child, the socket is the parent's */
void preload_ctl_forget(void);

/*
 * preload_fill_report: the statistics as the CLI prints them.
 */
void preload_fill_report(struct uao_sim *sim, struct ctl_report *rep);

/*
 * preload_fork_init: install the fork handlers.  => 0 or -errno
 */
int preload_fork_init(struct uao_sim *sim);

/*
 * jemalloc's base blocks outside our hooks (preload_jemeta.c):
 * preload_jemeta_mapped: an anonymous mapping jemalloc made outside our
 *   hooks (or, before the runtime started, any anonymous mapping, with
 *   the caller's address);
 * preload_jemeta_unmapped: a munmap (sim_munmap_hook);
 * preload_jemeta_start: at the start, keep what is_jemalloc says jemalloc
 *   mapped, and from then on look at headers;
 * preload_jemeta_scan: record the base blocks among them as metadata
 *   (memacct_meta).  => the sampler, before it copies the tables.
 */
void preload_jemeta_mapped(void *addr, size_t len, uintptr_t caller);
void preload_jemeta_unmapped(void *addr, size_t len);
void preload_jemeta_start(bool (*is_jemalloc)(uintptr_t pc));
void preload_jemeta_scan(void);
/* in a forked child, before anything else: the table's lock afresh */
void preload_jemeta_child(void);

/* is the calling thread inside one of the heap's extent hooks, asking
 * jemalloc's own hooks for memory (preload_heap.c)? */
bool preload_heap_in_hook(void);

/* is the calling thread inside uao's own code (its mmaps are its own)? */
extern __thread int preload_internal __attribute__((tls_model("initial-exec")));

#endif /* UAO_UFFD_PRELOAD_INT_H */
