import { components, count, create, insertMultiple, remove, search, type AnyOrama } from '@orama/orama';
import type { ChunkKind } from '../../common/types';
import { createFullTextTokenizer, indexedWord } from './fullTextTokenizer';
import type { ChunkRecord } from './records';

/**
 * The chunks' words: full-text search with Orama (the only module that runs Orama), and the word scores that
 * hybrid ranking adds to vector similarity (ranking.ts).
 *
 * Orama's documented API does the indexing and the words-only search: `create` with a schema of title, text
 * and kind and the project's tokenizer component (Orama's own drops Hangul, Kana and Han; see
 * fullTextTokenizer.ts), `insertMultiple`, `remove`, `search`, `count`. What the product needs beyond it —
 * the BM25 scores of given chunks, the chunks of rare words, the words that begin with a prefix, and a faster
 * home for each chunk's word statistics — reads or sets Orama's index structures directly: that part is the
 * last section of this file, and test/unit/fullText.test.ts pins it to the Orama version it was written against.
 */

/** What the full-text index holds of a chunk. */
export type FullTextDoc = Pick<ChunkRecord, 'id' | 'title' | 'text' | 'kind'>;

/** A chunk and its score. */
export interface ScoredId {
  id: string;
  score: number;
}

/** The searched properties and their boosts, the same for Orama's search and {@link FullTextIndex.wordScores}. */
const BOOST = { title: 1.5, text: 1 } as const;
const PROPERTIES = Object.keys(BOOST) as (keyof typeof BOOST)[];
/** Chunks tokenised per slice while a stored index loads in the background (a slice takes ~30 ms). */
const LOAD_SLICE = 100;

/** An empty Orama database of chunks' words, as this module keeps them (`known`: see createFullTextTokenizer). */
export function createFullTextDatabase(known?: (text: string) => string[] | undefined): AnyOrama {
  return create({
    schema: { title: 'string', text: 'string', kind: 'enum' },
    // Results are ranked by score, never sorted by a property: no sort index of every chunk's title and text.
    sort: { enabled: false },
    components: { tokenizer: createFullTextTokenizer(known), index: wordSharesIndex() },
  }) as AnyOrama;
}

/** The words of every chunk of the index. */
export class FullTextIndex {
  /** Words of texts worked out beforehand (readThread.ts), looked up while {@link withWords} runs. */
  private known: ReadonlyMap<string, string[]> = new Map();
  private readonly db = createFullTextDatabase((text) => this.known.get(text));
  /** The chunks held, those a load is still adding included (Orama's count lags behind them meanwhile). */
  private readonly held = new Set<string>();
  private loading = false;
  private loaded: Promise<void> = Promise.resolve();

  /** Chunks held (a load's included while it runs). */
  get chunkCount(): number {
    return this.held.size;
  }

  /** Resolves when a loaded index's words are all indexed; rejects if they cannot be (see {@link load}). */
  get ready(): Promise<void> {
    return this.loaded;
  }

  /** Whether every chunk's words are indexed (false while a loaded index's words are built in the background). */
  get complete(): boolean {
    return !this.loading;
  }

  /** Runs `f` (which adds chunks) with the words of the texts `words` holds looked up, not worked out again. */
  async withWords<T>(words: ReadonlyMap<string, string[]>, f: () => Promise<T>): Promise<T> {
    this.known = words;
    try {
      return await f();
    } finally {
      this.known = new Map();
    }
  }

  /** Adds chunks of ids not held, once a load has ended. */
  async add(docs: readonly FullTextDoc[]): Promise<void> {
    if (!docs.length) return;
    await this.ready;
    for (const d of docs) this.held.add(d.id);
    await insertMultiple(this.db, docs.map(oramaDoc), 1000);
    this.assertComplete('adding');
  }

  /**
   * Adds a stored index's chunks in the background, in slices between which searches are answered
   * (tokenising every chunk again takes seconds for a large index). Changes wait for it; so do searches,
   * unless they ask to rank by the words indexed so far.
   */
  load(docs: readonly FullTextDoc[]): void {
    for (const d of docs) this.held.add(d.id);
    this.loading = true;
    this.loaded = (async () => {
      try {
        for (let i = 0; i < docs.length; i += LOAD_SLICE) {
          await new Promise((resolve) => setImmediate(resolve));
          await insertMultiple(this.db, docs.slice(i, i + LOAD_SLICE).map(oramaDoc), LOAD_SLICE);
        }
      } finally {
        this.loading = false;
      }
      this.assertComplete('loading');
    })();
    // A failure is the business of whoever waits for the words, not an unhandled rejection that ends the process.
    this.loaded.catch(() => {});
  }

  /**
   * Removes chunks, every one of them before it resolves. (Orama's removeMultiple removes its first batch
   * and leaves the rest to timers: re-adding a chunk of a later batch then fails as a duplicate.)
   */
  async remove(ids: readonly string[]): Promise<void> {
    if (!ids.length) return;
    await this.ready;
    for (const id of ids) {
      if (!this.held.delete(id)) continue;
      await remove(this.db, id);
    }
    this.assertComplete('removing');
  }

  /** Orama holds exactly the chunks this index does; a change of Orama's behaviour fails here, not later. */
  private assertComplete(what: string): void {
    const inOrama = count(this.db);
    if (inOrama !== this.held.size) throw new Error(`after ${what} chunks the full-text index holds ${inOrama} of ${this.held.size}`);
  }

  /**
   * Chunks by BM25 over title and text, best first; any query word may match (prefix matches count). Waits
   * for a loaded index's words unless `partial`, which answers from the words indexed so far.
   */
  async search(term: string, limit: number, kinds?: readonly ChunkKind[], partial = false): Promise<ScoredId[]> {
    if (!partial) await this.ready;
    const res = await search(this.db, {
      term,
      properties: PROPERTIES,
      boost: BOOST,
      limit,
      where: kinds?.length ? { kind: { in: [...kinds] } } : undefined,
    });
    return res.hits.map((h) => ({ id: h.id, score: h.score }));
  }

  /**
   * BM25 scores (Orama's formula, over title and text with the same boosts as its search) by the query's
   * `words` — matched as whole words, and `prefix` (the word still being typed, if any) as the start of up
   * to {@link MAX_PREFIX_WORDS} words — for:
   * - `ids`: these chunks (e.g. the vector search's candidates);
   * - plus up to `more` other chunks that hold one of the words found in at most `rare` chunks, so that a
   *   chunk the query's rare words point at is a candidate even when its vector is not close.
   * Only the postings of rare words are read, and each chunk's score is looked up word by word: a common
   * word can have postings in most of the index, and a chunk a hundred words. The scores do not depend on
   * the order chunks were added and removed in, and equal scores go by chunk id.
   */
  wordScores(words: readonly string[], prefix: string | undefined, ids: readonly string[], more: number, rare: number): Map<string, number> {
    return scoreWords(internalsOf(this.db), this.held, count(this.db), { words, prefix, ids, more, rare });
  }
}

const oramaDoc = (d: FullTextDoc): FullTextDoc => ({ id: d.id, title: d.title, text: d.text, kind: d.kind });

// -------------------------------------------------------------------------------------------------------
// Beyond Orama's API: what follows reads Orama's private index structures (its public types leave them
// opaque). Checked against ORAMA_VERSION by test/unit/fullText.test.ts, which fails when the installed
// version or any shape read here changes.
// -------------------------------------------------------------------------------------------------------

/** The Orama version whose internals this section reads. */
export const ORAMA_VERSION = '3.1.18';

/** A node of Orama's radix tree: the edge label `s` that leads to it, its children by first character, and at a word's end (`e`) the word `w` and its documents `d`. */
export interface RadixNode {
  s: string;
  c: Map<string, RadixNode>;
  e: boolean;
  w: string;
  d: Set<number> | Postings;
}

/** The parts of Orama's database object read here. Documents are Orama's internal ids (from 1). */
export interface OramaInternals {
  data: {
    index: {
      /** Per property: the radix tree of its words. */
      indexes: Record<string, { node: RadixNode }>;
      /** Per property: in how many documents each word occurs. */
      tokenOccurrences: Record<string, Record<string, number>>;
      /** Per property and document: each word's share of the document's words. */
      frequencies: Record<string, Record<number, Record<string, number> | undefined>>;
      /** Per property and document: how many words it has. */
      fieldLengths: Record<string, Record<number, number>>;
      /** Per property: the running mean of the field lengths. */
      avgFieldLength: Record<string, number>;
    };
  };
  /** Document ids to internal ids and back (`internalIdToId[internalId - 1]`). */
  internalDocumentIDStore: { idToInternalId: Map<string, number>; internalIdToId: string[] };
}

/**
 * Orama's own index component, with changes that leave Orama's search with the same scores:
 *
 * - Word shares. Orama keeps an object per document with a property per word: each word's share of the
 *   document's words (`frequencies[prop][doc][word]`), which its search reads for the words a document holds.
 *   The tokenizer gives each word of a text once (fullTextTokens gives a set), so every share of a document is
 *   1 / its number of words: one object per number of words answers every word with it ({@link sharesOf}).
 *   An object with a property per word for every passage cost as much as the rest of Orama's insert, and tens
 *   of MB. {@link scoreWords} finds whether a chunk holds a word by the word's postings instead.
 * - A word's text goes into the radix tree once: the tree node that ends a word is remembered, and the
 *   word's next documents are added to that node directly rather than by walking the tree again from its
 *   root (the same node: Orama's removal of a document takes it from its words' nodes but never removes a
 *   node, and splitting an edge keeps the node that ends each word). A first index adds each of its ~33k
 *   words to ~30 documents on average.
 * - A word's documents are {@link Postings} (an ascending array) instead of Orama's Set: documents come with
 *   ascending internal ids, so adding one is a push where Orama's Set grows its hash table (half the time of
 *   a first index's words went there).
 */
function wordSharesIndex(): ReturnType<typeof components.index.createIndex> {
  const orama = components.index.createIndex();
  const ends = new WeakMap<RadixNode, Map<string, RadixNode>>();
  return {
    ...orama,
    insertDocumentScoreParameters(index, prop, id, tokens, docsCount) {
      orama.insertDocumentScoreParameters(index, prop, id, tokens, docsCount);
      const internalId = components.internalDocumentIDStore.getInternalDocumentId(index.sharedInternalDocumentStore, id);
      index.frequencies[prop][internalId] = sharesOf(tokens.length);
    },
    insert(implementation, index, prop, id, internalId, value, schemaType, language, tokenizer, docsCount, options) {
      const target = index.indexes[prop] as { type: string; node: RadixNode } | undefined;
      if (target?.type !== 'Radix' || typeof value !== 'string') {
        return orama.insert(implementation, index, prop, id, internalId, value, schemaType, language, tokenizer, docsCount, options);
      }
      // As Orama's insert of a string: its words' statistics, then the document under each word in the tree.
      const tokens = tokenizer.tokenize(value, language, prop, false) as string[];
      implementation.insertDocumentScoreParameters(index, prop, internalId, tokens, docsCount);
      const occurrences = index.tokenOccurrences[prop] as Record<string, number>;
      const tree = target.node;
      let wordEnds = ends.get(tree);
      if (!wordEnds) ends.set(tree, (wordEnds = new Map()));
      for (const token of tokens) {
        occurrences[token] = (occurrences[token] ?? 0) + 1;
        const end = wordEnds.get(token);
        if (end) {
          end.e = true;
          end.d.add(internalId);
        } else {
          (tree as unknown as { insert(word: string, doc: number): void }).insert(token, internalId);
          const node = nodeOf(tree, token);
          if (node) {
            if (!(node.d instanceof Postings)) node.d = new Postings(node.d);
            wordEnds.set(token, node);
          }
        }
      }
    },
  };
}

/**
 * The internal ids of a word's documents, ascending, in place of the Set Orama keeps at a radix node: the
 * same answers to what Orama and this module ask of it (add, delete, has, size, clear, iteration). Adding the
 * highest id yet is a push; any other add or a delete moves the ids after it. Iteration is in id order,
 * which for an index built in one go is the order Orama's Set gives (the order documents were added in).
 */
export class Postings implements Iterable<number> {
  private ids: number[];

  constructor(from: Iterable<number> = []) {
    this.ids = [...new Set(from)].sort((a, b) => a - b);
  }

  get size(): number {
    return this.ids.length;
  }

  add(id: number): this {
    const { ids } = this;
    if (ids.length === 0 || ids[ids.length - 1] < id) {
      ids.push(id);
    } else {
      const at = this.place(id);
      if (ids[at] !== id) ids.splice(at, 0, id);
    }
    return this;
  }

  has(id: number): boolean {
    return this.ids[this.place(id)] === id;
  }

  delete(id: number): boolean {
    const at = this.place(id);
    if (this.ids[at] !== id) return false;
    this.ids.splice(at, 1);
    return true;
  }

  clear(): void {
    this.ids = [];
  }

  [Symbol.iterator](): IterableIterator<number> {
    return this.ids.values();
  }

  values(): IterableIterator<number> {
    return this.ids.values();
  }

  keys(): IterableIterator<number> {
    return this.ids.values();
  }

  forEach(f: (id: number, same: number, postings: Postings) => void): void {
    for (const id of [...this.ids]) f(id, id, this);
  }

  /** The first position whose id is not below `id`. */
  private place(id: number): number {
    const { ids } = this;
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ids[mid] < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

const SHARES = new Map<number, Readonly<Record<string, number>>>();

/** The word shares of a document of `words` words, as Orama reads them: 1 / words for any word. */
function sharesOf(words: number): Readonly<Record<string, number>> {
  let shares = SHARES.get(words);
  if (!shares) {
    const share = 1 / words;
    shares = new Proxy(Object.freeze(Object.create(null) as Record<string, number>), { get: () => share });
    SHARES.set(words, shares);
  }
  return shares;
}

export function internalsOf(db: AnyOrama): OramaInternals {
  return db as unknown as OramaInternals;
}

/** Orama's BM25 parameters (its defaults). */
const BM25 = { k: 1.2, b: 0.75, d: 0.5 };
/** A word still being typed matches the indexed words it begins, when there are at most this many. */
const MAX_PREFIX_WORDS = 64;

/** The arguments of {@link FullTextIndex.wordScores}. */
interface WordQuery {
  words: readonly string[];
  prefix: string | undefined;
  ids: readonly string[];
  more: number;
  rare: number;
}

/**
 * {@link FullTextIndex.wordScores} over Orama's structures. `held`: the chunks of the index; `docs`: how many
 * of them Orama holds (fewer while a load runs).
 */
function scoreWords(orama: OramaInternals, held: ReadonlySet<string>, docs: number, q: WordQuery): Map<string, number> {
  const { index } = orama.data;
  const store = orama.internalDocumentIDStore;
  const n = held.size;
  const out = new Map<string, number>();
  if (!n) return out;
  // Orama's word counts are a plain object keyed by word: only own properties are words (see indexedWord).
  const own = (o: Record<string, number>, word: string) => (Object.hasOwn(o, word) && typeof o[word] === 'number' ? o[word] : undefined);
  // Per property, the indexed words to look for, each with how many query words it counts for and its IDF.
  const lookups = PROPERTIES.map((prop) => {
    const counts = new Map<string, number>();
    const add = (w: string) => counts.set(w, (counts.get(w) ?? 0) + 1);
    for (const w of q.words) if (own(index.tokenOccurrences[prop], indexedWord(w))) add(indexedWord(w));
    if (q.prefix) for (const w of wordsUnder(index.indexes[prop].node, indexedWord(q.prefix), MAX_PREFIX_WORDS)) add(w);
    // Orama updates the average field length by a running mean, whose last bits depend on the order chunks
    // were added and removed in; the average of the exact (integer) total does not, so a live index and the
    // same index loaded again score alike.
    const avgLength = docs ? Math.round(index.avgFieldLength[prop] * docs) / docs : 0;
    return {
      prop, boost: BOOST[prop], lengths: index.fieldLengths[prop], avgLength,
      // In one order (a word's place in Orama's tree depends on when it was first added), so that the
      // floating-point sums below are the same whatever the history of the index.
      words: [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([word, times]) => {
        const df = own(index.tokenOccurrences[prop], word) ?? 0;
        return { word, times, df, idf: Math.log(1 + (n - df + 0.5) / (df + 0.5)), docs: postingsOf(index.indexes[prop].node, word) };
      }),
    };
  });
  /**
   * Orama's BM25 of a word in a chunk of `length` words. The word's share of them (Orama's tf) is 1 / length:
   * the tokenizer gives each word once (see wordSharesIndex).
   */
  const bm25 = (idf: number, length: number, avgLength: number) => {
    const tf = 1 / length;
    return (idf * (BM25.d + tf * (BM25.k + 1))) / (tf + BM25.k * (1 - BM25.b + (BM25.b * length) / avgLength));
  };
  const scoreOf = (doc: number) => {
    let score = 0;
    for (const l of lookups) {
      for (const w of l.words) {
        if (w.docs?.has(doc)) score += w.times * bm25(w.idf, l.lengths[doc], l.avgLength) * l.boost;
      }
    }
    return score;
  };
  for (const id of q.ids) {
    const doc = store.idToInternalId.get(id);
    if (doc !== undefined) out.set(id, scoreOf(doc));
  }
  if (q.more <= 0) return out;
  // Chunks holding a rare word, ranked by what the rare words alone give them.
  const found = new Map<number, number>();
  for (const l of lookups) {
    for (const w of l.words) {
      if (w.df > q.rare) continue;
      for (const doc of w.docs ?? []) {
        found.set(doc, (found.get(doc) ?? 0) + w.times * bm25(w.idf, l.lengths[doc], l.avgLength) * l.boost);
      }
    }
  }
  // Equal scores go by chunk id, not by internal id (the order chunks were added in).
  const idOf = (doc: number) => store.internalIdToId[doc - 1];
  const ranked = [...found].sort((a, b) => b[1] - a[1] || (idOf(a[0]) < idOf(b[0]) ? -1 : 1));
  let added = 0;
  for (const [doc] of ranked) {
    if (added >= q.more) break;
    const id = idOf(doc);
    if (id === undefined || out.has(id) || !held.has(id)) continue;
    out.set(id, scoreOf(doc));
    added++;
  }
  return out;
}

/**
 * Up to `max` indexed words that start with `prefix` (other than `prefix` itself); none when there are more,
 * as a prefix of one or two letters would match too many words to tell anything.
 */
export function wordsUnder(root: RadixNode, prefix: string, max: number): string[] {
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
export function postingsOf(root: RadixNode, word: string): Set<number> | Postings | undefined {
  const node = nodeOf(root, word);
  return node?.e && node.w === word ? node.d : undefined;
}

/** The node the edge labels from the root spell `word` to, if there is one. */
export function nodeOf(root: RadixNode, word: string): RadixNode | undefined {
  let node = root;
  for (let i = 0; i < word.length; ) {
    const child = node.c.get(word[i]);
    if (!child || !word.startsWith(child.s, i)) return undefined;
    i += child.s.length;
    node = child;
  }
  return node;
}
