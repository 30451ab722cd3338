// The store's fault trials for long runs (`npm run soak`): kill -9 in the middle of saves, and two processes
// indexing one store while a third searches it, until the deadline. Every failure names the seed and the trial
// of its series; `killSeries(seed, n)` / `twoWritersSeries(seed, n)` of test/unit/fixtures/storeTrials.ts replay it.
import { killSeries, twoWritersSeries } from '../unit/fixtures/storeTrials';

/**
 * Kill trials per series (one workspace of 2,000 chunks), and two-writer trials per series: about 2.5 kill
 * trials for each two-writer trial in the same time, the ratio of the 50 and 20 a 10-minute soak should reach.
 */
const KILLS_PER_SERIES = 10;
const TWO_WRITERS_PER_SERIES = 6;

export async function soak(opts: { deadline: number; seed: number; log: (line: string) => void }): Promise<{ trials: number; failures: string[] }> {
  const failures: string[] = [];
  let kills = 0, twoWriters = 0;
  for (let round = 0; Date.now() < opts.deadline; round++) {
    // Each series gets a seed of its own, derived from the soak's: a failure's seed replays that series alone.
    const killSeed = opts.seed + 2 * round;
    const k = await killSeries(killSeed, KILLS_PER_SERIES, opts.deadline);
    kills += k.trials;
    failures.push(...k.failures);
    opts.log(`faults: kill series (seed ${killSeed}): ${k.trials} trials, ${k.failures.length} failures; the kills left ${summary(k.outcomes)}`);
    if (Date.now() >= opts.deadline) break;
    const twoSeed = opts.seed + 2 * round + 1;
    const w = await twoWritersSeries(twoSeed, TWO_WRITERS_PER_SERIES, opts.deadline);
    twoWriters += w.trials;
    failures.push(...w.failures);
    opts.log(`faults: two-writer series (seed ${twoSeed}): ${w.trials} trials, ${w.failures.length} failures; ${summary(w.outcomes)}`);
  }
  opts.log(`faults: ${kills} kill trials, ${twoWriters} two-writer trials, ${failures.length} failures`);
  return { trials: kills + twoWriters, failures };
}

function summary(outcomes: string[]): string {
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(o, (counts.get(o) ?? 0) + 1);
  return [...counts].map(([o, n]) => `${o} ×${n}`).join(', ') || 'nothing';
}
