import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as v from 'valibot';
import { sha256 } from '../hash';
import { firstNonFinite } from '../index/storeSchema';
import type { VectorStore } from '../index/vectorStore';

/**
 * The portable index seed (`export`, and `index --seed`): every vector of an index by the hash of its text, for
 * another machine to take instead of embedding those texts again. It holds no paths, file names or texts at
 * all: a vector is keyed by the SHA-256 of the text it is the meaning of, which is all a seed needs (the
 * machine that takes it reads and splits its own tree, which is quick; the embedding is what costs).
 *
 * Layout: the line `semantic-search-seed`, a line of JSON (the header: format, model, dimension, count, the
 * SHA-256 of the body), then the body: `count` raw 32-byte text hashes, then `count` rows of `dim`
 * little-endian half-precision values — the index's own rows, copied as they are, so a seeded vector is
 * bit for bit the one the exporting machine saved. Everything is checked when read: the header by valibot,
 * the body by its length and SHA-256, every value finite.
 */

export const SEED_MAGIC = 'semantic-search-seed\n';
/** Bumped whenever the layout or meaning changes; a seed of another format is refused. */
export const SEED_FORMAT = 1;
/** A header longer than this is not one (the first bytes of something else). */
const MAX_HEADER_BYTES = 64 * 1024;
const HASH_BYTES = 32;

const count = v.pipe(v.number('should be a number'), v.safeInteger('should be a whole number'), v.minValue(0, 'should not be negative'));
const headerSchema = v.object({
  format: count,
  modelId: v.pipe(v.string('should be text'), v.minLength(1, 'should not be empty'), v.maxLength(1000, 'is too long')),
  dim: v.pipe(count, v.minValue(1, 'should be at least 1'), v.maxValue(65_536, 'is too large')),
  count,
  vectors: v.literal('float16-le', 'should be "float16-le"'),
  bodyBytes: count,
  sha256: v.pipe(v.string('should be text'), v.regex(/^[0-9a-f]{64}$/, 'should be a SHA-256 hash')),
  createdAt: v.pipe(v.string('should be text'), v.isoTimestamp('should be a date and time')),
});
export type SeedHeader = v.InferOutput<typeof headerSchema>;

/** A seed read and verified: row i (`dim` halves from i · dim) is the vector of the text `hashes[i]`. */
export interface Seed {
  header: SeedHeader;
  hashes: string[];
  halves: Uint16Array;
}

/** The seed of every vector `vectors` holds, made with the model `modelId`. */
export function encodeSeed(modelId: string, vectors: VectorStore): Buffer {
  const dim = vectors.dim;
  const n = vectors.rowCount;
  const body = Buffer.alloc(n * (HASH_BYTES + dim * 2));
  const rows = new Uint16Array(body.buffer, body.byteOffset + n * HASH_BYTES, n * dim);
  let i = 0;
  vectors.forEachHalves((halves, hash) => {
    body.write(hash, i * HASH_BYTES, 'hex');
    rows.set(halves, i * dim);
    i++;
  });
  const header: SeedHeader = {
    format: SEED_FORMAT, modelId, dim, count: n, vectors: 'float16-le', bodyBytes: body.length, sha256: sha256(body), createdAt: new Date().toISOString(),
  };
  return Buffer.concat([Buffer.from(`${SEED_MAGIC}${JSON.stringify(header)}\n`, 'utf8'), body]);
}

/** Writes a seed to `file` through a temporary file, so `file` is only ever whole. */
export async function writeSeedFile(file: string, bytes: Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, file);
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/**
 * The seed in `bytes`, verified, for a model `expected`; or why it cannot be used, as the end of the sentence
 * "The seed … cannot be used: <reason>".
 */
export function decodeSeed(bytes: Buffer, expected: { modelId: string; dim: number }): Seed | { problem: string } {
  const magic = Buffer.from(SEED_MAGIC, 'utf8');
  if (bytes.length < magic.length || !bytes.subarray(0, magic.length).equals(magic)) return { problem: 'it is not an index seed (made by "semantic-search export")' };
  const end = bytes.indexOf(0x0a, magic.length);
  if (end < 0 || end - magic.length > MAX_HEADER_BYTES) return { problem: 'it is truncated or damaged (its header does not end)' };
  let data: unknown;
  try {
    data = JSON.parse(bytes.toString('utf8', magic.length, end));
  } catch {
    return { problem: 'it is damaged (its header is not JSON)' };
  }
  const format = (data as { format?: unknown } | null)?.format;
  if (format !== SEED_FORMAT) {
    return { problem: `it was written in ${Number.isSafeInteger(format) ? `seed format ${format}` : 'an unknown format'}, this version reads seed format ${SEED_FORMAT}` };
  }
  const parsed = v.safeParse(headerSchema, data);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    return { problem: `its header is not valid (${v.getDotPath(issue) ?? 'header'}: ${issue.message.startsWith('should') ? issue.message : 'has the wrong type'})` };
  }
  const header = parsed.output;
  if (header.modelId !== expected.modelId) return { problem: `it was made with another model (${header.modelId}), not this one (${expected.modelId})` };
  if (header.dim !== expected.dim) return { problem: `it holds ${header.dim}-dimensional vectors, the model makes ${expected.dim}` };
  const body = bytes.subarray(end + 1);
  if (header.bodyBytes !== header.count * (HASH_BYTES + header.dim * 2)) return { problem: 'its header is not consistent (the body size does not fit the count)' };
  if (body.length < header.bodyBytes) return { problem: `it is truncated (${body.length} of ${header.bodyBytes} bytes)` };
  if (body.length > header.bodyBytes) return { problem: `it has ${body.length - header.bodyBytes} bytes more than its header says` };
  if (sha256(body) !== header.sha256) return { problem: 'its content does not match its SHA-256 (it was changed or damaged)' };
  const n = header.count;
  // One conversion of every hash, then cut: 50,000 native calls of 32 bytes each cost several times more.
  const hex = body.toString('hex', 0, n * HASH_BYTES);
  const hashes = new Array<string>(n);
  for (let i = 0; i < n; i++) hashes[i] = hex.slice(i * 64, (i + 1) * 64);
  const start = body.byteOffset + n * HASH_BYTES;
  const aligned = start % 2 === 0 ? body : new Uint8Array(body); // a copy starts at offset 0
  const halves = new Uint16Array(aligned.buffer, aligned.byteOffset + n * HASH_BYTES, n * header.dim);
  const bad = firstNonFinite(halves);
  if (bad >= 0) return { problem: `its vector ${Math.floor(bad / header.dim)} holds a value that is not a finite number` };
  return { header, hashes, halves };
}

/**
 * Gives each text that chunks of `vectors` wait for its vector from the seed, exactly as the seed holds it;
 * the texts the seed lacks stay waiting (the run embeds them). Gives the hashes of the texts taken.
 */
export function takeFromSeed(seed: Seed, vectors: VectorStore): string[] {
  const waiting = vectors.waiting;
  const taken: string[] = [];
  const dim = seed.header.dim;
  for (let i = 0; i < seed.hashes.length; i++) {
    const hash = seed.hashes[i];
    if (waiting.has(hash) && vectors.putHalves(hash, seed.halves, i * dim)) taken.push(hash);
  }
  return taken;
}
