// One file fetched over HTTP(S) into a local file, resuming from the bytes a broken or earlier attempt left
// (the seed of an index, src/node/team/seedSource.ts); and the body writer the model download shares with it.
import { once } from 'node:events';
import { createWriteStream, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { abortError, DownloadError, openResponse, parseContentRange, statusError } from './httpGet';

/** Host names an `http:` address may have: a test server on this machine. Every other address must be https. */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Whether `url` may be downloaded from: https, or http to this machine only. */
export function isAllowedUrl(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
}

export interface ResumableOptions {
  signal?: AbortSignal;
  /** Give up after this long without data; 30 s by default. */
  idleTimeoutMs?: number;
  maxRedirects?: number;
  /** Tries in all, each resuming where the one before stopped; 3 by default. */
  attempts?: number;
  /** A file larger than this is refused (a server that never ends). */
  maxBytes?: number;
  /** What the file is, for the sentences ("The index seed"). */
  what: string;
}

/**
 * Downloads `url` into `file` (replaced only when complete) through `<file>.part`, which a broken connection
 * keeps: the next attempt, in this call or a later one, asks for the rest with a Range request. Gives the
 * file's size and the bytes the first attempt found already there. The caller verifies the content.
 */
export async function downloadResumable(url: URL, file: string, o: ResumableOptions): Promise<{ bytes: number; resumedFrom: number }> {
  if (!isAllowedUrl(url)) throw new DownloadError('invalid', `${o.what} must come from an https address, not ${url.protocol}//${url.host}.`);
  const part = `${file}.part`;
  const resumedFrom = sizeOf(part);
  let lastError: DownloadError | undefined;
  let complete = false;
  for (let attempt = 0; attempt < (o.attempts ?? 3); attempt++) {
    if (o.signal?.aborted) throw abortError();
    const have = sizeOf(part);
    const opened = await openResponse(url, {
      headers: have > 0 ? { Range: `bytes=${have}-` } : {}, signal: o.signal, idleTimeoutMs: o.idleTimeoutMs ?? 30_000, maxRedirects: o.maxRedirects ?? 5,
    });
    const { res } = opened;
    try {
      if (!isAllowedUrl(opened.url)) throw new DownloadError('http', `${o.what} was redirected to an insecure address: ${opened.url.href}.`);
      const status = res.statusCode ?? 0;
      const range = parseContentRange(res.headers['content-range']);
      if (status === 416 && have > 0) {
        res.resume();
        if (range.total === have) { complete = true; break; } // the part already holds the whole file
        await rm(part, { force: true });
        continue;
      }
      if (status < 200 || status > 299) {
        res.resume();
        throw statusError(status, opened.url, o.what);
      }
      const append = status === 206 && range.start === have;
      if (status === 206 && !append) {
        res.resume();
        await rm(part, { force: true });
        continue;
      }
      let received = append ? have : 0;
      const failed = await writeBody(part, append, res, (chunk) => {
        received += chunk.length;
        if (o.maxBytes !== undefined && received > o.maxBytes) throw new DownloadError('corrupt', `${o.what} at ${opened.url.href} is larger than ${o.maxBytes} bytes.`);
      }).then(() => undefined, (e: unknown) => e);
      if (failed === undefined) { complete = true; break; }
      const failure = opened.failure();
      if (failure?.code === 'aborted' || (failed instanceof DownloadError && failed.code !== 'interrupted')) {
        if (failed instanceof DownloadError && failed.code === 'corrupt') await rm(part, { force: true });
        throw failure ?? failed;
      }
      lastError = failure ?? new DownloadError('interrupted',
        `The download of ${o.what} from ${opened.url.hostname} was interrupted after ${received} bytes (${(failed as Error).message}).`, { cause: failed });
    } finally {
      opened.release();
    }
  }
  if (!complete) throw lastError ?? new DownloadError('http', `The server answered the Range requests for ${o.what} inconsistently.`);
  const bytes = sizeOf(part);
  await rename(part, file);
  return { bytes, resumedFrom };
}

function sizeOf(p: string): number {
  try {
    return statSync(p).size;
  } catch {
    return 0;
  }
}

/**
 * Appends (or writes) the body to `file`. Unlike stream.pipeline, a broken connection does not throw away what
 * was already received: the file is always flushed and closed, so the next attempt resumes from every byte.
 */
export async function writeBody(file: string, append: boolean, body: AsyncIterable<Buffer>, onChunk: (chunk: Buffer) => void): Promise<void> {
  const out = createWriteStream(file, { flags: append ? 'a' : 'w' });
  let writeError: Error | undefined;
  out.on('error', (e) => (writeError ??= e));
  let readError: unknown;
  try {
    for await (const chunk of body) {
      onChunk(chunk);
      if (writeError) break;
      if (!out.write(chunk)) await once(out, 'drain');
    }
  } catch (e) {
    readError = e;
  }
  out.end();
  await finished(out).catch((e: Error) => (writeError ??= e));
  if (writeError) throw new DownloadError('io', `Cannot write ${file}: ${writeError.message}.`, { cause: writeError });
  if (readError !== undefined) throw readError;
}

