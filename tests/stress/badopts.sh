#!/bin/sh
# badopts.sh: every bad option of `uao stress swapoff' exits 2 with one
# line on stderr naming the value, and never starts a run.
uao="$1"
fail=0
check() {
	out=$("$uao" "$@" 2>&1 >/dev/null)
	rc=$?
	lines=$(printf '%s\n' "$out" | wc -l)
	if [ "$rc" -ne 2 ] || [ "$lines" -ne 1 ]; then
		echo "FAIL: uao $*: exit $rc, $lines lines: $out"
		fail=1
	else
		echo "ok: uao $*: $out"
	fi
}
check stress swapoff --cycles 0
check stress swapoff --cycles -3
check stress swapoff --cycles 12x
check stress swapoff --seconds ''
check stress swapoff --threads 0
check stress swapoff --threads 65
check stress swapoff --ram 100K
check stress swapoff --ram 4097K
check stress swapoff --ram lots
check stress swapoff --size 3M --ram 2M
check stress swapoff --size 0
check stress swapoff --devices 2
check stress swapoff --dir /nonexistent/dir
check stress swapoff --inject read
check stress swapoff --inject write:2000000
check stress swapoff --inject both:5
check stress swapoff --seed x
check stress swapoff --bogus
check stress swapoff extra
check stress nosuchtest
check stress swapoff --cycles
exit $fail
