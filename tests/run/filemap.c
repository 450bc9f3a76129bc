/*
 * filemap.c: a private, writable file mapping, written and read back
 * (what the JVM does with its class-data archive), for `uao run' tests.
 * Under uao such a mapping is a region holding a copy of the file
 * (src/uffd/preload_filemap.c); it must behave as the kernel's file
 * mapping does, so the output is the same with and without uao.
 *
 * usage: filemap DIR MIB
 *
 * Makes DIR/filemap.dat of MIB MiB and 1000 bytes, maps it from a page
 * offset, two pages further than the file goes, and checks:
 *   - the mapping reads as the file, the end of its last page as zeros,
 *     and a page wholly past the end raises SIGBUS;
 *   - every word written reads back (under uao: through swap), and the
 *     file itself is unchanged;
 *   - MADV_DONTNEED reads the file again, MADV_FREE is refused (EINVAL);
 *   - munmap of a part, and an anonymous MAP_FIXED mapping over another
 *     part, leave the rest as written;
 *   - a page of a second mapping, not written, after the file changed,
 *     reads all old or all new bytes (POSIX leaves which unspecified:
 *     which one goes to stderr only).
 * Prints one line per check; exits 1 on any failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096UL

static sigjmp_buf fm_jmp;
static int failures;

static uint8_t
fbyte(uint64_t off, uint64_t seed)
{
	uint64_t x = (off / 8 + 1) * 0x9E3779B97F4A7C15ULL ^ seed;

	x ^= x >> 31;
	x *= 0xBF58476D1CE4E5B9ULL;
	x ^= x >> 29;
	return (uint8_t)(x >> (8 * (off % 8)));
}

static void
result(const char *what, size_t bad)
{
	printf("%s: %zu wrong bytes\n", what, bad);
	if (bad != 0)
		failures++;
}

/* bytes of p[0..n) that differ from the file at off (seed) */
static size_t
differ(const uint8_t *p, size_t n, uint64_t off, uint64_t seed)
{
	size_t bad = 0;

	for (size_t i = 0; i < n; i++)
		bad += p[i] != fbyte(off + i, seed);
	return bad;
}

static void
on_bus(int sig)
{
	(void)sig;
	siglongjmp(fm_jmp, 1);
}

static int
touch_faults(volatile uint8_t *p)
{
	struct sigaction sa, old;
	int faulted = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_bus;
	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(fm_jmp, 1) == 0)
		(void)*p;
	else
		faulted = 1;
	sigaction(SIGBUS, &old, NULL);
	return faulted;
}

static void
make_file(const char *path, size_t size)
{
	uint8_t buf[PG];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0) {
		perror(path);
		exit(2);
	}
	for (size_t off = 0; off < size; off += PG) {
		size_t n = size - off < PG ? size - off : PG;

		for (size_t i = 0; i < n; i++)
			buf[i] = fbyte(off + i, 1);
		if (write(fd, buf, n) != (ssize_t)n) {
			perror("write");
			exit(2);
		}
	}
	close(fd);
}

int
main(int argc, char **argv)
{
	char path[4096];
	size_t size, off = 3 * PG, len, covered, bad;
	uint8_t *p, *q, buf[PG];
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: filemap DIR MIB\n");
		return 2;
	}
	size = (size_t)atoi(argv[2]) * (1UL << 20) + 1000;
	snprintf(path, sizeof(path), "%s/filemap.dat", argv[1]);
	make_file(path, size);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror(path);
		return 2;
	}
	covered = (size - off + PG - 1) & ~(PG - 1);
	len = covered + 2 * PG;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd,
	    (off_t)off);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 2;
	}

	/* as the file; zeros after its end; SIGBUS a page further */
	result("mapped", differ(p, size - off, off, 1));
	bad = 0;
	for (size_t i = size - off; i < covered; i++)
		bad += p[i] != 0;
	result("past the end, last page", bad);
	printf("a page past the end: %s\n",
	    touch_faults(p + covered) ? "SIGBUS" : "no fault");

	/* every byte written reads back; the file stays as it was */
	for (size_t i = 0; i < covered; i++)
		p[i] = fbyte(off + i, 2);
	result("written", differ(p, covered, off, 2));
	bad = 0;
	for (size_t o = off; o < size; o += PG) {
		ssize_t n = pread(fd, buf, PG, (off_t)o);

		bad += n <= 0 ? 1 : differ(buf, (size_t)n, o, 1);
	}
	result("the file after the writes", bad);

	/* DONTNEED: the file again; FREE: refused */
	if (madvise(p + 16 * PG, 8 * PG, MADV_DONTNEED) != 0)
		perror("madvise DONTNEED");
	result("MADV_DONTNEED",
	    differ(p + 16 * PG, 8 * PG, off + 16 * PG, 1) +
		differ(p + 24 * PG, PG, off + 24 * PG, 2));
	printf("MADV_FREE: %s\n",
	    madvise(p + 32 * PG, PG, MADV_FREE) == 0 ? "done"
						     : strerror(errno));

	/* munmap a part, map anonymous memory over another */
	if (munmap(p + 64 * PG, 64 * PG) != 0)
		perror("munmap");
	q = mmap(p + 256 * PG, 16 * PG, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (q != p + 256 * PG)
		perror("mmap MAP_FIXED");
	bad = 0;
	for (size_t i = 0; i < 16 * PG; i++)
		bad += q[i] != 0;
	result("anonymous MAP_FIXED over it", bad);
	result("the rest after munmap and MAP_FIXED",
	    differ(p + 32 * PG, 32 * PG, off + 32 * PG, 2) +
		differ(p + 128 * PG, 128 * PG, off + 128 * PG, 2) +
		differ(p + 272 * PG, covered - 272 * PG, off + 272 * PG, 2));

	/* a second mapping, the file changed under it */
	q = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (q == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	{
		int wfd = open(path, O_WRONLY);

		for (size_t i = 0; i < PG; i++)
			buf[i] = fbyte(PG + i, 3);
		if (wfd < 0 || pwrite(wfd, buf, PG, PG) != (ssize_t)PG)
			perror("pwrite");
		close(wfd);
	}
	bad = differ(q + PG, PG, PG, 1);
	if (bad != 0 && differ(q + PG, PG, PG, 3) == 0) {
		fprintf(stderr, "filemap: the change shows in the mapping\n");
		bad = 0;
	} else if (bad == 0) {
		fprintf(stderr, "filemap: the mapping kept the old bytes\n");
	}
	result("a page of the changed file", bad);
	result("the rest of the second mapping",
	    differ(q, PG, 0, 1) + differ(q + 2 * PG, 2 * PG, 2 * PG, 1));

	munmap(q, 4 * PG);
	munmap(p, len);
	close(fd);
	unlink(path);
	printf("filemap: %s\n", failures == 0 ? "all checks passed" : "FAILED");
	return failures == 0 ? 0 : 1;
}
