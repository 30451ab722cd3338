// A model is known by the content of its files: new weights of the same size are another model, and an
// unchanged model is recognised from a cache of its files' hashes without reading them again.
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { resolveModelFiles } from '../../src/node/embed/embedder';
import { MODEL_HASH_CACHE } from '../../src/node/embed/modelHashCache';
import { Engine } from '../../src/node/engine';
import { models, tempDir, writeTree } from './helpers';

const ONNX = 'onnx/model_quantized.onnx';

/** A copy of the concept model, so that its files can be changed. */
function modelCopy(): string {
  const dir = path.join(tempDir(), 'model');
  cpSync(models.concept, dir, { recursive: true, dereference: true });
  return dir;
}

/** Changes one byte of the weights and puts the old modification time back, as `cp -p` or rsync would. */
function newWeightsOfTheSameSize(dir: string): void {
  const file = path.join(dir, ONNX);
  const { size, atime, mtime } = statSync(file);
  const bytes = readFileSync(file);
  bytes[Math.floor(size * 0.6)] ^= 1;
  writeFileSync(file, bytes);
  utimesSync(file, atime, mtime);
  assert.equal(statSync(file).size, size);
  assert.ok(Math.abs(statSync(file).mtimeMs - mtime.getTime()) < 1);
}

/** What resolveModelFiles reads of `dir` with the hash cache in `cacheDir`: the id, and the bytes it had to read. */
const resolve = (dir: string, cacheDir: string) => {
  const { id, hashedBytes } = resolveModelFiles(dir, { cacheDir });
  return { id, hashedBytes };
};

const sizeOf = (dir: string, ...files: string[]) => files.reduce((n, f) => n + statSync(path.join(dir, f)).size, 0);

describe('model identity', () => {
  it('is another model when the weights change but not their size, and the index is rebuilt', async () => {
    const model = modelCopy();
    const root = tempDir();
    writeTree(root, { 'a.md': '# Setup\n\nConfigure the database connection.\n' });
    const store = path.join(tempDir(), 'store');
    const first = await Engine.open({ modelDir: model, storeDir: store, threads: 1 });
    await first.index({ roots: [root] });
    await first.dispose();

    newWeightsOfTheSameSize(model);
    const second = await Engine.open({ modelDir: model, storeDir: store, threads: 1 });
    try {
      assert.notEqual(second.modelInfo.id, first.modelInfo.id);
      const s = await second.index({ roots: [root] });
      assert.match(s.rebuiltBecause ?? '', /built with another model/);
      assert.equal(s.embedded, s.chunks, 'every vector made again with the new weights');
    } finally {
      await second.dispose();
    }
  });

  it('reads an unchanged model once: later starts take its hashes from the cache in the index folder', () => {
    const model = modelCopy();
    const cacheDir = tempDir();
    const all = sizeOf(model, 'config.json', 'tokenizer.json', ONNX);
    const cold = resolve(model, cacheDir);
    assert.equal(cold.hashedBytes, all);
    assert.deepEqual(resolve(model, cacheDir), { id: cold.id, hashedBytes: 0 }, 'nothing read again');
    assert.deepEqual(resolveModelFiles(model), { ...resolveModelFiles(model), id: cold.id, hashedBytes: all }, 'without the cache: read, same id');

    // A file touched (same content) is read again, and only that one; the id stays.
    const config = path.join(model, 'config.json');
    utimesSync(config, new Date(), new Date(Date.now() + 5000));
    assert.deepEqual(resolve(model, cacheDir), { id: cold.id, hashedBytes: sizeOf(model, 'config.json') });

    // Changed weights of the same size and time: another id, however the cache says otherwise.
    newWeightsOfTheSameSize(model);
    const changed = resolve(model, cacheDir);
    assert.equal(changed.hashedBytes, sizeOf(model, ONNX));
    assert.notEqual(changed.id, cold.id);
  });

  it('is cached in the index folder by its writer only: a read-only engine reads the cache but leaves the folder as it is', async () => {
    const store = tempDir();
    const readOnly = await Engine.open({ modelDir: models.concept, storeDir: store, threads: 1, readOnly: true });
    await readOnly.dispose();
    assert.equal(existsSync(path.join(store, MODEL_HASH_CACHE)), false);
    const writer = await Engine.open({ modelDir: models.concept, storeDir: store, threads: 1 });
    await writer.dispose();
    assert.ok(existsSync(path.join(store, MODEL_HASH_CACHE)));
    assert.equal(resolveModelFiles(models.concept, { cacheDir: store, updateCache: false }).hashedBytes, 0);
  });

  it('ignores a damaged or forged cache file and writes a good one', () => {
    const model = modelCopy();
    const cacheDir = tempDir();
    const all = sizeOf(model, 'config.json', 'tokenizer.json', ONNX);
    const { id } = resolve(model, cacheDir);
    const cacheFile = path.join(cacheDir, MODEL_HASH_CACHE);
    const good = JSON.parse(readFileSync(cacheFile, 'utf8'));
    const entries = Object.entries(good.files as Record<string, { sha256: string }>);
    const bad: unknown[] = [
      'not json {', '[]', 'null', JSON.stringify({ ...good, version: 99 }),
      JSON.stringify({ ...good, files: Object.fromEntries(entries.map(([f, e]) => [f, { ...e, sha256: 'not a hash' }])) }),
      JSON.stringify({ ...good, files: Object.fromEntries(entries.map(([f, e]) => [f, { ...e, stamp: 42 }])) }),
      '{ "version": 1, "files": { "__proto__": { "polluted": true } } }',
    ];
    for (const text of bad) {
      writeFileSync(cacheFile, text as string);
      assert.deepEqual(resolve(model, cacheDir), { id, hashedBytes: all }, `cache file: ${String(text).slice(0, 80)}`);
      assert.deepEqual(JSON.parse(readFileSync(cacheFile, 'utf8')), good, 'rewritten');
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
