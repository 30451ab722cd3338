// Generates the test models (the CLI is scripts/makeModels.mjs). Each model is a folder in the Hugging Face
// layout that transformers.js loads offline:
//   config.json  tokenizer.json  tokenizer_config.json  special_tokens_map.json
//   onnx/model.onnx (fp32)  onnx/model_quantized.onnx (int8, `dtype: 'q8'`)  generator.json (stamp)
//
// Models:
// - tiny:    random BERT, 2 layers × hidden 32, small tokenizer. Exactness tests (pipeline vs a
//            separate onnxruntime computation), a few hundred KB.
// - concept: concept-aligned model (conceptModel.mjs): known cross-language similarities.
// - full:    random BERT of the real size (12 × 384, 250,002 pieces; 470 MB fp32 + 118 MB int8): speed and
//            memory benchmarks, which do not depend on the weights' values.
//
// Everything is deterministic (seeded PRNG, fixed ordering, no timestamps), so a regenerated folder is
// byte-identical. generator.json records a hash of the generator's sources and the model's options; a folder
// whose stamp matches is left alone, which keeps `npm test` (it runs the generator first) fast.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBertWeights, writeBert } from './bert.mjs';
import { CONCEPTS } from './concepts.mjs';
import { conceptShape, conceptVocabulary, conceptWeights } from './conceptModel.mjs';
import { buildTokenizerFiles, corpusVocabulary } from './tokenizer.mjs';
import { ENGLISH_AFFIXES, TINY_CJK_WORDS, TINY_CORPUS } from './words.mjs';

/** Bump to force regeneration when the output format changes in a way the source hash cannot see. */
export const GENERATOR_VERSION = 1;
export const MODEL_NAMES = Object.freeze(/** @type {const} */ (['tiny', 'concept', 'full']));
/** What `node scripts/makeModels.mjs` builds without flags (full is big and only for benchmarks). */
export const DEFAULT_MODELS = Object.freeze(/** @type {const} */ (['tiny', 'concept']));
export const STAMP_FILE = 'generator.json';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/**
 * @typedef {object} Recipe
 * @property {string} description
 * @property {Record<string, number>} options everything that shapes the output (part of the stamp hash)
 * @property {(dir: string, options: Record<string, number>) => void} build writes the model files into `dir`
 */

/** @type {Record<string, Recipe>} */
const RECIPES = {
  tiny: {
    description: 'random BERT 2×32, small tokenizer (exactness tests)',
    options: { layers: 2, hidden: 32, heads: 4, ffn: 64, maxPositions: 512, seed: 42 },
    build(dir, { layers, hidden, heads, ffn, maxPositions, seed }) {
      const tokenizer = buildTokenizerFiles(corpusVocabulary(TINY_CORPUS, TINY_CJK_WORDS, ENGLISH_AFFIXES));
      const shape = { layers, hidden, heads, ffn, maxPositions, vocabSize: tokenizer.pieces.length };
      writeJsonFiles(dir, tokenizer.files);
      writeBert(dir, shape, randomBertWeights(shape, seed));
    },
  },
  concept: {
    description: `concept-aligned model, ${CONCEPTS.length} concepts × en/ko/ja/zh (cross-language tests)`,
    options: { seed: 20240501 },
    build(dir, { seed }) {
      const { vocab, conceptOfPiece } = conceptVocabulary(CONCEPTS);
      const tokenizer = buildTokenizerFiles(vocab);
      const shape = conceptShape(tokenizer.pieces.length, CONCEPTS.length);
      writeJsonFiles(dir, tokenizer.files);
      const weights = conceptWeights(tokenizer.pieces, conceptOfPiece, CONCEPTS.length, shape, seed);
      writeBert(dir, shape, weights);
    },
  },
  full: {
    description: 'random BERT of the real size, 12×384, 250,002 pieces (benchmarks)',
    options: { layers: 12, hidden: 384, heads: 12, ffn: 1536, maxPositions: 512, padTo: 250002, seed: 42 },
    build(dir, { layers, hidden, heads, ffn, maxPositions, padTo, seed }) {
      // the concept vocabulary covers Hangul/kana/CJK/ASCII, so token counts on real documents are
      // plausible; padding brings it to the real 250,002 pieces
      const tokenizer = fullSizeTokenizer(padTo);
      const shape = { layers, hidden, heads, ffn, maxPositions, vocabSize: tokenizer.pieces.length };
      writeJsonFiles(dir, tokenizer.files);
      writeBert(dir, shape, randomBertWeights(shape, seed));
    },
  },
};

/** @param {number} padTo */
function fullSizeTokenizer(padTo) {
  return buildTokenizerFiles(conceptVocabulary(CONCEPTS).vocab, { padTo });
}

/**
 * Writes only the tokenizer files of the full model (250,002 pieces) into `dir`: the tokenizer at its
 * real size, for tests that do not need the 590 MB of weights.
 * @param {string} dir
 */
export function writeFullSizeTokenizer(dir) {
  writeJsonFiles(dir, fullSizeTokenizer(RECIPES.full.options.padTo).files);
}

/**
 * @param {string} dir
 * @param {Record<string, object>} files
 */
function writeJsonFiles(dir, files) {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    // tokenizer.json is written compactly (it is large); the small configs pretty-printed
    const text = name === 'tokenizer.json' ? JSON.stringify(content) : JSON.stringify(content, null, 2);
    fs.writeFileSync(path.join(dir, name), `${text}\n`);
  }
}

/** Hash of the generator's own sources: editing a word list or the graph code invalidates old output. */
function sourceHash() {
  const h = crypto.createHash('sha256');
  for (const f of fs.readdirSync(HERE).filter((n) => n.endsWith('.mjs')).sort()) {
    h.update(f).update('\0').update(fs.readFileSync(path.join(HERE, f))).update('\0');
  }
  return h.digest('hex');
}

/**
 * Relative paths (with '/' separators) and sizes of all files under dir, sorted.
 * @param {string} dir
 * @returns {Record<string, number>}
 */
function listFiles(dir) {
  /** @type {Record<string, number>} */
  const out = {};
  const walk = (/** @type {string} */ rel) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else out[r] = fs.statSync(path.join(dir, r)).size;
    }
  };
  walk('');
  return out;
}

/**
 * Whether `dir` holds a complete model made by this generator with these options.
 * @param {string} dir
 * @param {string} hash
 */
function isCurrent(dir, hash) {
  try {
    const stamp = JSON.parse(fs.readFileSync(path.join(dir, STAMP_FILE), 'utf8'));
    if (stamp.version !== GENERATOR_VERSION || stamp.hash !== hash) return false;
    return Object.entries(stamp.files).every(([f, size]) => fs.statSync(path.join(dir, f)).size === size);
  } catch {
    return false;
  }
}

/**
 * @typedef {object} ModelResult
 * @property {string} name
 * @property {string} dir absolute folder of the model
 * @property {boolean} skipped true when the folder was already current
 * @property {number} seconds generation time (0 when skipped)
 * @property {Record<string, number>} files relative path → bytes
 */

/**
 * Generates the requested models under `out` (one folder per model), skipping current ones.
 * Each model is written into a temporary sibling folder and renamed into place, so an interrupted run
 * never leaves a half-written model that looks complete.
 * @param {{out: string, models?: readonly string[], force?: boolean, log?: (line: string) => void}} opts
 * @returns {ModelResult[]}
 */
export function generateModels({ out, models = DEFAULT_MODELS, force = false, log = () => {} }) {
  const root = path.resolve(out);
  const sources = sourceHash();
  /** @type {ModelResult[]} */
  const results = [];
  for (const name of models) {
    const recipe = RECIPES[name];
    if (!recipe) throw new Error(`unknown model "${name}" (known: ${MODEL_NAMES.join(', ')})`);
    const dir = path.join(root, name);
    const hash = crypto.createHash('sha256')
      .update(JSON.stringify({ version: GENERATOR_VERSION, name, options: recipe.options, sources })).digest('hex');
    if (!force && isCurrent(dir, hash)) {
      const stamp = JSON.parse(fs.readFileSync(path.join(dir, STAMP_FILE), 'utf8'));
      results.push({ name, dir, skipped: true, seconds: 0, files: stamp.files });
      log(`${name}: up to date (${dir})`);
      continue;
    }
    const t0 = performance.now();
    const tmp = `${dir}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    recipe.build(tmp, recipe.options);
    const files = listFiles(tmp);
    const stamp = { generator: 'scripts/makeModels.mjs', version: GENERATOR_VERSION, model: name, description: recipe.description, options: recipe.options, hash, files };
    fs.writeFileSync(path.join(tmp, STAMP_FILE), `${JSON.stringify(stamp, null, 2)}\n`);
    fs.rmSync(dir, { recursive: true, force: true });
    try {
      fs.renameSync(tmp, dir);
    } catch (e) {
      // another process finished the same model between our rm and rename: keep theirs if it is current
      fs.rmSync(tmp, { recursive: true, force: true });
      if (!isCurrent(dir, hash)) throw e;
    }
    const seconds = (performance.now() - t0) / 1000;
    results.push({ name, dir, skipped: false, seconds, files });
    const sizes = Object.entries(files).filter(([f]) => f.endsWith('.onnx') || f === 'tokenizer.json')
      .map(([f, n]) => `${f} ${formatBytes(n)}`).join(', ');
    log(`${name}: ${recipe.description}\n  -> ${dir} in ${seconds.toFixed(1)} s (${sizes})`);
  }
  return results;
}

/** @param {number} n */
function formatBytes(n) {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : `${(n / 1024).toFixed(0)} KB`;
}
