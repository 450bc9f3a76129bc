#!/bin/sh
# smoke.sh: run `uao-bench --quick` (small W, few accesses) and check only
# that every side ran and verified every byte, and that nothing is left
# behind: no swap of its directory on in /proc/swaps, no uao-bench cgroup
# whose bench is gone, no swap file.
# No timing is asserted.  Skips (77) without root or userfaultfd.
bench=${1:?usage: smoke.sh path/to/uao-bench [uao-bench options]}
shift
[ "$(id -u)" = 0 ] || { echo "SKIP: uao-bench needs root"; exit 77; }
dir=$(mktemp -d "${MESON_BUILD_ROOT:-.}/bench-smoke.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/leftovers.sh"

run() {
	"$bench" --quick "$@" --dir "$dir" --json "$dir/out.json" \
	    --plot "$dir/p.svg" >"$dir/out.txt" 2>"$dir/err.txt"
	rc=$?
	cat "$dir/out.txt" "$dir/err.txt"
}
run "$@"
# The kernel's memory cgroup sometimes OOM-kills the kernel side's child
# while several threads fault at once under the small limit (seen at 8,
# 12 and 16 MiB, on trees old and new, one run in three on a quiet
# machine): a failure of the baseline, which says nothing about uao.
# Then the kernel side is left out and the run must pass without it.
if [ $rc != 0 ] && grep -q "^uao-bench: kernel .*OOM killer" "$dir/err.txt" &&
    ! grep -q "^uao-bench: uao " "$dir/err.txt"; then
	echo "NOTE: the kernel baseline was OOM-killed in its cgroup;" \
	    "again with --no-kernel"
	run --no-kernel "$@"
fi
if grep -q 'uao_sim_create: .*\(not permitted\|EPERM\|ENOSYS\)' "$dir/err.txt"; then
	echo "SKIP: no userfaultfd"; exit 77
fi
[ $rc = 0 ] || fail "uao-bench exited $rc"
grep -q '^uao-bench: all verified$' "$dir/out.txt" || fail "not all verified"

# every phase of every side that ran said ok, and checked words
grep -q '"ok": false' "$dir/out.json" && fail "a phase failed in JSON"
n=$(grep -o '"ok": true' "$dir/out.json" | wc -l)
sides=3
grep -q '"kernel": false' "$dir/out.json" && sides=2
[ "$n" = $((8 * sides)) ] || fail "expected $((8 * sides)) phase results, got $n"
grep -o '"verified_words": [0-9]*' "$dir/out.json" | grep -q ': 0$' &&
    fail "a phase verified no words"
grep -q '^<svg' "$dir/p.svg" && grep -q '</svg>' "$dir/p.svg" ||
    fail "no SVG plot"

# the swap-in breakdown: the fault probes recorded randread's swap-ins
grep -q '"randread": {"recorded": [1-9]' "$dir/out.json" ||
    fail "no swap-in breakdown for randread in JSON"
grep -q "^Where one swap-in's time goes" "$dir/out.txt" ||
    fail "no swap-in breakdown table"

# nothing left behind
check_kernel_leftovers "$dir"
ls "$dir" | grep -q 'uao-bench-' && fail "swap file left behind"
echo "PASS"
exit 0
