import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { resolveModelFiles } from '../../src/node/embed/embedder';
import type { ChunkRecord } from '../../src/node/index/chunkIndex';
import { loadSnapshot, saveSnapshot, type FileRecord } from '../../src/node/index/persist';
import { note, runPhase } from '../lib/phase';
import { round } from '../lib/stats';
import { unitVector } from '../lib/vectors';
import { seededRandom } from '../../scripts/models/seededRandom.mjs';

export interface StoresArgs {
  model: string;
  /** The whole-corpus index left by the corpus phase. */
  corpusStore: string;
  sizes: number[];
  /** stores[size] is written here. */
  dirs: Record<string, string>;
}

/** Chunks per synthetic file (the corpus has about 17 per page). */
const SYNTHETIC_PER_FILE = 20;

/**
 * Indexes of 1k…200k chunks for the query, persistence and start phases, written with the engine's own
 * saveSnapshot so that opening them goes through the product's load path (loadSnapshot + ChunkIndex).
 * Up to the corpus' size they hold real corpus chunks (evenly spread over the corpus, so every language is
 * in); beyond it, copies of real chunks (real text for the full-text index) under new ids, each with its own
 * random unit vector.
 */
runPhase(async (a: StoresArgs) => {
  const { id } = resolveModelFiles(a.model);
  const loaded = await loadSnapshot(a.corpusStore, { modelId: id, dim: storedDim(a.corpusStore) });
  if (loaded.status !== 'loaded') throw new Error(`the corpus index in ${a.corpusStore} cannot be read: ${loaded.status === 'invalid' ? loaded.reason : 'empty'}`);
  const base = loaded.snapshot;
  const real = base.chunks;
  const fileOf = new Map<string, FileRecord>();
  for (const f of base.files) for (const cid of f.chunkIds) fileOf.set(cid, f);
  const out: Record<string, { chunks: number; realChunks: number; bytes: number; ms: number }> = {};
  for (const size of a.sizes) {
    const t0 = performance.now();
    const chunks: ChunkRecord[] = [];
    const vectors = new Map<string, Float32Array>();
    const files = new Map<string, FileRecord>();
    const nReal = Math.min(size, real.length);
    for (let i = 0; i < nReal; i++) {
      const c = real[Math.floor((i * real.length) / nReal)];
      chunks.push(c);
      vectors.set(c.hash, base.vectors.get(c.hash)!);
      const f = fileOf.get(c.id)!;
      const key = `${f.root}\0${f.rel}`;
      if (!files.has(key)) files.set(key, { ...f, chunkIds: [] });
      files.get(key)!.chunkIds.push(c.id);
    }
    const next = seededRandom(size);
    const dim = base.dim;
    const root = path.dirname(base.roots[0] ?? '/synthetic');
    for (let k = 0; nReal + k < size; k++) {
      const src = real[k % real.length];
      const fileNo = Math.floor(k / SYNTHETIC_PER_FILE);
      const rel = `synthetic/${String(fileNo % 100).padStart(2, '0')}/page-${fileNo}.md`;
      const c: ChunkRecord = { ...src, id: `syn-${k}`, root, rel, hash: `syn-${size}-${k}` };
      chunks.push(c);
      vectors.set(c.hash, unitVector(dim, next));
      const key = `${root}\0${rel}`;
      if (!files.has(key)) files.set(key, { root, rel, size: 0, mtimeMs: 0, contentHash: `syn-${fileNo}`, language: 'markdown', chunkIds: [] });
      files.get(key)!.chunkIds.push(c.id);
    }
    rmSync(a.dirs[size], { recursive: true, force: true });
    const { bytes } = await saveSnapshot(a.dirs[size], {
      modelId: id, dim, roots: base.roots, files: [...files.values()], chunks, vectors, skipped: [],
    });
    out[size] = { chunks: chunks.length, realChunks: nReal, bytes, ms: round(performance.now() - t0, 0) };
    note(`index of ${size.toLocaleString('en')} chunks (${nReal.toLocaleString('en')} from the corpus): ${(bytes / 1e6).toFixed(0)} MB`);
  }
  return out;
});

/** The vector dimension the stored index says it holds (the model's pooled output). */
function storedDim(store: string): number {
  return (JSON.parse(readFileSync(path.join(store, 'manifest.json'), 'utf8')) as { dim: number }).dim;
}
