/*
 * kswap.c: the Linux kernel's side of uao-bench: a swap file written
 * in full, given a swap header, swapon(2)ed, and a memory cgroup (v1
 * memory.limit_in_bytes or v2 memory.max) that holds the workload child
 * to the same RAM limit uao gets.  kswap_cleanup undoes all of it and
 * uses only async-signal-safe calls, so the signal handler may run it.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"

static int
write_str(const char *path, const char *s)
{
	int fd, n, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = (int)write(fd, s, strlen(s));
	if (n < 0)
		err = -errno;
	close(fd);
	return err;
}

/*
 * prewrite_file: create path at size bytes, every block written (zeros),
 * so that neither side pays for allocating blocks or converting
 * unwritten extents during the run.  => 0 or -errno.
 */
int
prewrite_file(const char *path, uint64_t size)
{
	static char buf[1 << 20];
	uint64_t done;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	for (done = 0; done < size; done += sizeof(buf)) {
		size_t n =
		    size - done < sizeof(buf) ? size - done : sizeof(buf);
		if (write(fd, buf, n) != (ssize_t)n) {
			err = errno ? -errno : -EIO;
			break;
		}
	}
	if (err == 0 && fsync(fd) < 0)
		err = -errno;
	close(fd);
	if (err)
		unlink(path);
	return err;
}

/* mkswap: a version 1 swap header ("SWAPSPACE2") on page 0 */
static int
mkswap(const char *path, uint64_t size)
{
	char hdr[PAGE];
	uint32_t v[3];
	int fd, err = 0;

	memset(hdr, 0, sizeof(hdr));
	v[0] = 1;			    /* version */
	v[1] = (uint32_t)(size / PAGE - 1); /* last_page */
	v[2] = 0;			    /* nr_badpages */
	memcpy(hdr + 1024, v, sizeof(v));
	for (int i = 0; i < 16; i++) /* uuid: anything unique */
		hdr[1036 + i] = (char)(getpid() >> (i % 4 * 8) ^ i * 37);
	memcpy(hdr + PAGE - 10, "SWAPSPACE2", 10);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (pwrite(fd, hdr, PAGE, 0) != (ssize_t)PAGE || fsync(fd) < 0)
		err = errno ? -errno : -EIO;
	close(fd);
	return err;
}

/*
 * kswap_set_limit: change the cgroup's limit to ram bytes (no process of
 * the cgroup may be running: a lower limit would reclaim it at once).
 * => 0, or -errno with k_why saying what failed.
 */
int
kswap_set_limit(struct kswap *k, uint64_t ram)
{
	char p[1100], num[32];
	int err;

	snprintf(num, sizeof(num), "%llu", (unsigned long long)ram);
	snprintf(p, sizeof(p), "%s/%s", k->k_cg,
	    k->k_cgv2 ? "memory.max" : "memory.limit_in_bytes");
	if ((err = write_str(p, num)) != 0)
		snprintf(k->k_why, sizeof(k->k_why), "%.900s = %s: %s", p, num,
		    strerror(-err));
	return err;
}

/*
 * kswap_setup: swap file of size bytes in dir, swapon, and a memory
 * cgroup limited to ram bytes.
 * => returns 0, or -errno with k_why saying what is impossible; what
 *    was set up is undone by kswap_cleanup either way.
 */
int
kswap_setup(struct kswap *k, const char *dir, uint64_t size, uint64_t ram)
{
	char p[1100];
	struct stat st;
	int err;

	snprintf(k->k_path, sizeof(k->k_path), "%s/uao-bench-kswap.%d", dir,
	    (int)getpid());
	if ((err = prewrite_file(k->k_path, size)) != 0 ||
	    (err = mkswap(k->k_path, size)) != 0) {
		snprintf(k->k_why, sizeof(k->k_why), "swap file %.900s: %s",
		    k->k_path, strerror(-err));
		k->k_path[0] = '\0';
		return err;
	}
	if (swapon(k->k_path,
		SWAP_FLAG_PREFER | (32767 << SWAP_FLAG_PRIO_SHIFT)) < 0) {
		err = -errno;
		snprintf(k->k_why, sizeof(k->k_why),
		    "swapon(%.900s): %s (kernel swap impossible here)",
		    k->k_path, strerror(errno));
		return err;
	}
	k->k_swapon = 1;

	if (stat("/sys/fs/cgroup/memory/memory.limit_in_bytes", &st) == 0) {
		snprintf(k->k_cg, sizeof(k->k_cg),
		    "/sys/fs/cgroup/memory/uao-bench.%d", (int)getpid());
		k->k_cgv2 = 0;
	} else if (stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0) {
		/* v2: memory must be enabled for children of the root */
		write_str("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
		snprintf(k->k_cg, sizeof(k->k_cg),
		    "/sys/fs/cgroup/uao-bench.%d", (int)getpid());
		k->k_cgv2 = 1;
	} else {
		snprintf(k->k_why, sizeof(k->k_why),
		    "no memory cgroup (v1 or v2) mounted");
		return -ENOENT;
	}
	if (mkdir(k->k_cg, 0755) < 0) {
		err = -errno;
		snprintf(k->k_why, sizeof(k->k_why), "mkdir %.900s: %s",
		    k->k_cg, strerror(errno));
		k->k_cg[0] = '\0';
		return err;
	}
	if ((err = kswap_set_limit(k, ram)) != 0)
		return err;
	if (k->k_cgv2) {
		/* v2 limits swap apart: no limit on it */
		snprintf(p, sizeof(p), "%s/memory.swap.max", k->k_cg);
		write_str(p, "max");
	}
	return 0;
}

/*
 * kswap_oom_kills: how many tasks the cgroup's own OOM killer has killed
 * (v2 memory.events, v1 memory.oom_control: the "oom_kill N" line), so a
 * child that died of SIGKILL can be told apart from one that crashed.
 * => count, or -1 when the cgroup or the line is not there.
 */
long
kswap_oom_kills(const struct kswap *k)
{
	char p[1100], buf[1024], *at;
	long n = -1;
	FILE *f;

	if (k->k_cg[0] == '\0')
		return -1;
	snprintf(p, sizeof(p), "%s/%s", k->k_cg,
	    k->k_cgv2 ? "memory.events" : "memory.oom_control");
	if ((f = fopen(p, "re")) == NULL)
		return -1;
	while (fgets(buf, sizeof(buf), f) != NULL) {
		if (strncmp(buf, "oom_kill ", 9) == 0) {
			at = buf + 9;
			n = strtol(at, NULL, 10);
			break;
		}
	}
	fclose(f);
	return n;
}

/* kswap_enter: move process pid into the cgroup.  => 0 or -errno */
int
kswap_enter(struct kswap *k, int pid)
{
	char p[1100], num[32];

	snprintf(p, sizeof(p), "%s/cgroup.procs", k->k_cg);
	snprintf(num, sizeof(num), "%d", pid);
	return write_str(p, num);
}

/*
 * kswap_cleanup: remove the cgroup (its processes must be dead), swapoff
 * and unlink the swap file.  Idempotent; async-signal-safe.
 */
void
kswap_cleanup(struct kswap *k)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	if (k->k_cg[0] != '\0') {
		/* the last task's exit may still be settling: retry a while */
		for (int i = 0; i < 500; i++) {
			if (rmdir(k->k_cg) == 0 || errno == ENOENT)
				break;
			nanosleep(&ts, NULL);
		}
		k->k_cg[0] = '\0';
	}
	if (k->k_swapon) {
		swapoff(k->k_path);
		k->k_swapon = 0;
	}
	if (k->k_path[0] != '\0') {
		unlink(k->k_path);
		k->k_path[0] = '\0';
	}
}

static int
dead(const char *num)
{
	char *end;
	long pid = strtol(num, &end, 10);

	return pid > 0 && *end == '\0' && kill((pid_t)pid, 0) < 0 &&
	    errno == ESRCH;
}

/*
 * kswap_reap: undo what an earlier uao-bench left behind when it died
 * without cleaning up (SIGKILL, a sanitizer abort): swap files of ours
 * still on, and cgroups of ours, whose owner pid is gone.
 * => returns how many it removed.
 */
int
kswap_reap(void)
{
	static const char *const cgdirs[] = { "/sys/fs/cgroup/memory",
		"/sys/fs/cgroup" };
	char line[1200], path[1100];
	const char *tag;
	int n = 0;
	FILE *f;

	if ((f = fopen("/proc/swaps", "re")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			if (sscanf(line, "%1099s", path) != 1 ||
			    (tag = strstr(path, "/uao-bench-kswap.")) == NULL ||
			    !dead(tag + strlen("/uao-bench-kswap.")))
				continue;
			if (swapoff(path) == 0) {
				unlink(path);
				fprintf(stderr,
				    "uao-bench: removed stale swap "
				    "%s\n",
				    path);
				n++;
			}
		}
		fclose(f);
	}
	for (int i = 0; i < 2; i++) {
		DIR *d = opendir(cgdirs[i]);
		struct dirent *de;
		if (d == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			if (strncmp(de->d_name, "uao-bench.", 10) != 0 ||
			    !dead(de->d_name + 10))
				continue;
			snprintf(path, sizeof(path), "%s/%s", cgdirs[i],
			    de->d_name);
			if (rmdir(path) == 0) {
				fprintf(stderr,
				    "uao-bench: removed stale "
				    "cgroup %s\n",
				    path);
				n++;
			}
		}
		closedir(d);
	}
	return n;
}

/* drop_caches: sync, then drop the page cache, dentries and inodes */
int
drop_caches(void)
{
	sync();
	return write_str("/proc/sys/vm/drop_caches", "3");
}

/* vmstat_swap: the kernel's pswpin and pswpout.  => 0 or -errno */
int
vmstat_swap(uint64_t *in, uint64_t *out)
{
	char line[256];
	unsigned long long v;
	FILE *f;

	*in = *out = 0;
	f = fopen("/proc/vmstat", "re");
	if (f == NULL)
		return -errno;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "pswpin %llu", &v) == 1)
			*in = v;
		else if (sscanf(line, "pswpout %llu", &v) == 1)
			*out = v;
	}
	fclose(f);
	return 0;
}
