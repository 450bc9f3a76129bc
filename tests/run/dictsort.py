# dictsort.py: the CPython program of issue 10: 400000 dict entries of
# strings and lists, sorted by value and hashed.  Output: one digest.
# usage: dictsort.py [N] (default 400000, the issue's)
import hashlib, random, sys
n = int(sys.argv[1]) if len(sys.argv) > 1 else 400000
r = random.Random(3); d = {}
for i in range(n): d[i] = (str(r.random()) * 3, [i] * 8)
h = hashlib.sha256()
for k in sorted(d, key=lambda k: d[k][0]): h.update(d[k][0].encode())
print(h.hexdigest())
