/*
 * pagerio_int.h: moving aobj pages to and from swap (UVM's uvm_pager.c
 * and the page side of uvm_swap_get / uvm_swap_put).
 *
 * These are the only pager functions that call the swap layer's I/O.
 * They ask the machine where a page's bytes are (pmo_pagein_bufs,
 * pmo_pageout_buf) and keep swpgonly true.
 */
#ifndef UAO_PAGER_PAGERIO_INT_H
#define UAO_PAGER_PAGERIO_INT_H

#include "pager/page_int.h"

struct swap_iotimes;

/*
 * uvm_swap_get: read n busy pages from their slots, in one batch.
 *
 * => nothing locked (the object is unlocked around I/O; pages are busy).
 * => slots[i] is the slot of pgs[i]; the pages belong to one object, in
 *    ascending offsets.
 * => errors[i] is set to 0 or -EIO.  Returns the number that failed.
 * => every page read successfully is no longer swap-only: swpgonly drops.
 * => the pages are MD_BOUNCE on return (whatever the outcome).
 * => iot: NULL, or where the batch's submit and completion times go
 *    (uvm_swap_io), for the fault probes.
 */
int uvm_swap_get(struct uvm_object *uobj, struct vm_page **pgs,
    const int *slots, int n, int *errors, struct swap_iotimes *iot);

/*
 * uvm_pageout_cluster: write dirty pages of one aobj to swap.
 *
 * => object locked on entry and on return; unlocked around the write.
 * => pgs: n pages that the caller has busied, unmapped (not MD_MAPPED),
 *    in ascending offsets, none with a swap slot.
 * => slots are allocated in as few contiguous runs as the devices allow,
 *    recorded in the object before the write (as UVM does), and written
 *    in one batch.
 * => on return each page is either PG_CLEAN with its slot (written), or
 *    still dirty with no slot: swap was full, or the write failed (that
 *    slot was marked bad and the page keeps its bytes, to be retried on
 *    another slot).
 * => the caller unbusies (or frees) the pages.
 * => returns the number of pages written.
 */
int uvm_pageout_cluster(struct uvm_object *uobj, struct vm_page **pgs, int n);

/* the most pages uvm_pageout_cluster and uvm_swap_get take at once */
#define UVM_IO_MAXPAGES 64

#endif /* UAO_PAGER_PAGERIO_INT_H */
