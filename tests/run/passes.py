"""passes.py: a Python program that works in passes, each started by a
line on stdin, for `uao run' tests that act on a running program
(`uao swapctl' between and during passes).

usage: passes.py MIB PASSES

Pass 0 builds MIB MiB of bytes objects; every later pass rewrites a
quarter of them and hashes them all.  Each pass prints one digest.  The
output depends only on the arguments, never on when the lines arrive.
"""
import hashlib
import random
import sys


def main():
    mib, passes = int(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(mib * 1000 + passes)
    items = []
    for p in range(passes):
        if not sys.stdin.readline():
            print("stdin closed before pass %d" % p)
            return 1
        if p == 0:
            items = [rng.randbytes(4000) for _ in range(mib * 256)]
        else:
            for i in range(p % 4, len(items), 4):
                items[i] = bytes(reversed(items[i]))
        h = hashlib.sha256()
        for b in items:
            h.update(b)
        print("pass %d: %d items, sha256 %s" % (p, len(items), h.hexdigest()),
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
