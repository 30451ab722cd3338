import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { resolveModelFiles } from '../../src/node/embed/embedder';
import { loadSnapshot, saveSnapshot } from '../../src/node/index/persist';
import type { ChunkRecord, FileRecord } from '../../src/node/index/records';
import { note, runPhase } from '../lib/phase';
import { gc, peakRssMb, resetPeakRss, rssMb } from '../lib/proc';
import { median, round } from '../lib/stats';

export interface SaveArgs {
  model: string;
  store: string;
  size: number;
  reps: number;
  work: string;
}

/**
 * Persisting an index of `size` chunks with the engine's saveSnapshot, from the in-memory shape the engine
 * keeps (maps of files and chunks, and the vector store; WorkspaceIndex.snapshot spreads the maps into arrays,
 * and so does this).
 * The peak RSS of each save is read from VmHWM after resetting it just before the save.
 */
runPhase(async (a: SaveArgs) => {
  const { id } = resolveModelFiles(a.model);
  const dim = (JSON.parse(readFileSync(path.join(a.store, 'manifest.json'), 'utf8')) as { dim: number }).dim;
  const loaded = await loadSnapshot(a.store, { modelId: id, dim });
  if (loaded.status !== 'loaded') throw new Error(`cannot read ${a.store}`);
  const s = loaded.snapshot;
  const files = new Map<string, FileRecord>(s.files.map((f) => [`${f.root}/${f.rel}`, f]));
  const chunks = new Map<string, ChunkRecord>(s.chunks.map((c) => [c.id, c]));
  // Vectors as the engine holds them: the vector store the load made.
  const vectors = s.vectors;
  const ms: number[] = [], peak: number[] = [];
  let bytes = 0, metaBytes = 0, vectorBytes = 0;
  for (let r = 0; r < a.reps; r++) {
    const dir = path.join(a.work, `save-${r}`);
    rmSync(dir, { recursive: true, force: true });
    gc();
    const exact = resetPeakRss();
    const rss0 = rssMb();
    const t0 = performance.now();
    ({ bytes } = await saveSnapshot(dir, {
      modelId: id, dim, roots: s.roots, files: [...files.values()], chunks: [...chunks.values()], vectors, skipped: s.skipped,
    }));
    ms.push(performance.now() - t0);
    peak.push(exact ? peakRssMb() - rss0 : NaN);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { meta: { bytes: number }; vectors: { bytes: number } };
    metaBytes = manifest.meta.bytes;
    vectorBytes = manifest.vectors.bytes;
    rmSync(dir, { recursive: true, force: true });
  }
  note(`save of ${a.size.toLocaleString('en')} chunks: ${median(ms).toFixed(0)} ms, +${median(peak).toFixed(0)} MB peak RSS`);
  return {
    size: a.size, reps: a.reps, persistMs: round(median(ms), 0), samplesMs: ms.map((x) => round(x, 0)),
    bytes, bytesPerChunk: round(bytes / a.size, 0), metaBytesPerChunk: round(metaBytes / a.size, 0), vectorBytesPerChunk: round(vectorBytes / a.size, 0), peakRssSaveMb: round(median(peak), 0), baseRssMb: round(rssMb(), 0),
  };
});
