/*
 * pattern.h: the page patterns of the tests that drive libuao on the
 * real userfaultfd (uffd, fork, machine, integration): a generation per
 * page, so that a test models what each page must hold and checks every
 * byte read back against it.
 */
#ifndef UAO_TESTS_COMMON_PATTERN_H
#define UAO_TESTS_COMMON_PATTERN_H

#include <stdint.h>

#include "base/rng.h"

#define TPAGE 4096UL

/*
 * The 64-bit word w of page idx at generation gen.  Generation 0 is all
 * zeros (a page never written); every other generation differs from it
 * and from every other page's in every word.
 */
static inline uint64_t
pat_word(uint64_t idx, unsigned w, uint64_t gen)
{
	if (gen == 0)
		return 0;
	return rng_mix((idx << 32) ^ (gen << 12) ^ w) | 1; /* never zero */
}

static inline void
pat_fill(void *page, uint64_t idx, uint64_t gen)
{
	uint64_t *p = page;

	for (unsigned w = 0; w < TPAGE / 8; w++)
		p[w] = pat_word(idx, w, gen);
}

/* => -1 if page holds generation gen, else the first differing word */
static inline int
pat_check(const void *page, uint64_t idx, uint64_t gen)
{
	const volatile uint64_t *p = page;

	for (unsigned w = 0; w < TPAGE / 8; w++) {
		if (p[w] != pat_word(idx, w, gen))
			return (int)w;
	}
	return -1;
}

#endif /* UAO_TESTS_COMMON_PATTERN_H */
