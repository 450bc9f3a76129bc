/*
 * find_uffd.h: the descriptor of this process's userfaultfd, found in
 * /proc/self/fd (for tests that reach past libuao: the fault suite
 * closes it, the uffd suite fills the staging area with it).
 */
#ifndef UAO_TESTS_COMMON_FIND_UFFD_H
#define UAO_TESTS_COMMON_FIND_UFFD_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* => the first userfaultfd descriptor, or -1 */
static inline int
find_uffd(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int fd = -1;

	while (d != NULL && (de = readdir(d)) != NULL) {
		char link[300], target[128];
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%s", de->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strstr(target, "userfaultfd") != NULL) {
			fd = atoi(de->d_name);
			break;
		}
	}
	if (d != NULL)
		closedir(d);
	return fd;
}

#endif /* UAO_TESTS_COMMON_FIND_UFFD_H */
