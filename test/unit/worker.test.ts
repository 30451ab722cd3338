import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { IndexProgress } from '../../src/common/protocol/engine';
import { WorkerClient, type CancelToken } from '../../src/common/protocol/workerClient';
import { ALL_CORES_AFTER_TEXTS } from '../../src/node/embed/embedder';
import { loadSnapshot } from '../../src/node/index/persist';
import { startWorker } from '../../src/node/startWorker';
import { models, tempDir, workerPath, writeTree } from './helpers';

/** A workspace big enough that indexing takes many embedding batches. */
function bigWorkspace(): string {
  const root = tempDir();
  const files: Record<string, string> = {};
  for (let f = 0; f < 40; f++) {
    files[`docs/page-${f}.md`] = Array.from({ length: 30 }, (_, s) => `## Section ${f}.${s}\n\nThe database server ${s} uses the cache on page ${f}, part ${s * f}.\n`).join('\n');
  }
  writeTree(root, files);
  return root;
}

class Source implements CancelToken {
  isCancellationRequested = false;
  private listeners: (() => void)[] = [];
  cancel() { this.isCancellationRequested = true; this.listeners.forEach((l) => l()); }
  onCancellationRequested(l: () => void) { this.listeners.push(l); return { dispose() {} }; }
}

describe('engine worker', () => {
  it('reports progress, answers searches while indexing, and cancels between batches', async () => {
    const root = bigWorkspace();
    const { client, stop } = startWorker({ modelDir: models.concept, storeDir: tempDir(), threads: 1 }, { workerFile: workerPath });
    try {
      const model = await client.ready;
      assert.equal(model.dim, 64);
      const token = new Source();
      const seen: IndexProgress[] = [];
      let searchedWhileIndexing = false;
      const run = client.call('index', { roots: [root] }, {
        token,
        onProgress: (p) => {
          seen.push(p);
          // Reports are throttled, so the first one of the embedding phase (done 0) may be the only one
          // before the last: search and cancel from there, while the batches are still running.
          if (p.phase === 'embedding' && !searchedWhileIndexing) {
            searchedWhileIndexing = true;
            void client.call('search', { query: 'database', options: { limit: 1 } }).then(() => token.cancel());
          }
        },
      });
      await assert.rejects(run, (e: Error & { code?: string }) => e.code === 'cancelled');
      assert.ok(searchedWhileIndexing);
      // Every file is searchable by its words (and saved) before the first meaning is embedded.
      assert.deepEqual([...new Set(seen.map((p) => p.phase))], ['scanning', 'reading', 'saving', 'embedding']);
      const paused = await client.call('info', {});
      assert.equal(paused.chunks, 1200, 'the cancelled run keeps every file, searchable by its words');
      assert.ok(paused.embeddedChunks < paused.chunks, `the cancel came before the last batch (${paused.embeddedChunks} embedded)`);
      const after: IndexProgress[] = [];
      const t0 = performance.now();
      const summary = await client.call('index', { roots: [root] }, { onProgress: (p) => after.push(p) });
      const elapsedMs = performance.now() - t0;
      assert.equal(summary.files, 40);
      assert.equal(summary.read, 0, 'the cancelled run read every file already');
      assert.equal(summary.embedded, paused.chunks - paused.embeddedChunks, 'the batches embedded before the cancel are kept');
      assert.equal(summary.waiting, 0);
      const embedding = after.filter((p) => p.phase === 'embedding');
      assert.deepEqual(
        embedding.at(-1),
        { phase: 'embedding', done: summary.embedded, total: summary.embedded, searchable: { files: 40, chunks: 1200, embeddedChunks: 1200 } },
        'the final count is reported, with every passage searchable by its meaning',
      );
      assert.deepEqual(after.at(-1)?.phase, 'saving');
      // Throttled: the first and last report of a phase, and at most one per 250 ms between them.
      assert.ok(embedding.length <= 2 + elapsedMs / 250, `${embedding.length} embedding reports in ${Math.round(elapsedMs)} ms`);
    } finally {
      await stop();
    }
  });

  it('gives no progress after the caller cancelled, also of reports the worker sent before it saw the cancel', async () => {
    // A worker that sends three reports as the request comes (the cancel, sent at the first, is still on its
    // way for the next two), then a last report and the cancelled answer once it sees the cancel. Before the
    // fix, the extension showed such a late report over its "paused" state, and the panel said "Reading
    // 100 / 600 files" for good.
    const worker = new Worker(`
      const { parentPort } = require('node:worker_threads');
      const report = (id, done) => parentPort.postMessage({ type: 'progress', id, progress: { phase: 'reading', done, total: 600 } });
      parentPort.on('message', (m) => {
        if (m.type === 'request') for (const done of [0, 100, 200]) report(m.id, done);
        if (m.type === 'cancel') {
          report(m.id, 300);
          parentPort.postMessage({ type: 'response', id: m.id, error: { code: 'cancelled', message: 'Cancelled.' } });
        }
      });
    `, { eval: true });
    try {
      const client = new WorkerClient(worker);
      const token = new Source();
      const seen: number[] = [];
      const run = client.call('index', { roots: ['/nowhere'] }, {
        token,
        onProgress: (p) => {
          seen.push(p.done);
          token.cancel();
        },
      });
      await assert.rejects(run, (e: Error & { code?: string }) => e.code === 'cancelled');
      assert.deepEqual(seen, [0]);
    } finally {
      await worker.terminate();
    }
  });

  it('shuts down by message in the middle of indexing, and rejects calls after exit', async () => {
    const { client, stop, worker } = startWorker({ modelDir: models.concept, storeDir: tempDir(), threads: 1 }, { workerFile: workerPath });
    await client.ready;
    let embedding!: () => void;
    const started = new Promise<void>((r) => { embedding = r; });
    const run = client.call('index', { roots: [bigWorkspace()] }, { onProgress: (p) => { if (p.phase === 'embedding') embedding(); } })
      .then(() => 'finished', (e: Error & { code?: string }) => e.code);
    await started;
    const exitCode = new Promise((r) => worker.once('exit', r));
    await stop();
    assert.equal(await exitCode, 0, 'the thread ends normally, not by terminate()');
    assert.equal(await run, 'cancelled', 'the request in flight is answered');
    await assert.rejects(client.call('info', {}), (e: Error & { code?: string }) => e.code === 'worker-exited');
  });

  it('lets searches in flight finish before it releases the model on shutdown', async () => {
    const root = tempDir();
    writeTree(root, { 'a.md': '# Database\n\nThe database connection.\n' });
    const { client, stop } = startWorker({ modelDir: models.concept, storeDir: tempDir(), threads: 1 }, { workerFile: workerPath });
    await client.ready;
    await client.call('index', { roots: [root] });
    const searches = Array.from({ length: 8 }, () => client.call('search', { query: 'database connection', options: { limit: 1 } }));
    await stop(); // sent right behind the searches
    for (const r of await Promise.allSettled(searches)) {
      assert.equal(r.status, 'fulfilled', r.status === 'rejected' ? String(r.reason) : '');
      assert.equal(r.value.hits[0]?.path, 'a.md');
    }
  });

  it('answers a malformed or unknown request with a sentence, and goes on answering', async () => {
    const { client, worker, stop } = startWorker({ modelDir: models.tiny, storeDir: tempDir(), threads: 1 }, { workerFile: workerPath });
    try {
      await client.ready;
      // Requests as another program could post them: past WorkerClient's types, with ids it never uses.
      let nextId = 1_000_000;
      const refusal = (method: string, params: unknown) => new Promise<unknown>((resolve) => {
        const id = nextId++;
        const listener = (m: { type?: string; id?: number; error?: { code: string; message: string } }) => {
          if (m?.type !== 'response' || m.id !== id) return;
          worker.off('message', listener);
          resolve(m.error && `${m.error.code}: ${m.error.message}`);
        };
        worker.on('message', listener);
        worker.postMessage({ type: 'request', id, method, params });
      });
      const search = 'bad-request: A search needs a query string.';
      const index = 'bad-request: Indexing needs a list of folders (and optionally of files).';
      const effort = 'bad-request: How many cores indexing may use must be "all" or "half".';
      const cases: [string, unknown, string][] = [
        ['search', undefined, search],
        ['search', { query: 42 }, search],
        ['search', { query: 'x', options: { limit: 'ten' } }, 'bad-request: The search options are malformed.'],
        ['search', { query: 'x', options: { kinds: ['binary'] } }, 'bad-request: The search options are malformed.'],
        ['index', { roots: '/tmp' }, index],
        ['index', { roots: ['/tmp'], paths: [1] }, index],
        ['index', { roots: ['/tmp'], rootOptions: { '/tmp': { include: '*.md' } } }, 'bad-request: The indexing options are malformed.'],
        ['setEffort', { effort: 'most' }, effort],
        ['setEffort', { effort: 2 }, effort],
        ['setEffort', undefined, effort],
        ['toString', {}, 'bad-request: Unknown request toString.'],
        ['drop', {}, 'bad-request: Unknown request drop.'],
      ];
      for (const [method, params, expected] of cases) assert.equal(await refusal(method, params), expected, `${method} ${JSON.stringify(params)}`);
      assert.equal((await client.call('info', {})).chunks, 0, 'still answering');
    } finally {
      await stop();
    }
  });

  it('with threads auto, moves a run to all the cores when it hears the editor is idle, with the vectors of half the cores', async (t) => {
    if (os.availableParallelism() < 2) return t.skip('one core: all of them and half of them are the same one session');
    const root = bigWorkspace();
    /** Indexes `root` with threads auto into a new store; `idleDuringRun` tells the worker the editor went idle once embedding began. */
    const run = async (idleDuringRun: boolean) => {
      const storeDir = tempDir();
      const lines: string[] = [];
      const { client, stop } = startWorker({ modelDir: models.concept, storeDir, threads: 'auto' }, { workerFile: workerPath, onLog: (_level, message) => lines.push(message) });
      try {
        const modelId = (await client.ready).id;
        const answered: string[] = [];
        let told: Promise<void> | undefined;
        const indexed = client.call('index', { roots: [root] }, {
          onProgress: (p) => {
            if (!idleDuringRun || told || p.phase !== 'embedding') return;
            told = client.call('setEffort', { effort: 'all' }).then(() => { answered.push('setEffort'); });
          },
        }).then((summary) => {
          answered.push('index');
          // Enough for a run to move to all the cores (a small one stays on half: embedder.test.ts).
          assert.ok(summary.embedded > 2 * ALL_CORES_AFTER_TEXTS, `${summary.embedded} passages`);
        });
        await indexed;
        await told;
        return { lines, answered, stored: await loadSnapshot(storeDir, { modelId }) };
      } finally {
        await stop();
      }
    };
    const idle = await run(true);
    const cores = os.availableParallelism();
    // The seam: the engine's log names the session indexing batches run on when it changes.
    assert.deepEqual(idle.answered, ['setEffort', 'index'], 'the effort is taken at once, not after the run');
    assert.ok(idle.lines.includes(`Indexing on all ${cores} cores while the editor is idle.`), idle.lines.join('\n'));
    assert.ok(idle.lines.includes(`Released the onnxruntime session on all ${cores} cores: the indexing run ended.`), 'a resting worker holds one session');
    const busy = await run(false);
    assert.deepEqual(busy.lines.filter((l) => /cores/.test(l)), [], 'half the cores while nobody says the editor is idle');
    // Both runs embed the same batches; only the thread count differs.
    assert.ok(idle.stored.status === 'loaded' && busy.stored.status === 'loaded');
    const [a, b] = [idle.stored.snapshot, busy.stored.snapshot];
    assert.equal(a.chunks.length, b.chunks.length);
    let worst = 0;
    for (const { hash } of b.chunks) {
      const [u, v] = [a.vectors.get(hash)!, b.vectors.get(hash)!];
      for (let i = 0; i < v.length; i++) worst = Math.max(worst, Math.abs(u[i] - v[i]));
    }
    assert.ok(worst <= 1e-5, `the vectors differ by up to ${worst}`);
  });

  it('answers every request with the load error when the model folder is wrong', async () => {
    const { client, stop } = startWorker({ modelDir: path.join(tempDir(), 'missing'), storeDir: tempDir() }, { workerFile: workerPath });
    await assert.rejects(client.ready, /Model folder not found/);
    await assert.rejects(client.call('search', { query: 'x' }), (e: Error & { code?: string }) => e.code === 'model-missing');
    await stop();
  });
});
