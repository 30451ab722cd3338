import { readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { sha256 } from '../../src/node/hash';
import { loadSnapshot } from '../../src/node/index/persist';
import { VectorStore } from '../../src/node/index/vectorStore';
import { encodeSeed, takeFromSeed, writeSeedFile } from '../../src/node/team/seedFile';
import { loadSeed } from '../../src/node/team/seedSource';
import { shardOf } from '../../src/node/team/shard';
import { note, runPhase } from '../lib/phase';
import { median, round } from '../lib/stats';
import { unitVector } from '../lib/vectors';
import { seededRandom } from '../../scripts/models/seededRandom.mjs';

export interface TeamArgs {
  /** An index written by the stores phase (50k chunks in a full run); without one, `size` synthetic passages. */
  store?: string;
  size: number;
  work: string;
  reps: number;
}

/**
 * Sharing the index with a team: the seed of an index (`export`) — its size per passage, and the time to
 * take it into an index whose every passage waits for its vector (read, SHA-256 and validation, then each
 * vector put in: what `index --seed` adds to a first index) — and how evenly text hashes fall into the shards
 * of a CI matrix (the largest shard's share × N: 1 is perfectly even).
 */
async function measure(a: TeamArgs) {
  const { modelId, dim, chunks, vectorOf } = await passages(a);
  const hashes = [...new Set(chunks.map((c) => c.hash))];
  const source = new VectorStore(dim);
  const next = seededRandom(7);
  for (const h of hashes) source.put(h, vectorOf?.(h) ?? unitVector(dim, next));
  const file = path.join(a.work, 'team.seed');
  const t0 = performance.now();
  await writeSeedFile(file, encodeSeed(modelId, source));
  const exportMs = performance.now() - t0;
  const seedBytes = statSync(file).size;
  note(`seed of ${hashes.length.toLocaleString('en')} vectors: ${(seedBytes / 1e6).toFixed(1)} MB`);

  const samples: number[] = [];
  for (let r = 0; r < a.reps; r++) {
    // An index whose passages all wait for their vectors, as a first index does after its words are applied.
    const vectors = new VectorStore(dim);
    for (const c of chunks) vectors.attach(c.id, c.hash);
    const t = performance.now();
    const seed = await loadSeed(file, { storeDir: a.work, modelId, dim });
    if ('problem' in seed) throw new Error(`the seed cannot be used: ${seed.problem}`);
    const taken = takeFromSeed(seed, vectors);
    samples.push(performance.now() - t);
    if (taken.length !== hashes.length || vectors.waitingChunkCount !== 0) throw new Error(`took ${taken.length} of ${hashes.length} vectors`);
    note(`import ${r + 1}/${a.reps}: ${samples.at(-1)!.toFixed(0)} ms`);
  }
  rmSync(file, { force: true });

  const shares: Record<string, number> = {};
  for (const n of [2, 4, 8]) {
    const sizes = new Array(n).fill(0);
    for (const h of hashes) sizes[shardOf(h, n) - 1]++;
    shares[n] = round((Math.max(...sizes) / hashes.length) * n, 3);
  }
  return {
    passages: chunks.length, texts: hashes.length, dim, source: a.store ? 'the stores phase\'s index' : 'synthetic passages',
    seedBytes, seedBytesPerChunk: round(seedBytes / chunks.length, 1), exportMs: round(exportMs, 0),
    seedImportMs: round(median(samples), 0), seedImportSamplesMs: samples.map((s) => round(s, 0)),
    shardMaxShare: shares[4], shardMaxShareByN: shares,
  };
}

/** The passages (id, text hash) of the stores phase's index, or synthetic ones with SHA-256 hashes. */
async function passages(a: TeamArgs): Promise<{
  modelId: string; dim: number; chunks: { id: string; hash: string }[]; vectorOf?: (hash: string) => Float32Array | undefined;
}> {
  if (!a.store) {
    return { modelId: 'bench@synthetic', dim: 384, chunks: Array.from({ length: a.size }, (_, i) => ({ id: `c${i}`, hash: sha256(`passage ${i}`) })) };
  }
  const { modelId, dim } = JSON.parse(readFileSync(path.join(a.store, 'manifest.json'), 'utf8')) as { modelId: string; dim: number };
  const loaded = await loadSnapshot(a.store, { modelId });
  if (loaded.status !== 'loaded') throw new Error(`the index in ${a.store} cannot be read`);
  const { vectors } = loaded.snapshot;
  return { modelId, dim, chunks: loaded.snapshot.chunks.map((c) => ({ id: c.id, hash: c.hash })), vectorOf: (h) => vectors.get(h) };
}

export type TeamResult = Awaited<ReturnType<typeof measure>>;

runPhase(measure);
