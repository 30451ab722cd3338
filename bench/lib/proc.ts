import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Memory and CPU readings of this process from /proc (Linux). The peak RSS (VmHWM) can be reset by writing
 * "5" to /proc/self/clear_refs, so one process can measure the peak of a single phase without the peaks of
 * the phases before it; where that is not possible, `resetPeakRss` returns false and callers fall back to
 * one process per phase.
 */
function status(): string {
  return readFileSync('/proc/self/status', 'utf8');
}

function statusKb(field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status());
  return m ? Number(m[1]) : NaN;
}

/** Resident set size now, in MB (1e6 bytes). */
export function rssMb(): number {
  return process.memoryUsage().rss / 1e6;
}

/** Highest RSS since start or since the last `resetPeakRss`, in MB. */
export function peakRssMb(): number {
  const kb = statusKb('VmHWM');
  return Number.isFinite(kb) ? (kb * 1024) / 1e6 : process.resourceUsage().maxRSS * 1024 / 1e6;
}

export function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** Runs a full garbage collection when node was started with --expose-gc. */
export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

interface CpuTimes { busy: number; all: number }

function machineCpu(): CpuTimes | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    return { busy: f[0] + f[1] + f[2] + f[5] + f[6] + f[7], all: f.slice(0, 8).reduce((a, b) => a + b, 0) };
  } catch {
    return undefined;
  }
}

/**
 * Measures how much CPU other processes used while `fn` ran (in cores, averaged over its wall time):
 * 0 means the machine was ours, 1 on a 2-core machine means half of it was busy with something else.
 */
export async function withContamination<T>(fn: () => Promise<T>): Promise<{ value: T; otherCores: number; ownCores: number; wallMs: number }> {
  const m0 = machineCpu();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const wallMs = performance.now() - t0;
  const c1 = process.cpuUsage(c0);
  const m1 = machineCpu();
  const ownCores = (c1.user + c1.system) / 1000 / wallMs;
  // /proc/stat counts in USER_HZ (100 per second on Linux).
  const machineCores = m0 && m1 ? ((m1.busy - m0.busy) * 10) / wallMs : NaN;
  return { value, ownCores, otherCores: Math.max(0, machineCores - ownCores), wallMs };
}
