import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { SkippedFile } from '../../common/protocol/engine';
import type { ChunkRecord } from './chunkIndex';
import { decodeHalf, encodeHalf } from './float16';
import type { StoredVectors, VectorSource } from './flatVectorIndex';

/**
 * Bumped whenever the files' layout or meaning changes; an index of another format is rebuilt.
 * 1: float32 vectors, a hash per row. 2: float16 vectors, rows in the order of the chunks' texts.
 */
export const INDEX_FORMAT = 2;
const MANIFEST = 'manifest.json';

/** What the engine knows of a file, to tell later whether it changed. */
export interface FileRecord {
  root: string;
  rel: string;
  size: number;
  mtimeMs: number;
  /** sha256 of the bytes. */
  contentHash: string;
  language: string;
  chunkIds: string[];
}

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
}

/** The vectors of a loaded index, as stored (float16); row i is the vector of the text with hash `hashes[i]`. */
export class VectorTable implements StoredVectors {
  private index: Map<string, number> | undefined;

  constructor(readonly hashes: readonly string[], readonly halves: Uint16Array, readonly dim: number) {}

  get size(): number {
    return this.hashes.length;
  }

  /** Every vector, decoded into one reused array: copy it to keep it. */
  forEach(fn: (vector: Float32Array, hash: string) => void): void {
    const row = new Float32Array(this.dim);
    this.hashes.forEach((h, i) => {
      decodeHalf(this.halves, i * this.dim, row);
      fn(row, h);
    });
  }

  halvesOf(hash: string): Uint16Array | undefined {
    const i = this.rowOf(hash);
    return i === undefined ? undefined : this.halves.subarray(i * this.dim, (i + 1) * this.dim);
  }

  private rowOf(hash: string): number | undefined {
    return (this.index ??= new Map(this.hashes.map((h, j) => [h, j]))).get(hash);
  }

  get(hash: string): Float32Array | undefined {
    const i = this.rowOf(hash);
    if (i === undefined) return undefined;
    const row = new Float32Array(this.dim);
    decodeHalf(this.halves, i * this.dim, row);
    return row;
  }
}

interface FileEntry {
  name: string;
  bytes: number;
  sha256: string;
}

interface Manifest {
  format: number;
  modelId: string;
  dim: number;
  chunkCount: number;
  vectorCount: number;
  savedAt: string;
  meta: FileEntry;
  vectors: FileEntry;
}

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
}

export type LoadResult =
  | { status: 'loaded'; snapshot: Snapshot & { vectors: VectorTable }; bytes: number; savedAt: string }
  | { status: 'empty' }
  | { status: 'invalid'; reason: string };

/**
 * Writes the snapshot into `dir` so that a crash at any moment leaves the previous index loadable:
 * the data files get names of their own (a new generation), are flushed to disk, and only then does a
 * new manifest replace the old one by rename. Files of older generations are removed last.
 * Vectors are one binary float16 file (row-major, little-endian), not JSON numbers.
 */
export async function saveSnapshot(dir: string, s: Snapshot): Promise<{ bytes: number }> {
  await fs.mkdir(dir, { recursive: true });
  const generation = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const { hashes, unusedHashes } = vectorRows(s);
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
  const meta: Meta = { roots: s.roots, files: s.files, chunks: s.chunks, skipped: s.skipped, unusedHashes };
  const metaBytes = Buffer.from(JSON.stringify(meta), 'utf8');

  const metaEntry = await writeDurably(dir, `meta-${generation}.json`, metaBytes);
  const vectorsEntry = await writeDurably(dir, `vectors-${generation}.f16`, vectorBytes);
  const manifest: Manifest = {
    format: INDEX_FORMAT, modelId: s.modelId, dim: s.dim, chunkCount: s.chunks.length,
    vectorCount: s.dim ? hashes.length : 0, savedAt: new Date().toISOString(), meta: metaEntry, vectors: vectorsEntry,
  };
  await writeDurably(dir, MANIFEST, Buffer.from(JSON.stringify(manifest, null, 2)));
  await syncDir(dir);
  for (const name of await fs.readdir(dir)) {
    if (name !== MANIFEST && name !== metaEntry.name && name !== vectorsEntry.name && /^(meta|vectors)-|\.tmp$/.test(name)) {
      await fs.rm(path.join(dir, name), { force: true });
    }
  }
  return { bytes: metaEntry.bytes + vectorsEntry.bytes };
}

/**
 * Reads the index in `dir`. Anything that would mix or corrupt results — another format, another model or
 * dimension, a missing file, a checksum mismatch, unparsable data — gives `invalid` with the reason, and the
 * caller rebuilds.
 */
export async function loadSnapshot(dir: string, expected: { modelId: string; dim?: number }): Promise<LoadResult> {
  let manifestText: string;
  try {
    manifestText = await fs.readFile(path.join(dir, MANIFEST), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'empty' };
    return { status: 'invalid', reason: `the index manifest could not be read (${(e as Error).message})` };
  }
  try {
    const m = JSON.parse(manifestText) as Manifest;
    if (m.format !== INDEX_FORMAT) return { status: 'invalid', reason: `the index was written in format ${m.format}, this version reads format ${INDEX_FORMAT}` };
    if (m.modelId !== expected.modelId) return { status: 'invalid', reason: `the index was built with another model (${m.modelId})` };
    if (expected.dim !== undefined && m.dim !== expected.dim) return { status: 'invalid', reason: `the index holds ${m.dim}-dimensional vectors, the model makes ${expected.dim}` };
    const metaBytes = await readVerified(dir, m.meta);
    const vectorBytes = await readVerified(dir, m.vectors);
    const meta = JSON.parse(metaBytes.toString('utf8')) as Meta;
    const hashes = m.dim ? vectorRows({ chunks: meta.chunks, unusedHashes: meta.unusedHashes }).hashes : [];
    if (vectorBytes.length !== hashes.length * m.dim * 2 || meta.chunks.length !== m.chunkCount || hashes.length !== m.vectorCount) {
      return { status: 'invalid', reason: 'the index files disagree with their manifest' };
    }
    const aligned = vectorBytes.byteOffset % 2 === 0 ? vectorBytes : Buffer.from(vectorBytes);
    const vectors = new VectorTable(hashes, new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.length / 2), m.dim);
    return {
      status: 'loaded',
      snapshot: { modelId: m.modelId, dim: m.dim, roots: meta.roots, files: meta.files, chunks: meta.chunks, vectors, skipped: meta.skipped },
      bytes: m.meta.bytes + m.vectors.bytes,
      savedAt: m.savedAt,
    };
  } catch (e) {
    return { status: 'invalid', reason: `the index is damaged (${(e as Error).message})` };
  }
}

/**
 * The texts whose vectors are stored, in file order: the chunks' texts (each once, in chunk order), then the
 * other vectors held (no chunk has their text any more).
 */
function vectorRows(s: { chunks: readonly ChunkRecord[]; vectors?: VectorSource; unusedHashes?: string[] }): { hashes: string[]; unusedHashes: string[] } {
  const seen = new Set<string>();
  const hashes: string[] = [];
  for (const c of s.chunks) if (!seen.has(c.hash)) { seen.add(c.hash); hashes.push(c.hash); }
  let unusedHashes = s.unusedHashes ?? [];
  if (s.vectors) {
    unusedHashes = [];
    s.vectors.forEach((_, h) => { if (!seen.has(h)) unusedHashes.push(h); });
  }
  return { hashes: [...hashes, ...unusedHashes], unusedHashes };
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
  for (const name of names) if (/^(meta|vectors)-|\.tmp$/.test(name)) await fs.rm(path.join(dir, name), { force: true });
}

async function readVerified(dir: string, entry: FileEntry): Promise<Buffer> {
  if (!/^[\w.-]+$/.test(entry.name)) throw new Error(`unexpected file name ${entry.name}`);
  const bytes = await fs.readFile(path.join(dir, entry.name));
  if (bytes.length !== entry.bytes) throw new Error(`${entry.name} has ${bytes.length} bytes, the manifest says ${entry.bytes}`);
  if (sha256(bytes) !== entry.sha256) throw new Error(`${entry.name} does not match its checksum`);
  return bytes;
}

async function writeDurably(dir: string, name: string, bytes: Uint8Array): Promise<FileEntry> {
  const tmp = path.join(dir, `${name}.${process.pid}.tmp`);
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, path.join(dir, name));
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

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
