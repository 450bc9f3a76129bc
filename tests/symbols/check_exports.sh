#!/bin/sh
# check_exports.sh LIB LIST: the dynamic symbols that LIB defines are
# exactly the names in LIST (one a line; '#' starts a comment).
#
# libuao and the `uao run' runtime are built with symbol visibility hidden
# by default: what they export binds in every program that links or
# preloads them, where an internal name (region_create, swap_on,
# kmem_alloc, ...) would take the place of the program's own symbol of
# that name, or the reverse.  A name exported but not listed is a leak; a
# name listed but not exported is an API function or libc interposer
# that lost its UAO_EXPORT (for an interposer: the program's calls would
# silently go to libc).
set -eu

lib=$1
list=$2
nm=${NM:-nm}

if [ ! -f "$lib" ]; then
	echo "check_exports: $lib: no such file" >&2
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$nm" -D --defined-only "$lib" | awk 'NF == 3 { print $3 }' |
    sed 's/@.*//' | sort -u >"$tmp/got"
sed 's/#.*//; s/[[:space:]]//g; /^$/d' "$list" | sort -u >"$tmp/want"

if [ ! -s "$tmp/got" ]; then
	echo "check_exports: $lib: nm found no defined dynamic symbol" >&2
	exit 1
fi

comm -23 "$tmp/got" "$tmp/want" >"$tmp/extra"
comm -13 "$tmp/got" "$tmp/want" >"$tmp/missing"
status=0
if [ -s "$tmp/extra" ]; then
	echo "$(basename "$lib") exports names not in $(basename "$list")" \
	    "(hide them, or add them to the API):"
	sed 's/^/  + /' "$tmp/extra"
	status=1
fi
if [ -s "$tmp/missing" ]; then
	echo "$(basename "$lib") does not export names in $(basename "$list")" \
	    "(UAO_EXPORT missing?):"
	sed 's/^/  - /' "$tmp/missing"
	status=1
fi
[ $status -eq 0 ] && echo "$(basename "$lib"): $(wc -l <"$tmp/got") names, as listed"
exit $status
