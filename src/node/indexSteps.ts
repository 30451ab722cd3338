import path from 'node:path';
import type { IndexProgress, SkippedFile } from '../common/protocol/engine';
import type { Embedder } from './embed/embedder';
import type { FoundFile } from './files/discover';
import type { ChunkIndex, ChunkRecord } from './index/chunkIndex';
import type { FileRecord } from './index/persist';

// The steps of an indexing run that need nothing but what they are given: deciding what changed, embedding
// the new texts, and applying the result to the index. Engine.index runs them in order (scan, diff, read,
// embed, apply, save).

/** Texts per model call. Batches are cut from chunks sorted by length, so padding stays small. */
const BATCH_SIZE = 32;

export type Found = FoundFile & { root: string };

/** A file read and split in this run, with what its chunks embed. */
export interface ReadFile {
  record: FileRecord;
  chunks: ChunkRecord[];
  inputs: { hash: string; embedText: string; tokens: number }[];
  contentHash: string;
}

/** What a scan found under the run's roots. */
export interface Scan {
  roots: string[];
  found: Map<string, Found>;
  /** Files not indexed and why: those found now, and on a watcher's run those recorded before elsewhere. */
  skipped: SkippedFile[];
  /** Files this run decides about: every known file on a full scan, only the named paths otherwise. */
  inScope: (abs: string, rec: FileRecord) => boolean;
  /** How a file is named in messages: relative to its root, prefixed by the root's name when there are several. */
  label: (root: string, rel: string) => string;
}

/** What a run changes in the index. */
export interface Changes {
  dropIds: string[];
  /** Files that leave the index (gone, excluded, or no longer readable). */
  dropFiles: string[];
  changed: ReadFile[];
  /** Files whose size or time changed but not their content. */
  touched: { record: FileRecord; size: number; mtimeMs: number }[];
}

/** The index's own maps, which apply changes. */
export interface IndexState {
  files: Map<string, FileRecord>;
  chunks: Map<string, ChunkRecord>;
  chunkIndex: ChunkIndex;
}

/** Files gone (or now excluded) leave; files whose size, time or language changed are to be read again. */
export function diffFiles(files: ReadonlyMap<string, FileRecord>, scan: Scan): { toRead: Found[]; changes: Changes } {
  const changes: Changes = { dropIds: [], dropFiles: [], changed: [], touched: [] };
  for (const [abs, rec] of files) {
    if (!scan.found.has(abs) && scan.inScope(abs, rec)) dropFile(changes, abs, rec);
  }
  const toRead = [...scan.found.values()].filter((f) => {
    const r = files.get(f.abs);
    return !r || r.size !== f.size || r.mtimeMs !== f.mtimeMs || r.language !== f.language;
  });
  return { toRead, changes };
}

/** Records what reading `f` gave: a file to index again, one only touched, or one that can no longer be used. */
export function noteRead(changes: Changes, scan: Scan, f: Found, old: FileRecord | undefined, result: ReadFile | { reason: string }): void {
  if ('reason' in result) {
    scan.skipped.push({ path: scan.label(f.root, f.rel), reason: result.reason });
    if (old) dropFile(changes, f.abs, old);
  } else if (old && old.contentHash === result.contentHash && old.language === f.language) {
    changes.touched.push({ record: old, size: f.size, mtimeMs: f.mtimeMs });
  } else {
    changes.changed.push(result);
    if (old) changes.dropIds.push(...old.chunkIds);
  }
}

function dropFile(changes: Changes, abs: string, rec: FileRecord): void {
  changes.dropFiles.push(abs);
  changes.dropIds.push(...rec.chunkIds);
}

export const isEmpty = (c: Changes) => !c.dropIds.length && !c.dropFiles.length && !c.changed.length && !c.touched.length;

export interface EmbedStats {
  embedded: number;
  reused: number;
  /** Share of padding tokens in the embedded batches (0..1). */
  paddingWaste: number;
}

/**
 * Embeds each distinct new text of the changed files once, shortest first so batches hold similar lengths,
 * and keeps the vectors in the index by text hash (chunks are attached to them when the run is applied).
 * `beforeBatch` reports progress and may throw to cancel.
 */
export async function embedNewTexts(
  changed: readonly ReadFile[], chunkIndex: ChunkIndex, embedder: Embedder, beforeBatch: (p: IndexProgress) => void,
): Promise<EmbedStats> {
  const need = new Map<string, { text: string; tokens: number }>();
  let reused = 0;
  for (const { inputs } of changed) {
    for (const input of inputs) {
      if (chunkIndex.hasVector(input.hash) || need.has(input.hash)) reused++;
      else need.set(input.hash, { text: input.embedText, tokens: input.tokens });
    }
  }
  const queue = [...need.entries()].sort((a, b) => a[1].tokens - b[1].tokens);
  let tokens = 0, padded = 0;
  for (let i = 0; i < queue.length; i += BATCH_SIZE) {
    beforeBatch({ phase: 'embedding', done: i, total: queue.length });
    const batch = queue.slice(i, i + BATCH_SIZE);
    const data = await embedder.embed(batch.map(([, v]) => v.text));
    const { dim } = embedder;
    batch.forEach(([hash], j) => chunkIndex.putVector(hash, data.subarray(j * dim, (j + 1) * dim)));
    const longest = Math.max(...batch.map(([, v]) => v.tokens));
    for (const [, v] of batch) { tokens += v.tokens; padded += longest; }
  }
  if (queue.length) beforeBatch({ phase: 'embedding', done: queue.length, total: queue.length });
  return { embedded: need.size, reused, paddingWaste: padded ? (padded - tokens) / padded : 0 };
}

/**
 * Applies the changes: removals first (complete before anything is added again under the same ids), then
 * each changed file's chunks. A failure leaves the state partly changed: the caller restores it.
 */
export async function applyChanges(state: IndexState, changes: Changes): Promise<void> {
  await state.chunkIndex.remove(changes.dropIds);
  for (const id of changes.dropIds) state.chunks.delete(id);
  for (const abs of changes.dropFiles) state.files.delete(abs);
  for (const t of changes.touched) { t.record.size = t.size; t.record.mtimeMs = t.mtimeMs; }
  for (const { record, chunks } of changes.changed) {
    for (const c of chunks) state.chunks.set(c.id, c);
    state.files.set(path.join(record.root, record.rel), record);
    await state.chunkIndex.add(chunks);
  }
}
