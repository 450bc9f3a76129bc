#!/bin/sh
# enomem.sh UAO: a short `uao stress swapoff' whose ENOMEM tests must run
# (a swapoff that must be refused, and the device usable after), not be
# skipped: the run passes only if at least one ran and none failed.
set -u
out=$("$1" stress swapoff --cycles 15 --ram 2M --seed 42 --quiet)
rc=$?
echo "$out"
[ $rc -eq 77 ] && exit 77
[ $rc -eq 0 ] || exit 1
echo "$out" | grep -q 'ENOMEM tests [1-9][0-9]* passed' || {
	echo "FAIL: no ENOMEM test ran"
	exit 1
}
