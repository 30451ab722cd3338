import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { create, insertMultiple, load, save, search, type AnyOrama } from '@orama/orama';
import { resolveModelFiles } from '../../src/node/embed/embedder';
import { createFullTextTokenizer, fullTextTokens } from '../../src/node/index/fullTextTokenizer';
import { loadSnapshot } from '../../src/node/index/persist';
import { FlatVectors } from '../lib/flatVectors';
import { runPhase } from '../lib/phase';
import { gc, peakRssMb, resetPeakRss, rssMb } from '../lib/proc';
import { round } from '../lib/stats';

export interface ProtoLoadArgs {
  model: string;
  store: string;
  /** Where the prototype keeps its persisted full-text index. */
  file: string;
  step: 'build' | 'restore';
}

/**
 * Prototypes for the load figures (bench only, the product is unchanged):
 *  - build: the Orama rebuild without the vector field and without Orama's sorter (the engine never sorts
 *    by a field, and vectors can be searched as the flat matrix the index file already is); how much of it
 *    is the tokenizer; and Orama's own save() of the full-text index written as JSON.
 *  - restore (fresh process): load = loadSnapshot + flat vector matrix (vector search possible from here)
 *    + JSON.parse + Orama load() of the saved full-text index, instead of re-tokenising every chunk.
 */
runPhase(async (a: ProtoLoadArgs) => {
  const { id } = resolveModelFiles(a.model);
  const dim = (JSON.parse(readFileSync(path.join(a.store, 'manifest.json'), 'utf8')) as { dim: number }).dim;
  const newDb = () => create({
    schema: { title: 'string', text: 'string', kind: 'enum' },
    sort: { enabled: false },
    components: { tokenizer: createFullTextTokenizer() },
  }) as AnyOrama;
  const probe = { term: '데이터베이스 연결 설정 database', properties: ['title', 'text'], boost: { title: 1.5 }, limit: 10 };

  if (a.step === 'build') {
    const res = await loadSnapshot(a.store, { modelId: id, dim });
    if (res.status !== 'loaded') throw new Error(`cannot read ${a.store}`);
    const chunks = res.snapshot.chunks;
    let t = performance.now();
    for (const c of chunks) { fullTextTokens(c.title); fullTextTokens(c.text); }
    const tokenizeMs = performance.now() - t;
    gc();
    t = performance.now();
    const db = newDb();
    await insertMultiple(db, chunks.map((c) => ({ id: c.id, title: c.title, text: c.text, kind: c.kind })), 1000);
    const rebuildMs = performance.now() - t;
    t = performance.now();
    const json = JSON.stringify(save(db));
    writeFileSync(a.file, json);
    const persistMs = performance.now() - t;
    const hits = (await search(db, probe)).hits.map((h) => h.id);
    return {
      chunks: chunks.length, tokenizeAllMs: round(tokenizeMs, 0), rebuildFullTextOnlyNoSortMs: round(rebuildMs, 0),
      persistFullTextMs: round(persistMs, 0), fullTextBytes: Buffer.byteLength(json), fullTextBytesPerChunk: round(Buffer.byteLength(json) / chunks.length, 0), probeHits: hits,
    };
  }

  gc();
  const exact = resetPeakRss();
  const rss0 = rssMb();
  const t0 = performance.now();
  const res = await loadSnapshot(a.store, { modelId: id, dim });
  if (res.status !== 'loaded') throw new Error(`cannot read ${a.store}`);
  const s = res.snapshot;
  const flat = FlatVectors.from(s.chunks.map((c) => [c.id, s.vectors.get(c.hash)!] as [string, Float32Array]), s.chunks.length, dim);
  const vectorReadyMs = performance.now() - t0;
  const t1 = performance.now();
  const db = newDb();
  load(db, JSON.parse(readFileSync(a.file, 'utf8')));
  const fullTextRestoreMs = performance.now() - t1;
  const totalMs = performance.now() - t0;
  const peak = exact ? peakRssMb() - rss0 : NaN;
  const hits = (await search(db, probe)).hits.map((h) => h.id);
  gc();
  return {
    chunks: flat.ids.length, vectorReadyMs: round(vectorReadyMs, 0), fullTextRestoreMs: round(fullTextRestoreMs, 0), loadMs: round(totalMs, 0),
    peakRssLoadMb: round(peak, 0), rssAfterLoadMb: round(rssMb() - rss0, 0), probeHits: hits,
  };
});
