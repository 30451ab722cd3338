// The hashes the Hugging Face hub publishes for a revision's files, so that any revision (not only the pinned one)
// is verified, even through a mirror whose downloads carry no hash headers.
import * as v from 'valibot';
import { abortError, DownloadError, openResponse } from '../../net/httpGet';

/** A file's size and hashes known before it is downloaded; it must match each of them. */
export interface ExpectedFile {
  size?: number;
  sha256?: string;
  /** Git's id of the file (SHA-1 of `blob <size>\0` and the content): all the hub states of a file not in LFS. */
  gitBlobSha1?: string;
}

/** What the hub says of a revision: the commit it is, and the hashes of the files asked for. */
export interface RevisionListing {
  commit?: string;
  files: Record<string, ExpectedFile>;
}

export interface ListingRequest {
  endpoint: string;
  repo: string;
  revision: string;
  files: readonly string[];
  signal?: AbortSignal;
  idleTimeoutMs: number;
  maxRedirects: number;
}

/** The part of `GET /api/models/<repo>/revision/<revision>?blobs=true` that is read (huggingface_hub's `model_info(files_metadata=True)`). */
const Listing = v.looseObject({
  sha: v.optional(v.string()),
  siblings: v.array(v.looseObject({
    rfilename: v.string(),
    size: v.optional(v.number()),
    blobId: v.optional(v.string()),
    lfs: v.optional(v.nullable(v.looseObject({ sha256: v.optional(v.string()), size: v.optional(v.number()) }))),
  })),
});

/** A repository's file list is a few kilobytes; a mirror's answer this large is not one. */
const MAX_LISTING_BYTES = 4 * 1024 * 1024;

/** `${endpoint}/api/models/${repo}/revision/${revision}?blobs=true`, the revision as one encoded segment. */
export function listingUrl(endpoint: string, repo: string, revision: string): URL {
  const segments = repo.split('/').map(encodeURIComponent).join('/');
  return new URL(`${endpoint.replace(/\/+$/, '')}/api/models/${segments}/revision/${encodeURIComponent(revision)}?blobs=true`);
}

/**
 * The size and hashes of `files` at `revision`, from the hub's API: the SHA-256 of files in LFS, git's blob
 * id of the others. A revision whose hashes cannot be had is refused ('unverified'), so nothing of it is
 * downloaded unverified; a network failure is reported as such.
 */
export async function fetchRevisionListing(req: ListingRequest): Promise<RevisionListing> {
  const url = listingUrl(req.endpoint, req.repo, req.revision);
  const refuse = (why: string) => new DownloadError('unverified', `The files of revision ${req.revision} cannot be verified, so none was downloaded: ${why}.`);
  const opened = await openResponse(url, { headers: { Accept: 'application/json' }, signal: req.signal, idleTimeoutMs: req.idleTimeoutMs, maxRedirects: req.maxRedirects });
  let body: Buffer;
  try {
    const status = opened.res.statusCode ?? 0;
    if (status !== 200) {
      opened.res.resume();
      throw refuse(`the server gave no list of their hashes (HTTP ${status} from ${opened.url.href})`);
    }
    const chunks: Buffer[] = [];
    let length = 0;
    try {
      for await (const chunk of opened.res as AsyncIterable<Buffer>) {
        length += chunk.length;
        if (length > MAX_LISTING_BYTES) throw refuse(`the server's list of files is too large to be the hub's (over ${MAX_LISTING_BYTES} bytes)`);
        chunks.push(chunk);
      }
    } catch (e) {
      if (e instanceof DownloadError) throw e;
      throw opened.failure() ?? (req.signal?.aborted ? abortError() : new DownloadError('interrupted', `The list of the model's files from ${url.hostname} was interrupted (${(e as Error).message}).`));
    }
    body = Buffer.concat(chunks);
  } finally {
    opened.release();
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw refuse(`the server's answer is not the hub's list of files (not JSON)`);
  }
  const parsed = v.safeParse(Listing, json);
  if (!parsed.success) throw refuse(`the server's answer is not the hub's list of files (${v.summarize(parsed.issues).split('\n')[0].replace(/\.$/, '')})`);
  const siblings = new Map(parsed.output.siblings.map((s) => [s.rfilename, s]));
  const files: Record<string, ExpectedFile> = {};
  for (const file of req.files) {
    const s = siblings.get(file);
    if (!s) throw refuse(`the server's list does not have one of them (${file})`);
    const sha256 = s.lfs?.sha256?.toLowerCase();
    const blob = s.blobId?.toLowerCase();
    const size = s.lfs?.size ?? s.size;
    // An LFS file's blob id is its pointer's, not its content's: only the SHA-256 says what the content is.
    if (s.lfs ? !sha256 || !/^[0-9a-f]{64}$/.test(sha256) : !blob || !/^[0-9a-f]{40}$/.test(blob)) {
      throw refuse(`the server's list gives no hash of a file (${file})`);
    }
    files[file] = {
      ...(Number.isSafeInteger(size) && size! >= 0 ? { size } : {}),
      ...(s.lfs ? { sha256 } : { gitBlobSha1: blob }),
    };
  }
  const commit = parsed.output.sha?.toLowerCase();
  return { ...(commit && /^[0-9a-f]{40}$/.test(commit) ? { commit } : {}), files };
}
