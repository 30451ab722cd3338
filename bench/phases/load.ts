import { readFileSync } from 'node:fs';
import path from 'node:path';
import { resolveModelFiles } from '../../src/node/embed/embedder';
import { loadSnapshot } from '../../src/node/index/persist';
import { WorkspaceIndex } from '../../src/node/index/workspaceIndex';
import { runPhase } from '../lib/phase';
import { gc, peakRssMb, resetPeakRss, rssMb } from '../lib/proc';
import { round } from '../lib/stats';

export interface LoadArgs {
  model: string;
  store: string;
}

/**
 * Loading a persisted index, as Engine.open does beside the model: loadSnapshot (read, verify checksums,
 * parse, copy the vectors into the vector store) then WorkspaceIndex.fromSnapshot — searchable by vector from
 * here (loadMs), the full text rebuilt in the background (fullTextReadyMs). One load per process, so the peak
 * RSS is the load's own; the parent runs several processes and takes medians.
 */
runPhase(async (a: LoadArgs) => {
  const { id } = resolveModelFiles(a.model);
  const dim = (JSON.parse(readFileSync(path.join(a.store, 'manifest.json'), 'utf8')) as { dim: number }).dim;
  gc();
  const exact = resetPeakRss();
  const rss0 = rssMb();
  const t0 = performance.now();
  const res = await loadSnapshot(a.store, { modelId: id, dim });
  if (res.status !== 'loaded') throw new Error(`cannot read ${a.store}`);
  const t1 = performance.now();
  const index = WorkspaceIndex.fromSnapshot(res.snapshot);
  const t2 = performance.now(); // searchable by vector from here
  await index.ready;
  const t3 = performance.now();
  const peak = exact ? peakRssMb() - rss0 : NaN;
  gc();
  return {
    chunks: index.chunks.size, loadMs: round(t2 - t0, 0), snapshotMs: round(t1 - t0, 0), oramaRebuildMs: round(t3 - t2, 0),
    fullTextReadyMs: round(t3 - t0, 0),
    peakRssLoadMb: round(peak, 0), rssAfterLoadMb: round(rssMb() - rss0, 0),
  };
});
