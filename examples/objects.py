#!/usr/bin/env python3
"""objects.py: the main job's real program.

Builds a few hundred MiB of Python objects (lists of bytes and dicts), walks
them twice in a different order so pages go out to swap and come back, and
prints a digest that does not depend on where the memory lived: run it with
and without `uao run' and the output is the same.
"""
import hashlib
import random
import sys

mib = int(sys.argv[1]) if len(sys.argv) > 1 else 256
rng = random.Random(1)
chunks = []
index = {}
for i in range(mib * 256):  # 4 KiB payload per chunk
    b = rng.randbytes(4000)
    chunks.append(b)
    index[i] = len(b) ^ b[0]
h = hashlib.sha256()
order = list(range(len(chunks)))
rng.shuffle(order)
for i in order:
    h.update(chunks[i])
    h.update(index[i].to_bytes(4, "little"))
for c in chunks:
    h.update(c[:64])
print(f"objects: {len(chunks)} chunks, {mib} MiB, sha256 {h.hexdigest()}")
