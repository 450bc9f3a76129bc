// objects.js: a node (V8) program for `uao run' tests.  V8 reserves its
// heap PROT_NONE and commits it piecemeal with mprotect; its garbage
// collector moves, frees and discards pages.  Builds N objects with
// strings and buffers, hashes them three times in different orders, and
// prints the digest: the output depends only on N.
'use strict';
const crypto = require('crypto');
const n = parseInt(process.argv[2] || '200000', 10);
const a = [];
for (let i = 0; i < n; i++)
  a.push({ i, s: 'x'.repeat(150) + i, b: Buffer.alloc(200, i & 255) });
const h = crypto.createHash('sha256');
for (let k = 0; k < 3; k++)
  for (let i = k; i < a.length; i += 1 + k * 5) {
    h.update(a[i].s);
    h.update(a[i].b);
  }
console.log('objects.js: %d objects, sha256 %s', a.length, h.digest('hex'));
