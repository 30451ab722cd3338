import { parentPort, workerData } from 'node:worker_threads';
import { EngineError, toErrorPayload } from '../common/errors';
import type { IndexRequest } from '../common/protocol/engine';
import type { CancelToken } from '../common/protocol/workerClient';
import type { HostToWorker, RequestMessage, WorkerConfig, WorkerToHost } from '../common/protocol/worker';
import { Engine } from '../node/engine';
import { throttleProgress } from '../node/progress';

/**
 * The engine's thread. Reading, splitting, embedding, indexing and saving all happen here; the host only
 * sends requests. Requests that change the index run one at a time; searches run alongside them (the model
 * runs on onnxruntime's own threads, so a search can be answered between two embedding batches).
 */
const port = parentPort!;
const config = workerData as WorkerConfig;
const post = (m: WorkerToHost) => port.postMessage(m);

class Token implements CancelToken {
  isCancellationRequested = false;
  private listeners: (() => void)[] = [];
  cancel() {
    this.isCancellationRequested = true;
    for (const l of this.listeners) l();
  }
  onCancellationRequested(listener: () => void) {
    this.listeners.push(listener);
    return { dispose: () => { this.listeners = this.listeners.filter((l) => l !== listener); } };
  }
}

/**
 * Fault injection for the crash tests in a real VS Code (test/integration): a search for exactly this text
 * ends the worker as a crash would. Unset outside those tests.
 */
const CRASH_QUERY = process.env.SEMANTIC_SEARCH_TEST_CRASH_QUERY;

const tokens = new Map<number, Token>();
const inFlight = new Set<Promise<void>>();
let writes: Promise<unknown> = Promise.resolve();
let shuttingDown = false;

const t0 = performance.now();
const engineReady = Engine.open({ ...config, log: (level, message) => post({ type: 'log', level, message }) });
engineReady.then(
  (engine) => post({ type: 'ready', model: { ...engine.modelInfo, loadMs: Math.round(performance.now() - t0) } }),
  (e) => post({ type: 'ready', error: toErrorPayload(e) }),
);

async function handle(m: RequestMessage, token: Token): Promise<unknown> {
  const engine = await engineReady;
  switch (m.method) {
    case 'search': {
      const p = m.params as { query?: unknown; options?: object };
      if (typeof p?.query !== 'string') throw new EngineError('bad-request', 'A search needs a query string.');
      if (CRASH_QUERY && p.query === CRASH_QUERY) process.exit(70);
      return engine.search(p.query, p.options);
    }
    case 'info':
      return engine.info();
    case 'index': {
      const p = m.params as IndexRequest;
      const strings = (v: unknown) => Array.isArray(v) && v.every((r) => typeof r === 'string');
      if (!strings(p?.roots) || (p.paths !== undefined && !strings(p.paths))) {
        throw new EngineError('bad-request', 'Indexing needs a list of folders (and optionally of files).');
      }
      // A report per embedding batch would cost the host a status-bar and notification update each.
      const report = throttleProgress((progress) => post({ type: 'progress', id: m.id, progress }));
      const run = () => engine.index(p, report, token);
      return serialize(run);
    }
    case 'clear':
      return serialize(() => engine.clear());
    default:
      throw new EngineError('bad-request', `Unknown request ${String(m.method)}.`);
  }
}

function serialize<T>(fn: () => Promise<T>): Promise<T> {
  const next = writes.then(fn, fn);
  writes = next.catch(() => undefined);
  return next;
}

async function shutdown(id: number): Promise<void> {
  shuttingDown = true;
  for (const t of tokens.values()) t.cancel();
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
    tokens.get(m.id)?.cancel();
    return;
  }
  if (m?.type !== 'request') return;
  if (m.method === 'shutdown') {
    void shutdown(m.id);
    return;
  }
  if (shuttingDown) {
    post({ type: 'response', id: m.id, error: { code: 'worker-exited', message: 'The search worker is shutting down.' } });
    return;
  }
  const token = new Token();
  tokens.set(m.id, token);
  const answered = handle(m, token).then(
    (result) => post({ type: 'response', id: m.id, result }),
    (e) => post({ type: 'response', id: m.id, error: toErrorPayload(e) }),
  ).finally(() => {
    tokens.delete(m.id);
    inFlight.delete(answered);
  });
  inFlight.add(answered);
});
