/*
 * pmap_mem_int.h: a machine without page faults, for tests.
 *
 * Frames are plain page-aligned memory; a mapping is a software page
 * table of (page, protection) entries.  Tests read and write an object
 * through pmap_mem_access, which "faults" (calls uvm_fault) whenever the
 * table says the hardware would, just as the userfaultfd machine does
 * when the kernel reports a fault.  Everything runs in the calling
 * thread, so a test controls exactly when faults, pageouts and swapoffs
 * happen.
 *
 * Lock: pm_lock, a leaf, protects every page table and the frames'
 * contents against concurrent accessors.
 */
#ifndef UAO_PAGER_PMAP_MEM_INT_H
#define UAO_PAGER_PMAP_MEM_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "pager/param_int.h"

struct pmap;
struct uvm_object;

/*
 * pmap_mem_create: a machine with nframes frames of memory.
 * => returns NULL if memory cannot be had.
 */
struct pmap *pmap_mem_create(int nframes);
void pmap_mem_destroy(struct pmap *pm);

/*
 * pmap_mem_map: give uobj a mapping (a page table) in this machine.
 * => returns 0 or -ENOMEM.  pmap_mem_unmap removes it (no page may be
 *    mapped: detach or free the object's pages first).
 */
int pmap_mem_map(struct pmap *pm, struct uvm_object *uobj);
void pmap_mem_unmap(struct uvm_object *uobj);

/*
 * pmap_mem_access: copy len bytes between buf and the object at off, as
 * a program's loads (write false) or stores would, faulting as needed.
 * => nothing locked.
 * => returns 0, -EFAULT for a poisoned page (the program's SIGBUS), or
 *    the error of uvm_fault (-ENOMEM).
 */
int pmap_mem_access(struct uvm_object *uobj, voff_t off, void *buf, size_t len,
    bool write);

/*
 * pmap_mem_discard: drop page pageidx from the page table without
 * telling the pager, as a program's raw madvise(MADV_DONTNEED) does.
 */
void pmap_mem_discard(struct uvm_object *uobj, int pageidx);

/* pmap_mem_is_mapped: is page pageidx mapped (and writable)? */
bool pmap_mem_is_mapped(struct uvm_object *uobj, int pageidx, bool *writable);

#endif /* UAO_PAGER_PMAP_MEM_INT_H */
