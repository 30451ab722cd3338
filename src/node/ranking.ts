import path from 'node:path';
import type { SearchHit, SearchOptions, SearchResult } from '../common/protocol/engine';
import { buildSnippet } from '../common/snippet';
import type { Embedder } from './embed/embedder';
import { fullTextTokens, typedPrefix } from './index/fullTextTokenizer';
import type { WorkspaceIndex } from './index/workspaceIndex';

// Where a query goes (Engine.search hands it here): the query is embedded (embed/), its nearest chunks come
// from the vector store (index/vectorStore.ts, topK) and the chunks of its rare words from the full text
// (index/fullText.ts, wordScores); similarity ranks them, words break near ties, and the hits get snippets.

/**
 * In hybrid mode a candidate's BM25 score by the query's words, relative to the best candidate's (0..1), is
 * added to its cosine similarity with this weight. Small on purpose: a cross-language answer shares no words
 * with the query, so words may only re-order near ties, never bury a strong vector match.
 */
export const HYBRID_WEIGHT = 0.05;
/**
 * Hybrid candidates beyond the vector search's: chunks holding a query word found in at most this share of
 * the chunks, and in at most RARE_WORD_MAX (at least RARE_WORD_MIN). Rare words point at few chunks, and
 * reading their postings is cheap; a common word's can hold most of the index.
 */
const RARE_WORD_SHARE = 0.02;
const RARE_WORD_MIN = 100;
const RARE_WORD_MAX = 1000;

/** What a query is ranked over: the index, and the model (none: words only). */
export interface SearchParts {
  index: WorkspaceIndex;
  embedder: Embedder | undefined;
}

/** A ranked candidate: its score, and its cosine similarity when it has a vector. */
type Scored = Map<string, { score: number; similarity?: number }>;

/**
 * Ranked chunks for a query in any language. The same query on the same index gives the same list: right
 * after a stored index is loaded, a search that ranks by words waits until its words are indexed, unless
 * `options.partialWords` lets it answer from those indexed so far (and say so).
 */
export async function rankChunks(parts: SearchParts, query: string, options: SearchOptions = {}): Promise<SearchResult> {
  const t0 = performance.now();
  const { index, embedder } = parts;
  // Without a model only words can be matched; the result says so through its mode.
  const mode = embedder ? options.mode ?? 'hybrid' : 'fulltext';
  const limit = Math.max(1, Math.min(options.limit ?? 10, 500));
  if (!query.trim() || index.chunks.size === 0) return { hits: [], mode, ms: 0 };
  const terms = fullTextTokens(query);
  const byWords = mode === 'fulltext' || (mode === 'hybrid' && terms.length > 0);
  if (byWords && !options.partialWords) await index.ready;
  // Folder filters apply after ranking, so fetch more candidates when one is set.
  const k = options.pathPrefix || options.root ? Math.max(limit * 20, 200) : Math.max(limit * 3, 30);
  const scored: Scored = new Map();
  const finish = (wordsPartial: boolean): SearchResult => ({
    hits: topHits(index, scored, terms, options, limit), mode, ms: performance.now() - t0, ...(wordsPartial ? { wordsPartial: true as const } : {}),
  });
  if (mode === 'fulltext') {
    const wordsPartial = !index.fullText.complete;
    const found = await index.fullText.search(query, k, options.kinds, !!options.partialWords);
    const best = found[0]?.score || 1;
    for (const h of found) scored.set(h.id, { score: h.score / best });
    return finish(wordsPartial);
  }
  const queryVector = await embedder!.embed([query]);
  for (const h of index.nearest(queryVector, k, options.kinds)) scored.set(h.id, { score: h.score, similarity: h.score });
  // Read before the words are used: a slice of the load may complete while the query is embedded.
  const wordsPartial = byWords && !index.fullText.complete;
  if (byWords) addWordScores(index, scored, queryVector, query, terms, k, options);
  return finish(wordsPartial);
}

/**
 * Hybrid ranking: the vector candidates, and as many chunks that hold the query's rare words, are ranked by
 * their similarity plus their BM25 score (relative to the best candidate's) × HYBRID_WEIGHT.
 */
function addWordScores(index: WorkspaceIndex, scored: Scored, queryVector: Float32Array, query: string, terms: string[], k: number, options: SearchOptions): void {
  const rare = Math.min(RARE_WORD_MAX, Math.max(RARE_WORD_MIN, RARE_WORD_SHARE * index.chunks.size));
  const words = index.fullText.wordScores(terms, typedPrefix(query), [...scored.keys()], k, rare);
  const kinds = options.kinds?.length ? new Set(options.kinds) : undefined;
  for (const id of words.keys()) {
    if (scored.has(id)) continue;
    const v = index.vectors.vectorOfChunk(id);
    if (!v || (kinds && !kinds.has(index.chunks.get(id)!.kind))) {
      words.delete(id);
      continue;
    }
    let similarity = 0;
    for (let i = 0; i < v.length; i++) similarity += v[i] * queryVector[i];
    scored.set(id, { score: similarity, similarity });
  }
  const best = Math.max(0, ...words.values());
  if (best > 0) for (const [id, w] of words) scored.get(id)!.score += HYBRID_WEIGHT * (w / best);
}

/** The best `limit` candidates that pass the filters, as hits with snippets. */
function topHits(index: WorkspaceIndex, scored: Scored, terms: string[], options: SearchOptions, limit: number): SearchHit[] {
  const hits: SearchHit[] = [];
  // Equal scores (the same text in several places) go by chunk id, whichever way each chunk was found.
  const ranked = [...scored.entries()].sort((a, b) => b[1].score - a[1].score || (a[0] < b[0] ? -1 : 1));
  const root = options.root && path.resolve(options.root);
  for (const [id, s] of ranked) {
    const c = index.chunks.get(id);
    if (!c) continue;
    if (options.minScore !== undefined && s.similarity !== undefined && s.similarity < options.minScore) continue;
    if (options.pathPrefix && !c.rel.startsWith(options.pathPrefix)) continue;
    if (root && c.root !== root) continue;
    hits.push({
      root: c.root, path: c.rel, startLine: c.startLine, endLine: c.endLine, kind: c.kind, title: c.title, text: c.text,
      score: s.score, ...(s.similarity !== undefined ? { similarity: s.similarity } : {}), lang: c.lang, fileLanguage: c.fileLanguage,
      snippet: buildSnippet(c.text, terms),
    });
    if (hits.length >= limit) break;
  }
  return hits;
}
