#!/bin/sh
# run_inject.sh UAO VICTIM: `uao run --inject' on a plain C program
# under RAM pressure.  With the 20th page read from swap failing, the
# program must get SIGBUS at the page it reads (victim exits 42), never
# zeros (3); without injection it reads everything back (0).
# Skips (77) when userfaultfd is not available to `uao run'.
uao="$1"
victim="$2"
dir=$(mktemp -d "${TMPDIR:-/tmp}/uao-inject-XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT

"$uao" run --ram 1M --swap "$dir/s0:32M" -- "$victim" 2048 \
    >"$dir/out" 2>"$dir/err"
rc=$?
cat "$dir/out" "$dir/err"
if grep -qi "userfaultfd" "$dir/err" && [ $rc -ne 0 ]; then
	echo "skip: no userfaultfd"
	exit 77
fi
if [ $rc -ne 0 ]; then
	echo "FAIL: without injection: exit $rc (want 0)"
	exit 1
fi

"$uao" run --ram 1M --swap "$dir/s1:32M" --inject "0 r 20 0" -- \
    "$victim" 2048 >"$dir/out" 2>"$dir/err"
rc=$?
cat "$dir/out" "$dir/err"
if [ $rc -ne 42 ]; then
	echo "FAIL: read error injected: exit $rc (want 42: SIGBUS at the page read)"
	exit 1
fi

# write errors: the runtime rewrites the page elsewhere, nothing lost
"$uao" run --ram 1M --swap "$dir/s2:32M" --inject "0 w 0 20000" -- \
    "$victim" 2048 >"$dir/out" 2>"$dir/err"
rc=$?
cat "$dir/out" "$dir/err"
if [ $rc -ne 0 ]; then
	echo "FAIL: write errors injected: exit $rc (want 0: nothing lost)"
	exit 1
fi
echo "ok"
exit 0
