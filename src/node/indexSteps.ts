import { promises as fs } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../common/errors';
import type { IndexProgress, IndexRequest, SkippedFile } from '../common/protocol/engine';
import { languageByScript } from '../common/writingScript';
import type { Embedder } from './embed/embedder';
import { decodeText } from './files/decode';
import { discoverFiles, discoverPaths, type Discovery, type FoundFile } from './files/discover';
import { isInside } from './files/inside';
import { readFileCapped } from './files/readFile';
import { sha256 } from './hash';
import type { ChunkRecord, FileRecord } from './index/records';
import type { VectorStore } from './index/vectorStore';
import type { WorkspaceIndex } from './index/workspaceIndex';
import { SplitTimeout } from './split/budget';
import { embedTextOf } from './split/chunker';
import { splitFile } from './split/splitFile';

// The steps of an indexing run, in the order Engine.index runs them: scan the roots (files/), diff what was
// found against the index, read and split the new and changed files (files/, split/), apply the result to
// the index (index/workspaceIndex.ts) — every file searchable by its words from then on — and embed what waits
// for its meaning (embed/), by priority, batch by batch. The engine saves (persist) between and after.

/** Texts per model call. Batches are cut from texts sorted by length, so padding stays small. */
export const BATCH_SIZE = 32;
/** A file changed this recently (by its time) has its meaning embedded before older ones. */
const RECENT_MS = 7 * 24 * 3600_000;

export type Found = FoundFile & { root: string };

/** A file read and split in this run, with what its chunks embed. */
export interface ReadFile {
  record: FileRecord;
  chunks: ChunkRecord[];
  inputs: { hash: string; embedText: string; tokens: number }[];
  contentHash: string;
}

/** What a scan found under the run's roots. */
export interface Scan {
  roots: string[];
  found: Map<string, Found>;
  /** Files not indexed and why: those found now, and on a watcher's run those recorded before elsewhere. */
  skipped: SkippedFile[];
  /** Files this run decides about: every known file on a full scan, only the named paths otherwise. */
  inScope: (abs: string, rec: FileRecord) => boolean;
  /** How a file is named in messages: relative to its root, prefixed by the root's name when there are several. */
  label: (root: string, rel: string) => string;
}

/** What a run changes in the index. */
export interface Changes {
  dropIds: string[];
  /** Files that leave the index (gone, excluded, or no longer readable). */
  dropFiles: string[];
  changed: ReadFile[];
  /** Files whose size or time changed but not their content. */
  touched: { record: FileRecord; size: number; mtimeMs: number }[];
  /** How many of the first `changed` files are in the index already (a first index adds them as they are read). */
  applied?: number;
}

/** How the reading step reports progress, and checks (throwing) whether the run was cancelled. */
export interface StepControl {
  onProgress?: (p: IndexProgress) => void;
  checkCancel: () => void;
}

// ---- scan -----------------------------------------------------------------------------------------------

/**
 * Finds the files under the roots, or only at the paths a watcher named, and those skipped with why.
 * `skippedBefore`: the files the index records as skipped, kept on a watcher's run outside its paths.
 */
export async function scanFiles(request: IndexRequest, skippedBefore: readonly SkippedFile[], control: StepControl): Promise<Scan> {
  const absRoots = request.roots.map((r) => path.resolve(r));
  const rootOptions = new Map(Object.entries(request.rootOptions ?? {}).map(([r, o]) => [path.resolve(r), o]));
  const optionsOf = (root: string) => rootOptions.get(root) ?? request.options ?? {};
  const label = (root: string, rel: string) => (absRoots.length > 1 ? `${path.basename(root)}/${rel}` : rel);
  const scan: Scan = { roots: absRoots, found: new Map(), skipped: [], inScope: () => true, label };
  const collect = (root: string, res: Discovery) => {
    for (const f of res.files) scan.found.set(f.abs, { ...f, root });
    for (const s of res.skipped) scan.skipped.push({ ...s, path: label(root, s.path) });
  };
  control.onProgress?.({ phase: 'scanning', done: 0, total: 0 });
  for (const root of absRoots) {
    const st = await fs.stat(root).catch(() => undefined);
    if (!st?.isDirectory()) throw new EngineError('bad-request', `Folder not found: ${root}.`);
  }
  if (!request.paths) {
    for (const root of absRoots) {
      collect(root, await discoverFiles(root, optionsOf(root)));
      control.checkCancel();
    }
    return scan;
  }
  const askedSet = new Set(request.paths.map((p) => path.resolve(p)));
  const asked = [...askedSet];
  // A path may be a folder (created, moved or deleted with everything in it).
  scan.inScope = (abs, rec) => !absRoots.includes(rec.root) || askedSet.has(abs) || asked.some((p) => isInside(p, abs));
  const relativeTo = (root: string, p: string) => path.relative(root, p).split(path.sep).join('/');
  for (const root of absRoots) {
    collect(root, await discoverPaths(root, asked.filter((p) => isInside(root, p)).map((p) => relativeTo(root, p)), optionsOf(root)));
  }
  // Keep what the full scan recorded as skipped, minus what is at or under the paths looked at again now.
  const relooked = asked.flatMap((p) => absRoots.filter((r) => isInside(r, p)).map((r) => label(r, relativeTo(r, p))));
  scan.skipped.push(...skippedBefore.filter((s) => !relooked.some((l) => s.path === l || s.path.startsWith(`${l}/`))));
  return scan;
}

// ---- diff -----------------------------------------------------------------------------------------------

/**
 * Files gone (or now excluded) leave; files whose size, time or language changed are to be read again, and so
 * are those recorded without a time (see {@link recordedMtime}) to recheck their content.
 */
export function diffFiles(files: ReadonlyMap<string, FileRecord>, scan: Scan): { toRead: Found[]; recheck: Found[]; changes: Changes } {
  const changes: Changes = { dropIds: [], dropFiles: [], changed: [], touched: [] };
  for (const [abs, rec] of files) {
    if (!scan.found.has(abs) && scan.inScope(abs, rec)) dropFile(changes, abs, rec);
  }
  const toRead: Found[] = [];
  const recheck: Found[] = [];
  for (const f of scan.found.values()) {
    const r = files.get(f.abs);
    if (!r || r.size !== f.size || r.language !== f.language || (r.mtimeMs !== f.mtimeMs && r.mtimeMs !== NO_TIME)) toRead.push(f);
    else if (r.mtimeMs === NO_TIME) recheck.push(f);
  }
  return { toRead, recheck, changes };
}

/**
 * How close to its last change a file may be read and still be known unchanged by its size and time. A change
 * within the same tick of the file system's clock as the read (or an earlier change of the same size in that
 * tick) leaves both as they were — git's "racily clean" files. 3 s covers the 2-second times of FAT and exFAT.
 */
const RACY_MS = 3000;

/**
 * The modification time a file read at `readAtMs` is recorded with: its own, or -1 (matching no time) when it
 * changed too shortly before the read to tell a later change apart, so the next scan reads it again. Its
 * content hash then says whether it changed; nothing is embedded twice.
 */
export function recordedMtime(mtimeMs: number, readAtMs: number): number {
  return mtimeMs >= readAtMs - RACY_MS ? NO_TIME : mtimeMs;
}

const NO_TIME = -1;

// ---- read -----------------------------------------------------------------------------------------------

/** What reading needs of the model: its token count and limit (without a model, an estimate and 128). */
export interface TokenBudget {
  countTokens: (text: string) => number;
  maxTokens: number;
}

/** What reading a file gives: the file to index, or why it cannot be used. */
export type ReadResult = ReadFile | { reason: string };

/** A second reader that takes files from the same list (readThread.ts). */
export interface Reader {
  /** Takes the next file no reader has taken: its index, or -1 when none is left. */
  claim(): number;
  /** The other reader's result for file i if it has come. */
  take(i: number): ReadResult | undefined;
  /** Waits for the other reader's result for file i (one it took); undefined if it will not come. */
  result(i: number): Promise<ReadResult | undefined>;
}

/**
 * Reads the files (new and changed ones, or those to recheck), noting for each in `changes` whether it changed,
 * was only touched, or cannot be used, in the order of `toRead`. Gives how many changed or cannot be used.
 * With `other`, the files are shared out with it as each reader is free; `onChanged` is called with each
 * changed file as it is noted (in order).
 */
export async function readFiles(
  scan: Scan, toRead: readonly Found[], index: WorkspaceIndex, changes: Changes, tokens: TokenBudget, control: StepControl,
  other?: Reader, onChanged?: (file: ReadFile) => Promise<void>,
): Promise<number> {
  let changed = 0;
  let taken = 0;
  const claim = other ? () => other.claim() : () => (taken < toRead.length ? taken++ : -1);
  /** Results of files this thread read ahead of their turn. */
  const own = new Map<number, ReadResult>();
  for (let i = 0; i < toRead.length; i++) {
    if (i % 50 === 0) {
      control.checkCancel();
      control.onProgress?.({ phase: 'reading', done: i, total: toRead.length });
    }
    const f = toRead[i];
    let result = own.get(i) ?? other?.take(i);
    own.delete(i);
    // Until file i is here, read the next file no one has taken; when none is left, wait for the other reader.
    while (!result) {
      control.checkCancel();
      const j = claim();
      if (j < 0) {
        result = (other && await other.result(i)) ?? await readFile(f, tokens);
      } else if (j === i) {
        result = await readFile(f, tokens);
      } else {
        own.set(j, await readFile(toRead[j], tokens));
        result = other?.take(i);
      }
    }
    if (noteRead(changes, scan, f, index.files.get(f.abs), result)) changed++;
    if (onChanged && changes.changed.at(-1) === result) await onChanged(result as ReadFile);
  }
  if (toRead.length) control.onProgress?.({ phase: 'reading', done: toRead.length, total: toRead.length });
  return changed;
}

/** Reads, decodes and splits one file; a file that cannot be used gives the reason. */
export async function readFile(f: Found, tokens: TokenBudget): Promise<ReadResult> {
  const read = await readFileCapped(f.abs, f.root, f.maxBytes, f.realRoot);
  if ('reason' in read) return read;
  const { bytes } = read;
  const mtimeMs = recordedMtime(f.mtimeMs, Date.now());
  const contentHash = sha256(bytes);
  const decoded = decodeText(bytes);
  if ('reason' in decoded) return decoded;
  let pieces;
  try {
    pieces = splitFile(decoded.text, f.language, f.rel, tokens.countTokens, tokens.maxTokens);
  } catch (e) {
    return { reason: e instanceof SplitTimeout ? e.message : `could not be split into sections (${(e as Error).message})` };
  }
  const fileKey = sha256(path.join(f.root, f.rel)).slice(0, 16);
  const inputs = pieces.map((p) => ({ hash: sha256(p.embedText), embedText: p.embedText, tokens: p.tokens }));
  const chunks = pieces.map((p, i): ChunkRecord => ({
    id: `${fileKey}:${i}`, root: f.root, rel: f.rel, kind: p.kind, title: p.title, text: p.text,
    startLine: p.startLine, endLine: p.endLine, lang: languageByScript(p.text), fileLanguage: f.language, hash: inputs[i].hash,
    ...(p.embedText !== embedTextOf(p.title, p.text) ? { embedText: p.embedText } : {}),
  }));
  const record: FileRecord = {
    root: f.root, rel: f.rel, size: f.size, mtimeMs, contentHash, language: f.language, chunkIds: chunks.map((c) => c.id),
  };
  return { record, chunks, inputs, contentHash };
}

/** Token count without a model tokenizer (full-text only): about what XLM-R gives, erring long. */
export function estimateTokens(text: string): number {
  let cjk = 0;
  for (const ch of text) if (ch.charCodeAt(0) >= 0x1100) cjk++;
  return 2 + cjk + Math.ceil((text.length - cjk) / 3);
}

/**
 * Records what reading `f` gave: a file to index again, one only touched, or one that can no longer be used.
 * False when its content is as it was (touched, or read only to recheck it).
 */
function noteRead(changes: Changes, scan: Scan, f: Found, old: FileRecord | undefined, result: ReadResult): boolean {
  if ('reason' in result) {
    scan.skipped.push({ path: scan.label(f.root, f.rel), reason: result.reason });
    if (old) dropFile(changes, f.abs, old);
  } else if (old && old.contentHash === result.contentHash && old.language === f.language) {
    if (old.size !== f.size || old.mtimeMs !== result.record.mtimeMs) {
      changes.touched.push({ record: old, size: f.size, mtimeMs: result.record.mtimeMs });
    }
    return false;
  } else {
    changes.changed.push(result);
    if (old) changes.dropIds.push(...old.chunkIds);
  }
  return true;
}

function dropFile(changes: Changes, abs: string, rec: FileRecord): void {
  changes.dropFiles.push(abs);
  changes.dropIds.push(...rec.chunkIds);
}

// ---- embed ----------------------------------------------------------------------------------------------

export interface EmbedStats {
  /** Distinct texts embedded. */
  embedded: number;
  /** Share of padding tokens in the embedded batches (0..1); by estimated lengths for texts a stopped run left. */
  paddingWaste: number;
}

/** A text some chunks wait for, as the embedding step queues it. */
export interface WaitingText {
  hash: string;
  text: string;
  tokens: number;
  /** Its place in the order of priority (see {@link waitingTexts}): a batch holds texts of one group. */
  group: number;
}

/** What a run embeds first: the files named (open in editors), then the recently changed ones, then the rest. */
export interface EmbedPriority {
  /** Absolute paths of the files to embed first. */
  first: ReadonlySet<string>;
  /** The run's time, against which a file's time says whether it changed recently. */
  now: number;
}

/**
 * Chunks of the run's changed files whose text needs no embedding of its own: it has a vector, or another
 * chunk of the run has the same text. Counted before the run is applied.
 */
export function reusedTexts(changed: readonly ReadFile[], vectors: VectorStore): number {
  const seen = new Set<string>();
  let reused = 0;
  for (const { inputs } of changed) {
    for (const { hash } of inputs) {
      if (vectors.has(hash) || seen.has(hash)) reused++;
      seen.add(hash);
    }
  }
  return reused;
}

/**
 * Every text the index's chunks wait for — this run's and those a stopped run left — each once, in the order
 * they are embedded: the chunks of the `first` files, then of files changed within RECENT_MS (a file read too
 * soon after a change to know its time counts as just changed), then the rest. Within each group the shortest
 * come first, so that a batch holds texts of similar length (little padding); equal lengths go by the newest
 * file, then by hash, so the order never depends on the order chunks were added in. `tokensOf` gives a text's
 * length in tokens (counted, or estimated).
 */
export function waitingTexts(index: WorkspaceIndex, priority: EmbedPriority, tokensOf: (hash: string, text: string) => number): WaitingText[] {
  const queued = [...index.vectors.waiting].map(([hash, chunkIds]) => {
    const chunks = [...chunkIds].map((id) => index.chunks.get(id)!);
    const text = chunks[0].embedText ?? embedTextOf(chunks[0].title, chunks[0].text);
    return { hash, text, tokens: tokensOf(hash, text), ...placeInQueue(index, chunks, priority) };
  });
  queued.sort((a, b) => a.group - b.group || a.tokens - b.tokens || b.newest - a.newest || (a.hash < b.hash ? -1 : 1));
  return queued.map(({ hash, text, tokens, group }) => ({ hash, text, tokens, group }));
}

/**
 * Where the chunks of one text go in the queue: the first group any of their files is in (0: named first,
 * 1: changed recently, 2: the rest), and the time of the newest of those files.
 */
function placeInQueue(index: WorkspaceIndex, chunks: readonly ChunkRecord[], priority: EmbedPriority): { group: number; newest: number } {
  let group = 2;
  let newest = -Infinity;
  for (const c of chunks) {
    const abs = path.join(c.root, c.rel);
    const mtimeMs = index.files.get(abs)?.mtimeMs ?? NO_TIME;
    const changedAt = mtimeMs === NO_TIME ? priority.now : mtimeMs;
    const groupOfFile = priority.first.has(abs) ? 0 : priority.now - changedAt <= RECENT_MS ? 1 : 2;
    group = Math.min(group, groupOfFile);
    newest = Math.max(newest, changedAt);
  }
  return { group, newest };
}

/** How the embedding step reports, is cancelled, and has its work saved. */
export interface EmbedControl {
  /** Before each batch: reports progress; throws to cancel. */
  beforeBatch: (p: IndexProgress) => Promise<void>;
  /** After each batch's vectors are in the index (`done`: the texts embedded so far): saves a checkpoint when one is due. */
  afterBatch: (done: number) => Promise<void>;
}

/**
 * Embeds the queued texts in batches of up to BATCH_SIZE, in the queue's order, and puts each batch's vectors
 * into the index at once: the chunks that waited for them are searchable by meaning from then on. A batch ends
 * where a group of the queue does: the last texts of the files open in editors are not padded to, nor wait
 * for, texts of a later group.
 */
export async function embedTexts(queue: readonly WaitingText[], vectors: VectorStore, embedder: Embedder, control: EmbedControl): Promise<EmbedStats> {
  let tokens = 0;
  let padded = 0;
  for (let i = 0, end = 0; i < queue.length; i = end) {
    await control.beforeBatch({ phase: 'embedding', done: i, total: queue.length });
    end = Math.min(i + BATCH_SIZE, queue.length);
    for (let j = i + 1; j < end; j++) if (queue[j].group !== queue[i].group) end = j;
    const batch = queue.slice(i, end);
    const data = await embedder.embed(batch.map((t) => t.text));
    const { dim } = embedder;
    batch.forEach((t, j) => vectors.put(t.hash, data.subarray(j * dim, (j + 1) * dim)));
    const longest = Math.max(...batch.map((t) => t.tokens));
    for (const t of batch) {
      tokens += t.tokens;
      padded += longest;
    }
    await control.afterBatch(i + batch.length);
  }
  return { embedded: queue.length, paddingWaste: padded ? (padded - tokens) / padded : 0 };
}

// ---- apply ----------------------------------------------------------------------------------------------

/** Whether applying the run changes what the index holds: files, chunks, roots or skipped files. */
export function changesIndex(index: WorkspaceIndex, scan: Scan, changes: Changes): boolean {
  const skippedKey = (k: SkippedFile) => `${k.path}\0${k.reason}`;
  const changed = changes.dropIds.length || changes.dropFiles.length || changes.changed.length || changes.touched.length;
  return !!changed || !sameList(scan.roots, index.roots) || !sameList(scan.skipped.map(skippedKey), index.skipped.map(skippedKey));
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Applies the run to the index: removals first (complete before anything is added again under the same ids),
 * then each changed file with its chunks, then the roots and skipped files scanned. A failure leaves the
 * index partly changed: the caller restores it.
 */
export async function applyChanges(index: WorkspaceIndex, scan: Scan, changes: Changes): Promise<void> {
  await index.removeChunks(changes.dropIds);
  for (const abs of changes.dropFiles) index.removeFile(abs);
  for (const t of changes.touched) index.touchFile(t.record, t.size, t.mtimeMs);
  for (const { record, chunks } of changes.changed.slice(changes.applied ?? 0)) await index.addFile(record, chunks);
  index.setScanned(scan.roots, scan.skipped);
}
