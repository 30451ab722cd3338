// Soak of the model-based incremental test (test/unit/incrementalModel.ts): sequence after sequence of random
// workspace changes, each with a seed of its own, until the deadline; after every step the index must
// equal a fresh index of the same tree. A failure names the sequence's seed and its commands.
import { runModel } from '../unit/incrementalModel';

/** Commands per sequence: longer than in `npm test`. */
const COMMANDS = 60;

export async function soak(opts: { deadline: number; seed: number; log: (line: string) => void }): Promise<{ trials: number; failures: string[] }> {
  const failures: string[] = [];
  let trials = 0, steps = 0;
  // The first sequence's seed is the slice's own, so `npm run soak -- --only incremental --seed S` replays sequence S.
  for (let seed = opts.seed >>> 0; Date.now() < opts.deadline; seed = next(seed)) {
    trials++;
    try {
      // Every other sequence (by its seed) has the long CHANGELOG, drawn as often as a delete; the others
      // take a quarter of the time a step.
      const n = await runModel({ seed, runs: 1, commands: COMMANDS, bigFiles: seed % 2, deadline: opts.deadline });
      steps += n;
      opts.log(`seed ${seed}: ${n} steps, the same as a fresh index after each`);
    } catch (e) {
      failures.push(`seed ${seed} (replay: npm run soak -- --only incremental --seed ${seed} --minutes 5): ${(e as Error).message}`);
      opts.log(`seed ${seed}: FAILED`);
    }
  }
  opts.log(`${steps} steps`);
  return { trials, failures };
}

/** The next seed (xorshift32; never 0 from a non-zero start). */
function next(x: number): number {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return (x >>> 0) || 1;
}
