// Diagnosis only (`--trace`): a helper thread that looks at the extension host's main thread every 2 ms from
// the outside, through /proc (Linux): its scheduler state (R running/runnable, S sleeping, D disk wait) and,
// when it is not running, the system call it sits in. A stall of the event loop during which the main thread
// was sleeping in futex() was waiting for a lock (another thread: the engine worker, V8's GC helpers,
// onnxruntime), in epoll_wait() it had nothing to do (so the delay was elsewhere, e.g. the VM itself was
// descheduled: see steal time), in read()/pread() it was reading a file synchronously; R means it ran (or
// waited for a CPU).
import { Worker } from 'node:worker_threads';

/** x86-64 system call numbers worth naming. */
const SYSCALLS: Record<number, string> = {
  0: 'read', 1: 'write', 3: 'close', 7: 'poll', 9: 'mmap', 10: 'mprotect', 11: 'munmap', 17: 'pread64', 18: 'pwrite64',
  23: 'select', 28: 'madvise', 35: 'nanosleep', 202: 'futex', 230: 'clock_nanosleep', 232: 'epoll_wait', 257: 'openat',
  262: 'newfstatat', 270: 'pselect6', 271: 'ppoll', 281: 'epoll_pwait', 332: 'statx', 441: 'epoll_pwait2',
};

const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { openSync, readSync, closeSync } = require('node:fs');
const tid = workerData.tid;
const buf = Buffer.alloc(512);
const read = (p) => { let fd; try { fd = openSync(p, 'r'); const n = readSync(fd, buf, 0, 512, 0); return buf.toString('latin1', 0, n); } catch { return ''; } finally { if (fd !== undefined) closeSync(fd); } };
const samples = [];
let stop = false;
parentPort.on('message', (m) => { if (m === 'stop') stop = true; });
function tick() {
  if (stop) { parentPort.postMessage(samples); return; }
  const stat = read('/proc/self/task/' + tid + '/stat');
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  const raw = state === 'R' ? '' : read('/proc/self/task/' + tid + '/syscall').trim().split(' ')[0];
  const sys = raw === 'running' ? '' : raw;
  samples.push(performance.timeOrigin + performance.now(), state, sys);
  setTimeout(tick, workerData.everyMs);
}
tick();
`;

export interface ThreadSample {
  /** Absolute ms (timeOrigin + now). */
  t: number;
  /** R, S, D, … */
  state: string;
  /** System call the thread sat in when not running ('' if running). */
  syscall: string;
}

export class MainThreadSampler {
  private worker: Worker | undefined;
  samples: ThreadSample[] = [];

  start(everyMs = 2): void {
    this.worker = new Worker(SOURCE, { eval: true, workerData: { tid: process.pid, everyMs } });
    this.worker.unref();
  }

  async stop(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    const flat = await new Promise<unknown[]>((resolve) => {
      w.once('message', resolve);
      w.postMessage('stop');
    });
    await w.terminate();
    this.worker = undefined;
    for (let i = 0; i < flat.length; i += 3) {
      const nr = Number(flat[i + 2]);
      this.samples.push({ t: flat[i] as number, state: flat[i + 1] as string, syscall: flat[i + 2] === '' ? '' : SYSCALLS[nr] ?? `sys${flat[i + 2]}` });
    }
  }

  /** Counts of "state/syscall" among the samples between two absolute times. */
  between(from: number, to: number): { states: Record<string, number>; samplerMaxGapMs: number } {
    const states: Record<string, number> = {};
    let gap = 0;
    let prev: number | undefined;
    for (const s of this.samples) {
      if (s.t < from || s.t > to) continue;
      if (prev !== undefined) gap = Math.max(gap, s.t - prev);
      prev = s.t;
      const k = s.syscall ? `${s.state}:${s.syscall}` : s.state;
      states[k] = (states[k] ?? 0) + 1;
    }
    return { states, samplerMaxGapMs: Math.round(gap * 10) / 10 };
  }
}
