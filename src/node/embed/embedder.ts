import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { env, pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers';
import { EngineError } from '../../common/errors';

/** onnx file suffixes of the Hugging Face layout, in the order we prefer them (int8 first). */
const DTYPES: { dtype: 'q8' | 'int8' | 'uint8' | 'fp32' | 'fp16'; suffix: string }[] = [
  { dtype: 'q8', suffix: '_quantized' },
  { dtype: 'int8', suffix: '_int8' },
  { dtype: 'uint8', suffix: '_uint8' },
  { dtype: 'fp32', suffix: '' },
  { dtype: 'fp16', suffix: '_fp16' },
];

/** The files of a model folder the embedder will load. */
export interface ModelFiles {
  dir: string;
  /** Folder of the .onnx file relative to dir: 'onnx' (Hugging Face layout) or '' (file at the top). */
  subfolder: string;
  dtype: (typeof DTYPES)[number]['dtype'];
  onnxFile: string;
  /** Stable identity of the weights and tokenizer: an index built with another id is rebuilt. */
  id: string;
}

/**
 * Checks that `dir` is a local sentence-embedding model folder (config.json, tokenizer.json, an .onnx file)
 * and picks the int8 weights when present, fp32 otherwise.
 */
export function resolveModelFiles(dir: string): ModelFiles {
  const abs = path.resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new EngineError('model-missing', `Model folder not found: ${abs}.`);
  }
  for (const f of ['config.json', 'tokenizer.json']) {
    if (!existsSync(path.join(abs, f))) {
      throw new EngineError('model-invalid', `${abs} is not a model folder: ${f} is missing (expected the Hugging Face layout: config.json, tokenizer.json, onnx/model_quantized.onnx).`);
    }
  }
  for (const subfolder of ['onnx', '']) {
    const folder = path.join(abs, subfolder);
    if (!existsSync(folder)) continue;
    const names = new Set(readdirSync(folder));
    for (const { dtype, suffix } of DTYPES) {
      const onnxFile = `model${suffix}.onnx`;
      if (!names.has(onnxFile)) continue;
      const hash = createHash('sha256');
      hash.update(readFileSync(path.join(abs, 'config.json')));
      hash.update(readFileSync(path.join(abs, 'tokenizer.json')));
      hash.update(`${subfolder}/${onnxFile}:${statSync(path.join(folder, onnxFile)).size}`);
      return { dir: abs, subfolder, dtype, onnxFile, id: `${path.basename(abs)}@${hash.digest('hex').slice(0, 16)}` };
    }
  }
  throw new EngineError('model-invalid', `${abs} is not a model folder: no onnx/model_quantized.onnx or onnx/model.onnx in it.`);
}

/** Threads for onnxruntime: half the cores, so indexing never starves the editor of CPU. */
export function defaultThreads(): number {
  return Math.max(1, Math.floor(os.availableParallelism() / 2));
}

/** A sentence-embedding model loaded from a local folder: mean pooling over the mask, then L2 normalisation. */
export class Embedder {
  private constructor(
    private readonly extractor: FeatureExtractionPipeline,
    readonly files: ModelFiles,
    readonly dim: number,
    readonly maxTokens: number,
  ) {}

  static async load(dir: string, threads = defaultThreads()): Promise<Embedder> {
    const files = resolveModelFiles(dir);
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    let extractor: FeatureExtractionPipeline;
    try {
      extractor = await pipeline('feature-extraction', files.dir, {
        local_files_only: true,
        dtype: files.dtype,
        subfolder: files.subfolder,
        device: 'cpu',
        session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
      });
    } catch (e) {
      throw new EngineError('model-invalid', `The model in ${files.dir} could not be loaded: ${(e as Error).message}`);
    }
    const probe = await extractor('probe', { pooling: 'mean', normalize: true });
    const dim = probe.dims[probe.dims.length - 1];
    // The model's trained input length; longer inputs are cut by the tokenizer, so chunks are made to fit it.
    const modelMax = Number(extractor.tokenizer.model_max_length);
    const maxTokens = Number.isFinite(modelMax) && modelMax > 0 && modelMax < 100_000 ? Math.min(modelMax, 128) : 128;
    return new Embedder(extractor, files, dim, maxTokens);
  }

  /** Tokens the model sees for `text`, special tokens included. */
  countTokens = (text: string): number => this.extractor.tokenizer.encode(text).length;

  /** Unit vectors for `texts`, row after row in one Float32Array of texts.length × dim. */
  async embed(texts: string[]): Promise<Float32Array> {
    const out = await this.extractor(texts, { pooling: 'mean', normalize: true });
    return out.data as Float32Array;
  }

  async dispose(): Promise<void> {
    await this.extractor.dispose();
  }
}
