/*
 * size_int.h: parsing sizes ("64M"), shared by the uao command and
 * uao-bench.
 */
#ifndef UAO_BASE_SIZE_INT_H
#define UAO_BASE_SIZE_INT_H

#include <stdint.h>

/*
 * parse_size: "4096", "64K", "64M", "2G", "1T" (binary units; a trailing
 * "B" or "iB" is allowed).  => 0, or -EINVAL.
 */
int parse_size(const char *s, uint64_t *out);

#endif /* UAO_BASE_SIZE_INT_H */
