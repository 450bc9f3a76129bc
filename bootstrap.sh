#!/bin/sh
# bootstrap.sh: everything a fresh Debian 12 machine (as root) needs for uao.
#
#   ./bootstrap.sh run       install what is missing, build, and run the main
#                            job: a real program (python3) under `uao run' on
#                            its defaults, with a swap file in $TMPDIR
#   ./bootstrap.sh test      install what is missing, build (warnings are
#                            errors), and pass the test suites (not 'slow')
#   ./bootstrap.sh sanitize  the suites again under AddressSanitizer + UBSan,
#                            then under ThreadSanitizer (CI runs this too)
#   ./bootstrap.sh slow      the long stress and property runs
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

# build DIR [meson options...]: configure once, then build
build() {
	dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@"
	fi
	ninja -C "$dir"
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
	install_missing
	build build -Dwerror=true
	run_suites build
	;;
sanitize)
	install_missing
	# jemalloc and the `uao run' runtime are left out of sanitizer builds
	# (the sanitizers replace malloc themselves), so the 'run' suite is too.
	build build-asan -Db_sanitize=address,undefined -Db_lundef=false
	run_suites build-asan --no-suite run --no-suite bench
	build build-tsan -Db_sanitize=thread
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
