/*
 * ctl_path.c: where control sockets live (see ctl_proto.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "uffd/ctl_proto.h"

int
ctl_socket_dir(char *buf, size_t len)
{
	const char *base = getenv("XDG_RUNTIME_DIR");
	struct stat st;

	if (base != NULL && base[0] == '/')
		snprintf(buf, len, "%s/uao", base);
	else
		snprintf(buf, len, "/tmp/uao-%u", (unsigned)getuid());
	if (mkdir(buf, 0700) != 0 && errno != EEXIST)
		return -errno;
	if (lstat(buf, &st) != 0)
		return -errno;
	/* someone else's directory would let them read our sockets */
	if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
	    (st.st_mode & 077) != 0)
		return -EPERM;
	return 0;
}

int
ctl_socket_path(int pid, char *buf, size_t len)
{
	char dir[200];
	int error = ctl_socket_dir(dir, sizeof(dir));

	if (error != 0)
		return error;
	snprintf(buf, len, "%s/%d.sock", dir, pid);
	return 0;
}

/*
 * is process pid gone?  A zombie is: it has ended, only its parent has
 * not waited for it yet (a killed `uao run''s program, reparented).
 * EPERM from kill: it exists, someone else's.
 */
static int
pid_gone(long pid)
{
	char path[64], buf[512], *paren;
	ssize_t n;
	int fd;

	if (pid <= 0 || pid > INT_MAX)
		return 0;
	if (kill((pid_t)pid, 0) != 0)
		return errno == ESRCH;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* "pid (comm) S ...": the state follows the last ')' */
	paren = strrchr(buf, ')');
	return paren != NULL && paren[1] == ' ' && paren[2] == 'Z';
}

int
ctl_sweep_stale(void)
{
	char dir[200], path[512];
	struct dirent *de;
	DIR *d;
	int error, n = 0;

	error = ctl_socket_dir(dir, sizeof(dir));
	if (error != 0)
		return error;
	d = opendir(dir);
	if (d == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long pid;

		if (strncmp(de->d_name, "run.", 4) == 0) {
			/* run.PID.XXXXXX: a `uao run' and its report socket */
			pid = strtol(de->d_name + 4, &end, 10);
			if (end == de->d_name + 4 || *end != '.' ||
			    !pid_gone(pid))
				continue;
			snprintf(path, sizeof(path), "%s/%s/report.sock", dir,
			    de->d_name);
			unlink(path);
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			if (rmdir(path) == 0)
				n++;
			continue;
		}
		pid = strtol(de->d_name, &end, 10);
		if (end == de->d_name || strcmp(end, ".sock") != 0 ||
		    !pid_gone(pid))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) == 0)
			n++;
	}
	closedir(d);
	return n;
}
