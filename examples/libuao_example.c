/*
 * libuao_example.c: the example of doc/libuao.md -- a region four times
 * the RAM limit, written, read back, partly paged out on purpose.
 * Build: cc -std=c17 libuao_example.c $(pkg-config --cflags --libs uao)
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep under -std=c17 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uao/uao.h>

int
main(void)
{
	struct uao_config cfg = { .ram_bytes = 4 << 20 };
	struct uao_sim *sim;
	struct uao_region *r;
	struct uao_stats st;
	size_t size = 16 << 20, bad = 0;
	char why[256];
	int error, id;

	error = uao_sim_create(&cfg, &sim);
	if (error != 0) {
		fprintf(stderr, "uao_sim_create: %s\n", uao_strerror(error));
		return error == -EPERM ? 77 : 1;
	}
	/* 32 MiB of swap in an anonymous file in $TMPDIR */
	id = uao_swap_add(sim, NULL, 32 << 20, 0, 0);
	if (id < 0) {
		fprintf(stderr, "uao_swap_add: %s\n", uao_strerror(id));
		return 1;
	}
	error = uao_region_create(sim, size, &r);
	if (error != 0) {
		fprintf(stderr, "uao_region_create: %s\n", uao_strerror(error));
		return 1;
	}

	/* plain memory: 4x the RAM limit, so most of it goes to swap */
	unsigned *p = uao_region_base(r);
	for (size_t i = 0; i < size / sizeof(*p); i++)
		p[i] = (unsigned)(i * 2654435761u);
	for (size_t i = 0; i < size / sizeof(*p); i++)
		bad += p[i] != (unsigned)(i * 2654435761u);

	/* page the first MiB out on purpose, and read it back */
	uao_region_pageout(r, 0, 1 << 20);
	for (size_t i = 0; i < (1 << 20) / sizeof(*p); i++)
		bad += p[i] != (unsigned)(i * 2654435761u);

	uao_sim_stats(sim, &st);
	printf("bad words: %zu\n", bad);
	printf("faults %llu = zero %llu + soft %llu + swapin %llu + wp %llu"
	       " + stale %llu\n",
	    (unsigned long long)st.faults,
	    (unsigned long long)st.by_kind[UAO_FAULT_ZERO],
	    (unsigned long long)st.by_kind[UAO_FAULT_SOFT],
	    (unsigned long long)st.by_kind[UAO_FAULT_SWAPIN],
	    (unsigned long long)st.by_kind[UAO_FAULT_WP],
	    (unsigned long long)st.stale);
	printf("pageins %llu (read ahead %llu), pageouts %llu\n",
	    (unsigned long long)st.pageins,
	    (unsigned long long)st.pageins_readahead,
	    (unsigned long long)st.pageouts);
	printf("RAM %llu pages, %llu free; swap %llu of %llu pages in use\n",
	    (unsigned long long)st.ram_pages, (unsigned long long)st.free_pages,
	    (unsigned long long)st.swap_inuse,
	    (unsigned long long)st.swap_pages);
	/* -EAGAIN: the pagedaemon was busy with an object; ask again */
	for (int tries = 0; tries < 100; tries++) {
		error = uao_sim_check(sim, why, sizeof(why));
		if (error != -EAGAIN)
			break;
		nanosleep(&(struct timespec) { 0, 10 * 1000 * 1000 }, NULL);
	}
	if (error == 0)
		printf("check: ok\n");
	else
		printf("check: %s\n", error == -EAGAIN ? "never still" : why);

	uao_region_destroy(r);
	return uao_sim_destroy(sim) == 0 && bad == 0 ? 0 : 1;
}
