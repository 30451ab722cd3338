import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { SearchMode } from '../src/common/protocol/engine';
import { Embedder, resolveModelFiles } from '../src/node/embed/embedder';
import { Engine } from '../src/node/engine';
import { sha256 } from '../src/node/hash';
import { evalQueries, titlePairs, type EvalQuery } from './lib/evalSet';
import { cacheDir, defaultCorpus, isStandInModel, repoRoot } from './lib/paths';
import { mean, round } from './lib/stats';
import { n, table } from './lib/table';

const USAGE = `Usage: npm run eval -- --model <dir> [--corpus <dir>] [--json] [--fresh]
  --model DIR   a local model folder (Hugging Face layout: config.json, tokenizer.json, onnx/model_quantized.onnx)
  --corpus DIR  a corpus with en/ ko/ ja/ zh-cn/ folders where translated pages keep the English path
                (default: ../shared/corpus/astro-docs)
  --json        print progress on stderr and one JSON object as the last line of stdout
  --fresh       rebuild the cached indexes (.semantic-search/eval-<model id>/)`;

/** Query language → answer language. Only the answer language is indexed, so a page cannot find itself. */
const DIRECTIONS: [string, string][] = [['ko', 'en'], ['ja', 'en'], ['zh-cn', 'en'], ['en', 'ko']];
const MODES: SearchMode[] = ['vector', 'fulltext', 'hybrid'];
/** Ranks beyond this count as a miss (top-10 and MRR@10). */
const DEPTH = 10;

interface Scores { queries: number; top1: number; top5: number; top10: number; mrr: number }

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { model: { type: 'string' }, corpus: { type: 'string' }, json: { type: 'boolean' }, fresh: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.model) {
    console.error(`Missing --model <dir>.\n${USAGE}`);
    return 2;
  }
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const modelDir = path.resolve(values.model);
  const corpus = path.resolve(values.corpus ?? defaultCorpus);
  for (const lang of ['en', 'ko', 'ja', 'zh-cn']) {
    if (!existsSync(path.join(corpus, lang))) throw new Error(`No ${lang}/ folder in ${corpus}.`);
  }
  const files = resolveModelFiles(modelDir);
  const standIn = isStandInModel(modelDir);
  const started = performance.now();
  // Cached indexes, one per model identity (weights + tokenizer) and corpus: repeated runs only re-check files.
  const cache = cacheDir(`eval-${files.id.replace(/[^\w.@-]/g, '_')}-${sha256(corpus).slice(0, 8)}`);

  const answerLangs = [...new Set(DIRECTIONS.map(([, a]) => a))];
  const indexes: Record<string, { chunks: number; files: number; embedded: number; ms: number }> = {};
  const engines: Record<string, Engine> = {};
  for (const lang of answerLangs) {
    const storeDir = path.join(cache, `index-${lang}`);
    if (values.fresh) rmSync(storeDir, { recursive: true, force: true });
    const t = performance.now();
    const engine = await Engine.open({ modelDir, storeDir });
    const summary = await engine.index({ roots: [path.join(corpus, lang)] }, (p) => {
      if (p.phase === 'embedding' && p.done % 640 === 0) log(`  ${lang}: embedding ${p.done}/${p.total}`);
    });
    indexes[lang] = { chunks: summary.chunks, files: summary.files, embedded: summary.embedded, ms: round(performance.now() - t, 0) };
    log(`index ${lang}: ${summary.files} pages, ${summary.chunks} chunks (${summary.embedded} embedded now) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    engines[lang] = engine;
  }

  const results: Record<string, Record<string, Scores>> = {};
  for (const [qLang, aLang] of DIRECTIONS) {
    const queries = evalQueries(corpus, qLang, aLang);
    const key = `${qLang}→${aLang}`;
    results[key] = {};
    for (const mode of MODES) results[key][mode] = await score(engines[aLang], queries, mode);
    log(`${key}: ${queries.length} queries`);
  }

  // Hybrid must never be worse than the better of vector and full-text, on every figure.
  const hybridCheck = Object.entries(results).map(([key, r]) => {
    const worse = (['top1', 'top5', 'top10', 'mrr'] as const).filter((m) => r.hybrid[m] + 1e-9 < Math.max(r.vector[m], r.fulltext[m]));
    return { direction: key, ok: worse.length === 0, worseOn: worse.map((m) => `${m} ${fmt(r.hybrid[m])} < ${fmt(Math.max(r.vector[m], r.fulltext[m]))}`) };
  });

  // Mean cosine similarity of each translated title with its English title, and of mismatched pairs (baseline).
  const embedder = await Embedder.load(modelDir);
  const translationCosine: Record<string, { pairs: number; mean: number; mismatchedMean: number }> = {};
  for (const lang of ['ko', 'ja', 'zh-cn']) {
    const pairs = titlePairs(corpus, lang);
    const a = await embedAll(embedder, pairs.map((p) => p.title));
    const b = await embedAll(embedder, pairs.map((p) => p.english));
    const dim = embedder.dim;
    const cos = (i: number, j: number) => { let s = 0; for (let d = 0; d < dim; d++) s += a[i * dim + d] * b[j * dim + d]; return s; };
    const same = pairs.map((_, i) => cos(i, i));
    // Each title against the English title of the page half the list away: a fixed, unrelated pairing.
    const other = pairs.map((_, i) => cos(i, (i + Math.floor(pairs.length / 2)) % pairs.length));
    translationCosine[`en–${lang}`] = { pairs: pairs.length, mean: round(mean(same), 3), mismatchedMean: round(mean(other), 3) };
  }
  await embedder.dispose();
  for (const e of Object.values(engines)) await e.dispose();

  const notes: string[] = [];
  if (standIn) {
    notes.push(`${path.relative(repoRoot, modelDir) || modelDir} is one of the project's generated stand-in models (its folder has a generator.json): its vectors carry no real meaning, so the vector and hybrid figures and the translation cosines mean nothing for retrieval quality. The full-text figures are real: they show whether Korean, Japanese and Chinese tokenising works.`);
  }
  notes.push('Scores are over chunks as the product ranks them: a query counts as found at rank r when the r-th hit is any chunk of the answer page; MRR is cut at rank 10.');
  const result = {
    model: { dir: modelDir, id: files.id, dtype: files.dtype, standIn },
    corpus, indexes, results, hybridCheck, translationCosine, notes,
    reference: { modelMakerTop5: 0.92, modelMakerMrr: 0.78, modelMakerTranslationCosine: '0.97–0.98' },
    durationS: round((performance.now() - started) / 1000, 0),
  };
  if (values.json) {
    console.log(JSON.stringify(result));
    return 0;
  }
  const out: string[] = [];
  out.push(`Retrieval evaluation: ${result.model.dir} (${files.id}, ${files.dtype}) on ${corpus}, ${result.durationS} s`);
  if (standIn) out.push('', '!! STAND-IN MODEL: vector and hybrid figures (and the cosines) mean NOTHING for quality here; the full-text figures are real.');
  out.push('', 'Indexes (only the answer language is indexed)');
  out.push(table(['language', 'pages', 'chunks', 'embedded now', 'time'], Object.entries(indexes).map(([l, x]) => [l, x.files, x.chunks, x.embedded, n(x.ms / 1000, 1, ' s')])));
  out.push('', `Queries: title + description of each page; right answer = the same page in the other language (model maker: top-5 92 %, MRR 0.78)`);
  const rows: string[][] = [];
  for (const [key, r] of Object.entries(results)) {
    for (const mode of MODES) {
      const s = r[mode];
      rows.push([key, mode + (standIn && mode !== 'fulltext' ? ' *' : ''), String(s.queries), pct(s.top1), pct(s.top5), pct(s.top10), fmt(s.mrr)]);
    }
  }
  out.push(table(['query → answer', 'mode', 'queries', 'top-1', 'top-5', 'top-10', 'MRR@10'], rows));
  if (standIn) out.push('* meaningless with a stand-in model');
  out.push('', 'Hybrid never worse than the better of vector and full-text:');
  for (const h of hybridCheck) out.push(`  ${h.ok ? 'OK   ' : 'WORSE'} ${h.direction}${h.ok ? '' : `: ${h.worseOn.join('; ')}`}`);
  out.push('', 'Translation pairs: mean cosine similarity of titles (model maker: 0.97–0.98 for equivalent concepts)');
  out.push(table(['pair', 'titles', 'mean cosine', 'mismatched pairs (baseline)'], Object.entries(translationCosine).map(([k, v]) => [k, v.pairs, fmt(v.mean), fmt(v.mismatchedMean)])));
  out.push('', ...notes);
  console.log(out.join('\n'));
  return 0;
}

/** top-k hit rates and MRR@10 of `queries` against `engine` in one mode. */
async function score(engine: Engine, queries: EvalQuery[], mode: SearchMode): Promise<Scores> {
  let top1 = 0, top5 = 0, top10 = 0, rr = 0;
  for (const q of queries) {
    const { hits } = await engine.search(q.query, { mode, limit: DEPTH });
    const rank = hits.findIndex((h) => h.path === q.page) + 1;
    if (rank === 1) top1++;
    if (rank >= 1 && rank <= 5) top5++;
    if (rank >= 1 && rank <= 10) top10++;
    if (rank >= 1) rr += 1 / rank;
  }
  const k = queries.length || 1;
  return { queries: queries.length, top1: round(top1 / k, 4), top5: round(top5 / k, 4), top10: round(top10 / k, 4), mrr: round(rr / k, 4) };
}

async function embedAll(embedder: Embedder, texts: string[]): Promise<Float32Array> {
  const out = new Float32Array(texts.length * embedder.dim);
  for (let i = 0; i < texts.length; i += 32) out.set(await embedder.embed(texts.slice(i, i + 32)), i * embedder.dim);
  return out;
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const fmt = (x: number) => x.toFixed(3);

main().then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 1;
  },
);
