/*
 * fd_closer.c: a program that closes file descriptors it never opened,
 * for `uao run' tests.  Under uao, those include uao's own (userfaultfd,
 * swap files, io_uring, the fork pipe): they must survive, and every
 * byte the program wrote must read back.
 *
 * usage: fd_closer MIB MODE    MODE: close | close_range | closefrom | dup2
 *
 * 1. Fills MIB MiB of heap with a pattern (under uao: mostly to swap).
 * 2. Gets rid of every descriptor >= 3 the way MODE says (dup2: /dev/null
 *    over each; refusals are counted on stderr only, so that stdout is
 *    the same with and without uao).
 * 3. Forks.  The child closes everything >= 3 again and waits; the parent
 *    rewrites all of its memory with a second pattern (pages out, swap
 *    slots freed and reused), then lets the child check the first pattern
 *    (its memory as it was at the fork), then checks the second.
 * Prints one line per check; exits 1 on any wrong word.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static uint64_t
word(uint64_t i, uint64_t seed)
{
	uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ULL ^ seed;

	x ^= x >> 31;
	x *= 0xBF58476D1CE4E5B9ULL;
	return x ^ (x >> 29);
}

static void
fill(uint64_t *buf, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = word(i, seed);
}

static size_t
check(const uint64_t *buf, size_t n, uint64_t seed)
{
	size_t bad = 0;

	for (size_t i = 0; i < n; i++)
		if (buf[i] != word(i, seed))
			bad++;
	return bad;
}

/* the descriptors >= 3 open now, but for the directory stream's own */
static int
list_fds(int *fds, int max)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL) {
		perror("fd_closer: /proc/self/fd");
		exit(2);
	}
	while ((e = readdir(d)) != NULL && n < max) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] != '.' && fd >= 3 && fd != dirfd(d))
			fds[n++] = fd;
	}
	closedir(d);
	return n;
}

static void
close_all(const char *mode)
{
	int fds[4096], n = list_fds(fds, 4096), refused = 0;

	if (strcmp(mode, "close") == 0) {
		for (int i = 0; i < n; i++)
			if (close(fds[i]) != 0 && errno != EBADF) {
				perror("fd_closer: close");
				exit(2);
			}
	} else if (strcmp(mode, "close_range") == 0) {
		if (close_range(3, ~0U, 0) != 0) {
			perror("fd_closer: close_range");
			exit(2);
		}
	} else if (strcmp(mode, "closefrom") == 0) {
		closefrom(3);
	} else if (strcmp(mode, "dup2") == 0) {
		int null = open("/dev/null", O_RDWR);

		for (int i = 0; i < n; i++) {
			if (fds[i] == null)
				continue;
			if (dup2(null, fds[i]) < 0) {
				if (errno != EBADF) {
					perror("fd_closer: dup2");
					exit(2);
				}
				refused++;
			}
		}
		fprintf(stderr, "fd_closer: dup2 refused on %d of %d\n",
		    refused, n);
	} else {
		fprintf(stderr, "fd_closer: unknown mode %s\n", mode);
		exit(2);
	}
}

int
main(int argc, char **argv)
{
	size_t n;
	uint64_t *buf;
	sigset_t usr1;
	size_t bad;
	int sig, st;
	pid_t pid;

	if (argc != 3) {
		fprintf(stderr, "usage: fd_closer MIB MODE\n");
		return 2;
	}
	n = (size_t)strtoul(argv[1], NULL, 10) * (1 << 20) / sizeof(*buf);
	if ((buf = malloc(n * sizeof(*buf))) == NULL) {
		perror("fd_closer: malloc");
		return 2;
	}
	fill(buf, n, 1);
	close_all(argv[2]);
	bad = check(buf, n, 1);
	printf("after %s: %zu wrong words of %zu\n", argv[2], bad, n);
	fflush(stdout);

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	if ((pid = fork()) < 0) {
		perror("fd_closer: fork");
		return 2;
	}
	if (pid == 0) {
		closefrom(3);
		sigwait(&usr1, &sig);
		bad = check(buf, n, 1);
		printf("child, after the parent rewrote its memory: "
		       "%zu wrong words\n",
		    bad);
		fflush(stdout);
		_exit(bad != 0);
	}
	fill(buf, n, 2);
	kill(pid, SIGUSR1);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) {
		fprintf(stderr, "fd_closer: the child died (status %#x)\n", st);
		return 1;
	}
	bad += check(buf, n, 2);
	printf("parent, rewritten: %zu wrong words\n", check(buf, n, 2));
	return bad != 0 || WEXITSTATUS(st) != 0;
}
