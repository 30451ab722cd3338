import { count, create, insertMultiple, remove, search, type AnyOrama } from '@orama/orama';
import type { ChunkKind } from '../../common/types';
import { FlatVectorIndex, type StoredVectors, type VectorSource } from './flatVectorIndex';
import { createFullTextTokenizer, indexedWord } from './fullTextTokenizer';

/** A chunk as the engine keeps it: where it is, what it says, and the hash of its embedded text. */
export interface ChunkRecord {
  id: string;
  /** Absolute path of the root folder the file was found under. */
  root: string;
  /** Path relative to root, '/' separators. */
  rel: string;
  kind: ChunkKind;
  title: string;
  text: string;
  startLine: number;
  endLine: number;
  /** Script language of the text ('en', 'ko', 'ja', 'zh', …). */
  lang: string;
  /** 'markdown' or the file's code language. */
  fileLanguage: string;
  /** sha256 of the embedded text: the key of its vector. */
  hash: string;
}

export interface ScoredId {
  id: string;
  score: number;
}

export interface IndexFilter {
  kinds?: ChunkKind[];
}

/** A node of Orama's radix tree: the edge label `s` that leads to it, its children by first character, and at a word's end (`e`) the word `w` and its documents `d`. */
interface RadixNode {
  s: string;
  c: Map<string, RadixNode>;
  e: boolean;
  w: string;
  d: Set<number>;
}

/**
 * Up to `max` indexed words that start with `prefix` (other than `prefix` itself); none when there are more,
 * as a prefix of one or two letters would match too many words to tell anything.
 */
function wordsUnder(root: RadixNode, prefix: string, max: number): string[] {
  let node = root;
  for (let i = 0; i < prefix.length; ) {
    const child = node.c.get(prefix[i]);
    if (!child) return [];
    const label = child.s;
    // The prefix may end inside an edge's label ("datab" on the edge to "database").
    if (prefix.length - i < label.length) {
      if (!label.startsWith(prefix.slice(i))) return [];
    } else if (!prefix.startsWith(label, i)) {
      return [];
    }
    i += label.length;
    node = child;
  }
  const out: string[] = [];
  const stack = [node];
  while (stack.length) {
    const next = stack.pop()!;
    if (next.e && next.w !== prefix) {
      if (out.length === max) return [];
      out.push(next.w);
    }
    for (const child of next.c.values()) stack.push(child);
  }
  return out;
}

/** The documents of exactly `word` (Orama's own find collects every word under a prefix first). */
function postingsOf(root: RadixNode, word: string): Set<number> | undefined {
  let node = root;
  for (let i = 0; i < word.length; ) {
    const child = node.c.get(word[i]);
    if (!child || !word.startsWith(child.s, i)) return undefined;
    i += child.s.length;
    node = child;
  }
  return node.e && node.w === word ? node.d : undefined;
}

/** The parts of Orama's database object the index reaches into (its public types leave them opaque). */
interface OramaData {
  data: {
    index: {
      vectorIndexes: Record<string, { node: unknown }>;
      indexes: Record<string, { node: RadixNode }>;
      /** Per property: in how many documents each word occurs. */
      tokenOccurrences: Record<string, Record<string, number>>;
      /** Per property and document: each word's share of the document's words. */
      frequencies: Record<string, Record<number, Record<string, number> | undefined>>;
      fieldLengths: Record<string, Record<number, number>>;
      avgFieldLength: Record<string, number>;
    };
  };
  internalDocumentIDStore: { idToInternalId: Map<string, number>; internalIdToId: string[] };
}

/** The searched properties and their boosts, the same for Orama's full-text search and {@link ChunkIndex.wordScores}. */
const FULL_TEXT_BOOST = { title: 1.5, text: 1 } as const;
const FULL_TEXT_PROPERTIES = Object.keys(FULL_TEXT_BOOST) as (keyof typeof FULL_TEXT_BOOST)[];
/** Orama's BM25 parameters (its defaults). */
const BM25 = { k: 1.2, b: 0.75, d: 0.5 };
/** A word still being typed matches the indexed words it begins, when there are at most this many. */
const MAX_PREFIX_WORDS = 64;

/**
 * The Orama database of chunks: `title` and `text` for full-text search, `embedding` for vector search.
 * Orama's defaults are replaced where they do not fit: the tokenizer (the default one drops Hangul, Kana
 * and Han), the vector similarity cut-off (0.8 by default, which hides most cross-language matches), and
 * the vector index itself ({@link FlatVectorIndex}: one matrix scan with a bounded top-k instead of a
 * sort of every document per query).
 */
export class ChunkIndex {
  private readonly db: AnyOrama;
  private readonly vectors: FlatVectorIndex | undefined;
  private readonly kindOf = new Map<number, ChunkKind>();

  constructor(readonly dim: number) {
    this.db = create({
      // Without a model (dim 0) the index holds words only.
      schema: { title: 'string', text: 'string', kind: 'enum', ...(dim ? { embedding: `vector[${dim}]` as const } : {}) },
      components: { tokenizer: createFullTextTokenizer() },
    }) as AnyOrama;
    if (dim) {
      this.vectors = new FlatVectorIndex(dim);
      this.internals.data.index.vectorIndexes.embedding.node = this.vectors;
    }
  }

  private get internals(): OramaData {
    return this.db as unknown as OramaData;
  }

  get count(): number {
    return this.kindOf.size;
  }

  /** Whether the vector of a text (by its hash) is held, used by a chunk or not. */
  hasVector(hash: string): boolean {
    return !!this.vectors?.has(hash);
  }

  /** Keeps the vector of a text, for the chunks added with that hash (now or later). */
  putVector(hash: string, vector: ArrayLike<number>): void {
    this.vectors?.put(hash, vector);
  }

  /** Vectors held, used by a chunk or not. */
  get vectorCount(): number {
    return this.vectors?.vectorCount ?? 0;
  }

  /** Every vector held, by text hash (what a save writes). */
  get allVectors(): VectorSource {
    return this.vectors ?? { forEach() {}, get: () => undefined };
  }

  /**
   * Drops vectors no chunk uses, oldest first, keeping `keep(used)` of them (used: the texts chunks have).
   */
  pruneVectors(keep: (used: number) => number): void {
    this.vectors?.prune(keep);
  }

  /**
   * Adds chunks. Their vectors (put before, by text hash) go straight into the vector index rather than
   * through Orama's document validation, which wants plain arrays of numbers.
   */
  async add(records: readonly ChunkRecord[]): Promise<void> {
    if (!records.length) return;
    await this.fullTextReady;
    this.addVectors(records);
    await insertMultiple(this.db, records.map(fullTextDoc), 1000);
    this.assertComplete('adding');
  }

  /**
   * Adds a stored index: the vectors at once, so vector search works right away, and the full text in the
   * background, in slices between which searches are answered (tokenising every chunk again takes seconds
   * for a large index). Full-text searches and changes wait for it.
   */
  load(records: readonly ChunkRecord[], vectors: VectorSource | StoredVectors): void {
    if ('halves' in vectors) this.vectors?.putStored(vectors);
    else vectors.forEach((v, hash) => this.putVector(hash, v));
    this.addVectors(records);
    this.wordsLoading = true;
    this.fullTextReady = (async () => {
      try {
        for (let i = 0; i < records.length; i += LOAD_SLICE) {
          await new Promise((resolve) => setImmediate(resolve));
          await insertMultiple(this.db, records.slice(i, i + LOAD_SLICE).map(fullTextDoc), LOAD_SLICE);
        }
      } finally {
        this.wordsLoading = false;
      }
      this.assertComplete('loading');
    })();
    // A failure is the business of whoever waits for the full text, not an unhandled rejection that ends the process.
    this.fullTextReady.catch(() => {});
  }

  /** Resolves when the full-text part of a loaded index is built. */
  fullTextReady: Promise<void> = Promise.resolve();
  private wordsLoading = false;

  /** Whether every chunk's words are indexed (false while a loaded index's full text is built in the background). */
  get fullTextComplete(): boolean {
    return !this.wordsLoading;
  }

  private addVectors(records: readonly ChunkRecord[]): void {
    for (const r of records) {
      const internalId = this.internalIdOf(r.id);
      this.kindOf.set(internalId, r.kind);
      this.vectors?.attach(internalId, r.hash);
    }
  }

  /** Orama's internal id of a document id, allocated the way Orama does it when it is new. */
  private internalIdOf(id: string): number {
    const store = this.internals.internalDocumentIDStore;
    let internalId = store.idToInternalId.get(id);
    if (internalId === undefined) {
      internalId = store.idToInternalId.size + 1;
      store.idToInternalId.set(id, internalId);
      store.internalIdToId.push(id);
    }
    return internalId;
  }

  /**
   * Removes chunks, every one of them before it resolves. (Orama's removeMultiple removes its first batch
   * and leaves the rest to timers: re-adding a chunk of a later batch then fails as a duplicate.)
   */
  async remove(ids: readonly string[]): Promise<void> {
    if (!ids.length) return;
    await this.fullTextReady;
    const { idToInternalId } = this.internals.internalDocumentIDStore;
    for (const id of ids) {
      const internalId = idToInternalId.get(id);
      if (internalId === undefined || !this.kindOf.has(internalId)) continue;
      this.vectors?.remove(internalId);
      this.kindOf.delete(internalId);
      await remove(this.db, id);
    }
    this.assertComplete('removing');
  }

  /** Orama holds exactly the chunks the index does; a change of Orama's behaviour fails here, not later. */
  private assertComplete(what: string): void {
    const held = count(this.db);
    if (held !== this.kindOf.size) throw new Error(`after ${what} chunks the full-text index holds ${held} of ${this.kindOf.size}`);
  }

  /** Chunks by cosine similarity to `vector`, best first, with no similarity cut-off. */
  vectorSearch(vector: Float32Array, limit: number, filter: IndexFilter = {}): ScoredId[] {
    if (!this.vectors) return [];
    const kinds = filter.kinds?.length ? new Set(filter.kinds) : undefined;
    const accept = kinds && ((internalId: number) => kinds.has(this.kindOf.get(internalId)!));
    const { internalIdToId } = this.internals.internalDocumentIDStore;
    // Ties go by chunk id: the same order before and after the index is saved and loaded.
    const before = (a: number, b: number) => internalIdToId[a - 1] < internalIdToId[b - 1];
    return this.vectors.topK(vector, limit, accept, before).map(([internalId, score]) => ({ id: internalIdToId[internalId - 1], score }));
  }

  /** The stored vector of a chunk (normalised), for scoring a full-text hit that the vector search did not return. */
  vectorOf(id: string): Float32Array | undefined {
    const internalId = this.internals.internalDocumentIDStore.idToInternalId.get(id);
    return internalId === undefined ? undefined : this.vectors?.vectorOf(internalId);
  }

  /**
   * BM25 scores (Orama's formula, over title and text with the same boosts as its full-text search) by the
   * query's `words` — matched as whole words, and `prefix` (the word still being typed, if any) as the start
   * of up to {@link MAX_PREFIX_WORDS} words — for:
   * - `ids`: these chunks (e.g. the vector search's candidates);
   * - plus up to `more` other chunks that hold one of the words found in at most `rare` chunks, so that a
   *   chunk the query's rare words point at is a candidate even when its vector is not close.
   * Only the postings of rare words are read, and each chunk's score is looked up word by word: a common
   * word can have postings in most of the index, and a chunk a hundred words.
   */
  wordScores(words: readonly string[], prefix: string | undefined, ids: readonly string[], more: number, rare: number): Map<string, number> {
    const { index } = this.internals.data;
    const store = this.internals.internalDocumentIDStore;
    const n = this.count;
    const out = new Map<string, number>();
    if (!n) return out;
    // Orama's statistics are plain objects keyed by word: only own properties are words (see indexedWord).
    const own = (o: Record<string, number> | undefined, word: string) => (o && Object.hasOwn(o, word) && typeof o[word] === 'number' ? o[word] : undefined);
    const docs = count(this.db);
    // Per property, the indexed words to look for, each with how many query words it counts for and its IDF.
    const lookups = FULL_TEXT_PROPERTIES.map((prop) => {
      const counts = new Map<string, number>();
      const add = (w: string) => counts.set(w, (counts.get(w) ?? 0) + 1);
      for (const w of words) if (own(index.tokenOccurrences[prop], indexedWord(w))) add(indexedWord(w));
      if (prefix) for (const w of wordsUnder(index.indexes[prop].node, indexedWord(prefix), MAX_PREFIX_WORDS)) add(w);
      // Orama updates the average field length by a running mean, whose last bits depend on the order chunks
      // were added and removed in; the average of the exact (integer) total does not, so a live index and the
      // same index loaded again score alike.
      const avgLength = docs ? Math.round(index.avgFieldLength[prop] * docs) / docs : 0;
      return {
        prop, boost: FULL_TEXT_BOOST[prop], lengths: index.fieldLengths[prop], frequencies: index.frequencies[prop], avgLength,
        // In one order (a word's place in Orama's tree depends on when it was first added), so that the
        // floating-point sums below are the same whatever the history of the index.
        words: [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([word, times]) => {
          const df = own(index.tokenOccurrences[prop], word) ?? 0;
          return { word, times, df, idf: Math.log(1 + (n - df + 0.5) / (df + 0.5)) };
        }),
      };
    });
    /** Orama's BM25 of a word in a chunk: `tf` is the word's share of the chunk's words. */
    const bm25 = (idf: number, tf: number, length: number, avgLength: number) =>
      (idf * (BM25.d + tf * (BM25.k + 1))) / (tf + BM25.k * (1 - BM25.b + (BM25.b * length) / avgLength));
    const scoreOf = (doc: number) => {
      let score = 0;
      for (const l of lookups) {
        const tfs = l.frequencies[doc];
        if (!tfs) continue;
        for (const w of l.words) {
          const tf = own(tfs, w.word);
          if (tf !== undefined) score += w.times * bm25(w.idf, tf, l.lengths[doc], l.avgLength) * l.boost;
        }
      }
      return score;
    };
    for (const id of ids) {
      const doc = store.idToInternalId.get(id);
      if (doc !== undefined) out.set(id, scoreOf(doc));
    }
    if (more <= 0) return out;
    // Chunks holding a rare word, ranked by what the rare words alone give them.
    const found = new Map<number, number>();
    for (const l of lookups) {
      for (const w of l.words) {
        if (w.df > rare) continue;
        for (const doc of postingsOf(index.indexes[l.prop].node, w.word) ?? []) {
          const tf = own(l.frequencies[doc], w.word) ?? 0;
          found.set(doc, (found.get(doc) ?? 0) + w.times * bm25(w.idf, tf, l.lengths[doc], l.avgLength) * l.boost);
        }
      }
    }
    // Equal scores go by chunk id, not by internal id (the order chunks were added in).
    const idOf = (doc: number) => store.internalIdToId[doc - 1];
    const ranked = [...found].sort((a, b) => b[1] - a[1] || (idOf(a[0]) < idOf(b[0]) ? -1 : 1));
    let added = 0;
    for (const [doc] of ranked) {
      if (added >= more) break;
      const id = idOf(doc);
      if (id === undefined || out.has(id) || !this.kindOf.has(doc)) continue;
      out.set(id, scoreOf(doc));
      added++;
    }
    return out;
  }

  /** The kind of a chunk, for filtering candidates that did not come from a filtered search. */
  kindOfChunk(id: string): ChunkKind | undefined {
    const doc = this.internals.internalDocumentIDStore.idToInternalId.get(id);
    return doc === undefined ? undefined : this.kindOf.get(doc);
  }

  /**
   * Chunks by BM25 over title and text, best first; any query word may match (prefix matches count). Waits
   * for a loaded index's words unless `partial`, which answers from the words indexed so far.
   */
  async fullTextSearch(term: string, limit: number, filter: IndexFilter = {}, partial = false): Promise<ScoredId[]> {
    if (!partial) await this.fullTextReady;
    const res = await search(this.db, {
      term,
      properties: FULL_TEXT_PROPERTIES,
      boost: FULL_TEXT_BOOST,
      limit,
      where: whereOf(filter),
    });
    return res.hits.map((h) => ({ id: h.id, score: h.score }));
  }
}

/** Chunks tokenised per slice while a stored index loads in the background (a slice takes ~30 ms). */
const LOAD_SLICE = 100;

const fullTextDoc = (r: ChunkRecord) => ({ id: r.id, title: r.title, text: r.text, kind: r.kind });

function whereOf(filter: IndexFilter) {
  return filter.kinds?.length ? { kind: { in: filter.kinds } } : undefined;
}
