import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { EngineError } from '../common/errors';
import type {
  IndexInfo, IndexProgress, IndexRequest, IndexSummary, SearchHit, SearchOptions, SearchResult, SkippedFile,
} from '../common/protocol/engine';
import type { CancelToken } from '../common/protocol/workerClient';
import { languageByScript } from '../common/writingScript';
import { buildSnippet } from '../common/snippet';
import { Embedder, resolveModelFiles } from './embed/embedder';
import { decodeText } from './files/decode';
import { discoverFiles, discoverPaths, type Discovery, type FoundFile } from './files/discover';
import { isInside } from './files/inside';
import { readFileCapped } from './files/readFile';
import { ChunkIndex, type ChunkRecord } from './index/chunkIndex';
import { fullTextTokens, typedPrefix } from './index/fullTextTokenizer';
import { deleteSnapshot, loadSnapshot, removeDeadWritersFiles, saveSnapshot, sha256, storedGeneration, type FileRecord, type LoadResult } from './index/persist';
import { StoreLock, type LockOwner } from './index/storeLock';
import { applyChanges, diffFiles, embedNewTexts, isEmpty, noteRead, recordedMtime, type Changes, type Found, type IndexState, type ReadFile, type Scan } from './indexSteps';
import { SplitTimeout } from './split/budget';
import { splitFile } from './split/splitFile';

/**
 * In hybrid mode a candidate's BM25 score by the query's words, relative to the best candidate's (0..1), is
 * added to its cosine similarity with this weight. Small on purpose: a cross-language answer shares no words
 * with the query, so words may only re-order near ties, never bury a strong vector match.
 */
export const HYBRID_WEIGHT = 0.05;
/**
 * Hybrid candidates beyond the vector search's: chunks holding a query word found in at most this share of
 * the chunks, and in at most RARE_WORD_MAX (at least RARE_WORD_MIN). Rare words point at few chunks, and
 * reading their postings is cheap; a common word's can hold most of the index.
 */
const RARE_WORD_SHARE = 0.02;
const RARE_WORD_MIN = 100;
const RARE_WORD_MAX = 1000;
/** Vectors of texts no longer in the index that are kept (a branch switch back re-embeds nothing). */
const MIN_ORPHAN_VECTORS = 2000;

export interface EngineConfig {
  /** Without a model folder the engine indexes and searches words only (dim 0, model id 'none'). */
  modelDir?: string;
  storeDir: string;
  threads?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Only read the store (the CLI's search): no lock is taken, and indexing is refused. */
  readOnly?: boolean;
}

/**
 * The search engine: reads a workspace into chunks, embeds them, keeps them in an Orama index persisted in
 * `storeDir`, and answers queries. Runs in the worker (and directly in tests); it never touches VS Code.
 */
export class Engine {
  private chunkIndex: ChunkIndex;
  private files = new Map<string, FileRecord>();
  private chunks = new Map<string, ChunkRecord>();
  private roots: string[] = [];
  private skipped: SkippedFile[] = [];
  private bytesOnDisk = 0;
  private savedAt: string | undefined;
  private rebuildReason: string | undefined;
  /** The saved generation the index in memory is (or was loaded from); undefined when none. */
  private generation: string | undefined;
  /** Another process held the store's lock at the last try: this engine searches the last saved index. */
  private lockedBy: LockOwner | 'unknown' | undefined;
  /** Memory holds changes the store does not (the last save failed, or none was made yet): the next run saves. */
  private unsaved = false;

  /** Model identity and size; dim 0 when there is no model and search works by words only. */
  readonly modelInfo: { id: string; dim: number; dtype: string };

  private constructor(
    private readonly embedder: Embedder | undefined,
    private readonly config: EngineConfig,
    /** One writer per store: held from open to dispose; undefined when opened read-only. */
    private readonly lock: StoreLock | undefined,
  ) {
    this.modelInfo = embedder ? { id: embedder.files.id, dim: embedder.dim, dtype: embedder.files.dtype } : { id: 'none', dim: 0, dtype: 'none' };
    this.chunkIndex = new ChunkIndex(this.modelInfo.dim);
  }

  /**
   * Loads the model, then the stored index if it was built with the same model (otherwise it is rebuilt).
   * The engine takes the store's lock to be its one writer; when another process holds it, the engine opens
   * the last saved index read-only and tries again on each `index` call.
   */
  static async open(config: EngineConfig): Promise<Engine> {
    const lock = config.readOnly ? undefined : new StoreLock(config.storeDir, (reason) => {
      config.log?.('warn', `This process no longer writes the index in ${config.storeDir}: ${reason}.`);
    });
    // A lock that cannot be taken at all (a folder that cannot be written) is reported by the first change.
    const attempt = await lock?.tryAcquire().catch(() => undefined);
    if (attempt?.acquired) await removeDeadWritersFiles(config.storeDir);
    try {
      // The model and the stored index load side by side; the index is checked against the model after.
      // The model's hashes are cached in the store, by its writer only.
      const files = config.modelDir ? resolveModelFiles(config.modelDir, { cacheDir: config.storeDir, updateCache: !!attempt?.acquired }) : undefined;
      const [embedder, stored] = await Promise.all([
        files ? Embedder.load(files, config.threads) : undefined,
        loadSnapshot(config.storeDir, { modelId: files?.id ?? 'none' }),
      ]);
      const engine = new Engine(embedder, config, lock);
      if (attempt && !attempt.acquired) engine.lockedBy = attempt.owner ?? 'unknown';
      engine.useStore(stored);
      return engine;
    } catch (e) {
      await lock?.dispose();
      throw e;
    }
  }

  /** Resolves when a stored index is fully loaded (its full-text part is rebuilt in the background). */
  whenLoaded(): Promise<void> {
    return this.chunkIndex.fullTextReady;
  }

  private useStore(res: LoadResult): void {
    if (res.status === 'loaded' && res.snapshot.dim !== this.modelInfo.dim) {
      res = { status: 'invalid', reason: `the index holds ${res.snapshot.dim}-dimensional vectors, the model makes ${this.modelInfo.dim}` };
    }
    if (res.status === 'invalid') {
      this.rebuildReason = res.reason;
      this.config.log?.('warn', `The stored index is rebuilt: ${res.reason}.`);
      return;
    }
    if (res.status === 'empty') return;
    const s = res.snapshot;
    this.roots = s.roots;
    this.skipped = s.skipped;
    for (const f of s.files) this.files.set(path.join(f.root, f.rel), f);
    for (const c of s.chunks) this.chunks.set(c.id, c);
    this.chunkIndex.load(s.chunks, s.vectors);
    this.bytesOnDisk = res.bytes;
    this.savedAt = res.savedAt;
    this.generation = res.generation;
  }

  /**
   * Makes this engine the store's writer before a change: takes the lock if it is not held (the other writer
   * ended) and then reads what that writer saved, so a run starts from the index on disk. While another
   * process holds the lock it throws 'store-locked', after taking up that process's latest save to search.
   */
  private async becomeWriter(): Promise<void> {
    if (!this.lock) throw new EngineError('bad-request', 'This index was opened read-only.');
    if (this.lock.held) return;
    let attempt;
    try {
      attempt = await this.lock.tryAcquire();
    } catch (e) {
      throw new EngineError('store-unreadable', `The index folder ${this.config.storeDir} cannot be written (${describeFsError(e)}).`);
    }
    this.lockedBy = attempt.acquired ? undefined : attempt.owner ?? 'unknown';
    if (attempt.acquired) await removeDeadWritersFiles(this.config.storeDir);
    if (this.generation !== await storedGeneration(this.config.storeDir)) await this.reload();
    if (this.lockedBy) throw new EngineError('store-locked', lockedMessage(this.config.storeDir, this.lockedBy));
  }

  /** Replaces the index in memory with the one saved in the store (or an empty one if none is). */
  private async reload(): Promise<void> {
    this.reset();
    this.rebuildReason = undefined;
    this.useStore(await loadSnapshot(this.config.storeDir, { modelId: this.modelInfo.id }));
  }

  /**
   * Brings the index up to date with the files under `roots` (the complete set: files of other roots
   * leave the index). Unchanged files are not read, texts embedded before are not embedded again.
   * A run is applied whole or not at all; one that fails is done again by the next run, the save included.
   */
  async index(request: IndexRequest, onProgress?: (p: IndexProgress) => void, token?: CancelToken): Promise<IndexSummary> {
    await this.becomeWriter();
    const t0 = performance.now();
    const checkCancel = () => {
      if (token?.isCancellationRequested) throw new EngineError('cancelled', 'Indexing was cancelled.');
    };
    const scan = await this.scan(request, onProgress, checkCancel);
    const { toRead, recheck, changes } = diffFiles(this.files, scan);
    await this.readChanged(scan, toRead, changes, onProgress, checkCancel);
    const rechanged = await this.readChanged(scan, recheck, changes, undefined, checkCancel);
    const embedded = this.embedder
      ? await embedNewTexts(changes.changed, this.chunkIndex, this.embedder, (p) => { checkCancel(); onProgress?.(p); })
      : { embedded: 0, reused: 0, paddingWaste: 0 };
    checkCancel();
    if (await this.droppedUnbuildable()) return this.index(request, onProgress, token);
    // From here on nothing is cancelled, so the index never holds half a run.
    await this.apply(scan, changes);
    if (this.unsaved) await this.saveRun(onProgress);
    const rebuiltBecause = this.rebuildReason;
    this.rebuildReason = undefined;
    return {
      files: this.files.size, chunks: this.chunks.size, embedded: embedded.embedded, reused: embedded.reused, read: toRead.length + rechanged,
      removed: new Set(changes.dropFiles).size, skipped: scan.skipped, paddingWaste: embedded.paddingWaste,
      ...(rebuiltBecause ? { rebuiltBecause } : {}), ms: Math.round(performance.now() - t0),
    };
  }

  /** Finds the files under the roots, or only at the paths a watcher named, and those skipped with why. */
  private async scan(request: IndexRequest, onProgress: ((p: IndexProgress) => void) | undefined, checkCancel: () => void): Promise<Scan> {
    const absRoots = request.roots.map((r) => path.resolve(r));
    const rootOptions = new Map(Object.entries(request.rootOptions ?? {}).map(([r, o]) => [path.resolve(r), o]));
    const optionsOf = (root: string) => rootOptions.get(root) ?? request.options ?? {};
    const label = (root: string, rel: string) => (absRoots.length > 1 ? `${path.basename(root)}/${rel}` : rel);
    const scan: Scan = { roots: absRoots, found: new Map(), skipped: [], inScope: () => true, label };
    const collectFound = (root: string, res: Discovery) => {
      for (const f of res.files) scan.found.set(f.abs, { ...f, root });
      for (const s of res.skipped) scan.skipped.push({ ...s, path: label(root, s.path) });
    };
    onProgress?.({ phase: 'scanning', done: 0, total: 0 });
    for (const root of absRoots) {
      const st = await fs.stat(root).catch(() => undefined);
      if (!st?.isDirectory()) throw new EngineError('bad-request', `Folder not found: ${root}.`);
    }
    if (request.paths) {
      const asked = new Set(request.paths.map((p) => path.resolve(p)));
      // A path may be a folder (created, moved or deleted with everything in it).
      scan.inScope = (abs, rec) => !absRoots.includes(rec.root) || asked.has(abs) || [...asked].some((p) => isInside(p, abs));
      for (const root of absRoots) {
        const rels = [...asked].filter((p) => isInside(root, p)).map((p) => path.relative(root, p).split(path.sep).join('/'));
        collectFound(root, await discoverPaths(root, rels, optionsOf(root)));
      }
      // Keep what the full scan recorded as skipped, minus what is at or under the paths looked at again now.
      const relooked = [...asked].flatMap((p) => absRoots.filter((r) => isInside(r, p)).map((r) => label(r, path.relative(r, p).split(path.sep).join('/'))));
      scan.skipped.push(...this.skipped.filter((s) => !relooked.some((l) => s.path === l || s.path.startsWith(`${l}/`))));
    } else {
      for (const root of absRoots) {
        collectFound(root, await discoverFiles(root, optionsOf(root)));
        checkCancel();
      }
    }
    return scan;
  }

  /**
   * Reads the new and changed files (or those to recheck), noting for each whether it changed, was only
   * touched, or cannot be used. Gives how many changed or cannot be used.
   */
  private async readChanged(scan: Scan, toRead: Found[], changes: Changes, onProgress: ((p: IndexProgress) => void) | undefined, checkCancel: () => void): Promise<number> {
    let changed = 0;
    for (let i = 0; i < toRead.length; i++) {
      if (i % 50 === 0) { checkCancel(); onProgress?.({ phase: 'reading', done: i, total: toRead.length }); }
      const f = toRead[i];
      if (noteRead(changes, scan, f, this.files.get(f.abs), await this.readFile(f))) changed++;
    }
    if (toRead.length) onProgress?.({ phase: 'reading', done: toRead.length, total: toRead.length });
    return changed;
  }

  /**
   * Applies the run to the index, whole or not at all: after any failure the index is as last saved again,
   * so the next run finds everything since that save to do (the vectors embedded meanwhile are kept).
   */
  private async apply(scan: Scan, changes: Changes): Promise<void> {
    const skippedKey = (k: SkippedFile) => `${k.path}\0${k.reason}`;
    if (!isEmpty(changes) || !sameList(scan.roots, this.roots) || !sameList(scan.skipped.map(skippedKey), this.skipped.map(skippedKey))
      || this.rebuildReason || this.savedAt === undefined) this.unsaved = true;
    try {
      await applyChanges(this.state, changes);
    } catch (e) {
      const vectors = this.chunkIndex.allVectors;
      await this.reload();
      vectors.forEach((v, hash) => this.chunkIndex.putVector(hash, v));
      throw e;
    }
    this.roots = scan.roots;
    this.skipped = scan.skipped;
  }

  private get state(): IndexState {
    return { files: this.files, chunks: this.chunks, chunkIndex: this.chunkIndex };
  }

  /** Saves what the runs since the last save changed; until a save succeeds, every run tries again. */
  private async saveRun(onProgress?: (p: IndexProgress) => void): Promise<void> {
    this.pruneVectors();
    onProgress?.({ phase: 'saving', done: 0, total: 1 });
    await this.save();
    this.unsaved = false;
  }

  /**
   * Whether the loaded index was dropped because its full text cannot be built (its records contradict each
   * other): it is rebuilt, rather than failing every run that would change it.
   */
  private async droppedUnbuildable(): Promise<boolean> {
    try {
      await this.whenLoaded();
      return false;
    } catch (e) {
      this.reset();
      this.rebuildReason = `the index is damaged (${(e as Error).message})`;
      this.config.log?.('warn', `The stored index is rebuilt: ${this.rebuildReason}.`);
      return true;
    }
  }

  private reset(): void {
    this.chunkIndex = new ChunkIndex(this.modelInfo.dim);
    this.files.clear();
    this.chunks.clear();
    this.roots = [];
    this.skipped = [];
    this.bytesOnDisk = 0;
    this.savedAt = undefined;
    this.generation = undefined;
    this.unsaved = false;
  }

  /** Reads, decodes and splits one file; a file that cannot be used gives the reason. */
  private async readFile(f: FoundFile & { root: string }): Promise<ReadFile | { reason: string }> {
    const read = await readFileCapped(f.abs, f.root, f.maxBytes);
    if ('reason' in read) return read;
    const { bytes } = read;
    const mtimeMs = recordedMtime(f.mtimeMs, Date.now());
    const contentHash = sha256(bytes);
    const decoded = decodeText(bytes);
    if ('reason' in decoded) return decoded;
    let pieces;
    try {
      pieces = splitFile(decoded.text, f.language, f.rel, this.embedder?.countTokens ?? estimateTokens, this.embedder?.maxTokens ?? 128);
    } catch (e) {
      return { reason: e instanceof SplitTimeout ? e.message : `could not be split into sections (${(e as Error).message})` };
    }
    const fileKey = sha256(path.join(f.root, f.rel)).slice(0, 16);
    const inputs = pieces.map((p) => ({ hash: sha256(p.embedText), embedText: p.embedText, tokens: p.tokens }));
    const chunks = pieces.map((p, i): ChunkRecord => ({
      id: `${fileKey}:${i}`, root: f.root, rel: f.rel, kind: p.kind, title: p.title, text: p.text,
      startLine: p.startLine, endLine: p.endLine, lang: languageByScript(p.text), fileLanguage: f.language, hash: inputs[i].hash,
    }));
    const record: FileRecord = {
      root: f.root, rel: f.rel, size: f.size, mtimeMs, contentHash, language: f.language, chunkIds: chunks.map((c) => c.id),
    };
    return { record, chunks, inputs, contentHash };
  }

  /** Keeps every vector in use and the most recent unused ones, up to a quarter of the index (at least 2,000). */
  private pruneVectors(): void {
    this.chunkIndex.pruneVectors((used) => Math.max(MIN_ORPHAN_VECTORS, Math.floor(used / 4)));
  }

  private async save(): Promise<void> {
    const lock = this.lock;
    let saved: { bytes: number; generation: string };
    try {
      saved = await saveSnapshot(this.config.storeDir, {
        modelId: this.modelInfo.id, dim: this.modelInfo.dim, roots: this.roots,
        files: [...this.files.values()], chunks: [...this.chunks.values()], vectors: this.chunkIndex.allVectors, skipped: this.skipped,
      }, { verifyWriter: async () => lock?.verify() });
    } catch (e) {
      if (lock && !lock.held) {
        this.generation = undefined; // the next run starts again from what the other writer saved
        throw new EngineError('store-locked', `Another process took over the index in ${this.config.storeDir}; this run was not saved.`);
      }
      throw new EngineError('store-unreadable', `The index folder ${this.config.storeDir} cannot be written (${describeFsError(e)}); the last saved index is kept.`);
    }
    this.bytesOnDisk = saved.bytes;
    this.generation = saved.generation;
    this.savedAt = new Date().toISOString();
  }

  /**
   * Ranked chunks for a query in any language. The same query on the same index gives the same list: right
   * after a stored index is loaded, a search that ranks by words waits until its words are indexed, unless
   * `options.partialWords` lets it answer from those indexed so far (and say so).
   */
  async search(query: string, options: SearchOptions = {}): Promise<SearchResult> {
    const t0 = performance.now();
    // Without a model only words can be matched; the result says so through its mode.
    const mode = this.embedder ? options.mode ?? 'hybrid' : 'fulltext';
    const limit = Math.max(1, Math.min(options.limit ?? 10, 500));
    if (!query.trim() || this.chunks.size === 0) return { hits: [], mode, ms: 0 };
    const byWords = mode === 'fulltext' || (mode === 'hybrid' && fullTextTokens(query).length > 0);
    if (byWords && !options.partialWords) await this.chunkIndex.fullTextReady;
    // Folder filters apply after ranking, so fetch more candidates when one is set.
    const k = options.pathPrefix || options.root ? Math.max(limit * 20, 200) : Math.max(limit * 3, 30);
    const filter = { kinds: options.kinds };
    const scored = new Map<string, { score: number; similarity?: number }>();

    let queryVector: Float32Array | undefined;
    if (mode !== 'fulltext') {
      queryVector = await this.embedder!.embed([query]);
      for (const h of this.chunkIndex.vectorSearch(queryVector, k, filter)) scored.set(h.id, { score: h.score, similarity: h.score });
    }
    const terms = fullTextTokens(query);
    // Read before the words are used: a slice of the load may complete while the query is embedded.
    const wordsPartial = byWords && !this.chunkIndex.fullTextComplete;
    if (mode === 'fulltext') {
      const ft = await this.chunkIndex.fullTextSearch(query, k, filter, !!options.partialWords);
      const best = ft[0]?.score || 1;
      for (const h of ft) scored.set(h.id, { score: h.score / best });
    } else if (mode === 'hybrid' && terms.length) {
      // The vector candidates, and as many chunks that hold the query's rare words, are ranked by their
      // similarity plus their BM25 score (relative to the best candidate's) × HYBRID_WEIGHT.
      const words = this.chunkIndex.wordScores(terms, typedPrefix(query), [...scored.keys()], k, Math.min(RARE_WORD_MAX, Math.max(RARE_WORD_MIN, RARE_WORD_SHARE * this.chunks.size)));
      const kinds = options.kinds?.length ? new Set(options.kinds) : undefined;
      for (const id of words.keys()) {
        if (scored.has(id)) continue;
        const v = this.chunkIndex.vectorOf(id);
        if (!v || (kinds && !kinds.has(this.chunkIndex.kindOfChunk(id)!))) {
          words.delete(id);
          continue;
        }
        let similarity = 0;
        for (let i = 0; i < v.length; i++) similarity += v[i] * queryVector![i];
        scored.set(id, { score: similarity, similarity });
      }
      const best = Math.max(0, ...words.values());
      if (best > 0) for (const [id, w] of words) scored.get(id)!.score += HYBRID_WEIGHT * (w / best);
    }

    const hits: SearchHit[] = [];
    // Equal scores (the same text in several places) go by chunk id, whichever way each chunk was found.
    const ranked = [...scored.entries()].sort((a, b) => b[1].score - a[1].score || (a[0] < b[0] ? -1 : 1));
    for (const [id, s] of ranked) {
      const c = this.chunks.get(id);
      if (!c) continue;
      if (options.minScore !== undefined && s.similarity !== undefined && s.similarity < options.minScore) continue;
      if (options.pathPrefix && !c.rel.startsWith(options.pathPrefix)) continue;
      if (options.root && c.root !== path.resolve(options.root)) continue;
      hits.push({
        root: c.root, path: c.rel, startLine: c.startLine, endLine: c.endLine, kind: c.kind, title: c.title, text: c.text,
        score: s.score, ...(s.similarity !== undefined ? { similarity: s.similarity } : {}), lang: c.lang, fileLanguage: c.fileLanguage,
        snippet: buildSnippet(c.text, terms),
      });
      if (hits.length >= limit) break;
    }
    return { hits, mode, ms: performance.now() - t0, ...(wordsPartial ? { wordsPartial: true as const } : {}) };
  }

  info(): IndexInfo {
    return {
      files: this.files.size, chunks: this.chunks.size, vectors: this.chunkIndex.vectorCount, bytesOnDisk: this.bytesOnDisk,
      model: this.modelInfo, roots: this.roots, skipped: this.skipped, ...(this.savedAt ? { savedAt: this.savedAt } : {}),
      ...(this.rebuildReason ? { storeProblem: this.rebuildReason } : {}),
      ...(this.lockedBy ? { readOnly: true } : {}),
    };
  }

  /** Empties the index in memory and on disk. */
  async clear(): Promise<void> {
    await this.becomeWriter();
    this.reset();
    await deleteSnapshot(this.config.storeDir);
  }

  async dispose(): Promise<void> {
    try {
      await this.embedder?.dispose();
    } finally {
      await this.lock?.dispose();
    }
  }
}

/** The sentence for a store another process writes. */
function lockedMessage(storeDir: string, owner: LockOwner | 'unknown'): string {
  const who = owner === 'unknown' ? 'Another process' : `Another process (pid ${owner.pid}${owner.host === hostname() ? '' : ` on ${owner.host}`})`;
  return `${who} is writing the index in ${storeDir}.`;
}

/** A file system error as a user reads it: what happened, then its code. */
function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const what: Record<string, string> = {
    ENOSPC: 'the disk is full', EDQUOT: 'the disk quota is used up', EFBIG: 'a file would exceed the file size limit',
    EACCES: 'permission denied', EPERM: 'permission denied', EROFS: 'the file system is read-only',
    ENOTDIR: 'a part of the path is a file, not a folder', EEXIST: 'a part of the path is a file, not a folder',
  };
  return code && what[code] ? `${what[code]}, ${code}` : (e as Error).message;
}

/** Token count without a model tokenizer (full-text only): about what XLM-R gives, erring long. */
function estimateTokens(text: string): number {
  let cjk = 0;
  for (const ch of text) if (ch.charCodeAt(0) >= 0x1100) cjk++;
  return 2 + cjk + Math.ceil((text.length - cjk) / 3);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
