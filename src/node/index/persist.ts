import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { SkippedFile } from '../../common/protocol/engine';
import { sha256 } from '../hash';
import { encodeHalf } from './float16';
import type { ChunkRecord, FileRecord } from './records';
import { firstNonFinite, parseManifest, parseMeta, type Manifest } from './storeSchema';
import { VectorStore, type VectorSource } from './vectorStore';

// The index on disk (the save step of a run, and the load at start): a manifest, the files and chunks as JSON,
// and the vectors as one binary file of half-precision rows, written so that a crash at any moment leaves the
// last good index; everything read back is validated (storeSchema.ts). What is saved and loaded is a
// WorkspaceIndex's snapshot; a loaded one's vectors are already a VectorStore.

/**
 * Bumped whenever the files' layout or meaning changes; an index of another format is rebuilt.
 * 1: float32 vectors, a hash per row. 2: float16 vectors, rows in the order of the chunks' texts.
 * Texts still waiting for their vector (`waitingHashes`) did not need a new format: an index without them is
 * written exactly as before, and one with them, read by a version that does not know them, has fewer rows
 * than that version counts and is rebuilt, never misread.
 */
export const INDEX_FORMAT = 2;
const MANIFEST = 'manifest.json';

/** Everything an index is, in memory. */
export interface Snapshot {
  modelId: string;
  dim: number;
  roots: string[];
  files: FileRecord[];
  chunks: ChunkRecord[];
  /** Vectors by text hash, including some of chunks no longer present (a branch switch back reuses them). */
  vectors: VectorSource;
  skipped: SkippedFile[];
  /** The texts whose vectors came from an index seed (only texts with a vector). Absent when none did. */
  seededHashes?: string[];
}

type FileEntry = Manifest['meta'];

/** The meta file: everything but the vectors. */
interface Meta {
  roots: string[];
  files: FileRecord[];
  chunks: ChunkRecord[];
  skipped: SkippedFile[];
  /**
   * The rows of the vectors file are the vectors of the chunks' texts, each text once in the order the chunks
   * first have it, then those of these texts, which no chunk has any more (kept for reuse).
   */
  unusedHashes: string[];
  /** The chunks' texts that have no vector yet (no row): left out of the rows above. Absent when none. */
  waitingHashes?: string[];
  /** Texts of the rows above whose vectors came from an index seed (for Show Index Info). Absent when none. */
  seededHashes?: string[];
}

export type LoadResult =
  | { status: 'loaded'; snapshot: Snapshot & { vectors: VectorStore }; bytes: number; savedAt: string; generation: string }
  | { status: 'empty' }
  | { status: 'invalid'; reason: string };

/** What the engine needs of a save. */
export interface SaveOptions {
  /**
   * Throws unless this writer may still write the store (it holds the lock): asked before the manifest is
   * replaced, and before files this save did not make are removed.
   */
  verifyWriter?: () => Promise<void>;
}

/** Names of the files a save may leave behind: data files of any generation and temporary files. */
const INDEX_FILE = /^(meta|vectors)-|\.tmp$/;
/** A load that finds the generation its manifest named gone (a writer replaced it meanwhile) reads again, this often. */
const LOAD_ATTEMPTS = 10;

/**
 * Writes the snapshot into `dir` so that a crash at any moment leaves the previous index loadable:
 * the data files get names of their own (a new generation), are flushed to disk, and only then does a
 * new manifest replace the old one by rename. Files of older generations are removed last (a reader still
 * reading one finds it gone and reads the new manifest). A save that fails removes what it wrote.
 * Vectors are one binary float16 file (row-major, little-endian), not JSON numbers.
 */
export async function saveSnapshot(dir: string, s: Snapshot, options: SaveOptions = {}): Promise<{ bytes: number; generation: string }> {
  await fs.mkdir(dir, { recursive: true });
  const generation = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
  const { hashes, unusedHashes, waitingHashes } = s.dim ? vectorRows(s) : { hashes: [], unusedHashes: [], waitingHashes: [] };
  const vectorBytes = new Uint8Array(s.dim ? hashes.length * s.dim * 2 : 0);
  const halves = new Uint16Array(vectorBytes.buffer);
  if (s.dim) {
    let row = 0;
    for (const h of hashes) {
      const at = row++ * s.dim;
      const stored = s.vectors.halvesOf?.(h); // the vector index holds them in half precision already
      if (stored) {
        halves.set(stored, at);
        continue;
      }
      const v = s.vectors.get(h);
      if (!v) throw new Error(`no vector for the text ${h}`);
      encodeHalf(v, halves, at);
    }
  }
  const meta: Meta = {
    roots: s.roots, files: s.files, chunks: s.chunks, skipped: s.skipped, unusedHashes, ...(waitingHashes.length ? { waitingHashes } : {}),
    ...(s.seededHashes?.length ? { seededHashes: s.seededHashes } : {}),
  };
  const metaBytes = Buffer.from(JSON.stringify(meta), 'utf8');

  /** Every file this save has made so far; removed again unless the new manifest names them. */
  const made: string[] = [];
  let committed = false;
  try {
    const metaEntry = await writeDurably(dir, `meta-${generation}.json`, metaBytes, made);
    const vectorsEntry = await writeDurably(dir, `vectors-${generation}.f16`, vectorBytes, made);
    const manifest: Manifest = {
      format: INDEX_FORMAT, modelId: s.modelId, dim: s.dim, chunkCount: s.chunks.length,
      vectorCount: s.dim ? hashes.length : 0, savedAt: new Date().toISOString(), meta: metaEntry, vectors: vectorsEntry,
    };
    await options.verifyWriter?.();
    await writeDurably(dir, MANIFEST, Buffer.from(JSON.stringify(manifest, null, 2)), made);
    committed = true;
    await syncDir(dir);
    await removeLeftovers(dir, [metaEntry.name, vectorsEntry.name], options);
    return { bytes: metaEntry.bytes + vectorsEntry.bytes, generation: metaEntry.name };
  } finally {
    if (!committed) for (const file of made) await fs.rm(file, { force: true }).catch(() => undefined);
  }
}

/**
 * Removes the generations the new manifest replaced and what writers that died mid-save left. Only while this
 * writer still holds the store: a file of another writer's save in progress is never removed.
 */
async function removeLeftovers(dir: string, keep: string[], options: SaveOptions): Promise<void> {
  try {
    await options.verifyWriter?.();
    for (const name of await fs.readdir(dir)) {
      // A file a reader has open cannot be removed on Windows: it goes with a later save.
      if (INDEX_FILE.test(name) && !keep.includes(name)) await fs.rm(path.join(dir, name), { force: true }).catch(() => undefined);
    }
  } catch {
    // The save itself is complete; what is left is removed by the next one.
  }
}

/**
 * Removes what writers that died mid-save left in `dir` (temporary files, generations no manifest names).
 * For the store's writer only, right after it took the lock. A manifest that cannot be read says nothing of
 * what to keep, so then nothing is removed; without a manifest, every data file is a leftover.
 */
export async function removeDeadWritersFiles(dir: string): Promise<void> {
  let keep: string[] = [];
  try {
    const parsed = parseManifest(JSON.parse(await fs.readFile(path.join(dir, MANIFEST), 'utf8')));
    if (!('manifest' in parsed)) return;
    keep = [parsed.manifest.meta.name, parsed.manifest.vectors.name];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return;
  }
  await removeLeftovers(dir, keep, {});
}

/**
 * Reads the index in `dir`. Anything that would mix or corrupt results — another format, another model or
 * dimension, a missing file, a checksum mismatch, data that does not parse or does not fit the schema — gives
 * `invalid` with the reason, and the caller rebuilds. A generation replaced by a writer while it was being
 * read is not damage: the load starts again from the new manifest.
 */
export async function loadSnapshot(dir: string, expected: { modelId: string; dim?: number }): Promise<LoadResult> {
  for (let attempt = 1; ; attempt++) {
    const result = await loadOnce(dir, expected);
    if (result.status !== 'replaced') return result;
    if (attempt === LOAD_ATTEMPTS) return { status: 'invalid', reason: `the index was replaced ${LOAD_ATTEMPTS} times while it was read` };
  }
}

/** The generation the manifest names now (a save's meta file), to tell whether the store changed. */
export async function storedGeneration(dir: string): Promise<string | undefined> {
  try {
    const parsed = parseManifest(JSON.parse(await fs.readFile(path.join(dir, MANIFEST), 'utf8')));
    return 'manifest' in parsed ? parsed.manifest.meta.name : undefined;
  } catch {
    return undefined;
  }
}

async function loadOnce(dir: string, expected: { modelId: string; dim?: number }): Promise<LoadResult | { status: 'replaced' }> {
  const manifestPath = path.join(dir, MANIFEST);
  let manifestText: string;
  try {
    manifestText = await fs.readFile(manifestPath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'empty' };
    return { status: 'invalid', reason: `the index manifest could not be read (${(e as Error).message})` };
  }
  const invalid = (reason: string) => ({ status: 'invalid' as const, reason });
  let data: unknown;
  try {
    data = JSON.parse(manifestText);
  } catch {
    return invalid('the index is damaged (its manifest is not JSON)');
  }
  const format = (data as { format?: unknown } | null)?.format;
  if (format !== INDEX_FORMAT) {
    return invalid(`the index was written in ${Number.isSafeInteger(format) ? `format ${format}` : 'an unknown format'}, this version reads format ${INDEX_FORMAT}`);
  }
  const parsedManifest = parseManifest(data);
  if ('reason' in parsedManifest) return invalid(`the index ${parsedManifest.reason}`);
  const m = parsedManifest.manifest;
  if (m.modelId !== expected.modelId) return invalid(`the index was built with another model (${m.modelId})`);
  if (expected.dim !== undefined && m.dim !== expected.dim) return invalid(otherDimension(m.dim, expected.dim));

  let metaBytes: Buffer, vectorBytes: Buffer;
  try {
    [metaBytes, vectorBytes] = await readBoth(dir, m.meta, m.vectors);
  } catch (e) {
    // Either a writer replaced this generation after the manifest was read, or the store is damaged.
    const now = await fs.readFile(manifestPath, 'utf8').catch(() => undefined);
    if (now !== manifestText) return { status: 'replaced' };
    return invalid(`the index is damaged (${(e as Error).message})`);
  }
  let metaData: unknown;
  try {
    metaData = JSON.parse(metaBytes.toString('utf8'));
  } catch {
    return invalid('the index is damaged (its metadata is not JSON)');
  }
  const parsedMeta = parseMeta(metaData, m);
  if ('reason' in parsedMeta) return invalid(`the index ${parsedMeta.reason}`);
  const meta = parsedMeta.meta;
  const hashes = m.dim ? vectorRows({ chunks: meta.chunks, unusedHashes: meta.unusedHashes, waitingHashes: meta.waitingHashes }).hashes : [];
  if (vectorBytes.length !== hashes.length * m.dim * 2) {
    return invalid(`the index vectors file has ${vectorBytes.length} bytes, its manifest needs ${hashes.length * m.dim * 2}`);
  }
  const aligned = vectorBytes.byteOffset % 2 === 0 ? vectorBytes : Buffer.from(vectorBytes);
  const halves = new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.length / 2);
  const bad = firstNonFinite(halves);
  if (bad >= 0) return invalid(`the index vector of row ${Math.floor(bad / m.dim)} holds a value that is not a finite number`);
  return {
    status: 'loaded',
    snapshot: {
      modelId: m.modelId, dim: m.dim, roots: meta.roots, files: meta.files, chunks: meta.chunks,
      vectors: VectorStore.fromRows(m.dim, hashes, halves), skipped: meta.skipped, ...(meta.seededHashes ? { seededHashes: meta.seededHashes } : {}),
    },
    bytes: m.meta.bytes + m.vectors.bytes,
    savedAt: m.savedAt,
    generation: m.meta.name,
  };
}

/**
 * The texts whose vectors are stored, in file order: the chunks' texts that have one (each once, in chunk
 * order), then the other vectors held (no chunk has their text any more). Also the chunks' texts that have
 * none yet: on a save, those the vectors lack; on a load, those the metadata lists.
 */
function vectorRows(s: { chunks: readonly ChunkRecord[]; vectors?: VectorSource; unusedHashes?: string[]; waitingHashes?: string[] }): {
  hashes: string[]; unusedHashes: string[]; waitingHashes: string[];
} {
  const vectors = s.vectors;
  const waiting = new Set(s.waitingHashes);
  const waits = vectors ? (h: string) => (vectors.halvesOf?.(h) ?? vectors.get(h)) === undefined : (h: string) => waiting.has(h);
  const seen = new Set<string>();
  const hashes: string[] = [];
  const waitingHashes: string[] = [];
  for (const c of s.chunks) {
    if (seen.has(c.hash)) continue;
    seen.add(c.hash);
    if (waits(c.hash)) waitingHashes.push(c.hash);
    else hashes.push(c.hash);
  }
  let unusedHashes = s.unusedHashes ?? [];
  if (vectors) {
    unusedHashes = [];
    vectors.forEach((_, h) => { if (!seen.has(h)) unusedHashes.push(h); });
  }
  return { hashes: [...hashes, ...unusedHashes], unusedHashes, waitingHashes };
}

/** Removes the index files from `dir` (the folder itself stays). */
export async function deleteSnapshot(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  await fs.rm(path.join(dir, MANIFEST), { force: true });
  for (const name of names) if (INDEX_FILE.test(name)) await fs.rm(path.join(dir, name), { force: true });
}

/**
 * Opens both data files before reading either: once open, a file stays readable on POSIX systems even when a
 * writer removes it, so the two always come from the generation the manifest named.
 */
async function readBoth(dir: string, ...entries: FileEntry[]): Promise<Buffer[]> {
  const handles = await Promise.allSettled(entries.map((e) => fs.open(path.join(dir, e.name), 'r')));
  try {
    for (const h of handles) if (h.status === 'rejected') throw h.reason;
    return await Promise.all(entries.map(async (entry, i) => {
      const bytes = await (handles[i] as PromiseFulfilledResult<fs.FileHandle>).value.readFile();
      if (bytes.length !== entry.bytes) throw new Error(`${entry.name} has ${bytes.length} bytes, the manifest says ${entry.bytes}`);
      if (sha256(bytes) !== entry.sha256) throw new Error(`${entry.name} does not match its checksum`);
      return bytes;
    }));
  } finally {
    for (const h of handles) if (h.status === 'fulfilled') await h.value.close();
  }
}

/** Writes `name` through a temporary file of a random name (never one another writer uses), flushed, then renamed. */
async function writeDurably(dir: string, name: string, bytes: Uint8Array, made: string[]): Promise<FileEntry> {
  const tmp = path.join(dir, `${name}.${randomBytes(6).toString('hex')}.tmp`);
  made.push(tmp);
  const handle = await fs.open(tmp, 'wx');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  const target = path.join(dir, name);
  await fs.rename(tmp, target);
  if (name !== MANIFEST) made[made.indexOf(tmp)] = target; // the manifest is never taken back
  return { name, bytes: bytes.length, sha256: sha256(bytes) };
}

async function syncDir(dir: string): Promise<void> {
  try {
    const h = await fs.open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // Directories cannot be opened for fsync on Windows; the renames are still atomic there.
  }
}

/** A file system error as a user reads it: what happened, then its code. */
export function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const what: Record<string, string> = {
    ENOSPC: 'the disk is full', EDQUOT: 'the disk quota is used up', EFBIG: 'a file would exceed the file size limit',
    EACCES: 'permission denied', EPERM: 'permission denied', EROFS: 'the file system is read-only',
    ENOTDIR: 'a part of the path is a file, not a folder', EEXIST: 'a part of the path is a file, not a folder',
  };
  return code && what[code] ? `${what[code]}, ${code}` : (e as Error).message;
}

/** Why an index of `stored`-dimensional vectors cannot be used with a model that makes `model`-dimensional ones. */
export function otherDimension(stored: number, model: number): string {
  return `the index holds ${stored}-dimensional vectors, the model makes ${model}`;
}
