/*
 * param_int.h: the machine-independent VM's protections and pager flags.
 *
 * The flags that the seed (NetBSD uvm_aobj.c 1.51) passes between
 * uao_get, uao_put and their callers, over the page and slot basics of
 * base/param_int.h.  Included by the pager and the layers above it; the
 * swap layer needs only the base file.  No state.
 */
#ifndef UAO_PAGER_PARAM_INT_H
#define UAO_PAGER_PARAM_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/param_int.h"

typedef int vm_prot_t;

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

#endif /* UAO_PAGER_PARAM_INT_H */
