/*
 * harness.h: a machine for white-box tests: the in-memory pmap, a uvm,
 * and real swap files in a private temporary directory.
 */
#ifndef UAO_TESTS_HARNESS_H
#define UAO_TESTS_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include "pager/aobj_int.h"
#include "pager/check_int.h"
#include "pager/pdaemon_int.h"
#include "pager/pmap_mem_int.h"
#include "pager/uvm_int.h"
#include "swapdev/swap_int.h"

struct harness {
	struct pmap *h_pmap;
	struct uvm *h_uvm;
	char h_dir[64]; /* private temporary directory */
};

/* harness_init: a machine of nframes frames; no swap yet */
void harness_init(struct harness *h, int nframes);
/* harness_fini: check invariants, detach nothing, destroy everything */
void harness_fini(struct harness *h);

/* harness_swapon: a swap file of npages pages named `name' in h_dir */
int harness_swapon(struct harness *h, const char *name, int npages, int prio);
/* harness_path: h_dir/name, in a static buffer */
const char *harness_path(struct harness *h, const char *name);

/* harness_aobj: an aobj of npages pages with a mapping */
struct uvm_object *harness_aobj(struct harness *h, int npages);
/* harness_aobj_free: free its pages, its mapping, and the aobj */
void harness_aobj_free(struct uvm_object *uobj);

/* the 64-bit word at word w of page idx for generation gen */
uint64_t harness_pattern(int idx, int w, uint64_t gen);
/* write / verify a whole page's pattern through the machine */
int harness_write_page(struct uvm_object *uobj, int idx, uint64_t gen);
/* => 0 if equal, 1 if the page differs, or the access error */
int harness_verify_page(struct uvm_object *uobj, int idx, uint64_t gen);

/* harness_check: uvm_check, retrying while busy; fails the test */
void harness_check(struct harness *h);

/* harness_pageout_all: run pagedaemon passes until nothing more frees */
void harness_pageout_all(struct harness *h);

/* resident page count of an object (locks it) */
int harness_resident(struct uvm_object *uobj);

#endif /* UAO_TESTS_HARNESS_H */
