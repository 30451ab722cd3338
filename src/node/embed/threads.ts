import os from 'node:os';
import type { Threads } from '../../common/protocol/worker';

/** Threads for onnxruntime while the user works: half the cores, so indexing never starves the editor of CPU. */
export function halfTheCores(): number {
  return Math.max(1, Math.floor(os.availableParallelism() / 2));
}

/** Threads for onnxruntime when nobody is working on the machine: every core. */
export function allTheCores(): number {
  return Math.max(1, os.availableParallelism());
}

/**
 * The onnxruntime sessions a threads setting asks for: one of `half` threads (a fixed count as it is, 0 meaning
 * half the cores), and for
 * 'auto' a second of `all` threads, only where that is more (on one core both would be the same).
 */
export function sessionThreads(threads: Threads): { half: number; all?: number } {
  if (threads !== 'auto') return { half: threads >= 1 ? Math.floor(threads) : halfTheCores() };
  const half = halfTheCores();
  const all = allTheCores();
  return all > half ? { half, all } : { half };
}
