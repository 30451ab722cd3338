import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as v from 'valibot';

/**
 * The SHA-256 of a model's files, remembered by what `stat` says of each (size, modification and change time,
 * inode) so that start-up does not read 118 MB of weights each time: in a small file of the index folder (the
 * model folder may be read-only). The change time moves with any write, even when a tool such as `cp -p` or
 * rsync puts the modification time back. The file is only a cache: anything wrong with it means reading the
 * files again.
 */
export const MODEL_HASH_CACHE = 'model-hashes.json';

const CacheFile = v.object({
  version: v.literal(1),
  files: v.record(v.string(), v.object({
    stamp: v.pipe(v.string(), v.maxLength(200)),
    sha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
  })),
});
type Entry = v.InferOutput<typeof CacheFile>['files'][string];

/** A cache file is a few hundred bytes; anything much larger is not one. */
const MAX_CACHE_BYTES = 64 * 1024;
const CHUNK = 4 * 1024 * 1024;

/** What identifies a file's content without reading it. */
function stampOf(file: string): string {
  const s = statSync(file, { bigint: true });
  return `${s.size}:${s.mtimeNs}:${s.ctimeNs}:${s.ino}:${s.dev}`;
}

function readCache(cacheDir: string | undefined): Map<string, Entry> {
  if (!cacheDir) return new Map();
  try {
    const file = path.join(cacheDir, MODEL_HASH_CACHE);
    if (statSync(file).size > MAX_CACHE_BYTES) return new Map();
    const parsed = v.safeParse(CacheFile, JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? new Map(Object.entries(parsed.output.files)) : new Map();
  } catch {
    return new Map(); // missing or unreadable: read the model's files
  }
}

/** Written next to the index, by rename so a reader never sees half a file; a folder that is not there or not writable just goes without. */
function writeCache(cacheDir: string, files: Map<string, Entry>): void {
  const target = path.join(cacheDir, MODEL_HASH_CACHE);
  const temp = `${target}.${randomBytes(6).toString('hex')}.part`;
  try {
    writeFileSync(temp, `${JSON.stringify({ version: 1, files: Object.fromEntries(files) }, null, 2)}\n`);
    renameSync(temp, target);
  } catch {
    try {
      rmSync(temp, { force: true });
    } catch {
      // the folder is not there, or not a folder: nothing was written
    }
  }
}

/** Synchronous (start-up waits for the id anyway), a chunk at a time rather than the whole file in memory. */
function hashFile(file: string): { sha256: string; bytes: number } {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(CHUNK);
  const fd = openSync(file, 'r');
  let bytes = 0;
  try {
    for (let n; (n = readSync(fd, buffer, 0, CHUNK, null)) > 0; bytes += n) hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return { sha256: hash.digest('hex'), bytes };
}

/**
 * The SHA-256 of each of `files` (absolute paths), from the cache in `cacheDir` when the file's stamp is
 * unchanged, else by reading it (and then, with `update`, written to the cache). `hashedBytes` counts what
 * had to be read.
 */
export function hashModelFiles(files: readonly string[], cacheDir?: string, update = true): { sha256: string[]; hashedBytes: number } {
  const cached = readCache(cacheDir);
  let hashedBytes = 0;
  const entries = files.map((file): Entry => {
    const stamp = stampOf(file);
    const entry = cached.get(file);
    if (entry?.stamp === stamp) return entry;
    const read = hashFile(file);
    hashedBytes += read.bytes;
    return { stamp, sha256: read.sha256 };
  });
  // Only this model's files are kept: another model means another index, which costs far more than a read.
  if (cacheDir && update && (hashedBytes || cached.size !== files.length)) writeCache(cacheDir, new Map(files.map((f, i) => [f, entries[i]])));
  return { sha256: entries.map((e) => e.sha256), hashedBytes };
}
