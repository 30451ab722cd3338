import { create, insertMultiple, removeMultiple, search, type AnyOrama } from '@orama/orama';
import type { ChunkKind } from '../../common/types';
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

/**
 * The Orama database of chunks: `title` and `text` for full-text search, `embedding` for vector search.
 * Two of Orama's defaults are replaced on purpose: the tokenizer (the default one drops Hangul, Kana and
 * Han) and the vector similarity cut-off (0.8 by default, which hides most cross-language matches).
 */
export class ChunkIndex {
  private readonly db: AnyOrama;
  private size = 0;

  constructor(readonly dim: number) {
    this.db = create({
      // Without a model (dim 0) the index holds words only.
      schema: { title: 'string', text: 'string', kind: 'enum', ...(dim ? { embedding: `vector[${dim}]` as const } : {}) },
      components: { tokenizer: createFullTextTokenizer() },
    }) as AnyOrama;
  }

  get count(): number {
    return this.size;
  }

  async add(records: readonly ChunkRecord[], vectorOf: (r: ChunkRecord) => Float32Array | undefined): Promise<void> {
    if (!records.length) return;
    // Orama takes vectors as plain arrays and keeps its own Float32Array copy in its vector index; the
    // array left in the stored document is dropped so it does not hold 384 doubles per chunk.
    const docs = records.map((r) => ({ id: r.id, title: r.title, text: r.text, kind: r.kind, embedding: this.dim ? Array.from(vectorOf(r)!) as number[] | null : undefined }));
    await insertMultiple(this.db, docs, 1000);
    for (const d of docs) d.embedding = null;
    this.size += records.length;
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (!ids.length) return;
    this.size -= await removeMultiple(this.db, [...ids], 1000);
  }

  /** Chunks by cosine similarity to `vector`, best first, with no similarity cut-off. */
  async vectorSearch(vector: Float32Array, limit: number, filter: IndexFilter = {}): Promise<ScoredId[]> {
    const res = await search(this.db, {
      mode: 'vector',
      vector: { value: vector, property: 'embedding' },
      similarity: -1,
      limit,
      where: whereOf(filter),
    });
    return res.hits.map((h) => ({ id: h.id, score: h.score }));
  }

  /** Chunks by BM25 over title and text, best first; any query word may match (prefix matches count). */
  async fullTextSearch(term: string, limit: number, filter: IndexFilter = {}): Promise<ScoredId[]> {
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

function whereOf(filter: IndexFilter) {
  return filter.kinds?.length ? { kind: { in: filter.kinds } } : undefined;
}
