/*
 * ctl_proto.h: what the runtime and the `uao' command say to each other.
 *
 * Two conversations, both over Unix stream sockets, both one request and
 * one reply of fixed-size structures (the runtime and the command are
 * built from one tree, so the layouts match; cr_size guards that):
 *
 *   control: `uao stat PID' / `uao swapctl PID' connect to the socket
 *            of process PID (ctl.c) and send a ctl_request;
 *   report:  at exit the runtime connects to the socket of the `uao run'
 *            that started it and sends its final ctl_report.
 *
 * Sockets live in a directory of mode 0700 owned by the user, so only
 * that user can open them.
 */
#ifndef UAO_UFFD_CTL_PROTO_H
#define UAO_UFFD_CTL_PROTO_H

#include <stdint.h>

#include "uao/uao.h"

#define CTL_MAGIC   0x75616f31u /* "uao1" */
#define CTL_MAXSWAP 32

enum ctl_op {
	CTL_STAT = 1,	     /* reply: the report */
	CTL_SWAP_ADD = 2,    /* cq_path (empty: anonymous), cq_size, cq_prio */
	CTL_SWAP_REMOVE = 3, /* cq_path, or cq_id */
	CTL_CHECK = 4,	     /* recount invariants; cr_error, cr_msg */
};

struct ctl_request {
	uint32_t cq_magic;
	uint32_t cq_op;
	uint64_t cq_size;
	int32_t cq_prio;
	int32_t cq_id;
	char cq_path[256];
};

struct ctl_report {
	uint32_t cr_magic;
	uint32_t cr_size; /* sizeof(struct ctl_report) */
	int32_t cr_error; /* the operation's result: 0 or -errno */
	char cr_msg[256]; /* what went wrong, for people */
	int32_t cr_pid;
	int32_t cr_ppid;
	char cr_exe[256];
	double cr_elapsed;     /* seconds since the runtime started */
	uint64_t cr_ram_limit; /* bytes */
	struct uao_stats cr_stats;
	int32_t cr_nswap;
	struct uao_swapinfo cr_swap[CTL_MAXSWAP];
	uint64_t cr_rss_anon;	   /* the process's anonymous RSS now */
	uint64_t cr_rss_anon_peak; /* highest seen */
	uint64_t cr_uao_at_peak;   /* uao-managed bytes at that moment */
	uint64_t cr_heap_used;	   /* bytes of the heap region given out */
	uint64_t cr_heap_reserved;
	uint64_t cr_mmaps_adopted; /* program mmaps made regions */
	uint64_t cr_mmaps_skipped; /* left alone (shared, stacks, ...) */
	uint64_t cr_forks;	   /* fork()s served */
	uint64_t cr_fork_pageins;  /* pages forked children read from swap */
	uint64_t cr_fork_pageouts; /* pages forked children wrote to swap */
	/*
	 * The anonymous resident memory at peak, by whose it is (memacct.c):
	 * cr_rss_anon_peak = cr_uao_at_peak (the program's, under uao) +
	 * cr_uao_own_peak + cr_brk_peak + cr_stacks_peak + cr_filecow_peak +
	 * cr_other_peak.
	 */
	uint64_t cr_uao_own_peak;  /* uao's bookkeeping, staging, buffers */
	uint64_t cr_uao_meta_peak; /* of it: jemalloc's metadata */
	uint64_t cr_brk_peak;	   /* [heap]: brk/sbrk */
	uint64_t cr_stacks_peak;   /* the program's thread stacks */
	uint64_t cr_filecow_peak;  /* written private file pages (.data) */
	uint64_t cr_other_peak;	   /* anonymous mappings not adopted */
	uint64_t cr_acct_errors;   /* samples /proc could not give */
};

/*
 * ctl_socket_dir: the per-user directory for control sockets, created
 * mode 0700 if missing, refused if anyone else owns it or can enter it.
 * => returns 0 or -errno; the path in buf.
 */
int ctl_socket_dir(char *buf, size_t len);

/* ctl_socket_path: the control socket of process pid */
int ctl_socket_path(int pid, char *buf, size_t len);

/*
 * ctl_sweep_stale: remove what dead processes left in the control
 * directory: PID.sock of a process that is gone (killed, or ended
 * without exit(3): _exit, exec, a signal), and run.PID.XXXXXX (with its
 * report.sock) of a `uao run' that is gone.
 * => a process whose PID was reused keeps its entry until that PID is
 *    gone too (the runtime of a new process of that PID replaces it).
 * => returns the number of entries removed, or -errno.
 */
int ctl_sweep_stale(void);

#endif /* UAO_UFFD_CTL_PROTO_H */
