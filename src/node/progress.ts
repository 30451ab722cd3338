import type { IndexProgress } from '../common/protocol/engine';

/** Progress reports per second a listener gets at most within one phase (the status bar, a notification). */
export const PROGRESS_INTERVAL_MS = 250;

/**
 * Passes on at most one progress report per `intervalMs` within a phase. The first report of each phase and
 * the last one (done = total) always pass, so a listener sees every phase start and the final count.
 * The engine reports every batch (70–90 a second with a small model); across the worker boundary each report
 * costs the extension host a status-bar and notification update, for a change nobody can read at that rate.
 */
export function throttleProgress(
  onProgress: ((p: IndexProgress) => void) | undefined,
  intervalMs = PROGRESS_INTERVAL_MS,
  now: () => number = () => performance.now(),
): ((p: IndexProgress) => void) | undefined {
  if (!onProgress) return undefined;
  let phase: IndexProgress['phase'] | undefined;
  let lastAt = -Infinity;
  return (p) => {
    const t = now();
    const final = p.total > 0 && p.done >= p.total;
    if (p.phase === phase && !final && t - lastAt < intervalMs) return;
    phase = p.phase;
    lastAt = t;
    onProgress(p);
  };
}
