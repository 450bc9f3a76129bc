/*
 * preload_filemap.c: a private, writable mapping of a regular file
 * becomes a region holding a copy of the file's bytes.
 *
 * Every page the program writes in a MAP_PRIVATE file mapping is an
 * anonymous copy the kernel makes of the file page: anonymous memory,
 * which userfaultfd's missing mode cannot serve in a file mapping.  The
 * JVM maps its class-data archive (classes.jsa) so, and rewrites most
 * of it: 11 MiB outside the RAM limit.  So such a mapping is made as
 * asked (the kernel checks the descriptor, the offset and the address),
 * then the part of it that the file covers is mapped over with private
 * anonymous memory, registered as a region, and filled by reading the
 * file into it: the pages are the pager's from the first byte.
 *
 * What stays as in a file mapping:
 *   - pages wholly past the end of the file stay mapped from the file,
 *     so touching them raises SIGBUS; the bytes past the end in the
 *     last page read as zeros, as the kernel gives them;
 *   - MADV_DONTNEED reads the file again (region_refill), MADV_FREE is
 *     refused with EINVAL, as the kernel refuses it on a file mapping;
 *   - munmap of a part, MAP_FIXED over it, mremap: as any region.
 * What differs, on purpose:
 *   - the copy is taken at mmap time: a later write to the file by
 *     someone else does not show in pages the program has not written
 *     (POSIX leaves that unspecified for MAP_PRIVATE; Linux shows it);
 *   - /proc/self/maps names no file for the copied part;
 *   - the file is read eagerly, so mappings larger than FILEMAP_MAX
 *     stay file mappings (their written pages: "private file pages" in
 *     the report).  XXX: a pager that fills a page from the file on its
 *     first fault (a file-backed aobj) would lift the bound.
 * A mapping made read-only and made writable later by mprotect stays a
 * file mapping (mprotect is not interposed).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/fdguard_int.h"
#include "pager/param_int.h"
#include "uffd/preload_int.h"
#include "uffd/region_int.h"
#include "uffd/sim_int.h"

/* larger copies would be read eagerly at mmap time: left as files */
#define FILEMAP_MAX (256UL << 20)

/* map [p, p+len) from the file again, as the program asked for it */
static void
filemap_restore(void *p, size_t len, int fd, off_t off)
{
	if (syscall(SYS_mmap, p, len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_FIXED, fd, off) < 0)
		syscall(SYS_munmap, p, len); /* a fault, never wrong bytes */
}

int
preload_filemap_adopt(struct uao_sim *sim, void *p, size_t len, int fd,
    off_t off, struct filemap_fill *ff)
{
	struct uao_region *r;
	struct stat st;
	size_t covered;
	int dfd, error;

	ff->ff_len = 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= off)
		return -ENOTSUP; /* nothing of the file in it: left alone */
	covered = (size_t)round_page((uint64_t)(st.st_size - off));
	if (covered > (size_t)round_page(len))
		covered = (size_t)round_page(len);
	if (covered > FILEMAP_MAX)
		return -EFBIG;
	/* the region keeps the file open to read it again (MADV_DONTNEED) */
	dfd = fd_guard(fcntl(fd, F_DUPFD_CLOEXEC, 0));
	if (dfd < 0)
		return -errno;
	if (syscall(SYS_mmap, p, covered, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) < 0) {
		error = -errno;
		goto out_restore;
	}
	error = region_create(sim, p, covered, &r);
	if (error != 0)
		goto out_restore;
	region_set_file(r, dfd, off);
	ff->ff_addr = p;
	ff->ff_len = covered;
	ff->ff_fd = dfd;
	ff->ff_off = off;
	return 0;

out_restore:
	filemap_restore(p, covered, fd, off);
	fd_guard_close(dfd);
	return error;
}

int
preload_filemap_fill(struct uao_sim *sim, const struct filemap_fill *ff)
{
	char *p = ff->ff_addr, *end = p + ff->ff_len;
	int error = 0;

	if (ff->ff_len == 0)
		return 0;
	/*
	 * Through the region: each page faults in as a fresh frame of the
	 * pager, and takes the file's bytes.  What the file no longer has
	 * (shrunk meanwhile) stays zeros.
	 */
	while (p < end) {
		ssize_t got = pread(ff->ff_fd, p, (size_t)(end - p),
		    ff->ff_off + (p - (char *)ff->ff_addr));

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			error = -errno;
			break;
		}
		if (got == 0)
			break;
		p += got;
	}
	if (error != 0) {
		/* unreadable now: a file mapping again, whose reads fault */
		int fd = fcntl(ff->ff_fd, F_DUPFD_CLOEXEC, 0);

		sim_private_alloc(true);
		region_unmap(sim, ff->ff_addr, ff->ff_len);
		sim_private_alloc(false);
		if (fd >= 0) {
			filemap_restore(ff->ff_addr, ff->ff_len, fd,
			    ff->ff_off);
			syscall(SYS_close, fd);
		} else {
			syscall(SYS_munmap, ff->ff_addr, ff->ff_len);
		}
	}
	return error;
}
