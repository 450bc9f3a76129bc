/*
 * preload.c: the runtime's constructor and exit report (see
 * preload_int.h for what the runtime does).
 *
 * Configuration comes from the environment, set by `uao run':
 *   UAO_RUN=1           the runtime is wanted (else it stays inert)
 *   UAO_RAM=bytes       the RAM limit
 *   UAO_HANDLERS=n      fault-handler threads
 *   UAO_SWAP=...        one line per device: "SIZE PRIO PATH" (PATH empty:
 *                       an anonymous file in UAO_TMPDIR)
 *   UAO_TMPDIR=dir      where anonymous swap files go
 *   UAO_HEAP=bytes      address space reserved for the heap region
 *   UAO_REPORT=path     the `uao run' socket the exit report goes to
 *   UAO_INJECT=...      fault injection: "DEV r|w NTH PPM" per line
 * The environment is inherited: a program that execs another program
 * runs it under uao too, with a machine of its own.
 */
#include <errno.h>
#include <jemalloc/jemalloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/kmem_int.h"
#include "pager/param_int.h"
#include "uffd/memacct_int.h"
#include "uffd/preload_int.h"
#include "uffd/sim_int.h"
#include "uffd/threads_int.h"

#define PRELOAD_DEFAULT_HEAP (64ULL << 30)

struct uao_sim *preload_sim;
static char preload_report_path[256];

static void
preload_fail(const char *msg)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "uao: %s\n", msg);

	if (n > 0)
		(void)!write(STDERR_FILENO, buf, (size_t)n);
	_exit(2);
}

static uint64_t
env_u64(const char *name, uint64_t dflt)
{
	const char *v = getenv(name);
	char *end;
	unsigned long long x;

	if (v == NULL || *v == '\0')
		return dflt;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0') {
		char msg[256];

		snprintf(msg, sizeof(msg), "bad %s in the environment: %s",
		    name, v);
		preload_fail(msg);
	}
	return x;
}

/*
 * A named swap file may be in use by another process under uao (the one
 * that exec'd us, typically): then an anonymous one of the same size
 * goes in the same directory.
 */
static void
preload_swap_one(struct uao_sim *sim, const char *line)
{
	unsigned long long size;
	int prio, n = 0, id;
	const char *path;
	char msg[768], dir[256];

	if (sscanf(line, "%llu %d %n", &size, &prio, &n) < 2 || n == 0) {
		snprintf(msg, sizeof(msg), "bad UAO_SWAP entry: %s", line);
		preload_fail(msg);
	}
	path = line + n;
	id = uao_swap_add(sim, *path ? path : NULL, size, prio, 0);
	if (id == -EBUSY && *path) {
		const char *slash = strrchr(path, '/');

		snprintf(dir, sizeof(dir), "%.*s",
		    slash != NULL ? (int)(slash - path) : 1,
		    slash != NULL ? path : ".");
		setenv("TMPDIR", dir[0] ? dir : "/", 1);
		id = uao_swap_add(sim, NULL, size, prio, 0);
	}
	if (id < 0) {
		snprintf(msg, sizeof(msg),
		    "cannot add swap %s (%llu bytes): %s",
		    *path ? path : "(anonymous)", size, uao_strerror(id));
		preload_fail(msg);
	}
}

static void
preload_swap(struct uao_sim *sim)
{
	const char *spec = getenv("UAO_SWAP");
	const char *tmp = getenv("UAO_TMPDIR");
	char line[512];

	if (tmp != NULL && *tmp)
		setenv("TMPDIR", tmp, 1);
	while (spec != NULL && *spec) {
		const char *nl = strchr(spec, '\n');
		size_t len = nl != NULL ? (size_t)(nl - spec) : strlen(spec);

		if (len >= sizeof(line))
			preload_fail("UAO_SWAP entry too long");
		memcpy(line, spec, len);
		line[len] = '\0';
		if (len > 0)
			preload_swap_one(sim, line);
		spec = nl != NULL ? nl + 1 : NULL;
	}
}

static void
preload_inject(struct uao_sim *sim)
{
	const char *spec = getenv("UAO_INJECT");
	struct uao_swapinfo devs[CTL_MAXSWAP];
	int ndevs = uao_swap_list(sim, devs, CTL_MAXSWAP);

	while (spec != NULL && *spec) {
		unsigned long long nth, ppm;
		int dev, error;
		char rw;

		if (sscanf(spec, "%d %c %llu %llu", &dev, &rw, &nth, &ppm) !=
			4 ||
		    dev < 0 || dev >= ndevs || (rw != 'r' && rw != 'w'))
			preload_fail("bad UAO_INJECT entry");
		error = uao_swap_inject(sim, devs[dev].id, rw == 'w', nth,
		    (uint32_t)ppm, (uint64_t)getpid());
		if (error != 0)
			preload_fail("cannot set fault injection");
		spec = strchr(spec, '\n');
		if (spec != NULL)
			spec++;
	}
}

/*
 * At exit: send the report to `uao run'.  The machine keeps running:
 * destructors after us may still touch memory that only it can serve.
 */
static void
preload_exit(void)
{
	struct sockaddr_un sun;
	struct ctl_report rep;
	int fd;

	if (preload_sim == NULL || preload_report_path[0] == '\0')
		return;
	preload_fill_report(preload_sim, &rep);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(preload_report_path) >= sizeof(sun.sun_path)) {
		close(fd);
		return;
	}
	memcpy(sun.sun_path, preload_report_path,
	    strlen(preload_report_path) + 1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		(void)!send(fd, &rep, sizeof(rep), MSG_NOSIGNAL);
	close(fd);
}

/*
 * In a forked child: the control socket and the exit report belong to
 * the parent, whose machine this child now only reads (fork.c).
 */
static void
preload_fork_child(void)
{
	preload_ctl_forget();
	preload_report_path[0] = '\0';
}

int
preload_fork_init(struct uao_sim *sim)
{
	(void)sim;
	sim_fork_child_hook = preload_fork_child;
	sim_private_alloc_hook = preload_heap_private;
	return sim_fork_init();
}

__attribute__((constructor)) static void
preload_init(void)
{
	struct uao_config cfg;
	char why[256];
	const char *report;
	void *p;
	int error;

	if (getenv("UAO_RUN") == NULL)
		return;
	preload_internal = 1;

	/* uao's own mappings are counted from its first (memacct.c) */
	memacct_init();
	sim_munmap_hook = preload_jemeta_unmapped;
	/* jemalloc first: it must be initialised, and be the allocator */
	p = malloc(1);
	free(p);
	if (preload_kmem_init(why, sizeof(why)) != 0)
		preload_fail(why);
	uao_thread_setup_extra = preload_heap_bind_thread;

	memset(&cfg, 0, sizeof(cfg));
	cfg.ram_bytes = env_u64("UAO_RAM", 64ULL << 20);
	cfg.handlers = (int)env_u64("UAO_HANDLERS", 2);
	error = uao_sim_create(&cfg, &preload_sim);
	if (error != 0) {
		snprintf(why, sizeof(why), "cannot start the simulator: %s",
		    uao_strerror(error));
		preload_fail(why);
	}
	preload_swap(preload_sim);
	preload_inject(preload_sim);
	error = preload_heap_init(preload_sim,
	    env_u64("UAO_HEAP", PRELOAD_DEFAULT_HEAP), why, sizeof(why));
	if (error != 0)
		preload_fail(why);
	preload_mmap_enable(preload_sim);
	error = preload_fork_init(preload_sim);
	if (error != 0)
		preload_fail("cannot install the fork handlers");
	error = preload_ctl_start(preload_sim);
	if (error != 0) {
		snprintf(why, sizeof(why), "cannot open the control socket: %s",
		    uao_strerror(error));
		preload_fail(why);
	}
	report = getenv("UAO_REPORT");
	if (report != NULL)
		snprintf(preload_report_path, sizeof(preload_report_path), "%s",
		    report);
	atexit(preload_exit);
	sim_stop_hook = preload_exit; /* the report, before an OOM stop */
	preload_internal = 0;
}
