/*
 * pager_test.h: what the files of the pager suite (tests/pager/) share:
 * the object sizes that cover both slot stores, small helpers over the
 * in-memory machine, the fixtures, and one TCase constructor per file.
 *
 * Each test_<family>.c holds one family of TCases and exports
 * pager_<family>_tcases(Suite *), which main.c calls in order.
 */
#ifndef UAO_TESTS_PAGER_TEST_H
#define UAO_TESTS_PAGER_TEST_H

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/harness.h"
#include "pager/pagerio_int.h"

/* both slot stores: array up to UAO_SWHASH_THRESHOLD pages, hash above */
static const int obj_sizes[] = { 8, UAO_SWHASH_THRESHOLD,
	UAO_SWHASH_THRESHOLD + 1, 1000 };
#define NSIZES ((int)(sizeof(obj_sizes) / sizeof(obj_sizes[0])))

static inline uint64_t
stat_of(atomic_uint_fast64_t *a)
{
	return (uint64_t)atomic_load(a);
}

/* => object locked: activate a page we got busy, then unbusy it */
static inline void
activate_unbusy(struct vm_page *pg)
{
	struct uvm *uvm = pg->uobject->uo_uvm;

	uvm_lock(&uvm->pq_lock);
	uvm_pageactivate(pg);
	uvm_unlock(&uvm->pq_lock);
	uvm_page_unbusy(pg);
}

/* the pages of an object that are resident, swap-only, with a slot > 0 */
void count_pages(struct uvm_object *uobj, int *resp, int *swonlyp, int *slotsp);

/*
 * fill_frames: every frame holds a dirty page of generation gen, written
 * at even indices (no fault-ahead zero-fills a neighbour)
 */
void fill_frames(struct harness *h, struct uvm_object *uobj, uint64_t gen);

/*
 * start_sleeper: run fn(arg) in a new thread *tp, and return once it
 * sleeps on pg, a page of uobj that the caller holds busy (it set
 * PG_WANTED).  The caller wakes it and joins it.
 */
void start_sleeper(pthread_t *tp, void *(*fn)(void *), void *arg,
    struct uvm_object *uobj, struct vm_page *pg);

/* a thread that sleeps on a page (busy), or detaches an object (aobj) */
struct waiter {
	struct uvm_object *w_uobj;
	int w_idx;
	struct vm_page *w_got; /* the page found unbusy, or NULL if gone */
	int w_rv;
	atomic_int w_done;
};

/*
 * Fixtures (tcase_add_checked_fixture: they run in each test's process,
 * before and after the test).  The machine is `fx'; a test that would
 * have called harness_init / harness_fini leaves both to the fixture.
 * The teardown checks the invariants (harness_fini) after every test.
 */
extern struct harness fx;
/* the swap fixtures' device id */
extern int fx_swapid;

/* fx_machine16: a machine of 16 frames, no swap */
void fx_machine16_setup(void);
/* fx_swap16: 16 frames and a swap file `swap0' of 64 pages (fx_swapid) */
void fx_swap16_setup(void);
/* fx_swap32: the same with 32 frames */
void fx_swap32_setup(void);
/* fx_machine_teardown: harness_fini(&fx) */
void fx_machine_teardown(void);

/* pager_tcase: a TCase named name in s, with the suite's timeout */
TCase *pager_tcase(Suite *s, const char *name);

void pager_pages_tcases(Suite *s);
void pager_busy_tcases(Suite *s);
void pager_aobj_tcases(Suite *s);
void pager_get_tcases(Suite *s);
void pager_put_tcases(Suite *s);
void pager_swapoff_tcases(Suite *s);
void pager_pdaemon_tcases(Suite *s);
void pager_contract_tcases(Suite *s);

#endif /* UAO_TESTS_PAGER_TEST_H */
