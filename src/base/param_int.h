/*
 * param_int.h: the page and the slot, as every layer of uao sees them.
 *
 * Page size, offsets and sizes, and the one slot value with a meaning of
 * its own (SWSLOT_BAD), which the swap layer hands out never and the
 * pager stores.  The pager's own vocabulary (protections, the seed's PGO_
 * flags) is in pager/param_int.h, which includes this.  No state.
 */
#ifndef UAO_BASE_PARAM_INT_H
#define UAO_BASE_PARAM_INT_H

#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1 << PAGE_SHIFT)
#define PAGE_MASK  (PAGE_SIZE - 1)

typedef int64_t voff_t;	  /* offset inside an object, in bytes */
typedef uint64_t vsize_t; /* a size in bytes */

#define trunc_page(x) ((voff_t)(x) & ~(voff_t)PAGE_MASK)
#define round_page(x) (((voff_t)(x) + PAGE_MASK) & ~(voff_t)PAGE_MASK)

/* the slot value that marks a page whose swap copy was lost to an error */
#define SWSLOT_BAD (-1)

#endif /* UAO_BASE_PARAM_INT_H */
