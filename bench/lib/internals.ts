import type { Embedder } from '../../src/node/embed/embedder';
import type { Engine } from '../../src/node/engine';
import type { ChunkIndex, ChunkRecord } from '../../src/node/index/chunkIndex';

/**
 * The engine's private parts, reached for timing breakdowns only (how much of a query is the model, the
 * vector search, the full-text search). If the engine is refactored and these disappear, the breakdown is
 * skipped and the end-to-end figures are unaffected.
 */
export interface EngineInternals {
  embedder: Embedder;
  chunkIndex: ChunkIndex;
  chunks: Map<string, ChunkRecord>;
  /** The stored vector of a chunk (from the vector index). */
  vectorOf(c: ChunkRecord): Float32Array | undefined;
}

export function internalsOf(engine: Engine): EngineInternals | undefined {
  const e = engine as unknown as { embedder?: Embedder; chunkIndex?: ChunkIndex; chunks?: unknown };
  if (!e.embedder || !e.chunkIndex || !(e.chunks instanceof Map)) return undefined;
  const index = e.chunkIndex as unknown as { vectorOf?: (id: string) => Float32Array | undefined };
  return {
    embedder: e.embedder, chunkIndex: e.chunkIndex, chunks: e.chunks as Map<string, ChunkRecord>,
    vectorOf: (c) => index.vectorOf?.(c.id),
  };
}
