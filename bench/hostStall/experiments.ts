// Diagnosis only (`run.mjs --experiment NAME[,NAME]`): simulate a candidate fix from outside the extension,
// without changing src/, to see whether it moves the stall figure. Each is what one change in src/ would do:
//
//   throttle-progress  the host sees at most one `progress` message per 250 ms of each phase (phase changes
//                      always): what throttling `onProgress` in src/node/engine.ts / src/worker/worker.ts does.
//                      Fewer Indexer.setState → StatusBar.update (MarkdownString tooltip, converted by VS Code
//                      with its markdown lexer) → progress notification updates → workbench repaints.
//   nice-worker        the engine's worker thread(s) run at nice 10 (Linux: os.setPriority(10) called inside
//                      the worker thread affects that thread only), so the host's main thread wins the CPU
//                      over its own engine when both are runnable.
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';

export type ExperimentName = 'throttle-progress' | 'nice-worker';
export const EXPERIMENTS: readonly ExperimentName[] = ['throttle-progress', 'nice-worker'];

function threads(): Map<number, string> {
  const out = new Map<number, string>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      out.set(Number(tid), readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim());
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

export class Experiments {
  private readonly undo: (() => void)[] = [];
  readonly notes: Record<string, unknown> = {};

  constructor(private readonly names: ExperimentName[]) {}

  /** Call before activation. */
  install(): void {
    if (this.names.includes('throttle-progress')) this.throttleProgress(250);
    if (this.names.includes('nice-worker')) this.niceWorkers(10);
  }

  dispose(): void {
    for (const u of this.undo.splice(0)) u();
  }

  private throttleProgress(everyMs: number): void {
    const proto = Worker.prototype as unknown as { emit(event: string | symbol, ...args: unknown[]): boolean };
    const emit = proto.emit;
    let last = { phase: '', at: -Infinity };
    let dropped = 0;
    let passed = 0;
    proto.emit = function (this: unknown, event: string | symbol, ...args: unknown[]) {
      const m = args[0] as { type?: string; progress?: { phase?: string } } | undefined;
      if (event === 'message' && m?.type === 'progress') {
        const now = performance.now();
        const phase = m.progress?.phase ?? '';
        if (phase === last.phase && now - last.at < everyMs) {
          dropped++;
          return true;
        }
        last = { phase, at: now };
        passed++;
      }
      return emit.call(this, event, ...args);
    };
    this.undo.push(() => {
      proto.emit = emit;
      this.notes.throttleProgress = { everyMs, passed, dropped };
    });
  }

  /** Renices every thread named WorkerThread that appears after this call (the engine worker; threads it starts inherit the name). */
  private niceWorkers(nice: number): void {
    const before = new Set(threads().keys());
    const reniced: number[] = [];
    const timer = setInterval(() => {
      for (const [tid, comm] of threads()) {
        if (before.has(tid) || comm !== 'WorkerThread') continue;
        before.add(tid);
        try {
          os.setPriority(tid, nice);
          reniced.push(tid);
        } catch {
          // not allowed here: leave it
        }
      }
    }, 20);
    this.undo.push(() => {
      clearInterval(timer);
      this.notes.niceWorker = { nice, threads: reniced.length };
    });
  }
}
