import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadSnapshot, saveSnapshot, type LoadResult } from '../../src/node/index/persist';
import { generation, hashOf } from './fixtures/saveLoop';
import { repoRoot, tempDir } from './helpers';

const expected = { modelId: 'm', dim: 64 };

describe('index persistence', () => {
  it('round-trips chunks and binary vectors', async () => {
    const dir = tempDir();
    const snap = generation(3, 500);
    (snap.vectors as Map<string, Float32Array>).get(hashOf(7))![5] = -0.125;
    await saveSnapshot(dir, snap);
    const res = await loadSnapshot(dir, expected);
    assert.equal(res.status, 'loaded');
    if (res.status !== 'loaded') return;
    assert.equal(res.snapshot.chunks.length, 500);
    assert.deepEqual(res.snapshot.chunks[42], snap.chunks[42]);
    assert.equal(res.snapshot.vectors.get(hashOf(7))![5], -0.125);
    assert.equal(res.snapshot.vectors.get(hashOf(8))![5], 3);
    const vectorsFile = readdirSync(dir).find((n) => n.startsWith('vectors-'))!;
    assert.equal(readFileSync(path.join(dir, vectorsFile)).length, 500 * 64 * 2, 'vectors are stored as raw float16');
  });

  it('keeps the vectors no chunk has any more, after those of the chunks, oldest first', async () => {
    const dir = tempDir();
    const snap = generation(1, 10, 8);
    const vectors = snap.vectors as Map<string, Float32Array>;
    vectors.set(hashOf('unused-old'), new Float32Array(8).fill(-2));
    vectors.set(hashOf('unused-new'), new Float32Array(8).fill(-4));
    vectors.delete(hashOf(3));
    vectors.set(hashOf(3), new Float32Array(8).fill(1)); // a chunk's vector, last in the map
    await saveSnapshot(dir, snap);
    const res = await loadSnapshot(dir, { modelId: 'm', dim: 8 });
    assert.equal(res.status, 'loaded');
    if (res.status !== 'loaded') return;
    const order: string[] = [];
    res.snapshot.vectors.forEach((v, h) => order.push(`${h}=${v[0]}`));
    assert.deepEqual(order, [...Array.from({ length: 10 }, (_, i) => `${hashOf(i)}=1`), `${hashOf('unused-old')}=-2`, `${hashOf('unused-new')}=-4`]);
  });

  it('saves chunks whose text has no vector yet without a row, and loads them waiting for it', async () => {
    const dir = tempDir();
    const snap = generation(1, 10, 8);
    const vectors = snap.vectors as Map<string, Float32Array>;
    vectors.delete(hashOf(2));
    vectors.delete(hashOf(5));
    vectors.set(hashOf('unused'), new Float32Array(8).fill(-2));
    await saveSnapshot(dir, snap);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    assert.equal(manifest.vectorCount, 9, '8 chunks\' texts and the unused one');
    const res = await loadSnapshot(dir, { modelId: 'm', dim: 8 });
    assert.equal(res.status, 'loaded');
    if (res.status !== 'loaded') return;
    assert.equal(res.snapshot.chunks.length, 10);
    assert.deepEqual([res.snapshot.vectors.has(hashOf(2)), res.snapshot.vectors.has(hashOf(5)), res.snapshot.vectors.get(hashOf(3))![0]], [false, false, 1]);
    assert.equal(res.snapshot.vectors.get(hashOf('unused'))![0], -2);
    // Once every text has its vector, the metadata is what it always was (no list of waiting texts).
    vectors.set(hashOf(2), new Float32Array(8).fill(1));
    vectors.set(hashOf(5), new Float32Array(8).fill(1));
    await saveSnapshot(dir, snap);
    const meta = JSON.parse(readFileSync(path.join(dir, JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')).meta.name), 'utf8'));
    assert.equal(meta.waitingHashes, undefined);
  });

  it('reports an empty folder as empty, and keeps one generation of files', async () => {
    const dir = tempDir();
    assert.equal((await loadSnapshot(dir, expected)).status, 'empty');
    await saveSnapshot(dir, generation(1, 10));
    await saveSnapshot(dir, generation(2, 10));
    assert.equal(readdirSync(dir).length, 3, readdirSync(dir).join(', '));
  });

  it('refuses another model, another dimension and damaged files, saying why', async () => {
    const dir = tempDir();
    await saveSnapshot(dir, generation(1, 100));
    const reason = async () => {
      const r = await loadSnapshot(dir, expected);
      return r.status === 'invalid' ? r.reason : r.status;
    };
    assert.match((await loadSnapshot(dir, { modelId: 'other', dim: 64 }) as { reason: string }).reason, /another model/);
    assert.match((await loadSnapshot(dir, { modelId: 'm', dim: 384 }) as { reason: string }).reason, /64-dimensional/);

    const vectorsFile = path.join(dir, readdirSync(dir).find((n) => n.startsWith('vectors-'))!);
    const good = readFileSync(vectorsFile);
    const flipped = Buffer.from(good);
    flipped[1000] ^= 0xff;
    writeFileSync(vectorsFile, flipped);
    assert.match(await reason(), /checksum/);
    writeFileSync(vectorsFile, good.subarray(0, good.length - 4));
    assert.match(await reason(), /bytes, the manifest says/);
    unlinkSync(vectorsFile);
    assert.match(await reason(), /damaged .*ENOENT/);
    writeFileSync(path.join(dir, 'manifest.json'), '{"format": 1, "modelId": "m", "dim": 64, "meta": {');
    assert.match(await reason(), /damaged/);
  });

  it('leaves the previous index loadable when the process is killed during a save', async () => {
    const dir = tempDir();
    const delays = [0, 15, 40, 90, 160, 260];
    const seen = new Set<number>();
    for (const [trial, delay] of delays.entries()) {
      // Killed `delay` ms after its save of generation `trial` completed: somewhere in the next save.
      const child = saveLoop(dir, 20_000);
      await child.saved(trial);
      await new Promise((r) => setTimeout(r, delay));
      child.process.kill('SIGKILL');
      await new Promise((r) => child.process.once('exit', r));
      const res = await loadSnapshot(dir, expected);
      assert.equal(res.status, 'loaded', `killed ${delay} ms after save ${trial}: ${res.status === 'invalid' ? res.reason : res.status}`);
      if (res.status !== 'loaded') return;
      const g = wholeGeneration(res);
      assert.ok(g >= trial, `generation ${g} after save ${trial}`);
      seen.add(g);
    }
    assert.ok(seen.size >= 2, `kills landed at different generations (${[...seen].join(', ')})`);
  });

  it('never shows a reader a damaged index while a writer replaces it again and again', async () => {
    const dir = tempDir();
    const writer = saveLoop(dir, 2000);
    try {
      await writer.saved(0);
      const generations = new Set<number>();
      for (let i = 0; i < 40; i++) {
        const res = await loadSnapshot(dir, expected);
        assert.equal(res.status, 'loaded', `read ${i}: ${res.status === 'invalid' ? res.reason : res.status}`);
        if (res.status === 'loaded') generations.add(wholeGeneration(res));
      }
      assert.ok(generations.size > 1, 'the writer saved while the reader read');
    } finally {
      writer.process.kill('SIGKILL');
    }
  });

  it('removes what a save wrote when it may not finish (another writer took the store), and keeps the previous index', async () => {
    const dir = tempDir();
    await saveSnapshot(dir, generation(1, 100));
    const before = readdirSync(dir).sort();
    await assert.rejects(saveSnapshot(dir, generation(2, 100), { verifyWriter: async () => { throw new Error('the lock was lost'); } }), /the lock was lost/);
    assert.deepEqual(readdirSync(dir).sort(), before, 'nothing of the failed save is left');
    const res = await loadSnapshot(dir, expected);
    assert.equal(res.status === 'loaded' && wholeGeneration(res), 1);
  });
});

/** The generation a loaded fixture snapshot is, checking that every chunk and vector comes from it. */
function wholeGeneration(res: LoadResult): number {
  assert.equal(res.status, 'loaded');
  if (res.status !== 'loaded') return -1;
  const text = res.snapshot.chunks[0].text;
  const g = Number(text.slice(4));
  assert.ok(res.snapshot.chunks.every((c) => c.text === text), 'all chunks come from one generation');
  res.snapshot.vectors.forEach((v) => assert.ok(v.every((x) => x === g), 'vectors come from the same generation'));
  return g;
}

/** test/unit/fixtures/saveLoop.ts in a child process, and a way to wait for its save of a generation. */
function saveLoop(dir: string, n: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures/saveLoop.ts'), dir, String(n)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const waiting: { g: number; resolve: () => void }[] = [];
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiting.filter((x) => out.includes(`saved ${x.g}\n`))) w.resolve();
  });
  return {
    process: child,
    saved: (g: number) => new Promise<void>((resolve) => {
      if (out.includes(`saved ${g}\n`)) resolve();
      else waiting.push({ g, resolve });
    }),
  };
}
