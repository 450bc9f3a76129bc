/*
 * swapcheck.c: would swap_on take this --swap?  Asked by `uao run' before
 * the program starts, with the rules swap_on itself applies (see
 * swapdev/swapsig_int.h), so that a refusal is one line naming the file
 * and why, and nothing has been written, created or left behind.
 *
 * Everything here only looks: files are opened read-only, block devices
 * read-only and O_EXCL (the kernel's own "is it mounted or swap"), and a
 * new file's directory is tried with an O_TMPFILE that vanishes on close.
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
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli/cli_int.h"
#include "pager/param_int.h"
#include "swapdev/swapsig_int.h"

int
lock_holder(const struct stat *st)
{
	char line[256];
	FILE *f = fopen("/proc/locks", "re");
	int pid = 0;

	if (f == NULL)
		return 0;
	while (pid == 0 && fgets(line, sizeof(line), f) != NULL) {
		unsigned int maj, min;
		unsigned long ino;
		int p;

		if (strstr(line, "FLOCK") == NULL)
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %d %x:%x:%lu", &p, &maj, &min,
			&ino) == 4 &&
		    maj == major(st->st_dev) && min == minor(st->st_dev) &&
		    ino == (unsigned long)st->st_ino)
			pid = p;
	}
	fclose(f);
	return pid;
}

int
mount_point_of(dev_t rdev, char *buf, size_t len)
{
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int found = 0;

	if (f == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		unsigned int maj, min;
		char mnt[PATH_MAX];

		if (sscanf(line, "%*d %*d %u:%u %*s %4095s", &maj, &min, mnt) ==
			3 &&
		    maj == major(rdev) && min == minor(rdev)) {
			snprintf(buf, len, "%s", mnt);
			found = 1;
		}
	}
	fclose(f);
	return found;
}

/* the directory part of path ("." for none, "/" for the root) */
static void
dir_of(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');

	snprintf(dir, len, "%.*s", slash != NULL ? (int)(slash - path) : 1,
	    slash != NULL ? path : ".");
	if (dir[0] == '\0')
		snprintf(dir, len, "/");
}

/* room for need bytes more in the filesystem of dir */
static int
check_room(const char *dir, uint64_t need, char *why, size_t whylen)
{
	struct statvfs vfs;
	char b1[32], b2[32];

	if (statvfs(dir, &vfs) == 0 &&
	    (uint64_t)vfs.f_bavail * vfs.f_frsize < need) {
		snprintf(why, whylen, "needs %s, but only %s is free there",
		    fmt_bytes(b1, sizeof(b1), need),
		    fmt_bytes(b2, sizeof(b2),
			(uint64_t)vfs.f_bavail * vfs.f_frsize));
		return -ENOSPC;
	}
	return 0;
}

/*
 * A new file: can one be made in dir, with O_DIRECT?  An O_TMPFILE has
 * no name and is gone at close: nothing is left, not even for a moment.
 */
static int
check_create(const char *dir, uint64_t bytes, bool buffered, char *why,
    size_t whylen)
{
	int fd, error;

	fd = open(dir,
	    O_RDWR | O_TMPFILE | O_CLOEXEC | (buffered ? 0 : O_DIRECT), 0600);
	if (fd < 0 && errno == EINVAL && !buffered) {
		snprintf(why, whylen,
		    "the filesystem of %s does not support O_DIRECT", dir);
		return -EOPNOTSUPP;
	}
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR)) {
		/* no O_TMPFILE there: permissions must do */
		if (access(dir, W_OK | X_OK) != 0) {
			error = -errno;
			snprintf(why, whylen, "cannot create it in %s: %s", dir,
			    strerror(errno));
			return error;
		}
	} else if (fd < 0) {
		error = -errno;
		snprintf(why, whylen, "cannot create it in %s: %s", dir,
		    strerror(errno));
		return error;
	} else {
		close(fd);
	}
	return check_room(dir, bytes, why, whylen);
}

int
swapcheck(const struct swap_spec *ss, struct swapcheck_info *sc, char *why,
    size_t whylen)
{
	const char *path = ss->ss_path;
	struct swapsig sg;
	struct stat st;
	uint64_t bytes, have;
	char dir[PATH_MAX], b1[32], mnt[PATH_MAX];
	int fd, error, holder;

	memset(sc, 0, sizeof(*sc));
	error = swapsig_check_path(path, &sc->sc_st, why, whylen);
	if (error != 0)
		return error;
	dir_of(path, dir, sizeof(dir));
	if (sc->sc_st.st_mode == 0) {
		if (ss->ss_size == 0) {
			snprintf(why, whylen,
			    "the file does not exist; give its size "
			    "(FILE:SIZE)");
			return -EINVAL;
		}
		sc->sc_create = true;
		sc->sc_size = ss->ss_size;
		/* the canonical name: two spellings of one new file */
		if (realpath(dir, sc->sc_canon) == NULL) {
			error = -errno;
			snprintf(why, whylen, "cannot create it in %s: %s", dir,
			    strerror(errno));
			return error;
		}
		snprintf(sc->sc_canon + strlen(sc->sc_canon),
		    sizeof(sc->sc_canon) - strlen(sc->sc_canon), "/%s",
		    strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path);
		return check_create(dir, ss->ss_size + PAGE_SIZE, false, why,
		    whylen);
	}

	if (S_ISREG(sc->sc_st.st_mode)) {
		/* root may write anything: the mode says what was meant */
		if ((sc->sc_st.st_mode & 0222) == 0) {
			snprintf(why, whylen,
			    "read-only file (mode %04o); chmod u+w it to use "
			    "it as swap",
			    (unsigned)(sc->sc_st.st_mode & 07777));
			return -EACCES;
		}
		if (access(path, R_OK | W_OK) != 0) {
			error = -errno;
			snprintf(why, whylen, "not writable: %s",
			    strerror(errno));
			return error;
		}
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_DIRECT);
		if (fd < 0 && errno == EINVAL) {
			snprintf(why, whylen,
			    "its filesystem does not support O_DIRECT");
			return -EOPNOTSUPP;
		}
	} else {
		/* O_EXCL: what the kernel refuses when mounted or swap */
		fd = open(path, O_RDONLY | O_EXCL | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0) {
		error = -errno;
		if (errno == EBUSY &&
		    mount_point_of(sc->sc_st.st_rdev, mnt, sizeof(mnt)))
			snprintf(why, whylen,
			    "a block device mounted on %s; uao never writes to "
			    "a mounted filesystem",
			    mnt);
		else if (errno == EBUSY)
			snprintf(why, whylen,
			    "a block device in use (mounted, swap, or opened "
			    "exclusively by another program: EBUSY)");
		else
			snprintf(why, whylen, "cannot open it: %s",
			    strerror(errno));
		return error;
	}
	if (fstat(fd, &st) != 0 || st.st_ino != sc->sc_st.st_ino ||
	    st.st_dev != sc->sc_st.st_dev) {
		close(fd);
		snprintf(why, whylen, "changed while it was looked at");
		return -ESTALE;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
		holder = lock_holder(&st);
		close(fd);
		if (holder > 0)
			snprintf(why, whylen,
			    "in use as swap by another process (pid %d)",
			    holder);
		else
			snprintf(why, whylen,
			    "in use as swap by another process");
		return -EBUSY;
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &bytes) != 0) {
			error = -errno;
			close(fd);
			snprintf(why, whylen, "cannot size the device: %s",
			    strerror(-error));
			return error;
		}
	} else {
		bytes = (uint64_t)st.st_size;
	}
	error = swapsig_read(fd, bytes, &sg);
	close(fd);
	if (error == -EMEDIUMTYPE) {
		snprintf(why, whylen,
		    "%s without uao's swap signature; uao writes only to files "
		    "it creates or that `uao mkswap' made (nothing was "
		    "written)",
		    S_ISBLK(st.st_mode) ? "a block device"
			: bytes == 0	? "an empty file"
					: "an existing file");
		return error;
	}
	if (error == -EUCLEAN) {
		snprintf(why, whylen,
		    "a damaged uao swap signature (or one larger than the "
		    "%s); make it again with `uao mkswap'",
		    S_ISBLK(st.st_mode) ? "device" : "file");
		return error;
	}
	if (error != 0) {
		snprintf(why, whylen, "cannot read its signature: %s",
		    strerror(-error));
		return error;
	}
	have = sg.sg_npages * PAGE_SIZE;
	sc->sc_size = ss->ss_size != 0 ? ss->ss_size : have;
	if (sc->sc_size > have && S_ISBLK(st.st_mode)) {
		snprintf(why, whylen,
		    "beyond the device's swap area (%s, from its signature)",
		    fmt_bytes(b1, sizeof(b1), have));
		return -EFBIG;
	}
	if (sc->sc_size > have)
		return check_room(dir, sc->sc_size - have, why, whylen);
	return 0;
}
