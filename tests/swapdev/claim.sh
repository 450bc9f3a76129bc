#!/bin/sh
# claim.sh UAO: uao never writes what is not uao's (issue 9).
#
# Real files and a real loop device holding a mounted ext4: every --swap
# and `uao mkswap' that must be refused exits 2 with one line naming the
# path, and afterwards the file or device is byte for byte as it was
# (md5sum), its mode too, and nothing new is in uao's temporary and
# runtime directories (TMPDIR and XDG_RUNTIME_DIR point at private ones).
# What uao may take -- a file it creates, a file or device `uao mkswap'
# signed -- it takes.
#
# The loop-device half needs root, losetup, mkfs.ext4 and mount; without
# them it says why and the script ends with 77 (skipped) once the file
# half has passed.  Loop devices and mounts are undone on every exit.
set -u
uao=$1
fail=0
skipped=""
work=$(mktemp -d "${TMPDIR:-/tmp}/uaoclaim.XXXXXX") || exit 1
dev=""
mnt="$work/mnt"

cleanup() {
	if [ -n "$dev" ]; then
		mountpoint -q "$mnt" 2>/dev/null && umount "$mnt"
		losetup -d "$dev" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

mkdir "$work/tmp" "$work/xdg" "$work/f"
chmod 700 "$work/xdg"
export TMPDIR="$work/tmp" XDG_RUNTIME_DIR="$work/xdg"

ok() { echo "ok: $*"; }
bad() {
	echo "FAIL: $*"
	fail=1
}

# print_of FILE: md5 of its bytes, its mode and size
print_of() {
	printf '%s %s\n' "$(md5sum <"$1" | cut -d' ' -f1)" \
	    "$(stat -L -c '%a %s' "$1")"
}

# nothing_left: the private temporary and runtime directories are empty
# (but for uao's control directory itself, made by the first run)
nothing_left() {
	left=$(find "$work/tmp" "$work/xdg" -mindepth 1 ! -path "$work/xdg/uao")
	[ -z "$left" ] || bad "$*: left behind: $left"
}

# refused WHAT PRINTFILE|- NEEDLE UAO-ARGS...: exit 2, one line on stderr
# that contains NEEDLE, the file unchanged, nothing left behind
refused() {
	what=$1 file=$2 needle=$3
	shift 3
	[ "$file" = - ] || before=$(print_of "$file")
	err=$("$uao" "$@" 2>&1 >/dev/null)
	rc=$?
	lines=$(printf '%s\n' "$err" | wc -l)
	if [ "$rc" -ne 2 ] || [ "$lines" -ne 1 ]; then
		bad "$what: exit $rc, $lines lines: $err"
	elif ! printf '%s' "$err" | grep -qF -- "$needle"; then
		bad "$what: message does not name $needle: $err"
	else
		ok "$what: $err"
	fi
	if [ "$file" != - ] && [ "$(print_of "$file")" != "$before" ]; then
		bad "$what: $file was changed"
	fi
	nothing_left "$what"
}

# runs: can `uao run' start a program here at all (userfaultfd, runtime)?
runs=false
if "$uao" run --ram 4M -- /bin/true >/dev/null 2>&1; then
	runs=true
else
	skipped="$skipped; uao run cannot start a program here"
fi

#
# files
#
f="$work/f"
# 8 MB of someone's text
i=0
while [ $i -lt 2000 ]; do
	echo "precious line $i: the quick brown fox jumps over the lazy dog"
	i=$((i + 1))
done >"$f/text"
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	cat "$f/text" "$f/text" "$f/text" "$f/text"
done >"$f/precious.txt"
rm "$f/text"
chmod 644 "$f/precious.txt"
refused "existing text file" "$f/precious.txt" "$f/precious.txt" \
    run --ram 4M --swap "$f/precious.txt" -- /bin/true
refused "existing text file, with a size" "$f/precious.txt" "signature" \
    run --ram 4M --swap "$f/precious.txt:64M" -- /bin/true
refused "mkswap on a text file" "$f/precious.txt" "holds data" \
    mkswap "$f/precious.txt"
# all zeros, but not made by uao: run refuses, mkswap may sign it
dd if=/dev/zero of="$f/zeros" bs=1M count=4 2>/dev/null
refused "a file of zeros" "$f/zeros" "without uao's swap signature" \
    run --ram 4M --swap "$f/zeros" -- /bin/true
# a dangling link: nothing is created at its target
ln -s "$f/nowhere.swap" "$f/dangling"
refused "dangling symlink" - "does not exist" \
    run --ram 4M --swap "$f/dangling:64M" -- /bin/true
[ -e "$f/nowhere.swap" ] && bad "dangling symlink: its target was created"
ln -s "$f/precious.txt" "$f/link"
refused "symlink to a file" "$f/precious.txt" "symbolic link" \
    run --ram 4M --swap "$f/link" -- /bin/true
mkfifo "$f/fifo"
refused "FIFO" - "FIFO" run --ram 4M --swap "$f/fifo:64M" -- /bin/true
refused "character device" - "character device" \
    run --ram 4M --swap "$f/new.swap:64M" --swap /dev/null:64M -- /bin/true
[ -e "$f/new.swap" ] && bad "character device: $f/new.swap was created"
refused "/proc file" - "procfs" \
    run --ram 4M --swap /proc/self/status -- /bin/true
refused "new file in /proc" - "procfs" \
    run --ram 4M --swap /proc/uao.swap:64M -- /bin/true
refused "/sys file" - "sysfs" \
    run --ram 4M --swap /sys/kernel/mm/transparent_hugepage/enabled \
    -- /bin/true
refused "the same file twice" - "the same file" \
    run --ram 4M --swap "$f/d.swap:64M" --swap "$f/d.swap:64M" -- /bin/true
[ -e "$f/d.swap" ] && bad "the same file twice: $f/d.swap was created"
refused "the same file, two spellings" - "the same file" \
    run --ram 4M --swap "$f/./d.swap:64M" --swap "$f/d.swap:64M" -- /bin/true
refused "inject on no device" - '"5 r 1 0"' \
    run --ram 4M --swap "$f/d.swap:64M" --inject "5 r 1 0" -- /bin/true
[ -e "$f/d.swap" ] && bad "inject on no device: $f/d.swap was created"
refused "--stats in a missing directory" - "/nonexistent/x" \
    run --ram 4M --stats /nonexistent/x -- /bin/true
refused "--ram overflowing" - "16777215T" \
    run --ram 16777215T -- /bin/true
refused "--swap overflowing" - "too large" \
    run --swap "$f/big.swap:16777215T" -- /bin/true
refused "no room for the file" - "free there" \
    run --swap "$f/big.swap:2T" -- /bin/true
[ -e "$f/big.swap" ] && bad "overflowing: $f/big.swap was created"
chmod 444 "$f/zeros"
refused "read-only file, mkswap" "$f/zeros" "read-only" mkswap "$f/zeros"
chmod 644 "$f/zeros"

# what uao may take: mkswap on zeros, on a new file; --force on text
if "$uao" mkswap "$f/zeros" >/dev/null; then
	ok "mkswap on a file of zeros"
else
	bad "mkswap on a file of zeros refused"
fi
if "$uao" mkswap "$f/made.swap" 1M >/dev/null &&
    [ "$(stat -c '%a %s' "$f/made.swap")" = "600 1052672" ]; then
	ok "mkswap of a new file: 0600, 1 MiB and a header page"
else
	bad "mkswap of a new file: $(stat -c '%a %s' "$f/made.swap" 2>&1)"
fi
refused "mkswap of a missing file without a size" - "give its size" \
    mkswap "$f/nosize.swap"
refused "mkswap of a link" "$f/precious.txt" "symbolic link" \
    mkswap --force "$f/link"
if $runs; then
	before=$(print_of "$f/zeros")
	if "$uao" run --ram 4M --swap "$f/zeros" -- /bin/true 2>/dev/null; then
		ok "a file uao mkswap signed is taken"
	else
		bad "a file uao mkswap signed is refused"
	fi
	nothing_left "run on a signed file"
fi
if "$uao" mkswap --force "$f/precious.txt" >/dev/null 2>&1; then
	ok "mkswap --force on a text file"
else
	bad "mkswap --force on a text file refused"
fi

#
# a loop device holding a mounted ext4
#
loop_skip() {
	echo "SKIP (loop device): $*"
	skipped="$skipped; $*"
}
if [ "$(id -u)" -ne 0 ]; then
	loop_skip "not root: cannot make a loop device"
elif ! command -v losetup >/dev/null || ! command -v mkfs.ext4 >/dev/null; then
	loop_skip "losetup or mkfs.ext4 missing (util-linux, e2fsprogs)"
else
	truncate -s 64M "$work/disk.img"
	dev=$(losetup -f --show "$work/disk.img" 2>/dev/null) || dev=""
	if [ -z "$dev" ]; then
		loop_skip "losetup cannot make a loop device here"
	fi
fi
if [ -n "$dev" ]; then
	# no lazy initialisation: nothing writes to the device behind us
	mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$dev" ||
	    bad "mkfs.ext4 $dev"
	mkdir "$mnt"
	if ! mount -o noatime "$dev" "$mnt"; then
		loop_skip "cannot mount an ext4 here"
	else
		seq 1 200000 >"$mnt/data.txt"
		sync
		data=$(md5sum <"$mnt/data.txt")
		refused "mounted ext4" "$dev" "mounted on $mnt" \
		    run --ram 4M --swap "$dev" -- /bin/true
		refused "mounted ext4, with a size" "$dev" "mounted on $mnt" \
		    run --ram 4M --swap "$dev:32M" -- /bin/true
		refused "mkswap on a mounted ext4" "$dev" "mounted on $mnt" \
		    mkswap "$dev"
		refused "mkswap --force on a mounted ext4" "$dev" \
		    "mounted on $mnt" mkswap --force "$dev"
		[ "$(md5sum <"$mnt/data.txt")" = "$data" ] ||
		    bad "mounted ext4: a file in it changed"
		umount "$mnt"
		e2fsck -f -n "$dev" >/dev/null 2>&1 ||
		    bad "the ext4 is not clean after uao"
		ok "e2fsck: the ext4 is clean"
		# unmounted: still someone's filesystem
		refused "unmounted ext4" "$dev" "without uao's swap signature" \
		    run --ram 4M --swap "$dev" -- /bin/true
		refused "mkswap on an unmounted ext4" "$dev" "a filesystem (ext4" \
		    mkswap "$dev"
		# open in another process (this shell)
		exec 3<"$dev"
		refused "mkswap --force on a device open elsewhere" "$dev" \
		    "open in another process" mkswap --force "$dev"
		exec 3<&-
		mount -o ro,noatime "$dev" "$mnt" &&
		    [ "$(md5sum <"$mnt/data.txt")" = "$data" ] &&
		    ok "the ext4's file reads back" ||
		    bad "the ext4's file does not read back"
		umount "$mnt"
		# uao's at last: --force wipes the ext4's signatures
		if "$uao" mkswap --force "$dev" 32M >/dev/null; then
			ok "mkswap --force on an unmounted ext4"
		else
			bad "mkswap --force $dev refused"
		fi
		if command -v blkid >/dev/null &&
		    blkid -p "$dev" 2>/dev/null | grep -q ext4; then
			bad "blkid still sees an ext4 after mkswap --force"
		fi
		refused "beyond the device's signature" "$dev" "beyond" \
		    run --ram 4M --swap "$dev:48M" -- /bin/true
		if $runs; then
			out=$("$uao" run --ram 4M --swap "$dev" --json \
			    --stats - -- python3 -c '
import hashlib
x = bytearray(range(256)) * (64 * 1024)
print(hashlib.md5(x).hexdigest())' 2>/dev/null)
			want=$(python3 -c '
import hashlib
x = bytearray(range(256)) * (64 * 1024)
print(hashlib.md5(x).hexdigest())')
			if printf '%s' "$out" | grep -q "$want" &&
			    printf '%s' "$out" | grep -q '"pageouts":[1-9]'; then
				ok "a signed loop device is swap: pages out and back"
			else
				bad "run on the signed loop device: $out"
			fi
			nothing_left "run on a signed loop device"
		fi
	fi
fi

if [ $fail -ne 0 ]; then
	exit 1
fi
if [ -n "$skipped" ]; then
	echo "skipped:$skipped"
	exit 77
fi
exit 0
