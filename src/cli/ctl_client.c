/*
 * ctl_client.c: talk to the runtime of a process (see uffd/ctl_proto.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/cli_int.h"

int
ctl_call(int pid, const struct ctl_request *rq, struct ctl_report *rep)
{
	struct sockaddr_un sun;
	char path[256];
	ssize_t n;
	int fd, error;

	error = ctl_socket_path(pid, path, sizeof(path));
	if (error != 0)
		return error;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		error =
		    errno == ENOENT || errno == ECONNREFUSED ? -ESRCH : -errno;
		close(fd);
		return error;
	}
	if (send(fd, rq, sizeof(*rq), MSG_NOSIGNAL) != (ssize_t)sizeof(*rq)) {
		close(fd);
		return -EIO;
	}
	n = recv(fd, rep, sizeof(*rep), MSG_WAITALL);
	close(fd);
	if (n != (ssize_t)sizeof(*rep) || rep->cr_magic != CTL_MAGIC ||
	    rep->cr_size != sizeof(*rep))
		return -EPROTO;
	return 0;
}
