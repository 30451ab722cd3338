// Event-loop stall probes for the thread they run on (the VS Code extension host's main thread, when loaded
// by hostStall.host.ts). Plain Node: no VS Code API here.
//
// Two independent measurements of the same thing:
// - `monitorEventLoopDelay` (libuv timer inside Node, 10 ms resolution). Its samples are the time between
//   two of its timer callbacks, i.e. the resolution plus the delay; the figures here subtract the
//   resolution, so 0 means "on time" and a 120 ms figure means the loop could not run a timer for ~120 ms.
// - a setInterval(10) probe in JavaScript: lag = time since the previous tick − 10 ms. Same definition, run
//   through the JS timer queue, as a cross-check.
// With `detail`, the probe also keeps every lag above a threshold with its time, and reads the thread's
// scheduler counters (/proc/self/task/<tid>/schedstat: ns on a CPU, ns waiting for one) at each tick, so a
// stall can be told apart as "the thread was busy" (JS, GC, deserialising a message) or "the thread was
// runnable but the OS ran something else" (the 2 cores were taken by the worker, onnxruntime, the server
// and chromium).
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from 'node:perf_hooks';

export const RESOLUTION_MS = 10;

/** One late tick of the interval probe. */
export interface Lag {
  /** performance.now() of the late tick (ms, this thread's time origin). */
  at: number;
  /** ms later than scheduled. */
  lagMs: number;
  /** Of the time since the previous tick: ms this thread ran on a CPU, and ms it waited for one (runnable). */
  cpuMs?: number;
  runQueueMs?: number;
  /** ms of CPU time the hypervisor took from this VM (all CPUs, /proc/stat steal, 10 ms granularity). */
  stealMs?: number;
  /** Absolute time of the tick (timeOrigin + at), to match samples of other threads. */
  absAt?: number;
}

export interface StallFigures {
  /** Window length. */
  ms: number;
  /** monitorEventLoopDelay, resolution subtracted (ms). */
  maxStallMs: number;
  p99StallMs: number;
  meanStallMs: number;
  samples: number;
  /** setInterval(10) probe: the largest lag (ms). */
  probeMaxLagMs: number;
  probeTicks: number;
  /** This thread's CPU time and run-queue wait over the window (schedstat), when readable. */
  threadCpuMs?: number;
  threadRunQueueMs?: number;
}

const ms = (ns: number) => ns / 1e6;
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** ns on CPU and ns waiting on a run queue of the calling thread, or undefined where /proc has no schedstat. */
function schedstatPath(): string | undefined {
  // The main thread's tid is the pid; worker threads have their own tids, but this file only runs on the main thread.
  const p = `/proc/self/task/${process.pid}/schedstat`;
  try {
    readFileSync(p, 'utf8');
    return p;
  } catch {
    return undefined;
  }
}

/** Steal time of all CPUs in ms (/proc/stat, USER_HZ = 100). */
function readSteal(): number | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8');
    return Number(f.slice(0, f.indexOf('\n')).trim().split(/\s+/)[8]) * 10;
  } catch {
    return undefined;
  }
}

function readSchedstat(p: string | undefined): [number, number] | undefined {
  if (!p) return undefined;
  try {
    const [run, wait] = readFileSync(p, 'utf8').trim().split(/\s+/).map(Number);
    return [run, wait];
  } catch {
    return undefined;
  }
}

export class StallProbe {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  private t0 = 0;
  private t1 = 0;
  private maxLag = 0;
  private ticks = 0;
  private readonly sched = schedstatPath();
  private schedStart: [number, number] | undefined;
  private schedEnd: [number, number] | undefined;
  private schedLast: [number, number] | undefined;
  private stealLast: number | undefined;
  /** Late ticks (≥ detailThresholdMs), only with `detail`. */
  readonly lags: Lag[] = [];

  constructor(private readonly options: { detail?: boolean; detailThresholdMs?: number } = {}) {}

  start(): void {
    this.histogram.reset();
    this.histogram.enable();
    this.schedStart = this.schedLast = readSchedstat(this.sched);
    this.stealLast = this.options.detail ? readSteal() : undefined;
    this.t0 = this.last = performance.now();
    const threshold = this.options.detailThresholdMs ?? 20;
    this.timer = setInterval(() => {
      const now = performance.now();
      const lag = now - this.last - RESOLUTION_MS;
      this.last = now;
      this.ticks++;
      if (lag > this.maxLag) this.maxLag = lag;
      if (!this.options.detail) return;
      const s = readSchedstat(this.sched);
      const steal = readSteal();
      if (lag >= threshold) {
        const prev = this.schedLast;
        this.lags.push({
          at: now, absAt: performance.timeOrigin + now, lagMs: round(lag),
          ...(s && prev ? { cpuMs: round(ms(s[0] - prev[0])), runQueueMs: round(ms(s[1] - prev[1])) } : {}),
          ...(steal !== undefined && this.stealLast !== undefined ? { stealMs: steal - this.stealLast } : {}),
        });
      }
      this.schedLast = s;
      this.stealLast = steal;
    }, RESOLUTION_MS);
  }

  stop(): StallFigures {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.histogram.disable();
    this.t1 = performance.now();
    this.schedEnd = readSchedstat(this.sched);
    return this.figures();
  }

  figures(): StallFigures {
    const h = this.histogram;
    const stall = (ns: number) => round(Math.max(0, ms(ns) - RESOLUTION_MS));
    const s0 = this.schedStart;
    const s1 = this.schedEnd;
    return {
      ms: Math.round(this.t1 - this.t0),
      maxStallMs: h.count ? stall(h.max) : 0,
      p99StallMs: h.count ? stall(h.percentile(99)) : 0,
      meanStallMs: h.count ? round(Math.max(0, ms(h.mean) - RESOLUTION_MS), 2) : 0,
      samples: h.count,
      probeMaxLagMs: round(Math.max(0, this.maxLag)),
      probeTicks: this.ticks,
      ...(s0 && s1 ? { threadCpuMs: Math.round(ms(s1[0] - s0[0])), threadRunQueueMs: Math.round(ms(s1[1] - s0[1])) } : {}),
    };
  }
}

/** Garbage-collection pauses of this thread (main thread only: each worker has its own heap). */
export class GcWatch {
  readonly pauses: { at: number; ms: number; kind: number }[] = [];
  private readonly observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as { detail?: { kind?: number } }).detail?.kind ?? -1;
      this.pauses.push({ at: e.startTime, ms: round(e.duration, 2), kind });
    }
  });

  start(): void {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  stop(): void {
    this.observer.disconnect();
  }
}
