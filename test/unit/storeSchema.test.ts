import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Engine } from '../../src/node/engine';
import { sha256 } from '../../src/node/hash';
import { loadSnapshot, saveSnapshot } from '../../src/node/index/persist';
import { isRelativeInside, parseManifest, parseMeta } from '../../src/node/index/storeSchema';
import { startWorker } from '../../src/node/startWorker';
import { generation, hashOf } from './fixtures/saveLoop';
import { models, tempDir, workerPath, writeTree } from './helpers';

/* eslint-disable @typescript-eslint/no-explicit-any -- the tests write what a damaged or hostile file may hold */
type Json = any;
interface Edit {
  manifest?: (m: Json) => void;
  meta?: (m: Json) => void;
  vectors?: (halves: Uint16Array) => Uint16Array;
}

/**
 * Edits the index files in `dir` as another program could, and writes the checksums and sizes of the edited
 * files into the manifest, so that only the validation of their content can find the problem.
 */
function tamper(dir: string, edit: Edit): void {
  const manifestPath = path.join(dir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const rewrite = (entry: { name: string; bytes: number; sha256: string }, bytes: Buffer) => {
    writeFileSync(path.join(dir, entry.name), bytes);
    Object.assign(entry, { bytes: bytes.length, sha256: sha256(bytes) });
  };
  if (edit.meta) {
    const meta = JSON.parse(readFileSync(path.join(dir, manifest.meta.name), 'utf8'));
    edit.meta(meta);
    rewrite(manifest.meta, Buffer.from(JSON.stringify(meta)));
  }
  if (edit.vectors) {
    const bytes = readFileSync(path.join(dir, manifest.vectors.name));
    const halves = edit.vectors(new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)));
    rewrite(manifest.vectors, Buffer.from(halves.buffer, halves.byteOffset, halves.byteLength));
  }
  edit.manifest?.(manifest);
  writeFileSync(manifestPath, JSON.stringify(manifest));
}

/** A fixture index of 20 chunks (one per file, 8 dimensions) edited by `edit`, loaded. */
async function loadTampered(edit: Edit) {
  const dir = tempDir();
  await saveSnapshot(dir, generation(1, 20, 8));
  tamper(dir, edit);
  return loadSnapshot(dir, { modelId: 'm', dim: 8 });
}

/** Moves file 0 and its chunk to `rel`. */
const moveFile0 = (rel: string) => (m: Json) => { m.files[0].rel = rel; m.chunks[0].rel = rel; };

const INVALID: [rule: string, edit: Edit, reason: RegExp][] = [
  // The manifest
  ['a count of the manifest is text', { manifest: (m) => { m.dim = '8'; } }, /manifest is not valid \(dim: should be a number\)/],
  ['a count is negative', { manifest: (m) => { m.chunkCount = -1; } }, /chunkCount: should not be negative/],
  ['a count is not whole', { manifest: (m) => { m.vectorCount = 2.5; } }, /vectorCount: should be a whole number/],
  ['a field is missing', { manifest: (m) => { delete m.modelId; } }, /modelId: is missing/],
  ['the save time is not a date', { manifest: (m) => { m.savedAt = 'yesterday'; } }, /savedAt: should be a date and time/],
  ['a data file name leaves the folder', { manifest: (m) => { m.meta.name = '../../etc/passwd'; } }, /meta\.name: should be a meta-<generation>\.json file name/],
  ['a checksum is not a SHA-256 hash', { manifest: (m) => { m.vectors.sha256 = 'abc'; } }, /vectors\.sha256: should be a SHA-256 hash/],
  ['the chunk count differs from the metadata', { manifest: (m) => { m.chunkCount = 21; } }, /holds 20 chunks, the manifest says 21/],
  ['the vector count differs from the metadata', { manifest: (m) => { m.vectorCount = 19; } }, /describes 20 vectors, the manifest says 19/],
  // Types of the metadata
  ['a line number is text', { meta: (m) => { m.chunks[0].startLine = '1'; } }, /metadata is not valid \(chunks\.0\.startLine: should be a number\)/],
  ['the file list is not a list', { meta: (m) => { m.files = {}; } }, /files: should be a list/],
  ['a chunk text is a number', { meta: (m) => { m.chunks[0].text = 5; } }, /chunks\.0\.text: should be text/],
  ['a chunk is not an object', { meta: (m) => { m.chunks[0] = '../../etc/passwd'; } }, /chunks\.0: should be Object/],
  // Paths
  ['a path climbs out of its folder', { meta: moveFile0('../../etc/passwd') }, /files\.0\.rel: should be a relative path inside its folder/],
  ['a path climbs out in the middle', { meta: moveFile0('docs/../../secret.md') }, /should be a relative path inside its folder/],
  ['a path is absolute', { meta: moveFile0('/etc/passwd') }, /should be a relative path inside its folder/],
  ['a path holds a NUL', { meta: moveFile0('a\0.md') }, /should be a relative path inside its folder/],
  ['a path has an empty segment', { meta: moveFile0('a//b.md') }, /should be a relative path inside its folder/],
  ['a skipped path climbs out', { meta: (m) => { m.skipped = [{ path: '../x.md', reason: 'binary file' }]; } }, /skipped\.0\.path: should be a relative path/],
  ['a root is relative', { meta: (m) => { m.roots = ['r']; } }, /roots\.0: should be an absolute folder path/],
  ['a root is not normalised', { meta: (m) => { m.roots = ['/r/../etc']; } }, /roots\.0: should be an absolute folder path/],
  // Consistency
  ['two chunks have one id', { meta: (m) => { m.chunks[1].id = 'c0'; } }, /chunks\[1\]\.id is used twice/],
  ['a file names a chunk that is not there', { meta: (m) => { m.files[0].chunkIds.push('nope'); } }, /files\[0\]\.chunkIds names a chunk that is not there/],
  ['a file names a chunk of another file', { meta: (m) => { m.files[0].chunkIds.push('c1'); } }, /files\[0\]\.chunkIds names a chunk of another file/],
  ['a chunk belongs to no file', { meta: (m) => { m.files[0].chunkIds = []; } }, /a chunk belongs to no file/],
  ['a chunk is of a folder not indexed', { meta: (m) => { m.chunks[0].root = '/elsewhere'; } }, /chunks\[0\]\.root is not one of the indexed folders/],
  ['a file is of a folder not indexed', { meta: (m) => { m.files[0].root = '/elsewhere'; } }, /files\[0\]\.root is not one of the indexed folders/],
  ['a chunk kind is not one of the kinds', { meta: (m) => { m.chunks[0].kind = 'html'; } }, /chunks\.0\.kind: should be "markdown" or "comment"/],
  ['a line number is 0', { meta: (m) => { m.chunks[0].startLine = 0; } }, /chunks\.0\.startLine: should be a line number \(from 1\)/],
  ['a chunk ends before it starts', { meta: (m) => { m.chunks[0].startLine = 5; m.chunks[0].endLine = 4; } }, /chunks\.0\.endLine: should not end before it starts/],
  ['a text hash is not a SHA-256 hash', { meta: (m) => { m.chunks[0].hash = 'h0'; } }, /chunks\.0\.hash: should be a SHA-256 hash/],
  ['a kept vector repeats a chunk\'s', { meta: (m) => { m.unusedHashes = [hashOf(0)]; } }, /unusedHashes lists a text twice/],
  ['a text waits twice', { meta: (m) => { m.waitingHashes = [hashOf(0), hashOf(0)]; } }, /waitingHashes lists a text twice/],
  ['a text no chunk has waits', { meta: (m) => { m.waitingHashes = [hashOf('other')]; } }, /waitingHashes lists a text no chunk has/],
  ['a waiting text is not a hash', { meta: (m) => { m.waitingHashes = ['h0']; } }, /waitingHashes\.0: should be a SHA-256 hash/],
  ['a waiting text still has its row', { meta: (m) => { m.waitingHashes = [hashOf(0)]; } }, /describes 19 vectors, the manifest says 20/],
  ['an embedded text is not text', { meta: (m) => { m.chunks[0].embedText = 5; } }, /chunks\.0\.embedText: should be text/],
  // Vectors
  ['a vector holds NaN', { vectors: (h) => { h[3 * 8 + 2] = 0x7e00; return h; } }, /vector of row 3 holds a value that is not a finite number/],
  ['a vector holds -Infinity', { vectors: (h) => { h[5] = 0xfc00; return h; } }, /vector of row 0 holds a value that is not a finite number/],
  ['the vectors file is a row short', { vectors: (h) => h.slice(0, h.length - 8) }, /vectors file has 304 bytes, its manifest needs 320/],
];

describe('what the store reads is validated', () => {
  for (const [rule, edit, reason] of INVALID) {
    it(`refuses an index where ${rule}, saying why`, async () => {
      const res = await loadTampered(edit);
      assert.equal(res.status, 'invalid');
      if (res.status !== 'invalid') return;
      assert.match(res.reason, reason);
      assert.doesNotMatch(res.reason, /etc\/passwd|received/, 'the value found is never repeated');
    });
  }

  it('accepts what a workspace may really hold: folders named "..x", file names with backslashes (outside Windows), empty texts', async () => {
    const res = await loadTampered({ meta: (m) => { moveFile0('..x/..y/a.md')(m); m.files[1].rel = m.chunks[1].rel = 'a\\b.md'; m.chunks[2].text = ''; m.chunks[2].title = ''; } });
    assert.equal(res.status, 'loaded', res.status === 'invalid' ? res.reason : '');
  });

  it('accepts an index whose chunks wait for their vectors (a checkpoint), their rows left out', async () => {
    const res = await loadTampered({ meta: (m) => { m.waitingHashes = [hashOf(0)]; }, manifest: (m) => { m.vectorCount = 19; }, vectors: (h) => h.slice(8) });
    assert.equal(res.status, 'loaded', res.status === 'invalid' ? res.reason : '');
    if (res.status !== 'loaded') return;
    assert.deepEqual([res.snapshot.vectors.has(hashOf(0)), res.snapshot.vectors.rowCount], [false, 19]);
  });

  it('refuses an index without a model whose texts wait for vectors (none will ever come)', () => {
    const manifest = parseManifest({ format: 2, modelId: 'none', dim: 0, chunkCount: 1, vectorCount: 0, savedAt: new Date().toISOString(),
      meta: { name: 'meta-a.json', bytes: 0, sha256: hashOf(0) }, vectors: { name: 'vectors-a.f16', bytes: 0, sha256: hashOf(0) } });
    assert.ok('manifest' in manifest);
    if (!('manifest' in manifest)) return;
    const chunk = { id: 'c0', root: '/r', rel: 'a.md', kind: 'markdown', title: '', text: 'x', startLine: 1, endLine: 1, lang: 'en', fileLanguage: 'markdown', hash: hashOf(0) };
    const file = { root: '/r', rel: 'a.md', size: 1, mtimeMs: 1, contentHash: hashOf(1), language: 'markdown', chunkIds: ['c0'] };
    const meta = { roots: ['/r'], files: [file], chunks: [chunk], skipped: [], unusedHashes: [] };
    assert.ok('meta' in parseMeta(meta, manifest.manifest, false));
    assert.match((parseMeta({ ...meta, waitingHashes: [hashOf(0)] }, manifest.manifest, false) as { reason: string }).reason, /an index without a model lists texts waiting for vectors/);
  });

  it('tells a path inside its folder segment by segment (property, fixed seed)', () => {
    // The definition, written plainly: no empty, '.' or '..' segment between the slashes, no NUL.
    const inside = (rel: string) => !!rel && !rel.includes('\0') && rel.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', '.', '/', 'x', '\0'), maxLength: 12 }), (rel) => isRelativeInside(rel, false) === inside(rel)), { seed: 9, numRuns: 5000 });
  });

  it('treats a backslash as a separator on Windows', () => {
    assert.equal(isRelativeInside('docs\\..\\..\\x.md', false), true, 'one odd file name on Linux and macOS');
    assert.equal(isRelativeInside('docs\\..\\..\\x.md', true), false);
    assert.equal(isRelativeInside('C:x.md', true), false);
    assert.equal(isRelativeInside('docs/a.md', true), true);
    const manifest = parseManifest({ format: 2, modelId: 'm', dim: 0, chunkCount: 0, vectorCount: 0, savedAt: new Date().toISOString(),
      meta: { name: 'meta-a.json', bytes: 0, sha256: hashOf(0) }, vectors: { name: 'vectors-a.f16', bytes: 0, sha256: hashOf(0) } });
    assert.ok('manifest' in manifest);
    if (!('manifest' in manifest)) return;
    const meta = { roots: ['C:\\r'], files: [], chunks: [], skipped: [{ path: 'a\\..\\..\\b.md', reason: 'x' }], unusedHashes: [] };
    assert.match((parseMeta(meta, manifest.manifest, true) as { reason: string }).reason, /skipped\.0\.path/);
    assert.ok('meta' in parseMeta({ ...meta, skipped: [] }, manifest.manifest, true), 'C:\\r is an absolute root on Windows');
  });
});

describe('an engine on an index that is not valid', () => {
  const root = tempDir();
  writeTree(root, { 'a.md': '# Database\n\nThe database connection.\n', 'b.md': '# Cache\n\nThe cache.\n' });

  async function indexedStore(): Promise<string> {
    const store = tempDir();
    const engine = await Engine.open({ modelDir: models.tiny, storeDir: store, threads: 1 });
    await engine.index({ roots: [root] });
    await engine.dispose();
    return store;
  }

  for (const [what, edit] of [
    ['a file list that is not a list', { meta: (m: Json) => { m.files = {}; } }],
    ['a chunk text that is a number', { meta: (m: Json) => { m.chunks[0].text = 5; } }],
  ] as const) {
    it(`opens with ${what} (valid checksums), says why, and rebuilds it`, async () => {
      const store = await indexedStore();
      tamper(store, edit);
      const engine = await Engine.open({ modelDir: models.tiny, storeDir: store, threads: 1 });
      try {
        assert.match(engine.info().storeProblem ?? '', /metadata is not valid/);
        assert.equal(engine.info().chunks, 0, 'nothing of it is used');
        const s = await engine.index({ roots: [root] });
        assert.match(s.rebuiltBecause ?? '', /metadata is not valid/);
        assert.equal(s.files, 2);
        assert.equal((await engine.search('database', { mode: 'fulltext' })).hits[0].path, 'a.md');
      } finally {
        await engine.dispose();
      }
    });
  }

  it('never shows a path read from disk that leaves the workspace', async () => {
    const store = await indexedStore();
    tamper(store, { meta: moveFile0('../../etc/passwd') });
    const engine = await Engine.open({ modelDir: models.tiny, storeDir: store, threads: 1 });
    try {
      assert.match(engine.info().storeProblem ?? '', /should be a relative path inside its folder/);
      for (const mode of ['fulltext', 'vector', 'hybrid'] as const) {
        assert.deepEqual((await engine.search('database cache', { mode })).hits.map((h) => h.path), []);
      }
    } finally {
      await engine.dispose();
    }
  });

  it('keeps the worker running: it starts, answers, and rebuilds', async () => {
    const store = await indexedStore();
    tamper(store, { meta: (m) => { m.files = {}; } });
    const { client, stop } = startWorker({ modelDir: models.tiny, storeDir: store, threads: 1 }, { workerFile: workerPath });
    try {
      await client.ready;
      assert.match((await client.call('info', {})).storeProblem ?? '', /files: should be a list/);
      const s = await client.call('index', { roots: [root] });
      assert.equal(s.files, 2);
      assert.match(s.rebuiltBecause ?? '', /files: should be a list/);
    } finally {
      await stop();
    }
  });
});
