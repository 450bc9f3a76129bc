/*
 * clock_int.h: the one clock uao's timestamps are read from.
 *
 * The fault handlers' latency histograms and the fault probes compare
 * times taken on different threads (the handler's, the faulting
 * program's), so every layer reads the same clock: CLOCK_MONOTONIC,
 * which clock_gettime serves from the vDSO without a system call.
 */
#ifndef UAO_BASE_CLOCK_INT_H
#define UAO_BASE_CLOCK_INT_H

#include <stdint.h>
#include <time.h>

/*
 * clock_now_ns: CLOCK_MONOTONIC in nanoseconds.
 * => no lock, no allocation: callable on a fault-handler thread.
 */
static inline uint64_t
clock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

#endif /* UAO_BASE_CLOCK_INT_H */
