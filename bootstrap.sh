#!/bin/sh
# bootstrap.sh: everything a fresh Debian 12 machine (as root) needs for uao.
#
#   ./bootstrap.sh run       install what is missing, build, and run the main
#                            job: a real program (python3) under `uao run' on
#                            its defaults, with a swap file in $TMPDIR
#   ./bootstrap.sh test      install what is missing, check the formatting
#                            of the .c/.h files (clang-format, .clang-format),
#                            build (warnings are errors), and pass the test
#                            suites (not 'slow')
#   ./bootstrap.sh sanitize  the suites again under AddressSanitizer + UBSan,
#                            then under ThreadSanitizer (CI runs this too)
#   ./bootstrap.sh slow      the long stress and property runs
#
# Each configuration has its own build directory, so that one never
# inherits another's options: build/ (run, slow), build-test/ (test),
# build-asan/ and build-tsan/ (sanitize).  CI's (test, sanitize) build
# with -Dwerror=true.
set -eu

cd "$(dirname "$0")"

# Debian 12 package names.  python3 and sqlite3 are programs the tests run
# under uao; util-linux gives mkswap/swapon for the kernel-swap baseline.
PKGS="meson ninja-build pkg-config gcc libc6-dev liburing-dev check \
libsubunit-dev libjemalloc-dev python3 sqlite3 util-linux coreutils libblkid-dev e2fsprogs"

install_missing() {
	missing=""
	for p in $PKGS "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		    grep -q "ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "bootstrap: installing$missing"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends $missing
}

# build DIR [meson options...]: configure (or, for a directory configured
# before, set the options again: a hand-made DIR must not drop them), then
# build
build() {
	dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@"
	elif [ $# -gt 0 ]; then
		meson configure "$dir" "$@"
	fi
	ninja -C "$dir"
}

# check_format: clang-format --dry-run -Werror over the tree's .c and .h
# files (the tracked ones in a git checkout); names each file that differs
check_format() {
	if [ -e .git ] && command -v git >/dev/null 2>&1; then
		files=$(git ls-files '*.c' '*.h')
	else
		files=$(find src include tests bench examples -name '*.[ch]' \
		    2>/dev/null)
	fi
	bad=""
	for f in $files; do
		clang-format --dry-run -Werror "$f" >/dev/null 2>&1 ||
		    bad="$bad $f"
	done
	if [ -n "$bad" ]; then
		echo "bootstrap: not formatted as .clang-format says" \
		    "(clang-format -i FILE):$bad" >&2
		return 1
	fi
	echo "bootstrap: formatting checked ($(echo $files | wc -w) files)"
}

# suites that run in CI; 'slow' holds the long versions
run_suites() {
	dir=$1
	shift
	meson test -C "$dir" --print-errorlogs --num-processes 1 \
	    --no-suite slow "$@"
}

case "${1:-}" in
run)
	install_missing
	build build
	exec build/src/cli/uao run -- python3 examples/objects.py
	;;
test)
	install_missing clang-format
	# the suites run even when the formatting fails; the command fails
	# at the end
	format_ok=true
	check_format || format_ok=false
	build build-test -Dwerror=true
	run_suites build-test
	$format_ok
	;;
sanitize)
	install_missing
	# jemalloc and the `uao run' runtime are left out of sanitizer builds
	# (the sanitizers replace malloc themselves), so the 'run' suite is too.
	build build-asan -Db_sanitize=address,undefined -Db_lundef=false \
	    -Dwerror=true
	run_suites build-asan --no-suite run --no-suite bench
	build build-tsan -Db_sanitize=thread -Dwerror=true
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	    run_suites build-tsan --no-suite run --no-suite bench
	;;
slow)
	install_missing
	build build
	meson test -C build --print-errorlogs --num-processes 1 --suite slow
	;;
*)
	echo "usage: $0 run | test | sanitize | slow" >&2
	exit 2
	;;
esac
