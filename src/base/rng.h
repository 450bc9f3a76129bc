/*
 * rng.h: the project's one pseudo-random number generator.
 *
 * splitmix64 (Steele, Lea, Flood 2014): a 64-bit state advanced by a
 * Weyl constant and finished by a mixer.  Every seed is a good one (zero
 * included), the stream is reproducible from the seed, and a state is a
 * plain uint64_t, so a thread, a test or a fault-injection site keeps its
 * own without locks.  Not for anything that needs secrecy.
 *
 * rng_next(&s): the next 64-bit value of stream s.
 * rng_mix(x):   a stateless hash of x (a stream's step without the state):
 *               for seeds derived from (seed, index) pairs and for values
 *               that must be a function of a position (a page's pattern).
 * rng_below(&s, n): a value in [0, n), n > 0 (modulo bias < n / 2^64).
 */
#ifndef UAO_BASE_RNG_H
#define UAO_BASE_RNG_H

#include <stdint.h>

#define RNG_GOLDEN 0x9e3779b97f4a7c15ULL

static inline uint64_t
rng_mix(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static inline uint64_t
rng_next(uint64_t *state)
{
	return rng_mix(*state += RNG_GOLDEN);
}

static inline uint64_t
rng_below(uint64_t *state, uint64_t n)
{
	return rng_next(state) % n;
}

#endif /* UAO_BASE_RNG_H */
