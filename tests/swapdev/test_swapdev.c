/*
 * test_swapdev.c: the swap device layer (src/swapdev) against real files
 * and real io_uring.
 *
 * Covers swap_on / swap_off (named, existing, anonymous files and their
 * errors), global slot numbering, priorities and round-robin allocation,
 * contiguous runs, bad slots, held slots, batched page I/O (O_DIRECT and
 * buffered), fault injection, swapoff through a pager callback (a model
 * pager here, and the real aobj pager through tests/harness.h), and
 * concurrent allocation and I/O from several threads.
 *
 * io_uring_submit is wrapped at link time (-Wl,--wrap, see meson.build):
 * the wrapper counts submissions and the requests they carried, so that
 * the tests can tell a batch went in one system call.
 *
 * Every random choice comes from SWAPDEV_SEED (default below), printed at
 * start.  SWAPDEV_OPS sets the operations per thread of the concurrent
 * test (the 'slow' suite raises it).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <liburing.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../harness.h"
#include "swapdev/swap_int.h"
#include "swapdev/swapsig_int.h"
#include "swapdev/uring_int.h"

#define NPAGES(n) ((uint64_t)(n)*PAGE_SIZE)

static uint64_t test_seed = 0x5eed5a9d3e1ULL;
static int test_ops = 1500;

/*
 * io_uring_submit, counted
 */

int __real_io_uring_submit(struct io_uring *ring);
int __wrap_io_uring_submit(struct io_uring *ring);

static atomic_uint_fast64_t submit_calls; /* io_uring_submit calls */
static atomic_uint_fast64_t submit_sqes;  /* requests they submitted */

int
__wrap_io_uring_submit(struct io_uring *ring)
{
	int rv = __real_io_uring_submit(ring);

	atomic_fetch_add(&submit_calls, 1);
	if (rv > 0)
		atomic_fetch_add(&submit_sqes, (uint64_t)rv);
	return rv;
}

static uint64_t
nsubmit(void)
{
	return atomic_load(&submit_calls);
}

static uint64_t
nsqe(void)
{
	return atomic_load(&submit_sqes);
}

static void
submit_reset(void)
{
	atomic_store(&submit_calls, 0);
	atomic_store(&submit_sqes, 0);
}

/*
 * local helpers: a private directory per test, page buffers, patterns
 */

static char tdir[64];

static void
tdir_setup(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(tdir, sizeof(tdir), "%s/uaoswapdev.XXXXXX",
	    tmp != NULL && tmp[0] != '\0' && strlen(tmp) < 40 ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tdir));
}

static int
rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void
tdir_teardown(void)
{
	if (tdir[0] != '\0')
		nftw(tdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	tdir[0] = '\0';
}

/* tdir/name in buf (PATH_MAX) */
static char *
tpath(char *buf, const char *name)
{
	snprintf(buf, PATH_MAX, "%s/%s", tdir, name);
	return buf;
}

static void *
pages_alloc(int n)
{
	void *p = aligned_alloc(PAGE_SIZE, NPAGES(n));

	ck_assert_ptr_nonnull(p);
	memset(p, 0, NPAGES(n));
	return p;
}

static void *
page_at(void *base, int i)
{
	return (char *)base + NPAGES(i);
}

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 29;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 32;
	return x;
}

/* fill a page with the pattern of (key, gen) */
static void
fill_page(void *page, uint64_t key, uint64_t gen)
{
	uint64_t *w = page;

	for (int i = 0; i < PAGE_SIZE / 8; i++)
		w[i] = mix64(key * 0x100000001b3ULL + (uint64_t)i * 0x9e37 +
		    gen * 0x9e3779b97f4a7c15ULL);
}

/* => true if the page holds the pattern of (key, gen), byte for byte */
static bool
page_is(const void *page, uint64_t key, uint64_t gen)
{
	uint64_t want[PAGE_SIZE / 8];

	fill_page(want, key, gen);
	return memcmp(page, want, PAGE_SIZE) == 0;
}

static uint64_t
rng_next(uint64_t *s)
{
	*s += 0x9e3779b97f4a7c15ULL;
	return mix64(*s);
}

/* one device's description, by id; fails the test if absent */
static struct swap_devinfo
devinfo(struct swap_data *sd, int id)
{
	struct swap_devinfo devs[16];
	int n = swap_list(sd, devs, 16);

	for (int i = 0; i < n && i < 16; i++) {
		if (devs[i].si_id == id)
			return devs[i];
	}
	ck_abort_msg("device %d not listed", id);
	return devs[0];
}

static bool
dev_listed(struct swap_data *sd, int id)
{
	struct swap_devinfo devs[16];
	int n = swap_list(sd, devs, 16);

	for (int i = 0; i < n && i < 16; i++) {
		if (devs[i].si_id == id)
			return true;
	}
	return false;
}

/* write (or read) n pages at slots[] from (into) consecutive buffer pages */
static int
io_slots(struct swap_data *sd, const int *slots, int n, void *bufs, bool write,
    int *errors)
{
	struct swap_io ios[256];
	int nfailed;

	ck_assert_int_le(n, 256);
	for (int i = 0; i < n; i++) {
		ios[i].sio_slot = slots[i];
		ios[i].sio_buf = page_at(bufs, i);
		ios[i].sio_error = 12345;
	}
	nfailed = uvm_swap_io(sd, ios, n, write);
	for (int i = 0; i < n; i++) {
		ck_assert_int_ne(ios[i].sio_error, 12345);
		if (errors != NULL)
			errors[i] = ios[i].sio_error;
	}
	return nfailed;
}

/* write pattern (slot, gen) to n slots and read it back, byte-exact */
static void
write_verify_slots(struct swap_data *sd, const int *slots, int n, uint64_t gen)
{
	void *buf = pages_alloc(n);

	for (int i = 0; i < n; i++)
		fill_page(page_at(buf, i), (uint64_t)slots[i], gen);
	ck_assert_int_eq(io_slots(sd, slots, n, buf, true, NULL), 0);
	memset(buf, 0xa5, NPAGES(n));
	ck_assert_int_eq(io_slots(sd, slots, n, buf, false, NULL), 0);
	for (int i = 0; i < n; i++)
		ck_assert_msg(page_is(page_at(buf, i), (uint64_t)slots[i], gen),
		    "slot %d: bytes read back differ", slots[i]);
	free(buf);
}

static void
sd_check(struct swap_data *sd)
{
	ck_assert_int_eq(swap_check(sd), 0);
}

/* swap_off every device, then destroy (everything must be free) */
static void
sd_destroy_all(struct swap_data *sd)
{
	struct swap_devinfo devs[16];
	int n;

	sd_check(sd);
	ck_assert_int_eq(swap_swpginuse(sd), 0);
	n = swap_list(sd, devs, 16);
	for (int i = 0; i < n && i < 16; i++)
		ck_assert_int_eq(swap_off(sd, devs[i].si_id, NULL), 0);
	ck_assert_int_eq(swap_list(sd, devs, 16), 0);
	ck_assert_int_eq(swap_swpages(sd), 0);
	swap_destroy(sd);
}

/* a swap file of npages in tdir */
static int
dev_on(struct swap_data *sd, const char *name, int npages, int prio, int flags)
{
	char p[PATH_MAX];
	int id;

	id = swap_on(sd, name != NULL ? tpath(p, name) : NULL, NPAGES(npages),
	    prio, flags, tdir);
	ck_assert_msg(id > 0, "swap_on %s: %d", name ? name : "(anon)", id);
	return id;
}

/* the signature of the file at path.  => as swapsig_read */
static int
file_sig(const char *path, struct swapsig *sg)
{
	struct stat st;
	int fd, error;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	error = swapsig_read(fd, (uint64_t)st.st_size, sg);
	close(fd);
	return error;
}

/* a 64-bit FNV-1a of the whole file at path, and its size and mode */
struct file_print {
	uint64_t fp_hash;
	off_t fp_size;
	mode_t fp_mode;
};

static struct file_print
file_print(const char *path)
{
	struct file_print fp = { 0xcbf29ce484222325ULL, 0, 0 };
	unsigned char buf[8192];
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	fp.fp_size = st.st_size;
	fp.fp_mode = st.st_mode;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			fp.fp_hash ^= buf[i];
			fp.fp_hash *= 0x100000001b3ULL;
		}
	}
	ck_assert_int_eq(n, 0);
	close(fd);
	return fp;
}

static void
file_print_same(const char *path, struct file_print was)
{
	struct file_print now = file_print(path);

	ck_assert_msg(now.fp_hash == was.fp_hash &&
		now.fp_size == was.fp_size && now.fp_mode == was.fp_mode,
	    "%s was changed", path);
}

/*
 * 1. swap_on / swap_off
 */

START_TEST(test_swapon_named_created)
{
	struct swap_data *sd = swap_create(NULL, NULL);
	struct swap_devinfo si;
	struct swapsig sg;
	char p[PATH_MAX];
	struct stat st;
	int id, fd;
	off_t off;

	tpath(p, "swap0");
	ck_assert_int_eq(stat(p, &st), -1);
	umask(022);
	id = swap_on(sd, p, NPAGES(40), 0, 0, NULL);
	ck_assert_int_eq(id, 1);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	/* the signature page, then 40 slots */
	ck_assert_int_eq(st.st_size, (off_t)NPAGES(41));
	/* allocated, not sparse */
	ck_assert_int_ge((int64_t)st.st_blocks * 512, (int64_t)NPAGES(41));
	ck_assert_int_eq(file_sig(p, &sg), 0);
	ck_assert_uint_eq(sg.sg_npages, 40);
	ck_assert_uint_eq(sg.sg_pagesize, PAGE_SIZE);
	ck_assert_uint_eq(sg.sg_version, SWAPSIG_VERSION);

	si = devinfo(sd, id);
	ck_assert_str_eq(si.si_path, p);
	ck_assert_int_eq(si.si_npages, 40);
	ck_assert_int_eq(si.si_start, 1);
	ck_assert_int_eq(si.si_flags & (SWF_ENABLE | SWF_CREATED | SWF_ANON),
	    SWF_ENABLE | SWF_CREATED);
	ck_assert_int_eq(swap_swpages(sd), 40);

	/* the fd is the file */
	ck_assert_int_eq(swap_slot_locate(sd, 1, &fd, &off), 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(off, PAGE_SIZE);

	sd_check(sd);
	/* by path */
	ck_assert_int_eq(swap_off(sd, 0, p), 0);
	ck_assert_int_eq(swap_swpages(sd), 0);
	swap_destroy(sd);
}
END_TEST

/*
 * An existing file is swap only if it carries uao's signature: one with
 * someone's data is refused at every size and left byte for byte as it
 * was, mode included.  A signed one is used at the signature's size, a
 * smaller one, or a larger one (it grows, keeping its data).
 */
START_TEST(test_swapon_existing_file)
{
	struct swap_data *sd = swap_create(NULL, NULL);
	char p[PATH_MAX], q[PATH_MAX];
	void *buf = pages_alloc(6);
	struct file_print fp;
	struct swapsig sg, sg2;
	int slots[5], id, fd;
	struct stat st;

	/* 5 pages of data and a tail that is not a whole page, mode 0644 */
	tpath(p, "existing");
	fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0644);
	ck_assert_int_ge(fd, 0);
	for (int i = 0; i < 5; i++)
		fill_page(page_at(buf, i), 1000 + (uint64_t)i, 7);
	memset(page_at(buf, 5), 0x77, 100);
	ck_assert_int_eq(pwrite(fd, buf, NPAGES(5) + 100, 0),
	    (ssize_t)NPAGES(5) + 100);
	ck_assert_int_eq(fchmod(fd, 0644), 0);
	close(fd);
	fp = file_print(p);
	ck_assert_int_eq(swap_on(sd, p, 0, 0, 0, NULL), -EMEDIUMTYPE);
	ck_assert_int_eq(swap_on(sd, p, NPAGES(2), 0, 0, NULL), -EMEDIUMTYPE);
	ck_assert_int_eq(swap_on(sd, p, NPAGES(8), 0, 0, NULL), -EMEDIUMTYPE);
	ck_assert_int_eq(swap_on(sd, p, 0, 0, SWAP_BUFFERED, NULL),
	    -EMEDIUMTYPE);
	file_print_same(p, fp);
	/* a damaged signature: uao's magic, a wrong checksum */
	tpath(q, "damaged");
	fd = open(q, O_RDWR | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(swapsig_format(buf, 4, NULL), 0);
	((unsigned char *)buf)[24] ^= 1;
	ck_assert_int_eq(pwrite(fd, buf, NPAGES(1), 0), PAGE_SIZE);
	ck_assert_int_eq(ftruncate(fd, (off_t)NPAGES(5)), 0);
	close(fd);
	fp = file_print(q);
	ck_assert_int_eq(swap_on(sd, q, 0, 0, 0, NULL), -EUCLEAN);
	file_print_same(q, fp);
	/* a signature that claims more slots than the file holds */
	fd = open(q, O_RDWR);
	ck_assert_int_eq(swapsig_write(fd, 5, NULL), 0);
	close(fd);
	ck_assert_int_eq(swap_on(sd, q, 0, 0, 0, NULL), -EUCLEAN);
	ck_assert_int_eq(swap_list(sd, NULL, 0), 0);
	unlink(q);

	/* signed (as `uao mkswap' does): 5 slots after the header page */
	fd = open(p, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)NPAGES(6)), 0);
	for (int i = 0; i < 5; i++)
		fill_page(page_at(buf, i), 1000 + (uint64_t)i, 7);
	ck_assert_int_eq(pwrite(fd, buf, NPAGES(5), PAGE_SIZE),
	    (ssize_t)NPAGES(5));
	ck_assert_int_eq(swapsig_write(fd, 5, NULL), 0);
	close(fd);
	ck_assert_int_eq(file_sig(p, &sg), 0);

	/* size 0: the signature's */
	id = swap_on(sd, p, 0, 0, 0, NULL);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(devinfo(sd, id).si_npages, 5);
	ck_assert_int_eq(devinfo(sd, id).si_flags & SWF_CREATED, 0);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);

	/* slot k of the device is page k+1 of the file: its bytes read */
	for (int i = 0; i < 5; i++)
		slots[i] = devinfo(sd, id).si_start + i;
	memset(buf, 0, NPAGES(6));
	ck_assert_int_eq(io_slots(sd, slots, 5, buf, false, NULL), 0);
	for (int i = 0; i < 5; i++)
		ck_assert(page_is(page_at(buf, i), 1000 + (uint64_t)i, 7));
	ck_assert_int_eq(swap_off(sd, id, NULL), 0);

	/* a size smaller than the signature's uses that much */
	id = swap_on(sd, p, NPAGES(2), 0, 0, NULL);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(devinfo(sd, id).si_npages, 2);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_size, (off_t)NPAGES(6));
	ck_assert_int_eq(swap_off(sd, id, NULL), 0);

	/* a larger one grows a signed file, keeping its data and UUID */
	id = swap_on(sd, p, NPAGES(8), 0, 0, NULL);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_size, (off_t)NPAGES(9));
	ck_assert_int_eq(devinfo(sd, id).si_npages, 8);
	ck_assert_int_eq(file_sig(p, &sg2), 0);
	ck_assert_uint_eq(sg2.sg_npages, 8);
	ck_assert_mem_eq(sg2.sg_uuid, sg.sg_uuid, 16);
	slots[0] = devinfo(sd, id).si_start + 4;
	memset(buf, 0, PAGE_SIZE);
	ck_assert_int_eq(io_slots(sd, slots, 1, buf, false, NULL), 0);
	ck_assert(page_is(buf, 1004, 7));
	sd_destroy_all(sd);
	free(buf);
}
END_TEST

/* the number of entries in tdir, not counting . and .. */
static int
tdir_entries(void)
{
	char cmd[PATH_MAX];
	int n = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ls -A '%s'", tdir);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(cmd, sizeof(cmd), f) != NULL)
		n++;
	pclose(f);
	return n;
}

START_TEST(test_swapon_anonymous)
{
	struct swap_data *sd = swap_create(NULL, NULL);
	char p[PATH_MAX], oldtmp[PATH_MAX] = "";
	struct stat st;
	int id1, id2, fd;
	off_t off;
	int slots[4];

	id1 = swap_on(sd, NULL, NPAGES(16), 0, 0, tdir);
	ck_assert_int_gt(id1, 0);
	/* nothing in the directory: no other process can open it */
	ck_assert_int_eq(tdir_entries(), 0);
	ck_assert_str_eq(devinfo(sd, id1).si_path, "(anonymous)");
	ck_assert_int_eq(devinfo(sd, id1).si_flags & (SWF_ANON | SWF_CREATED),
	    SWF_ANON);
	ck_assert_int_eq(swap_slot_locate(sd, devinfo(sd, id1).si_start, &fd,
			     &off),
	    0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_nlink, 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(st.st_size, (off_t)NPAGES(17));

	/* a second anonymous device is a different file */
	id2 = swap_on(sd, NULL, NPAGES(8), 0, 0, tdir);
	ck_assert_int_gt(id2, id1);
	ck_assert_int_eq(devinfo(sd, id2).si_start, 17);
	for (int i = 0; i < 2; i++) {
		slots[i] = 1 + 14 + i;
		slots[2 + i] = 17 + i;
	}
	write_verify_slots(sd, slots, 4, 3);
	ck_assert_int_eq(tdir_entries(), 0);

	/* tmpdir NULL: $TMPDIR, seen by its error when it does not exist */
	if (getenv("TMPDIR") != NULL)
		snprintf(oldtmp, sizeof(oldtmp), "%s", getenv("TMPDIR"));
	ck_assert_int_eq(setenv("TMPDIR", tpath(p, "nonexistent"), 1), 0);
	ck_assert_int_eq(swap_on(sd, NULL, NPAGES(4), 0, 0, NULL), -ENOENT);
	ck_assert_int_eq(setenv("TMPDIR", tdir, 1), 0);
	ck_assert_int_gt(swap_on(sd, NULL, NPAGES(4), 0, 0, NULL), 0);
	ck_assert_int_eq(tdir_entries(), 0);
	/* explicit tmpdir that does not exist */
	ck_assert_int_eq(swap_on(sd, NULL, NPAGES(4), 0, 0, p), -ENOENT);
	if (oldtmp[0] != '\0')
		setenv("TMPDIR", oldtmp, 1);
	else
		unsetenv("TMPDIR");
	sd_destroy_all(sd);
}
END_TEST

START_TEST(test_swapon_errors)
{
	struct swap_data *sd = swap_create(NULL, NULL);
	char p[PATH_MAX], q[PATH_MAX];
	struct stat st;
	int fd;

	tpath(p, "sw");
	/* size 0 or not a page multiple */
	ck_assert_int_eq(swap_on(sd, NULL, 0, 0, 0, tdir), -EINVAL);
	ck_assert_int_eq(swap_on(sd, NULL, 100, 0, 0, tdir), -EINVAL);
	ck_assert_int_eq(swap_on(sd, p, PAGE_SIZE - 1, 0, 0, NULL), -EINVAL);
	ck_assert_int_eq(swap_on(sd, p, PAGE_SIZE + 1, 0, 0, NULL), -EINVAL);
	ck_assert_int_eq(swap_on(sd, p, NPAGES(3) + 512, 0, 0, NULL), -EINVAL);
	/* too large for int slot numbers */
	ck_assert_int_eq(swap_on(sd, p, NPAGES((uint64_t)INT_MAX), 0, 0, NULL),
	    -EINVAL);
	/* unknown flags */
	ck_assert_int_eq(swap_on(sd, p, NPAGES(4), 0, 0x100, NULL), -EINVAL);
	/* a missing file with size 0: refused, and not left behind */
	ck_assert_int_eq(swap_on(sd, p, 0, 0, 0, NULL), -EINVAL);
	ck_assert_int_eq(stat(p, &st), -1);
	ck_assert_int_eq(errno, ENOENT);

	/* uncreatable paths */
	ck_assert_int_eq(swap_on(sd, "", NPAGES(4), 0, 0, NULL), -ENOENT);
	ck_assert_int_eq(swap_on(sd, tpath(q, "no/such/dir/sw"), NPAGES(4), 0,
			     0, NULL),
	    -ENOENT);
	fd = open(tpath(q, "plain"), O_RDWR | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(swap_on(sd, tpath(q, "plain/sw"), NPAGES(4), 0, 0,
			     NULL),
	    -ENOTDIR);
	/* an existing empty file; one shorter than a page: no signature */
	ck_assert_int_eq(swap_on(sd, tpath(q, "plain"), 0, 0, 0, NULL),
	    -EMEDIUMTYPE);
	ck_assert_int_eq(swap_on(sd, q, NPAGES(4), 0, 0, NULL), -EMEDIUMTYPE);
	fd = open(q, O_RDWR);
	ck_assert_int_eq(pwrite(fd, "x", 1, 100), 1);
	close(fd);
	ck_assert_int_eq(swap_on(sd, q, 0, 0, 0, NULL), -EMEDIUMTYPE);
	/* not refused files are left as they were */
	ck_assert_int_eq(stat(q, &st), 0);
	ck_assert_int_eq(st.st_size, 101);

	/* a directory */
	ck_assert_int_eq(swap_on(sd, tdir, NPAGES(4), 0, 0, NULL), -EISDIR);
	ck_assert_int_eq(swap_on(sd, tdir, 0, 0, SWAP_BUFFERED, NULL), -EISDIR);
	/* a FIFO: neither a regular file nor a block device */
	ck_assert_int_eq(mkfifo(tpath(q, "fifo"), 0600), 0);
	ck_assert_int_eq(swap_on(sd, q, NPAGES(4), 0, SWAP_BUFFERED, NULL),
	    -EINVAL);
	/* a character device */
	ck_assert_int_eq(swap_on(sd, "/dev/null", NPAGES(4), 0, SWAP_BUFFERED,
			     NULL),
	    -EINVAL);

	/* none of it made a device, consumed an id or a slot */
	ck_assert_int_eq(swap_list(sd, NULL, 0), 0);
	ck_assert_int_eq(swap_swpages(sd), 0);
	sd_check(sd);
	ck_assert_int_eq(swap_on(sd, p, NPAGES(4), 0, 0, NULL), 1);
	ck_assert_int_eq(devinfo(sd, 1).si_start, 1);
	sd_destroy_all(sd);
}
END_TEST

/*
 * What is never swap, refused before it is opened for writing, with the
 * reason as swapsig_check_path says it: links (dangling or to a real
 * swap file), FIFOs, character devices, and files of /proc and /sys.
 */
START_TEST(test_swapon_refused_kinds)
{
	struct swap_data *sd = swap_create(NULL, NULL);
	char p[PATH_MAX], q[PATH_MAX], why[256];
	struct file_print fp;
	struct stat st;
	int id;

	/* a signed file, and a link to it */
	id = swap_on(sd, tpath(p, "real"), NPAGES(4), 0, 0, NULL);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(swap_off(sd, id, NULL), 0);
	fp = file_print(p);
	ck_assert_int_eq(symlink(p, tpath(q, "link")), 0);
	ck_assert_int_eq(swap_on(sd, q, 0, 0, 0, NULL), -ELOOP);
	ck_assert_int_eq(swapsig_check_path(q, &st, why, sizeof(why)), -ELOOP);
	ck_assert_ptr_nonnull(strstr(why, "symbolic link"));
	file_print_same(p, fp);
	/* a dangling link: not created through (that was "File exists") */
	ck_assert_int_eq(symlink(tpath(p, "nowhere"), tpath(q, "dangling")), 0);
	ck_assert_int_eq(swap_on(sd, q, NPAGES(4), 0, 0, NULL), -ELOOP);
	ck_assert_int_eq(swapsig_check_path(q, &st, why, sizeof(why)), -ELOOP);
	ck_assert_ptr_nonnull(strstr(why, "does not exist"));
	ck_assert_int_eq(lstat(p, &st), -1);
	/* FIFO, character device */
	ck_assert_int_eq(mkfifo(tpath(q, "fifo"), 0600), 0);
	ck_assert_int_eq(swap_on(sd, q, NPAGES(4), 0, 0, NULL), -EINVAL);
	ck_assert_int_eq(swapsig_check_path(q, &st, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "FIFO"));
	ck_assert_int_eq(swap_on(sd, "/dev/null", NPAGES(4), 0, 0, NULL),
	    -EINVAL);
	ck_assert_int_eq(swapsig_check_path("/dev/zero", &st, why, sizeof(why)),
	    -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "character device"));
	/* /proc and /sys: existing files, and new ones */
	ck_assert_int_eq(swap_on(sd, "/proc/self/status", 0, 0, 0, NULL),
	    -EINVAL);
	ck_assert_int_eq(swapsig_check_path("/proc/self/status", &st, why,
			     sizeof(why)),
	    -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "procfs"));
	ck_assert_int_eq(swap_on(sd, "/proc/uao-swap-test", NPAGES(4), 0, 0,
			     NULL),
	    -EINVAL);
	if (stat("/sys/kernel/mm/transparent_hugepage/enabled", &st) == 0) {
		ck_assert_int_eq(swap_on(sd,
				     "/sys/kernel/mm/transparent_hugepage/"
				     "enabled",
				     NPAGES(4), 0, 0, NULL),
		    -EINVAL);
		ck_assert_int_eq(
		    swapsig_check_path("/sys/kernel/mm/transparent_hugepage/"
				       "enabled",
			&st, why, sizeof(why)),
		    -EINVAL);
		ck_assert_ptr_nonnull(strstr(why, "sysfs"));
	}
	/* a directory */
	ck_assert_int_eq(swapsig_check_path(tdir, &st, why, sizeof(why)),
	    -EISDIR);
	/* a missing file in a real directory is fine: st_mode 0 */
	ck_assert_int_eq(swapsig_check_path(tpath(q, "new"), &st, why,
			     sizeof(why)),
	    0);
	ck_assert_int_eq(st.st_mode, 0);
	ck_assert_int_eq(swap_list(sd, NULL, 0), 0);
	sd_destroy_all(sd);
}
END_TEST

/* the header's own rules: round trip, damage, sizes */
START_TEST(test_swapsig_format_parse)
{
	unsigned char *page = pages_alloc(1);
	struct swapsig sg, sg2;
	char u[40];

	ck_assert_int_eq(swapsig_format(page, 1234, NULL), 0);
	ck_assert_mem_eq(page, SWAPSIG_MAGIC, SWAPSIG_MAGICLEN);
	for (int i = SWAPSIG_HDRLEN; i < PAGE_SIZE; i++)
		ck_assert_int_eq(page[i], 0);
	ck_assert_int_eq(swapsig_parse(page, &sg), 0);
	ck_assert_uint_eq(sg.sg_npages, 1234);
	ck_assert_uint_eq(sg.sg_pagesize, PAGE_SIZE);
	/* a version-4 UUID */
	swapsig_uuid_str(&sg, u, sizeof(u));
	ck_assert_int_eq(strlen(u), 36);
	ck_assert_int_eq(u[14], '4');
	/* a fresh one each time; kept when given */
	ck_assert_int_eq(swapsig_format(page, 1234, NULL), 0);
	ck_assert_int_eq(swapsig_parse(page, &sg2), 0);
	ck_assert_int_ne(memcmp(sg.sg_uuid, sg2.sg_uuid, 16), 0);
	ck_assert_int_eq(swapsig_format(page, 99, sg.sg_uuid), 0);
	ck_assert_int_eq(swapsig_parse(page, &sg2), 0);
	ck_assert_mem_eq(sg.sg_uuid, sg2.sg_uuid, 16);
	ck_assert_uint_eq(sg2.sg_npages, 99);
	/* every header byte is covered by the checksum */
	for (int i = 0; i < SWAPSIG_HDRLEN; i++) {
		ck_assert_int_eq(swapsig_format(page, 99, sg.sg_uuid), 0);
		page[i] ^= 0x10;
		ck_assert_int_eq(swapsig_parse(page, &sg2),
		    i < SWAPSIG_MAGICLEN ? -EMEDIUMTYPE : -EUCLEAN);
	}
	/* zeros, and another program's data, are not uao's */
	memset(page, 0, PAGE_SIZE);
	ck_assert_int_eq(swapsig_parse(page, &sg2), -EMEDIUMTYPE);
	memcpy(page,
	    "\x7f"
	    "ELF",
	    4);
	ck_assert_int_eq(swapsig_parse(page, &sg2), -EMEDIUMTYPE);
	free(page);
}
END_TEST

/*
 * A read-only file: run as a user that may not write it.  Under root
 * (which passes every permission check) the child drops to nobody.
 */
START_TEST(test_swapon_readonly)
{
	char p[PATH_MAX], q[PATH_MAX];
	pid_t pid;
	int fd, status;

	tpath(p, "ro");
	fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0444);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)NPAGES(4)), 0);
	close(fd);
	ck_assert_int_eq(chmod(p, 0444), 0);
	ck_assert_int_eq(chmod(tdir, 0755), 0);
	/* and a directory the user may not create files in */
	ck_assert_int_eq(mkdir(tpath(q, "rodir"), 0555), 0);
	ck_assert_int_eq(chmod(q, 0555), 0);
	tpath(q, "rodir/sw");

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct swap_data *sd;
		int rv;

		if (geteuid() == 0 &&
		    (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(100);
		sd = swap_create(NULL, NULL);
		rv = swap_on(sd, p, NPAGES(4), 0, 0, NULL);
		if (rv == -EACCES)
			rv = swap_on(sd, p, 0, 0, SWAP_BUFFERED, NULL);
		if (rv == -EACCES)
			rv = swap_on(sd, q, NPAGES(4), 0, 0, NULL);
		if (rv == -EACCES && swap_list(sd, NULL, 0) == 0)
			_exit(0);
		_exit(rv > 0 ? 101 : -rv);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_msg(WEXITSTATUS(status) == 0, "swap_on read-only: %d",
	    WEXITSTATUS(status));
	/* untouched */
	{
		struct stat st;

		ck_assert_int_eq(stat(p, &st), 0);
		ck_assert_uint_eq(st.st_mode & 07777, 0444);
		ck_assert_int_eq(st.st_size, (off_t)NPAGES(4));
		ck_assert_int_eq(stat(q, &st), -1);
	}
	/* as root too: the mode says read-only, whoever may write it */
	if (geteuid() == 0) {
		struct swap_data *sd = swap_create(NULL, NULL);
		struct stat st;

		ck_assert_int_eq(swap_on(sd, p, NPAGES(4), 0, 0, NULL),
		    -EACCES);
		ck_assert_int_eq(swap_on(sd, p, 0, 0, SWAP_BUFFERED, NULL),
		    -EACCES);
		ck_assert_int_eq(swap_list(sd, NULL, 0), 0);
		ck_assert_int_eq(stat(p, &st), 0);
		ck_assert_uint_eq(st.st_mode & 07777, 0444);
		ck_assert_int_eq(st.st_size, (off_t)NPAGES(4));
		swap_destroy(sd);
	}
}
END_TEST

START_TEST(test_swapon_twice_eexist)
{
	struct swap_data *sd = swap_create(NULL, NULL);
	char p[PATH_MAX], q[PATH_MAX], r[PATH_MAX];
	struct stat st;
	int id;

	tpath(p, "sw");
	id = swap_on(sd, p, NPAGES(8), 0, 0, NULL);
	ck_assert_int_gt(id, 0);
	/* same path, at another size: refused before touching the file */
	ck_assert_int_eq(swap_on(sd, p, NPAGES(16), 1, 0, NULL), -EEXIST);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_size, (off_t)NPAGES(9));
	/* the same file under another name */
	ck_assert_int_eq(link(p, tpath(q, "hardlink")), 0);
	ck_assert_int_eq(swap_on(sd, q, NPAGES(8), 0, 0, NULL), -EEXIST);
	/* a link to it is refused as a link */
	ck_assert_int_eq(symlink(p, tpath(r, "symlink")), 0);
	ck_assert_int_eq(swap_on(sd, r, 0, 0, SWAP_BUFFERED, NULL), -ELOOP);
	ck_assert_int_eq(swap_list(sd, NULL, 0), 1);
	/* once off, it may come back, at a fresh slot range */
	ck_assert_int_eq(swap_off(sd, id, NULL), 0);
	id = swap_on(sd, q, 0, 0, 0, NULL);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(devinfo(sd, id).si_start, 9);
	sd_destroy_all(sd);
}
END_TEST

/*
 * A named swap file is locked (flock) while it is a device: another swap
 * layer -- another uao process, or here a second swap_data -- gets -EBUSY
 * and leaves it alone; once it is off, the other may take it.
 */
START_TEST(test_swapon_locked_ebusy)
{
	struct swap_data *sd = swap_create(NULL, NULL);
	struct swap_data *other = swap_create(NULL, NULL);
	char p[PATH_MAX];
	int id;

	tpath(p, "locked");
	id = swap_on(sd, p, NPAGES(8), 0, 0, NULL);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(swap_on(other, p, 0, 0, 0, NULL), -EBUSY);
	ck_assert_int_eq(swap_list(other, NULL, 0), 0);
	ck_assert_int_eq(swap_off(sd, id, NULL), 0);
	ck_assert_int_gt(swap_on(other, p, 0, 0, 0, NULL), 0);
	sd_destroy_all(other);
	sd_destroy_all(sd);
}
END_TEST

START_TEST(test_swapoff_unknown)
{
	struct swap_data *sd = swap_create(NULL, NULL);
	char p[PATH_MAX];
	int id;

	ck_assert_int_eq(swap_off(sd, 1, NULL), -ENXIO);
	ck_assert_int_eq(swap_off(sd, 0, NULL), -ENXIO);
	ck_assert_int_eq(swap_off(sd, 0, "/nonexistent"), -ENXIO);
	id = dev_on(sd, "a", 4, 0, 0);
	ck_assert_int_eq(swap_off(sd, id + 1, NULL), -ENXIO);
	ck_assert_int_eq(swap_off(sd, 0, tpath(p, "b")), -ENXIO);
	ck_assert_int_eq(swap_off(sd, -1, NULL), -ENXIO);
	ck_assert_int_eq(swap_set_faults(sd, id + 1, 0, 1, 0, 0), -ENXIO);
	ck_assert_int_eq(swap_off(sd, id, NULL), 0);
	ck_assert_int_eq(swap_off(sd, id, NULL), -ENXIO);
	ck_assert_int_eq(swap_off(sd, 0, tpath(p, "a")), -ENXIO);
	ck_assert_int_eq(swap_set_faults(sd, id, 0, 1, 0, 0), -ENXIO);
	swap_destroy(sd);
}
END_TEST

START_TEST(test_swapoff_empty)
{
	struct swap_data *sd = swap_create(NULL, NULL);
	int a, b, c, s;

	a = dev_on(sd, "a", 10, 0, 0);
	b = dev_on(sd, "b", 20, 0, 0);
	ck_assert_int_eq(swap_swpages(sd), 30);
	ck_assert_int_eq(swap_off(sd, a, NULL), 0);
	ck_assert_int_eq(swap_swpages(sd), 20);
	ck_assert(!dev_listed(sd, a));
	/* its range is not handed out again: slots stay unambiguous */
	ck_assert_int_eq(swap_slot_device_id(sd, 5), 0);
	c = dev_on(sd, NULL, 10, 0, 0);
	ck_assert_int_eq(devinfo(sd, c).si_start, 31);
	for (int i = 0; i < 30; i++) {
		int n = 1;

		s = uvm_swap_alloc(sd, &n, false);
		ck_assert_int_gt(s, 10);
		ck_assert_int_eq(n, 1);
	}
	ck_assert_int_eq(swap_swpginuse(sd), 30);
	for (int i = 11; i < 41; i++)
		uvm_swap_free(sd, i, 1);
	ck_assert_int_eq(swap_off(sd, b, NULL), 0);
	sd_destroy_all(sd);
}
END_TEST

/*
 * 2. slot allocation
 */

START_TEST(test_alloc_global_numbering)
{
	struct swap_data *sd = swap_create(NULL, NULL);
	int a, b, c, fd, fda, fdb;
	off_t off;

	a = dev_on(sd, "a", 10, 0, 0);
	b = dev_on(sd, "b", 20, 5, 0);
	c = dev_on(sd, NULL, 30, -3, 0);
	ck_assert_int_eq(devinfo(sd, a).si_start, 1);
	ck_assert_int_eq(devinfo(sd, b).si_start, 11);
	ck_assert_int_eq(devinfo(sd, c).si_start, 31);
	ck_assert_int_eq(swap_swpages(sd), 60);

	ck_assert_int_eq(swap_slot_device_id(sd, 0), 0);
	ck_assert_int_eq(swap_slot_device_id(sd, SWSLOT_BAD), 0);
	ck_assert_int_eq(swap_slot_device_id(sd, 1), a);
	ck_assert_int_eq(swap_slot_device_id(sd, 10), a);
	ck_assert_int_eq(swap_slot_device_id(sd, 11), b);
	ck_assert_int_eq(swap_slot_device_id(sd, 30), b);
	ck_assert_int_eq(swap_slot_device_id(sd, 31), c);
	ck_assert_int_eq(swap_slot_device_id(sd, 60), c);
	ck_assert_int_eq(swap_slot_device_id(sd, 61), 0);

	/* locate: the device's fd and the page's offset in it */
	ck_assert_int_eq(swap_slot_locate(sd, 0, &fd, &off), -ENXIO);
	ck_assert_int_eq(swap_slot_locate(sd, SWSLOT_BAD, &fd, &off), -ENXIO);
	ck_assert_int_eq(swap_slot_locate(sd, 61, &fd, &off), -ENXIO);
	/* page 0 of each file is its signature */
	ck_assert_int_eq(swap_slot_locate(sd, 1, &fda, &off), 0);
	ck_assert_int_eq(off, (off_t)NPAGES(1));
	ck_assert_int_eq(swap_slot_locate(sd, 10, &fd, &off), 0);
	ck_assert_int_eq(fd, fda);
	ck_assert_int_eq(off, (off_t)NPAGES(10));
	ck_assert_int_eq(swap_slot_locate(sd, 11, &fdb, &off), 0);
	ck_assert_int_ne(fdb, fda);
	ck_assert_int_eq(off, (off_t)NPAGES(1));
	ck_assert_int_eq(swap_slot_locate(sd, 45, &fd, &off), 0);
	ck_assert_int_eq(off, (off_t)NPAGES(15));

	/* what a page written to a slot looks like at that fd and offset */
	{
		void *buf = pages_alloc(2);
		int slot = 27;

		fill_page(buf, 27, 9);
		ck_assert_int_eq(io_slots(sd, &slot, 1, buf, true, NULL), 0);
		ck_assert_int_eq(swap_slot_locate(sd, 27, &fd, &off), 0);
		ck_assert_int_eq(fd, fdb);
		ck_assert_int_eq(off, (off_t)NPAGES(17));
		ck_assert_int_eq(pread(fd, page_at(buf, 1), PAGE_SIZE, off),
		    PAGE_SIZE);
		ck_assert(page_is(page_at(buf, 1), 27, 9));
		free(buf);
	}
	sd_destroy_all(sd);
}
END_TEST

START_TEST(test_alloc_priority_roundrobin)
{
	struct swap_data *sd = swap_create(NULL, NULL);
	int a, b, c, d, e, s, n;
	int seq[20];

	/* lower number first; b, c and e share priority 0 */
	a = dev_on(sd, "a", 4, 1, 0);
	b = dev_on(sd, "b", 4, 0, 0);
	c = dev_on(sd, "c", 4, 0, 0);
	d = dev_on(sd, "d", 4, 7, 0);
	e = dev_on(sd, NULL, 2, 0, 0);
	(void)a;
	(void)d;

	/* b c e in turn, until e is full, then b c ... */
	for (int i = 0; i < 10; i++) {
		n = 1;
		s = uvm_swap_alloc(sd, &n, false);
		ck_assert_int_gt(s, 0);
		ck_assert_int_eq(n, 1);
		seq[i] = swap_slot_device_id(sd, s);
	}
	{
		const int want[10] = { b, c, e, b, c, e, b, c, b, c };

		for (int i = 0; i < 10; i++)
			ck_assert_msg(seq[i] == want[i],
			    "allocation %d on device %d, want %d", i, seq[i],
			    want[i]);
	}
	/* priority 0 is full: priority 1 (a), then 7 (d) */
	for (int i = 0; i < 8; i++) {
		n = 1;
		s = uvm_swap_alloc(sd, &n, false);
		ck_assert_int_gt(s, 0);
		ck_assert_int_eq(swap_slot_device_id(sd, s), i < 4 ? a : d);
	}
	n = 1;
	ck_assert_int_eq(uvm_swap_alloc(sd, &n, false), 0);
	ck_assert_int_eq(uvm_swap_alloc(sd, &n, true), 0);
	ck_assert_int_eq(swap_swpginuse(sd), 18);
	ck_assert_int_eq(swap_swpginuse(sd), swap_swpages(sd));
	sd_check(sd);

	/* a freed slot of the best priority is the next one handed out */
	s = devinfo(sd, c).si_start + 2;
	uvm_swap_free(sd, s, 1);
	n = 1;
	ck_assert_int_eq(uvm_swap_alloc(sd, &n, false), s);
	uvm_swap_free(sd, devinfo(sd, d).si_start + 1, 1);
	n = 1;
	ck_assert_int_eq(uvm_swap_alloc(sd, &n, false),
	    devinfo(sd, d).si_start + 1);

	/* free all; the round-robin goes on */
	for (int id = 1; id <= 5; id++) {
		struct swap_devinfo si = devinfo(sd, id);

		uvm_swap_free(sd, si.si_start, si.si_npages);
	}
	ck_assert_int_eq(swap_swpginuse(sd), 0);
	sd_check(sd);
	sd_destroy_all(sd);
}
END_TEST

START_TEST(test_alloc_contiguous_runs)
{
	struct swap_data *sd = swap_create(NULL, NULL);
	int a, b, s, s2, n, start_a, start_b;

	a = dev_on(sd, "a", 32, 0, 0);
	b = dev_on(sd, "b", 16, 1, 0);
	start_a = devinfo(sd, a).si_start;
	start_b = devinfo(sd, b).si_start;

	/* runs of 8 on a, one after another, never crossing a device */
	for (int i = 0; i < 4; i++) {
		n = 8;
		s = uvm_swap_alloc(sd, &n, false);
		ck_assert_int_eq(n, 8);
		ck_assert_int_eq(swap_slot_device_id(sd, s), a);
		ck_assert_int_eq(swap_slot_device_id(sd, s + 7), a);
	}
	ck_assert_int_eq(devinfo(sd, a).si_npginuse, 32);
	/* a is full: the next run is on b */
	n = 16;
	s = uvm_swap_alloc(sd, &n, false);
	ck_assert_int_eq(s, start_b);
	ck_assert_int_eq(n, 16);
	uvm_swap_free(sd, s, 16);

	/* fragment a: every other slot free; 16 free in all, runs of 1 */
	for (int i = 0; i < 32; i += 2)
		uvm_swap_free(sd, start_a + i, 1);
	ck_assert_int_eq(devinfo(sd, a).si_npginuse, 16);
	/* a cannot give 2 together: b, the worse priority, gives them whole */
	n = 2;
	s = uvm_swap_alloc(sd, &n, true);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(swap_slot_device_id(sd, s), b);
	/* more than any device holds: nothing whole; lessok takes a's best */
	n = 40;
	ck_assert_int_eq(uvm_swap_alloc(sd, &n, false), 0);
	ck_assert_int_eq(n, 40);
	s2 = uvm_swap_alloc(sd, &n, true);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(swap_slot_device_id(sd, s2), a);
	ck_assert_int_eq((s2 - start_a) % 2, 0);
	uvm_swap_free(sd, s2, 1);
	/* fill b; now 2 together are nowhere: lessok gives 1 from a */
	n = 14;
	s2 = uvm_swap_alloc(sd, &n, false);
	ck_assert_int_eq(n, 14);
	ck_assert_int_eq(swap_slot_device_id(sd, s2), b);
	n = 2;
	ck_assert_int_eq(uvm_swap_alloc(sd, &n, false), 0);
	n = 2;
	s = uvm_swap_alloc(sd, &n, true);
	ck_assert_int_gt(s, 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(swap_slot_device_id(sd, s), a);
	uvm_swap_free(sd, s, 1);

	/* free a run in the middle of a: a run of 5 is found there */
	for (int i = 9; i < 16; i += 2)
		uvm_swap_free(sd, start_a + i, 1);
	/* a now has 8..16 free (9 slots) */
	n = 9;
	s = uvm_swap_alloc(sd, &n, false);
	ck_assert_int_eq(s, start_a + 8);
	ck_assert_int_eq(n, 9);
	sd_check(sd);

	/* free everything */
	uvm_swap_free(sd, s, 9);
	for (int i = 0; i < 32; i++) {
		if (i % 2 == 1 && !(i >= 8 && i < 17))
			uvm_swap_free(sd, start_a + i, 1);
	}
	uvm_swap_free(sd, start_b, 16);
	ck_assert_int_eq(swap_swpginuse(sd), 0);
	sd_destroy_all(sd);
}
END_TEST

START_TEST(test_alloc_full)
{
	struct swap_data *sd = swap_create(NULL, NULL);
	int n, s;

	(void)dev_on(sd, "a", 8, 0, 0);
	(void)dev_on(sd, NULL, 8, 0, 0);
	for (int i = 0; i < 4; i++) {
		n = 4;
		ck_assert_int_gt(uvm_swap_alloc(sd, &n, false), 0);
		ck_assert_int_eq(n, 4);
	}
	ck_assert_int_eq(swap_swpginuse(sd), 16);
	for (int want = 1; want <= 20; want += 19) {
		n = want;
		ck_assert_int_eq(uvm_swap_alloc(sd, &n, false), 0);
		ck_assert_int_eq(n, want);
		ck_assert_int_eq(uvm_swap_alloc(sd, &n, true), 0);
	}
	/* no swap at all */
	for (s = 1; s <= 16; s += 4)
		uvm_swap_free(sd, s, 4);
	sd_destroy_all(sd);
	sd = swap_create(NULL, NULL);
	n = 1;
	ck_assert_int_eq(uvm_swap_alloc(sd, &n, true), 0);
	swap_destroy(sd);
}
END_TEST

START_TEST(test_alloc_markbad)
{
	struct swap_data *sd = swap_create(NULL, NULL);
	int a, b, s, n, got[8], ngot = 0;

	a = dev_on(sd, "a", 6, 0, 0);
	b = dev_on(sd, "b", 4, 1, 0);
	n = 6;
	s = uvm_swap_alloc(sd, &n, false);
	ck_assert_int_eq(s, 1);
	ck_assert_int_eq(n, 6);
	/* slots 3 and 4 fail; the rest are freed */
	uvm_swap_markbad(sd, 3, 2);
	ck_assert_int_eq(devinfo(sd, a).si_npgbad, 2);
	ck_assert_int_eq(devinfo(sd, a).si_npginuse, 4);
	ck_assert_int_eq(swap_swpginuse(sd), 4);
	sd_check(sd);
	uvm_swap_free(sd, 1, 2);
	uvm_swap_free(sd, 5, 2);
	/* freeing SWSLOT_BAD or 0 is a no-op */
	uvm_swap_free(sd, SWSLOT_BAD, 1);
	uvm_swap_free(sd, 0, 1);
	ck_assert_int_eq(swap_swpginuse(sd), 0);
	ck_assert_int_eq(devinfo(sd, a).si_npgbad, 2);
	sd_check(sd);

	/* a run across the bad slots is impossible; a hands out 4 singles */
	n = 3;
	s = uvm_swap_alloc(sd, &n, false);
	ck_assert_int_eq(swap_slot_device_id(sd, s), b);
	uvm_swap_free(sd, s, 3);
	for (;;) {
		n = 1;
		s = uvm_swap_alloc(sd, &n, false);
		if (s == 0 || swap_slot_device_id(sd, s) != a)
			break;
		ck_assert_int_ne(s, 3);
		ck_assert_int_ne(s, 4);
		got[ngot++] = s;
		ck_assert_int_le(ngot, 4);
	}
	ck_assert_int_eq(ngot, 4);
	ck_assert_int_eq(swap_slot_device_id(sd, s), b);
	uvm_swap_free(sd, s, 1);
	/* bad slots still counted, never in use */
	ck_assert_int_eq(devinfo(sd, a).si_npgbad, 2);
	ck_assert_int_eq(devinfo(sd, a).si_npginuse, 4);
	for (int i = 0; i < ngot; i++)
		uvm_swap_free(sd, got[i], 1);
	sd_check(sd);
	/* the device goes, bad slots with it */
	ck_assert_int_eq(swap_off(sd, a, NULL), 0);
	sd_destroy_all(sd);
}
END_TEST

START_TEST(test_alloc_hold)
{
	struct swap_data *sd = swap_create(NULL, NULL);
	int a, s, n, t;

	a = dev_on(sd, "a", 4, 0, 0);
	n = 4;
	s = uvm_swap_alloc(sd, &n, false);
	ck_assert_int_eq(n, 4);
	swap_hold(sd);
	swap_hold(sd);
	uvm_swap_free(sd, s, 2);
	ck_assert_int_eq(devinfo(sd, a).si_npgheld, 2);
	ck_assert_int_eq(devinfo(sd, a).si_npginuse, 2);
	ck_assert_int_eq(swap_swpginuse(sd), 2);
	sd_check(sd);
	/* held slots are not handed out again */
	n = 1;
	ck_assert_int_eq(uvm_swap_alloc(sd, &n, true), 0);
	/* nor may their device go: -EBUSY, and it stays usable */
	uvm_swap_free(sd, s + 2, 2);
	ck_assert_int_eq(swap_off(sd, a, NULL), -EBUSY);
	ck_assert(devinfo(sd, a).si_flags & SWF_ENABLE);
	ck_assert_int_eq(swap_swpages(sd), 4);
	swap_unhold(sd);
	ck_assert_int_eq(devinfo(sd, a).si_npgheld, 4);
	swap_unhold(sd);
	ck_assert_int_eq(devinfo(sd, a).si_npgheld, 0);
	sd_check(sd);
	n = 4;
	t = uvm_swap_alloc(sd, &n, false);
	ck_assert_int_eq(t, s);
	ck_assert_int_eq(n, 4);
	uvm_swap_free(sd, t, 4);
	sd_destroy_all(sd);
}
END_TEST

/* contract violations abort with a message (uvm_panic) */
START_TEST(test_alloc_double_free_panics)
{
	struct swap_data *sd = swap_create(NULL, NULL);
	int n = 1, s;

	(void)dev_on(sd, "a", 4, 0, 0);
	s = uvm_swap_alloc(sd, &n, false);
	uvm_swap_free(sd, s, 1);
	uvm_swap_free(sd, s, 1);
}
END_TEST

START_TEST(test_alloc_markbad_free_slot_panics)
{
	struct swap_data *sd = swap_create(NULL, NULL);

	(void)dev_on(sd, "a", 4, 0, 0);
	uvm_swap_markbad(sd, 2, 1);
}
END_TEST

START_TEST(test_alloc_free_bad_slot_panics)
{
	struct swap_data *sd = swap_create(NULL, NULL);
	int n = 1, s;

	(void)dev_on(sd, "a", 4, 0, 0);
	s = uvm_swap_alloc(sd, &n, false);
	uvm_swap_markbad(sd, s, 1);
	uvm_swap_free(sd, s, 1);
}
END_TEST

START_TEST(test_io_no_device_panics)
{
	struct swap_data *sd = swap_create(NULL, NULL);
	void *buf = pages_alloc(1);
	int slot = 5;

	(void)dev_on(sd, "a", 4, 0, 0);
	io_slots(sd, &slot, 1, buf, false, NULL);
}
END_TEST

/*
 * 3. page I/O
 */

START_TEST(test_io_odirect_and_buffered)
{
	struct swap_data *sd = swap_create(NULL, NULL);
	int ids[4], slots[16], fd, fl;
	off_t off;

	ids[0] = dev_on(sd, "direct", 8, 0, 0);
	ids[1] = dev_on(sd, "buffered", 8, 0, SWAP_BUFFERED);
	ids[2] = dev_on(sd, NULL, 8, 0, 0);
	ids[3] = dev_on(sd, NULL, 8, 0, SWAP_BUFFERED);
	for (int k = 0; k < 4; k++) {
		struct swap_devinfo si = devinfo(sd, ids[k]);
		bool direct = k % 2 == 0;

		ck_assert_int_eq(swap_slot_locate(sd, si.si_start, &fd, &off),
		    0);
		fl = fcntl(fd, F_GETFL);
		ck_assert_int_ge(fl, 0);
		ck_assert_msg(((fl & O_DIRECT) != 0) == direct,
		    "device %d: F_GETFL %#x", ids[k], fl);
		ck_assert_int_eq((fl & O_ACCMODE), O_RDWR);
		ck_assert_int_eq((si.si_flags & SWF_ODIRECT) != 0, direct);
		ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
		for (int i = 0; i < 4; i++)
			slots[k * 4 + i] = si.si_start + 2 * i + 1;
	}
	/* one batch over all four kinds */
	write_verify_slots(sd, slots, 16, 11);
	for (int k = 0; k < 4; k++) {
		ck_assert_uint_eq(devinfo(sd, ids[k]).si_nwrite, 4);
		ck_assert_uint_eq(devinfo(sd, ids[k]).si_nread, 4);
	}
	sd_destroy_all(sd);
}
END_TEST

START_TEST(test_io_batched)
{
	struct swap_data *sd = swap_create(NULL, NULL);
	int a, b, c, sa, sb, sc, slots[256];
	void *buf = pages_alloc(256);
	uint64_t sum;

	a = dev_on(sd, "a", 300, 0, 0);
	b = dev_on(sd, "b", 300, 0, 0);
	c = dev_on(sd, NULL, 300, 1, 0);
	sa = devinfo(sd, a).si_start;
	sb = devinfo(sd, b).si_start;
	sc = devinfo(sd, c).si_start;

	/* one run of 32 consecutive slots: one request, one submission */
	for (int i = 0; i < 32; i++) {
		slots[i] = sa + 100 + i;
		fill_page(page_at(buf, i), (uint64_t)slots[i], 1);
	}
	submit_reset();
	ck_assert_int_eq(io_slots(sd, slots, 32, buf, true, NULL), 0);
	ck_assert_uint_eq(nsubmit(), 1);
	ck_assert_uint_eq(nsqe(), 1);
	memset(buf, 0, NPAGES(32));
	submit_reset();
	ck_assert_int_eq(io_slots(sd, slots, 32, buf, false, NULL), 0);
	ck_assert_uint_eq(nsubmit(), 1);
	ck_assert_uint_eq(nsqe(), 1);
	for (int i = 0; i < 32; i++)
		ck_assert(page_is(page_at(buf, i), (uint64_t)slots[i], 1));

	/* runs on three devices, and a run broken by a gap: 4 requests */
	for (int i = 0; i < 8; i++) {
		slots[i] = sb + i;	    /* run 1 */
		slots[8 + i] = sc + 50 + i; /* run 2 */
		slots[16 + i] = sa + i;	    /* run 3 */
		slots[24 + i] = sa + 9 + i; /* run 4: gap at sa+8 */
	}
	for (int i = 0; i < 32; i++)
		fill_page(page_at(buf, i), (uint64_t)slots[i], 2);
	submit_reset();
	ck_assert_int_eq(io_slots(sd, slots, 32, buf, true, NULL), 0);
	ck_assert_uint_eq(nsubmit(), 1);
	ck_assert_uint_eq(nsqe(), 4);
	memset(buf, 0, NPAGES(32));
	submit_reset();
	ck_assert_int_eq(io_slots(sd, slots, 32, buf, false, NULL), 0);
	ck_assert_uint_eq(nsqe(), 4);
	for (int i = 0; i < 32; i++)
		ck_assert(page_is(page_at(buf, i), (uint64_t)slots[i], 2));

	/* 256 scattered pages, descending order: 256 requests, 64 at once */
	for (int i = 0; i < 256; i++) {
		int dev = i % 3;
		int base = dev == 0 ? sa : dev == 1 ? sb : sc;

		slots[i] = base + 299 - 2 * (i / 3);
		fill_page(page_at(buf, i), (uint64_t)slots[i], 3);
	}
	submit_reset();
	ck_assert_int_eq(io_slots(sd, slots, 256, buf, true, NULL), 0);
	ck_assert_uint_eq(nsubmit(), 256 / URING_DEPTH);
	ck_assert_uint_eq(nsqe(), 256);
	memset(buf, 0, NPAGES(256));
	ck_assert_int_eq(io_slots(sd, slots, 256, buf, false, NULL), 0);
	for (int i = 0; i < 256; i++)
		ck_assert_msg(page_is(page_at(buf, i), (uint64_t)slots[i], 3),
		    "page %d slot %d", i, slots[i]);
	/* the earlier batches' pages that were not overwritten are intact */
	slots[0] = sa + 100;
	ck_assert_int_eq(io_slots(sd, slots, 1, buf, false, NULL), 0);
	ck_assert(page_is(buf, (uint64_t)(sa + 100), 1));

	/* per-device counters add up to the pages moved */
	sum = 0;
	for (int id = a; id <= c; id++) {
		struct swap_devinfo si = devinfo(sd, id);

		sum += si.si_nread + si.si_nwrite;
		ck_assert_uint_eq(si.si_nreaderr + si.si_nwriteerr, 0);
	}
	ck_assert_uint_eq(sum, 32 * 4 + 256 * 2 + 1);
	ck_assert_uint_eq(devinfo(sd, c).si_nwrite, 8 + 85);
	free(buf);
	sd_destroy_all(sd);
}
END_TEST

/* I/O through a thread's ring after it released its ring: a new one */
START_TEST(test_io_ring_release)
{
	struct swap_data *sd = swap_create(NULL, NULL);
	int slots[4] = { 1, 2, 3, 4 };

	(void)dev_on(sd, "a", 4, 0, 0);
	write_verify_slots(sd, slots, 4, 1);
	uring_thread_release();
	uring_thread_release();
	write_verify_slots(sd, slots, 4, 2);
	sd_destroy_all(sd);
}
END_TEST

/*
 * 4. fault injection
 */

START_TEST(test_faults_write_nth)
{
	struct swap_data *sd = swap_create(NULL, NULL);
	int a, b, slots[8], errs[8], sa, sb;
	void *buf = pages_alloc(8);

	a = dev_on(sd, "a", 16, 0, 0);
	b = dev_on(sd, "b", 16, 0, 0);
	sa = devinfo(sd, a).si_start;
	sb = devinfo(sd, b).si_start;
	/* generation 1 everywhere */
	for (int i = 0; i < 6; i++)
		slots[i] = sa + i;
	slots[6] = sb;
	slots[7] = sb + 1;
	for (int i = 0; i < 8; i++)
		fill_page(page_at(buf, i), (uint64_t)slots[i], 1);
	ck_assert_int_eq(io_slots(sd, slots, 8, buf, true, NULL), 0);

	/* the 3rd page written to a from now fails: a's 3rd, not b's */
	ck_assert_int_eq(swap_set_faults(sd, a, 1, 3, 0, 0), 0);
	for (int i = 0; i < 8; i++)
		fill_page(page_at(buf, i), (uint64_t)slots[i], 2);
	/* interleave b's pages first: they do not count for a */
	{
		int order[8] = { 6, 0, 7, 1, 2, 3, 4, 5 }, s2[8];
		void *b2 = pages_alloc(8);

		for (int i = 0; i < 8; i++) {
			s2[i] = slots[order[i]];
			memcpy(page_at(b2, i), page_at(buf, order[i]),
			    PAGE_SIZE);
		}
		ck_assert_int_eq(io_slots(sd, s2, 8, b2, true, errs), 1);
		for (int i = 0; i < 8; i++)
			ck_assert_int_eq(errs[i], s2[i] == sa + 2 ? -EIO : 0);
		free(b2);
	}
	ck_assert_uint_eq(devinfo(sd, a).si_nwriteerr, 1);
	ck_assert_uint_eq(devinfo(sd, a).si_nwrite, 6 + 5);
	ck_assert_uint_eq(devinfo(sd, b).si_nwriteerr, 0);
	ck_assert_uint_eq(devinfo(sd, b).si_nwrite, 4);
	/* one shot: the same batch again succeeds */
	ck_assert_int_eq(io_slots(sd, slots, 8, buf, true, NULL), 0);
	/* the failed write never reached the file: gen 1 stayed there */
	{
		int s = sa + 2;

		ck_assert_int_eq(swap_set_faults(sd, a, 1, 1, 0, 0), 0);
		fill_page(buf, (uint64_t)s, 3);
		ck_assert_int_eq(io_slots(sd, &s, 1, buf, true, errs), 1);
		ck_assert_int_eq(errs[0], -EIO);
		ck_assert_int_eq(io_slots(sd, &s, 1, buf, false, NULL), 0);
		ck_assert(page_is(buf, (uint64_t)s, 2));
	}
	/* reads were never affected */
	ck_assert_uint_eq(devinfo(sd, a).si_nreaderr, 0);

	/* nth counts pages across batches: 5th = first page of 3rd batch */
	ck_assert_int_eq(swap_set_faults(sd, b, 1, 5, 0, 0), 0);
	for (int batch = 0; batch < 4; batch++) {
		int s[2] = { sb + 2 * batch, sb + 2 * batch + 1 };

		fill_page(buf, (uint64_t)s[0], 4);
		fill_page(page_at(buf, 1), (uint64_t)s[1], 4);
		ck_assert_int_eq(io_slots(sd, s, 2, buf, true, errs),
		    batch == 2 ? 1 : 0);
		ck_assert_int_eq(errs[0], batch == 2 ? -EIO : 0);
		ck_assert_int_eq(errs[1], 0);
	}
	ck_assert_uint_eq(devinfo(sd, b).si_nwriteerr, 1);
	/* off */
	ck_assert_int_eq(swap_set_faults(sd, b, 1, 0, 0, 0), 0);
	ck_assert_int_eq(swap_set_faults(sd, a, 1, 0, 0, 0), 0);
	write_verify_slots(sd, slots, 8, 5);
	/* bad arguments */
	ck_assert_int_eq(swap_set_faults(sd, a, 2, 1, 0, 0), -EINVAL);
	ck_assert_int_eq(swap_set_faults(sd, a, -1, 1, 0, 0), -EINVAL);
	ck_assert_int_eq(swap_set_faults(sd, a, 0, 0, 1000001, 0), -EINVAL);
	free(buf);
	sd_destroy_all(sd);
}
END_TEST

START_TEST(test_faults_read_nth)
{
	struct swap_data *sd = swap_create(NULL, NULL);
	int a, b, slots[8], errs[8], sa, sb;
	void *buf = pages_alloc(8);

	a = dev_on(sd, "a", 8, 0, 0);
	b = dev_on(sd, NULL, 8, 0, SWAP_BUFFERED);
	sa = devinfo(sd, a).si_start;
	sb = devinfo(sd, b).si_start;
	for (int i = 0; i < 4; i++) {
		slots[i] = sa + i;
		slots[4 + i] = sb + i;
	}
	for (int i = 0; i < 8; i++)
		fill_page(page_at(buf, i), (uint64_t)slots[i], 1);
	ck_assert_int_eq(io_slots(sd, slots, 8, buf, true, NULL), 0);

	/* the 2nd page read from b; writes do not count */
	ck_assert_int_eq(swap_set_faults(sd, b, 0, 2, 0, 0), 0);
	ck_assert_int_eq(io_slots(sd, slots, 8, buf, true, NULL), 0);
	memset(buf, 0xee, NPAGES(8));
	ck_assert_int_eq(io_slots(sd, slots, 8, buf, false, errs), 1);
	for (int i = 0; i < 8; i++) {
		if (i == 5) {
			unsigned char *p = page_at(buf, i);

			ck_assert_int_eq(errs[i], -EIO);
			/* the buffer was not touched */
			for (int k = 0; k < PAGE_SIZE; k++)
				ck_assert_uint_eq(p[k], 0xee);
		} else {
			ck_assert_int_eq(errs[i], 0);
			ck_assert(
			    page_is(page_at(buf, i), (uint64_t)slots[i], 1));
		}
	}
	ck_assert_uint_eq(devinfo(sd, b).si_nreaderr, 1);
	ck_assert_uint_eq(devinfo(sd, b).si_nread, 3);
	ck_assert_uint_eq(devinfo(sd, a).si_nreaderr, 0);
	ck_assert_uint_eq(devinfo(sd, a).si_nread, 4);
	ck_assert_uint_eq(devinfo(sd, b).si_nwriteerr, 0);
	/* the slot itself is fine: a read now succeeds */
	memset(buf, 0, NPAGES(8));
	ck_assert_int_eq(io_slots(sd, slots, 8, buf, false, NULL), 0);
	ck_assert(page_is(page_at(buf, 5), (uint64_t)slots[5], 1));
	free(buf);
	sd_destroy_all(sd);
}
END_TEST

/* the injector's generator, as swapio.c has it, to predict failures */
static uint64_t
model_xorshift(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

START_TEST(test_faults_ppm)
{
	struct swap_data *sd = swap_create(NULL, NULL);
	const uint32_t ppm = 250000;
	int a, b, slots[128], errs[128], sa, sb, nfail, want_fail;
	void *buf = pages_alloc(128);
	uint64_t seed = test_seed | 1, st;

	a = dev_on(sd, "a", 64, 0, 0);
	b = dev_on(sd, "b", 64, 0, 0);
	sa = devinfo(sd, a).si_start;
	sb = devinfo(sd, b).si_start;
	for (int i = 0; i < 64; i++) {
		slots[2 * i] = sa + i;
		slots[2 * i + 1] = sb + i;
	}
	for (int i = 0; i < 128; i++)
		fill_page(page_at(buf, i), (uint64_t)slots[i], 1);

	/* writes to a fail at 25%, exactly where the generator says */
	ck_assert_int_eq(swap_set_faults(sd, a, 1, 0, ppm, seed), 0);
	nfail = io_slots(sd, slots, 128, buf, true, errs);
	st = seed;
	want_fail = 0;
	for (int i = 0; i < 64; i++) {
		bool fail = model_xorshift(&st) % 1000000 < ppm;

		want_fail += fail;
		ck_assert_int_eq(errs[2 * i], fail ? -EIO : 0);
		ck_assert_int_eq(errs[2 * i + 1], 0);
	}
	ck_assert_int_eq(nfail, want_fail);
	ck_assert_int_gt(nfail, 0);
	ck_assert_int_lt(nfail, 64);
	ck_assert_uint_eq(devinfo(sd, a).si_nwriteerr, (uint64_t)want_fail);
	ck_assert_uint_eq(devinfo(sd, a).si_nwrite, (uint64_t)(64 - want_fail));

	/* the same seed again: the same pages */
	ck_assert_int_eq(swap_set_faults(sd, a, 1, 0, ppm, seed), 0);
	{
		int errs2[128];

		ck_assert_int_eq(io_slots(sd, slots, 128, buf, true, errs2),
		    want_fail);
		ck_assert_mem_eq(errs, errs2, sizeof(errs));
	}

	/* nth and ppm together, on reads of b: both fire */
	ck_assert_int_eq(swap_set_faults(sd, a, 1, 0, 0, 0), 0);
	ck_assert_int_eq(io_slots(sd, slots, 128, buf, true, NULL), 0);
	ck_assert_int_eq(swap_set_faults(sd, b, 0, 10, 100000, 0), 0);
	memset(buf, 0, NPAGES(128));
	nfail = io_slots(sd, slots, 128, buf, false, errs);
	st = 0x9e3779b97f4a7c15ULL; /* seed 0: the default */
	want_fail = 0;
	for (int i = 0; i < 64; i++) {
		bool fail = model_xorshift(&st) % 1000000 < 100000;

		fail = fail || i + 1 == 10;
		want_fail += fail;
		ck_assert_int_eq(errs[2 * i + 1], fail ? -EIO : 0);
		ck_assert_int_eq(errs[2 * i], 0);
		if (!fail)
			ck_assert(page_is(page_at(buf, 2 * i + 1),
			    (uint64_t)slots[2 * i + 1], 1));
		ck_assert(
		    page_is(page_at(buf, 2 * i), (uint64_t)slots[2 * i], 1));
	}
	ck_assert_int_eq(nfail, want_fail);
	ck_assert_uint_eq(devinfo(sd, b).si_nreaderr, (uint64_t)want_fail);

	/* a million per million: every page */
	ck_assert_int_eq(swap_set_faults(sd, b, 0, 0, 1000000, 0), 0);
	ck_assert_int_eq(io_slots(sd, slots, 128, buf, false, errs), 64);
	sd_destroy_all(sd);
	free(buf);
}
END_TEST

/*
 * The pager's part after a failed write (pagerio.c): the slot is marked
 * bad and the page goes to another slot, which holds it.
 */
START_TEST(test_faults_write_then_markbad)
{
	struct swap_data *sd = swap_create(NULL, NULL);
	int a, s, n, err, s2;
	void *buf = pages_alloc(1);

	a = dev_on(sd, "a", 4, 0, 0);
	ck_assert_int_eq(swap_set_faults(sd, a, 1, 1, 0, 0), 0);
	n = 1;
	s = uvm_swap_alloc(sd, &n, false);
	fill_page(buf, 77, 1);
	ck_assert_int_eq(io_slots(sd, &s, 1, buf, true, &err), 1);
	ck_assert_int_eq(err, -EIO);
	uvm_swap_markbad(sd, s, 1);
	n = 1;
	s2 = uvm_swap_alloc(sd, &n, false);
	ck_assert_int_ne(s2, s);
	ck_assert_int_eq(io_slots(sd, &s2, 1, buf, true, &err), 0);
	memset(buf, 0, PAGE_SIZE);
	ck_assert_int_eq(io_slots(sd, &s2, 1, buf, false, &err), 0);
	ck_assert(page_is(buf, 77, 1));
	ck_assert_int_eq(devinfo(sd, a).si_npgbad, 1);
	ck_assert_uint_eq(devinfo(sd, a).si_nwriteerr, 1);
	uvm_swap_free(sd, s2, 1);
	sd_check(sd);
	sd_destroy_all(sd);
	free(buf);
}
END_TEST

/*
 * 5. swap_off with pages in use, through a model pager
 *
 * The model holds npages pages, each either resident (a buffer) or in one
 * slot; its pagein callback reads every page in the range back and frees
 * the slot, as uao_swap_off does.
 */

struct model {
	struct swap_data *m_sd;
	int m_npages;
	int *m_slot;	    /* 0: resident */
	void *m_mem;	    /* resident copies, m_npages pages */
	uint64_t m_gen;	    /* pattern generation of every page */
	int m_calls;	    /* pagein calls */
	int m_start, m_end; /* last range asked for */
	int m_limit;	    /* page in at most this many, then -ENOMEM */
	int m_leave;	    /* leave this many in the range (for -EBUSY) */
	int m_swpages_in;   /* swap_swpages seen inside the callback */
	int m_alloc_dev;    /* device of a slot allocated inside */
};

static int
model_pagein(void *arg, int start, int end)
{
	struct model *m = arg;
	int done = 0, n = 1, s;

	m->m_calls++;
	m->m_start = start;
	m->m_end = end;
	m->m_swpages_in = swap_swpages(m->m_sd);
	/* the device is closed to allocation while it empties */
	s = uvm_swap_alloc(m->m_sd, &n, false);
	m->m_alloc_dev = swap_slot_device_id(m->m_sd, s);
	uvm_swap_free(m->m_sd, s, n);

	for (int i = 0; i < m->m_npages; i++) {
		int slot = m->m_slot[i];

		if (slot < start || slot >= end)
			continue;
		if (m->m_leave > 0) {
			m->m_leave--;
			continue;
		}
		if (done == m->m_limit)
			return -ENOMEM;
		ck_assert_int_eq(io_slots(m->m_sd, &slot, 1,
				     page_at(m->m_mem, i), false, NULL),
		    0);
		uvm_swap_free(m->m_sd, slot, 1);
		m->m_slot[i] = 0;
		done++;
	}
	return 0;
}

static void
model_init(struct model *m, int npages)
{
	memset(m, 0, sizeof(*m));
	m->m_sd = swap_create(model_pagein, m);
	ck_assert_ptr_nonnull(m->m_sd);
	m->m_npages = npages;
	m->m_slot = calloc((size_t)npages, sizeof(int));
	m->m_mem = pages_alloc(npages);
	m->m_limit = INT_MAX;
	m->m_gen = 1;
	for (int i = 0; i < npages; i++)
		fill_page(page_at(m->m_mem, i), (uint64_t)i, m->m_gen);
}

/* page out every resident page, in runs; => pages paged out */
static int
model_pageout(struct model *m)
{
	int out = 0, i = 0;

	while (i < m->m_npages) {
		int n, s, slots[64];

		if (m->m_slot[i] != 0) {
			i++;
			continue;
		}
		n = m->m_npages - i < 64 ? m->m_npages - i : 64;
		s = uvm_swap_alloc(m->m_sd, &n, true);
		if (s == 0)
			break;
		for (int k = 0; k < n; k++)
			slots[k] = s + k;
		ck_assert_int_eq(io_slots(m->m_sd, slots, n,
				     page_at(m->m_mem, i), true, NULL),
		    0);
		for (int k = 0; k < n; k++) {
			m->m_slot[i + k] = s + k;
			memset(page_at(m->m_mem, i + k), 0, PAGE_SIZE);
		}
		out += n;
		i += n;
	}
	return out;
}

/* every page, resident or read from its slot, holds its pattern */
static void
model_verify(struct model *m)
{
	void *buf = pages_alloc(1);

	for (int i = 0; i < m->m_npages; i++) {
		const void *p = page_at(m->m_mem, i);

		if (m->m_slot[i] != 0) {
			ck_assert_int_eq(io_slots(m->m_sd, &m->m_slot[i], 1,
					     buf, false, NULL),
			    0);
			p = buf;
		}
		ck_assert_msg(page_is(p, (uint64_t)i, m->m_gen),
		    "model page %d (slot %d) differs", i, m->m_slot[i]);
	}
	free(buf);
}

static int
model_on_device(struct model *m, int id)
{
	int n = 0;

	for (int i = 0; i < m->m_npages; i++)
		n += m->m_slot[i] != 0 &&
		    swap_slot_device_id(m->m_sd, m->m_slot[i]) == id;
	return n;
}

static void
model_fini(struct model *m)
{
	for (int i = 0; i < m->m_npages; i++) {
		if (m->m_slot[i] > 0)
			uvm_swap_free(m->m_sd, m->m_slot[i], 1);
		m->m_slot[i] = 0;
	}
	sd_destroy_all(m->m_sd);
	free(m->m_slot);
	free(m->m_mem);
}

START_TEST(test_swapoff_pages_in_use)
{
	struct model m;
	struct swap_devinfo si;
	int a, b;

	model_init(&m, 48);
	a = dev_on(m.m_sd, "a", 32, 0, 0);
	b = dev_on(m.m_sd, NULL, 32, 1, 0);
	ck_assert_int_eq(model_pageout(&m), 48);
	ck_assert_int_eq(model_on_device(&m, a), 32);
	ck_assert_int_eq(model_on_device(&m, b), 16);
	si = devinfo(m.m_sd, a);

	ck_assert_int_eq(swap_off(m.m_sd, a, NULL), 0);
	ck_assert_int_eq(m.m_calls, 1);
	ck_assert_int_eq(m.m_start, si.si_start);
	ck_assert_int_eq(m.m_end, si.si_start + si.si_npages);
	ck_assert_int_eq(m.m_swpages_in, 32); /* a's slots no longer count */
	ck_assert_int_eq(m.m_alloc_dev, b);
	ck_assert(!dev_listed(m.m_sd, a));
	ck_assert_int_eq(model_on_device(&m, b), 16);
	ck_assert_int_eq(swap_swpginuse(m.m_sd), 16);
	model_verify(&m);
	sd_check(m.m_sd);
	/* what came in goes out again, on b only */
	ck_assert_int_eq(model_pageout(&m), 16);
	ck_assert_int_eq(model_on_device(&m, b), 32);
	model_verify(&m);
	model_fini(&m);
}
END_TEST

START_TEST(test_swapoff_enomem_then_usable)
{
	struct model m;
	int a, b, s, n;

	model_init(&m, 24);
	a = dev_on(m.m_sd, "a", 32, 0, 0);
	ck_assert_int_eq(model_pageout(&m), 24);
	m.m_limit = 10;
	ck_assert_int_eq(swap_off(m.m_sd, a, NULL), -ENOMEM);
	/* enabled again, counted again, as before */
	ck_assert(devinfo(m.m_sd, a).si_flags & SWF_ENABLE);
	ck_assert_int_eq(swap_swpages(m.m_sd), 32);
	ck_assert_int_eq(model_on_device(&m, a), 14);
	ck_assert_int_eq(swap_swpginuse(m.m_sd), 14);
	sd_check(m.m_sd);
	model_verify(&m);
	/* usable: allocation lands on it, I/O works */
	n = 1;
	s = uvm_swap_alloc(m.m_sd, &n, false);
	ck_assert_int_eq(swap_slot_device_id(m.m_sd, s), a);
	write_verify_slots(m.m_sd, &s, 1, 9);
	uvm_swap_free(m.m_sd, s, 1);
	ck_assert_int_eq(model_pageout(&m), 10);
	model_verify(&m);

	/* with room elsewhere and no limit it goes */
	b = dev_on(m.m_sd, "b", 32, 0, 0);
	m.m_limit = INT_MAX;
	ck_assert_int_eq(swap_off(m.m_sd, a, NULL), 0);
	ck_assert_int_eq(m.m_alloc_dev, b);
	model_verify(&m);
	ck_assert_int_eq(model_pageout(&m), 24);
	ck_assert_int_eq(model_on_device(&m, b), 24);
	model_verify(&m);
	model_fini(&m);
}
END_TEST

START_TEST(test_swapoff_ebusy)
{
	struct model m;
	int a;

	model_init(&m, 8);
	a = dev_on(m.m_sd, "a", 8, 0, 0);
	ck_assert_int_eq(model_pageout(&m), 8);
	/* the pager says done but left 3 slots: -EBUSY, device kept */
	m.m_leave = 3;
	ck_assert_int_eq(swap_off(m.m_sd, a, NULL), -EBUSY);
	ck_assert(devinfo(m.m_sd, a).si_flags & SWF_ENABLE);
	ck_assert_int_eq(swap_swpages(m.m_sd), 8);
	ck_assert_int_eq(devinfo(m.m_sd, a).si_npginuse, 3);
	/* no other device: the allocation inside the callback found none */
	ck_assert_int_eq(m.m_alloc_dev, 0);
	model_verify(&m);
	sd_check(m.m_sd);
	/* held slots: -EBUSY even when nothing is in use */
	swap_hold(m.m_sd);
	ck_assert_int_eq(swap_off(m.m_sd, 0, devinfo(m.m_sd, a).si_path),
	    -EBUSY);
	ck_assert_int_eq(devinfo(m.m_sd, a).si_npginuse, 0);
	ck_assert_int_eq(devinfo(m.m_sd, a).si_npgheld, 3);
	swap_unhold(m.m_sd);
	model_verify(&m);
	ck_assert_int_eq(swap_off(m.m_sd, a, NULL), 0);
	ck_assert_int_eq(m.m_calls, 3);
	model_fini(&m);
}
END_TEST

/*
 * 6. swap_off through the real pager (uao_swap_off), on a harness machine
 */

/* the device holding page idx of uobj, or 0 */
static int
page_device(struct harness *h, struct uvm_object *uobj, int idx)
{
	int slot;

	uvm_lock(&uobj->vmobjlock);
	slot = uao_find_swslot(uobj, idx);
	uvm_unlock(&uobj->vmobjlock);
	return swap_slot_device_id(h->h_uvm->swap, slot);
}

START_TEST(test_swapoff_pager)
{
	struct harness h;
	struct uvm_object *uobj;
	int a, b, npages = 48;

	harness_init(&h, 64);
	a = harness_swapon(&h, "swapA", 128, 0);
	ck_assert_int_gt(a, 0);
	uobj = harness_aobj(&h, npages);
	for (int i = 0; i < npages; i++)
		ck_assert_int_eq(harness_write_page(uobj, i, 1), 0);
	harness_pageout_all(&h);
	harness_check(&h);
	ck_assert_int_eq(swap_swpgonly(h.h_uvm->swap), npages);
	ck_assert_int_eq(swap_swpginuse(h.h_uvm->swap), npages);
	for (int i = 0; i < npages; i++)
		ck_assert_int_eq(page_device(&h, uobj, i), a);

	b = harness_swapon(&h, NULL, 128, 1);
	ck_assert_int_gt(b, 0);
	ck_assert_int_eq(swap_off(h.h_uvm->swap, a, NULL), 0);
	ck_assert(!dev_listed(h.h_uvm->swap, a));
	ck_assert_int_eq(harness_resident(uobj), npages);
	ck_assert_int_eq(swap_swpgonly(h.h_uvm->swap), 0);
	ck_assert_int_eq(swap_swpginuse(h.h_uvm->swap), 0);
	ck_assert_uint_eq(devinfo(h.h_uvm->swap, b).si_nwrite, 0);
	harness_check(&h);
	sd_check(h.h_uvm->swap);
	for (int i = 0; i < npages; i++)
		ck_assert_int_eq(harness_verify_page(uobj, i, 1), 0);
	/* paged in dirty, without a slot: out again, onto b */
	harness_pageout_all(&h);
	for (int i = 0; i < npages; i++)
		ck_assert_int_eq(page_device(&h, uobj, i), b);
	for (int i = 0; i < npages; i++)
		ck_assert_int_eq(harness_verify_page(uobj, i, 1), 0);
	harness_check(&h);
	harness_aobj_free(uobj);
	ck_assert_int_eq(swap_swpginuse(h.h_uvm->swap), 0);
	harness_fini(&h);
}
END_TEST

START_TEST(test_swapoff_pager_enomem)
{
	struct harness h;
	struct uvm_object *uobj;
	struct swap_data *sd;
	int a, b, npages = 96;

	harness_init(&h, 64);
	sd = h.h_uvm->swap;
	a = harness_swapon(&h, "swapA", 256, 0);
	ck_assert_int_gt(a, 0);
	uobj = harness_aobj(&h, npages);
	for (int i = 0; i < npages; i++)
		ck_assert_int_eq(harness_write_page(uobj, i, 1), 0);
	harness_pageout_all(&h);
	ck_assert_int_eq(swap_swpgonly(sd), npages);

	/* 96 pages, 64 frames, nowhere else to go: ENOMEM */
	ck_assert_int_eq(swap_off(sd, a, NULL), -ENOMEM);
	ck_assert(dev_listed(sd, a));
	ck_assert(devinfo(sd, a).si_flags & SWF_ENABLE);
	ck_assert_int_eq(swap_swpages(sd), 256);
	harness_check(&h);
	sd_check(sd);
	ck_assert_int_gt(swap_swpgonly(sd), 0);
	ck_assert_int_lt(swap_swpgonly(sd), npages);
	/* still usable: every page reads back, paging through a */
	for (int i = 0; i < npages; i++)
		ck_assert_int_eq(harness_verify_page(uobj, i, 1), 0);
	for (int i = 0; i < npages; i += 3)
		ck_assert_int_eq(harness_write_page(uobj, i, 2), 0);
	harness_pageout_all(&h);
	harness_check(&h);

	/* with a second device it goes, and nothing is lost */
	b = harness_swapon(&h, "swapB", 256, 0);
	ck_assert_int_gt(b, 0);
	ck_assert_int_eq(swap_off(sd, a, NULL), 0);
	ck_assert(!dev_listed(sd, a));
	harness_check(&h);
	sd_check(sd);
	for (int i = 0; i < npages; i++) {
		int dev = page_device(&h, uobj, i);

		ck_assert(dev == 0 || dev == b);
		ck_assert_int_eq(harness_verify_page(uobj, i, i % 3 ? 1 : 2),
		    0);
	}
	harness_check(&h);
	harness_aobj_free(uobj);
	harness_fini(&h);
}
END_TEST

/*
 * 7. concurrency: four threads allocate, write, read back and free, with
 * write faults injected on one device, while the main thread adds and
 * removes a device and checks the books.
 */

#define NTHREADS 4
#define MAXLIVE	 16

struct live {
	int l_start, l_n;
	uint64_t l_gen;
};

struct worker {
	pthread_t w_thread;
	struct swap_data *w_sd;
	int w_id;
	uint64_t w_rng;
	int w_ops;
	uint64_t w_written, w_read, w_writeerr, w_bad;
	struct live w_live[MAXLIVE];
	int w_nlive;
	int w_fail; /* first failure, for the main thread to report */
	char w_why[128];
};

static void
worker_verify(struct worker *w, struct live *l, void *buf)
{
	int slots[8], errs[8];

	for (int k = 0; k < l->l_n; k++)
		slots[k] = l->l_start + k;
	if (io_slots(w->w_sd, slots, l->l_n, buf, false, errs) != 0 &&
	    w->w_fail == 0) {
		w->w_fail = 1;
		snprintf(w->w_why, sizeof(w->w_why), "read %d: %d", slots[0],
		    errs[0]);
	}
	w->w_read += (uint64_t)l->l_n;
	for (int k = 0; k < l->l_n && w->w_fail == 0; k++) {
		if (!page_is(page_at(buf, k), (uint64_t)slots[k], l->l_gen)) {
			w->w_fail = 1;
			snprintf(w->w_why, sizeof(w->w_why),
			    "slot %d gen %" PRIu64 " differs", slots[k],
			    l->l_gen);
		}
	}
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	void *buf = aligned_alloc(PAGE_SIZE, NPAGES(8));

	for (int op = 0; op < w->w_ops && w->w_fail == 0; op++) {
		uint64_t r = rng_next(&w->w_rng);
		int what = (int)(r % 8);

		if (w->w_nlive < MAXLIVE && (what < 4 || w->w_nlive == 0)) {
			/* allocate a run and write it */
			struct live *l = &w->w_live[w->w_nlive];
			int n = 1 + (int)((r >> 8) % 8), s, slots[8], errs[8];
			bool lessok = (r >> 16) & 1;

			s = uvm_swap_alloc(w->w_sd, &n, lessok);
			if (s == 0)
				continue;
			l->l_start = s;
			l->l_n = n;
			l->l_gen = r | 1;
			for (int k = 0; k < n; k++) {
				slots[k] = s + k;
				fill_page(page_at(buf, k), (uint64_t)(s + k),
				    l->l_gen);
			}
			w->w_written += (uint64_t)n;
			if (io_slots(w->w_sd, slots, n, buf, true, errs) != 0) {
				/* as the pager does: mark failed slots bad,
				 * free the rest, forget the run */
				for (int k = 0; k < n; k++) {
					if (errs[k] == 0) {
						uvm_swap_free(w->w_sd, s + k,
						    1);
						continue;
					}
					ck_assert_int_eq(errs[k], -EIO);
					uvm_swap_markbad(w->w_sd, s + k, 1);
					w->w_writeerr++;
					w->w_bad++;
				}
				continue;
			}
			w->w_nlive++;
		} else if (what < 7) {
			/* read one back */
			worker_verify(w, &w->w_live[(r >> 8) % w->w_nlive],
			    buf);
		} else {
			/* verify and free one */
			int i = (int)((r >> 8) % (uint64_t)w->w_nlive);

			worker_verify(w, &w->w_live[i], buf);
			uvm_swap_free(w->w_sd, w->w_live[i].l_start,
			    w->w_live[i].l_n);
			w->w_live[i] = w->w_live[--w->w_nlive];
		}
	}
	/* everything still live holds what was written; then free it */
	while (w->w_nlive > 0) {
		struct live *l = &w->w_live[--w->w_nlive];

		worker_verify(w, l, buf);
		uvm_swap_free(w->w_sd, l->l_start, l->l_n);
	}
	free(buf);
	return NULL;
}

START_TEST(test_threads_alloc_io)
{
	struct swap_data *sd = swap_create(NULL, NULL);
	struct worker w[NTHREADS];
	struct swap_devinfo devs[16];
	uint64_t written = 0, read = 0, werr = 0, bad = 0;
	uint64_t dwritten = 0, dread = 0, dwerr = 0, dbad = 0;
	int a, ndev, extra_ok = 0;
	uint64_t rng = test_seed ^ 0xc0ffee;

	a = dev_on(sd, "a", 256, 0, 0);
	(void)dev_on(sd, "b", 256, 0, SWAP_BUFFERED);
	(void)dev_on(sd, NULL, 256, 1, 0);
	ck_assert_int_eq(swap_set_faults(sd, a, 1, 0, 20000, test_seed), 0);

	for (int t = 0; t < NTHREADS; t++) {
		memset(&w[t], 0, sizeof(w[t]));
		w[t].w_sd = sd;
		w[t].w_id = t;
		w[t].w_rng = test_seed + (uint64_t)t * 0x1234567;
		w[t].w_ops = test_ops;
		ck_assert_int_eq(pthread_create(&w[t].w_thread, NULL,
				     worker_main, &w[t]),
		    0);
	}
	/* meanwhile: a device of the worst priority comes and goes */
	for (int i = 0; i < 40; i++) {
		int id = swap_on(sd, NULL, NPAGES(8 + rng_next(&rng) % 8), 9, 0,
		    tdir);
		int rv;

		ck_assert_int_gt(id, 0);
		ck_assert_int_eq(swap_check(sd), 0);
		ck_assert_int_le(swap_list(sd, devs, 16), 4);
		/* only -EBUSY if a worker got a slot there */
		while ((rv = swap_off(sd, id, NULL)) == -EBUSY)
			sched_yield();
		ck_assert_int_eq(rv, 0);
		extra_ok++;
	}
	for (int t = 0; t < NTHREADS; t++) {
		ck_assert_int_eq(pthread_join(w[t].w_thread, NULL), 0);
		ck_assert_msg(w[t].w_fail == 0, "thread %d: %s", t, w[t].w_why);
		written += w[t].w_written;
		read += w[t].w_read;
		werr += w[t].w_writeerr;
		bad += w[t].w_bad;
	}
	ck_assert_int_eq(extra_ok, 40);
	/* the books add up (the extra devices took no I/O: never used
	 * while the better ones had room, or their I/O left with them) */
	ndev = swap_list(sd, devs, 16);
	ck_assert_int_eq(ndev, 3);
	for (int i = 0; i < ndev; i++) {
		dwritten += devs[i].si_nwrite + devs[i].si_nwriteerr;
		dread += devs[i].si_nread;
		dwerr += devs[i].si_nwriteerr;
		dbad += (uint64_t)devs[i].si_npgbad;
		ck_assert_uint_eq(devs[i].si_nreaderr, 0);
		ck_assert_int_eq(devs[i].si_npginuse, 0);
	}
	ck_assert_uint_eq(dwritten, written);
	ck_assert_uint_eq(dread, read);
	ck_assert_uint_eq(dwerr, werr);
	ck_assert_uint_eq(dbad, bad);
	ck_assert_uint_eq(devinfo(sd, a).si_nwriteerr, werr);
	sd_destroy_all(sd);
}
END_TEST

static Suite *
swapdev_suite(void)
{
	Suite *s = suite_create("swapdev");
	TCase *tc;

	tc = tcase_create("devices");
	tcase_add_checked_fixture(tc, tdir_setup, tdir_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_swapon_named_created);
	tcase_add_test(tc, test_swapon_existing_file);
	tcase_add_test(tc, test_swapon_anonymous);
	tcase_add_test(tc, test_swapon_errors);
	tcase_add_test(tc, test_swapon_refused_kinds);
	tcase_add_test(tc, test_swapsig_format_parse);
	tcase_add_test(tc, test_swapon_readonly);
	tcase_add_test(tc, test_swapon_twice_eexist);
	tcase_add_test(tc, test_swapon_locked_ebusy);
	tcase_add_test(tc, test_swapoff_unknown);
	tcase_add_test(tc, test_swapoff_empty);
	suite_add_tcase(s, tc);

	tc = tcase_create("alloc");
	tcase_add_checked_fixture(tc, tdir_setup, tdir_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_alloc_global_numbering);
	tcase_add_test(tc, test_alloc_priority_roundrobin);
	tcase_add_test(tc, test_alloc_contiguous_runs);
	tcase_add_test(tc, test_alloc_full);
	tcase_add_test(tc, test_alloc_markbad);
	tcase_add_test(tc, test_alloc_hold);
	tcase_add_test_raise_signal(tc, test_alloc_double_free_panics, SIGABRT);
	tcase_add_test_raise_signal(tc, test_alloc_markbad_free_slot_panics,
	    SIGABRT);
	tcase_add_test_raise_signal(tc, test_alloc_free_bad_slot_panics,
	    SIGABRT);
	tcase_add_test_raise_signal(tc, test_io_no_device_panics, SIGABRT);
	suite_add_tcase(s, tc);

	tc = tcase_create("io");
	tcase_add_checked_fixture(tc, tdir_setup, tdir_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_io_odirect_and_buffered);
	tcase_add_test(tc, test_io_batched);
	tcase_add_test(tc, test_io_ring_release);
	suite_add_tcase(s, tc);

	tc = tcase_create("faults");
	tcase_add_checked_fixture(tc, tdir_setup, tdir_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_faults_write_nth);
	tcase_add_test(tc, test_faults_read_nth);
	tcase_add_test(tc, test_faults_ppm);
	tcase_add_test(tc, test_faults_write_then_markbad);
	suite_add_tcase(s, tc);

	tc = tcase_create("swapoff");
	tcase_add_checked_fixture(tc, tdir_setup, tdir_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_swapoff_pages_in_use);
	tcase_add_test(tc, test_swapoff_enomem_then_usable);
	tcase_add_test(tc, test_swapoff_ebusy);
	tcase_add_test(tc, test_swapoff_pager);
	tcase_add_test(tc, test_swapoff_pager_enomem);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	tcase_add_checked_fixture(tc, tdir_setup, tdir_teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_threads_alloc_io);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	const char *e;
	SRunner *sr;
	int failed;

	if ((e = getenv("SWAPDEV_SEED")) != NULL)
		test_seed = strtoull(e, NULL, 0);
	if ((e = getenv("SWAPDEV_OPS")) != NULL)
		test_ops = atoi(e);
	printf("swapdev: seed %#" PRIx64 " (SWAPDEV_SEED), %d ops per thread\n",
	    test_seed, test_ops);
	fflush(stdout);

	sr = srunner_create(swapdev_suite());
	srunner_run_all(sr, CK_ENV); /* CK_VERBOSITY=verbose lists each test */
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
