import type { IndexInfo, IndexProgress, IndexRequest, IndexSummary, SearchOptions, SearchResult } from './engine';

/**
 * onnxruntime threads: a fixed count, or 'auto': half the cores, and all of them for indexing while the host
 * says the editor is idle ({@link Effort}).
 */
export type Threads = number | 'auto';

/**
 * How much of the machine an indexing run may use when threads are 'auto': 'all' the cores while nobody works
 * in the editor, 'half' while someone does (the default; searches always run on half).
 */
export type Effort = 'all' | 'half';

/**
 * Where onnxruntime runs the model: the CPU, or an execution provider of the GPU (CUDA on Linux x64, DirectML
 * on Windows, Core ML on macOS) where this platform's onnxruntime-node has it. One that is missing or fails
 * to load falls back to the CPU with a warning.
 */
export type Device = 'cpu' | 'cuda' | 'dml' | 'coreml';
export const DEVICES: readonly Device[] = ['cpu', 'cuda', 'dml', 'coreml'];

/** Data a worker is started with (`workerData`). */
export interface WorkerConfig {
  /** A local model folder in the Hugging Face layout; without one, search works by words only. */
  modelDir?: string;
  /** Folder the index is persisted in. */
  storeDir: string;
  /** onnxruntime intra-op threads (see {@link Threads}); default half the cores, at least 1. */
  threads?: Threads;
  /** Where the model runs (see {@link Device}); default the CPU. */
  device?: Device;
  /** Only read the store, never write it (no lock is taken; `index` and `clear` are refused). */
  readOnly?: boolean;
  /** While embedding, save what is done at least this often (ms); default 30 s. */
  checkpointMs?: number;
}

/** Requests the worker answers: method name → [params, result]. */
export interface WorkerMethods {
  index: [IndexRequest, IndexSummary];
  search: [{ query: string; options?: SearchOptions }, SearchResult];
  info: [Record<string, never>, IndexInfo];
  clear: [Record<string, never>, void];
  /**
   * For a worker that does not write the store now: take up the index another process saved since this one
   * was loaded (one small read when nothing changed). `reloaded` says whether the index was replaced.
   */
  refresh: [Record<string, never>, { reloaded: boolean }];
  /** Let another process become the store's writer until the next `index` (after the runs before it). */
  releaseLock: [Record<string, never>, void];
  /** How many cores indexing may use from its next batch on; answered at once, even during a run. */
  setEffort: [{ effort: Effort }, void];
  /** Finish the request in flight, release the model, and let the thread end. */
  shutdown: [Record<string, never>, void];
}
export type WorkerMethod = keyof WorkerMethods;

export interface RequestMessage<M extends WorkerMethod = WorkerMethod> {
  type: 'request';
  id: number;
  method: M;
  params: WorkerMethods[M][0];
}
export interface CancelMessage {
  type: 'cancel';
  id: number;
}
export interface ResponseMessage {
  type: 'response';
  id: number;
  result?: unknown;
  error?: ErrorPayload;
}
export interface ProgressMessage {
  type: 'progress';
  id: number;
  progress: IndexProgress;
}
/** Sent once when the model is loaded (or failed to load). */
export interface ReadyMessage {
  type: 'ready';
  error?: ErrorPayload;
  model?: {
    id: string; dim: number; dtype: string; loadMs: number;
    /** Where the model runs, and why not on the device the config asked for, when it could not. */
    device?: Device; deviceProblem?: string;
  };
}
export interface LogMessage {
  type: 'log';
  level: 'info' | 'warn' | 'error';
  message: string;
}

export type HostToWorker = RequestMessage | CancelMessage;
export type WorkerToHost = ResponseMessage | ProgressMessage | ReadyMessage | LogMessage;

/** An error that crosses the thread boundary: a stable code and a sentence a user can act on. */
export interface ErrorPayload {
  code: ErrorCode;
  message: string;
}

export type ErrorCode =
  | 'model-missing'
  | 'model-invalid'
  | 'store-unreadable'
  /** Another process holds the store's lock: this one searches the last saved index and cannot change it. */
  | 'store-locked'
  | 'cancelled'
  | 'worker-exited'
  | 'bad-request'
  | 'internal';

export function isWorkerToHost(m: unknown): m is WorkerToHost {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string'
    && ['response', 'progress', 'ready', 'log'].includes((m as { type: string }).type);
}
