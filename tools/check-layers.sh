#!/bin/sh
# check-layers.sh SRCROOT: the include graph of src/ and bench/ against
# the layers of doc/design.md.  Fails (exit 1), naming file and line, on
#   - an #include "..." not spelled "layer/file.h" (relative to src/;
#     "uao/uao.h" for the public header, "bench/bench.h" for bench's own),
#     or naming a file that is not there;
#   - an arrow back: a layer including a layer above it;
#   - in tests/, an include that is none of: uao's headers spelled as
#     above, "common/file.h" (tests/common/), a suite's own "file.h".
# The layers, bottom up, and what each may include besides itself:
#   base                     (nothing of uao's)
#   swapdev  -> base
#   pager    -> base swapdev
#   uffd     -> base swapdev pager uao
#   cli      -> base swapdev pager uffd uao
#   bench    -> base uao
set -eu

root=${1:-.}
cd "$root"

# one grep for every quoted include, one awk to judge them: the machine
# is often loaded, and a process per line would be slow
files=$(find src bench -name '*.[ch]' | sort)
[ -n "$files" ] || { echo "no sources under $root"; exit 1; }
nfiles=$(echo "$files" | wc -l)
# FILE:LINE:text; the check of the named file's existence is done by
# test -f on the names awk prints after "EXISTS"
out=$(grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' $files |
    awk -F: '
	BEGIN {
		ok["base"] = " base "
		ok["swapdev"] = " swapdev base "
		ok["pager"] = " pager base swapdev "
		ok["uffd"] = " uffd base swapdev pager uao "
		ok["cli"] = " cli base swapdev pager uffd uao "
		ok["bench"] = " bench base uao "
	}
	{
		f = $1; line = $2
		name = $0
		sub(/^[^"]*"/, "", name); sub(/".*$/, "", name)
		split(f, p, "/")
		layer = (p[1] == "bench") ? "bench" : p[2]
		if (!(layer in ok)) {
			print f ": layer \"" layer "\" is not in the graph (tools/check-layers.sh)"
			next
		}
		if (name !~ /^[a-z_]+\/[A-Za-z0-9_.-]+$/ || name ~ /^\.\.?\//) {
			print f ":" line ": #include \"" name "\": spell it \"layer/file.h\" (relative to src/)"
			next
		}
		dir = name; sub(/\/.*/, "", dir)
		if (index(ok[layer], " " dir " ") == 0) {
			print f ":" line ": #include \"" name "\": " layer " may not include " dir " (an arrow back; see doc/design.md, Layers)"
			next
		}
		path = (dir == "uao") ? "include/" name : (dir == "bench") ? name : "src/" name
		print "EXISTS " f ":" line " " name " " path
	}')
bad=0
echo "$out" | grep -v '^EXISTS ' | grep . && bad=1
for path in $(echo "$out" | awk '$1 == "EXISTS" { print $4 }' | sort -u); do
	if [ ! -f "$path" ]; then
		echo "$out" | awk -v p="$path" '$1 == "EXISTS" && $4 == p {
			print $2 ": #include \"" $3 "\": no such file (" p ")" }'
		bad=1
	fi
done

# tests/: uao's headers as above, what suites share as "common/file.h"
# (tests/common/), a suite's own header by its bare name; never a path
# into another suite ("../uffd/...")
tfiles=$(find tests -name '*.[ch]' | sort)
if [ -n "$tfiles" ]; then
	tout=$(grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' \
	    $tfiles | awk -F: '
	{
		f = $1; line = $2
		name = $0
		sub(/^[^"]*"/, "", name); sub(/".*$/, "", name)
		if (name ~ /^[A-Za-z0-9_.-]+$/) {
			dir = f; sub(/\/[^\/]*$/, "", dir)
			print "EXISTS " f ":" line " " name " " dir "/" name
		} else if (name ~ /^(base|swapdev|pager|uffd)\/[A-Za-z0-9_.-]+$/) {
			print "EXISTS " f ":" line " " name " src/" name
		} else if (name ~ /^uao\/[A-Za-z0-9_.-]+$/) {
			print "EXISTS " f ":" line " " name " include/" name
		} else if (name ~ /^common\/[A-Za-z0-9_.-]+$/) {
			print "EXISTS " f ":" line " " name " tests/" name
		} else {
			print f ":" line ": #include \"" name "\": spell it \"layer/file.h\", \"common/file.h\" or the suite'"'"'s own \"file.h\""
		}
	}')
	echo "$tout" | grep -v '^EXISTS ' | grep . && bad=1
	for path in $(echo "$tout" | awk '$1 == "EXISTS" { print $4 }' | sort -u); do
		if [ ! -f "$path" ]; then
			echo "$tout" | awk -v p="$path" '$1 == "EXISTS" && $4 == p {
				print $2 ": #include \"" $3 "\": no such file (" p ")" }'
			bad=1
		fi
	done
	nfiles=$((nfiles + $(echo "$tfiles" | wc -l)))
fi
[ "$bad" -eq 0 ] || exit 1
echo "layers: $nfiles files, include graph as in doc/design.md"
