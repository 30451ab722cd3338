// The one seeded random generator of the repository: the test models' random weights, and the random
// inputs of tests and benchmarks (TypeScript imports it through seededRandom.d.mts). A test that fails on a
// random input names its seed, and the same seed gives the same input again.

/**
 * Numbers in [0, 1) from `seed` (mulberry32). Math.random cannot be seeded, and the generated models must
 * be byte-identical on every run: integer-only arithmetic, so the sequence is the same on every platform.
 * @param {number} seed any number; only its low 32 bits count
 * @returns {() => number}
 */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
