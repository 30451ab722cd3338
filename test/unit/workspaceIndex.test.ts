import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChunkRecord, FileRecord } from '../../src/node/index/records';
import { VectorStore } from '../../src/node/index/vectorStore';
import { WorkspaceIndex } from '../../src/node/index/workspaceIndex';

const record = (id: string, kind: ChunkRecord['kind'], text: string): ChunkRecord => ({
  id, root: '/r', rel: 'a.md', kind, title: '', text, startLine: 1, endLine: 1, lang: 'en', fileLanguage: 'markdown', hash: id,
});
const fileOf = (chunks: ChunkRecord[]): FileRecord => ({
  root: '/r', rel: 'a.md', size: 1, mtimeMs: 1, contentHash: 'x', language: 'markdown', chunkIds: chunks.map((c) => c.id),
});

describe('WorkspaceIndex', () => {
  it('finds by vector with a kind filter, and forgets removed chunks in vectors and words alike', async () => {
    const index = WorkspaceIndex.empty(3);
    const vectors: Record<string, Float32Array> = { a: Float32Array.of(1, 0, 0), b: Float32Array.of(0.9, 0.1, 0), c: Float32Array.of(0, 0, 1) };
    for (const [hash, v] of Object.entries(vectors)) index.vectors.put(hash, v);
    const chunks = [record('a', 'markdown', 'alpha'), record('b', 'comment', 'beta'), record('c', 'markdown', 'gamma')];
    await index.addFile(fileOf(chunks), chunks);
    assert.deepEqual(index.nearest(Float32Array.of(1, 0, 0), 3).map((h) => h.id), ['a', 'b', 'c']);
    assert.deepEqual(index.nearest(Float32Array.of(1, 0, 0), 3, ['comment']).map((h) => h.id), ['b']);
    await index.removeChunks(['a']);
    assert.deepEqual([index.chunks.size, index.vectors.chunkCount, index.fullText.chunkCount], [2, 2, 2]);
    assert.deepEqual(index.nearest(Float32Array.of(1, 0, 0), 3).map((h) => h.id), ['b', 'c']);
    assert.deepEqual((await index.fullText.search('alpha', 3)).map((h) => h.id), []);
    assert.ok(Math.abs(index.vectors.vectorOfChunk('b')![0] - 0.9 / Math.hypot(0.9, 0.1)) < 1e-3); // half precision
    assert.equal(index.vectors.rowCount, 3, 'the vector of the removed text stays until pruned');
  });

  it('answers vector searches at once after a load, and full-text searches once the words are indexed', async () => {
    const records = Array.from({ length: 3000 }, (_, i) => ({ ...record(`c${i}`, 'markdown', `chunk number ${i} about topic${i % 10}`), rel: `f${i}.md` }));
    const vectors = new VectorStore(8);
    for (const r of records) vectors.put(r.hash, Float32Array.from({ length: 8 }, (_, j) => (j === Number(r.id.slice(1)) % 8 ? 1 : 0.01)));
    const files = records.map((r) => ({ ...fileOf([r]), rel: r.rel }));
    const index = WorkspaceIndex.fromSnapshot({ modelId: 'm', dim: 8, roots: ['/r'], files, chunks: records, vectors, skipped: [] });
    assert.deepEqual([index.files.size, index.chunks.size, index.roots], [3000, 3000, ['/r']]);
    let wordsReady = false;
    void index.ready.then(() => { wordsReady = true; });
    const hits = index.nearest(Float32Array.of(0, 0, 1, 0, 0, 0, 0, 0), 5);
    assert.equal(hits.length, 5);
    assert.ok(hits.every((h) => Number(h.id.slice(1)) % 8 === 2));
    assert.equal(wordsReady, false, 'the words are still being indexed');
    const words = await index.fullText.search('topic7', 500);
    assert.equal(words.length, 300);
    assert.ok(wordsReady);
  });
});
