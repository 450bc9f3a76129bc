/*
 * test_devices.c: swap_on / swap_off (TCase devices): named, existing
 * and anonymous files, signatures, what is refused and left as it was,
 * read-only files, a device taken twice or locked by another swap layer.
 */
#include "swapdev_test.h"

/*
 * 1. swap_on / swap_off
 */

START_TEST(test_swapon_named_created)
{
	struct swap_data *sd = fx_sd;
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
	struct swap_data *sd = fx_sd;
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
	struct swap_data *sd = fx_sd;
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
}
END_TEST

START_TEST(test_swapon_errors)
{
	struct swap_data *sd = fx_sd;
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
}
END_TEST

/*
 * What is never swap, refused before it is opened for writing, with the
 * reason as swapsig_check_path says it: links (dangling or to a real
 * swap file), FIFOs, character devices, and files of /proc and /sys.
 */
START_TEST(test_swapon_refused_kinds)
{
	struct swap_data *sd = fx_sd;
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
	struct swap_data *sd = fx_sd;
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
}
END_TEST

/*
 * A named swap file is locked (flock) while it is a device: another swap
 * layer -- another uao process, or here a second swap_data -- gets -EBUSY
 * and leaves it alone; once it is off, the other may take it.
 */
START_TEST(test_swapon_locked_ebusy)
{
	struct swap_data *sd = fx_sd;
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
}
END_TEST

START_TEST(test_swapoff_unknown)
{
	struct swap_data *sd = fx_sd;
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
}
END_TEST

START_TEST(test_swapoff_empty)
{
	struct swap_data *sd = fx_sd;
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
}
END_TEST

void
swapdev_devices_tcases(Suite *s)
{
	TCase *tc = tcase_create("devices");

	tcase_add_checked_fixture(tc, fx_sd_setup, fx_sd_teardown);
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
}
