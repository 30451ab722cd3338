import { createHash } from 'node:crypto';
import { existsSync, promises as fs, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as transformers from '@huggingface/transformers';
import { AutoModel, AutoTokenizer, env, PreTrainedTokenizer, type PreTrainedModel, type Tensor } from '@huggingface/transformers';
import { EngineError } from '../../common/errors';
import { hashModelFiles } from './modelHashCache';
import { installUnigram, type UnigramModel } from './unigram';

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
  /**
   * Identity of the weights, the tokenizer and the config, from their content: an index built with another
   * id is rebuilt, so new weights never meet the old vectors (even at the same size and modification time).
   */
  id: string;
  /** Bytes read to identify the model; 0 when every file's hash was cached (see modelHashCache.ts). */
  hashedBytes: number;
}

/**
 * Checks that `dir` is a local sentence-embedding model folder (config.json, tokenizer.json, an .onnx file)
 * and picks the int8 weights when present, fp32 otherwise. `cacheDir` (the index folder) keeps the files'
 * hashes for the next start; `updateCache: false` only reads it (a process that does not write the index).
 */
export function resolveModelFiles(dir: string, options: { cacheDir?: string; updateCache?: boolean } = {}): ModelFiles {
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
      const files = [path.join(abs, 'config.json'), path.join(abs, 'tokenizer.json'), path.join(folder, onnxFile)];
      const { sha256, hashedBytes } = hashModelFiles(files, options.cacheDir, options.updateCache ?? true);
      const id = createHash('sha256').update(`${sha256[0]} ${sha256[1]} ${subfolder}/${onnxFile} ${sha256[2]}`).digest('hex').slice(0, 16);
      return { dir: abs, subfolder, dtype, onnxFile, id: `${path.basename(abs)}@${id}`, hashedBytes };
    }
  }
  throw new EngineError('model-invalid', `${abs} is not a model folder: no onnx/model_quantized.onnx or onnx/model.onnx in it.`);
}

/** Threads for onnxruntime: half the cores, so indexing never starves the editor of CPU. */
export function defaultThreads(): number {
  return Math.max(1, Math.floor(os.availableParallelism() / 2));
}

/**
 * A sentence-embedding model loaded from a local folder: mean pooling over the mask, then L2 normalisation.
 * It does what transformers.js's feature-extraction pipeline does (tokenise with padding and truncation,
 * run the model, pool), with two parts of its own: the tokenizer ({@link loadTokenizer}) and the pooling,
 * which in transformers.js converts every mask entry from BigInt once per dimension and walks the hidden
 * states across rows — about 4 % of each indexing batch.
 */
export class Embedder {
  private constructor(
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly model: PreTrainedModel,
    readonly files: ModelFiles,
    readonly dim: number,
    readonly maxTokens: number,
  ) {}

  /** Loads the model of a folder, or of the files {@link resolveModelFiles} found in one. */
  static async load(folder: string | ModelFiles, threads = defaultThreads()): Promise<Embedder> {
    const files = typeof folder === 'string' ? resolveModelFiles(folder) : folder;
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    let tokenizer: PreTrainedTokenizer, model: PreTrainedModel;
    try {
      [tokenizer, model] = await Promise.all([
        loadTokenizer(files.dir),
        AutoModel.from_pretrained(files.dir, {
          local_files_only: true,
          dtype: files.dtype,
          subfolder: files.subfolder,
          device: 'cpu',
          session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
        }),
      ]);
    } catch (e) {
      throw new EngineError('model-invalid', `The model in ${files.dir} could not be loaded: ${(e as Error).message}`);
    }
    // The model's trained input length; longer inputs are cut by the tokenizer, so chunks are made to fit it.
    const modelMax = Number(tokenizer.model_max_length);
    const maxTokens = Number.isFinite(modelMax) && modelMax > 0 && modelMax < 100_000 ? Math.min(modelMax, 128) : 128;
    const embedder = new Embedder(tokenizer, model, files, 0, maxTokens);
    const probe = await embedder.run(['probe']);
    return new Embedder(tokenizer, model, files, probe.dim, maxTokens);
  }

  /** Tokens the model sees for `text`, special tokens included. */
  countTokens = (text: string): number => this.tokenizer.encode(text).length;

  /** Unit vectors for `texts`, row after row in one Float32Array of texts.length × dim. */
  async embed(texts: string[]): Promise<Float32Array> {
    return (await this.run(texts)).vectors;
  }

  private async run(texts: string[]): Promise<{ vectors: Float32Array; dim: number }> {
    const inputs = this.tokenizer(texts, { padding: true, truncation: true });
    const out = await this.model(inputs);
    const hidden: Tensor = out.last_hidden_state ?? out.token_embeddings;
    const [batch, seq, dim] = hidden.dims;
    const vectors = meanPoolNormalised(hidden.data as Float32Array, inputs.attention_mask.data as BigInt64Array, batch, seq, dim);
    hidden.dispose();
    return { vectors, dim };
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}

/** The mean of each row's unmasked token vectors ([batch, seq, dim] → [batch, dim]), L2-normalised. */
export function meanPoolNormalised(hidden: Float32Array, mask: BigInt64Array, batch: number, seq: number, dim: number): Float32Array {
  const out = new Float32Array(batch * dim);
  const sum = new Float64Array(dim);
  for (let b = 0; b < batch; b++) {
    sum.fill(0);
    let tokens = 0;
    for (let t = 0; t < seq; t++) {
      if (mask[b * seq + t] === 0n) continue;
      tokens++;
      const off = (b * seq + t) * dim;
      for (let i = 0; i < dim; i++) sum[i] += hidden[off + i];
    }
    let norm = 0;
    for (let i = 0; i < dim; i++) norm += sum[i] * sum[i];
    // The mean's direction is the sum's: dividing by the token count first would not change the unit vector.
    const scale = tokens && norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let i = 0; i < dim; i++) out[b * dim + i] = sum[i] * scale;
  }
  return out;
}

/** The parts of a transformers.js tokenizer that {@link loadTokenizer} reaches into (not in its types). */
interface TokenizerInternals {
  _tokenizer: { model: UnigramModel; added_tokens: { id: number; content: string }[]; token_to_id(token: string): number | undefined };
}

const SPECIAL_TOKENS = ['bos', 'eos', 'unk', 'sep', 'pad', 'cls', 'mask'] as const;

/**
 * The tokenizer of a model folder, as AutoTokenizer would load it, but with a SentencePiece Unigram
 * vocabulary (XLM-R's) in the compact form of {@link installUnigram}: transformers.js builds the
 * tokenizer on a stub vocabulary, then gets the real one without its per-character trie. Other
 * tokenizers (WordPiece, BPE) load as they are.
 */
export async function loadTokenizer(dir: string): Promise<PreTrainedTokenizer> {
  const configFile = path.join(dir, 'tokenizer_config.json');
  const json = JSON.parse(await fs.readFile(path.join(dir, 'tokenizer.json'), 'utf8'));
  const model = json?.model;
  const vocab = model?.vocab;
  const unkId = model?.unk_id;
  if (model?.type !== 'Unigram' || !Array.isArray(vocab) || !Number.isInteger(unkId) || unkId < 0 || unkId >= vocab.length || !existsSync(configFile)) {
    return AutoTokenizer.from_pretrained(dir, { local_files_only: true });
  }
  const config = JSON.parse(await fs.readFile(configFile, 'utf8'));
  // The class AutoTokenizer would pick (it sets e.g. whether token type ids are returned).
  const named = (transformers as Record<string, unknown>)[String(config.tokenizer_class ?? '').replace(/Fast$/, '')];
  const Tokenizer = typeof named === 'function' && named.prototype instanceof PreTrainedTokenizer
    ? named as typeof PreTrainedTokenizer
    : PreTrainedTokenizer;
  const tokenizer = new Tokenizer({ ...json, model: { ...model, vocab: vocab.slice(0, unkId + 1) } }, config);
  const inner = (tokenizer as unknown as TokenizerInternals)._tokenizer;
  installUnigram(inner.model, vocab, unkId, inner.added_tokens);
  // The ids of the special tokens were looked up in the stub vocabulary: look them up again.
  const fields = tokenizer as unknown as Record<string, unknown>;
  for (const name of SPECIAL_TOKENS) {
    const token = fields[`${name}_token`];
    if (typeof token === 'string') fields[`${name}_token_id`] = inner.token_to_id(token);
  }
  return tokenizer;
}
