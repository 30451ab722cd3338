import { cv, median } from './stats';

/**
 * A fixed CPU micro-benchmark (dot products over a 2,000 × 384 float32 matrix, the work of a vector scan):
 * the same work every time, so the spread of its times is the machine's noise during the run.
 */
export function microBench(rounds = 25): number {
  const dim = 384;
  const n = 2000;
  const m = new Float32Array(n * dim);
  let seed = 7;
  for (let i = 0; i < m.length; i++) m[i] = ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296) - 0.5;
  const q = m.subarray(0, dim);
  const t0 = performance.now();
  let sink = 0;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      const off = i * dim;
      for (let j = 0; j < dim; j++) s += q[j] * m[off + j];
      sink += s;
    }
  }
  if (sink === 42) console.log(''); // keep the loop from being optimised away
  return performance.now() - t0;
}

/** Runs the micro-benchmark `runs` times: median time and coefficient of variation. */
export function measureNoise(runs = 9): { medianMs: number; cv: number; samples: number[] } {
  microBench(3); // warm up the JIT
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(microBench());
  return { medianMs: median(samples), cv: cv(samples), samples };
}
