/*
 * preload_mmap.c: the program's own anonymous mappings become regions.
 *
 * A private, anonymous mapping made by the program (directly, or by a
 * library such as CPython's arena allocator) is memory with no file
 * behind it: an aobj.  The runtime maps it as asked, then registers it
 * as a region.  That includes PROT_NONE reservations, which V8, the JVM
 * and Go-style arenas make accessible piecemeal with mprotect or a
 * MAP_FIXED mapping: registration follows mprotect's splits, so a page
 * becomes uao memory when and where it is first touched.  A page the
 * program made read-only or executable cannot be moved out (UFFDIO_MOVE
 * wants a writable mapping): it stays mapped, a frame under the limit,
 * and the pagedaemon passes it by (pmap_run.c, moveout_stayed).
 * A private, writable file mapping becomes a region holding a copy of
 * the file (preload_filemap.c): its written pages are anonymous memory.
 * Left alone:
 *   - shared and read-only or executable file mappings, stack (MAP_STACK, MAP_GROWSDOWN), huge-page
 *     mappings, and mappings made readable or executable from the start;
 *   - mappings made by jemalloc (its metadata and the private arena) and
 *     by uao itself: they are found by the caller's address;
 *   - glibc's own (thread stacks): glibc maps them through an internal
 *     entry point that never comes here.
 * A MAP_FIXED mapping over region memory first unmaps the region part,
 * as the kernel is about to.
 */
/* both mmap and mmap64 are defined here: no redirection of one to the
 * other by the large-file headers (off_t is 64-bit on LP64 anyway) */
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/sys_int.h"
#include "uffd/preload_int.h"
#include "uffd/region_int.h"
#include "uffd/sim_int.h"
#include "uao/uao.h"

#define EXCLUDE_MAX 16

struct text_range {
	uintptr_t tr_start, tr_end;
	bool tr_jemalloc; /* jemalloc's, not uao's */
};

/*
 * The machine new mappings are adopted into, NULL until enabled: set
 * once, read by the interposer on any thread (a thread made before the
 * runtime started, a jemalloc background thread) without a lock.
 */
static _Atomic(struct uao_sim *) mmap_sim;
static struct text_range exclude[EXCLUDE_MAX]; /* I after enable */
static int nexclude;
static atomic_ulong mmaps_adopted, mmaps_skipped;

/*
 * initial-exec, as every __thread of uao: glibc gives a thread's DTV,
 * through which the dynamic TLS models read, from malloc -- region memory
 * when the thread was made by a program thread after the heap hooks.  A
 * uao thread reading it could fault on region memory.
 */
__thread int preload_internal __attribute__((tls_model("initial-exec")));

static int
exclude_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	const char *self = arg;
	bool ours;

	(void)size;
	ours = strstr(info->dlpi_name, "libjemalloc") != NULL ||
	    (self != NULL && strcmp(info->dlpi_name, self) == 0);
	if (!ours)
		return 0;
	for (int i = 0; i < info->dlpi_phnum && nexclude < EXCLUDE_MAX; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD || (ph->p_flags & PF_X) == 0)
			continue;
		exclude[nexclude].tr_start = info->dlpi_addr + ph->p_vaddr;
		exclude[nexclude].tr_end =
		    exclude[nexclude].tr_start + ph->p_memsz;
		exclude[nexclude].tr_jemalloc =
		    strstr(info->dlpi_name, "libjemalloc") != NULL;
		nexclude++;
	}
	return 0;
}

void
preload_mmap_counts(unsigned long *adopted, unsigned long *skipped)
{
	*adopted = atomic_load(&mmaps_adopted);
	*skipped = atomic_load(&mmaps_skipped);
}

static bool
caller_excluded(uintptr_t pc)
{
	for (int i = 0; i < nexclude; i++) {
		if (pc >= exclude[i].tr_start && pc < exclude[i].tr_end)
			return true;
	}
	return false;
}

static bool
caller_is_jemalloc(uintptr_t pc)
{
	for (int i = 0; i < nexclude; i++) {
		if (pc >= exclude[i].tr_start && pc < exclude[i].tr_end)
			return exclude[i].tr_jemalloc;
	}
	return false;
}

/*
 * An anonymous read-write mapping left plain: if jemalloc made it outside
 * our hooks (or the runtime has not started, when nobody knows yet who
 * made it), it may be one of jemalloc's base blocks (preload_jemeta.c).
 */
static void
note_plain(void *p, size_t len, int prot, int flags, int fd, uintptr_t caller)
{
	if (p == MAP_FAILED || fd != -1 || prot != (PROT_READ | PROT_WRITE) ||
	    (flags & (MAP_ANONYMOUS | MAP_TYPE)) !=
		(MAP_ANONYMOUS | MAP_PRIVATE))
		return;
	if (atomic_load_explicit(&mmap_sim, memory_order_acquire) == NULL ||
	    (caller_is_jemalloc(caller) && !preload_heap_in_hook()))
		preload_jemeta_mapped(p, len, caller);
}

void
preload_mmap_enable(struct uao_sim *sim)
{
	Dl_info self;

	if (dladdr((void *)preload_mmap_enable, &self) == 0)
		self.dli_fname = NULL;
	dl_iterate_phdr(exclude_object, (void *)self.dli_fname);
	preload_jemeta_start(caller_is_jemalloc);
	/* release: the exclusions above are seen by whoever sees sim */
	atomic_store_explicit(&mmap_sim, sim, memory_order_release);
}

/* a mapping that is no business of uao's */
static void *
mmap_plain(void *addr, size_t len, int prot, int flags, int fd, off_t off,
    bool count)
{
	long p = syscall(SYS_mmap, addr, len, prot, flags, fd, off);

	if (p < 0 && p > -4096) {
		errno = (int)-p;
		return MAP_FAILED;
	}
	if (count)
		atomic_fetch_add(&mmaps_skipped, 1);
	return (void *)p;
}

static void *
mmap_adopt(void *addr, size_t len, int prot, int flags, int fd, off_t off,
    uintptr_t caller)
{
	struct uao_sim *sim =
	    atomic_load_explicit(&mmap_sim, memory_order_acquire);
	struct uao_region *r;
	bool candidate, replacing;
	int error = 0;
	long p;

	struct filemap_fill ff = { .ff_len = 0 };
	bool filecopy;

	candidate = sim != NULL && !preload_internal &&
	    !caller_excluded(caller) && (flags & MAP_TYPE) == MAP_PRIVATE &&
	    (flags & (MAP_STACK | MAP_GROWSDOWN | MAP_HUGETLB)) == 0 && len > 0;
	/* a private file mapping written: anonymous pages (filemap.c) */
	filecopy = candidate && !(flags & (MAP_ANONYMOUS | MAP_DENYWRITE)) &&
	    prot == (PROT_READ | PROT_WRITE) && fd >= 0;
	candidate = candidate && (flags & MAP_ANONYMOUS) &&
	    (prot == (PROT_READ | PROT_WRITE) || prot == PROT_NONE);

	replacing = sim != NULL &&
	    (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) == MAP_FIXED &&
	    len > 0 && sim_registry_find(addr, len) != NULL;
	if (!candidate && !filecopy && !replacing) {
		void *plain =
		    mmap_plain(addr, len, prot, flags, fd, off, sim != NULL);

		note_plain(plain, len, prot, flags, fd, caller);
		return plain;
	}

	/* uao's locks are taken below: see sim_private_alloc_hook */
	sim_private_alloc(true);
	if (replacing) {
		/* the kernel replaces what a fixed mapping covers: so do we */
		struct uao_sim *owner;

		while ((owner = sim_registry_find(addr, len)) != NULL)
			region_unmap(owner, addr, len);
	}
	p = syscall(SYS_mmap, addr, len, prot, flags, fd, off);
	if (p < 0 && p > -4096) {
		error = (int)-p;
	} else if (filecopy) {
		preload_internal++;
		if (preload_filemap_adopt(sim, (void *)p, len, fd, off, &ff) ==
		    0)
			atomic_fetch_add(&mmaps_adopted, 1);
		else
			atomic_fetch_add(&mmaps_skipped,
			    1); /* a file mapping */
		preload_internal--;
	} else if (!candidate) {
		atomic_fetch_add(&mmaps_skipped, 1);
	} else {
		preload_internal++;
		if (region_create(sim, (void *)p, len, &r) == 0)
			atomic_fetch_add(&mmaps_adopted, 1);
		else
			atomic_fetch_add(&mmaps_skipped, 1); /* plain memory */
		preload_internal--;
	}
	sim_private_alloc(false);
	if (error != 0) {
		errno = error;
		return MAP_FAILED;
	}
	/* outside the private allocation: the reads fault as the program's */
	preload_filemap_fill(sim, &ff);
	return (void *)p;
}

UAO_EXPORT void *
mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap_adopt(addr, len, prot, flags, fd, off,
	    (uintptr_t)__builtin_return_address(0));
}

UAO_EXPORT void *
mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap_adopt(addr, len, prot, flags, fd, off,
	    (uintptr_t)__builtin_return_address(0));
}
