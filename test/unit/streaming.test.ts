// A first index is useful from its first seconds: every file is searchable by its words before any meaning is
// embedded; meanings come in batch by batch, the open files first; checkpoints are saved as they come, so a
// kill loses only what came after the last one and the next run goes on from there; a search by another
// process answers from the last checkpoint. The real engine and models, real files, the CLI as a real process.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, utimesSync, watch, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { IndexProgress, SearchResult } from '../../src/common/protocol/engine';
import { Engine } from '../../src/node/engine';
import { loadSnapshot } from '../../src/node/index/persist';
import { seededRandom } from '../../scripts/models/seededRandom.mjs';
import { cli, writeWorkspace } from './fixtures/storeTrials';
import { cliPath, models, tempDir, writeTree } from './helpers';
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
      const reports: IndexProgress[] = [];
      const run = engine.index({ roots: [root] }, (p) => reports.push(p));
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
      // Each report while embedding says what can be searched: every file by words, more passages by meaning.
      const searchable = reports.filter((p) => p.phase === 'embedding').map((p) => p.searchable!);
      assert.deepEqual(searchable[0], { files: 2, chunks: 41, embeddedChunks: 0 });
      assert.deepEqual(searchable.at(-1), { files: 2, chunks: 41, embeddedChunks: 41 });
      assert.ok(searchable.every((x, i) => i === 0 || x.embeddedChunks >= searchable[i - 1].embeddedChunks), 'meanings only grow');
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
    // Batches of up to 32 that end where a group does: 10 open, 32 + 8 recent, 32 + 28 older.
    assert.equal(seen.length, 5, 'a checkpoint before each of the 5 batches (the words, then 4 of meanings)');
    assert.deepEqual([...seen[0]], [], 'the first save holds words only');
    const done = (at: Map<string, number>, rel: string) => at.get(rel) === total.get(rel);
    for (const [i, at] of seen.entries()) {
      const some = (rel: string) => (at.get(rel) ?? 0) > 0;
      if (some('recent.md')) assert.ok(done(at, 'open.md'), `checkpoint ${i}: the open file before the recently changed one`);
      if (some('old/short.md') || some('old/long.md')) assert.ok(done(at, 'recent.md'), `checkpoint ${i}: the recently changed file before older ones`);
      if (some('old/long.md')) assert.ok(done(at, 'old/short.md'), `checkpoint ${i}: shortest first`);
    }
    assert.deepEqual([...seen[1]], [['open.md', 10]], 'the first batch holds the open file, and nothing after it');
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

describe('a first index by the CLI, stopped and started again', () => {
  /** The store's manifest, or undefined while there is none. */
  const manifestOf = (store: string): { vectorCount: number; chunkCount: number } | undefined => {
    try {
      return JSON.parse(readFileSync(path.join(store, 'manifest.json'), 'utf8'));
    } catch {
      return undefined;
    }
  };

  /**
   * Starts the CLI's `index` of `root` into `store` with a checkpoint after every batch, and calls `atCheckpoint`
   * (once) as soon as a checkpoint holding meanings is on disk.
   */
  function indexWithCheckpoints(root: string, store: string, modelDir: string, atCheckpoint: (child: ChildProcess) => void) {
    const child = spawn(process.execPath, [cliPath, 'index', root, '--model', modelDir, '--store', store, '--threads', '1', '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SEMANTIC_SEARCH_CHECKPOINT_MS: '0' },
    });
    let stdout = '', stderr = '';
    child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    let called = false;
    const look = () => {
      if (called || !((manifestOf(store)?.vectorCount ?? 0) > 0)) return;
      called = true;
      atCheckpoint(child);
    };
    // The store's folder appears with the run's first save; until then, and as a fallback, look often.
    const timer = setInterval(look, 5);
    let watcher: ReturnType<typeof watch> | undefined;
    const watchStore = setInterval(() => {
      try {
        watcher = watch(store, look);
        clearInterval(watchStore);
      } catch {
        // not there yet
      }
    }, 5);
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
      child.once('close', (code, signal) => {
        clearInterval(timer);
        clearInterval(watchStore);
        watcher?.close();
        resolve({ code, signal, stdout, stderr });
      });
    });
    return { child, ended };
  }

  it('a kill after a checkpoint loses only what came after it: the next run embeds just the rest, and the index equals a fresh one', async () => {
    const root = tempDir();
    const store = path.join(tempDir(), 'store');
    writeWorkspace(root, seededRandom(41), 20, 30);
    const modelDir = fp32TinyModel();
    const killed = await indexWithCheckpoints(root, store, modelDir, (child) => child.kill('SIGKILL')).ended;
    assert.equal(killed.signal, 'SIGKILL', `the run was killed before it ended: ${killed.stderr}`);
    const checkpoint = manifestOf(store)!;
    const next = await cli(['index', root, '--model', modelDir, '--store', store, '--threads', '1', '--json']);
    assert.equal(next.code, 0, next.stderr);
    const summary = JSON.parse(next.stdout);
    const { chunkCount, vectorCount: texts } = manifestOf(store)!;
    assert.equal(checkpoint.chunkCount, chunkCount, 'the checkpoint holds every file');
    assert.ok(checkpoint.vectorCount > 0 && checkpoint.vectorCount < texts, `and part of the meanings (${checkpoint.vectorCount} of ${texts})`);
    assert.deepEqual([summary.read, summary.embedded, summary.waiting], [0, texts - checkpoint.vectorCount, 0], 'only what the checkpoint lacked is done again');
    const engine = await Engine.open({ modelDir, storeDir: store, threads: 1 });
    try {
      await assertSameAsFresh({ root, store, modelDir, engine, log: () => {} });
    } finally {
      await engine.dispose();
    }
  });

  it('Ctrl-C stops a run between two batches and saves what it did: the next run embeds just the rest', async () => {
    const root = tempDir();
    const store = path.join(tempDir(), 'store');
    writeWorkspace(root, seededRandom(42), 20, 30);
    const modelDir = models.tiny;
    const stopped = await indexWithCheckpoints(root, store, modelDir, (child) => child.kill('SIGINT')).ended;
    assert.equal(stopped.code, 130, stopped.stderr);
    assert.match(stopped.stderr.trim().split('\n').at(-1)!, /^Stopped; what was embedded is saved, and the next "index" goes on from there\.$/);
    const saved = manifestOf(store)!;
    const next = await cli(['index', root, '--model', modelDir, '--store', store, '--threads', '1', '--json']);
    assert.equal(next.code, 0, next.stderr);
    const texts = manifestOf(store)!.vectorCount;
    assert.ok(saved.vectorCount > 0 && saved.vectorCount < texts, `part of the meanings is saved (${saved.vectorCount} of ${texts})`);
    assert.deepEqual([JSON.parse(next.stdout).read, JSON.parse(next.stdout).embedded], [0, texts - saved.vectorCount]);
  });

  it('a search while another process indexes answers from its last checkpoint, and says how far meanings have got', async () => {
    const root = tempDir();
    const store = path.join(tempDir(), 'store');
    writeWorkspace(root, seededRandom(43), 20, 30);
    const modelDir = models.tiny;
    const search = (...more: string[]) => cli(['search', 'database server cache', '--model', modelDir, '--store', store, '--threads', '1', '--json', ...more]);
    // The writer is stopped (SIGSTOP) right after a checkpoint: it holds the store's lock all the while.
    const writer = indexWithCheckpoints(root, store, modelDir, (child) => child.kill('SIGSTOP'));
    try {
      const exited = () => writer.child.exitCode !== null || writer.child.signalCode !== null;
      await until(() => isStopped(writer.child.pid!) || exited());
      assert.ok(!exited(), 'the run was stopped after a checkpoint, before its end');
      const saved = await loadSnapshot(store, { modelId: JSON.parse(readFileSync(path.join(store, 'manifest.json'), 'utf8')).modelId });
      assert.equal(saved.status, 'loaded');
      if (saved.status !== 'loaded') return;
      const embedded = saved.snapshot.chunks.filter((c) => saved.snapshot.vectors.has(c.hash));
      const r = await search('--mode', 'vector', '--limit', '500');
      assert.equal(r.code, 0, r.stderr);
      const result = JSON.parse(r.stdout);
      assert.deepEqual(result.meanings, { embedded: embedded.length, total: saved.snapshot.chunks.length }, 'as far as the checkpoint got');
      const key = (rel: string, startLine: number, text: string) => `${rel}:${startLine} ${text}`;
      const hasMeaning = new Set(embedded.map((c) => key(c.rel, c.startLine, c.text)));
      assert.equal(result.hits.length, 500);
      for (const h of result.hits) assert.equal(!h.byWords, hasMeaning.has(key(h.path, h.startLine, h.text)), `${h.path}:${h.startLine} is found by meaning only if it has one`);
      assert.ok(result.hits.some((h: { byWords?: boolean }) => h.byWords), 'the passages without meaning yet are found by their words');
      writer.child.kill('SIGCONT');
      const done = await writer.ended;
      assert.equal(done.code, 0, done.stderr);
      const after = JSON.parse((await search()).stdout);
      assert.equal(after.meanings, undefined);
      assert.ok(after.hits.length > 0 && after.hits.every((h: { byWords?: boolean }) => !h.byWords));
    } finally {
      writer.child.kill('SIGKILL');
    }
  });
});

/** Whether the process is stopped (by SIGSTOP), as Linux reports it. */
function isStopped(pid: number): boolean {
  try {
    return /^State:\s+T/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
