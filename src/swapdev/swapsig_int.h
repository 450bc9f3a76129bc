/*
 * swapsig_int.h: uao's swap signature, and what a path must be before
 * uao writes to it.
 *
 * Swap space is claimed as the kernel's swapon(2) claims it: uao writes
 * only to a file it has just created, or to a file or block device that
 * carries uao's signature (a header page written by `uao mkswap' or by
 * uao when it created the file).  Anything else holds someone's data and
 * is never written.
 *
 * Layout: page 0 of the file or device is the header; slot k of the
 * device (k from 0) is page k + 1.  The header page is never a slot.
 * The header, little-endian, at byte 0 of page 0 (the rest is zero):
 *
 *	 0  16  magic "UAO-SWAP-AREA\0\0\0"
 *	16   4  version (1)
 *	20   4  page size (4096)
 *	24   8  slots: the pages of swap after the header page
 *	32  16  UUID (random, RFC 4122 version 4)
 *	48   4  checksum: FNV-1a (32 bits) of bytes 0..47
 *
 * These functions only look: none writes to the path, except
 * swapsig_write, which is for a file or device already claimed.
 */
#ifndef UAO_SWAPDEV_SWAPSIG_INT_H
#define UAO_SWAPDEV_SWAPSIG_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#define SWAPSIG_MAGIC	 "UAO-SWAP-AREA\0\0\0"
#define SWAPSIG_MAGICLEN 16
#define SWAPSIG_VERSION	 1
#define SWAPSIG_HDRLEN	 52
#define SWAPSIG_PAGES	 1 /* header pages before slot 0 */

struct swapsig {
	uint32_t sg_version;
	uint32_t sg_pagesize;
	uint64_t sg_npages; /* slots */
	uint8_t sg_uuid[16];
};

/*
 * swapsig_format: fill page (PAGE_SIZE bytes) with a header for npages
 * slots.  uuid NULL: a fresh random one; else keep that one (resizing).
 * => returns 0, or -errno if no random bytes could be had.
 */
int swapsig_format(void *page, uint64_t npages, const uint8_t *uuid);

/*
 * swapsig_parse: the header in page, checked.
 * => returns 0 and fills *sg, -EMEDIUMTYPE (no uao magic: not uao's), or
 *    -EUCLEAN (uao's magic, but a bad checksum, an unknown version or
 *    another page size: damaged, or made by another build).
 */
int swapsig_parse(const void *page, struct swapsig *sg);

/*
 * swapsig_read: read and check the header of an open file or device of
 * `bytes' bytes (any open mode; O_DIRECT is fine).
 * => returns 0, -EMEDIUMTYPE (no signature, or shorter than two pages),
 *    -EUCLEAN (damaged, or claims more slots than `bytes' holds), or the
 *    errno of pread(2).
 */
int swapsig_read(int fd, uint64_t bytes, struct swapsig *sg);

/*
 * swapsig_write: write a header for npages slots (uuid as for
 * swapsig_format) at byte 0 of fd, and make it durable (fdatasync).
 * => fd is uao's: just created, or carrying a signature, or forced by
 *    `uao mkswap --force'.  Returns 0 or -errno.
 */
int swapsig_write(int fd, uint64_t npages, const uint8_t *uuid);

/*
 * swapsig_uuid_str: the UUID as 36 characters and a NUL in buf (>= 37).
 */
const char *swapsig_uuid_str(const struct swapsig *sg, char *buf, size_t len);

/*
 * swapsig_check_path: may path be swap at all?  Looks with lstat(2) and
 * statfs(2) only: nothing is opened.
 * => returns 0 with *st filled (st->st_mode 0 if path does not exist and
 *    its directory could hold a new file), or -errno with one phrase in
 *    why saying what path is:
 *    -ELOOP (a symbolic link: dangling or not), -EISDIR, -EINVAL (a FIFO,
 *    socket or character device; a file of /proc, /sys or another
 *    pseudo filesystem), or the errno of lstat(2) or statfs(2).
 */
int
swapsig_check_path(const char *path, struct stat *st, char *why, size_t whylen);

#endif /* UAO_SWAPDEV_SWAPSIG_INT_H */
