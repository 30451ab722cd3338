import path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import { EngineError } from '../common/errors';
import type { WorkerConfig } from '../common/protocol/worker';
import { WORKER_RESOURCE_LIMITS, WorkerClient } from '../common/protocol/workerClient';
import type { ModelResolution } from './model/modelManager';

/** More unexpected exits than this within RESTART_WINDOW_MS and the worker is not started again. */
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 5 * 60_000;
/** A worker still running this long after it was asked to stop is reported (and still waited for). */
const SLOW_STOP_MS = 10_000;

/**
 * Owns the engine worker: starts it on first use, starts it again after a crash (a few times), and shuts
 * it down by message — never `terminate()`, which aborts the extension host while onnxruntime runs.
 */
export class EngineHost implements vscode.Disposable {
  private current: { client: WorkerClient; worker: Worker; exited: Promise<void> } | undefined;
  private readonly exits: number[] = [];
  private stopping = false;
  private readonly onDidStartEmitter = new vscode.EventEmitter<WorkerClient>();
  /** Fires with each new worker's client (the first, and each restart). */
  readonly onDidStart = this.onDidStartEmitter.event;
  private readonly onDidCrashEmitter = new vscode.EventEmitter<string>();
  /** Fires when a worker stopped without being asked to. */
  readonly onDidCrash = this.onDidCrashEmitter.event;

  constructor(
    private readonly extensionPath: string,
    private readonly storeDir: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly config: () => { model: ModelResolution; threads: number },
  ) {}

  /**
   * The running worker's client, starting a worker if none runs. Never a second worker while the thread of the
   * last one still runs (it may still hold the index): until it has ended, this throws.
   */
  client(): WorkerClient {
    if (this.current && !this.current.client.isDead) return this.current.client;
    // A worker's threadId turns -1 once its thread has ended.
    if (this.current && this.current.worker.threadId !== -1) {
      throw new EngineError('worker-exited', vscode.l10n.t('The search worker is still stopping; try again in a moment.'));
    }
    const recent = this.exits.filter((t) => Date.now() - t < RESTART_WINDOW_MS);
    if (recent.length > MAX_RESTARTS) {
      throw new EngineError('worker-exited', vscode.l10n.t('The search worker stopped {0} times in a few minutes and is not restarted. See the "Semantic Search" output, then run "Semantic Search: Re-index Workspace".', recent.length));
    }
    const { model, threads } = this.config();
    // Without a model the worker still indexes and searches words, so search works while the model is
    // missing. That index lives in a folder of its own so it never replaces the index with vectors.
    const workerData: WorkerConfig = 'dir' in model
      ? { storeDir: this.storeDir, modelDir: model.dir, ...(threads > 0 ? { threads } : {}) }
      : { storeDir: `${this.storeDir}-words` };
    const worker = new Worker(path.join(this.extensionPath, 'dist', 'worker.js'), { workerData, resourceLimits: WORKER_RESOURCE_LIMITS });
    const client = new WorkerClient(worker, (level, message) => {
      if (level === 'error') this.log.error(message);
      else if (level === 'warn') this.log.warn(message);
      else this.log.info(message);
    });
    const exited = new Promise<void>((resolve) => worker.once('exit', (code) => {
      if (!this.stopping && this.current?.worker === worker) {
        this.exits.push(Date.now());
        const oom = client.outOfMemory;
        this.log.error(oom ? `${oom} It is started again on the next request.` : `The search worker stopped (exit code ${code}); it is started again on the next request.`);
        this.onDidCrashEmitter.fire(oom ?? `exit code ${code}`);
      }
      resolve();
    }));
    worker.on('error', (e) => this.log.error(`Search worker error: ${e.stack ?? e.message}`));
    this.current = { client, worker, exited };
    this.log.info('dir' in model ? `Search worker started with the model in ${model.dir} (${model.source}).` : `Search worker started without a model (words only): ${model.missing}`);
    client.ready.then(
      (m) => this.log.info(`Model ${m.id} loaded: ${m.dim} dimensions, ${m.dtype}, ${m.loadMs} ms.`),
      (e: Error) => this.log.error(`The model could not be loaded: ${e.message}`),
    );
    this.onDidStartEmitter.fire(client);
    return client;
  }

  /** Stops the worker; the next request starts a new one (another model folder, other threads). */
  async restart(): Promise<void> {
    await this.stop();
    this.forgetCrashes();
  }

  /** Lets the next request start a worker again after too many crashes (the user asked to re-index). */
  forgetCrashes(): void {
    this.exits.length = 0;
  }

  /**
   * Asks the worker to stop and waits for its thread to end, however long its last step takes: a worker
   * started next to it would open the same index (its lock would make the new one read-only meanwhile).
   */
  private async stop(): Promise<void> {
    const cur = this.current;
    if (!cur) return;
    this.stopping = true;
    const slow = setTimeout(() => this.log.warn(`The search worker has not stopped after ${SLOW_STOP_MS / 1000} s (a long step is finishing); waiting for it.`), SLOW_STOP_MS);
    try {
      if (!cur.client.isDead) await cur.client.call('shutdown', {}).catch(() => undefined);
      await cur.exited;
    } finally {
      clearTimeout(slow);
      if (this.current === cur) this.current = undefined;
      this.stopping = false;
    }
  }

  async dispose(): Promise<void> {
    await this.stop();
    this.onDidStartEmitter.dispose();
    this.onDidCrashEmitter.dispose();
  }
}

