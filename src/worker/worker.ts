import { parentPort, workerData } from 'node:worker_threads';
import { EngineError, toErrorPayload } from '../common/errors';
import type { IndexProgress } from '../common/protocol/engine';
import type { CancelToken } from '../common/protocol/workerClient';
import type { HostToWorker, RequestMessage, WorkerConfig, WorkerMethods, WorkerToHost } from '../common/protocol/worker';
import { Engine } from '../node/engine';
import { handlers, isEngineMethod, type EngineMethod, type Handler } from './handlers';

/**
 * The engine's thread. Reading, splitting, embedding, indexing and saving all happen here; the host only
 * sends requests, each answered by its handler (handlers.ts). Requests that change the index run one at a
 * time; searches run alongside them (the model runs on onnxruntime's own threads, so a search can be answered
 * between two embedding batches).
 */
const port = parentPort!;
const config: WorkerConfig = workerData;
const post = (m: WorkerToHost) => port.postMessage(m);

/** The cancellation of one request, set by the host's 'cancel' message or by shutdown. */
class CancelSource implements CancelToken {
  isCancellationRequested = false;
  private listeners: (() => void)[] = [];
  cancel() {
    this.isCancellationRequested = true;
    for (const listener of this.listeners) listener();
  }
  onCancellationRequested(listener: () => void) {
    this.listeners.push(listener);
    return { dispose: () => { this.listeners = this.listeners.filter((l) => l !== listener); } };
  }
}

const cancelSources = new Map<number, CancelSource>();
const inFlight = new Set<Promise<void>>();
/** The last request that changes the index: the next one starts after it. */
let writes: Promise<unknown> = Promise.resolve();
let shuttingDown = false;

const t0 = performance.now();
const engineReady = Engine.open({ ...config, log: (level, message) => post({ type: 'log', level, message }) });
engineReady.then(
  (engine) => post({
    type: 'ready',
    model: {
      ...engine.modelInfo, loadMs: Math.round(performance.now() - t0), device: engine.deviceInfo.device,
      ...(engine.deviceInfo.problem ? { deviceProblem: engine.deviceInfo.problem } : {}),
    },
  }),
  (e) => post({ type: 'ready', error: toErrorPayload(e) }),
);

/** Runs `method` with its handler: params checked, after the writes before it if it writes too. */
async function dispatch<M extends EngineMethod>(method: M, raw: unknown, id: number, token: CancelToken): Promise<WorkerMethods[M][1]> {
  const engine = await engineReady;
  const handler: Handler<M> = handlers[method];
  const params = handler.params(raw);
  const context = { engine, token, reportProgress: (progress: IndexProgress) => post({ type: 'progress', id, progress }) };
  return handler.writes ? serialize(() => handler.run(params, context)) : handler.run(params, context);
}

function serialize<T>(fn: () => Promise<T>): Promise<T> {
  const next = writes.then(fn, fn);
  writes = next.catch(() => undefined);
  return next;
}

function answer(m: RequestMessage): void {
  const source = new CancelSource();
  cancelSources.set(m.id, source);
  const method: unknown = m.method;
  const result = isEngineMethod(method)
    ? dispatch(method, m.params, m.id, source)
    : Promise.reject(new EngineError('bad-request', `Unknown request ${String(method)}.`));
  const answered = result.then(
    (value) => post({ type: 'response', id: m.id, result: value }),
    (e) => post({ type: 'response', id: m.id, error: toErrorPayload(e) }),
  ).finally(() => {
    cancelSources.delete(m.id);
    inFlight.delete(answered);
  });
  inFlight.add(answered);
}

async function shutdown(id: number): Promise<void> {
  shuttingDown = true;
  for (const source of cancelSources.values()) source.cancel();
  // Every request in flight ends first (writes stop at their next check, searches finish), so the model
  // is never released under a running search.
  await Promise.allSettled(inFlight);
  try {
    await (await engineReady).dispose();
  } catch {
    // The model never loaded: nothing to release.
  }
  post({ type: 'response', id });
  port.close();
}

port.on('message', (m: HostToWorker) => {
  if (m?.type === 'cancel') {
    cancelSources.get(m.id)?.cancel();
  } else if (m?.type !== 'request') {
    return;
  } else if (m.method === 'shutdown') {
    void shutdown(m.id);
  } else if (shuttingDown) {
    post({ type: 'response', id: m.id, error: { code: 'worker-exited', message: 'The search worker is shutting down.' } });
  } else {
    answer(m);
  }
});
