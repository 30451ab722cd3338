// Who used the CPUs while the extension indexed (Linux /proc, sampled by run.mjs every 500 ms): the extension
// host's main thread, its worker threads (the engine runs in one, onnxruntime computes on it), its other
// threads (V8 GC helpers, libuv pool), the VS Code server's other processes, chromium (the workbench
// drawing the status bar and the progress notification), and everything else on the machine (other people's
// work: a figure taken while it is high is not comparable).
import { readdirSync, readFileSync } from 'node:fs';

const HZ = 100; // USER_HZ: /proc times are in 1/100 s

function read(p) {
  try {
    return readFileSync(p, 'latin1');
  } catch {
    return '';
  }
}

/** [comm, ppid, cpu ms] from a /proc/…/stat line. */
function parseStat(text) {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const comm = text.slice(text.indexOf('(') + 1, close);
  const f = text.slice(close + 2).split(' ');
  // f[0] = state (field 3); ppid field 4 → f[1]; utime field 14 → f[11]; stime field 15 → f[12]
  return { comm, ppid: Number(f[1]), cpuMs: ((Number(f[11]) + Number(f[12])) * 1000) / HZ };
}

function machine() {
  const f = read('/proc/stat').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const idle = f[3] + f[4];
  const total = f.reduce((a, b) => a + b, 0);
  return { busyMs: ((total - idle) * 1000) / HZ, totalMs: (total * 1000) / HZ };
}

/** Read every time: a process just forked still shows its parent's command line until it execs. */
function cmdline(pid) {
  return read(`/proc/${pid}/cmdline`).replace(/\0/g, ' ');
}

/** One reading: cumulative CPU ms of each of our processes (ext host: of each thread), by category. */
function sample(rootPid) {
  const procs = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = parseStat(read(`/proc/${name}/stat`));
    if (s) procs.set(Number(name), s);
  }
  const children = new Map();
  for (const [pid, s] of procs) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  const ours = new Set([rootPid]);
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop();
    for (const c of children.get(pid) ?? []) if (!ours.has(c)) (ours.add(c), stack.push(c));
  }
  /** key ("pid" or "pid/tid") → [category, cpu ms] */
  const cpu = new Map();
  for (const pid of ours) {
    const s = procs.get(pid);
    if (!s) continue;
    const cmd = cmdline(pid);
    if (pid === rootPid) {
      cpu.set(`${pid}`, ['runner', s.cpuMs]);
    } else if (cmd.includes('--type=extensionHost')) {
      let tids = [];
      try {
        tids = readdirSync(`/proc/${pid}/task`);
      } catch {
        // exited meanwhile
      }
      for (const tid of tids) {
        const t = parseStat(read(`/proc/${pid}/task/${tid}/stat`));
        if (!t) continue;
        const cat = Number(tid) === pid ? 'hostMain' : t.comm === 'WorkerThread' ? 'hostWorkers' : 'hostOther';
        cpu.set(`${pid}/${tid}`, [cat, t.cpuMs]);
      }
    } else {
      cpu.set(`${pid}`, [cmd.includes('chromium') || cmd.includes('chrome') ? 'chromium' : cmd.includes('.vscode-host') ? 'server' : 'runner', s.cpuMs]);
    }
  }
  return { t: Date.now(), cpu, ...machine() };
}

export class ProcWatch {
  samples = [];
  timer = undefined;

  constructor(rootPid = process.pid, everyMs = 500) {
    this.rootPid = rootPid;
    this.everyMs = everyMs;
  }

  start() {
    const tick = () => {
      try {
        this.samples.push(sample(this.rootPid));
      } catch {
        // a process vanished mid-read: skip this reading
      }
    };
    tick();
    this.timer = setInterval(tick, this.everyMs);
  }

  stop() {
    clearInterval(this.timer);
  }

  /**
   * CPU ms per category between two epoch times (from the readings just outside the window). A process or
   * thread that started inside the window counts from zero; one that ended inside it is not counted.
   */
  window(fromEpochMs, toEpochMs) {
    const before = [...this.samples].reverse().find((s) => s.t <= fromEpochMs) ?? this.samples[0];
    const after = this.samples.find((s) => s.t >= toEpochMs) ?? this.samples.at(-1);
    if (!before || !after || after === before) return undefined;
    const out = { ms: after.t - before.t, capacityMs: Math.round(after.totalMs - before.totalMs), hostMain: 0, hostWorkers: 0, hostOther: 0, server: 0, chromium: 0, runner: 0 };
    let ours = 0;
    for (const [key, [cat, ms]] of after.cpu) {
      const d = ms - (before.cpu.get(key)?.[1] ?? 0);
      out[cat] += d;
      ours += d;
    }
    for (const k of ['hostMain', 'hostWorkers', 'hostOther', 'server', 'chromium', 'runner']) out[k] = Math.round(out[k]);
    const busy = after.busyMs - before.busyMs;
    // the machine's busy time that was not ours (other people's processes, the kernel's own threads)
    return { ...out, others: Math.max(0, Math.round(busy - ours)), busy: Math.round(busy) };
  }
}
