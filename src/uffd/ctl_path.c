/*
 * ctl_path.c: where control sockets live (see ctl_proto.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl_proto.h"

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
