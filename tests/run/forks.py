"""forks.py: a Python program that forks and execs, for `uao run' tests.

usage: forks.py MIB

1. Builds MIB MiB of objects, then forks.  The child keeps running and
   hashes what the parent wrote before the fork, after the parent has
   rewritten all of it (so the child reads the memory as it was at the
   fork, while the parent's pages go in and out of swap).  Then the child
   builds MIB MiB of its own, more than `uao run --ram' gives it, rewrites
   and hashes it: under uao it pages, under its own RAM limit, to a swap
   file of its own.  The parent prints the child's digests; the first
   must be the parent's digest from before the fork.
2. Runs children: `sh -c' pipelines, and a Python child (subprocess)
   that builds memory of its own; each prints a digest.
3. Hashes its own objects again.

The output depends only on MIB: under `uao run' it must be the same as
in a plain run.
"""
import hashlib
import os
import random
import subprocess
import sys


def digest(items):
    h = hashlib.sha256()
    for b in items:
        h.update(b)
    return h.hexdigest()


def main():
    mib = int(sys.argv[1])
    rng = random.Random(mib)
    items = [rng.randbytes(4000) for _ in range(mib * 256)]
    before = digest(items)
    print("parent before fork: %s" % before, flush=True)

    # the child reads what the parent wrote before the fork
    go_r, go_w = os.pipe()
    res_r, res_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(go_w)
        os.close(res_r)
        os.read(go_r, 1)  # the parent has rewritten everything by now
        d = digest(items)
        # memory of its own, over the RAM limit
        crng = random.Random(mib + 1)
        own = [crng.randbytes(4000) for _ in range(mib * 256)]
        for i in range(len(own)):
            own[i] = bytes(reversed(own[i]))
        d += " " + digest(own) + " " + digest(items)
        os.write(res_w, d.encode())
        os._exit(0)
    os.close(go_r)
    os.close(res_w)
    for i in range(len(items)):
        items[i] = bytes(reversed(items[i]))
    after = digest(items)
    os.write(go_w, b"g")
    child = b""
    while True:
        chunk = os.read(res_r, 4096)
        if not chunk:
            break
        child += chunk
    _, status = os.waitpid(pid, 0)
    words = child.decode().split() + ["", "", ""]
    seen, own, again = words[0], words[1], words[2]
    print("child after the parent's rewrite: %s (%s)" %
          (seen, "same as before the fork"
           if seen == before else "DIFFERENT"))
    print("child's own memory: %s" % own)
    print("child's reading again: %s (%s)" %
          (again, "same" if again == before else "DIFFERENT"))
    print("child exit status %d" % os.waitstatus_to_exitcode(status))
    print("parent after rewrite: %s" % after, flush=True)

    # children exec'd: each runs under uao too, with a machine of its own
    out = subprocess.run(
        ["sh", "-c", "seq 1 200000 | sort -r | sha256sum"],
        capture_output=True, check=True).stdout.decode()
    print("sh -c pipeline: %s" % out.split()[0])
    code = ("import hashlib, random\n"
            "r = random.Random(7)\n"
            "x = [r.randbytes(4000) for _ in range(%d)]\n"
            "h = hashlib.sha256()\n"
            "for b in reversed(x): h.update(b)\n"
            "print(h.hexdigest())\n" % (mib * 128))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         check=True).stdout.decode()
    print("python child: %s" % out.strip())
    out = subprocess.run(["sh", "-c", "echo from sh; exit 3"],
                         capture_output=True)
    print("sh exit: %d, said %r" % (out.returncode, out.stdout.decode()))

    print("parent at the end: %s" % digest(items), flush=True)
    return 0 if seen == before and again == before else 1


if __name__ == "__main__":
    sys.exit(main())
