/*
 * fault_int.h: the aobj half of uvm_fault.
 *
 * A machine (pmap_mem's test accessor, or the userfaultfd handler
 * threads) reports "page pageidx of this object was touched, for read or
 * for write" and uvm_fault makes the page resident and mapped:
 *
 *   1. a page already mapped: a write-protect fault dirties it (drops its
 *      swap slot) and unprotects it; any other fault is stale, or the
 *      program discarded the page behind the pager's back (zeros);
 *   2. uao_get(PGO_LOCKED) over a fault-ahead window: resident and
 *      never-written pages are mapped at once;
 *   3. otherwise uao_get reads the centre page from swap, with
 *      read-ahead of the neighbours whose slots follow it on the device.
 *
 * A read fault maps a page that has a swap copy write-protected and
 * keeps the copy (the page stays clean); a write fault drops the copy and
 * maps the page writable.  A bad slot poisons the address (SIGBUS).
 */
#ifndef UAO_PAGER_FAULT_INT_H
#define UAO_PAGER_FAULT_INT_H

#include "pager/uvm_int.h"

struct swap_iotimes;

/* uvm_fault result kinds beyond uvm_fault_kind */
#define FK_STALE FK_NKINDS /* nothing to do: resolved already */

/* the widest fault-ahead / read-ahead window, in pages */
#define UVM_FAULT_WINDOW 16

/*
 * uvm_fault: resolve a fault on page pageidx of uobj.
 *
 * => nothing locked; the caller holds a reference on uobj.
 * => access_type: VM_PROT_READ or VM_PROT_WRITE.
 * => *kindp is set to the uvm_fault_kind served (or FK_STALE).
 * => returns 0 (mapped), -EIO (the page's swap copy is lost: the address
 *    is poisoned), -ENOMEM (no frame, none can be freed), or -EFAULT
 *    (pageidx outside the object).
 * => iot: NULL, or (fault probes) set when this fault read the page
 *    itself: when its read was submitted and completed (uao_get_timed);
 *    left 0 otherwise (no read, or another thread's).
 * => called from fault-handler threads: allocates nothing that could
 *    live in a region.
 */
int uvm_fault(struct uvm_object *uobj, int pageidx, vm_prot_t access_type,
    int *kindp, struct swap_iotimes *iot);

/*
 * uvm_fault_swapoff_retry: uvm_fault, tried again while a swapoff
 * explains its -ENOMEM.
 *
 * A swapoff holds its device out of use while it pages it in, and gives
 * it back if memory runs out (`uao swapctl --remove' then says ENOMEM).
 * A fault that ran out of memory meanwhile is no reason to stop the
 * program: once the swapoff is over the pagedaemon can page out again.
 * So a -ENOMEM met while a swapoff ran, or with one begun or ended since
 * the try began (swap_off_gen), waits for it (swap_off_wait) and tries
 * again, up to 8 times.  This is the pager's policy; the machine's fault
 * handler only calls it.
 * => as uvm_fault; -ENOMEM only when no swapoff explains it or the tries
 *    are spent.
 * => may sleep in swap_off_wait: uvm_fault holds no page busy when it
 *    returns, so a swapoff waiting for one cannot wait for us.
 */
int uvm_fault_swapoff_retry(struct uvm_object *uobj, int pageidx,
    vm_prot_t access_type, int *kindp, struct swap_iotimes *iot);

#endif /* UAO_PAGER_FAULT_INT_H */
