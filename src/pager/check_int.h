/*
 * check_int.h: the invariant checker (DESIGN.md section 3).
 */
#ifndef UAO_PAGER_CHECK_INT_H
#define UAO_PAGER_CHECK_INT_H

#include <stddef.h>

struct uvm;

/*
 * uvm_check: recount the machine and compare with its counters:
 *   1. every slot is 0, SWSLOT_BAD, or on one device, referenced once;
 *   2. swpgonly equals the non-resident pages that hold a slot;
 *   3. each device's in-use count equals the slots referenced on it;
 *   4. each page is in one consistent state (clean => has its swap
 *      copy and is never mapped writable; dirty => no slot; inactive =>
 *      unmapped; on exactly one queue unless busy or wired);
 *   6. resident pages + free frames = the RAM limit.
 *
 * => nothing locked.  Meant for a quiescent machine: slots in flight
 *    would count as discrepancies.
 * => returns 0, -EUCLEAN with the first discrepancy in why, or -EAGAIN
 *    if an object was locked by someone else (try again).
 */
int uvm_check(struct uvm *uvm, char *why, size_t len);

#endif /* UAO_PAGER_CHECK_INT_H */
