import { EngineError, OutOfMemoryError } from '../errors';
import type { IndexProgress } from './engine';
import type { HostToWorker, ReadyMessage, WorkerConfig, WorkerMethod, WorkerMethods, WorkerToHost } from './worker';
import { isWorkerToHost } from './worker';

/**
 * V8 limits the engine worker runs with (node:worker_threads' `resourceLimits`), so that runaway memory ends
 * the worker with a clear message rather than growing until the extension host or the machine suffers.
 * Measured on the bench's stand-in indexes, the worker's JS heap holds about 370 MB at 50k passages and
 * 1.2 GB at 200k, and peaks at 0.46 and 1.5 GB while a loaded index rebuilds its full-text part or is saved:
 * 3 GB is twice the 200k peak. The model's weights and onnxruntime's buffers are native memory, outside it.
 */
export const WORKER_RESOURCE_LIMITS = { maxOldGenerationSizeMb: 3072 } as const;

/** The parts of a `worker_threads` Worker the client uses (kept structural so this file stays runtime-free). */
export interface WorkerLike {
  /** The limits it was started with; read once at the start (a stopped worker reports none). */
  readonly resourceLimits?: { maxOldGenerationSizeMb?: number };
  postMessage(message: HostToWorker): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
}

/** A cancellation signal in the shape of both VS Code's CancellationToken and a simple test token. */
export interface CancelToken {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onProgress?: (p: IndexProgress) => void;
}

/**
 * Typed calls into the engine worker: every request gets exactly one answer, and every pending call
 * is rejected if the worker errors or exits.
 */
export class WorkerClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private exited: EngineError | undefined;
  private oom: string | undefined;
  /** Resolves when the model is loaded; rejects with the load error. */
  readonly ready: Promise<NonNullable<ReadyMessage['model']>>;

  constructor(private readonly worker: WorkerLike, private readonly onLog?: (level: string, message: string) => void) {
    let resolveReady!: (m: NonNullable<ReadyMessage['model']>) => void;
    let rejectReady!: (e: Error) => void;
    this.ready = new Promise((res, rej) => { resolveReady = res; rejectReady = rej; });
    this.ready.catch(() => undefined); // callers that never await ready still get errors through call()
    worker.on('message', (raw) => {
      if (!isWorkerToHost(raw)) return;
      const m: WorkerToHost = raw;
      if (m.type === 'ready') {
        if (m.error) rejectReady(EngineError.fromPayload(m.error));
        else if (m.model) resolveReady(m.model);
      } else if (m.type === 'progress') {
        this.pending.get(m.id)?.onProgress?.(m.progress);
      } else if (m.type === 'response') {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.error) p.reject(EngineError.fromPayload(m.error));
        else p.resolve(m.result);
      } else if (m.type === 'log') {
        this.onLog?.(m.level, m.message);
      }
    });
    const fail = (error: EngineError) => {
      this.exited ??= error;
      rejectReady(error);
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    };
    const heapLimitMb = worker.resourceLimits?.maxOldGenerationSizeMb;
    worker.on('error', (e) => {
      if ((e as Error & { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
        this.oom = `The search worker ran out of memory${heapLimitMb ? ` (limit ${heapLimitMb} MB)` : ''} and was stopped; exclude large or generated folders from the index and try again.`;
        fail(new OutOfMemoryError(this.oom));
      } else {
        fail(new EngineError('worker-exited', `The search worker failed: ${e.message}`));
      }
    });
    worker.on('exit', (code) => fail(new EngineError('worker-exited', `The search worker stopped (exit code ${code}).`)));
  }

  /** True once the worker has exited or crashed. */
  get isDead(): boolean {
    return this.exited !== undefined;
  }

  /** The sentence saying the worker ran out of memory, once it has. */
  get outOfMemory(): string | undefined {
    return this.oom;
  }

  call<M extends WorkerMethod>(
    method: M,
    params: WorkerMethods[M][0],
    options: { token?: CancelToken; onProgress?: (p: IndexProgress) => void } = {},
  ): Promise<WorkerMethods[M][1]> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    const { token, onProgress } = options;
    if (token?.isCancellationRequested) return Promise.reject(new EngineError('cancelled', 'Cancelled.'));
    return new Promise<WorkerMethods[M][1]>((resolve, reject) => {
      const pending: Pending = {
        resolve: (v) => { done(); resolve(v as WorkerMethods[M][1]); },
        reject: (e) => { done(); reject(e); },
        onProgress,
      };
      // Reports the worker sent before it saw the cancel still arrive: the caller, who asked to stop, gets none.
      const sub = token?.onCancellationRequested(() => {
        pending.onProgress = undefined;
        this.worker.postMessage({ type: 'cancel', id });
      });
      const done = () => sub?.dispose();
      this.pending.set(id, pending);
      this.worker.postMessage({ type: 'request', id, method, params });
    });
  }
}

/** A `worker_threads` Worker constructor, passed in by the caller (src/common imports no Node module). */
export type WorkerConstructor<W extends WorkerLike> = new (file: string, options: { workerData: WorkerConfig; resourceLimits: typeof WORKER_RESOURCE_LIMITS }) => W;

/** A running engine worker. */
export interface EngineWorker<W extends WorkerLike> {
  client: WorkerClient;
  worker: W;
  /** Resolves with the exit code once the thread has ended, whether it was asked to or not. */
  exited: Promise<number>;
  /**
   * Asks the worker to stop (it finishes the requests in flight and releases the model) and resolves once
   * its thread has ended. Never `terminate()`: ending a thread while onnxruntime runs aborts the process.
   */
  stop(): Promise<void>;
}

/**
 * Starts the engine worker in `file` with `config` and the heap limit, for the CLI (src/node/startWorker.ts)
 * and the extension host (src/vscode/engineHost.ts) alike.
 */
export function startEngineWorker<W extends WorkerLike>(
  Worker: WorkerConstructor<W>,
  file: string,
  config: WorkerConfig,
  onLog?: (level: string, message: string) => void,
): EngineWorker<W> {
  const worker = new Worker(file, { workerData: config, resourceLimits: WORKER_RESOURCE_LIMITS });
  const client = new WorkerClient(worker, onLog);
  const exited = new Promise<number>((resolve) => worker.on('exit', resolve));
  const stop = async (): Promise<void> => {
    if (!client.isDead) await client.call('shutdown', {}).catch(() => undefined);
    await exited;
  };
  return { client, worker, exited, stop };
}
