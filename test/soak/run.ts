// `npm run soak -- --minutes N [--seed S] [--only NAME]`: runs every test/soak/*.soak.ts module in turn, in
// slices, until the time is up, and reports the trials and failures of each. One seed drives the whole run
// and is printed first; `--seed` replays it (a module's first slice gets the seed itself, so a failing
// trial's seed replays that trial with `--only`). Exits 1 on any failure.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

/** What a soak module exports. */
export interface SoakModule {
  soak(opts: { deadline: number; seed: number; log: (line: string) => void }): Promise<{ trials: number; failures: string[] }>;
}

/** Longest slice one module runs before the next one's turn. */
const SLICE_MS = 2 * 60_000;

/** The seed of round `round` of a run with seed `seed`: the seed itself first, then a mix of the two. */
function roundSeed(seed: number, round: number): number {
  if (!round) return seed;
  let x = (seed ^ Math.imul(round, 0x9e3779b1)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { minutes: { type: 'string' }, seed: { type: 'string' }, only: { type: 'string' } } });
  const minutes = Number(values.minutes ?? 1);
  if (!(minutes > 0)) throw new Error(`--minutes must be a positive number, not "${values.minutes}".`);
  const seed = values.seed !== undefined ? Number(values.seed) >>> 0 : Math.floor(Math.random() * 2 ** 32);
  const names = readdirSync(__dirname).filter((f) => f.endsWith('.soak.ts')).map((f) => f.slice(0, -'.soak.ts'.length))
    .filter((n) => !values.only || n === values.only).sort();
  if (!names.length) throw new Error(values.only ? `No soak module test/soak/${values.only}.soak.ts.` : 'No soak modules in test/soak.');
  console.log(`soak: seed ${seed}, ${minutes} min, ${names.join(', ')} (replay: npm run soak -- --seed ${seed} --minutes ${minutes})`);

  const t0 = Date.now();
  const end = t0 + minutes * 60_000;
  const modules = await Promise.all(names.map(async (n) => (await import(path.join(__dirname, `${n}.soak.ts`))) as SoakModule));
  const totals = new Map(names.map((n) => [n, { trials: 0, failures: [] as string[] }]));
  for (let round = 0; Date.now() < end; round++) {
    for (const [i, name] of names.entries()) {
      const now = Date.now();
      if (now >= end) break;
      // Each module gets an equal share of what is left, at most SLICE_MS at a time.
      const deadline = Math.min(end, now + Math.min(SLICE_MS, (end - now) / (names.length - i)));
      const sliceSeed = roundSeed(seed, round);
      const log = (line: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${name}: ${line}`);
      const total = totals.get(name)!;
      try {
        const r = await modules[i].soak({ deadline, seed: sliceSeed, log });
        total.trials += r.trials;
        total.failures.push(...r.failures);
        log(`${r.trials} trials, ${r.failures.length} failures (slice seed ${sliceSeed})`);
      } catch (e) {
        total.failures.push(`slice seed ${sliceSeed}: the soak itself failed: ${(e as Error).stack ?? e}`);
        log(`failed (slice seed ${sliceSeed}): ${(e as Error).message}`);
      }
    }
  }

  console.log(`\nsoak: seed ${seed}, ${((Date.now() - t0) / 60_000).toFixed(1)} min`);
  let failed = 0;
  for (const [name, t] of totals) {
    console.log(`  ${name}: ${t.trials} trials, ${t.failures.length} failures`);
    for (const f of t.failures) console.log(`    FAIL ${f.split('\n').join('\n         ')}`);
    failed += t.failures.length;
  }
  return failed ? 1 : 0;
}

main().then((code) => process.exit(code), (e: Error) => {
  console.error(e.message);
  process.exit(2);
});
