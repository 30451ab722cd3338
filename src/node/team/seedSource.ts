import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DownloadError } from '../../net/httpGet';
import { downloadResumable } from '../../net/resumableGet';
import { sha256 } from '../hash';
import { decodeSeed, type Seed } from './seedFile';

/** Where a store keeps the seeds it fetched from an address, one file per address. */
export const SEED_CACHE = 'seed-cache';
/** A seed larger than this is refused (about 10 million passages). */
const MAX_SEED_BYTES = 8 * 1024 ** 3;

export interface SeedTarget {
  /** The index's folder: a seed fetched from an address is kept under it (see {@link SEED_CACHE}). */
  storeDir: string;
  modelId: string;
  dim: number;
  signal?: AbortSignal;
}

/**
 * The seed at `source` — a local file, or an https address (http only to this machine) fetched into the
 * store's cache, resuming a download a broken connection or an earlier run left — read and verified for the
 * model; or why it cannot be used, as the end of a sentence. A cached seed is used again as long as it is
 * whole and valid (an address per commit always serves the same file).
 */
export async function loadSeed(source: string, target: SeedTarget): Promise<Seed | { problem: string }> {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) return readLocal(path.resolve(source), target);
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    return { problem: 'it is not a valid address' };
  }
  const cacheDir = path.join(target.storeDir, SEED_CACHE);
  const file = path.join(cacheDir, `${sha256(url.href).slice(0, 24)}.seed`);
  const cached = await readLocal(file, target);
  if (!('problem' in cached)) return cached;
  await fs.rm(file, { force: true });
  try {
    await fs.mkdir(cacheDir, { recursive: true });
    await downloadResumable(url, file, { what: 'the index seed', maxBytes: MAX_SEED_BYTES, signal: target.signal });
  } catch (e) {
    if (e instanceof DownloadError) return { problem: e.message.replace(/\.$/, '') };
    return { problem: `it could not be fetched (${(e as Error).message})` };
  }
  const fetched = await readLocal(file, target);
  // A seed that does not verify is fetched whole again next time; one that does replaces those of other addresses.
  if ('problem' in fetched) await fs.rm(file, { force: true });
  else await removeOtherSeeds(cacheDir, path.basename(file));
  return fetched;
}

async function readLocal(file: string, target: SeedTarget): Promise<Seed | { problem: string }> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { problem: code === 'ENOENT' ? 'there is no such file' : `it cannot be read (${code ?? (e as Error).message})` };
  }
  return decodeSeed(bytes, target);
}

async function removeOtherSeeds(cacheDir: string, keep: string): Promise<void> {
  for (const name of await fs.readdir(cacheDir).catch(() => [] as string[])) {
    if (name !== keep && !name.startsWith(`${keep}.`)) await fs.rm(path.join(cacheDir, name), { force: true }).catch(() => undefined);
  }
}
