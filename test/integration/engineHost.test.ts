/// <reference types="mocha" />
// The worker's owner in a real extension host: one worker per index at a time, and a second worker on an index
// another one writes (a second window on the same workspace) searching it read-only and saying so, also when
// asked to clear it.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import * as vscode from 'vscode';
import { clearIndex, runCommand } from '../../src/vscode/commands';
import { EngineHost } from '../../src/vscode/engineHost';
import { Indexer } from '../../src/vscode/indexer';
import { viewStateOf } from '../../src/vscode/viewState';
import { EXTENSION_ID } from './support';

suite('Engine host', () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'semantic-search-host-'));
  const log = vscode.window.createOutputChannel('Semantic Search (engine host test)', { log: true });
  const extensionPath = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
  const modelDir = vscode.workspace.getConfiguration('semanticSearch').get<string>('modelPath')!;
  const config = () => ({ model: { dir: modelDir, source: 'setting' as const }, threads: 1 });

  suiteTeardown(() => {
    log.dispose();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('a restart waits for the last worker to end, however long its last step takes, and starts no second one meanwhile', async function () {
    this.timeout(60_000);
    // The real worker, in a thread that lives on for 15 s after it started (a long last step, as it looks from outside).
    const fakeExtension = path.join(scratch, 'slow');
    const ended = path.join(scratch, 'slow-ended');
    mkdirSync(path.join(fakeExtension, 'dist'), { recursive: true });
    writeFileSync(path.join(fakeExtension, 'dist', 'worker.js'), [
      `require(${JSON.stringify(path.join(extensionPath, 'dist', 'worker.js'))});`,
      `setTimeout(() => {}, 15000);`,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(ended)}, ''));`,
    ].join('\n'));
    const host = new EngineHost(fakeExtension, path.join(scratch, 'slow-store'), log, config);
    let started = 0;
    const sub = host.onDidStart(() => started++);
    try {
      await host.client().ready;
      /** Whether the last worker had ended when the restart returned. */
      const restarted = host.restart().then(() => existsSync(ended));
      // While it stops, asking for the worker never starts another one next to it.
      for (let i = 0; i < 60 && !existsSync(ended); i++) {
        try {
          host.client();
        } catch {
          // "still stopping": refused, as it should be
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.ok(await restarted, 'the restart returned after the last worker had ended');
      assert.equal(started, 1, 'no worker was started while the last one ran');
    } finally {
      sub.dispose();
      await host.dispose();
    }
  });

  /** Two windows on one index: `first` has indexed the workspace into it (`chunks`) and writes it; `second` came after. */
  async function twoWindows(store: string, body: (w: { first: EngineHost; second: EngineHost; indexer: Indexer; chunks: number }) => Promise<void>): Promise<void> {
    const first = new EngineHost(extensionPath, path.join(scratch, store), log, config);
    const second = new EngineHost(extensionPath, path.join(scratch, store), log, config);
    const indexer = new Indexer(second, log);
    try {
      const { chunks } = await first.client().call('index', { roots: [vscode.workspace.workspaceFolders![0].uri.fsPath] });
      await body({ first, second, indexer, chunks });
    } finally {
      indexer.dispose();
      await first.dispose();
      await second.dispose();
    }
  }

  /**
   * How the scripted worker runs each `index` request: its reports, so many ms after the request; its summary
   * at `endMs`; and when it hears the cancel before that, one more report if `late` (as a report sent before it
   * saw the cancel arrives), then the cancelled answer or, as `onCancel` says, a summary (a run whose last step
   * was done before the cancel).
   */
  interface Plan {
    reportsMs: number[];
    endMs: number;
    late: boolean;
    onCancel: 'cancelled' | 'finished';
  }

  /**
   * A dist/worker.js that answers `info` (an index of 3 passages, so no run is a first index) and runs `index`
   * requests as the plan in its folder says, read at each request. Runs in the real extension host's thread.
   */
  function scriptedWorker(name: string): { dir: string; plan(p: Plan): void } {
    const dir = path.join(scratch, `scripted-${name}`);
    mkdirSync(path.join(dir, 'dist'), { recursive: true });
    const planFile = path.join(dir, 'plan.json');
    writeFileSync(path.join(dir, 'dist', 'worker.js'), `
      const { parentPort } = require('node:worker_threads');
      const { readFileSync } = require('node:fs');
      const model = { id: 'scripted', dim: 64, dtype: 'q8' };
      const info = { files: 1, chunks: 3, embeddedChunks: 3, vectors: 3, bytesOnDisk: 0, model, roots: [], skipped: [] };
      const summary = { files: 1, chunks: 3, embedded: 0, reused: 0, seeded: 0, waiting: 0, read: 1, removed: 0, skipped: [], ms: 1 };
      const answer = (id, result, error) => parentPort.postMessage({ type: 'response', id, result, error });
      const report = (id, done) => parentPort.postMessage({ type: 'progress', id, progress: { phase: 'reading', done, total: 600 } });
      const runs = new Map();
      parentPort.postMessage({ type: 'ready', model: { ...model, loadMs: 0 } });
      parentPort.on('message', (m) => {
        if (m.type === 'cancel') {
          const run = runs.get(m.id);
          if (!run) return; // it has answered already
          runs.delete(m.id);
          run.timers.forEach(clearTimeout);
          if (run.plan.late) report(m.id, 100);
          run.plan.onCancel === 'cancelled' ? answer(m.id, undefined, { code: 'cancelled', message: 'Cancelled.' }) : answer(m.id, summary);
        } else if (m.method === 'index') {
          const plan = JSON.parse(readFileSync(${JSON.stringify(planFile)}, 'utf8'));
          const run = { plan, timers: plan.reportsMs.map((ms, k) => setTimeout(() => report(m.id, k), ms)) };
          run.timers.push(setTimeout(() => { runs.delete(m.id); answer(m.id, summary); }, plan.endMs));
          runs.set(m.id, run);
        } else if (m.method === 'shutdown') {
          answer(m.id);
          process.exit(0);
        } else answer(m.id, m.method === 'info' ? info : undefined);
      });
    `);
    return { dir, plan: (p) => writeFileSync(planFile, JSON.stringify(p)) };
  }

  for (const onCancel of ['cancelled', 'finished'] as const) {
    test(`a pause stays paused when the worker hears it late (the run ${onCancel === 'cancelled' ? 'is cancelled' : 'finishes anyway'})`, async function () {
      this.timeout(30_000);
      const worker = scriptedWorker(onCancel);
      worker.plan({ reportsMs: [0], endMs: 60_000, late: true, onCancel });
      const host = new EngineHost(worker.dir, path.join(scratch, `scripted-${onCancel}-store`), log, config);
      const indexer = new Indexer(host, log);
      try {
        const reading = new Promise<void>((resolve) => indexer.onDidChange((s) => s.kind === 'indexing' && s.progress.phase === 'reading' && resolve()));
        indexer.requestFull();
        await reading;
        indexer.pause();
        await indexer.whenIdle();
        assert.equal(indexer.state.kind, 'paused');
        assert.equal(viewStateOf(indexer.state).message, 'Indexing is paused.');
      } finally {
        indexer.dispose();
        await host.dispose();
      }
    });
  }

  test('random pauses, resumes and scans, against a worker that hears them at random moments: paused means paused, else it ends ready', async function () {
    this.timeout(120_000);
    const worker = scriptedWorker('random');
    const host = new EngineHost(worker.dir, path.join(scratch, 'scripted-random-store'), log, config);
    type Op = { op: 'pause' } | { op: 'resume' } | { op: 'full' } | { op: 'wait'; ms: number };
    const op = fc.oneof(
      fc.constant<Op>({ op: 'pause' }), fc.constant<Op>({ op: 'resume' }), fc.constant<Op>({ op: 'full' }),
      fc.integer({ min: 0, max: 40 }).map((ms): Op => ({ op: 'wait', ms })),
    );
    const plan = fc.record({
      reportsMs: fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 4 }),
      endMs: fc.integer({ min: 0, max: 60 }),
      late: fc.boolean(),
      onCancel: fc.constantFrom('cancelled' as const, 'finished' as const),
    });
    try {
      await fc.assert(fc.asyncProperty(plan, fc.array(op, { maxLength: 12 }), async (p, ops) => {
        worker.plan(p);
        const indexer = new Indexer(host, log);
        // What the user last asked for, and every state shown while it was a pause.
        let paused = false;
        const shownWhilePaused: string[] = [];
        const sub = indexer.onDidChange((s) => { if (paused && s.kind !== 'paused') shownWhilePaused.push(s.kind); });
        try {
          indexer.requestFull(); // as the extension does when it starts
          for (const o of ops) {
            if (o.op === 'pause') { paused = true; indexer.pause(); }
            else if (o.op === 'resume') { paused = false; indexer.resume(); }
            else if (o.op === 'full') indexer.requestFull();
            else await new Promise((r) => setTimeout(r, o.ms));
          }
          await indexer.whenIdle();
          assert.deepEqual(shownWhilePaused, [], 'no other state is shown while indexing is paused');
          assert.equal(indexer.state.kind, paused ? 'paused' : 'ready');
        } finally {
          sub.dispose();
          indexer.dispose();
        }
      }), { seed: 20261204, numRuns: 40 });
    } finally {
      await host.dispose();
    }
  });

  test('a second worker on an index another one writes searches it read-only, and the panel says so', async function () {
    this.timeout(60_000);
    await twoWindows('shared-store', async ({ first, second, indexer }) => {
      indexer.requestFull();
      await indexer.whenIdle();
      const state = indexer.state;
      assert.equal(state.kind, 'read-only');
      const view = viewStateOf(state);
      assert.equal(view.phase, 'ready');
      assert.ok(view.hasChunks);
      assert.match(view.message, /^Another window or process is updating this index, so this window searches its last saved copy \(\d+ passages\) and takes over when it is free\./);
      const { hits } = await second.client().call('search', { query: 'database', options: { mode: 'fulltext', limit: 1 } });
      assert.equal(hits.length, 1, 'it searches the saved index');
      await first.dispose();
      indexer.requestFull();
      await indexer.whenIdle();
      assert.equal(indexer.state.kind, 'ready', 'the first has stopped: the second writes now');
    });
  });

  test('Clear Index in a window whose index another one writes says so in a sentence, and clears nothing', async function () {
    this.timeout(60_000);
    await twoWindows('locked-store', async ({ first, second, indexer, chunks }) => {
      assert.ok(chunks > 0);
      const shown = await runCommand({ host: second, indexer, log }, 'semanticSearch.clearIndex', clearIndex);
      assert.equal(shown, 'Another window or process is updating this index: this window searches its last saved copy and cannot change it until that one is done.');
      assert.equal((await second.client().call('info', {})).chunks, chunks, 'the last saved index is still searched');
      assert.equal((await first.client().call('info', {})).chunks, chunks, 'the writer\'s index is whole');
    });
  });
});
