import os from 'node:os';
import { EngineError } from '../../common/errors';
import { meanPoolNormalised } from './meanPooling';
import { resolveModelFiles, type ModelFiles } from './modelFiles';
import { TransformersModel } from './transformersJs';

// The engine resolves a model's files (their id decides whether a saved index fits) before it loads them.
export { resolveModelFiles, type ModelFiles };

/** Threads for onnxruntime: half the cores, so indexing never starves the editor of CPU. */
export function defaultThreads(): number {
  return Math.max(1, Math.floor(os.availableParallelism() / 2));
}

/**
 * A sentence-embedding model loaded from a local folder: mean pooling over the mask, then L2 normalisation.
 * It does what transformers.js's feature-extraction pipeline does (tokenise with padding and truncation,
 * run the model, pool), with the project's own tokenizer vocabulary (transformersJs.ts) and pooling
 * (meanPooling.ts).
 */
export class Embedder {
  private constructor(
    private readonly model: TransformersModel,
    readonly files: ModelFiles,
    readonly dim: number,
    readonly maxTokens: number,
  ) {}

  /** Loads the model of a folder, or of the files {@link resolveModelFiles} found in one. */
  static async load(folder: string | ModelFiles, threads = defaultThreads()): Promise<Embedder> {
    const files = typeof folder === 'string' ? resolveModelFiles(folder) : folder;
    let model: TransformersModel;
    try {
      model = await TransformersModel.load(files, threads);
    } catch (e) {
      throw new EngineError('model-invalid', `The model in ${files.dir} could not be loaded: ${(e as Error).message}`);
    }
    // The model's trained input length; longer inputs are cut by the tokenizer, so chunks are made to fit it.
    const modelMax = model.maxLength;
    const maxTokens = Number.isFinite(modelMax) && modelMax > 0 && modelMax < 100_000 ? Math.min(modelMax, 128) : 128;
    // The vector size, from the model's output: config.json names it differently in each architecture.
    const dim = (await new Embedder(model, files, 0, maxTokens).embed(['probe'])).length;
    return new Embedder(model, files, dim, maxTokens);
  }

  /** Tokens the model sees for `text`, special tokens included. */
  countTokens = (text: string): number => this.model.countTokens(text);

  /** Unit vectors for `texts`, row after row in one Float32Array of texts.length × dim. */
  async embed(texts: string[]): Promise<Float32Array> {
    const hidden = await this.model.hiddenStates(texts);
    const vectors = meanPoolNormalised(hidden.data, hidden.mask, hidden.batch, hidden.seq, hidden.dim);
    hidden.dispose();
    return vectors;
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}
