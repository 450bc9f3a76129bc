// objheap.js: an object-heavy V8 heap: N records in a Map, each an object
// with a string, a number array and a nested object; sorted by a string
// key and hashed twice.  The output depends only on N.
'use strict';
const crypto = require('crypto');
const n = parseInt(process.argv[2] || '300000', 10);
let seed = 12345;
function rnd() { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; }
const m = new Map();
for (let i = 0; i < n; i++) {
  const k = 'k' + rnd().toString(36) + '-' + i;
  m.set(k, { i, name: k + ':' + 'v'.repeat(20 + (i % 40)),
             nums: [i, i * 3, i * 7, rnd() % 1000, rnd() % 1000, i & 255],
             inner: { a: i % 17, b: 'b' + (i % 1000), c: [i, -i] } });
}
const h = crypto.createHash('sha256');
const keys = Array.from(m.keys()).sort();
for (const k of keys) {
  const o = m.get(k);
  h.update(o.name); h.update(String(o.nums[3] + o.inner.c[0]));
}
for (let i = 0; i < keys.length; i += 7) {
  const o = m.get(keys[i]);
  o.nums.push(i); h.update(o.inner.b + o.nums.length);
}
console.log('objheap.js: %d records, sha256 %s', m.size, h.digest('hex'));
