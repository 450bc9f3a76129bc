/*
 * size.c: sizes as people write them ("64M"), for the uao command and
 * uao-bench alike.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/size_int.h"

int
parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	uint64_t mult = 1;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		mult = 1ULL << 10;
		end++;
		break;
	case 'm':
	case 'M':
		mult = 1ULL << 20;
		end++;
		break;
	case 'g':
	case 'G':
		mult = 1ULL << 30;
		end++;
		break;
	case 't':
	case 'T':
		mult = 1ULL << 40;
		end++;
		break;
	default:
		break;
	}
	if (mult > 1 &&
	    (strcasecmp(end, "iB") == 0 || strcasecmp(end, "B") == 0))
		end += strlen(end);
	else if (mult == 1 && strcasecmp(end, "B") == 0)
		end++;
	if (*end != '\0' || (v != 0 && mult > UINT64_MAX / v))
		return -EINVAL;
	*out = (uint64_t)v * mult;
	return 0;
}
