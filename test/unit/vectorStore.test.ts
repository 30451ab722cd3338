import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeHalf, encodeHalf } from '../../src/node/index/float16';
import { createSimdScanner } from '../../src/node/index/simdScan';
import { VectorStore } from '../../src/node/index/vectorStore';
import { seededRandom } from '../../scripts/models/seededRandom.mjs';

/** Coordinates in [-0.5, 0.5) from a seeded generator with a long period (so no two random vectors tie). */
function rng(seed: number) {
  const next = seededRandom(seed);
  return () => next() - 0.5;
}
const randomVector = (r: () => number, dim: number) => Float32Array.from({ length: dim }, r);
const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { d += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return d / Math.sqrt(na * nb);
};
/** A chunk with a row of its own: the vector is stored under a text hash named after the chunk. */
const putOwn = (store: VectorStore, id: string, v: ArrayLike<number>) => {
  store.put(`h-${id}`, v);
  assert.ok(store.attach(id, `h-${id}`));
};
const chunkId = (n: number) => `c${String(n).padStart(4, '0')}`;

describe('VectorStore', () => {
  /** The similarity the store gives: the unit query's dot product with the stored vector. */
  const similarity = (query: Float32Array, v: Float32Array) => {
    const n = Math.hypot(...query);
    return query.reduce((acc, x, i) => acc + (x / n) * v[i], 0);
  };
  /** A vector as the store keeps it: normalised, then in half precision. */
  const stored = (v: Float32Array) => {
    const unit = v.map((x) => x / Math.hypot(...v));
    const h = new Uint16Array(v.length);
    encodeHalf(unit, h);
    const out = new Float32Array(v.length);
    decodeHalf(h, 0, out);
    return out;
  };

  for (const dim of [37, 64]) it(`returns the same top k as a full sort of the stored vectors, across growth, removals and reused rows (${dim % 16 ? 'JavaScript' : 'SIMD'} scan)`, () => {
    const r = rng(dim);
    const store = new VectorStore(dim, 4);
    const all = new Map<string, Float32Array>();
    for (let n = 1; n <= 3000; n++) {
      const v = randomVector(r, dim);
      putOwn(store, chunkId(n), v);
      all.set(chunkId(n), v);
    }
    for (let n = 1; n <= 3000; n += 3) { store.detach(chunkId(n)); all.delete(chunkId(n)); }
    assert.equal(store.prune(() => 0), all.size, 'the rows of the removed chunks are freed');
    for (let n = 5000; n < 5500; n++) { const v = randomVector(r, dim); putOwn(store, chunkId(n), v); all.set(chunkId(n), v); }
    assert.deepEqual([store.chunkCount, store.rowCount], [all.size, all.size]);
    for (let q = 0; q < 5; q++) {
      const query = randomVector(r, dim);
      const expected = [...all].map(([id, v]) => [id, similarity(query, stored(v))] as const).sort((a, b) => b[1] - a[1]).slice(0, 25);
      const got = store.topK(query, 25);
      assert.deepEqual(got.map(([id]) => id), expected.map(([id]) => id));
      got.forEach(([, s], i) => assert.ok(Math.abs(s - expected[i][1]) < 1e-5));
      assert.ok(Math.abs(got[0][1] - cosine(query, all.get(got[0][0])!)) < 1e-3, 'half precision moves a similarity by far less than 0.001');
    }
  });

  it('has the SIMD kernel on this Node, and it computes the int8 × int16 dot products exactly', () => {
    const scanner = createSimdScanner();
    assert.ok(scanner, 'WebAssembly SIMD is not available');
    const dim = 32, rows = 5, m = 64, out = m + dim * rows;
    const q = new Int16Array(scanner.memory.buffer, 0, dim);
    const codes = new Int8Array(scanner.memory.buffer, m, dim * rows);
    for (let j = 0; j < dim; j++) q[j] = j % 2 ? 127 - j : -127 + 3 * j;
    for (let i = 0; i < codes.length; i++) codes[i] = ((i * 37) % 255) - 127; // the extremes included
    scanner.scan(0, m, rows, dim, out);
    const scores = new Int32Array(scanner.memory.buffer, out, rows);
    for (let row = 0; row < rows; row++) {
      let d = 0;
      for (let j = 0; j < dim; j++) d += q[j] * codes[row * dim + j];
      assert.equal(scores[row], d);
    }
  });

  it('ranks many close vectors exactly: the int8 scan only picks the candidates', () => {
    const r = rng(9);
    const dim = 64;
    const store = new VectorStore(dim);
    const base = randomVector(r, dim);
    const all = new Map<string, Float32Array>();
    // 2,000 vectors whose similarities to the query lie within 0.01: the first hundred within 0.002, a few
    // int8 steps
    for (let n = 1; n <= 2000; n++) {
      const v = base.map((x) => x + 0.1 * r());
      putOwn(store, chunkId(n), v);
      all.set(chunkId(n), stored(v));
    }
    const query = base.map((x) => x + 0.1 * r());
    const expected = [...all].map(([id, v]) => [id, similarity(query, v)] as const).sort((a, b) => b[1] - a[1]).slice(0, 10);
    assert.ok(expected[0][1] - expected[9][1] < 0.002);
    const got = store.topK(query, 10);
    assert.deepEqual(got.map(([id]) => id), expected.map(([id]) => id));
    got.forEach(([, s], i) => assert.ok(Math.abs(s - expected[i][1]) < 1e-6));
  });

  it('ranks hundreds of identical vectors by chunk id, whatever order their rows were added in', () => {
    const v = randomVector(rng(3), 64);
    const forward = new VectorStore(64), backward = new VectorStore(64);
    for (let n = 1; n <= 500; n++) putOwn(forward, chunkId(n), v);
    for (let n = 500; n >= 1; n--) putOwn(backward, chunkId(n), v);
    const expected = Array.from({ length: 10 }, (_, i) => chunkId(i + 1));
    assert.deepEqual(forward.topK(v, 10).map(([id]) => id), expected);
    assert.deepEqual(backward.topK(v, 10).map(([id]) => id), expected);
  });

  it('holds one row per text: chunks share it, an unused one stays until pruned, oldest first', () => {
    const store = new VectorStore(2);
    store.put('x', [1, 0]);
    store.put('y', [0, 1]);
    store.put('z', [1, 1]);
    store.put('x', [0, -1]); // a text keeps its vector
    for (const [id, hash] of [['a', 'x'], ['b', 'x'], ['c', 'x'], ['d', 'y']] as const) assert.ok(store.attach(id, hash));
    assert.equal(store.attach('e', 'missing'), false);
    assert.deepEqual([store.chunkCount, store.rowCount], [4, 3]);
    assert.deepEqual(store.topK([1, 0], 10).map(([id]) => id), ['a', 'b', 'c', 'd']);
    store.detach('a');
    assert.deepEqual(store.topK([1, 0], 10).map(([id]) => id), ['b', 'c', 'd']);
    store.detach('c');
    store.detach('b');
    store.detach('d');
    assert.deepEqual(store.topK([1, 0], 10), [], 'an unused vector is no result');
    assert.deepEqual([store.chunkCount, store.rowCount], [0, 3]);
    assert.equal(store.prune(() => 2), 0);
    const kept: string[] = [];
    store.forEach((v, hash) => kept.push(`${hash}:${v[0].toFixed(2)}`));
    assert.deepEqual(kept, ['y:0.00', 'z:0.71'], 'the oldest unused vector goes first');
    store.put('w', [-1, 0]); // reuses the freed row
    assert.ok(store.attach('i', 'w'));
    assert.deepEqual(store.topK([-1, 0], 1), [['i', 1]]);
  });

  it('keeps the chunks whose text has no vector waiting, and makes them searchable the moment it comes', () => {
    const store = new VectorStore(2);
    assert.equal(store.attach('a', 'x'), false);
    assert.equal(store.attach('b', 'x'), false);
    assert.equal(store.attach('c', 'y'), false);
    assert.equal(store.attach('gone', 'y'), false);
    store.detach('gone'); // a chunk removed before its vector came
    assert.deepEqual([store.chunkCount, store.waitingChunkCount], [0, 3]);
    assert.deepEqual([...store.waiting].map(([hash, ids]) => [hash, [...ids]]), [['x', ['a', 'b']], ['y', ['c']]]);
    assert.deepEqual(store.topK([1, 0], 10), [], 'a waiting chunk is no vector result');
    store.put('x', [1, 0]);
    assert.deepEqual(store.topK([1, 0], 10).map(([id]) => id), ['a', 'b'], 'every chunk that waited for the text');
    assert.deepEqual([store.hasVector('a'), store.hasVector('c'), store.waitingChunkCount], [true, false, 1]);
    assert.ok(store.attach('c', 'x'), 'a waiting chunk moved to a text that has a vector');
    assert.deepEqual([store.waitingChunkCount, store.waiting.size], [0, 0]);
    // Rows copied in (a failed run's vectors kept after a reload) end the wait too.
    const other = new VectorStore(2);
    other.put('z', [0, 1]);
    assert.equal(store.attach('d', 'z'), false);
    store.copyRowsOf(other);
    assert.deepEqual(store.topK([0, 1], 1).map(([id]) => id), ['d']);
    // Without a model nothing ever comes, so nothing waits.
    const wordsOnly = new VectorStore(0);
    assert.equal(wordsOnly.attach('a', 'x'), false);
    assert.equal(wordsOnly.waitingChunkCount, 0);
  });

  it('filters during the scan, returns fewer than k when there are fewer, and moves a chunk to its new text', () => {
    const store = new VectorStore(2);
    putOwn(store, 'a', [1, 0]);
    putOwn(store, 'b', [0, 1]);
    putOwn(store, 'c', [1, 1]);
    assert.deepEqual(store.topK([1, 0], 10, (id) => id !== 'a').map(([id]) => id), ['c', 'b']);
    store.put('a2', [0, -1]);
    assert.ok(store.attach('a', 'a2')); // the chunk's text changed
    const [[best, score]] = store.topK([1, 0], 1);
    assert.equal(best, 'c');
    assert.ok(Math.abs(score - Math.SQRT1_2) < 1e-3); // half precision
    assert.equal(store.chunkCount, 3);
  });

  it('takes a saved index\'s rows as they are, and copies another store\'s rows exactly', () => {
    const dim = 16;
    const r = rng(11);
    const source = new VectorStore(dim);
    for (let n = 0; n < 40; n++) source.put(`h${n}`, randomVector(r, dim));
    const halves = new Uint16Array(40 * dim);
    for (let n = 0; n < 40; n++) halves.set(source.halvesOf(`h${n}`)!, n * dim);
    const loaded = VectorStore.fromRows(dim, Array.from({ length: 40 }, (_, n) => `h${n}`), halves);
    const copy = new VectorStore(dim);
    copy.put('h3', randomVector(r, dim)); // a text already held keeps its vector
    copy.copyRowsOf(loaded);
    for (let n = 0; n < 40; n++) {
      assert.deepEqual(loaded.halvesOf(`h${n}`), source.halvesOf(`h${n}`));
      if (n !== 3) assert.deepEqual(copy.halvesOf(`h${n}`), source.halvesOf(`h${n}`));
    }
    assert.notDeepEqual(copy.halvesOf('h3'), source.halvesOf('h3'));
    const order: string[] = [];
    loaded.forEach((_, hash) => order.push(hash));
    assert.deepEqual(order, Array.from({ length: 40 }, (_, n) => `h${n}`), 'oldest first: the saved order');
    assert.ok(loaded.attach('c', 'h7'));
    assert.deepEqual(loaded.topK(source.get('h7')!, 1).map(([id]) => id), ['c']);
  });
});
