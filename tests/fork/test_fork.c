/*
 * test_fork.c: fork(2) of a process whose memory is under libuao, on the
 * real userfaultfd and real swap files.
 *
 * A forked child has a live machine of its own with the parent's RAM
 * limit (src/uffd/fork.c): it reads what the parent wrote before the
 * fork, writes and reads more than its limit, pages out to a swap file
 * of its own, never writes the parent's, and forks again.  Each test
 * forks its children itself; a child reports by exit status (0 = every
 * byte checked), so a failure names the step.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/pattern.h"
#include "common/runner.h"
#include "common/sim.h"

#define RAM	 (256UL << 10) /* 64 frames */
#define RAMPAGES (RAM / TPAGE)

static char tdir[256];

/*
 * The fixture (in each test's process): fx_sim, a machine of RAM bytes
 * with 16 MiB of swap.  The teardown checks the parent's machine after
 * its children are gone, and destroys it.
 */
static struct uao_sim *fx_sim;

static void
fx_sim_setup(void)
{
	struct uao_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.ram_bytes = RAM;
	cfg.oom_action = UAO_OOM_KILL;
	ck_assert_int_eq(uao_sim_create(&cfg, &fx_sim), 0);
	/* anonymous: O_TMPFILE in $TMPDIR, our private directory */
	ck_assert_int_gt(uao_swap_add(fx_sim, NULL, 16UL << 20, 0, 0), 0);
}

static void
fx_sim_teardown(void)
{
	sim_assert_consistent(fx_sim);
	ck_assert_int_eq(uao_sim_destroy(fx_sim), 0);
}

static char *
page(struct uao_region *r, size_t p)
{
	return (char *)uao_region_base(r) + p * TPAGE;
}

static void
fill(struct uao_region *r, size_t from, size_t to, uint64_t gen)
{
	for (size_t p = from; p < to; p++)
		pat_fill(page(r, p), p, gen);
}

/* => the first page in [from, to) not at generation gen, or -1 */
static long
check(struct uao_region *r, size_t from, size_t to, uint64_t gen)
{
	for (size_t p = from; p < to; p++) {
		if (pat_check(page(r, p), p, gen) >= 0)
			return (long)p;
	}
	return -1;
}

/* the same, from the last page down (another eviction order) */
static long
check_down(struct uao_region *r, size_t from, size_t to, uint64_t gen)
{
	for (size_t p = to; p-- > from;) {
		if (pat_check(page(r, p), p, gen) >= 0)
			return (long)p;
	}
	return -1;
}

/* writes by the process to each of its swap devices: [0] the first */
static int
swap_writes(struct uao_sim *sim, uint64_t *writes, int max)
{
	struct uao_swapinfo si[8];
	int n = uao_swap_list(sim, si, 8);

	for (int i = 0; i < n && i < max; i++)
		writes[i] = si[i].writes;
	return n;
}

static int
wait_child(pid_t pid)
{
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status), "child killed by signal %d",
	    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return WEXITSTATUS(status);
}

/* a child's part of a test: => 0, or the step that failed */
typedef int child_fn(struct uao_sim *sim, struct uao_region *r, size_t np);

/*
 * parent_forks: the parent's part of a test: np pages of fx_sim written
 * at generation 1, a child that runs child on them and must return 0,
 * and the parent's pages as written afterwards.
 */
static void
parent_forks(size_t np, child_fn *child)
{
	struct uao_region *r;
	pid_t pid;
	int rv;

	ck_assert_int_eq(uao_region_create(fx_sim, np * TPAGE, &r), 0);
	fill(r, 0, np, 1);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0)
		_exit(child(fx_sim, r, np));
	rv = wait_child(pid);
	ck_assert_msg(rv == 0, "child (or its child) failed at step %d", rv);
	/* the parent's memory is as it was */
	ck_assert_int_eq(check(r, 0, np, 1), -1);
	ck_assert_int_eq(uao_region_destroy(r), 0);
}

/*
 * The child reads what the parent wrote (four times its RAM), writes as
 * much again and reads it back, makes a region of its own, and pages
 * out to its own swap file: the parent's device is only read.
 */
static int
over_limit_child(struct uao_sim *sim, struct uao_region *r, size_t np)
{
	struct uao_stats st0, st1;
	struct uao_region *mine;
	uint64_t w0[8], w1[8];
	char why[256];
	int ndev;

	uao_sim_stats(sim, &st0);
	ndev = swap_writes(sim, w0, 8);
	if (ndev != 2)
		return 10; /* the parent's device and the child's own */
	if (check(r, 0, np, 1) >= 0)
		return 11;
	fill(r, 0, np, 2);
	if (check_down(r, 0, np, 2) >= 0)
		return 12;
	if (check(r, 0, np, 2) >= 0)
		return 13;
	if (uao_region_create(sim, np * TPAGE, &mine) != 0)
		return 14;
	fill(mine, 0, np, 3);
	if (check(mine, 0, np, 3) >= 0 || check(r, 0, np, 2) >= 0)
		return 15;
	uao_sim_stats(sim, &st1);
	if (st1.pageouts - st0.pageouts < np || st1.pageins == st0.pageins)
		return 16; /* it did not page: the limit is not its own */
	if (st1.active_pages + st1.inactive_pages > RAMPAGES)
		return 17;
	swap_writes(sim, w1, 8);
	if (w1[0] != w0[0] || w1[1] == w0[1])
		return 18; /* wrote the parent's device, or not its own */
	if (sim_check_quiet(sim, why, sizeof(why)) != 0)
		return 19;
	uao_region_destroy(mine);
	return 0;
}

START_TEST(test_fork_child_over_limit)
{
	parent_forks(4 * RAMPAGES, over_limit_child);
}
END_TEST

/*
 * A page mapped clean (write-protected, equal to its swap slot) at the
 * fork loses its write protection in the child (fork does not copy the
 * uffd-wp bit into an unregistered mapping).  The child's write must
 * still mark it dirty: evicted, it is written out, not freed as clean.
 */
static int
clean_write_child(struct uao_sim *sim, struct uao_region *r, size_t np)
{
	fill(r, 0, np, 5);
	if (uao_region_pageout(r, 0, np * TPAGE) != 0)
		return 10;
	if (check(r, 0, np, 5) >= 0)
		return 11;
	/* again, through the pagedaemon this time */
	fill(r, 0, np, 6);
	{
		struct uao_region *push;

		if (uao_region_create(sim, 2 * RAMPAGES * TPAGE, &push) != 0)
			return 12;
		fill(push, 0, 2 * RAMPAGES, 1);
		uao_region_destroy(push);
	}
	if (check(r, 0, np, 6) >= 0)
		return 13;
	return 0;
}

START_TEST(test_fork_clean_write_kept)
{
	const size_t np = RAMPAGES / 2;
	struct uao_sim *sim = fx_sim;
	struct uao_stats st;
	struct uao_region *r;
	pid_t pid;
	int rv;

	ck_assert_int_eq(uao_region_create(sim, np * TPAGE, &r), 0);
	fill(r, 0, np, 4);
	ck_assert_int_eq(uao_region_pageout(r, 0, np * TPAGE), 0);
	/* read back: resident, mapped clean */
	ck_assert_int_eq(check(r, 0, np, 4), -1);
	uao_sim_stats(sim, &st);
	ck_assert_uint_ge(st.pageins, np);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0)
		_exit(clean_write_child(sim, r, np));
	rv = wait_child(pid);
	ck_assert_msg(rv == 0, "child failed at step %d", rv);
	ck_assert_int_eq(check(r, 0, np, 4), -1);
	ck_assert_int_eq(uao_region_destroy(r), 0);
}
END_TEST

/* both page at once: rounds of writes and reads over four times RAM */
static int
page_rounds(struct uao_region *r, size_t np, uint64_t gen0, int rounds)
{
	for (int k = 0; k < rounds; k++) {
		fill(r, 0, np, gen0 + (uint64_t)k);
		if (check_down(r, 0, np, gen0 + (uint64_t)k) >= 0)
			return 20 + k;
	}
	return 0;
}

START_TEST(test_fork_both_page)
{
	const size_t np = 4 * RAMPAGES;
	struct uao_sim *sim = fx_sim;
	struct uao_region *r;
	pid_t pid;
	int rv, mine;

	ck_assert_int_eq(uao_region_create(sim, np * TPAGE, &r), 0);
	fill(r, 0, np, 1);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		if (check(r, 0, np, 1) >= 0)
			_exit(10);
		_exit(page_rounds(r, np, 100, 4));
	}
	mine = page_rounds(r, np, 200, 4);
	rv = wait_child(pid);
	ck_assert_msg(rv == 0, "child failed at step %d", rv);
	ck_assert_msg(mine == 0, "parent failed at step %d", mine);
	ck_assert_int_eq(check(r, 0, np, 203), -1);
	sim_assert_consistent(sim);
	ck_assert_int_eq(uao_region_destroy(r), 0);
}
END_TEST

/*
 * A child of the child: it reads the parent's pages (in the parent's
 * swap) and the child's (in the child's swap, or its staging area), and
 * pages over its own limit; then the child and the parent find theirs.
 */
static int
grandchild(struct uao_sim *sim, struct uao_region *r, size_t np)
{
	uint64_t w[8];

	if (swap_writes(sim, w, 8) != 3)
		return 30; /* parent's, child's, its own */
	if (check(r, 0, np / 2, 2) >= 0 || check(r, np / 2, np, 1) >= 0)
		return 31;
	return page_rounds(r, np, 300, 2) ? 32 : 0;
}

static int
child_forks(struct uao_sim *sim, struct uao_region *r, size_t np)
{
	pid_t pid;
	int status;

	fill(r, 0, np / 2, 2);
	pid = fork();
	if (pid < 0)
		return 40;
	if (pid == 0)
		_exit(grandchild(sim, r, np));
	/* page meanwhile: the grandchild's slots here are held */
	if (page_rounds(r, np, 400, 2) != 0)
		return 41;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 42;
	if (WEXITSTATUS(status) != 0)
		return WEXITSTATUS(status);
	return check(r, 0, np, 401) >= 0 ? 43 : 0;
}

START_TEST(test_fork_grandchild)
{
	parent_forks(4 * RAMPAGES, child_forks);
}
END_TEST

static Suite *
fork_suite(void)
{
	Suite *s = suite_create("fork");
	TCase *tc = tcase_create("live child");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, fx_sim_setup, fx_sim_teardown);
	tcase_add_test(tc, test_fork_child_over_limit);
	tcase_add_test(tc, test_fork_clean_write_kept);
	tcase_add_test(tc, test_fork_both_page);
	tcase_add_test(tc, test_fork_grandchild);
	suite_add_tcase(s, tc);
	return s;
}

/* remove what is left in tdir (nothing, if the swap files were O_TMPFILE) */
static int
rm_tdir(void)
{
	DIR *d = opendir(tdir);
	struct dirent *de;
	int left = 0;

	while (d != NULL && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			left++;
	}
	if (d != NULL)
		closedir(d);
	if (left == 0)
		rmdir(tdir);
	return left;
}

int
main(void)
{
	int failed, rv;
	const char *t = getenv("TMPDIR");

	rv = sim_probe();
	if (rv != 0)
		return rv;
	snprintf(tdir, sizeof(tdir), "%s/uao-fork-XXXXXX",
	    t != NULL && *t ? t : "/tmp");
	if (mkdtemp(tdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	setenv("TMPDIR", tdir, 1);
	failed = suite_run(fork_suite());
	if (rm_tdir() != 0) {
		printf("files left in %s\n", tdir);
		failed = 1;
	}
	return failed;
}
