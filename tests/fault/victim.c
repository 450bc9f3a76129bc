/*
 * victim.c: a plain C program for `uao run --inject': it fills a heap
 * buffer several times the RAM limit with a pattern, then reads it all
 * back.  Exit 0: all read back right.  Exit 42: SIGBUS at exactly the
 * page being read (the injected read error), every page before it right.
 * Exit 3: wrong data (zeros or garbage) was read: the bug this guards.
 * Exit 4: SIGBUS somewhere else.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PG 4096

static volatile uintptr_t reading;

static void
on_sigbus(int sig, siginfo_t *si, void *uc)
{
	char msg[128];
	uintptr_t a = (uintptr_t)si->si_addr;
	int n;

	(void)sig;
	(void)uc;
	n = snprintf(msg, sizeof(msg), "victim: SIGBUS at %p\n", si->si_addr);
	(void)!write(2, msg, (size_t)n);
	_exit(a >= reading && a < reading + PG ? 42 : 4);
}

int
main(int argc, char **argv)
{
	size_t np = argc > 1 ? strtoul(argv[1], NULL, 0) : 2048;
	uint64_t *buf = aligned_alloc(PG, np * PG);
	struct sigaction sa;

	if (buf == NULL)
		return 5;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGBUS, &sa, NULL);
	for (size_t i = 0; i < np * (PG / 8); i++)
		buf[i] = i * 0x9e3779b97f4a7c15ULL + 1;
	for (size_t p = 0; p < np; p++) {
		reading = (uintptr_t)&buf[p * (PG / 8)];
		for (size_t w = 0; w < PG / 8; w++) {
			size_t i = p * (PG / 8) + w;

			if (buf[i] != i * 0x9e3779b97f4a7c15ULL + 1) {
				fprintf(stderr,
				    "victim: WRONG DATA at page %zu word %zu: "
				    "%#llx\n",
				    p, w, (unsigned long long)buf[i]);
				return 3;
			}
		}
	}
	printf("victim: %zu pages read back\n", np);
	return 0;
}
