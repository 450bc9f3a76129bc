/*
 * cmd_mkswap.c: `uao mkswap [--force] FILE|DEVICE [SIZE]': make a file
 * or block device uao's swap space, by writing its signature (the header
 * page of swapdev/swapsig_int.h).  `uao run --swap' uses an existing
 * file or device only if it carries one.
 *
 * mkswap(8) is the model, stricter by default.  Refused always: links,
 * FIFOs, character devices, /proc and /sys, a block device that is
 * mounted, swap, or open in another process, a file that another uao
 * uses as swap.  Refused unless --force: a file or device holding a
 * filesystem, a partition table or another known signature (libblkid,
 * as mkswap(8) and wipefs(8) use it), or any non-zero byte.  With
 * --force, every signature libblkid finds is wiped (as wipefs -a does)
 * before the header is written, so that nothing mistakes the area for
 * what it held.  An area that carries uao's signature already is
 * remade without --force: it is uao's.
 *
 * SIZE is the swap space (the slots), as in --swap FILE:SIZE; the file
 * or device holds one more page, the header.  Without SIZE, a file or
 * device is used whole.  A missing file is created (mode 0600) at SIZE.
 */
#include <blkid/blkid.h>
#include <dirent.h>
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

#include "cli/cli_int.h"
#include "pager/param_int.h"
#include "swapdev/swapsig_int.h"

#define MKSWAP_MAX_PAGES (INT32_MAX / 2) /* as swap_on takes */

/*
 * open_elsewhere: a process other than this one with rdev open, from
 * /proc/PID/fd.  => its pid (and its name in comm), or 0.
 */
static int
open_elsewhere(dev_t rdev, char *comm, size_t len)
{
	DIR *proc = opendir("/proc"), *fds;
	struct dirent *pe, *fe;
	char path[PATH_MAX];
	int found = 0;

	if (proc == NULL)
		return 0;
	while (found == 0 && (pe = readdir(proc)) != NULL) {
		int pid = atoi(pe->d_name);

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd", pid);
		fds = opendir(path);
		if (fds == NULL)
			continue;
		while (found == 0 && (fe = readdir(fds)) != NULL) {
			struct stat st;

			if (fe->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%d/fd/%s", pid,
			    fe->d_name);
			if (stat(path, &st) == 0 && S_ISBLK(st.st_mode) &&
			    st.st_rdev == rdev)
				found = pid;
		}
		closedir(fds);
	}
	closedir(proc);
	if (found != 0) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/comm", found);
		comm[0] = '\0';
		f = fopen(path, "re");
		if (f != NULL) {
			if (fgets(comm, (int)len, f) != NULL)
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
	}
	return found;
}

/*
 * probe_signature: what libblkid recognises on fd: a filesystem, RAID
 * member, swap, or partition table.  => 1 and its name in buf, 0 if
 * nothing, -1 if libblkid failed.
 */
static int
probe_signature(int fd, char *buf, size_t len)
{
	blkid_probe pr = blkid_new_probe();
	const char *type = NULL, *what;
	int rv;

	if (pr == NULL || blkid_probe_set_device(pr, fd, 0, 0) != 0) {
		if (pr != NULL)
			blkid_free_probe(pr);
		return -1;
	}
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr,
	    BLKID_SUBLKS_TYPE | BLKID_SUBLKS_USAGE);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC);
	rv = blkid_do_safeprobe(pr);
	if (rv == -2) {
		snprintf(buf, len, "more than one signature (libblkid)");
		rv = 1;
	} else if (rv == 0) {
		if (blkid_probe_lookup_value(pr, "TYPE", &type, NULL) == 0) {
			what = strcmp(type, "swap") == 0 ? "the kernel's swap"
							 : "a filesystem";
		} else if (blkid_probe_lookup_value(pr, "PTTYPE", &type,
			       NULL) == 0) {
			what = "a partition table";
		} else {
			type = "?";
			what = "a known signature";
		}
		snprintf(buf, len, "%s (%s, says libblkid)", what, type);
		rv = 1;
	} else if (rv == 1) {
		rv = 0;
	} else {
		rv = -1;
	}
	blkid_free_probe(pr);
	return rv;
}

/*
 * wipe_signatures: erase every signature libblkid finds on fd, as
 * wipefs -a does (only their magic bytes).  => 0 or -1.
 */
static int
wipe_signatures(int fd)
{
	blkid_probe pr = blkid_new_probe();
	int rv = 0;

	if (pr == NULL || blkid_probe_set_device(pr, fd, 0, 0) != 0) {
		if (pr != NULL)
			blkid_free_probe(pr);
		return -1;
	}
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_MAGIC);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC);
	while (blkid_do_probe(pr) == 0) {
		if (blkid_do_wipe(pr, 0) != 0) {
			rv = -1;
			break;
		}
	}
	blkid_free_probe(pr);
	if (rv == 0 && fsync(fd) != 0)
		rv = -1;
	return rv;
}

/*
 * first_nonzero: the offset of the first non-zero byte of fd's first
 * `bytes' bytes (holes skipped), or -1 if all are zero.
 */
static off_t
first_nonzero(int fd, uint64_t bytes, bool blockdev)
{
	static unsigned char buf[1 << 20];
	off_t off = 0, end = (off_t)bytes;

	while (off < end) {
		ssize_t n;

		if (!blockdev) {
			off_t data = lseek(fd, off, SEEK_DATA);

			if (data < 0 || data >= end)
				return -1; /* the rest is a hole */
			off = data;
		}
		n = pread(fd, buf,
		    (size_t)(end - off < (off_t)sizeof(buf)
			    ? end - off
			    : (off_t)sizeof(buf)),
		    off);
		if (n <= 0)
			return n == 0 ? -1 : off;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != 0)
				return off + i;
		}
		off += n;
	}
	return -1;
}

static void __attribute__((noreturn)) mkswap_usage(void)
{
	die(EXIT_USAGE,
	    "mkswap: usage: uao mkswap [--force] FILE|DEVICE "
	    "[SIZE]");
}

int
cmd_mkswap(int argc, char **argv)
{
	const char *path = NULL, *sizearg = NULL;
	char why[512], what[128], comm[64], mnt[PATH_MAX], b1[32], u[40];
	uint64_t size = 0, bytes, npages;
	struct swapsig sg;
	struct stat lst, st;
	bool force = false, created = false, ours;
	int fd, error, pid;
	off_t nz;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0 ||
		    strcmp(argv[i], "-f") == 0)
			force = true;
		else if (strcmp(argv[i], "--") == 0 && i + 1 < argc &&
		    path == NULL)
			path = argv[++i];
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			die(EXIT_USAGE,
			    "mkswap: unknown option %s (uao mkswap [--force] "
			    "FILE|DEVICE [SIZE])",
			    argv[i]);
		else if (path == NULL)
			path = argv[i];
		else if (sizearg == NULL)
			sizearg = argv[i];
		else
			die(EXIT_USAGE, "mkswap: unexpected argument %s",
			    argv[i]);
	}
	if (path == NULL || path[0] == '\0')
		mkswap_usage();
	if (sizearg != NULL &&
	    (parse_size(sizearg, &size) != 0 || size == 0 ||
		size % PAGE_SIZE != 0))
		die(EXIT_USAGE,
		    "mkswap %s: bad size \"%s\" (a multiple of 4 KiB, e.g. "
		    "512M)",
		    path, sizearg);
	if (size / PAGE_SIZE > MKSWAP_MAX_PAGES)
		die(EXIT_USAGE, "mkswap %s: size %s too large (below 4T)", path,
		    sizearg);

	error = swapsig_check_path(path, &lst, why, sizeof(why));
	if (error != 0)
		die(EXIT_USAGE, "mkswap %s: %s", path, why);

	if (lst.st_mode == 0) {
		if (size == 0)
			die(EXIT_USAGE,
			    "mkswap %s: the file does not exist; give its "
			    "size (uao mkswap FILE SIZE)",
			    path);
		fd = open(path,
		    O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			die(EXIT_USAGE, "mkswap %s: cannot create it: %s", path,
			    strerror(errno));
		created = true;
		bytes = 0;
		goto write;
	}
	if (S_ISREG(lst.st_mode) && (lst.st_mode & 0222) == 0)
		die(EXIT_USAGE,
		    "mkswap %s: read-only file (mode %04o); chmod u+w it "
		    "first",
		    path, (unsigned)(lst.st_mode & 07777));
	/* O_EXCL on a block device: the kernel says EBUSY if mounted */
	fd = open(path,
	    O_RDWR | O_NOFOLLOW | O_CLOEXEC |
		(S_ISBLK(lst.st_mode) ? O_EXCL : 0));
	if (fd < 0 && errno == EBUSY) {
		if (mount_point_of(lst.st_rdev, mnt, sizeof(mnt)))
			die(EXIT_USAGE,
			    "mkswap %s: mounted on %s; not touched (unmount "
			    "it first)",
			    path, mnt);
		die(EXIT_USAGE,
		    "mkswap %s: in use (swap, or opened exclusively by "
		    "another program: EBUSY); not touched",
		    path);
	}
	if (fd < 0)
		die(EXIT_USAGE, "mkswap %s: cannot open it: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) != 0 || st.st_dev != lst.st_dev ||
	    st.st_ino != lst.st_ino)
		die(1, "mkswap %s: changed while it was looked at", path);
	if (flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
		pid = lock_holder(&st);
		die(EXIT_USAGE,
		    "mkswap %s: in use as swap by another process (pid %d); "
		    "not touched",
		    path, pid);
	}
	if (S_ISBLK(st.st_mode)) {
		pid = open_elsewhere(st.st_rdev, comm, sizeof(comm));
		if (pid > 0)
			die(EXIT_USAGE,
			    "mkswap %s: open in another process (pid %d, %s); "
			    "not touched",
			    path, pid, comm);
		if (ioctl(fd, BLKGETSIZE64, &bytes) != 0)
			die(1, "mkswap %s: cannot size the device: %s", path,
			    strerror(errno));
	} else {
		bytes = (uint64_t)st.st_size;
	}

	/* uao's already: remade without question */
	ours = swapsig_read(fd, bytes, &sg) == 0;
	if (!ours) {
		int found = probe_signature(fd, what, sizeof(what));

		if (found < 0)
			die(1, "mkswap %s: libblkid cannot probe it", path);
		if (found > 0 && !force)
			die(EXIT_USAGE,
			    "mkswap %s: holds %s; not touched (uao mkswap "
			    "--force wipes it)",
			    path, what);
		if (found > 0 && wipe_signatures(fd) != 0)
			die(1, "mkswap %s: cannot wipe %s: %s", path, what,
			    strerror(errno));
		if (found == 0 && !force &&
		    (nz = first_nonzero(fd, bytes, S_ISBLK(st.st_mode))) >= 0)
			die(EXIT_USAGE,
			    "mkswap %s: holds data (a non-zero byte at offset "
			    "%lld); not touched (uao mkswap --force "
			    "overwrites it)",
			    path, (long long)nz);
	}

write:
	if (size == 0) {
		if (bytes < 2 * PAGE_SIZE)
			die(EXIT_USAGE,
			    "mkswap %s: too small (%s): a swap area is a "
			    "header page and at least one page of swap",
			    path, fmt_bytes(b1, sizeof(b1), bytes));
		size = (bytes / PAGE_SIZE - SWAPSIG_PAGES) * PAGE_SIZE;
		if (size / PAGE_SIZE > MKSWAP_MAX_PAGES)
			size = (uint64_t)MKSWAP_MAX_PAGES * PAGE_SIZE;
	}
	npages = size / PAGE_SIZE;
	if (S_ISBLK(lst.st_mode) && size + SWAPSIG_PAGES * PAGE_SIZE > bytes)
		die(EXIT_USAGE,
		    "mkswap %s: %s of swap and its header page do not fit in "
		    "the device (%s)",
		    path, sizearg, fmt_bytes(b1, sizeof(b1), bytes));
	if (!S_ISBLK(lst.st_mode)) {
		/* every block now: a pageout must not meet ENOSPC later */
		error = posix_fallocate(fd, 0,
		    (off_t)(size + SWAPSIG_PAGES * PAGE_SIZE));
		if (error != 0) {
			if (created)
				unlink(path);
			die(1, "mkswap %s: cannot allocate %s: %s", path,
			    fmt_bytes(b1, sizeof(b1),
				size + SWAPSIG_PAGES * PAGE_SIZE),
			    strerror(error));
		}
		/* it will hold programs' memory: nobody else may read it */
		if (fchmod(fd, 0600) != 0)
			die(1, "mkswap %s: chmod 0600: %s", path,
			    strerror(errno));
	}
	error = swapsig_write(fd, npages, NULL);
	if (error != 0) {
		if (created)
			unlink(path);
		die(1, "mkswap %s: cannot write the header: %s", path,
		    strerror(-error));
	}
	if (swapsig_read(fd,
		S_ISBLK(lst.st_mode) ? bytes : size + SWAPSIG_PAGES * PAGE_SIZE,
		&sg) != 0)
		die(1, "mkswap %s: the header does not read back", path);
	close(fd);
	printf("%s: uao swap area of %llu pages (%s) after a %d-byte header, "
	       "UUID %s\n",
	    path, (unsigned long long)npages, fmt_bytes(b1, sizeof(b1), size),
	    PAGE_SIZE, swapsig_uuid_str(&sg, u, sizeof(u)));
	return 0;
}
