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

/**
 * Files gone (or now excluded) leave; files whose size, time or language changed are to be read again, and so
 * are those recorded without a time (see {@link recordedMtime}) to recheck their content.
 */
export function diffFiles(files: ReadonlyMap<string, FileRecord>, scan: Scan): { toRead: Found[]; recheck: Found[]; changes: Changes } {
  const changes: Changes = { dropIds: [], dropFiles: [], changed: [], touched: [] };
  for (const [abs, rec] of files) {
    if (!scan.found.has(abs) && scan.inScope(abs, rec)) dropFile(changes, abs, rec);
  }
  const toRead: Found[] = [];
  const recheck: Found[] = [];
  for (const f of scan.found.values()) {
    const r = files.get(f.abs);
    if (!r || r.size !== f.size || r.language !== f.language || (r.mtimeMs !== f.mtimeMs && r.mtimeMs !== NO_TIME)) toRead.push(f);
    else if (r.mtimeMs === NO_TIME) recheck.push(f);
  }
  return { toRead, recheck, changes };
}

/**
 * How close to its last change a file may be read and still be known unchanged by its size and time. A change
 * within the same tick of the file system's clock as the read (or an earlier change of the same size in that
 * tick) leaves both as they were — git's "racily clean" files. 3 s covers the 2-second times of FAT and exFAT.
 */
const RACY_MS = 3000;

/**
 * The modification time a file read at `readAtMs` is recorded with: its own, or -1 (matching no time) when it
 * changed too shortly before the read to tell a later change apart, so the next scan reads it again. Its
 * content hash then says whether it changed; nothing is embedded twice.
 */
export function recordedMtime(mtimeMs: number, readAtMs: number): number {
  return mtimeMs >= readAtMs - RACY_MS ? NO_TIME : mtimeMs;
}

const NO_TIME = -1;

/**
 * Records what reading `f` gave: a file to index again, one only touched, or one that can no longer be used.
 * False when its content is as it was (touched, or read only to recheck it).
 */
export function noteRead(changes: Changes, scan: Scan, f: Found, old: FileRecord | undefined, result: ReadFile | { reason: string }): boolean {
  if ('reason' in result) {
    scan.skipped.push({ path: scan.label(f.root, f.rel), reason: result.reason });
    if (old) dropFile(changes, f.abs, old);
  } else if (old && old.contentHash === result.contentHash && old.language === f.language) {
    if (old.size !== f.size || old.mtimeMs !== result.record.mtimeMs) {
      changes.touched.push({ record: old, size: f.size, mtimeMs: result.record.mtimeMs });
    }
    return false;
  } else {
    changes.changed.push(result);
    if (old) changes.dropIds.push(...old.chunkIds);
  }
  return true;
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
