# leftovers.sh: sourced by the bench tests.  check_kernel_leftovers DIR:
# fail (the caller's fail) if a swap file of DIR is still on, or a
# uao-bench cgroup outlived its bench.  Ours only: another bench may run
# beside this one on the machine.
check_kernel_leftovers() {
	grep -qF "$(cd "$1" && pwd -P)/" /proc/swaps &&
	    fail "swap left on: $(cat /proc/swaps)"
	for cg in /sys/fs/cgroup/memory/uao-bench.* /sys/fs/cgroup/uao-bench.*; do
		[ -d "$cg" ] || continue
		# named after its bench's pid: left behind if that bench is gone
		kill -0 "${cg##*.}" 2>/dev/null || fail "cgroup left behind: $cg"
	done
}
