// The unprefixed 'http'/'https' modules on purpose, and no global fetch: in the VS Code extension host these two
// modules are patched with the user's proxy (`http.proxy`, system proxy) and certificate settings, which is
// what lets the model download work behind corporate proxies. fetch (undici) does not go through that patch.
import * as http from 'http';
import * as https from 'https';
import type { ClientRequest, IncomingMessage } from 'http';

/** What went wrong, for callers that react differently (cancel quietly, offer a retry, report corruption). */
export type DownloadErrorCode =
  | 'aborted'
  | 'not-found'
  | 'refused'
  | 'http'
  | 'unreachable'
  | 'timeout'
  | 'interrupted'
  | 'redirects'
  | 'corrupt'
  | 'unverified'
  | 'busy'
  | 'invalid'
  | 'io';

/** A download failure with a one-sentence message a user can act on; cancellation has the name 'AbortError'. */
export class DownloadError extends Error {
  constructor(readonly code: DownloadErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = code === 'aborted' ? 'AbortError' : 'DownloadError';
  }
}

export const abortError = (): DownloadError => new DownloadError('aborted', 'The model download was cancelled.');

/** A response whose body is still to be read; abort and idle-timeout handling stay armed until `release()`. */
export interface OpenedResponse {
  res: IncomingMessage;
  url: URL;
  /** Headers that the Hugging Face hub sends on its own answer, which for LFS files is a redirect to a CDN. */
  hub: { linkedSize?: number; linkedEtag?: string; etag?: string; commit?: string };
  /** The abort or timeout that destroyed the request, if any: the real reason behind a stream error. */
  failure(): DownloadError | undefined;
  release(): void;
}

export interface OpenOptions {
  headers: Record<string, string>;
  signal?: AbortSignal;
  /** Milliseconds without any data from the server before giving up. */
  idleTimeoutMs: number;
  maxRedirects: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** GET `url`, following redirects; resolves with the first non-redirect response, whatever its status. */
export async function openResponse(url: URL, options: OpenOptions): Promise<OpenedResponse> {
  const hub: OpenedResponse['hub'] = {};
  let current = url;
  for (let hop = 0; ; hop++) {
    const opened = await requestOnce(current, options);
    collectHubHeaders(opened.res, hub, hop === 0);
    const status = opened.res.statusCode ?? 0;
    if (!REDIRECTS.has(status)) return { ...opened, url: current, hub };
    const location = opened.res.headers.location;
    opened.res.resume();
    opened.release();
    if (!location) throw new DownloadError('http', `The server redirected ${current.href} without saying where to.`);
    if (hop >= options.maxRedirects) throw new DownloadError('redirects', `Too many redirects while downloading ${url.href}.`);
    const next = new URL(location, current);
    // Upgrades to https are fine; a downgrade would let anyone on the path swap the model.
    if (next.protocol !== 'https:' && (next.protocol !== 'http:' || current.protocol === 'https:')) {
      throw new DownloadError('http', `The server redirected ${current.href} to an insecure or unsupported address: ${next.href}.`);
    }
    current = next;
  }
}

function requestOnce(url: URL, options: OpenOptions): Promise<Omit<OpenedResponse, 'url' | 'hub'>> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(abortError());
    let failure: DownloadError | undefined;
    const fail = (e: DownloadError) => {
      failure ??= e;
      req.destroy(failure);
    };
    const onAbort = () => fail(abortError());
    const release = () => options.signal?.removeEventListener('abort', onAbort);
    const get = url.protocol === 'https:' ? https.get : http.get;
    // `Accept-Encoding: identity` keeps the bytes on the wire equal to the file, so sizes and Range offsets match.
    const req: ClientRequest = get(url, { headers: { 'User-Agent': 'vscode-multilingual-semantic-search', 'Accept-Encoding': 'identity', ...options.headers } }, (res) => {
      resolve({ res, failure: () => failure, release });
    });
    req.setTimeout(options.idleTimeoutMs, () =>
      fail(new DownloadError('timeout', `The server at ${url.host} sent nothing for ${duration(options.idleTimeoutMs)}, so the download was stopped.`)));
    req.on('error', (e: NodeJS.ErrnoException) => {
      release();
      reject(failure ?? networkError(url, e));
    });
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A connection-level failure, naming the host so a proxy or firewall problem is recognisable. */
export function networkError(url: URL, e: NodeJS.ErrnoException): DownloadError {
  const detail = e.code && e.code !== e.message ? `${e.code} (${e.message})` : e.message;
  return new DownloadError('unreachable', `Cannot reach ${url.hostname}: ${detail}.`, { cause: e });
}

const duration = (ms: number) => (ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`);

/** The error for a final response that is not 2xx. */
export function statusError(status: number, url: URL, file: string): DownloadError {
  if (status === 404) return new DownloadError('not-found', `${file} was not found at ${url.href}.`);
  if (status === 401 || status === 403) return new DownloadError('refused', `The server refused access to ${url.href} (HTTP ${status}).`);
  return new DownloadError('http', `The server answered HTTP ${status} for ${url.href}.`);
}

function collectHubHeaders(res: IncomingMessage, hub: OpenedResponse['hub'], firstHop: boolean): void {
  const header = (name: string) => {
    const v = res.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const size = Number(header('x-linked-size'));
  if (hub.linkedSize === undefined && Number.isSafeInteger(size) && size >= 0 && header('x-linked-size')) hub.linkedSize = size;
  hub.linkedEtag ??= sha256FromEtag(header('x-linked-etag'));
  hub.commit ??= header('x-repo-commit');
  // A CDN's ETag past the first hop may be a 64-hex hash of something else (an xet or multipart id), not the file.
  if (firstHop) hub.etag = sha256FromEtag(header('etag'));
}

/** The hub's ETag of an LFS file is its SHA-256; strip quotes and a weak `W/` prefix, ignore anything else (git blob ids). */
export function sha256FromEtag(etag: string | undefined): string | undefined {
  const v = etag?.trim().replace(/^W\//i, '').replace(/^"|"$/g, '').toLowerCase();
  return v && /^[0-9a-f]{64}$/.test(v) ? v : undefined;
}

/** Reads `Content-Range: bytes <start>-<end>/<total>`, and the star form a 416 answer carries. */
export function parseContentRange(value: string | undefined): { start?: number; total?: number } {
  const m = /^bytes\s+(?:(\d+)-\d+|\*)\/(\d+|\*)$/i.exec(value?.trim() ?? '');
  if (!m) return {};
  return { start: m[1] === undefined ? undefined : Number(m[1]), total: m[2] === '*' ? undefined : Number(m[2]) };
}
