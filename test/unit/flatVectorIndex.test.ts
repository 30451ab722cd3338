import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { search } from '@orama/orama';
import { ChunkIndex, type ChunkRecord } from '../../src/node/index/chunkIndex';
import { FlatVectorIndex } from '../../src/node/index/flatVectorIndex';
import { decodeHalf, encodeHalf } from '../../src/node/index/float16';
import { fullTextTokens } from '../../src/node/index/fullTextTokenizer';
import { createSimdScanner } from '../../src/node/index/simdScan';
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

describe('FlatVectorIndex', () => {
  /** The similarity the index gives: the unit query's dot product with the stored vector. */
  const similarity = (query: Float32Array, v: Float32Array) => {
    const n = Math.hypot(...query);
    return query.reduce((acc, x, i) => acc + (x / n) * v[i], 0);
  };
  /** A vector as the index keeps it: normalised, then in half precision. */
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
    const index = new FlatVectorIndex(dim, 4);
    const all = new Map<number, Float32Array>();
    for (let id = 1; id <= 3000; id++) {
      const v = randomVector(r, dim);
      index.add(id, v);
      all.set(id, v);
    }
    for (let id = 1; id <= 3000; id += 3) { index.remove(id); all.delete(id); }
    for (let id = 5000; id < 5500; id++) { const v = randomVector(r, dim); index.add(id, v); all.set(id, v); }
    assert.equal(index.count, all.size);
    for (let q = 0; q < 5; q++) {
      const query = randomVector(r, dim);
      const expected = [...all].map(([id, v]) => [id, similarity(query, stored(v))] as const).sort((a, b) => b[1] - a[1]).slice(0, 25);
      const got = index.topK(query, 25);
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
    for (let r = 0; r < rows; r++) {
      let d = 0;
      for (let j = 0; j < dim; j++) d += q[j] * codes[r * dim + j];
      assert.equal(scores[r], d);
    }
  });

  it('ranks many close vectors exactly: the int8 scan only picks the candidates', () => {
    const r = rng(9);
    const dim = 64;
    const index = new FlatVectorIndex(dim);
    const base = randomVector(r, dim);
    const all = new Map<number, Float32Array>();
    // 2,000 vectors whose similarities to the query lie within 0.01: the first hundred within 0.002, a few
    // int8 steps
    for (let id = 1; id <= 2000; id++) {
      const v = base.map((x) => x + 0.1 * r());
      index.add(id, v);
      all.set(id, stored(v));
    }
    const query = base.map((x) => x + 0.1 * r());
    const expected = [...all].map(([id, v]) => [id, similarity(query, v)] as const).sort((a, b) => b[1] - a[1]).slice(0, 10);
    assert.ok(expected[0][1] - expected[9][1] < 0.002);
    const got = index.topK(query, 10);
    assert.deepEqual(got.map(([id]) => id), expected.map(([id]) => id));
    got.forEach(([, s], i) => assert.ok(Math.abs(s - expected[i][1]) < 1e-6));
  });

  it('ranks hundreds of identical vectors by document, whatever order their rows were added in', () => {
    const v = randomVector(rng(3), 64);
    const forward = new FlatVectorIndex(64), backward = new FlatVectorIndex(64);
    for (let id = 1; id <= 500; id++) forward.add(id, v);
    for (let id = 500; id >= 1; id--) backward.add(id, v);
    const expected = Array.from({ length: 10 }, (_, i) => i + 1);
    assert.deepEqual(forward.topK(v, 10).map(([id]) => id), expected);
    assert.deepEqual(backward.topK(v, 10).map(([id]) => id), expected);
  });

  it('holds one row per text: documents share it, an unused one stays until pruned, oldest first', () => {
    const index = new FlatVectorIndex(2);
    index.put('x', [1, 0]);
    index.put('y', [0, 1]);
    index.put('z', [1, 1]);
    index.put('x', [0, -1]); // a key keeps its vector
    for (const [doc, key] of [[1, 'x'], [2, 'x'], [3, 'x'], [4, 'y']] as const) assert.ok(index.attach(doc, key));
    assert.equal(index.attach(5, 'missing'), false);
    assert.deepEqual([index.count, index.vectorCount], [4, 3]);
    assert.deepEqual(index.topK([1, 0], 10).map(([id]) => id), [1, 2, 3, 4]);
    index.remove(1);
    assert.deepEqual(index.topK([1, 0], 10).map(([id]) => id), [2, 3, 4]);
    index.remove(3);
    index.remove(2);
    index.remove(4);
    assert.deepEqual(index.topK([1, 0], 10), [], 'an unused vector is no result');
    assert.deepEqual([index.count, index.vectorCount], [0, 3]);
    assert.equal(index.prune(() => 2), 0);
    const kept: string[] = [];
    index.forEach((v, key) => kept.push(`${key}:${v[0].toFixed(2)}`));
    assert.deepEqual(kept, ['y:0.00', 'z:0.71'], 'the oldest unused vector goes first');
    index.put('w', [-1, 0]); // reuses the freed row
    assert.ok(index.attach(9, 'w'));
    assert.deepEqual(index.topK([-1, 0], 1), [[9, 1]]);
  });

  it('filters during the scan, answers Orama\'s find with a threshold, and returns fewer than k when there are fewer', () => {
    const index = new FlatVectorIndex(2);
    index.add(1, [1, 0]);
    index.add(2, [0, 1]);
    index.add(3, [1, 1]);
    assert.deepEqual(index.topK([1, 0], 10, (id) => id !== 1).map(([id]) => id), [3, 2]);
    assert.deepEqual(index.find([1, 0], 0.5).map(([id]) => id), [1, 3]);
    assert.deepEqual(index.find([1, 0], -1, [2]).map(([id]) => id), [2]);
    index.add(1, [0, -1]); // replaces the row
    const [[best, score]] = index.topK([1, 0], 1);
    assert.equal(best, 3);
    assert.ok(Math.abs(score - Math.SQRT1_2) < 1e-3); // half precision
    assert.equal(index.count, 3);
  });
});

describe('ChunkIndex', () => {
  const record = (id: string, kind: ChunkRecord['kind'], text: string): ChunkRecord => ({
    id, root: '/r', rel: `${id}.md`, kind, title: '', text, startLine: 1, endLine: 1, lang: 'en', fileLanguage: 'markdown', hash: id,
  });

  it('finds by vector with a kind filter, keeps Orama\'s own vector search working, and forgets removed chunks', async () => {
    const index = new ChunkIndex(3);
    const vectors: Record<string, Float32Array> = { a: Float32Array.of(1, 0, 0), b: Float32Array.of(0.9, 0.1, 0), c: Float32Array.of(0, 0, 1) };
    for (const [hash, v] of Object.entries(vectors)) index.putVector(hash, v);
    await index.add([record('a', 'markdown', 'alpha'), record('b', 'comment', 'beta'), record('c', 'markdown', 'gamma')]);
    assert.deepEqual(index.vectorSearch(Float32Array.of(1, 0, 0), 3).map((h) => h.id), ['a', 'b', 'c']);
    assert.deepEqual(index.vectorSearch(Float32Array.of(1, 0, 0), 3, { kinds: ['comment'] }).map((h) => h.id), ['b']);
    const orama = await search((index as unknown as { db: Parameters<typeof search>[0] }).db, { mode: 'vector', vector: { value: [1, 0, 0], property: 'embedding' }, similarity: 0.5 });
    assert.deepEqual(orama.hits.map((h) => h.id), ['a', 'b']);
    await index.remove(['a']);
    assert.equal(index.count, 2);
    assert.deepEqual(index.vectorSearch(Float32Array.of(1, 0, 0), 3).map((h) => h.id), ['b', 'c']);
    assert.deepEqual((await index.fullTextSearch('alpha', 3)).map((h) => h.id), []);
    assert.ok(Math.abs(index.vectorOf('b')![0] - 0.9 / Math.hypot(0.9, 0.1)) < 1e-3); // half precision
  });

  it('answers vector searches at once after a load, and full-text searches once the words are indexed', async () => {
    const index = new ChunkIndex(8);
    const records = Array.from({ length: 3000 }, (_, i) => record(`c${i}`, 'markdown', `chunk number ${i} about topic${i % 10}`));
    const vectors = new Map(records.map((r) => [r.hash, Float32Array.from({ length: 8 }, (_, j) => (j === Number(r.id.slice(1)) % 8 ? 1 : 0.01))]));
    index.load(records, vectors);
    let wordsReady = false;
    void index.fullTextReady.then(() => { wordsReady = true; });
    const hits = index.vectorSearch(Float32Array.of(0, 0, 1, 0, 0, 0, 0, 0), 5);
    assert.equal(hits.length, 5);
    assert.ok(hits.every((h) => Number(h.id.slice(1)) % 8 === 2));
    assert.equal(wordsReady, false, 'the words are still being indexed');
    const words = await index.fullTextSearch('topic7', 500);
    assert.equal(words.length, 300);
    assert.ok(wordsReady);
  });
});

describe('ChunkIndex.wordScores', () => {
  const record = (id: string, title: string, text: string): ChunkRecord => ({
    id, root: '/w', rel: `${id}.md`, kind: 'markdown', title, text, startLine: 1, endLine: 1, lang: 'en', fileLanguage: 'markdown', hash: `h-${id}`,
  });
  const r = rng(5);
  const WORDS = ['deploy', 'deployment', 'server', 'image', 'database', 'connection', 'cache', '데이터베이스', '연결을', '서버에', '数据库连接', 'config'];
  const pick = () => WORDS[Math.floor((r() + 0.5) * WORDS.length)];
  const records = Array.from({ length: 300 }, (_, i) => record(`c${i}`, `${pick()} ${pick()}`, `common words ${Array.from({ length: 3 + (i % 17) }, pick).join(' ')}${i % 100 === 7 ? ' zephyrine' : ''}`));

  const indexed = async () => {
    const index = new ChunkIndex(4);
    for (const c of records) index.putVector(c.hash, [1, 0, 0, 0]);
    await index.add(records);
    return index;
  };
  /** Orama's own full-text search (it matches query words as prefixes; these are the start of no other word). */
  const oramaScores = async (index: ChunkIndex, query: string) => new Map((await index.fullTextSearch(query, 1000)).map((h) => [h.id, h.score]));

  it('scores chunks by whole query words exactly as Orama\'s full-text search does', async () => {
    const index = await indexed();
    for (const query of ['the server image', 'common cache config', 'zephyrine database connection', 'words']) {
      const orama = await oramaScores(index, query);
      assert.ok(orama.size > 0, query);
      const ours = index.wordScores(fullTextTokens(query), undefined, [...orama.keys()], 0, 0);
      for (const [id, score] of orama) assert.ok(Math.abs(ours.get(id)! - score) < 1e-9 * score, `${query}: ${id} ${ours.get(id)} vs ${score}`);
      // With every word counted as rare, the extra candidates are the chunks holding a query word.
      const extra = index.wordScores(fullTextTokens(query), undefined, [], 1000, Infinity);
      assert.deepEqual([...extra.keys()].sort(), [...orama.keys()].sort(), query);
      for (const [id, score] of extra) assert.ok(Math.abs(score - orama.get(id)!) < 1e-9 * score, `${query}: ${id}`);
    }
  });

  it('lets the word being typed match the words it begins, unless it begins too many', async () => {
    const index = await indexed();
    await index.add(Array.from({ length: 70 }, (_, i) => record(`z${i}`, '', `item zz${i}`)));
    const typed = index.wordScores(fullTextTokens('image zeph'), 'zeph', ['c7', 'c8'], 0, 0);
    const whole = index.wordScores(fullTextTokens('image zephyrine'), undefined, ['c7', 'c8'], 0, 0);
    assert.ok(Math.abs(typed.get('c7')! - whole.get('c7')!) < 1e-9, '"zeph" counts as "zephyrine"');
    assert.equal(typed.get('c8'), whole.get('c8'));
    const ids = Array.from({ length: 70 }, (_, i) => `z${i}`);
    const zz1 = index.wordScores(['zz1'], 'zz1', ids, 0, 0);
    assert.deepEqual(ids.filter((id) => zz1.get(id)! > 0), ['z1', 'z10', 'z11', 'z12', 'z13', 'z14', 'z15', 'z16', 'z17', 'z18', 'z19'], '"zz1" and the ten words it begins');
    const zz = index.wordScores(['zz'], 'zz', ids, 0, 0);
    assert.ok([...zz.values()].every((x) => x === 0), '"zz" begins 70 words: too many to count');
  });

  it('adds the chunks of the rare query words only, and scores them by all the words', async () => {
    const index = await indexed();
    const terms = fullTextTokens('common zephyrine');
    const found = index.wordScores(terms, undefined, [], 10, 10);
    assert.deepEqual([...found.keys()].sort(), ['c107', 'c207', 'c7'], '"common" is in every chunk, "zephyrine" in three');
    const full = index.wordScores(terms, undefined, ['c7'], 0, 0).get('c7')!;
    assert.equal(found.get('c7'), full, 'the score counts "common" too');
    assert.ok(full > index.wordScores(fullTextTokens('zephyrine'), undefined, ['c7'], 0, 0).get('c7')!);
  });
});
