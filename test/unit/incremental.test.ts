// Proves that indexing step by step gives the index a fresh run would: random sequences of workspace changes
// (files created, edited, deleted, renamed, folders moved, a CHANGELOG of 1,000–3,000 sections edited in the
// middle and cut short, branch switches, runs cancelled or killed halfway) are indexed by the real engine on
// real files, by full scans and by watcher paths; after every step the passages, vectors, search results and
// the saved store equal those of a new engine that indexed the same tree from nothing (the model and the
// commands: test/unit/incrementalModel.ts; `npm run soak` runs thousands of steps with random seeds).
// What random sequences found is kept below as fixed sequences, and in engine.test.ts.
import { describe, it } from 'node:test';
import { Commands, runModel, runSequence, scan, watched, type RunSpec } from './incrementalModel';

/** Fixed in `npm test`; INCREMENTAL_SEED=<seed> runs the same sequences with another seed. */
const SEED = Number(process.env.INCREMENTAL_SEED ?? 20261209);

describe('incremental indexing equals a fresh index', () => {
  it(`after every step of random changes to a small tree (seed ${SEED})`, async (t) => {
    const t0 = performance.now();
    const steps = await runModel({ seed: SEED, runs: 5, commands: 40, bigFiles: 0 });
    t.diagnostic(`${steps} steps in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  });

  it(`after every step of short sequences around a CHANGELOG of 1,000–3,000 sections (seed ${SEED})`, async (t) => {
    const t0 = performance.now();
    const steps = await runModel({ seed: SEED, runs: 3, commands: 8, bigFiles: 6 });
    t.diagnostic(`${steps} steps in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  });

  // Seed 20261209 found it: Orama's removeMultiple left all but 1,000 removals to timers, so the edited
  // CHANGELOG's passage 1,000 was added while the old one was still there ("already exists"), every run after.
  it('after a CHANGELOG of more than 1,000 sections is edited in the middle, cut short and deleted', async () => {
    const { Populate, Big } = Commands;
    await runSequence([
      new Populate(1), new Big('edit middle', 1200, 2, scan), new Big('edit middle', 0, 3, watched),
      new Big('cut short', 0, 4, scan), new Big('edit middle', 0, 5, watched), new Big('delete', 0, 6, watched),
    ]);
  });

  it('after runs stopped while they embed: cancelled with their words and part of their meanings saved, killed among their checkpoints', async () => {
    const { Populate, Big } = Commands;
    const cancelled = (after: number): RunSpec => ({ watcher: false, interrupt: { kind: 'cancel', after } });
    const killed = (afterMs: number): RunSpec => ({ watcher: false, interrupt: { kind: 'kill', afterMs } });
    // A CHANGELOG of 1,500 or 2,000 new sections takes a run well into its meanings: the cancel comes after a
    // few batches, the kill (a checkpoint after each batch) a few seconds into the command line's run.
    await runSequence([
      new Populate(2), new Big('edit middle', 1500, 7, cancelled(6)), new Big('delete', 0, 8, scan),
      new Big('edit middle', 2000, 9, killed(3000)),
    ]);
  });
});
