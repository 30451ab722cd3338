import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../../common/errors';
import { hashModelFiles } from './modelHashCache';

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
  /** The SHA-256 of tokenizer.json: what the vocabulary's saved trie is checked against (vocabularyTrie.ts). */
  tokenizerSha256: string;
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
      return { dir: abs, subfolder, dtype, onnxFile, id: `${path.basename(abs)}@${id}`, tokenizerSha256: sha256[1], hashedBytes };
    }
  }
  throw new EngineError('model-invalid', `${abs} is not a model folder: no onnx/model_quantized.onnx or onnx/model.onnx in it.`);
}
