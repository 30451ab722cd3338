import path from 'node:path';
import * as v from 'valibot';

/**
 * What the index files on disk may hold. Everything read from the store is checked against these schemas
 * before it is used: a file that parses but holds the wrong thing (a hand edit, another program, a bug of an
 * older version, a disk that lies) means "rebuild, because …", never a crash and never a path outside the
 * workspace shown as a result. Messages name the field, never the value found (which may be anything).
 */

const count = v.pipe(v.number('should be a number'), v.safeInteger('should be a whole number'), v.minValue(0, 'should not be negative'));
const sha256Hex = v.pipe(v.string('should be text'), v.regex(/^[0-9a-f]{64}$/, 'should be a SHA-256 hash'));
/** Short identifiers such as a language ('markdown', 'typescript', 'ko'). */
const name = v.pipe(v.string('should be text'), v.minLength(1, 'should not be empty'), v.maxLength(64, 'is too long'));
const text = v.string('should be text');

const fileEntry = (prefix: string, ext: string) => v.object({
  name: v.pipe(v.string('should be text'), v.regex(new RegExp(`^${prefix}-[A-Za-z0-9-]{1,64}\\.${ext}$`), `should be a ${prefix}-<generation>.${ext} file name`)),
  bytes: count,
  sha256: sha256Hex,
});

export const manifestSchema = v.object({
  format: count,
  modelId: v.pipe(v.string('should be text'), v.minLength(1, 'should not be empty'), v.maxLength(1000, 'is too long')),
  dim: v.pipe(count, v.maxValue(65_536, 'is too large')),
  chunkCount: count,
  vectorCount: count,
  savedAt: v.pipe(v.string('should be text'), v.isoTimestamp('should be a date and time')),
  meta: fileEntry('meta', 'json'),
  vectors: fileEntry('vectors', 'f16'),
});
export type Manifest = v.InferOutput<typeof manifestSchema>;

/**
 * True if `rel` names something inside a folder: relative, '/'-separated, no empty, '.' or '..' segment, no NUL.
 * On Windows a backslash is a separator (and ':' a drive or stream), so they are refused there; elsewhere
 * they are ordinary file name characters and a workspace may really hold such names.
 */
export function isRelativeInside(rel: string, windows = process.platform === 'win32'): boolean {
  if (!rel || rel.includes('\0') || (windows && /[\\:]/.test(rel))) return false;
  // Segment by segment without splitting: this runs for every chunk of the index.
  for (let start = 0; start <= rel.length;) {
    let end = rel.indexOf('/', start);
    if (end < 0) end = rel.length;
    const length = end - start;
    if (length === 0 || (rel[start] === '.' && (length === 1 || (length === 2 && rel[start + 1] === '.')))) return false;
    start = end + 1;
  }
  return true;
}

/** True if `p` is an absolute, normalised path with no NUL (what `path.resolve` gives). */
export function isAbsoluteRoot(p: string, windows = process.platform === 'win32'): boolean {
  const paths = windows ? path.win32 : path.posix;
  return !p.includes('\0') && paths.isAbsolute(p) && paths.normalize(p) === p;
}

function metaSchemaFor(windows: boolean) {
  const relPath = v.pipe(v.string('should be text'), v.check((p) => isRelativeInside(p, windows), 'should be a relative path inside its folder'));
  const root = v.pipe(v.string('should be text'), v.check((p) => isAbsoluteRoot(p, windows), 'should be an absolute folder path'));
  /** A file's or chunk's root: one of `roots` (checked after), so checked as a path only there. */
  const rootOf = v.string('should be text');
  const line = v.pipe(count, v.minValue(1, 'should be a line number (from 1)'));
  return v.object({
    roots: v.array(root, 'should be a list'),
    files: v.array(v.object({
      root: rootOf,
      rel: relPath,
      size: count,
      mtimeMs: v.pipe(v.number('should be a number'), v.finite('should be a finite number')),
      contentHash: sha256Hex,
      language: name,
      chunkIds: v.array(name, 'should be a list'),
    }), 'should be a list'),
    chunks: v.array(v.pipe(
      v.object({
        id: name,
        root: rootOf,
        rel: relPath,
        kind: v.picklist(['markdown', 'comment'], 'should be "markdown" or "comment"'),
        title: text,
        text,
        startLine: line,
        endLine: line,
        lang: name,
        fileLanguage: name,
        hash: sha256Hex,
        embedText: v.optional(text),
      }),
      v.forward(v.partialCheck([['startLine'], ['endLine']], (c) => c.endLine >= c.startLine, 'should not end before it starts'), ['endLine']),
    ), 'should be a list'),
    skipped: v.array(v.object({ path: relPath, reason: text }), 'should be a list'),
    unusedHashes: v.array(sha256Hex, 'should be a list'),
    /** Absent when every chunk's text has its vector (as in every index before meanings were streamed). */
    waitingHashes: v.optional(v.array(sha256Hex, 'should be a list')),
    /** Texts whose vectors came from an index seed; absent when none did (and in every index before seeds). */
    seededHashes: v.optional(v.array(sha256Hex, 'should be a list')),
  });
}

const metaSchemas = { posix: metaSchemaFor(false), windows: metaSchemaFor(true) };
export type Meta = v.InferOutput<typeof metaSchemas.posix>;

/** The manifest's fields, checked; a reason otherwise. */
export function parseManifest(data: unknown): { manifest: Manifest } | { reason: string } {
  const r = v.safeParse(manifestSchema, data);
  return r.success ? { manifest: r.output } : { reason: `manifest is not valid (${describe(r.issues)})` };
}

/**
 * The metadata's fields checked one by one, then against each other and the manifest: unique chunk ids,
 * every file's chunks present (and each chunk listed by exactly one file, of its own path), roots known,
 * and the counts the manifest gives.
 */
export function parseMeta(data: unknown, manifest: Manifest, windows = process.platform === 'win32'): { meta: Meta } | { reason: string } {
  const r = v.safeParse(windows ? metaSchemas.windows : metaSchemas.posix, data);
  if (!r.success) return { reason: `metadata is not valid (${describe(r.issues)})` };
  const meta = r.output;
  const problem = inconsistency(meta, manifest);
  return problem ? { reason: `metadata is not consistent (${problem})` } : { meta };
}

function inconsistency(meta: Meta, manifest: Manifest): string | undefined {
  const roots = new Set(meta.roots);
  if (roots.size !== meta.roots.length) return 'a folder is listed twice';
  const chunkAt = new Map<string, number>();
  for (const [i, c] of meta.chunks.entries()) {
    if (chunkAt.has(c.id)) return `chunks[${i}].id is used twice`;
    if (!roots.has(c.root)) return `chunks[${i}].root is not one of the indexed folders`;
    chunkAt.set(c.id, i);
  }
  const files = new Set<string>();
  const listed = new Set<string>();
  for (const [i, f] of meta.files.entries()) {
    if (!roots.has(f.root)) return `files[${i}].root is not one of the indexed folders`;
    const key = `${f.root}\0${f.rel}`;
    if (files.has(key)) return `files[${i}] is listed twice`;
    files.add(key);
    for (const id of f.chunkIds) {
      const at = chunkAt.get(id);
      if (at === undefined) return `files[${i}].chunkIds names a chunk that is not there`;
      const c = meta.chunks[at];
      if (c.root !== f.root || c.rel !== f.rel) return `files[${i}].chunkIds names a chunk of another file`;
      if (listed.has(id)) return `files[${i}].chunkIds names a chunk listed before`;
      listed.add(id);
    }
  }
  if (listed.size !== meta.chunks.length) return 'a chunk belongs to no file';
  if (meta.chunks.length !== manifest.chunkCount) return `it holds ${meta.chunks.length} chunks, the manifest says ${manifest.chunkCount}`;
  const hashes = new Set(meta.chunks.map((c) => c.hash));
  const waiting = new Set(meta.waitingHashes);
  if (waiting.size !== (meta.waitingHashes?.length ?? 0)) return 'waitingHashes lists a text twice';
  for (const h of waiting) if (!hashes.has(h)) return 'waitingHashes lists a text no chunk has';
  if (manifest.dim === 0 && waiting.size) return 'an index without a model lists texts waiting for vectors';
  const rows = hashes.size - waiting.size + meta.unusedHashes.length;
  for (const h of meta.unusedHashes) {
    if (hashes.has(h)) return 'unusedHashes lists a text twice';
    hashes.add(h);
  }
  if (manifest.dim === 0 ? manifest.vectorCount !== 0 : rows !== manifest.vectorCount) {
    return `it describes ${manifest.dim ? rows : 0} vectors, the manifest says ${manifest.vectorCount}`;
  }
  for (const h of meta.seededHashes ?? []) if (!hashes.has(h) || waiting.has(h)) return 'seededHashes lists a text without a vector';
  return undefined;
}

/**
 * Index of the first half-precision value that is not a finite number (exponent bits all set: Inf or NaN),
 * or -1. Such a vector would make every similarity NaN and sort the results at random.
 */
export function firstNonFinite(halves: Uint16Array): number {
  for (let i = 0; i < halves.length; i++) if ((halves[i] & 0x7c00) === 0x7c00) return i;
  return -1;
}

/** The first few issues as "where: what", without the values found. */
function describe(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues.slice(0, 3).map((issue) => {
    const where = v.getDotPath(issue) ?? 'the file';
    // Own messages say what is wanted; valibot's would quote the value received, so only its expectation is kept.
    const what = issue.message.startsWith('should') ? issue.message : issue.received === 'undefined' ? 'is missing' : `should be ${issue.expected}`;
    return `${where}: ${what}`;
  }).join('; ');
}
