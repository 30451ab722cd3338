import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as transformers from '@huggingface/transformers';
import { AutoModel, AutoTokenizer, env, PreTrainedTokenizer, type PreTrainedModel, type Tensor } from '@huggingface/transformers';
import { EngineError } from '../../common/errors';
import { meanPoolNormalised } from './meanPooling';
import { resolveModelFiles, type ModelFiles } from './modelFiles';
import { installUnigram, type UnigramModel } from './unigram';

// The engine resolves a model's files (their id decides whether a saved index fits) before it loads them.
export { resolveModelFiles, type ModelFiles };

/** Threads for onnxruntime: half the cores, so indexing never starves the editor of CPU. */
export function defaultThreads(): number {
  return Math.max(1, Math.floor(os.availableParallelism() / 2));
}

/**
 * A sentence-embedding model loaded from a local folder: mean pooling over the mask, then L2 normalisation.
 * It does what transformers.js's feature-extraction pipeline does (tokenise with padding and truncation,
 * run the model, pool), with two parts of its own: the tokenizer ({@link loadTokenizer}) and the pooling
 * (meanPooling.ts).
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
