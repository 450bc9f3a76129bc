/*
 * swapopen.c: opening a swap device, and claiming it as the kernel's
 * swapon does: a file uao creates gets every block allocated and a
 * signature; an existing file or block device is used only if it carries
 * uao's signature (swapsig_int.h); nothing else is ever written.  The
 * device list and slot allocation are swap.c's.
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

/*
 * swapdev_claim_new: a file uao has just made (named, or O_TMPFILE):
 * allocate every block, then write the signature.
 * => returns 0 or -errno; *sizep is the swap space in bytes (slots).
 */
static int
swapdev_claim_new(int fd, uint64_t size)
{
	int error;

	/*
	 * Allocate every block now: a sparse swap file could fail a pageout
	 * with ENOSPC long after swapon said yes.
	 */
	error = posix_fallocate(fd, 0,
	    (off_t)(size + (uint64_t)SWAPSIG_PAGES * PAGE_SIZE));
	if (error != 0)
		return error == EOPNOTSUPP || error == EINVAL ? -EOPNOTSUPP
							      : -error;
	return swapsig_write(fd, size / PAGE_SIZE, NULL);
}

int
swap_mkfile(const char *path, uint64_t size)
{
	enum {
		CHUNK = 1 << 20
	};
	uint64_t total = size + (uint64_t)SWAPSIG_PAGES * PAGE_SIZE, done;
	char *zeros;
	int fd, error = 0;

	if (size == 0 || size % PAGE_SIZE != 0 ||
	    size / PAGE_SIZE > (uint64_t)INT32_MAX / 2)
		return -EINVAL;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0)
		return -errno;
	zeros = kmem_zalloc(1, CHUNK);
	if (zeros == NULL) {
		error = -ENOMEM;
		goto out_unlink;
	}
	for (done = 0; done < total && error == 0;) {
		size_t n =
		    total - done < CHUNK ? (size_t)(total - done) : CHUNK;
		ssize_t w = pwrite(fd, zeros, n, (off_t)done);

		if (w < 0)
			error = -errno;
		else if (w == 0)
			error = -EIO;
		else
			done += (uint64_t)w;
	}
	kmem_free(zeros);
	if (error == 0)
		error = swapsig_write(fd, size / PAGE_SIZE, NULL);
	if (error == 0 && fsync(fd) != 0)
		error = -errno;
out_unlink:
	close(fd);
	if (error != 0)
		unlink(path);
	return error;
}

/*
 * swapdev_claim_file: an existing regular file that carries uao's
 * signature (checked by the caller).  Its holes are allocated, and it
 * grows if more swap is asked than it holds: it is uao's, by signature.
 * => returns 0 or -errno (-EOPNOTSUPP: holes, or growth, that this
 *    filesystem cannot allocate without writing data).
 */
static int
swapdev_claim_file(int fd, const struct swapsig *sg, uint64_t size)
{
	off_t need = (off_t)(size + (uint64_t)SWAPSIG_PAGES * PAGE_SIZE);
	int error;

	/* fallocate(2), not posix_fallocate: never emulated by writing */
	if (fallocate(fd, 0, 0, need) != 0) {
		error = -errno;
		if (error != -EOPNOTSUPP)
			return error;
		/* no fallocate: fine if there is nothing to allocate */
		if (size > sg->sg_npages * PAGE_SIZE ||
		    lseek(fd, 0, SEEK_HOLE) < need)
			return -EOPNOTSUPP;
	}
	if (size > sg->sg_npages * PAGE_SIZE)
		return swapsig_write(fd, size / PAGE_SIZE, sg->sg_uuid);
	return 0;
}

/*
 * Open the backing file and find its size in bytes, claiming it as the
 * kernel's swapon does: a file uao creates here (named and missing, or
 * anonymous) gets a signature; an existing file or block device is used
 * only if it carries one (see swapsig_int.h).  Nothing else is written.
 * => returns an fd, or -errno; *sizep (swap space in bytes, 0 = the
 *    signature's) is in/out.
 */
int
swapdev_open(const char *path, uint64_t *sizep, int flags, const char *tmpdir,
    int *swflagsp)
{
	int oflags = O_RDWR | O_CLOEXEC;
	struct stat lst, st;
	struct swapsig sg;
	uint64_t bytes;
	char why[256];
	int fd, error;

	if ((flags & SWAP_BUFFERED) == 0) {
		oflags |= O_DIRECT;
		*swflagsp |= SWF_ODIRECT;
	}

	if (path == NULL) {
		if (tmpdir == NULL)
			tmpdir = getenv("TMPDIR");
		if (tmpdir == NULL || tmpdir[0] == '\0')
			tmpdir = "/tmp";
		fd = open(tmpdir, oflags | O_TMPFILE, 0600);
		*swflagsp |= SWF_ANON;
		if (fd < 0)
			goto out_openerr;
		error = swapdev_claim_new(fd, *sizep);
		if (error != 0)
			goto out_close;
		return fd;
	}

	/* symbolic links, FIFOs, devices, /proc: refused before open */
	error = swapsig_check_path(path, &lst, why, sizeof(why));
	if (error != 0)
		return error;
	if (lst.st_mode == 0) {
		if (*sizep == 0)
			return -EINVAL;
		fd = open(path, oflags | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
		if (fd < 0)
			goto out_openerr;
		*swflagsp |= SWF_CREATED;
	} else {
		/* O_EXCL: the kernel says EBUSY if it is mounted, or swap */
		fd = open(path,
		    oflags | O_NOFOLLOW | (S_ISBLK(lst.st_mode) ? O_EXCL : 0));
		if (fd < 0)
			goto out_openerr;
	}
	/*
	 * A named file may be swap of another process already (another
	 * `uao run', or a program exec'd under one, which inherits the
	 * same --swap): two pagers would overwrite each other's slots.  The
	 * lock goes with this open file: a forked child, which still reads
	 * our slots, shares it; it is gone when every copy of the fd is.
	 * Before any change to the file: it is not ours to resize.
	 */
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		error = errno == EWOULDBLOCK ? -EBUSY : -errno;
		goto out_close;
	}
	if (fstat(fd, &st) < 0) {
		error = -errno;
		goto out_close;
	}
	if (*swflagsp & SWF_CREATED) {
		error = swapdev_claim_new(fd, *sizep);
		if (error != 0)
			goto out_close;
		return fd;
	}
	/* what was opened is what was looked at */
	if (st.st_dev != lst.st_dev || st.st_ino != lst.st_ino ||
	    (st.st_mode & S_IFMT) != (lst.st_mode & S_IFMT)) {
		error = -ESTALE;
		goto out_close;
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &bytes) < 0) {
			error = -errno;
			goto out_close;
		}
		*swflagsp |= SWF_BLOCKDEV;
	} else {
		/*
		 * A file nobody may write was made read-only on purpose:
		 * root's open(2) succeeds anyway, but overwriting it is not
		 * ours to do.
		 */
		if ((st.st_mode & 0222) == 0) {
			error = -EACCES;
			goto out_close;
		}
		bytes = (uint64_t)st.st_size;
	}
	error = swapsig_read(fd, bytes, &sg);
	if (error != 0)
		goto out_close;
	if (*sizep == 0)
		*sizep = sg.sg_npages * PAGE_SIZE;
	if (S_ISBLK(st.st_mode)) {
		/* a device's swap area is what its signature says */
		if (*sizep > sg.sg_npages * PAGE_SIZE) {
			error = -EFBIG;
			goto out_close;
		}
		return fd;
	}
	error = swapdev_claim_file(fd, &sg, *sizep);
	if (error != 0)
		goto out_close;
	/* a swap file holds a program's memory: nobody else may read it */
	if (fchmod(fd, 0600) < 0) {
		error = -errno;
		goto out_close;
	}
	return fd;

out_openerr:
	/* open(2) says EINVAL when the filesystem refuses O_DIRECT */
	return errno == EINVAL && (oflags & O_DIRECT) ? -EOPNOTSUPP : -errno;
out_close:
	close(fd);
	if (*swflagsp & SWF_CREATED)
		unlink(path);
	return error;
}
