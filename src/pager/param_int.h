/*
 * param_int.h: the machine-independent VM's basic types and constants.
 *
 * Page size, offsets, protections and the pager flags that the seed
 * (NetBSD uvm_aobj.c 1.51) passes between uao_get, uao_put and their
 * callers.  Every layer of uao includes this file; it has no state.
 */
#ifndef UAO_PAGER_PARAM_INT_H
#define UAO_PAGER_PARAM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1 << PAGE_SHIFT)
#define PAGE_MASK  (PAGE_SIZE - 1)

typedef int64_t voff_t;	  /* offset inside an object, in bytes */
typedef uint64_t vsize_t; /* a size in bytes */
typedef int vm_prot_t;

#define trunc_page(x) ((voff_t)(x) & ~(voff_t)PAGE_MASK)
#define round_page(x) (((voff_t)(x) + PAGE_MASK) & ~(voff_t)PAGE_MASK)

#define VM_PROT_NONE  0x0
#define VM_PROT_READ  0x1
#define VM_PROT_WRITE 0x2
#define VM_PROT_ALL   (VM_PROT_READ | VM_PROT_WRITE)

/*
 * Pager flags (uao_get / uao_put).  The values are ours; the meanings are
 * UVM's, except where marked.
 */
#define PGO_CLEANIT    0x001 /* write dirty pages (put) */
#define PGO_SYNCIO     0x002 /* wait for I/O to finish */
#define PGO_DEACTIVATE 0x004 /* deactivate pages (put) */
#define PGO_FREE       0x008 /* free pages (put) */
#define PGO_ALLPAGES   0x010 /* whole object (put) / every page (get) */
#define PGO_LOCKED     0x040 /* get: caller holds the object, no I/O */
/* ours: get: fail with ENOMEM instead of sleeping forever for a frame */
#define PGO_NOWAIT 0x100
/* ours: get: also read neighbours whose slots follow the centre's */
#define PGO_READAHEAD 0x200

/* pps[] entry meaning "do not get this page" (uao_get) */
#define PGO_DONTCARE ((struct vm_page *)-1L)

/* uvm_pagealloc flags */
#define UVM_PGA_ZERO 0x1 /* the page must read as zeros */

/* the slot value that marks a page whose swap copy was lost to an error */
#define SWSLOT_BAD (-1)

#endif /* UAO_PAGER_PARAM_INT_H */
