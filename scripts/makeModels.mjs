#!/usr/bin/env node
// Generates the ONNX test models offline, in plain Node (this machine cannot download the real model).
//
// Usage: node scripts/makeModels.mjs [--out DIR] [--full | --only NAMES] [--force] [--quiet]
//   --out DIR     output root, one folder per model (default: test/models of this repository)
//   --full        also build the full-size benchmark model: tiny, concept and full
//   --only NAMES  build just these, comma-separated from tiny,concept,full (e.g. --only full)
//   --force       rebuild even if the folder's generator.json says it is current
//   --quiet       print errors only
//
// Models (details in scripts/models/generate.mjs):
//   tiny     random 2-layer BERT, hidden 32, small XLM-R-style tokenizer   ~0.4 MB   exactness tests
//   concept  one vector per concept: database = 데이터베이스 = データベース = 数据库   ~18 MB    cross-language tests
//   full     random BERT of the real size (12 × 384, 250,002 pieces)       ~590 MB   benchmarks (~6-10 s)
// Each folder: config.json, tokenizer.json, tokenizer_config.json, special_tokens_map.json,
// onnx/model.onnx (fp32), onnx/model_quantized.onnx (int8, transformers.js `dtype: 'q8'`), generator.json.
// Output is deterministic (byte-identical on regeneration); current folders are skipped.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_MODELS, MODEL_NAMES, generateModels } from './models/generate.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = `Usage: node scripts/makeModels.mjs [--out DIR] [--full | --only NAMES] [--force] [--quiet]
  --out DIR     output root, one folder per model (default: <repo>/test/models)
  --full        build tiny, concept and full (full: 12 x 384, ~590 MB, ~6-10 s)
  --only NAMES  comma-separated subset of ${MODEL_NAMES.join(',')} (default: ${DEFAULT_MODELS.join(',')})
  --force       rebuild even when generator.json says the folder is current
  --quiet       print errors only`;

/** @returns {{out: string, models: string[], force: boolean, quiet: boolean}} */
function parseCommandLine() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      full: { type: 'boolean', default: false },
      only: { type: 'string' },
      force: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  /** @type {string[]} */
  let models = values.full ? [...MODEL_NAMES] : [...DEFAULT_MODELS];
  if (values.only) {
    models = values.only.split(',').map((s) => s.trim()).filter(Boolean);
    const known = /** @type {readonly string[]} */ (MODEL_NAMES);
    const unknown = models.filter((m) => !known.includes(m));
    if (unknown.length || !models.length) throw new Error(`--only takes names from ${MODEL_NAMES.join(',')}; got "${values.only}"`);
  }
  // an explicit --out is relative to the working directory; the default is fixed to the repository
  const out = values.out ? path.resolve(values.out) : path.join(REPO_ROOT, 'test/models');
  return { out, models, force: values.force, quiet: values.quiet };
}

try {
  const { out, models, force, quiet } = parseCommandLine();
  const t0 = performance.now();
  generateModels({ out, models, force, log: quiet ? undefined : (line) => console.log(line) });
  if (!quiet) console.log(`makeModels: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
} catch (e) {
  console.error(`makeModels: ${e instanceof Error ? e.message : e}\n${USAGE}`);
  process.exit(1);
}
