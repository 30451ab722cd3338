import path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import type { Device, Threads, WorkerConfig } from '../common/protocol/worker';
import { startEngineWorker, type EngineWorker, type WorkerClient } from '../common/protocol/workerClient';
import { WordedError } from './errorSentences';
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
  private current: EngineWorker<Worker> | undefined;
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
    /** The folder the index with vectors is kept in (without a model, words are kept beside it). */
    readonly storeDir: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly config: () => { model: ModelResolution; threads: Threads; device?: Device },
  ) {}

  /**
   * The running worker's client, starting a worker if none runs. Never a second worker while the thread of the
   * last one still runs (it may still hold the index): until it has ended, this throws.
   */
  client(): WorkerClient {
    if (this.current && !this.current.client.isDead) return this.current.client;
    this.checkMayStart();
    return this.start().client;
  }

  /** Throws while no worker may start: the last one's thread still runs, or workers crashed too often. */
  private checkMayStart(): void {
    // A worker's threadId turns -1 once its thread has ended.
    if (this.current && this.current.worker.threadId !== -1) {
      throw new WordedError('worker-exited', vscode.l10n.t('The search worker is still stopping; try again in a moment.'));
    }
    const recent = this.exits.filter((t) => Date.now() - t < RESTART_WINDOW_MS);
    if (recent.length > MAX_RESTARTS) {
      throw new WordedError('worker-exited', vscode.l10n.t('The search worker stopped {0} times in a few minutes and is not restarted. See the "Semantic Search" output, then run "Semantic Search: Re-index Workspace".', recent.length));
    }
  }

  private start(): EngineWorker<Worker> {
    const { workerData, logLine } = this.nextWorker();
    const file = path.join(this.extensionPath, 'dist', 'worker.js');
    const started = startEngineWorker(Worker, file, workerData, (level, message) => this.logFromWorker(level, message));
    void started.exited.then((code) => this.exited(started, code));
    started.worker.on('error', (e) => this.log.error(`Search worker error: ${e.stack ?? e.message}`));
    this.current = started;
    this.log.info(logLine);
    started.client.ready.then(
      (m) => {
        this.log.info(`Model ${m.id} loaded: ${m.dim} dimensions, ${m.dtype}, ${m.loadMs} ms, on ${m.device ?? 'cpu'}.`);
        if (m.deviceProblem) this.log.warn(m.deviceProblem);
      },
      (e: Error) => this.log.error(`The model could not be loaded: ${e.message}`),
    );
    this.onDidStartEmitter.fire(started.client);
    return started;
  }

  /**
   * What the next worker runs with, and the log line that says so. Without a model it still indexes and searches
   * words, so search works while the model is missing; that index lives in a folder of its own so it never
   * replaces the index with vectors.
   */
  private nextWorker(): { workerData: WorkerConfig; logLine: string } {
    const { model, threads, device } = this.config();
    if (!('dir' in model)) {
      return { workerData: { storeDir: `${this.storeDir}-words` }, logLine: `Search worker started without a model (words only): ${model.missing}` };
    }
    return {
      workerData: {
        storeDir: this.storeDir, modelDir: model.dir, ...(threads === 'auto' || threads > 0 ? { threads } : {}), ...(device && device !== 'cpu' ? { device } : {}),
      },
      logLine: `Search worker started with the model in ${model.dir} (${model.source}).`,
    };
  }

  private logFromWorker(level: string, message: string): void {
    if (level === 'error') this.log.error(message);
    else if (level === 'warn') this.log.warn(message);
    else this.log.info(message);
  }

  /** A worker's thread ended: counted as a crash unless it was asked to stop. */
  private exited(worker: EngineWorker<Worker>, code: number): void {
    if (this.stopping || this.current !== worker) return;
    this.exits.push(Date.now());
    const oom = worker.client.outOfMemory;
    this.log.error(oom ? `${oom} It is started again on the next request.` : `The search worker stopped (exit code ${code}); it is started again on the next request.`);
    this.onDidCrashEmitter.fire(oom ?? `exit code ${code}`);
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
      await cur.stop();
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

