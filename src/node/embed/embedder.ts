import { EngineError } from '../../common/errors';
import type { Device, Effort, Threads } from '../../common/protocol/worker';
import { deviceProblem, onCpuInstead } from './device';
import { meanPoolNormalised } from './meanPooling';
import { resolveModelFiles, type ModelFiles } from './modelFiles';
import { halfTheCores, sessionThreads } from './threads';
import { TransformersModel, type TokenizerCopy } from './transformersJs';

// The engine resolves a model's files (their id decides whether a saved index fits) before it loads them.
export { resolveModelFiles, type ModelFiles };

/** Threads for onnxruntime by default: half the cores, so indexing never starves the editor of CPU. */
export const defaultThreads = halfTheCores;

type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

/**
 * Texts an indexing run embeds before it may move to all the cores. Making the all-cores session loads the
 * weights a second time, which costs about as much as a few batches: a small run (a saved file, files changed
 * on disk while the window is in the background) would never win that back, a first index or a branch
 * switch does.
 */
export const ALL_CORES_AFTER_TEXTS = 256;

/**
 * A sentence-embedding model loaded from a local folder: mean pooling over the mask, then L2 normalisation.
 * It does what transformers.js's feature-extraction pipeline does (tokenise with padding and truncation,
 * run the model, pool), with the project's own tokenizer vocabulary (transformersJs.ts) and pooling
 * (meanPooling.ts).
 *
 * With threads 'auto' it runs on half the cores, and an indexing batch runs on every core while the effort is
 * 'all' (the editor is idle): onnxruntime fixes a session's threads when the session is made, so that takes a
 * second session ({@link AllCoresSession}), made when a run past its first {@link ALL_CORES_AFTER_TEXTS} texts
 * first needs it, and released by {@link releaseAllCores} at the end of the run. Queries go through
 * {@link queries}, on half the cores. Which session embeds the batches is logged when it changes.
 */
export class Embedder {
  private effort: Effort = 'half';
  /** The session the last indexing batch ran on, so that only a change is logged. */
  private lastSession: Effort = 'half';
  /** Texts embedded by this run (since the last {@link releaseAllCores}). */
  private runTexts = 0;
  /**
   * The same model for queries: always on half the cores, so a search beside a run on all of them takes none
   * of that run's cores, and its texts do not count as the run's. It shares this one's session (disposing
   * this one disposes it); it is this one when there is no all-cores session.
   */
  readonly queries: Embedder;

  private constructor(
    /** The session on half the cores (or on the fixed count of threads): queries, and batches while someone works. */
    private readonly model: TransformersModel,
    private readonly halfThreads: number,
    private readonly allCores: AllCoresSession | undefined,
    readonly files: ModelFiles,
    readonly dim: number,
    readonly maxTokens: number,
    private readonly log: Log | undefined,
    /** Where the model runs, and why not on the device asked for when it could not. */
    readonly device: { device: Device; problem?: string },
  ) {
    this.queries = allCores ? new Embedder(model, halfThreads, undefined, files, dim, maxTokens, undefined, device) : this;
  }

  /**
   * Loads the model of a folder, or of the files {@link resolveModelFiles} found in one, on `threads`
   * onnxruntime threads (a count, or 'auto'), on `device` when this machine has it and on the CPU otherwise
   * (with a warning); `log` hears which session indexing batches run on.
   */
  static async load(folder: string | ModelFiles, threads: Threads = defaultThreads(), log?: Log, device: Device = 'cpu'): Promise<Embedder> {
    const files = typeof folder === 'string' ? resolveModelFiles(folder) : folder;
    const sessions = sessionThreads(threads);
    let model: TransformersModel;
    let problem = deviceProblem(device);
    try {
      const tell = (message: string) => log?.('info', message);
      model = await TransformersModel.load(files, sessions.half, problem ? 'cpu' : device, tell).catch(async (e: Error) => {
        if (device === 'cpu' || problem) throw e;
        problem = `the model could not be loaded there (${e.message})`;
        return TransformersModel.load(files, sessions.half, 'cpu', tell);
      });
    } catch (e) {
      throw new EngineError('model-invalid', `The model in ${files.dir} could not be loaded: ${(e as Error).message}`);
    }
    if (problem) log?.('warn', onCpuInstead(device, problem));
    const where = { device: model.device, ...(problem ? { problem: onCpuInstead(device, problem) } : {}) };
    // The model's trained input length; longer inputs are cut by the tokenizer, so chunks are made to fit it.
    const modelMax = model.maxLength;
    const maxTokens = Number.isFinite(modelMax) && modelMax > 0 && modelMax < 100_000 ? Math.min(modelMax, 128) : 128;
    // The vector size, from the model's output: config.json names it differently in each architecture.
    const dim = (await embedOn(model, ['probe'])).length;
    const allCores = sessions.all ? new AllCoresSession(model, files, sessions.all, log) : undefined;
    return new Embedder(model, sessions.half, allCores, files, dim, maxTokens, log, where);
  }

  /** The tokenizer, for a reading thread to make the same one without reading its files (transformersJs.ts). */
  tokenizerCopy(): TokenizerCopy | undefined {
    return this.model.tokenizerCopy();
  }

  /** Tokens the model sees for `text`, special tokens included. */
  countTokens = (text: string): number => this.model.countTokens(text);

  /**
   * How many cores the next indexing batches may use. Only threads 'auto' has a choice; with a fixed count
   * every batch runs on it.
   */
  setEffort(effort: Effort): void {
    this.effort = effort;
  }

  /**
   * Unit vectors for `texts` (passages being indexed), row after row in one Float32Array of texts.length × dim.
   * The batch runs on every core while the effort is 'all' (once the run is past {@link ALL_CORES_AFTER_TEXTS}),
   * else on half; the vectors are the same either way.
   */
  async embed(texts: string[]): Promise<Float32Array> {
    const allCores = this.effort === 'all' && this.runTexts >= ALL_CORES_AFTER_TEXTS;
    this.runTexts += texts.length;
    const onAllCores = allCores ? await this.allCores?.embed(texts) : undefined;
    this.noteSession(onAllCores ? 'all' : 'half');
    return onAllCores ?? embedOn(this.model, texts);
  }


  /** Ends an indexing run's use of every core: the all-cores session, if one was made, is released. */
  async releaseAllCores(): Promise<void> {
    if (await this.allCores?.release()) this.log?.('info', `Released the onnxruntime session on all ${this.allCores?.threads} cores: the indexing run ended.`);
    this.lastSession = 'half';
    this.runTexts = 0;
  }

  /** Logs the session indexing batches run on when it changes (the tests of the effort read these lines). */
  private noteSession(session: Effort): void {
    if (session === this.lastSession) return;
    this.lastSession = session;
    const all = this.allCores?.threads;
    this.log?.('info', session === 'all' ? `Indexing on all ${all} cores while the editor is idle.` : `Indexing on ${this.halfThreads} of ${all} cores.`);
  }

  async dispose(): Promise<void> {
    await this.allCores?.release();
    await this.model.dispose();
  }
}

/** Unit vectors for `texts` on one session. */
async function embedOn(model: TransformersModel, texts: string[]): Promise<Float32Array> {
  const hidden = await model.hiddenStates(texts);
  const vectors = meanPoolNormalised(hidden.data, hidden.mask, hidden.batch, hidden.seq, hidden.dim);
  hidden.dispose();
  return vectors;
}

/**
 * The second onnxruntime session of threads 'auto', on every core. It holds a second copy of the weights
 * (about the model file's size in memory), so it exists only while an indexing run uses it: made by the first
 * batch that runs while the editor is idle, released when the run ends. A worker at rest holds one session.
 */
class AllCoresSession {
  /** The session being made or made; it resolves undefined if it could not be made (until the next release). */
  private session: Promise<TransformersModel | undefined> | undefined;
  /** Batches running on it: a release waits for them. */
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly base: TransformersModel, private readonly files: ModelFiles, readonly threads: number, private readonly log: Log | undefined) {}

  /** The batch's vectors from the all-cores session, or undefined if there is none (the caller uses half the cores). */
  embed(texts: string[]): Promise<Float32Array | undefined> {
    const batch = this.made().then((model) => (model ? embedOn(model, texts) : undefined));
    this.running.add(batch);
    void batch.catch(() => undefined).finally(() => this.running.delete(batch));
    return batch;
  }

  /** Releases the session once its batches are done; true if there was one. */
  async release(): Promise<boolean> {
    const session = this.session;
    this.session = undefined;
    await Promise.allSettled([...this.running]);
    const model = await session;
    await model?.dispose();
    return !!model;
  }

  private made(): Promise<TransformersModel | undefined> {
    this.session ??= this.base.withThreads(this.files, this.threads).catch((e: Error) => {
      // Memory may be short for a second copy of the weights: indexing goes on, on half the cores.
      this.log?.('warn', `A session on all ${this.threads} cores could not be made (${e.message}); indexing stays on half of them.`);
      return undefined;
    });
    return this.session;
  }
}
