import path from 'node:path';
import type { SkippedFile } from '../../common/protocol/engine';
import type { ChunkKind } from '../../common/types';
import { FullTextIndex, type ScoredId } from './fullText';
import type { Snapshot } from './persist';
import type { ChunkRecord, FileRecord } from './records';
import { VectorStore } from './vectorStore';

/**
 * The index of a workspace in memory, and the one owner of its data: the files (to tell what changed), their
 * chunks, the chunks' vectors ({@link VectorStore}; a chunk added before its text is embedded waits there for
 * its vector, searchable by its words meanwhile) and words ({@link FullTextIndex}), the folders indexed and
 * the files skipped. An indexing run changes it through the steps of indexSteps.ts; persist.ts saves a
 * {@link snapshot} of it and loads one back ({@link fromSnapshot}); ranking.ts reads it.
 */
export class WorkspaceIndex {
  /** Files by absolute path. */
  private readonly fileMap = new Map<string, FileRecord>();
  private readonly chunkMap = new Map<string, ChunkRecord>();
  readonly fullText = new FullTextIndex();
  /** The folders indexed, as the last run named them. */
  roots: string[] = [];
  /** The files under them that are not indexed, and why. */
  skipped: SkippedFile[] = [];
  /** The texts (by hash) whose vectors came from an index seed rather than this machine's model. */
  readonly seeded = new Set<string>();

  constructor(readonly vectors: VectorStore) {}

  /** An empty index for vectors of `dim` values (0: words only). */
  static empty(dim: number): WorkspaceIndex {
    return new WorkspaceIndex(new VectorStore(dim));
  }

  /**
   * A saved index: files, chunks and vectors at once, so that vector search works right away; the words are
   * indexed in the background (see {@link ready}).
   */
  static fromSnapshot(s: Snapshot & { vectors: VectorStore }): WorkspaceIndex {
    const index = new WorkspaceIndex(s.vectors);
    index.roots = s.roots;
    index.skipped = s.skipped;
    for (const h of s.seededHashes ?? []) index.seeded.add(h);
    for (const f of s.files) index.fileMap.set(path.join(f.root, f.rel), f);
    for (const c of s.chunks) {
      index.chunkMap.set(c.id, c);
      index.vectors.attach(c.id, c.hash);
    }
    index.fullText.load(s.chunks);
    return index;
  }

  get files(): ReadonlyMap<string, FileRecord> {
    return this.fileMap;
  }

  get chunks(): ReadonlyMap<string, ChunkRecord> {
    return this.chunkMap;
  }

  /** Resolves when every chunk's words are indexed; rejects when a loaded index's words cannot be (its records contradict each other). */
  get ready(): Promise<void> {
    return this.fullText.ready;
  }

  /** The chunks nearest to `query` by cosine similarity, best first, of the given kinds (any when none). */
  nearest(query: Float32Array, k: number, kinds?: readonly ChunkKind[]): ScoredId[] {
    const wanted = kinds?.length ? new Set(kinds) : undefined;
    const accept = wanted && ((id: string) => wanted.has(this.chunkMap.get(id)!.kind));
    return this.vectors.topK(query, k, accept).map(([id, score]) => ({ id, score }));
  }

  /** Removes chunks, their words first: all of them are gone before anything is added again under their ids. */
  async removeChunks(ids: readonly string[]): Promise<void> {
    await this.fullText.remove(ids);
    for (const id of ids) {
      this.vectors.detach(id);
      this.chunkMap.delete(id);
    }
  }

  /** Forgets a file (its chunks are removed on their own, by {@link removeChunks}). */
  removeFile(abs: string): void {
    this.fileMap.delete(abs);
  }

  /** Records a file's new size and time, for a file whose content did not change. */
  touchFile(record: FileRecord, size: number, mtimeMs: number): void {
    record.size = size;
    record.mtimeMs = mtimeMs;
  }

  /** Adds (or replaces) a file and adds its chunks, each pointing at the vector of its text, or waiting for it. */
  async addFile(record: FileRecord, chunks: readonly ChunkRecord[]): Promise<void> {
    for (const c of chunks) this.chunkMap.set(c.id, c);
    this.fileMap.set(path.join(record.root, record.rel), record);
    for (const c of chunks) this.vectors.attach(c.id, c.hash);
    await this.fullText.add(chunks);
  }

  /** Records what a run scanned: the folders, and the files skipped in them. */
  setScanned(roots: string[], skipped: SkippedFile[]): void {
    this.roots = roots;
    this.skipped = skipped;
  }

  /** Chunks whose vector came from an index seed. */
  seededChunks(): number {
    let n = 0;
    for (const c of this.chunkMap.values()) if (this.seeded.has(c.hash) && this.vectors.hasVector(c.id)) n++;
    return n;
  }

  /** Everything the index is, for a save. */
  snapshot(modelId: string): Snapshot {
    for (const h of this.seeded) if (!this.vectors.has(h)) this.seeded.delete(h); // pruned since
    const seededHashes = [...this.seeded];
    return {
      modelId, dim: this.vectors.dim, roots: this.roots, files: [...this.fileMap.values()], chunks: [...this.chunkMap.values()],
      vectors: this.vectors, skipped: this.skipped, ...(seededHashes.length ? { seededHashes } : {}),
    };
  }
}
