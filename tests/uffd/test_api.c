/*
 * test_api.c: libuao's API (TCase api): each error it returns, one
 * behaviour per test, and uao_swap_mkfile.
 */
#include "uffd_test.h"
/*
 * uao_swap_mkfile makes a signed, fully written swap file that
 * uao_swap_add then takes at its signature's size, and never overwrites
 * anything
 */
START_TEST(test_swap_mkfile)
{
	const size_t n = 64, swap_pages = 256;
	char dir[] = "/tmp/uaomkfile.XXXXXX", path[64], other[64];
	struct uao_swapinfo si;
	struct uao_region *r;
	struct stat sb;
	char *base;
	int fd, id;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/swap", dir);
	snprintf(other, sizeof(other), "%s/other", dir);
	ck_assert_int_eq(uao_swap_mkfile(path, 0), -EINVAL);
	ck_assert_int_eq(uao_swap_mkfile(path, TPAGE + 1), -EINVAL);
	ck_assert_int_eq(stat(path, &sb), -1); /* nothing left */
	ck_assert_int_eq(uao_swap_mkfile(path, swap_pages * TPAGE), 0);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_size, (off_t)(swap_pages + 1) * TPAGE);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	/* written in full: no holes to allocate while paging */
	ck_assert_int_ge(sb.st_blocks * 512, sb.st_size);
	ck_assert_int_eq(uao_swap_mkfile(path, swap_pages * TPAGE), -EEXIST);

	/* an existing file of someone else's is neither overwritten nor used */
	fd = open(other, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "precious", 8), 8);
	close(fd);
	ck_assert_int_eq(uao_swap_mkfile(other, swap_pages * TPAGE), -EEXIST);
	ck_assert_int_eq(stat(other, &sb), 0);
	ck_assert_int_eq(sb.st_size, 8);

	ck_assert_int_eq(uao_swap_add(fx_env.sim, other, 0, 0, 0),
	    -EMEDIUMTYPE);
	id = uao_swap_add(fx_env.sim, path, 0, 0, 0);
	ck_assert_msg(id > 0, "uao_swap_add: %s", uao_strerror(id));
	ck_assert_int_eq(uao_swap_list(fx_env.sim, &si, 1), 1);
	ck_assert_uint_eq(si.pages, swap_pages);
	r = env_region_swapped(&fx_env, n, 29, &base);
	verify_pages(base, 0, n, 29);
	ck_assert_int_eq(uao_region_destroy(r), 0);
	ck_assert_int_eq(uao_swap_remove(fx_env.sim, id, NULL), 0);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(unlink(other), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/*
 * the API's errors, one behaviour each (TCase api, fx_env: no RAM limit,
 * no swap; TCase config: no simulator but the test's own)
 */

/* a configuration out of range is refused; the edges are accepted */
START_TEST(test_api_sim_create_einval)
{
	struct uao_config cfg;
	struct uao_sim *sim;

	memset(&cfg, 0, sizeof(cfg));
	cfg.ram_bytes = 128 << 10; /* below 256 KiB */
	ck_assert_int_eq(uao_sim_create(&cfg, &sim), -EINVAL);
	cfg.ram_bytes = (256 << 10) + 100; /* not a page multiple */
	ck_assert_int_eq(uao_sim_create(&cfg, &sim), -EINVAL);
	cfg.ram_bytes = 0;
	cfg.handlers = 65;
	ck_assert_int_eq(uao_sim_create(&cfg, &sim), -EINVAL);
	cfg.handlers = -1;
	ck_assert_int_eq(uao_sim_create(&cfg, &sim), -EINVAL);
	cfg.handlers = 0;
	cfg.oom_action = 7;
	ck_assert_int_eq(uao_sim_create(&cfg, &sim), -EINVAL);
	cfg.oom_action = UAO_OOM_SIGBUS;
	cfg.handlers = 64;
	cfg.ram_bytes = 256 << 10;
	ck_assert_int_eq(uao_sim_create(&cfg, &sim), 0);
	ck_assert_int_eq(uao_sim_destroy(sim), 0);
}
END_TEST

/* region sizes and ranges out of bounds are refused; sizes round up */
START_TEST(test_api_region_einval)
{
	struct uao_region *r;
	char *base;

	ck_assert_int_eq(uao_region_create(fx_env.sim, 0, &r), -EINVAL);
	ck_assert_int_eq(uao_region_create(fx_env.sim, (8ULL << 40) + 1, &r),
	    -EINVAL);
	ck_assert_int_eq(uao_region_create(fx_env.sim, 1, &r), 0);
	ck_assert_uint_eq(uao_region_size(r), TPAGE); /* rounded up */
	base = uao_region_base(r);
	ck_assert_ptr_eq(uao_region_of(fx_env.sim, base + TPAGE - 1), r);
	ck_assert_ptr_null(uao_region_of(fx_env.sim, base + TPAGE));
	ck_assert_ptr_null(uao_region_of(fx_env.sim, &r));
	ck_assert_int_eq(uao_region_discard(r, 0, 0), -EINVAL);
	ck_assert_int_eq(uao_region_discard(r, TPAGE, 1), -EINVAL);
	ck_assert_int_eq(uao_region_discard(r, 0, TPAGE + 1), -EINVAL);
	ck_assert_int_eq(uao_region_pageout(r, 0, 2 * TPAGE), -EINVAL);
	ck_assert_int_eq(uao_region_pageout(r, SIZE_MAX, 2), -EINVAL);
	ck_assert_int_eq(uao_region_destroy(r), 0);
}
END_TEST

/* no swap: a dirty page cannot go out (-ENOSPC), and stays */
START_TEST(test_api_pageout_no_swap_enospc)
{
	struct uao_region *r;
	char *base;

	r = env_region(&fx_env, 1, &base);
	pat_fill(base, 0, 23);
	ck_assert_int_eq(uao_region_pageout(r, 0, TPAGE), -ENOSPC);
	verify_pages(base, 0, 1, 23);
	ck_assert_int_eq(uao_region_destroy(r), 0);
}
END_TEST

/* swap calls with bad flags or unknown devices */
START_TEST(test_api_swap_einval_enxio)
{
	ck_assert_int_eq(uao_swap_add(fx_env.sim, NULL, 1 << 20, 0, 0x100),
	    -EINVAL);
	ck_assert_int_eq(uao_swap_remove(fx_env.sim, 999, NULL), -ENXIO);
	ck_assert_int_eq(uao_swap_remove(fx_env.sim, 0, NULL), -EINVAL);
	ck_assert_int_eq(uao_swap_inject(fx_env.sim, 999, 0, 1, 0, 0), -ENXIO);
}
END_TEST

/* a device added later takes the page; removing it pages it back in */
START_TEST(test_api_swap_remove_pages_in)
{
	struct uao_region *r;
	char *base;
	int id;

	r = env_region(&fx_env, 1, &base);
	pat_fill(base, 0, 23);
	id = uao_swap_add(fx_env.sim, NULL, 1 << 20, 0, 0);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(uao_swap_list(fx_env.sim, NULL, 0), 1);
	ck_assert_int_eq(uao_region_pageout(r, 0, TPAGE), 0);
	verify_pages(base, 0, 1, 23);
	ck_assert_int_eq(uao_region_pageout(r, 0, TPAGE), 0);
	/* swapoff pages it back in */
	ck_assert_int_eq(uao_swap_remove(fx_env.sim, id, NULL), 0);
	ck_assert_int_eq(uao_swap_list(fx_env.sim, NULL, 0), 0);
	ck_assert_int_eq(uao_swap_remove(fx_env.sim, id, NULL), -ENXIO);
	verify_pages(base, 0, 1, 23);
	ck_assert_int_eq(uao_region_destroy(r), 0);
}
END_TEST

/* the pagedaemon starts once, stops, and starts again */
START_TEST(test_api_pagedaemon_start_stop)
{
	ck_assert_int_eq(uao_pagedaemon_start(fx_env.sim), -EALREADY);
	ck_assert_int_eq(uao_pagedaemon_stop(fx_env.sim), 0);
	ck_assert_int_eq(uao_pagedaemon_start(fx_env.sim), 0);
}
END_TEST

/* a machine with regions cannot go (-EBUSY) until the last one goes */
START_TEST(test_api_sim_destroy_ebusy)
{
	struct uao_region *r, *r2;

	ck_assert_int_eq(uao_region_create(fx_env.sim, 1, &r), 0);
	ck_assert_int_eq(uao_region_create(fx_env.sim, 3 * TPAGE, &r2), 0);
	ck_assert_int_eq(uao_sim_destroy(fx_env.sim), -EBUSY);
	ck_assert_int_eq(uao_region_destroy(r), 0);
	ck_assert_int_eq(uao_sim_destroy(fx_env.sim), -EBUSY);
	ck_assert_int_eq(uao_region_destroy(r2), 0);
}
END_TEST

/* the errors libuao returns have names */
START_TEST(test_api_strerror)
{
	ck_assert_str_ne(uao_strerror(-EBUSY), "unknown error");
	ck_assert_str_ne(uao_strerror(-ENOSPC), "unknown error");
}
END_TEST

void
uffd_api_tcases(Suite *s)
{
	TCase *tc;

	/*
	 * No fixture: the simulator this test makes must be the process's
	 * only one.  uao_sim_create sets the global uvm_thread_hook while
	 * another simulator's pagedaemon reads it (ThreadSanitizer: a data
	 * race, src/uffd/sim.c vs src/pager/pdaemon.c).
	 */
	tc = tcase_create("config");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_api_sim_create_einval);
	suite_add_tcase(s, tc);

	tc = tcase_create("api");
	tcase_add_checked_fixture(tc, fx_env_setup, fx_env_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_api_region_einval);
	tcase_add_test(tc, test_api_pageout_no_swap_enospc);
	tcase_add_test(tc, test_api_swap_einval_enxio);
	tcase_add_test(tc, test_api_swap_remove_pages_in);
	tcase_add_test(tc, test_api_pagedaemon_start_stop);
	tcase_add_test(tc, test_api_sim_destroy_ebusy);
	tcase_add_test(tc, test_api_strerror);
	tcase_add_test(tc, test_swap_mkfile);
	suite_add_tcase(s, tc);
}
