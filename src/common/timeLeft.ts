import type { IndexProgress } from './protocol/engine';

/** Less embedding than this and the rate is too uncertain to promise a time (the first batches load the model's caches). */
const MIN_ELAPSED_MS = 10_000;

/**
 * Estimates how long the embedding of a run has left, from its rate since the first report of the step: the
 * batches are cut shortest first, so the estimate starts low and grows as longer texts come; it is meant as
 * "about 5 min", not a countdown.
 */
export class TimeLeft {
  private start: { at: number; done: number; total: number } | undefined;

  /** The time left in ms, or undefined while it cannot be told (another step, or too little seen yet). */
  update(p: IndexProgress, now: number): number | undefined {
    if (p.phase !== 'embedding') {
      this.start = undefined;
      return undefined;
    }
    if (!this.start || p.total !== this.start.total || p.done < this.start.done) {
      this.start = { at: now, done: p.done, total: p.total };
      return undefined;
    }
    const elapsed = now - this.start.at;
    const done = p.done - this.start.done;
    if (elapsed < MIN_ELAPSED_MS || done <= 0) return undefined;
    return ((p.total - p.done) * elapsed) / done;
  }
}
