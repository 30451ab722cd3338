import { promises as fs } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../../common/errors';
import { INDEX_FORMAT, loadSnapshot, saveSnapshot, type LoadResult, type Snapshot } from '../index/persist';
import { lockedMessage, StoreLock } from '../index/storeLock';
import { parseManifest } from '../index/storeSchema';
import { encodeSeed, writeSeedFile } from './seedFile';

// What the CLI's `merge` and `export` do with saved stores, without a model: the stores say which model made
// their vectors, and only stores of one model (and of this version's format) are put together.

type Loaded = Extract<LoadResult, { status: 'loaded' }>['snapshot'];

/** The index saved in `dir`, whatever its model; a sentence naming the folder when there is none or it cannot be used. */
export async function readStore(dir: string): Promise<Loaded> {
  let data: unknown;
  try {
    data = JSON.parse(await fs.readFile(path.join(dir, 'manifest.json'), 'utf8'));
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new EngineError('store-unreadable', missing ? `There is no index in ${dir}.` : `The index in ${dir} cannot be read (its manifest is damaged).`);
  }
  const format = (data as { format?: unknown } | null)?.format;
  if (format !== INDEX_FORMAT) {
    const written = Number.isSafeInteger(format) ? `format ${format}` : 'an unknown format';
    throw new EngineError('store-unreadable', `The index in ${dir} cannot be used: it was written in ${written}, this version reads format ${INDEX_FORMAT}.`);
  }
  const parsed = parseManifest(data);
  if ('reason' in parsed) throw new EngineError('store-unreadable', `The index in ${dir} cannot be used: its ${parsed.reason}.`);
  const loaded = await loadSnapshot(dir, { modelId: parsed.manifest.modelId });
  if (loaded.status === 'empty') throw new EngineError('store-unreadable', `There is no index in ${dir}.`);
  if (loaded.status === 'invalid') throw new EngineError('store-unreadable', `The index in ${dir} cannot be used: ${loaded.reason}.`);
  return loaded.snapshot;
}

export interface MergeSummary {
  stores: number;
  files: number;
  chunks: number;
  /** Distinct texts with a vector in the merged store. */
  vectors: number;
  /** Chunks of the merged store whose text has no vector in any of the stores. */
  waiting: number;
}

/**
 * One store from several of the same model (the shards of a CI matrix, or any stores): the files and passages
 * of the first, and every vector of all of them by the hash of its text — each text once, its row copied bit
 * for bit. A passage of the first store that waited for its vector has it when another store holds it; the
 * vectors of texts the first store does not have are kept as unused rows (a branch switch, a seed). Stores of
 * another model, dimension or format are refused with a sentence, before anything is written.
 */
export async function mergeStores(inputs: readonly string[], out: string): Promise<MergeSummary> {
  if (!inputs.length) throw new EngineError('bad-request', 'Name the stores to merge.');
  const stores: Loaded[] = [];
  for (const dir of inputs) {
    const s = await readStore(dir);
    const first = stores[0];
    if (first && (s.modelId !== first.modelId || s.dim !== first.dim)) {
      throw new EngineError('bad-request',
        `The index in ${dir} was built with another model (${s.modelId}, ${s.dim} dimensions) than the one in ${inputs[0]} (${first.modelId}, ${first.dim} dimensions); only stores of one model can be merged.`);
    }
    stores.push(s);
  }
  const [base, ...others] = stores;
  const seeded = new Set(base.seededHashes);
  for (const other of others) {
    base.vectors.copyRowsOf(other.vectors);
    for (const h of other.seededHashes ?? []) seeded.add(h);
  }
  const snapshot: Snapshot = { ...base, seededHashes: [...seeded].filter((h) => base.vectors.has(h)) };
  await saveLocked(out, snapshot);
  return {
    stores: stores.length, files: base.files.length, chunks: base.chunks.length, vectors: base.vectors.rowCount, waiting: base.vectors.waitingChunkCount,
  };
}

/** Saves `snapshot` as the index in `dir`, as its one writer (refused while another process writes there). */
async function saveLocked(dir: string, snapshot: Snapshot): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const lock = new StoreLock(dir);
  const attempt = await lock.tryAcquire();
  if (!attempt.acquired) throw new EngineError('store-locked', lockedMessage(dir, attempt.owner ?? 'unknown'));
  try {
    await saveSnapshot(dir, snapshot, { verifyWriter: async () => lock.verify() });
  } finally {
    await lock.dispose();
  }
}

export interface ExportSummary {
  modelId: string;
  vectors: number;
  bytes: number;
}

/** Writes the seed of the index in `storeDir` (every vector it holds, by text hash; see seedFile.ts) to `file`. */
export async function exportSeed(storeDir: string, file: string): Promise<ExportSummary> {
  const s = await readStore(storeDir);
  if (!s.dim) throw new EngineError('bad-request', `The index in ${storeDir} was built without a model: it holds no vectors to share.`);
  const bytes = encodeSeed(s.modelId, s.vectors);
  await writeSeedFile(file, bytes);
  return { modelId: s.modelId, vectors: s.vectors.rowCount, bytes: bytes.length };
}
