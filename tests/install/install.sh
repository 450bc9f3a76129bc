#!/bin/sh
# install.sh BUILDDIR SRCDIR MESON: `meson install' into a temporary
# DESTDIR puts uao, uao-bench, libuao.so (versioned), uao.h, uao.pc and
# the three manual pages in place; the installed `uao run' runs a real
# program (python3) with the same output as a plain run; the library
# example builds with `pkg-config --cflags --libs uao' against the
# installed tree and runs; `man -l' renders each page.
# Exit 77 (skipped) where the build has no runtime (sanitizer builds).
set -eu
build=$1 src=$2 meson=$3
dest=$(mktemp -d "${TMPDIR:-/tmp}/uaoinstall.XXXXXX")
trap 'rm -rf "$dest"' EXIT INT TERM

fail() {
	echo "FAIL: $*"
	exit 1
}

$meson install -C "$build" --no-rebuild --quiet --destdir "$dest" >/dev/null

# the prefix and libdir this build installs into
prefix=$($meson introspect --buildoptions "$build" |
    python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')
libdir=$($meson introspect --buildoptions "$build" |
    python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="libdir"][0])')
root=$dest$prefix
lib=$root/$libdir

for f in bin/uao bin/uao-bench include/uao/uao.h \
    share/man/man1/uao.1 share/man/man1/uao-bench.1 share/man/man3/libuao.3; do
	[ -e "$root/$f" ] || fail "not installed: $prefix/$f"
done
for f in libuao.so libuao.so.0 pkgconfig/uao.pc; do
	[ -e "$lib/$f" ] || fail "not installed: $prefix/$libdir/$f"
done
soname=$(objdump -p "$lib/libuao.so" | awk '$1 == "SONAME" { print $2 }')
[ "$soname" = libuao.so.0 ] || fail "libuao.so has soname '$soname'"

for page in share/man/man1/uao.1 share/man/man1/uao-bench.1 \
    share/man/man3/libuao.3; do
	out=$(MANWIDTH=80 man -l "$root/$page" 2>&1) ||
	    fail "man -l $page: $out"
	echo "$out" | grep -q "SYNOPSIS" || fail "man -l $page: no SYNOPSIS"
done

"$root/bin/uao" --version | grep -q '^uao [0-9]' || fail "uao --version"
"$root/bin/uao" run --help | grep -q '^usage: uao run' || fail "uao run --help"

# the library example, built as a user of the installed tree would
cc=${CC:-cc}
PKG_CONFIG_PATH=$lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest \
    pkg-config --cflags --libs uao >"$dest/flags" ||
    fail "pkg-config --cflags --libs uao"
# shellcheck disable=SC2046
$cc -std=c17 -Wall -Werror -o "$dest/example" "$src/examples/libuao_example.c" \
    $(cat "$dest/flags") || fail "the example does not build with pkg-config"
set +e
LD_LIBRARY_PATH=$lib "$dest/example" >"$dest/example.out" 2>&1
rc=$?
set -e
[ $rc -eq 77 ] && { echo "SKIP: no userfaultfd"; exit 77; }
[ $rc -eq 0 ] || { cat "$dest/example.out"; fail "the example exited $rc"; }
grep -q '^bad words: 0$' "$dest/example.out" || fail "the example lost words"
grep -q '^check: ok$' "$dest/example.out" || fail "the example's check"

# the installed runtime, found from the installed uao (no build tree)
if [ ! -e "$lib/libuao_preload.so" ]; then
	echo "SKIP: this build has no uao run runtime (sanitizers)"
	exit 77
fi
prog='import hashlib; b = bytearray(64 << 20)
for i in range(0, len(b), 4096): b[i] = i // 4096 % 251
print(hashlib.sha256(b).hexdigest())'
want=$(python3 -c "$prog")
got=$(env -u UAO_PRELOAD TMPDIR="$dest" "$root/bin/uao" run --ram 16M \
    --stats "$dest/report" --json -- python3 -c "$prog") ||
    fail "the installed uao run failed"
[ "$got" = "$want" ] || fail "output under the installed uao: $got, want $want"
grep -q '"pageouts":[1-9]' "$dest/report" || fail "nothing was paged out"
echo "installed into $dest$prefix: uao run, the library example and the manuals work"
