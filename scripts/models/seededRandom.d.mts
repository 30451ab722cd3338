// Type declarations for seededRandom.mjs (so TypeScript tests and benchmarks share the scripts' generator).

/** Numbers in [0, 1) from `seed` (mulberry32): the same seed gives the same sequence on every platform. */
export declare function seededRandom(seed: number): () => number;
