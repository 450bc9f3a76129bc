/*
 * harness.h: a machine for white-box tests: the in-memory pmap, a uvm,
 * and real swap files in a private temporary directory.
 */
#ifndef UAO_TESTS_COMMON_HARNESS_H
#define UAO_TESTS_COMMON_HARNESS_H

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

/* harness_devinfo: device `id' as swap_list reports it.  => 0 or -ENXIO */
int harness_devinfo(struct harness *h, int id, struct swap_devinfo *si);

/*
 * harness_aobj_drop: unmap an object (deactivating its pages first) and
 * drop one reference.  The last reference frees the resident pages and
 * the swap slots in uao_detach itself, unlike harness_aobj_free.
 */
void harness_aobj_drop(struct uvm_object *uobj);

/* harness_slot: uao_find_swslot with the object locked for the call */
int harness_slot(struct uvm_object *uobj, int idx);

/* harness_page: uvm_pagelookup of page idx (locks the object) */
struct vm_page *harness_page(struct uvm_object *uobj, int idx);

/* harness_busy: mark resident page idx PG_BUSY, owned by the caller */
struct vm_page *harness_busy(struct uvm_object *uobj, int idx);
/* harness_unbusy: uvm_page_unbusy(pg) with the object locked */
void harness_unbusy(struct uvm_object *uobj, struct vm_page *pg);
/*
 * harness_wait_wanted: poll until another thread sleeps on pg (it set
 * PG_WANTED).  No timing: it waits as long as that takes.
 */
void harness_wait_wanted(struct uvm_object *uobj, struct vm_page *pg);

#endif /* UAO_TESTS_COMMON_HARNESS_H */
