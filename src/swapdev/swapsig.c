/*
 * swapsig.c: uao's swap signature, and the checks on a path before uao
 * claims it as swap (see swapsig_int.h).
 *
 * Linked into the swap layer (swap_on claims through it) and into the
 * `uao' command, whose `run' checks every --swap with the same rules
 * before the program starts, and whose `mkswap' writes the signature.
 */
#include <errno.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "base/param_int.h"
#include "swapdev/swapsig_int.h"

#ifndef TRACEFS_MAGIC
#define TRACEFS_MAGIC 0x74726163
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif
#ifndef EFIVARFS_MAGIC
#define EFIVARFS_MAGIC 0xde5e81e4
#endif
#ifndef CONFIGFS_MAGIC
#define CONFIGFS_MAGIC 0x62656570
#endif
#ifndef BINFMTFS_MAGIC
#define BINFMTFS_MAGIC 0x42494e4d
#endif

static void
put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void
put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t
get32(const uint8_t *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t
fnv1a32(const uint8_t *p, size_t len)
{
	uint32_t h = 0x811c9dc5;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x01000193;
	}
	return h;
}

int
swapsig_format(void *page, uint64_t npages, const uint8_t *uuid)
{
	uint8_t *p = page;

	memset(p, 0, PAGE_SIZE);
	memcpy(p, SWAPSIG_MAGIC, SWAPSIG_MAGICLEN);
	put32(p + 16, SWAPSIG_VERSION);
	put32(p + 20, PAGE_SIZE);
	put64(p + 24, npages);
	if (uuid != NULL) {
		memcpy(p + 32, uuid, 16);
	} else {
		if (getrandom(p + 32, 16, 0) != 16)
			return errno != 0 ? -errno : -EIO;
		p[32 + 6] = (uint8_t)((p[32 + 6] & 0x0f) | 0x40);
		p[32 + 8] = (uint8_t)((p[32 + 8] & 0x3f) | 0x80);
	}
	put32(p + 48, fnv1a32(p, 48));
	return 0;
}

int
swapsig_parse(const void *page, struct swapsig *sg)
{
	const uint8_t *p = page;

	if (memcmp(p, SWAPSIG_MAGIC, SWAPSIG_MAGICLEN) != 0)
		return -EMEDIUMTYPE;
	if (get32(p + 48) != fnv1a32(p, 48))
		return -EUCLEAN;
	memset(sg, 0, sizeof(*sg));
	sg->sg_version = get32(p + 16);
	sg->sg_pagesize = get32(p + 20);
	sg->sg_npages = get64(p + 24);
	memcpy(sg->sg_uuid, p + 32, 16);
	if (sg->sg_version != SWAPSIG_VERSION || sg->sg_pagesize != PAGE_SIZE ||
	    sg->sg_npages == 0)
		return -EUCLEAN;
	return 0;
}

/*
 * The header page is read and written through an aligned buffer on the
 * stack (O_DIRECT wants one): no allocation, so that the `uao' command
 * can link this file alone.
 */
int
swapsig_read(int fd, uint64_t bytes, struct swapsig *sg)
{
	_Alignas(PAGE_SIZE) unsigned char page[PAGE_SIZE];
	ssize_t n;
	int error;

	if (bytes < (uint64_t)(SWAPSIG_PAGES + 1) * PAGE_SIZE)
		return -EMEDIUMTYPE;
	n = pread(fd, page, PAGE_SIZE, 0);
	if (n < 0)
		return -errno;
	if (n != PAGE_SIZE)
		return -EMEDIUMTYPE;
	error = swapsig_parse(page, sg);
	if (error == 0 && sg->sg_npages > bytes / PAGE_SIZE - SWAPSIG_PAGES)
		error = -EUCLEAN;
	return error;
}

int
swapsig_write(int fd, uint64_t npages, const uint8_t *uuid)
{
	_Alignas(PAGE_SIZE) unsigned char page[PAGE_SIZE];
	ssize_t n;
	int error;

	error = swapsig_format(page, npages, uuid);
	if (error != 0)
		return error;
	n = pwrite(fd, page, PAGE_SIZE, 0);
	if (n < 0)
		return -errno;
	if (n != PAGE_SIZE)
		return -EIO;
	if (fdatasync(fd) != 0)
		return -errno;
	return 0;
}

const char *
swapsig_uuid_str(const struct swapsig *sg, char *buf, size_t len)
{
	const uint8_t *u = sg->sg_uuid;

	snprintf(buf, len,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x",
	    u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10],
	    u[11], u[12], u[13], u[14], u[15]);
	return buf;
}

/* the name of a pseudo filesystem that holds no storage, or NULL */
static const char *
pseudo_fs(long type)
{
	switch ((unsigned long)type) {
	case PROC_SUPER_MAGIC:
		return "procfs";
	case SYSFS_MAGIC:
		return "sysfs";
	case DEBUGFS_MAGIC:
		return "debugfs";
	case TRACEFS_MAGIC:
		return "tracefs";
	case CGROUP_SUPER_MAGIC:
	case CGROUP2_SUPER_MAGIC:
		return "cgroupfs";
	case SECURITYFS_MAGIC:
		return "securityfs";
	case CONFIGFS_MAGIC:
		return "configfs";
	case BPF_FS_MAGIC:
		return "bpffs";
	case PSTOREFS_MAGIC:
		return "pstore";
	case EFIVARFS_MAGIC:
		return "efivarfs";
	case DEVPTS_SUPER_MAGIC:
		return "devpts";
	case BINFMTFS_MAGIC:
		return "binfmt_misc";
	default:
		return NULL;
	}
}

int
swapsig_check_path(const char *path, struct stat *st, char *why, size_t whylen)
{
	char dir[PATH_MAX];
	struct statfs sfs;
	const char *fsname, *slash;

	if (lstat(path, st) != 0) {
		if (errno != ENOENT) {
			snprintf(why, whylen, "%s", strerror(errno));
			return -errno;
		}
		memset(st, 0, sizeof(*st));
		/* a new file: its directory must be real storage */
		slash = strrchr(path, '/');
		snprintf(dir, sizeof(dir), "%.*s",
		    slash != NULL ? (int)(slash - path) : 1,
		    slash != NULL ? path : ".");
		if (dir[0] == '\0')
			snprintf(dir, sizeof(dir), "/");
		if (statfs(dir, &sfs) != 0) {
			int error = -errno;

			snprintf(why, whylen, "cannot create it in %s: %s", dir,
			    strerror(-error));
			return error;
		}
		fsname = pseudo_fs(sfs.f_type);
		if (fsname != NULL) {
			snprintf(why, whylen,
			    "cannot be created: %s is %s, a pseudo filesystem "
			    "that holds no storage",
			    dir, fsname);
			return -EINVAL;
		}
		return 0;
	}
	if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		struct stat tst;

		target[n > 0 ? n : 0] = '\0';
		if (stat(path, &tst) != 0)
			snprintf(why, whylen,
			    "a symbolic link to %s, which does not exist; "
			    "uao never follows a link to swap space",
			    target);
		else
			snprintf(why, whylen,
			    "a symbolic link (to %s); name the file or device "
			    "itself",
			    target);
		return -ELOOP;
	}
	if (S_ISDIR(st->st_mode)) {
		snprintf(why, whylen, "a directory, not a file");
		return -EISDIR;
	}
	if (S_ISFIFO(st->st_mode)) {
		snprintf(why, whylen,
		    "a FIFO: swap is a regular file or a "
		    "block device");
		return -EINVAL;
	}
	if (S_ISSOCK(st->st_mode)) {
		snprintf(why, whylen,
		    "a socket: swap is a regular file or a "
		    "block device");
		return -EINVAL;
	}
	if (S_ISCHR(st->st_mode)) {
		snprintf(why, whylen,
		    "a character device: swap is a regular file or a block "
		    "device");
		return -EINVAL;
	}
	if (!S_ISREG(st->st_mode) && !S_ISBLK(st->st_mode)) {
		snprintf(why, whylen, "not a regular file or a block device");
		return -EINVAL;
	}
	if (S_ISREG(st->st_mode)) {
		if (statfs(path, &sfs) != 0) {
			int error = -errno;

			snprintf(why, whylen, "%s", strerror(-error));
			return error;
		}
		fsname = pseudo_fs(sfs.f_type);
		if (fsname != NULL) {
			snprintf(why, whylen,
			    "a file on %s, a pseudo filesystem that holds no "
			    "storage",
			    fsname);
			return -EINVAL;
		}
	}
	return 0;
}
