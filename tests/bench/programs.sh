#!/bin/sh
# programs.sh: `uao-bench --programs --quick --runs 1 --only sort`: a real
# program (GNU sort) runs plain, under the kernel's swap in a memory cgroup
# and under `uao run`, and both limited runs give the plain run's output
# byte for byte; the JSON holds the figures the table printed; nothing is
# left behind.  No timing is asserted.  Skips (77) without root.
bench=${1:?usage: programs.sh path/to/uao-bench}
[ "$(id -u)" = 0 ] || { echo "SKIP: uao-bench --programs needs root"; exit 77; }
command -v sort >/dev/null || { echo "SKIP: no sort"; exit 77; }
dir=$(mktemp -d "${MESON_BUILD_ROOT:-.}/bench-programs.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/leftovers.sh"

"$bench" --programs --quick --runs 1 --only sort --dir "$dir" \
    --json "$dir/out.json" >"$dir/out.txt" 2>"$dir/err.txt"
rc=$?
cat "$dir/out.txt" "$dir/err.txt"
[ $rc = 0 ] || fail "uao-bench --programs exited $rc"
grep -q '^sort .* identical$' "$dir/out.txt" || fail "sort's outputs not identical"
grep -q '"name": "sort"' "$dir/out.json" || fail "no sort in the JSON"
grep -q '"ok": false' "$dir/out.json" && fail "a run failed in the JSON"
# under the limit both sides really paged: swap-ins on each side
python3 - "$dir/out.json" <<'PY' || fail "the JSON does not add up"
import json, sys
p = json.load(open(sys.argv[1]))["programs"][0]
k, u = p["kernel"][0], p["uao"][0]
assert k["swapins"] > 0, "the kernel side did not swap"
assert u["swapin_faults"] > 0 and u["pageouts"] > 0, "uao did not page"
assert abs(p["ratio"] - u["wall_s"] / k["wall_s"]) < 1e-3, "ratio"
assert 0 < u["uao_share"] <= 1, "share"
PY
# nothing left behind
check_kernel_leftovers "$dir"
[ -z "$(ls "$dir" | grep -v '^out.json$\|^out.txt$\|^err.txt$')" ] ||
    fail "left behind: $(ls "$dir")"
echo "PASS"
exit 0
