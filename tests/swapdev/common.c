/*
 * common.c: the swapdev suite's shared helpers and fixtures (see
 * swapdev_test.h): the counted io_uring_submit_and_wait, a private
 * directory per test, page buffers and patterns, device and file
 * inspection.
 */
#include "swapdev_test.h"

uint64_t test_seed = 0x5eed5a9d3e1ULL;
int test_ops = 1500;

/*
 * io_uring_submit_and_wait (the swap layer's one submitting call), counted
 */

int __real_io_uring_submit_and_wait(struct io_uring *ring, unsigned wait_nr);
int __wrap_io_uring_submit_and_wait(struct io_uring *ring, unsigned wait_nr);

static atomic_uint_fast64_t submit_calls; /* submitting calls */
static atomic_uint_fast64_t submit_sqes;  /* requests they submitted */

int
__wrap_io_uring_submit_and_wait(struct io_uring *ring, unsigned wait_nr)
{
	int rv = __real_io_uring_submit_and_wait(ring, wait_nr);

	atomic_fetch_add(&submit_calls, 1);
	if (rv > 0)
		atomic_fetch_add(&submit_sqes, (uint64_t)rv);
	return rv;
}

uint64_t
nsubmit(void)
{
	return atomic_load(&submit_calls);
}

uint64_t
nsqe(void)
{
	return atomic_load(&submit_sqes);
}

void
submit_reset(void)
{
	atomic_store(&submit_calls, 0);
	atomic_store(&submit_sqes, 0);
}

/*
 * local helpers: a private directory per test, page buffers, patterns
 */

char tdir[64];

void
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

void
tdir_teardown(void)
{
	if (tdir[0] != '\0')
		nftw(tdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	tdir[0] = '\0';
}

/* tdir/name in buf (PATH_MAX) */
char *
tpath(char *buf, const char *name)
{
	snprintf(buf, PATH_MAX, "%s/%s", tdir, name);
	return buf;
}

void *
pages_alloc(int n)
{
	void *p = aligned_alloc(PAGE_SIZE, NPAGES(n));

	ck_assert_ptr_nonnull(p);
	memset(p, 0, NPAGES(n));
	return p;
}

void *
page_at(void *base, int i)
{
	return (char *)base + NPAGES(i);
}

/* fill a page with the pattern of (key, gen) */
void
fill_page(void *page, uint64_t key, uint64_t gen)
{
	uint64_t *w = page;

	for (int i = 0; i < PAGE_SIZE / 8; i++)
		w[i] = rng_mix(key * 0x100000001b3ULL + (uint64_t)i * 0x9e37 +
		    gen * 0x9e3779b97f4a7c15ULL);
}

/* => true if the page holds the pattern of (key, gen), byte for byte */
bool
page_is(const void *page, uint64_t key, uint64_t gen)
{
	uint64_t want[PAGE_SIZE / 8];

	fill_page(want, key, gen);
	return memcmp(page, want, PAGE_SIZE) == 0;
}

/* one device's description, by id; fails the test if absent */
struct swap_devinfo
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

bool
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
int
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
	nfailed = uvm_swap_io(sd, ios, n, write, NULL);
	for (int i = 0; i < n; i++) {
		ck_assert_int_ne(ios[i].sio_error, 12345);
		if (errors != NULL)
			errors[i] = ios[i].sio_error;
	}
	return nfailed;
}

/* write pattern (slot, gen) to n slots and read it back, byte-exact */
void
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

void
sd_check(struct swap_data *sd)
{
	ck_assert_int_eq(swap_check(sd), 0);
}

/* swap_off every device, then destroy (everything must be free) */
void
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
int
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
int
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

struct file_print
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

void
file_print_same(const char *path, struct file_print was)
{
	struct file_print now = file_print(path);

	ck_assert_msg(now.fp_hash == was.fp_hash &&
		now.fp_size == was.fp_size && now.fp_mode == was.fp_mode,
	    "%s was changed", path);
}

/*
 * The fixtures.  tdir: a private directory for the test's files.  sd: a
 * swap layer with no pager (fx_sd) in that directory; the teardown takes
 * every device off and destroys it, which checks that the test freed
 * every slot it allocated.
 */
struct swap_data *fx_sd;

void
fx_sd_setup(void)
{
	tdir_setup();
	fx_sd = swap_create(NULL, NULL);
	ck_assert_ptr_nonnull(fx_sd);
}

void
fx_sd_teardown(void)
{
	sd_destroy_all(fx_sd);
	fx_sd = NULL;
	tdir_teardown();
}
