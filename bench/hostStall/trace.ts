// Optional diagnosis (`run.mjs --trace`): what reached the extension host's main thread from the engine
// worker, when, how big, and how long the extension's synchronous handler took — to put next to each stall.
//
// It wraps `Worker.prototype.emit` / `postMessage` of node:worker_threads, which the extension's EngineHost
// uses (builtins are one instance per process). A message's structured-clone deserialisation happens on this
// thread just before `emit('message')`, so a stall that contains a message's arrival and a large payload
// points at the payload; a long `handlerMs` points at the extension's own handler (WorkerClient → Indexer →
// StatusBar / progress notification). Promise continuations (e.g. what runs when `index` resolves) run
// right after the handler in the same macrotask and are not in `handlerMs`, but they are in the stall.
// Sizes are measured after the window (JSON length of the message), so tracing adds only two clock reads.
import { Worker } from 'node:worker_threads';

export interface TracedMessage {
  at: number;
  type: string;
  /** For progress and responses: the request's method ('index', 'info', …). */
  method?: string;
  phase?: string;
  handlerMs: number;
  bytes?: number;
  /** For responses: entries of a `skipped` list in the result, if any. */
  skipped?: number;
}

export interface MessageStats {
  count: number;
  handlerMsTotal: number;
  handlerMsMax: number;
  bytesMax: number;
  bytesTotal: number;
}

export class WorkerTrace {
  readonly messages: TracedMessage[] = [];
  private readonly raw: unknown[] = [];
  private readonly methods = new Map<number, string>();
  private restore: (() => void) | undefined;

  install(): void {
    const proto = Worker.prototype as unknown as {
      emit(event: string | symbol, ...args: unknown[]): boolean;
      postMessage(value: unknown, transfer?: unknown): void;
    };
    const emit = proto.emit;
    const post = proto.postMessage;
    const methods = this.methods;
    const messages = this.messages;
    const raw = this.raw;
    proto.postMessage = function (this: unknown, value: unknown, transfer?: unknown) {
      const m = value as { type?: string; id?: number; method?: string };
      if (m?.type === 'request' && typeof m.id === 'number' && m.method) methods.set(m.id, m.method);
      return transfer === undefined ? post.call(this, value) : post.call(this, value, transfer);
    };
    proto.emit = function (this: unknown, event: string | symbol, ...args: unknown[]) {
      if (event !== 'message') return emit.call(this, event, ...args);
      const t = performance.now();
      try {
        return emit.call(this, event, ...args);
      } finally {
        const m = args[0] as { type?: string; id?: number; progress?: { phase?: string } };
        messages.push({
          at: t,
          type: String(m?.type),
          ...(typeof m?.id === 'number' && methods.has(m.id) ? { method: methods.get(m.id) } : {}),
          ...(m?.progress?.phase ? { phase: m.progress.phase } : {}),
          handlerMs: performance.now() - t,
        });
        raw.push(m);
      }
    };
    this.restore = () => {
      proto.emit = emit;
      proto.postMessage = post;
    };
  }

  /** Puts the original methods back and measures the payloads (outside the measured window). */
  finish(): void {
    this.restore?.();
    this.restore = undefined;
    this.messages.forEach((m, i) => {
      const r = this.raw[i] as { result?: { skipped?: unknown[] } } | undefined;
      try {
        m.bytes = JSON.stringify(r)?.length ?? 0;
      } catch {
        m.bytes = -1;
      }
      if (Array.isArray(r?.result?.skipped)) m.skipped = r.result.skipped.length;
    });
    this.raw.length = 0;
  }

  /** Per kind ("progress:embedding", "response:index", …): count, handler time, payload size. */
  stats(): Record<string, MessageStats> {
    const out: Record<string, MessageStats> = {};
    for (const m of this.messages) {
      const key = [m.type, m.method === 'index' && m.type === 'progress' ? m.phase : m.method].filter(Boolean).join(':');
      const s = (out[key] ??= { count: 0, handlerMsTotal: 0, handlerMsMax: 0, bytesMax: 0, bytesTotal: 0 });
      s.count++;
      s.handlerMsTotal += m.handlerMs;
      s.handlerMsMax = Math.max(s.handlerMsMax, m.handlerMs);
      s.bytesMax = Math.max(s.bytesMax, m.bytes ?? 0);
      s.bytesTotal += m.bytes ?? 0;
    }
    for (const s of Object.values(out)) {
      s.handlerMsTotal = Math.round(s.handlerMsTotal * 10) / 10;
      s.handlerMsMax = Math.round(s.handlerMsMax * 100) / 100;
    }
    return out;
  }

  /** The most progress messages that arrived within any one second. */
  peakProgressPerSecond(): number {
    const times = this.messages.filter((m) => m.type === 'progress').map((m) => m.at);
    let best = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i] - times[j] > 1000) j++;
      best = Math.max(best, i - j + 1);
    }
    return best;
  }
}
