// A first index is useful from its first seconds: every file is searchable by its words before any meaning is
// embedded; meanings come in batch by batch, the open files first, with checkpoints saved as they come. The
// real engine and models, real files.
import assert from 'node:assert/strict';
import { utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { SearchResult } from '../../src/common/protocol/engine';
import { Engine } from '../../src/node/engine';
import { loadSnapshot } from '../../src/node/index/persist';
import { models, tempDir, writeTree } from './helpers';
import { assertSameAsFresh, fp32TinyModel } from './incrementalModel';

/**
 * The engine's test seam: holds a run before each embedding batch until it is opened. `held` resolves the
 * first time a run waits; `each` runs (awaited) every time, before the run waits.
 */
function gate(each: () => Promise<void> = async () => {}) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => { open = resolve; });
  let reached!: () => void;
  const held = new Promise<void>((resolve) => { reached = resolve; });
  return {
    seam: async () => {
      await each();
      reached();
      await opened;
    },
    held,
    open,
  };
}

const DAY = 24 * 3600_000;
/** Dates files as last changed `days` ago. */
function age(root: string, rels: string[], days: number): void {
  const then = new Date(Date.now() - days * DAY);
  for (const rel of rels) utimesSync(path.join(root, rel), then, then);
}

/** `n` Markdown sections of `words` words each, every one its own text. */
function sections(name: string, n: number, words: number): string {
  const vocabulary = ['database', 'server', 'cache', 'deploy', 'token', 'query', 'memory', 'network'];
  return Array.from({ length: n }, (_, i) => `## ${name} ${i}\n\n${Array.from({ length: words }, (_, j) => vocabulary[(i * 3 + j * 5) % 8]).join(' ')} ${name} ${i}.\n`).join('\n');
}

const hitList = (r: SearchResult) => r.hits.map((h) => `${h.path}:${h.startLine} ${h.score.toFixed(6)} ${h.similarity === undefined ? 'words' : 'meaning'}`);

describe('a first index: words first, meanings streamed', () => {
  it('makes every file searchable by its words, and saves them, before any meaning is embedded', async () => {
    const root = tempDir();
    const store = path.join(tempDir(), 'store');
    writeTree(root, {
      'docs/database.md': '# Guide\n\n## Configure the database connection\n\nSet the database connection in the configuration file.\n',
      'docs/long.md': sections('part', 40, 6),
    });
    const held = gate();
    const engine = await Engine.open({ modelDir: models.concept, storeDir: store, threads: 1, beforeEmbedBatch: held.seam });
    try {
      const run = engine.index({ roots: [root] });
      await held.held;
      const info = engine.info();
      assert.deepEqual([info.files, info.chunks, info.embeddedChunks], [2, 41, 0], 'every file is in, no meaning yet');
      const query = 'configuration file';
      const words = await engine.search(query, { mode: 'fulltext' });
      assert.equal(words.hits[0]?.path, 'docs/database.md', 'found by its words');
      for (const mode of ['hybrid', 'vector'] as const) {
        const r = await engine.search(query, { mode });
        assert.deepEqual(hitList(r), hitList(words), `${mode}: with no meaning yet, the full-text list`);
        assert.deepEqual(r.meanings, { embedded: 0, total: 41 });
      }
      const saved = await loadSnapshot(store, { modelId: engine.modelInfo.id });
      assert.equal(saved.status, 'loaded', 'the words are saved before the meanings are embedded');
      if (saved.status !== 'loaded') return;
      assert.deepEqual([saved.snapshot.chunks.length, saved.snapshot.vectors.rowCount], [41, 0]);
      held.open();
      const summary = await run;
      assert.deepEqual([summary.embedded, summary.waiting], [41, 0]);
      assert.equal(engine.info().embeddedChunks, 41);
      const after = await engine.search(query, { mode: 'hybrid' });
      assert.equal(after.meanings, undefined, 'every meaning is there');
      assert.ok(after.hits.every((h) => h.similarity !== undefined), 'every hit is ranked by meaning');
    } finally {
      await engine.dispose();
    }
  });

  it('embeds the open files first, then the recently changed ones, then the rest, shortest first, each checkpoint in that order', async () => {
    const root = tempDir();
    const store = path.join(tempDir(), 'store');
    const files = {
      'open.md': sections('open', 10, 40),
      'recent.md': sections('recent', 40, 12),
      'old/short.md': sections('short', 30, 3),
      'old/long.md': sections('long', 30, 30),
    };
    writeTree(root, files);
    age(root, ['open.md', 'old/short.md', 'old/long.md'], 30);
    /** Per checkpoint on disk, before each batch: which files' passages have their meaning, and how many. */
    const seen: Map<string, number>[] = [];
    const total = new Map(Object.entries(files).map(([rel, text]) => [rel, text.split('## ').length - 1]));
    const modelDir = models.concept;
    const record = gate(async () => {
      const saved = await loadSnapshot(store, { modelId: engine.modelInfo.id });
      assert.equal(saved.status, 'loaded');
      if (saved.status !== 'loaded') return;
      const embedded = new Map<string, number>();
      for (const c of saved.snapshot.chunks) if (saved.snapshot.vectors.has(c.hash)) embedded.set(c.rel, (embedded.get(c.rel) ?? 0) + 1);
      seen.push(embedded);
    });
    record.open();
    const engine = await Engine.open({ modelDir, storeDir: store, threads: 1, checkpointMs: 0, beforeEmbedBatch: record.seam });
    try {
      const summary = await engine.index({ roots: [root], priorityPaths: [path.join(root, 'open.md')] });
      assert.deepEqual([summary.embedded, summary.waiting], [110, 0]);
    } finally {
      await engine.dispose();
    }
    assert.equal(seen.length, 4, 'a checkpoint before each of the 4 batches (the words, then 3 of meanings)');
    assert.deepEqual([...seen[0]], [], 'the first save holds words only');
    const done = (at: Map<string, number>, rel: string) => at.get(rel) === total.get(rel);
    for (const [i, at] of seen.entries()) {
      const some = (rel: string) => (at.get(rel) ?? 0) > 0;
      if (some('recent.md')) assert.ok(done(at, 'open.md'), `checkpoint ${i}: the open file before the recently changed one`);
      if (some('old/short.md') || some('old/long.md')) assert.ok(done(at, 'recent.md'), `checkpoint ${i}: the recently changed file before older ones`);
      if (some('old/long.md')) assert.ok(done(at, 'old/short.md'), `checkpoint ${i}: shortest first`);
    }
    assert.ok(done(seen[1], 'open.md'), 'the first batch holds the open file');
  });

  it('ends with exactly the index of an all-at-once run when it saves a checkpoint every few ms', async () => {
    const root = tempDir();
    writeTree(root, { 'a.md': sections('alpha', 50, 8), 'b.md': sections('beta', 30, 20), 'src/c.md': sections('gamma', 45, 4) });
    age(root, ['b.md'], 30);
    const modelDir = fp32TinyModel();
    const store = path.join(tempDir(), 'store');
    const w = { root, store, modelDir, engine: await Engine.open({ modelDir, storeDir: store, threads: 1, checkpointMs: 2 }), log: () => {} };
    try {
      const priorityPaths = [path.join(root, 'src/c.md')];
      assert.equal((await w.engine.index({ roots: [root], priorityPaths })).waiting, 0);
      await assertSameAsFresh(w);
      writeFileSync(path.join(root, 'a.md'), sections('alpha', 70, 8));
      writeFileSync(path.join(root, 'src/c.md'), sections('delta', 45, 5));
      assert.equal((await w.engine.index({ roots: [root], priorityPaths })).waiting, 0);
      await assertSameAsFresh(w);
    } finally {
      await w.engine.dispose();
    }
  });
});
