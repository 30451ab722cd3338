import { create, insertMultiple, removeMultiple, search, type AnyOrama } from '@orama/orama';
import type { ChunkKind } from '../../common/types';
import { FlatVectorIndex, type StoredVectors, type VectorSource } from './flatVectorIndex';
import { createFullTextTokenizer } from './fullTextTokenizer';

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

/** The parts of Orama's database object the index reaches into (its public types leave them opaque). */
interface OramaData {
  data: { index: { vectorIndexes: Record<string, { node: unknown }> } };
  internalDocumentIDStore: { idToInternalId: Map<string, number>; internalIdToId: string[] };
}

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
  }

  /**
   * Adds a stored index: the vectors at once, so vector search works right away, and the full text in the
   * background, in slices between which searches are answered (tokenising every chunk again takes seconds
   * for a large index). Full-text searches and changes wait for it.
   */
  load(records: readonly ChunkRecord[], vectors: VectorSource | StoredVectors): void {
    if ('readRow' in vectors) this.vectors?.putStored(vectors);
    else vectors.forEach((v, hash) => this.putVector(hash, v));
    this.addVectors(records);
    this.fullTextReady = (async () => {
      for (let i = 0; i < records.length; i += LOAD_SLICE) {
        await new Promise((resolve) => setImmediate(resolve));
        await insertMultiple(this.db, records.slice(i, i + LOAD_SLICE).map(fullTextDoc), LOAD_SLICE);
      }
    })();
  }

  /** Resolves when the full-text part of a loaded index is built. */
  fullTextReady: Promise<void> = Promise.resolve();

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

  async remove(ids: readonly string[]): Promise<void> {
    if (!ids.length) return;
    await this.fullTextReady;
    const { idToInternalId } = this.internals.internalDocumentIDStore;
    for (const id of ids) {
      const internalId = idToInternalId.get(id);
      if (internalId === undefined) continue;
      this.vectors?.remove(internalId);
      this.kindOf.delete(internalId);
    }
    await removeMultiple(this.db, [...ids], 1000);
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
   * How rare a word is in the index, as BM25 weighs it: log(1 + (N − n + 0.5) / (n + 0.5)) for a word in n of
   * N chunks.
   */
  inverseDocumentFrequency(term: string): number {
    const occurrences = (this.db as unknown as { data: { index: { tokenOccurrences: Record<string, Record<string, number>> } } })
      .data.index.tokenOccurrences.text ?? {};
    const n = Math.min(this.count, occurrences[term] ?? 0);
    return Math.log(1 + (this.count - n + 0.5) / (n + 0.5));
  }

  /** Chunks by BM25 over title and text, best first; any query word may match (prefix matches count). */
  async fullTextSearch(term: string, limit: number, filter: IndexFilter = {}): Promise<ScoredId[]> {
    await this.fullTextReady;
    const res = await search(this.db, {
      term,
      properties: ['title', 'text'],
      boost: { title: 1.5 },
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
