"""objects.py: a Python workload for `uao run' tests.

usage: objects.py MIB [SEED]

Builds MIB MiB of Python objects (bytes payloads, a dict of tuples, a list
of strings), hashes them in creation order, rewrites every third payload,
and hashes everything again.  The walks are sequential, so pages go out to
swap while the objects are built and come back for each walk.  The output
depends only on the arguments: a run under `uao run' must print exactly
what a plain run prints.
"""
import hashlib
import random
import sys


def main():
    mib = int(sys.argv[1])
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    rng = random.Random(seed)
    n = mib * 256  # about 4 KiB of objects per item
    payloads = []
    meta = {}
    names = []
    for i in range(n):
        b = rng.randbytes(3600)
        payloads.append(b)
        meta[i] = (len(b), b[0], b[-1], i * 7919 % 65521)
        names.append("item-%08d-%s" % (i, b[:8].hex()))
    h = hashlib.sha256()
    for i in range(n):
        h.update(payloads[i])
        h.update(repr(meta[i]).encode())
        h.update(names[i].encode())
    print("built %d items (%d MiB), sha256 %s" % (n, mib, h.hexdigest()))

    for i in range(0, n, 3):
        payloads[i] = bytes(reversed(payloads[i]))
        meta[i] = meta[i][::-1]
    h = hashlib.sha256()
    for i in range(n - 1, -1, -1):
        h.update(payloads[i])
        h.update(repr(meta[i]).encode())
    print("rewrote %d items, sha256 %s" % ((n + 2) // 3, h.hexdigest()))
    total = sum(m[3] for m in meta.values())
    print("sum of keys %d" % total)


if __name__ == "__main__":
    main()
