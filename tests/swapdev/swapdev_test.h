/*
 * swapdev_test.h: what the files of the swapdev suite (tests/swapdev/)
 * share: the counted io_uring_submit_and_wait, the private directory, page
 * patterns, device and file helpers (common.c), the fixtures, and one
 * TCase constructor per file.
 */
#ifndef UAO_TESTS_SWAPDEV_TEST_H
#define UAO_TESTS_SWAPDEV_TEST_H

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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/harness.h"
#include "base/rng.h"
#include "swapdev/swap_int.h"
#include "swapdev/swapsig_int.h"
#include "swapdev/uring_int.h"

#define NPAGES(n) ((uint64_t)(n)*PAGE_SIZE)

/* SWAPDEV_SEED and SWAPDEV_OPS (main.c) */
extern uint64_t test_seed;
extern int test_ops;

/* io_uring_submit_and_wait calls, and the requests they carried, since reset */
uint64_t nsubmit(void);
uint64_t nsqe(void);
void submit_reset(void);

/* the test's private directory, and name in it (buf: PATH_MAX) */
extern char tdir[64];
void tdir_setup(void);
void tdir_teardown(void);
char *tpath(char *buf, const char *name);

/* n zeroed, page-aligned pages; page i of them */
void *pages_alloc(int n);
void *page_at(void *base, int i);
/* the pattern of (key, gen) in a page; => true if page holds it */
void fill_page(void *page, uint64_t key, uint64_t gen);
bool page_is(const void *page, uint64_t key, uint64_t gen);

/* device id as swap_list reports it (fails the test if absent) */
struct swap_devinfo devinfo(struct swap_data *sd, int id);
bool dev_listed(struct swap_data *sd, int id);
/* write (or read) n pages at slots[] from (into) consecutive buffer pages */
int io_slots(struct swap_data *sd, const int *slots, int n, void *bufs,
    bool write, int *errors);
/* write pattern (slot, gen) to n slots and read it back, byte-exact */
void
write_verify_slots(struct swap_data *sd, const int *slots, int n, uint64_t gen);
/* swap_check passes */
void sd_check(struct swap_data *sd);
/* swap_off every device, then destroy (everything must be free) */
void sd_destroy_all(struct swap_data *sd);
/* a swap file of npages in tdir (name NULL: anonymous) */
int
dev_on(struct swap_data *sd, const char *name, int npages, int prio, int flags);

/* the signature of the file at path.  => as swapsig_read */
int file_sig(const char *path, struct swapsig *sg);
/* a 64-bit FNV-1a of the whole file at path, and its size and mode */
struct file_print {
	uint64_t fp_hash;
	off_t fp_size;
	mode_t fp_mode;
};
struct file_print file_print(const char *path);
/* fails the test if the file at path differs from was */
void file_print_same(const char *path, struct file_print was);

/*
 * The fixtures (tcase_add_checked_fixture: run in each test's process).
 * tdir_setup / tdir_teardown: the private directory alone.
 * fx_sd_setup / fx_sd_teardown: the directory and a swap layer, fx_sd,
 * with no pager; the teardown swaps every device off and destroys it.
 */
extern struct swap_data *fx_sd;
void fx_sd_setup(void);
void fx_sd_teardown(void);

void swapdev_devices_tcases(Suite *s);
void swapdev_alloc_tcases(Suite *s);
void swapdev_io_tcases(Suite *s);
void swapdev_faults_tcases(Suite *s);
void swapdev_swapoff_tcases(Suite *s);
void swapdev_threads_tcases(Suite *s);

#endif /* UAO_TESTS_SWAPDEV_TEST_H */
