import type { SearchMode } from '../../src/common/protocol/engine';
import { defaultThreads } from '../../src/node/embed/embedder';
import { Engine } from '../../src/node/engine';
import type { FullTextIndex } from '../../src/node/index/fullText';
import { fullTextTokens } from '../../src/node/index/fullTextTokenizer';
import type { ChunkRecord } from '../../src/node/index/records';
import { rankChunks, type SearchParts } from '../../src/node/ranking';
import { FlatVectors } from '../lib/flatVectors';
import { OrtScan } from '../lib/ortScan';
import { note, runPhase } from '../lib/phase';
import { gc, rssMb, withContamination } from '../lib/proc';
import { mean, median, percentile, round } from '../lib/stats';

export interface QueryArgs {
  model: string;
  store: string;
  size: number;
  queries: string[];
  /** Passes over all queries; p50/p95 are taken per pass, then the median over passes. */
  passes: number;
  /** Rounds of 10 queries sent at once. */
  concurrentRounds: number;
  /** Also time the parts of a query and the flat-scan prototype. */
  breakdown: boolean;
  /** After the first pass, further passes only start while the latency passes took less than this. */
  budgetMs?: number;
  /** Modes the prototype is measured in (default both). */
  protoModes?: SearchMode[];
}

const MODES: SearchMode[] = ['vector', 'hybrid'];
const LIMIT = 10;

/**
 * End-to-end query latency at one index size: Engine.search (embed the query, find the nearest chunks and
 * the words' scores, rank, build snippets) on an index opened from disk by the product, measured from the
 * caller's side. The breakdown times the parts a search runs on (Engine.searchParts) one by one.
 */
runPhase(async (a: QueryArgs) => {
  const rss0 = rssMb();
  const t0 = performance.now();
  const engine = await Engine.open({ modelDir: a.model, storeDir: a.store, threads: defaultThreads() });
  const openMs = performance.now() - t0;
  // Warm figures are taken once the stored index is fully loaded (its full text rebuilds in the background).
  await engine.whenLoaded();
  note(`${a.size.toLocaleString('en')} chunks: fully loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const chunks = engine.info().chunks;
  if (chunks !== a.size) throw new Error(`the index in ${a.store} has ${chunks} chunks, expected ${a.size}`);
  note(`${a.size.toLocaleString('en')} chunks: opened in ${(openMs / 1000).toFixed(1)} s`);
  for (const q of a.queries.slice(0, 3)) for (const mode of MODES) await engine.search(q, { mode, limit: LIMIT });

  let passesRun = 0;
  const latency = async (search: (q: string, mode: SearchMode) => Promise<unknown>, modes = MODES) => {
    const per: Record<string, { p50: number[]; p95: number[]; all: number[] }> = {};
    for (const mode of modes) per[mode] = { p50: [], p95: [], all: [] };
    const t0 = performance.now();
    let p = 0;
    for (; p < a.passes && (p === 0 || !a.budgetMs || performance.now() - t0 < a.budgetMs); p++) {
      const times: Record<string, number[]> = { vector: [], hybrid: [] };
      for (let i = 0; i < a.queries.length; i++) {
        // Alternate which mode goes first so that neither always meets warmer caches.
        for (const mode of i % 2 ? [...modes].reverse() : modes) {
          const t = performance.now();
          await search(a.queries[i], mode);
          times[mode].push(performance.now() - t);
        }
      }
      for (const mode of modes) {
        per[mode].p50.push(percentile(times[mode], 50));
        per[mode].p95.push(percentile(times[mode], 95));
        per[mode].all.push(...times[mode]);
      }
    }
    passesRun = p;
    const out: Record<string, { p50Ms: number; p95Ms: number; maxMs: number }> = {};
    for (const mode of modes) out[mode] = { p50Ms: round(median(per[mode].p50), 1), p95Ms: round(median(per[mode].p95), 1), maxMs: round(Math.max(...per[mode].all), 1) };
    return out;
  };

  const measured = await withContamination(() => latency((q, mode) => engine.search(q, { mode, limit: LIMIT })));
  const product = measured.value;
  const passes = passesRun;
  note(`vector p50 ${product.vector.p50Ms} ms p95 ${product.vector.p95Ms} ms; hybrid p50 ${product.hybrid.p50Ms} ms p95 ${product.hybrid.p95Ms} ms`);

  // Ten queries at once, in the product's default (hybrid) mode: latency of each from the moment all were sent.
  const roundsMean: number[] = [], roundsP95: number[] = [];
  for (let r = 0; r < a.concurrentRounds; r++) {
    const qs = Array.from({ length: 10 }, (_, i) => a.queries[(r * 10 + i) % a.queries.length]);
    const start = performance.now();
    const times = await Promise.all(qs.map((q) => engine.search(q, { limit: LIMIT }).then(() => performance.now() - start)));
    roundsMean.push(mean(times));
    roundsP95.push(percentile(times, 95));
  }
  const concurrent10 = a.concurrentRounds ? { meanMs: round(median(roundsMean), 1), p95Ms: round(median(roundsP95), 1), rounds: a.concurrentRounds } : null;

  gc();
  const rssAfter = rssMb();
  let breakdown: Record<string, unknown> | null = null;
  let prototype: Record<string, unknown> | null = null;
  const parts = engine.searchParts;
  const { index, embedder } = parts;
  if (a.breakdown && embedder) {
    const k = Math.max(LIMIT * 3, 30); // the engine's candidate count for an unfiltered search
    const tb = performance.now();
    const flat = FlatVectors.from([...index.chunks.values()].map((c) => [c.id, index.vectors.vectorOfChunk(c.id)!] as [string, Float32Array]), chunks, embedder.dim);
    const flatBuildMs = performance.now() - tb;
    const tOrt = performance.now();
    const ortScan = await OrtScan.create(flat.matrix, flat.ids, embedder.dim, k);
    const ortBuildMs = performance.now() - tOrt;
    // Full-text prototype: query words found in more than 5 % of the chunks are left out (BM25 gives them
    // almost no weight, but Orama scores every posting of them: "astro" is in nearly every chunk here).
    const occurrences = wordOccurrences(index.chunks.values());
    const dfCut = (q: string) => {
      const kept = fullTextTokens(q).filter((t) => Math.max(occurrences.text.get(t) ?? 0, occurrences.title.get(t) ?? 0) <= 0.05 * chunks);
      return kept.join(' ');
    };
    const times: Record<string, number[]> = { embed: [], vectorSearch: [], fullTextSearch: [], jsFlatScan: [], ortScan: [], fullTextDfCut: [] };
    let agree = 0, ortAgree = 0;
    for (const q of a.queries) {
      let t = performance.now();
      const v = await embedder.embed([q]);
      times.embed.push(performance.now() - t);
      t = performance.now();
      // The product's vector store and full-text index.
      const ov = index.vectors.topK(v, k).map(([id]) => ({ id }));
      times.vectorSearch.push(performance.now() - t);
      t = performance.now();
      await index.fullText.search(q, k);
      times.fullTextSearch.push(performance.now() - t);
      t = performance.now();
      const fv = flat.search(v, k);
      times.jsFlatScan.push(performance.now() - t);
      t = performance.now();
      const sv = await ortScan.search(v);
      times.ortScan.push(performance.now() - t);
      t = performance.now();
      const cut = dfCut(q);
      if (cut) await index.fullText.search(cut, k);
      times.fullTextDfCut.push(performance.now() - t);
      if (fv[0]?.id === ov[0]?.id) agree++;
      if (sv[0]?.id === ov[0]?.id) ortAgree++;
    }
    breakdown = Object.fromEntries(Object.entries(times).map(([name, xs]) => [name, { p50Ms: round(percentile(xs, 50), 2), p95Ms: round(percentile(xs, 95), 2) }]));
    breakdown.k = k;

    // The same end-to-end measurement (Engine.search's ranking over the same parts) with the full-text
    // prototype in place of the product's full-text search: Orama's search without the query words found
    // in more than 5 % of the chunks. The vector search stays the product's.
    const cutParts = withFullTextSearch(parts, (search) => (term, limit, kinds, partial) => {
      const cut = dfCut(term);
      return cut ? search(cut, limit, kinds, partial) : Promise.resolve([]);
    });
    const proto = await latency((q, mode) => rankChunks(cutParts, q, { mode, limit: LIMIT }), a.protoModes ?? MODES);
    await ortScan.dispose();
    prototype = {
      description: 'end-to-end through Engine.search with the full-text search leaving out query words found in > 5 % of the chunks (BM25 gives them almost no weight, but every posting of them is scored); vector search unchanged. Breakdown references: a plain JavaScript scan and an onnxruntime Gemm+TopK scan of the same matrix.',
      ...proto, ortScanBuildMs: round(ortBuildMs, 0), flatBuildMs: round(flatBuildMs, 0),
      top1AgreesWithOrama: { jsFlatScan: `${agree}/${a.queries.length}`, ortScan: `${ortAgree}/${a.queries.length}` },
    };
    note(`prototype (full-text cut): ${Object.entries(proto).map(([m, x]) => `${m} p50 ${x.p50Ms} ms`).join(', ')}`);
  }
  await engine.dispose();
  return {
    size: a.size, queries: a.queries.length, passes, openMs: round(openMs, 0),
    ...product,
    concurrent10,
    rssMb: round(rssAfter, 0), rssIndexMb: round(rssAfter - rss0, 0),
    breakdown, prototype,
    otherCores: round(measured.otherCores, 2),
  };
});

/** Per property (title, text): in how many chunks each word occurs, as the full-text index counts them. */
function wordOccurrences(chunks: Iterable<ChunkRecord>): Record<'title' | 'text', Map<string, number>> {
  const out = { title: new Map<string, number>(), text: new Map<string, number>() };
  for (const c of chunks) {
    for (const prop of ['title', 'text'] as const) for (const t of fullTextTokens(c[prop])) out[prop].set(t, (out[prop].get(t) ?? 0) + 1);
  }
  return out;
}

/** The same parts with the index's full-text search replaced by `wrap(search)` (the index itself is unchanged). */
function withFullTextSearch(parts: SearchParts, wrap: (search: FullTextIndex['search']) => FullTextIndex['search']): SearchParts {
  const fullText = parts.index.fullText;
  const cutFullText = Object.create(fullText, { search: { value: wrap(fullText.search.bind(fullText)) } }) as FullTextIndex;
  return { ...parts, index: Object.create(parts.index, { fullText: { value: cutFullText } }) };
}
