import os from 'node:os';
import path from 'node:path';
import { EngineError } from '../common/errors';
import type { IndexInfo, IndexProgress, IndexRequest, IndexSummary, Searchable, SearchOptions, SearchResult } from '../common/protocol/engine';
import type { Effort, Threads } from '../common/protocol/worker';
import type { CancelToken } from '../common/protocol/workerClient';
import { Embedder, resolveModelFiles } from './embed/embedder';
import {
  deleteSnapshot, describeFsError, loadSnapshot, otherDimension, removeDeadWritersFiles, saveSnapshot, storedGeneration, type LoadResult,
} from './index/persist';
import { lockedMessage, StoreLock, type LockOwner } from './index/storeLock';
import type { Device } from '../common/protocol/worker';
import { WorkspaceIndex } from './index/workspaceIndex';
import {
  applyChanges, BATCH_SIZE, changesIndex, diffFiles, embedTexts, estimateTokens, readFiles, reusedTexts, scanFiles, waitingTexts, type Changes,
  type EmbedStats, type Found, type ReadFile, type Scan, type StepControl, type WaitingText,
} from './indexSteps';
import { rankChunks, type SearchParts } from './ranking';
import { ReadThread, startReadWorker, type ThreadTokenizer } from './readThread';
import { inShard } from './team/shard';
import { takeFromSeed } from './team/seedFile';
import { loadSeed } from './team/seedSource';

/** Vectors of texts no longer in the index that are kept (a branch switch back re-embeds nothing). */
const MIN_ORPHAN_VECTORS = 2000;
/** While embedding, what is done is saved at least this often: a kill loses at most this much work. */
const CHECKPOINT_MS = 30_000;
/** A run that reads at least this many files shares them out with a reading thread (readThread.ts). */
const READ_THREAD_MIN_FILES = 200;

export interface EngineConfig {
  /** Without a model folder the engine indexes and searches words only (dim 0, model id 'none'). */
  modelDir?: string;
  storeDir: string;
  threads?: Threads;
  /** Where onnxruntime runs the model; one this machine's onnxruntime lacks falls back to the CPU, with a warning. */
  device?: Device;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Only read the store (the CLI's search): no lock is taken, and indexing is refused. */
  readOnly?: boolean;
  /** While embedding, save what is done at least this often (ms); default CHECKPOINT_MS (30 s). */
  checkpointMs?: number;
  /**
   * The reading thread's script (readThread.ts), for an engine run from the TypeScript sources that should
   * start the bundled thread as the product does (the bench); by default dist/readThread.js beside the bundle.
   */
  readThreadScript?: string;
  /**
   * Test seam, unset in the product: awaited before each embedding batch, so that a test can hold a run
   * between its words and its meanings (and look at the index and the store meanwhile).
   */
  beforeEmbedBatch?: () => Promise<void>;
}

/**
 * The search engine, as the worker (src/worker) and the CLI use it: it keeps a workspace's index
 * ({@link WorkspaceIndex}) in memory and in `storeDir`, brings it up to date, and answers queries.
 *
 * - A file goes: scan → diff → read (files/) → split (split/) → apply (index/: searchable by its words) →
 *   save → embed (embed/), batch by batch, with checkpoints (index/persist.ts); the steps are in
 *   indexSteps.ts, and {@link index} runs them in order.
 * - A query goes: {@link search} → ranking.ts → the vector store's nearest chunks and the full text's word
 *   scores → hits.
 * - The store on disk has one writer (index/storeLock.ts): this engine, or another process whose last save
 *   this one searches read-only until the lock is free.
 * It never touches VS Code.
 */
export class Engine {
  private workspace: WorkspaceIndex;
  private bytesOnDisk = 0;
  private savedAt: string | undefined;
  private rebuildReason: string | undefined;
  /** The saved generation the index in memory is (or was loaded from); undefined when none. */
  private generation: string | undefined;
  /** Another process held the store's lock at the last try: this engine searches the last saved index. */
  private lockedBy: LockOwner | 'unknown' | undefined;
  /** Memory holds changes the store does not (the last save failed, or none was made yet): the next run saves. */
  private unsaved = false;
  /** Runs (index, clear) going on: the lock is let go only between runs. */
  private runs = 0;
  /** A run taking the lock, and reading the latest save if another process holds it: a refresh waits for it. */
  private becoming: Promise<void> | undefined;
  /** The refresh in flight: concurrent callers share it. */
  private refreshing: Promise<boolean> | undefined;
  /** Reads the files of a long run beside this thread, sharing them out with it. */
  private readonly readThread: ReadThread;
  /** A saved generation a refresh found unusable (another model, damaged): not read again until it changes. */
  private refusedGeneration: string | undefined;

  /** Model identity and size; dim 0 when there is no model and search works by words only. */
  readonly modelInfo: { id: string; dim: number; dtype: string };
  /** Where the model runs, and why not on the device asked for when it could not. */
  readonly deviceInfo: { device: Device; problem?: string };

  private constructor(
    private readonly embedder: Embedder | undefined,
    private readonly config: EngineConfig,
    /** One writer per store: held from open to dispose; undefined when opened read-only. */
    private readonly lock: StoreLock | undefined,
  ) {
    this.modelInfo = embedder ? { id: embedder.files.id, dim: embedder.dim, dtype: embedder.files.dtype } : { id: 'none', dim: 0, dtype: 'none' };
    this.deviceInfo = embedder?.device ?? { device: 'cpu' };
    this.workspace = WorkspaceIndex.empty(this.modelInfo.dim);
    this.readThread = new ReadThread((message) => config.log?.('warn', message), (setup) => startReadWorker(setup, config.readThreadScript));
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
        files ? Embedder.load(files, config.threads, config.log, config.device) : undefined,
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
    return this.workspace.ready;
  }

  /** What a search runs on — the index in memory and the model — for timing a query's steps one by one (`npm run bench`). */
  get searchParts(): SearchParts {
    return { index: this.workspace, embedder: this.embedder?.queries };
  }

  private useStore(res: LoadResult): void {
    if (res.status === 'loaded' && res.snapshot.dim !== this.modelInfo.dim) {
      res = { status: 'invalid', reason: otherDimension(res.snapshot.dim, this.modelInfo.dim) };
    }
    if (res.status === 'invalid') {
      this.rebuildReason = res.reason;
      this.config.log?.('warn', `The stored index is rebuilt: ${res.reason}.`);
      return;
    }
    if (res.status === 'empty') return;
    this.workspace = WorkspaceIndex.fromSnapshot(res.snapshot);
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
    const step = this.takeLock(this.lock);
    this.becoming = step;
    try {
      await step;
    } finally {
      if (this.becoming === step) this.becoming = undefined;
    }
  }

  private async takeLock(lock: StoreLock): Promise<void> {
    let attempt;
    try {
      attempt = await lock.tryAcquire();
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
    // Searches meanwhile answer from the index held until the new one is there.
    const loaded = await loadSnapshot(this.config.storeDir, { modelId: this.modelInfo.id });
    this.reset();
    this.rebuildReason = undefined;
    this.useStore(loaded);
  }

  /**
   * Brings the index up to date with the files under `roots` (the complete set: files of other roots
   * leave the index). Unchanged files are not read, texts embedded before are not embedded again.
   *
   * The files read are applied whole or not at all, before anything is embedded: a file's old chunks leave and
   * its new ones come in at once, and from then on every file is searchable by its words. A run that fails
   * there is done again by the next run. Then every text the index waits for is embedded (this run's and
   * those a stopped run left), by priority, each batch searchable by meaning as it comes, with a checkpoint
   * saved at least every `checkpointMs`; a cancel saves what is done before it ends the run.
   */
  async index(request: IndexRequest, onProgress?: (p: IndexProgress) => void, token?: CancelToken): Promise<IndexSummary> {
    this.runs++;
    try {
      return await this.indexRun(request, onProgress, token);
    } finally {
      this.runs--;
    }
  }

  private async indexRun(request: IndexRequest, onProgress?: (p: IndexProgress) => void, token?: CancelToken): Promise<IndexSummary> {
    await this.becomeWriter();
    const t0 = performance.now();
    const control: StepControl = {
      onProgress,
      checkCancel: () => {
        if (token?.isCancellationRequested) throw new EngineError('cancelled', 'Indexing was cancelled.');
      },
    };
    // A first index reads every file: its reading thread makes its tokenizer while the files are listed.
    if (this.workspace.files.size === 0 && os.availableParallelism() > 1) this.readThread.prepare(this.threadTokenizer());
    let scan: Scan;
    try {
      scan = await scanFiles(request, this.workspace.skipped, control);
    } catch (e) {
      await this.readThread.stop();
      throw e;
    }
    const { toRead, recheck, changes } = diffFiles(this.workspace.files, scan);
    const rechanged = await this.read(scan, toRead, recheck, changes, control);
    control.checkCancel();
    if (await this.droppedUnbuildable()) return this.indexRun(request, onProgress, token);
    const reused = this.embedder ? reusedTexts(changes.changed, this.workspace.vectors) : 0;
    // From here on the run's files are in the index; a cancel only stops the embedding of their meanings.
    await this.apply(scan, changes);
    const seed = await this.takeSeed(request, token);
    const queue = this.embedQueue(request, changes);
    // A run with one batch or less to embed saves once, at its end: every file saved in the editor would
    // otherwise cost two saves of the whole store.
    if (this.unsaved && queue.length > BATCH_SIZE) await this.saveRun(onProgress);
    const embedded = await this.embedWaiting(queue, control);
    if (this.unsaved) await this.saveRun(onProgress);
    const rebuiltBecause = this.rebuildReason;
    this.rebuildReason = undefined;
    return {
      files: this.workspace.files.size, chunks: this.workspace.chunks.size, embedded: embedded.embedded, reused, seeded: seed.seeded,
      ...(seed.problem ? { seedProblem: seed.problem } : {}),
      waiting: this.workspace.vectors.waitingChunkCount, read: toRead.length + rechanged, removed: new Set(changes.dropFiles).size,
      skipped: scan.skipped, paddingWaste: embedded.paddingWaste, ...(rebuiltBecause ? { rebuiltBecause } : {}), ms: Math.round(performance.now() - t0),
    };
  }

  /**
   * Reads the files to read, then those to recheck (which count as read only when they changed); gives how
   * many of the latter changed.
   */
  private async read(scan: Scan, toRead: Found[], recheck: Found[], changes: Changes, control: StepControl): Promise<number> {
    const tokens = { countTokens: this.embedder?.countTokens ?? estimateTokens, maxTokens: this.embedder?.maxTokens ?? 128 };
    const w = this.workspace;
    const thread = toRead.length >= READ_THREAD_MIN_FILES && os.availableParallelism() > 1 ? this.readThread : undefined;
    if (!thread) await this.readThread.stop();
    // A first index adds each file as soon as it is read, in order: Orama indexes the words of one file while
    // the next ones are read. A run that fails or is cancelled before its end leaves the index as last saved.
    const addAsRead = w.files.size === 0 && w.chunks.size === 0 && w.fullText.complete;
    const add = async (file: ReadFile): Promise<void> => {
      await w.addFile(file.record, file.chunks);
      changes.applied = (changes.applied ?? 0) + 1;
    };
    thread?.start(toRead, this.threadTokenizer());
    try {
      await w.fullText.withWords(thread?.knownWords ?? new Map(), () => readFiles(scan, toRead, w, changes, tokens, control, thread, addAsRead ? add : undefined));
      return await readFiles(scan, recheck, w, changes, tokens, { checkCancel: control.checkCancel });
    } catch (e) {
      if (changes.applied) await this.restore();
      throw e;
    } finally {
      await thread?.stop();
    }
  }

  /** The tokenizer of the reading thread: a copy of the model's, or the model folder's, or none. */
  private threadTokenizer(): ThreadTokenizer {
    return { modelDir: this.embedder?.files.dir, copy: this.embedder?.tokenizerCopy(), maxTokens: this.embedder?.maxTokens ?? 128 };
  }

  /** Every text the index waits for, in the order to embed them (none without a model). */
  private embedQueue(request: IndexRequest, changes: Changes): WaitingText[] {
    if (!this.embedder) return [];
    // The texts read in this run were counted then. Those a stopped run left are estimated: counting them again
    // takes ~0.1 ms each (20 s before the first batch of a 200k-passage resume), and the order only needs
    // lengths close enough to keep the padding of a batch small.
    const counted = new Map(changes.changed.flatMap((f) => f.inputs.map((i) => [i.hash, i.tokens] as const)));
    const first = new Set((request.priorityPaths ?? []).map((p) => path.resolve(p)));
    const queue = waitingTexts(this.workspace, { first, now: Date.now() }, (hash, text) => counted.get(hash) ?? estimateTokens(text));
    // A shard of a CI matrix embeds its own texts; the others keep waiting, for the stores to be merged.
    const shard = request.shard;
    return shard ? queue.filter((t) => inShard(t.hash, shard)) : queue;
  }

  /**
   * Gives the texts the index waits for their vectors from the request's seed, when it has one and something
   * waits: only the texts the seed lacks are embedded then. A seed that cannot be used (another model, a
   * damaged or truncated file, an address that cannot be reached) is logged and reported; the run goes on
   * and embeds everything itself.
   */
  private async takeSeed(request: IndexRequest, token: CancelToken | undefined): Promise<{ seeded: number; problem?: string }> {
    if (!request.seed || !this.embedder || !this.workspace.vectors.waiting.size) return { seeded: 0 };
    const abort = new AbortController();
    const listener = token?.onCancellationRequested(() => abort.abort());
    let seed;
    try {
      seed = await loadSeed(request.seed, { storeDir: this.config.storeDir, modelId: this.modelInfo.id, dim: this.modelInfo.dim, signal: abort.signal });
    } finally {
      listener?.dispose();
    }
    if (token?.isCancellationRequested) {
      if (this.unsaved) await this.saveRun();
      throw new EngineError('cancelled', 'Indexing was cancelled.');
    }
    if ('problem' in seed) {
      const problem = `The index seed ${request.seed} was not used: ${seed.problem}; the texts are embedded on this machine.`;
      this.config.log?.('warn', problem);
      return { seeded: 0, problem };
    }
    const taken = takeFromSeed(seed, this.workspace.vectors);
    for (const hash of taken) this.workspace.seeded.add(hash);
    if (taken.length) this.unsaved = true;
    this.config.log?.('info', `Took ${taken.length} vectors from the index seed ${request.seed} (it holds ${seed.hashes.length}).`);
    return { seeded: taken.length };
  }

  /**
   * Embeds the queued texts, batch by batch, saving a checkpoint at least every `checkpointMs`. A cancel
   * between two batches saves what is done, then ends the run: the next one embeds only what still waits.
   */
  private async embedWaiting(queue: readonly WaitingText[], control: StepControl): Promise<EmbedStats> {
    if (!this.embedder || !queue.length) return { embedded: 0, paddingWaste: 0 };
    const checkpointMs = this.config.checkpointMs ?? CHECKPOINT_MS;
    let savedAt = performance.now();
    let stats: EmbedStats;
    try {
      stats = await embedTexts(queue, this.workspace.vectors, this.embedder, {
        beforeBatch: async (p) => {
          await this.config.beforeEmbedBatch?.();
          control.checkCancel();
          control.onProgress?.({ ...p, searchable: this.searchable() });
        },
        afterBatch: async (done) => {
          this.unsaved = true;
          // After the last batch the run's own save follows.
          if (done === queue.length || performance.now() - savedAt < checkpointMs) return;
          await this.saveRun();
          savedAt = performance.now();
        },
      });
    } catch (e) {
      if (e instanceof EngineError && e.code === 'cancelled' && this.unsaved) await this.saveRun();
      throw e;
    }
    control.onProgress?.({ phase: 'embedding', done: queue.length, total: queue.length, searchable: this.searchable() });
    return stats;
  }

  /** What the index can be searched for now. */
  private searchable(): Searchable {
    const w = this.workspace;
    return { files: w.files.size, chunks: w.chunks.size, embeddedChunks: w.vectors.chunkCount };
  }

  /**
   * Applies the run to the index, whole or not at all: after any failure the index is as last saved again,
   * so the next run finds everything since that save to do (the vectors held are kept).
   */
  private async apply(scan: Scan, changes: Changes): Promise<void> {
    if (changesIndex(this.workspace, scan, changes) || this.rebuildReason || this.savedAt === undefined) this.unsaved = true;
    try {
      await this.workspace.fullText.withWords(this.readThread.takeWords(), () => applyChanges(this.workspace, scan, changes));
    } catch (e) {
      await this.restore();
      throw e;
    }
  }

  /** Puts the index back as last saved, keeping the vectors held. */
  private async restore(): Promise<void> {
    const vectors = this.workspace.vectors;
    await this.reload();
    this.workspace.vectors.copyRowsOf(vectors);
  }

  /**
   * Saves what the runs since the last save changed; until a save succeeds, every run tries again. Reported
   * as 'saving' when `onProgress` is given (the checkpoints while embedding are not).
   */
  private async saveRun(onProgress?: (p: IndexProgress) => void): Promise<void> {
    // Keeps every vector in use and the most recent unused ones, up to a quarter of the index (at least 2,000).
    this.workspace.vectors.prune((used) => Math.max(MIN_ORPHAN_VECTORS, Math.floor(used / 4)));
    onProgress?.({ phase: 'saving', done: 0, total: 1, searchable: this.searchable() });
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
    this.workspace = WorkspaceIndex.empty(this.modelInfo.dim);
    this.bytesOnDisk = 0;
    this.savedAt = undefined;
    this.generation = undefined;
    this.unsaved = false;
  }

  private async save(): Promise<void> {
    const lock = this.lock;
    let saved: { bytes: number; generation: string };
    try {
      saved = await saveSnapshot(this.config.storeDir, this.workspace.snapshot(this.modelInfo.id), { verifyWriter: async () => lock?.verify() });
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

  /** Ranked chunks for a query in any language (see ranking.ts). */
  search(query: string, options: SearchOptions = {}): Promise<SearchResult> {
    return rankChunks(this.searchParts, query, options);
  }

  /** How many cores indexing may use from its next batch on (threads 'auto' only; see Embedder). */
  setEffort(effort: Effort): void {
    this.embedder?.setEffort(effort);
  }

  /** Ends an indexing run's use of every core: the second onnxruntime session, if one was made, is released. */
  async releaseAllCores(): Promise<void> {
    await this.embedder?.releaseAllCores();
  }

  info(): IndexInfo {
    const w = this.workspace;
    return {
      files: w.files.size, chunks: w.chunks.size, embeddedChunks: w.vectors.chunkCount, vectors: w.vectors.rowCount, bytesOnDisk: this.bytesOnDisk,
      ...(w.seeded.size ? { seeded: w.seededChunks() } : {}),
      model: this.modelInfo, roots: w.roots, skipped: w.skipped, ...(this.savedAt ? { savedAt: this.savedAt } : {}),
      ...(this.rebuildReason ? { storeProblem: this.rebuildReason } : {}),
      ...(this.lockedBy ? { readOnly: true } : {}),
    };
  }

  /** Empties the index in memory and on disk. */
  async clear(): Promise<void> {
    this.runs++;
    try {
      await this.becomeWriter();
      this.reset();
      await deleteSnapshot(this.config.storeDir);
    } finally {
      this.runs--;
    }
  }

  /**
   * For an engine that does not write the store now (opened read-only, or another process holds the lock, or
   * this one let it go): takes up the index another process saved since this one was loaded. Cheap when nothing
   * changed (one read of the small manifest); concurrent calls share one. Gives whether the index was replaced.
   * A writer, or an engine in the middle of a run, keeps its own index: it is what the store holds, or will.
   */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.refreshOnce().finally(() => { this.refreshing = undefined; });
    return this.refreshing;
  }

  private async refreshOnce(): Promise<boolean> {
    const before = this.generation;
    for (;;) {
      // A run taking the lock reads the latest save itself when refused (its index must not be swapped under
      // it): wait for it, whenever it starts, then look again. A run that took the lock keeps its own index.
      if (this.becoming) {
        await this.becoming.catch(() => undefined);
        continue;
      }
      if (this.lock?.held) return this.generation !== before;
      const stored = await storedGeneration(this.config.storeDir);
      if (this.becoming) continue;
      if (stored === this.generation || (stored !== undefined && stored === this.refusedGeneration)) return this.generation !== before;
      const loaded = await loadSnapshot(this.config.storeDir, { modelId: this.modelInfo.id });
      if (this.becoming || this.lock?.held) continue;
      this.reset();
      this.rebuildReason = undefined;
      this.useStore(loaded);
      this.refusedGeneration = this.generation === undefined ? stored : undefined;
      return true;
    }
  }

  /**
   * Lets another process become the store's writer (an editor opened on the same folder) until this engine's
   * next run, which takes the lock again if it is free and starts from whatever was saved meanwhile. Meant to be
   * called between runs; a run in flight keeps the lock.
   */
  async releaseLock(): Promise<void> {
    if (this.runs === 0 && this.lock?.held) await this.lock.dispose();
  }

  async dispose(): Promise<void> {
    try {
      await this.readThread.stop();
      await this.embedder?.dispose();
    } finally {
      await this.lock?.dispose();
    }
  }
}
