// The model download, free of the VS Code API so it runs and is tested in plain Node. See httpGet.ts for why it
// uses the http/https modules rather than fetch.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { abortError, DownloadError, openResponse, parseContentRange, sha256FromEtag, statusError } from '../../net/httpGet';
import { writeBody } from '../../net/resumableGet';
import { acquireLock, removeLeftovers, replaceFolder } from './atomicFolder';
import { fetchRevisionListing, type ExpectedFile } from './hubListing';

export type { ExpectedFile } from './hubListing';

/** Where the model comes from when nothing is configured. */
export const DEFAULT_ENDPOINT = 'https://huggingface.co';

/**
 * The commit of `Xenova/paraphrase-multilingual-MiniLM-L12-v2` the extension downloads. A commit, not `main`, so
 * every user gets the bytes that were tested. To move to a newer commit: take its 40-hex id from the repository's
 * "History" page on the hub, update the table below from `curl -sI <endpoint>/<repo>/resolve/<commit>/<file>`
 * (X-Linked-Size / X-Linked-ETag for LFS files, or size and `sha256sum` of the file), and rebuild the index.
 */
export const MODEL_REVISION = '2c4055b12046f11709e9df2c122e59ffbdc2f900';

/** The repository and exactly the files the worker loads for the int8 model. */
export const MODEL = {
  repo: 'Xenova/paraphrase-multilingual-MiniLM-L12-v2',
  revision: MODEL_REVISION,
  files: ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'onnx/model_quantized.onnx'],
} as const;

/**
 * Sizes and SHA-256 of MODEL's files at MODEL_REVISION, so even a mirror that states neither is verified.
 * Only valid for that revision: pass them as `expected` only when downloading it.
 */
export const MODEL_FILES_AT_REVISION: Readonly<Record<string, { size: number; sha256: string }>> = {
  'config.json': { size: 673, sha256: '05b570bff786faa5c4604152aa16f19f77ed6dfc31e47dd0f3dd987078693ac7' },
  'tokenizer.json': { size: 17_082_913, sha256: 'b60b6b43406a48bf3638526314f3d232d97058bc93472ff2de930d43686fa441' },
  'tokenizer_config.json': { size: 496, sha256: '3f5961b9ac86288cccdb97f32fb848d6187c78e1603958c53f3ea1f296b7d8a2' },
  'special_tokens_map.json': { size: 280, sha256: '06e405a36dfe4b9604f484f6a1e619af1a7f7d09e34a8555eb0b77b66318067f' },
  'onnx/model_quantized.onnx': { size: 118_308_126, sha256: '66fc00f5f29afcaff34092e1bdd20008ca3918265a82fb9695a551e510cc4ebc' },
};

/** Written into a completed model folder; its absence means the folder is not a finished download. */
export const MANIFEST_FILE = 'download.json';

export interface DownloadProgress {
  file: string;
  receivedBytes: number;
  totalBytes?: number;
  overallReceived: number;
  /** Known once every file's size is known (from `expected` or the server). */
  overallTotal?: number;
}

export interface DownloadOptions {
  /** e.g. https://huggingface.co or a mirror with the same URL layout. */
  endpoint: string;
  repo: string;
  revision: string;
  files: readonly string[];
  /** The final model folder; it only ever appears complete and verified. */
  dest: string;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /**
   * Sizes and hashes known in advance (the pinned revision's). Files without a SHA-256 here are checked
   * against the hashes the hub's API lists for the revision; a revision without that list is refused.
   * Whatever the server states in its headers must match too.
   */
  expected?: Readonly<Record<string, ExpectedFile>>;
  /** Give up after this long without data; 30 s by default. */
  idleTimeoutMs?: number;
  maxRedirects?: number;
}

/** The `download.json` manifest. */
export interface DownloadManifest {
  repo: string;
  revision: string;
  /** The commit the server said it served (`X-Repo-Commit`), when it said so. */
  commit?: string;
  endpoint: string;
  files: Record<string, { size: number; sha256: string }>;
  completedAt: string;
}

export type ModelFolderCheck = { ok: true; manifest: DownloadManifest } | { ok: false; reason: string };

/** What a cached folder must match to be used: another repo, revision or file set means download again. */
export interface ModelFolderExpectation {
  repo?: string;
  revision?: string;
  files?: readonly string[];
}

/** `${endpoint}/${repo}/resolve/${revision}/${file}`, each path segment encoded. */
export function fileUrl(endpoint: string, repo: string, revision: string, file: string): URL {
  const segments = (s: string) => s.split('/').map(encodeURIComponent).join('/');
  return new URL(`${endpoint.replace(/\/+$/, '')}/${segments(repo)}/resolve/${encodeURIComponent(revision)}/${segments(file)}`);
}

/**
 * Downloads `files` of `repo` at `revision` into `dest`: resumable (partial files are kept in `<dest>.partial/`
 * and continued with a Range request), verified (every file against the size and hash known in advance or
 * listed by the hub, and those the server states), and moved into place only when every file is complete.
 * Does nothing if `dest` already holds this download.
 */
export async function downloadModel(options: DownloadOptions): Promise<void> {
  const { dest, signal } = options;
  for (const file of options.files) localPath(dest, file);
  if (signal?.aborted) throw abortError();
  await mkdir(path.dirname(dest), { recursive: true });
  const unlock = await acquireLock(`${dest}.lock`, options.idleTimeoutMs ?? 30_000);
  try {
    if (checkModelFolder(dest, options).ok) return;
    await removeLeftovers(dest);
    const known = options.expected ?? {};
    const listing = options.files.some((f) => !known[f]?.sha256)
      ? await fetchRevisionListing({ ...options, idleTimeoutMs: options.idleTimeoutMs ?? 30_000, maxRedirects: options.maxRedirects ?? 5 })
      : undefined;
    // A branch or tag is fetched at the commit whose hashes were listed, in case it moves meanwhile.
    const job: DownloadOptions = {
      ...options,
      revision: listing?.commit ?? options.revision,
      expected: Object.fromEntries(options.files.map((f) => [f, { ...listing?.files[f], ...known[f] }])),
    };
    const staging = `${dest}.partial`;
    await prepareStaging(staging, job);
    const records: DownloadManifest['files'] = {};
    let commit = listing?.commit;
    const sizes = new Map<string, number>();
    for (const file of options.files) {
      const size = job.expected?.[file]?.size;
      if (size !== undefined) sizes.set(file, size);
    }
    let done = 0;
    const overallTotal = () => (options.files.every((f) => sizes.has(f)) ? [...sizes.values()].reduce((a, b) => a + b, 0) : undefined);
    for (const file of options.files) {
      const result = await fetchFile(job, staging, file, (receivedBytes, totalBytes) => {
        if (totalBytes !== undefined) sizes.set(file, totalBytes);
        unlock.touch();
        options.onProgress?.({ file, receivedBytes, totalBytes, overallReceived: done + receivedBytes, overallTotal: overallTotal() });
      });
      records[file] = { size: result.size, sha256: result.sha256 };
      commit ??= result.commit;
      sizes.set(file, result.size);
      done += result.size;
    }
    if (signal?.aborted) throw abortError();
    const manifest: DownloadManifest = {
      repo: options.repo, revision: options.revision, ...(commit ? { commit } : {}), endpoint: options.endpoint,
      files: records, completedAt: new Date().toISOString(),
    };
    await rm(path.join(staging, STAGING_INFO), { force: true });
    await writeFile(path.join(staging, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    await replaceFolder(staging, dest);
  } finally {
    await unlock.release();
  }
}

/**
 * Whether `dir` is a finished download: its manifest exists, matches `expect`, and every file in it has the
 * recorded size. Cheap (no hashing), so it can run on every start; see checkModelFolderDeep for the hashes.
 */
export function checkModelFolder(dir: string, expect: ModelFolderExpectation = {}): ModelFolderCheck {
  const read = readManifest(dir, expect);
  if (!read.ok) return read;
  for (const [file, { size }] of Object.entries(read.manifest.files)) {
    let actual: number;
    try {
      actual = statSync(localPath(dir, file)).size;
    } catch {
      return { ok: false, reason: `${file} is missing from the model folder.` };
    }
    if (actual !== size) return { ok: false, reason: `${file} has ${actual} bytes instead of ${size}.` };
  }
  return read;
}

/** checkModelFolder plus the SHA-256 of every file; asynchronous because it reads every byte. */
export async function checkModelFolderDeep(dir: string, expect: ModelFolderExpectation = {}): Promise<ModelFolderCheck> {
  const shallow = checkModelFolder(dir, expect);
  if (!shallow.ok) return shallow;
  for (const [file, { sha256 }] of Object.entries(shallow.manifest.files)) {
    const actual = await hashFile(localPath(dir, file));
    if (actual !== sha256) return { ok: false, reason: `${file} is corrupt: its SHA-256 is ${actual} instead of ${sha256}.` };
  }
  return shallow;
}

function readManifest(dir: string, expect: ModelFolderExpectation): ModelFolderCheck {
  let manifest: DownloadManifest;
  try {
    manifest = JSON.parse(readFileSync(path.join(dir, MANIFEST_FILE), 'utf8')) as DownloadManifest;
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    return { ok: false, reason: missing ? `${dir} has no ${MANIFEST_FILE}, so it is not a finished download.` : `${MANIFEST_FILE} in ${dir} is unreadable.` };
  }
  const files = manifest?.files;
  if (typeof files !== 'object' || files === null) return { ok: false, reason: `${MANIFEST_FILE} in ${dir} lists no files.` };
  if (expect.repo !== undefined && manifest.repo !== expect.repo) return { ok: false, reason: `The cached model is ${manifest.repo}, not ${expect.repo}.` };
  if (expect.revision !== undefined && manifest.revision !== expect.revision) {
    return { ok: false, reason: `The cached model is revision ${manifest.revision}, not ${expect.revision}.` };
  }
  for (const file of expect.files ?? []) if (!(file in files)) return { ok: false, reason: `The cached model has no ${file}.` };
  for (const [file, entry] of Object.entries(files)) {
    if (!safeRelative(file) || !Number.isSafeInteger(entry?.size) || typeof entry?.sha256 !== 'string') {
      return { ok: false, reason: `${MANIFEST_FILE} in ${dir} has an invalid entry for ${file}.` };
    }
  }
  return { ok: true, manifest };
}

// ---- one file ----------------------------------------------------------------------------------------------

const STAGING_INFO = 'partial.json';

async function fetchFile(
  options: DownloadOptions,
  staging: string,
  file: string,
  progress: (received: number, total?: number) => void,
): Promise<{ size: number; sha256: string; commit?: string }> {
  const finalPath = localPath(staging, file);
  const part = `${finalPath}.part`;
  const expected = options.expected?.[file] ?? {};
  // Finished and verified in an earlier attempt; rehash because the manifest needs the hash anyway.
  if (existsSync(finalPath)) {
    const size = statSync(finalPath).size, sha256 = await hashFile(finalPath);
    if (!(await mismatch(finalPath, size, sha256))) {
      progress(size, size);
      return { size, sha256 };
    }
    await rm(finalPath, { force: true });
  }
  await mkdir(path.dirname(finalPath), { recursive: true });
  let have = fileSize(part);
  if (expected.size !== undefined && have > expected.size) have = await truncate(part);
  const url = fileUrl(options.endpoint, options.repo, options.revision, file);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (options.signal?.aborted) throw abortError();
    const opened = await openResponse(url, {
      headers: have > 0 ? { Range: `bytes=${have}-` } : {},
      signal: options.signal,
      idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
      maxRedirects: options.maxRedirects ?? 5,
    });
    const { res, hub } = opened;
    try {
      const status = res.statusCode ?? 0;
      const range = parseContentRange(res.headers['content-range']);
      let append = false;
      if (status === 416 && have > 0) {
        res.resume();
        // The part already holds the whole file: verify it instead of downloading nothing.
        if (range.total === have) return await finish(have, await hashFile(part), hub.linkedSize, hub.linkedEtag ?? hub.etag);
        have = await truncate(part);
        continue;
      }
      if (status < 200 || status > 299) {
        res.resume();
        throw statusError(status, opened.url, file);
      }
      if (status === 206) {
        if (range.start !== have) {
          res.resume();
          have = await truncate(part);
          continue;
        }
        append = true;
      } else {
        have = 0;
      }
      const length = Number(res.headers['content-length']);
      const stated = hub.linkedSize ?? range.total ?? (Number.isSafeInteger(length) && res.headers['content-length'] ? have + length : undefined);
      const total = expected.size ?? stated;
      const hash = createHash('sha256');
      if (append) await hashInto(hash, part);
      let received = have;
      progress(received, total);
      let streamError: unknown;
      await writeBody(part, append, res, (chunk) => {
        hash.update(chunk);
        received += chunk.length;
        if (total !== undefined && received > total) {
          throw new DownloadError('corrupt', `${path.posix.basename(file)} is corrupt: the server sent more than the expected ${total} bytes.`);
        }
        progress(received, total);
      }).catch((e: unknown) => (streamError = e));
      if (streamError !== undefined) {
        const failure = opened.failure();
        if (failure) throw failure;
        if (streamError instanceof DownloadError) {
          if (streamError.code === 'corrupt') await rm(part, { force: true });
          throw streamError;
        }
        const message = (streamError as Error).message;
        throw new DownloadError('interrupted',
          `The download of ${file} from ${opened.url.hostname} was interrupted after ${received} bytes (${message}); it resumes on the next attempt.`,
          { cause: streamError });
      }
      return await finish(received, hash.digest('hex'), stated, hub.linkedEtag ?? hub.etag, hub.commit);
    } finally {
      opened.release();
    }
  }
  throw new DownloadError('http', `The server kept answering Range requests for ${file} inconsistently.`);

  async function finish(size: number, sha256: string, statedSize?: number, statedSha?: string, commit?: string) {
    const problem = await mismatch(part, size, sha256, statedSize, sha256FromEtag(statedSha));
    if (problem) {
      await rm(part, { force: true });
      throw new DownloadError('corrupt', problem);
    }
    await rename(part, finalPath);
    return { size, sha256, ...(commit ? { commit } : {}) };
  }

  /** Why the file at `p` is not the one expected, or stated by the server: a sentence, or undefined when it is. */
  async function mismatch(p: string, size: number, sha256: string, statedSize?: number, statedSha?: string): Promise<string | undefined> {
    const name = path.posix.basename(file);
    for (const want of [expected.size, statedSize]) {
      if (want !== undefined && size !== want) return `${name} is corrupt: expected ${want} bytes, got ${size}.`;
    }
    for (const want of [expected.sha256?.toLowerCase(), statedSha]) {
      if (want !== undefined && sha256 !== want) return `${name} is corrupt: expected sha256 ${want}, got ${sha256}.`;
    }
    const blob = expected.gitBlobSha1?.toLowerCase();
    if (blob !== undefined) {
      const actual = await gitBlobOf(p, size);
      if (actual !== blob) return `${name} is corrupt: expected git blob ${blob}, got ${actual}.`;
    }
    return undefined;
  }
}

// ---- files and folders -------------------------------------------------------------------------------------

/** Manifest paths are always `/`-separated and relative; anything else could write outside the folder. */
function safeRelative(file: string): boolean {
  return file.length > 0 && !file.includes('\\') && !file.startsWith('/') && file.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

function localPath(dir: string, file: string): string {
  if (!safeRelative(file)) throw new DownloadError('invalid', `"${file}" is not a valid model file path.`);
  return path.join(dir, ...file.split('/'));
}

function fileSize(p: string): number {
  try {
    return statSync(p).size;
  } catch {
    return 0;
  }
}

async function truncate(p: string): Promise<0> {
  await rm(p, { force: true });
  return 0;
}

async function hashInto(hash: Hash, p: string): Promise<void> {
  for await (const chunk of createReadStream(p)) hash.update(chunk as Buffer);
}

async function hashFile(p: string): Promise<string> {
  const hash = createHash('sha256');
  await hashInto(hash, p);
  return hash.digest('hex');
}

/** Git's id of the file: the SHA-1 of `blob <size>\0` followed by its content. */
async function gitBlobOf(p: string, size: number): Promise<string> {
  const hash = createHash('sha1').update(`blob ${size}\0`);
  await hashInto(hash, p);
  return hash.digest('hex');
}

/** Partial files are only reused for the same repo and revision; anything else in the staging folder goes. */
async function prepareStaging(staging: string, options: DownloadOptions): Promise<void> {
  const info = JSON.stringify({ repo: options.repo, revision: options.revision });
  const infoPath = path.join(staging, STAGING_INFO);
  const previous = await readFile(infoPath, 'utf8').catch(() => undefined);
  if (previous !== info) await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  await writeFile(infoPath, info);
}
