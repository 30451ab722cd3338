import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveModelFiles } from '../src/node/embed/embedder';
import { runChild } from './lib/child';
import { measureNoise } from './lib/noise';
import { cacheDir, defaultBenchModel, defaultCorpus, isStandInModel, repoRoot } from './lib/paths';
import { latencyQueries } from './lib/queries';
import { median, round } from './lib/stats';
import { splitTable } from './lib/splitTable';
import { checkTargets, mark } from './lib/targets';
import { n, table } from './lib/table';
import { buildWorkerBundle } from './lib/workerBundle';
import type { FirstIndexResult } from './phases/firstIndex';
import type { LinksResult } from './phases/links';
import type { TeamResult } from './phases/team';

const USAGE = `Usage: npm run bench [-- --json] [-- --quick] [-- --full-corpus] [-- --model DIR] [-- --corpus DIR]
  --json         print progress on stderr and one JSON object as the last line of stdout
  --quick        a 1-2 minute smoke run: small samples, indexes of 1k and 10k chunks only, no firstIndex phase
  --full-corpus  index the whole corpus with the real forward pass (adds ~10-15 min on 2 cores)
  --no-proto     skip the prototype measurements (flat vector scan, persisted full-text index)
  --model DIR    model folder (default: test/models/full, generated when missing)
  --corpus DIR   corpus folder with en/ ko/ ja/ zh-cn/ (default: ../shared/corpus/astro-docs)
  --out FILE     also write the JSON result to FILE (e.g. to compare runs over time)
  --keep         keep the built indexes in .semantic-search/bench-work
  --only links   run only this phase (one that needs no other's output): the worker's RSS while indexing
                 a workspace that links to /proc and /dev
  --only split   the same for the splitting throughput on pathological inputs and normal files
  --only team    the same for sharing the index (seed size and import, shard evenness) on 50k synthetic passages (~30 s)
  --only firstIndex  the same for the first index of a fresh copy of the corpus (~10 min on 2 cores; not in --quick):
                 words, first vector result, open files, throughput beside raw onnxruntime, a kill and restart
                 of the CLI, half against all the cores
  --kills N      kill-and-restart trials of the CLI in the firstIndex phase (default 1)
  --seed N       seed of the kill moments (default: from the clock; the JSON reports it)`;

/** How much of everything one run does. */
interface Plan {
  sampleEvery: number;
  indexingReps: number;
  corpusLanguages?: string[];
  reindexReps: number;
  sizes: number[];
  passes: Record<number, number>;
  /** Time after which no further latency pass starts (the slow sizes get fewer samples). */
  budgetMs: Record<number, number>;
  queries: Record<number, number>;
  concurrentRounds: Record<number, number>;
  persistSize: number;
  saveReps: number;
  loadReps: number;
  startReps: number;
  modelReps: number;
  /** Pages of the workspace the links phase indexes, and its runs of each kind (even: they go ABBA). */
  linkPages: number;
  linkReps: number;
}

const FULL: Plan = {
  sampleEvery: 75, indexingReps: 5, reindexReps: 5,
  sizes: [1000, 10000, 50000, 200000],
  passes: { 1000: 3, 10000: 3, 50000: 3, 200000: 2 },
  budgetMs: { 1000: 30000, 10000: 30000, 50000: 30000, 200000: 30000 },
  queries: { 1000: 30, 10000: 30, 50000: 30, 200000: 12 },
  concurrentRounds: { 1000: 5, 10000: 5, 50000: 3, 200000: 1 },
  persistSize: 50000, saveReps: 3, loadReps: 3, startReps: 3, modelReps: 2, linkPages: 40, linkReps: 4,
};
const QUICK: Plan = {
  sampleEvery: 400, indexingReps: 2, corpusLanguages: ['ja'], reindexReps: 3,
  sizes: [1000, 10000],
  passes: { 1000: 2, 10000: 2 },
  budgetMs: { 1000: 5000, 10000: 5000 },
  queries: { 1000: 16, 10000: 16 },
  concurrentRounds: { 1000: 2, 10000: 2 },
  persistSize: 10000, saveReps: 2, loadReps: 1, startReps: 1, modelReps: 1, linkPages: 20, linkReps: 2,
};

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean' }, quick: { type: 'boolean' }, 'full-corpus': { type: 'boolean' }, 'no-proto': { type: 'boolean' },
      model: { type: 'string' }, corpus: { type: 'string' }, keep: { type: 'boolean' }, out: { type: 'string' }, only: { type: 'string' },
      kills: { type: 'string' }, seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const started = performance.now();
  const plan = values.quick ? QUICK : FULL;
  const proto = !values['no-proto'];
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const model = path.resolve(values.model ?? defaultBenchModel);
  const corpus = path.resolve(values.corpus ?? defaultCorpus);
  if (!values.model && !existsSync(path.join(model, 'onnx/model_quantized.onnx'))) {
    log('Generating the benchmark model (node scripts/makeModels.mjs --only full)…');
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts/makeModels.mjs'), '--only', 'full'], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('the benchmark model could not be generated');
  }
  const work = cacheDir('bench-work');
  const stores = Object.fromEntries(plan.sizes.map((s) => [s, path.join(work, `index-${s}`)]));
  const corpusStore = path.join(work, 'corpus-index');
  const phase = async <R>(label: string, name: string, args: unknown): Promise<R> => {
    const t = performance.now();
    log(`▸ ${label}`);
    const r = await runChild<R>(name, args, { verbose: true });
    log(`  (${((performance.now() - t) / 1000).toFixed(1)} s)`);
    return r;
  };
  const linksPhase = (workerFile: string) => phase<LinksResult>(LINKS_LABEL, 'links', { model, workerFile, work, pages: plan.linkPages, reps: plan.linkReps });
  type Split = { cases: Parameters<typeof splitTable>[0] };
  const splitPhase = () => phase<Split>('splitting throughput: pathological inputs and normal files', 'split',
    { model, corpus, bytes: values.quick ? 20_000 : 100_000, reps: values.quick ? 3 : 5 });
  const teamPhase = (store: string | undefined, size: number) => phase<TeamResult>(TEAM_LABEL, 'team', { store, size, work, reps: values.quick ? 2 : 3 });
  if (values.only === 'team') {
    const team = await teamPhase(undefined, 50_000);
    const targets = checkTargets({ team }).filter((t) => t.figure.startsWith('team'));
    if (values.json) console.log(JSON.stringify({ date: new Date().toISOString(), machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown' }, team, targets }));
    else console.log(teamReport(team, targets));
    return 0;
  }
  if (values.only === 'split') {
    const split = await splitPhase();
    console.log(values.json ? JSON.stringify({ split: split.cases }) : splitTable(split.cases));
    return 0;
  }
  const firstIndexPhase = () => phase<FirstIndexResult>(FIRST_INDEX_LABEL, 'firstIndex', {
    model, corpus, work, kills: values.kills ? Number(values.kills) : 1, throughputReps: 3, sampleEveryBatch: 16,
    ...(values.seed ? { seed: Number(values.seed) } : {}),
  });
  if (values.only === 'firstIndex') {
    if (!existsSync(path.join(corpus, 'en'))) throw new Error(`No corpus at ${corpus} (expected en/, ko/, ja/, zh-cn/ folders).`);
    const t0 = performance.now();
    const firstIndex = await firstIndexPhase();
    const durationS = round((performance.now() - t0) / 1000, 0);
    const targets = checkTargets({ firstIndex }).filter((t) => t.figure.startsWith('first index'));
    const json = { date: new Date().toISOString(), machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown' }, durationS, firstIndex, targets };
    if (values.out) writeFileSync(path.resolve(values.out), `${JSON.stringify(json, null, 1)}\n`);
    if (values.json) console.log(JSON.stringify(json));
    else console.log(firstIndexReport(firstIndex, targets));
    return 0;
  }
  if (values.only) {
    if (values.only !== 'links') throw new Error(`--only takes "links", "split", "team" or "firstIndex", not "${values.only}".`);
    const links = await linksPhase(await buildWorkerBundle());
    console.log(values.json ? JSON.stringify({ links }) : linksReport(links));
    return 0;
  }
  if (!existsSync(path.join(corpus, 'en'))) throw new Error(`No corpus at ${corpus} (expected en/, ko/, ja/, zh-cn/ folders).`);
  const files = resolveModelFiles(model);

  // Machine and noise first: the micro-benchmark's spread says how far the figures below can be trusted.
  const load0 = os.loadavg();
  const noise0 = measureNoise();
  const workerFile = await buildWorkerBundle();

  type Indexing = Record<string, number> & { samples: unknown };
  const indexing = await phase<Indexing>('indexing throughput: product vs raw onnxruntime on a corpus sample', 'indexing',
    { model, corpus, work, sampleEvery: plan.sampleEvery, reps: plan.indexingReps });
  type Corpus = Record<string, number | boolean | number[]>;
  const corp = await phase<Corpus>(`${values.quick ? 'corpus (ja only, quick)' : 'whole corpus'}: first index and unchanged re-index`, 'corpus',
    { model, corpus, store: corpusStore, realEmbedding: !!values['full-corpus'], reindexReps: plan.reindexReps, languages: plan.corpusLanguages });
  // The first index of the whole corpus with the model takes ~10 min here: not a smoke run's part.
  const firstIndex = values.quick ? null : await firstIndexPhase();
  const built = await phase<Record<string, { chunks: number; realChunks: number; bytes: number }>>(`indexes of ${plan.sizes.map((s) => s.toLocaleString('en')).join(', ')} chunks`, 'stores',
    { model, corpusStore, sizes: plan.sizes, dirs: stores });
  const teamSize = plan.sizes.includes(50_000) ? 50_000 : Math.max(...plan.sizes);
  const team = await teamPhase(stores[teamSize], teamSize);

  const queries = latencyQueries(corpus, Math.max(...Object.values(plan.queries)));
  type Latency = { p50Ms: number; p95Ms: number; maxMs: number };
  type Query = { vector: Latency; hybrid: Latency; concurrent10: { meanMs: number; p95Ms: number } | null; openMs: number; rssMb: number; breakdown: Record<string, { p50Ms: number; p95Ms: number }> | null; prototype: { vector: Latency; hybrid: Latency } | null };
  const query: Record<string, Query> = {};
  for (const size of plan.sizes) {
    query[size] = await phase<Query>(`query latency at ${size.toLocaleString('en')} chunks`, 'query', {
      model, store: stores[size], size, queries: queries.slice(0, plan.queries[size]), passes: plan.passes[size],
      concurrentRounds: plan.concurrentRounds[size], breakdown: proto, budgetMs: plan.budgetMs[size],
      // The prototype changes the full-text side only: hybrid is the mode it can move.
      protoModes: ['hybrid'],
    });
  }

  const P = plan.persistSize;
  type Save = { persistMs: number; bytesPerChunk: number; metaBytesPerChunk: number; vectorBytesPerChunk: number; bytes: number; peakRssSaveMb: number; samplesMs: number[] };
  const save = await phase<Save>(`persist at ${P.toLocaleString('en')} chunks`, 'save', { model, store: stores[P], size: P, reps: plan.saveReps, work });
  type Load = { loadMs: number; snapshotMs: number; oramaRebuildMs: number; peakRssLoadMb: number; rssAfterLoadMb: number };
  const loads: Load[] = [];
  for (let r = 0; r < plan.loadReps; r++) loads.push(await phase<Load>(`load at ${P.toLocaleString('en')} chunks (${r + 1}/${plan.loadReps})`, 'load', { model, store: stores[P] }));
  const med = <T>(xs: T[], key: keyof T) => round(median(xs.map((x) => Number(x[key]))), 0);

  let protoLoad: Record<string, unknown> | null = null;
  if (proto) {
    const file = path.join(work, `fulltext-${P}.json`);
    const b = await phase<Record<string, number>>(`prototype: Orama full-text index persisted with save() (${P.toLocaleString('en')} chunks)`, 'protoLoad', { model, store: stores[P], file, step: 'build' });
    const r = await phase<Record<string, number>>('prototype: load = snapshot + flat vectors + Orama load()', 'protoLoad', { model, store: stores[P], file, step: 'restore' });
    protoLoad = {
      description: 'vectors searched as the flat f32 matrix (no vector field in Orama, sorter off); Orama\'s full-text index persisted with save() as JSON and restored with load() instead of re-tokenising',
      loadMs: r.loadMs, vectorReadyMs: r.vectorReadyMs, fullTextRestoreMs: r.fullTextRestoreMs, peakRssLoadMb: r.peakRssLoadMb, rssAfterLoadMb: r.rssAfterLoadMb,
      rebuildFullTextOnlyNoSortMs: b.rebuildFullTextOnlyNoSortMs, tokenizeAllMs: b.tokenizeAllMs, persistFullTextMs: b.persistFullTextMs,
      extraBytesPerChunk: b.fullTextBytesPerChunk,
    };
  }

  type Start = { firstResultMs: number; completeRankingMs: number; readyMs: number; engineOpenMs: number; firstSearchMs: number; warmViaWorkerP50Ms: number; workerMb: number; processRssMb: number; chunks: number };
  const starts: Start[] = [];
  for (let r = 0; r < plan.startReps; r++) {
    starts.push(await phase<Start>(`start: worker + model + ${P.toLocaleString('en')}-chunk index → first result (${r + 1}/${plan.startReps})`, 'start', {
      model, store: stores[P], workerFile, query: queries[1], warmQueries: queries.slice(2, 12),
    }));
  }
  const emptyStore = path.join(work, 'empty-index');
  rmSync(emptyStore, { recursive: true, force: true });
  const startEmpty = await phase<Start>('start with an empty index (model only)', 'start', { model, store: emptyStore, workerFile, query: queries[1], warmQueries: [] });
  const links = await linksPhase(workerFile);

  type ModelPart = { loadMs: number; rssMb: number };
  const parts: Record<string, ModelPart[]> = { embedder: [], session: [], tokenizer: [], tokenizerStock: [] };
  for (let r = 0; r < plan.modelReps; r++) {
    for (const part of Object.keys(parts)) parts[part].push(await phase<ModelPart>(`model load: ${part} (${r + 1}/${plan.modelReps})`, 'model', { model, part }));
  }
  const split = await splitPhase();
  const noise1 = measureNoise();
  const load1 = os.loadavg();
  if (!values.keep) for (const dir of [...Object.values(stores), corpusStore, path.join(work, 'sample'), path.join(work, 'sample-store')]) rmSync(dir, { recursive: true, force: true });

  const ratio = Number(indexing.ratioToRawOrt);
  const embeddedCorpus = Number(corp.embedded);
  const corpusMs = corp.realEmbedding
    ? Number(corp.firstIndexMs)
    : Math.round(Number(corp.firstIndexMs) + (embeddedCorpus / Number(indexing.pipelineChunksPerSec)) * 1000);
  const noiseSamples = [...noise0.samples, ...noise1.samples];
  const result = {
    version: 1,
    date: new Date().toISOString(),
    quick: !!values.quick,
    model: { dir: path.relative(repoRoot, model) || model, id: files.id, dtype: files.dtype, standIn: isStandInModel(model) },
    machine: {
      cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGb: round(os.totalmem() / 1e9, 1),
      node: process.version, platform: `${process.platform}-${process.arch}`,
      loadAvgStart: load0.map((x) => round(x, 2)), loadAvgEnd: load1.map((x) => round(x, 2)),
      noise: {
        description: 'a fixed CPU micro-benchmark (2,000 × 384 dot products × 25) run 9 times before and 9 times after the figures',
        medianMs: round(median(noiseSamples), 1), cv: round(Number(cvOf(noiseSamples)), 3),
        cvStart: round(noise0.cv, 3), cvEnd: round(noise1.cv, 3),
      },
      otherProcessesCores: {
        description: 'CPU used by other processes while a phase ran (cores; 0 = the machine was ours)',
        indexing: indexing.otherCores, corpus: corp.otherCores, firstIndex: firstIndex?.otherCores ?? null,
        query: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, (v as unknown as { otherCores: number }).otherCores])),
      },
    },
    indexing: {
      chunksPerSec: indexing.chunksPerSec,
      rawOrtChunksPerSec: indexing.rawOrtChunksPerSec,
      ratioToRawOrt: ratio,
      ratioMethod: 'raw onnxruntime runs interleaved with the product batch by batch; per batch the median over the repetitions; the product adds its median time outside the Embedder',
      ratioToRawOrtPerRepMedian: indexing.ratioToRawOrtPerRepMedian,
      pipelineChunksPerSec: indexing.pipelineChunksPerSec,
      pipelineRatioToRawOrt: indexing.pipelineRatioToRawOrt,
      outsideEmbedderMs: indexing.outsideEmbedderMs,
      paddingWaste: corp.paddingWaste,
      paddingWasteNote: 'share of pad tokens in the engine\'s embedding batches over the whole corpus (the sample\'s own is in sample.paddingWaste)',
      corpusMs,
      corpusMsMethod: corp.realEmbedding
        ? 'measured: the whole corpus through Engine.index with the model'
        : 'estimated: the whole corpus through Engine.index with the forward pass stubbed (corpusPipelineMs, measured) + its embedded chunks at the pipeline\'s measured chunks/s on the sample',
      corpusPipelineMs: corp.realEmbedding ? null : corp.firstIndexMs,
      corpusFiles: corp.files, corpusChunks: corp.chunks, corpusEmbedded: embeddedCorpus, corpusPaddingWaste: corp.paddingWaste,
      reindexEmbedded: corp.reindexEmbedded,
      reindexMs: corp.reindexMs,
      reindexSamplesMs: corp.reindexSamplesMs,
      reindexAfterRestartMs: corp.reindexAfterRestartMs,
      reindexAfterRestartEmbedded: corp.reindexAfterRestartEmbedded,
      corpusReopenMs: corp.reopenMs,
      sample: {
        every: plan.sampleEvery, files: indexing.sampleFiles, paddingWaste: indexing.paddingWaste, chunks: indexing.sampleChunks, reps: indexing.reps, batches: indexing.batches,
        threads: indexing.threads, indexMs: indexing.sampleIndexMs, samples: indexing.samples,
      },
    },
    query: Object.fromEntries(plan.sizes.map((s) => {
      const q = query[s];
      return [s, {
        p50Ms: q.hybrid.p50Ms, p95Ms: q.hybrid.p95Ms, mode: 'hybrid (the default); vector and hybrid below',
        vector: q.vector, hybrid: q.hybrid, concurrent10: q.concurrent10,
        realChunks: built[s].realChunks, openMs: q.openMs, rssMb: q.rssMb,
        breakdown: q.breakdown, prototype: q.prototype,
      }];
    })),
    index: {
      [P]: {
        persistMs: save.persistMs, loadMs: med(loads, 'loadMs'), bytesPerChunk: save.bytesPerChunk, peakRssSaveMb: save.peakRssSaveMb,
        metaBytesPerChunk: save.metaBytesPerChunk, vectorBytesPerChunk: save.vectorBytesPerChunk,
        peakRssLoadMb: med(loads, 'peakRssLoadMb'), bytes: save.bytes, loadSnapshotMs: med(loads, 'snapshotMs'), loadOramaRebuildMs: med(loads, 'oramaRebuildMs'),
        rssAfterLoadMb: med(loads, 'rssAfterLoadMb'), persistSamplesMs: save.samplesMs, loadSamplesMs: loads.map((l) => l.loadMs),
        prototype: protoLoad,
      },
    },
    start: {
      firstResultMs: med(starts, 'firstResultMs'), indexChunks: P, readyMs: med(starts, 'readyMs'), engineOpenMs: med(starts, 'engineOpenMs'),
      firstSearchMs: med(starts, 'firstSearchMs'), completeRankingMs: med(starts, 'completeRankingMs'), warmViaWorkerP50Ms: med(starts, 'warmViaWorkerP50Ms'),
      modelOnlyFirstResultMs: startEmpty.firstResultMs, modelOnlyReadyMs: startEmpty.readyMs,
      samplesMs: starts.map((s) => s.firstResultMs),
    },
    rss: {
      workerMb: med(starts, 'workerMb'), indexChunks: P, processRssMb: med(starts, 'processRssMb'), modelOnlyWorkerMb: startEmpty.workerMb,
      note: 'workerMb = RSS of a process running the worker minus the RSS of its idle main thread before the worker started',
    },
    firstIndex,
    team,
    links,
    modelLoad: Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, { loadMs: med(v, 'loadMs'), rssMb: med(v, 'rssMb') }])),
    split: split.cases,
    extensionHostStallMs: null,
    extensionHostNote: 'measured in the real VS Code extension host by the end-to-end suite, not by this script',
    targets: [] as ReturnType<typeof checkTargets>,
    durationS: 0,
  };
  result.targets = checkTargets({
    q50k: query[50000] ?? null, q200k: query[200000] ?? null,
    ratioToRawOrt: ratio, reindexEmbedded: Number(corp.reindexEmbedded), reindexMs: Number(corp.reindexMs),
    index50k: P === 50000 ? result.index[P] : null,
    firstResultMs: P === 50000 ? result.start.firstResultMs : null, workerMb: P === 50000 ? result.rss.workerMb : null,
    firstIndex, team: teamSize === 50_000 ? team : null,
  });
  result.durationS = round((performance.now() - started) / 1000, 0);
  if (values.out) writeFileSync(path.resolve(values.out), `${JSON.stringify(result, null, 1)}\n`);
  if (values.json) console.log(JSON.stringify(result));
  else console.log(report(result));
  return 0;
}

const TEAM_LABEL = 'sharing the index: a seed exported and imported, text hashes in shards';

/** The team phase as a table, then its targets. */
function teamReport(t: TeamResult, targets: ReturnType<typeof checkTargets>): string {
  return [
    `Sharing the index (${t.source}: ${t.passages.toLocaleString('en')} passages, ${t.texts.toLocaleString('en')} texts, ${t.dim} dimensions)`,
    table(['figure', 'value', 'detail'], [
      ['seed size per passage', n(t.seedBytesPerChunk, 0, ' B'), `${n(t.seedBytes / 1e6, 1, ' MB')}: a 32-byte text hash and ${t.dim} half-precision values per text, and a header`],
      ['seed export', n(t.exportMs, 0, ' ms'), 'encode every vector of the index and write the file'],
      ['seed import', n(t.seedImportMs, 0, ' ms'), `read, SHA-256 and validate, then every waiting passage given its vector; samples ${t.seedImportSamplesMs.join(', ')} ms`],
      ['largest shard × N (N = 4)', n(t.shardMaxShare, 3), `N = 2: ${t.shardMaxShareByN[2]}, N = 8: ${t.shardMaxShareByN[8]} (1 = perfectly even)`],
    ]),
    table(['', 'figure', 'target', 'measured'], targets.map((x) => [mark(x.pass), x.figure, x.target, x.value])),
  ].join('\n');
}

const FIRST_INDEX_LABEL = 'first index of a fresh copy of the corpus: words first, meanings streamed, a kill and restart';

/** The firstIndex phase as a table, then its targets. */
function firstIndexReport(f: FirstIndexResult, targets: ReturnType<typeof checkTargets>): string {
  const s = (ms: number) => n(ms / 1000, 1, ' s');
  const kills = f.kills.map((k) => `kill at +${s(k.killAfterMs)}: ${k.notEmbeddedAtKill} to embed, restart embeds ${k.restartEmbeds} → ${k.redone} redone`).join('; ');
  return [
    `First index: ${f.files} files, ${f.chunks} chunks, ${f.embedded} texts embedded; ${f.cores} cores, the run with ${f.halfThreads} thread(s)`,
    `Other processes used ${f.otherCores.firstRun.toFixed(2)} cores during the run, ${f.otherCores.raw.toFixed(2)} during raw onnxruntime, ${f.otherCores.threads.toFixed(2)} during the thread comparison`,
    table(['figure', 'value', 'detail'], [
      ['every file searchable by words', s(f.wordsAllMs), `first report saying what can be searched; a full-text search then ${f.wordsSearchHit ? `found a hit at ${s(f.wordsSearchAnsweredMs)}` : 'found NOTHING'}`],
      ['first vector result', s(f.firstVectorResultMs), `${s(f.firstVectorResultMs - f.wordsAllMs)} after the words; a hybrid search after each batch until a hit has a similarity (${f.vectorSearches} searches)`],
      ['open files embedded', s(f.openFilesVectorMs), `${s(f.openFilesVectorMs - f.wordsAllMs)} after the words; ${f.openFiles.length} Korean pages, ${f.openChunks} chunks, as priorityPaths`],
      ['whole run', s(f.totalMs), `embedding ${s(f.embeddingMs)} at ${n(f.runChunksPerSec, 1, ' texts/s')}`],
      ['  ratio to raw onnxruntime', n(f.ratioToRawOrt * 100, 1, ' %'), `raw ${n(f.rawOrtChunksPerSec, 1, '/s')} on ${f.sample.texts} texts of the run, after it; interleaved cross-check ${n(f.ratioToRawOrtInterleaved * 100, 1, ' %')} (${n(f.sample.embedderShareOfRun * 100, 1, ' %')} of the run in the Embedder)`],
      ['embedding lost to a kill', n(f.lostOnKillS ?? NaN, 1, ' s'), `seed ${f.killSeed}; ${kills}`],
      [`throughput, ${f.halfThreads} / ${f.cores} threads`, `${n(f.halfCoresChunksPerSec, 1)} / ${n(f.allCoresChunksPerSec, 1)} texts/s`, `×${n(f.allCoresChunksPerSec / f.halfCoresChunksPerSec, 2)}; medians of ${f.threadsSample.reps} interleaved reps on ${f.threadsSample.texts} texts`],
    ]),
    '',
    table(['', 'figure', 'target', 'measured'], targets.map((t) => [mark(t.pass), t.figure, t.target, t.value])),
  ].join('\n');
}

const LINKS_LABEL = 'Worker RSS while indexing a workspace that links to /proc and /dev';

/** The links phase as a table: the worker's memory stays where the same workspace without the links puts it. */
function linksReport(l: LinksResult): string {
  const all = [...l.samplesMb.without, ...l.samplesMb.with];
  const spread = Math.max(...all) - Math.min(...all);
  return table(['figure', 'value', 'detail'], [
    ['worker RSS, model loaded', n(l.baselineMb, 0, ' MB'), 'before any indexing'],
    [`peak RSS indexing ${l.pages} pages`, n(l.peakWithoutLinksMb, 0, ' MB'), `${l.chunks} chunks, ${n(l.withoutLinksMs / 1000, 1, ' s')}; mean of ${l.reps} runs, ${l.samplesMb.without.join(', ')} MB`],
    [`  the same with ${l.links} links to /proc and /dev`, n(l.peakWithLinksMb, 0, ' MB'),
      `${l.deltaMb >= 0 ? '+' : ''}${l.deltaMb} MB (all runs within ${spread} MB); ${l.samplesMb.with.join(', ')} MB; ${l.linksSkipped} of ${l.links} skipped (${l.reasons.join('; ')})`],
  ]);
}

function cvOf(xs: number[]): number {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) / m;
}

/** The human-readable report: machine, each group of figures beside its reference, then the targets. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function report(r: any): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(`Benchmark ${r.date}${r.quick ? ' (QUICK smoke run: small samples, not comparable)' : ''}, ${r.durationS} s`);
  out.push(`Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, Node ${m.node}, ${m.platform}; load average ${m.loadAvgStart.join(' ')} → ${m.loadAvgEnd.join(' ')}`);
  out.push(`Noise: micro-benchmark CV ${(m.noise.cv * 100).toFixed(1)} % (start ${(m.noise.cvStart * 100).toFixed(1)} %, end ${(m.noise.cvEnd * 100).toFixed(1)} %); other processes used up to ${Math.max(m.otherProcessesCores.indexing, m.otherProcessesCores.corpus).toFixed(2)} cores while indexing`);
  out.push(`Model: ${r.model.dir} (${r.model.id}, ${r.model.dtype})${r.model.standIn ? ' — random-weight stand-in of the real architecture and size: speed and memory are real, vectors are meaningless' : ''}`);
  const ix = r.indexing;
  out.push('', 'Indexing');
  out.push(table(['figure', 'value', 'reference'], [
    ['product pipeline (Engine.index, sample)', n(ix.chunksPerSec, 1, ' chunks/s'), `raw onnxruntime ${n(ix.rawOrtChunksPerSec, 1, ' chunks/s')}`],
    ['  ratio to raw onnxruntime', n(ix.ratioToRawOrt * 100, 1, ' %'), `≥ 90 %; per-repetition ratios ${ix.sample.samples.ratio.map((x: number) => (x * 100).toFixed(0)).join(', ')} %`],
    ['  inside the Embedder (transformers.js)', n(ix.pipelineChunksPerSec, 1, ' chunks/s'), `${n(ix.pipelineRatioToRawOrt * 100, 1, ' %')} of raw; outside it ${n(ix.outsideEmbedderMs, 0, ' ms')} of ${n(ix.sample.indexMs, 0, ' ms')}`],
    ['  sample', `${ix.sample.files} files, ${ix.sample.chunks} chunks`, `${ix.sample.batches} batches of ≤ 32, ${ix.sample.threads} onnxruntime thread(s), ${ix.sample.reps} reps`],
    ['padding waste (whole corpus / sample)', `${n(ix.paddingWaste * 100, 1, ' %')} / ${n(ix.sample.paddingWaste * 100, 1, ' %')}`, 'batches of 32 cut from chunks sorted by length'],
    [`whole corpus (${ix.corpusFiles} files, ${ix.corpusChunks} chunks)`, n(ix.corpusMs / 1000, 1, ' s'), ix.corpusPipelineMs !== null ? `estimated; pipeline without the model ${n(ix.corpusPipelineMs / 1000, 1, ' s')}` : 'measured'],
    ['unchanged re-index (same session)', `${ix.reindexEmbedded} embedded, ${n(ix.reindexMs, 0, ' ms')}`, '0, ≤ 2 s'],
    ['unchanged re-index (first after restart)', `${ix.reindexAfterRestartEmbedded} embedded, ${n(ix.reindexAfterRestartMs, 0, ' ms')}`, `open took ${n(ix.corpusReopenMs / 1000, 1, ' s')}`],
  ]));
  out.push('', 'Query latency, end to end (Engine.search: embed + search + snippets), ms; 10 at once = hybrid');
  const rows: string[][] = [];
  for (const [size, q] of Object.entries(r.query) as [string, any][]) { // eslint-disable-line @typescript-eslint/no-explicit-any
    const b = q.breakdown;
    rows.push([
      Number(size).toLocaleString('en'), `${n(q.vector.p50Ms, 1)} / ${n(q.vector.p95Ms, 1)}`, `${n(q.hybrid.p50Ms, 1)} / ${n(q.hybrid.p95Ms, 1)}`,
      q.concurrent10 ? `${n(q.concurrent10.meanMs, 0)} / ${n(q.concurrent10.p95Ms, 0)}` : '—',
      b ? `${n(b.embed.p50Ms, 1)} / ${n(b.vectorSearch.p50Ms, 1)} / ${n(b.fullTextSearch.p50Ms, 1)} (p95 ${n(b.fullTextSearch.p95Ms, 0)})` : '—',
      b ? `${n(b.jsFlatScan.p50Ms, 1)} / ${n(b.ortScan.p50Ms, 1)}` : '—',
      b ? `${n(b.fullTextDfCut.p50Ms, 1)} (p95 ${n(b.fullTextDfCut.p95Ms, 0)})` : '—',
      q.prototype?.hybrid ? `${n(q.prototype.hybrid.p50Ms, 1)} / ${n(q.prototype.hybrid.p95Ms, 1)}` : '—',
    ]);
  }
  out.push(table(['chunks', 'vector p50/p95', 'hybrid p50/p95', '10 at once', 'parts p50: embed / vector / full-text', 'ref. scans: JS / ORT', 'proto text cut', 'proto hybrid p50/p95'], rows));
  out.push('ref. scans: the same matrix scanned in plain JavaScript and by onnxruntime (Gemm+TopK). proto: full-text without query words found in > 5 % of the chunks (bench only; see the JSON\'s prototype.description).');
  const P = Object.keys(r.index)[0];
  const x = r.index[P];
  out.push('', `Index at ${Number(P).toLocaleString('en')} chunks`);
  const pl = x.prototype;
  out.push(table(['figure', 'value', 'detail', 'prototype'], [
    ['persist', n(x.persistMs, 0, ' ms'), `${n(x.bytes / 1e6, 0, ' MB')}; samples ${x.persistSamplesMs.join(', ')} ms`, ''],
    ['load', n(x.loadMs, 0, ' ms'), `snapshot ${n(x.loadSnapshotMs, 0, ' ms')} + Orama rebuild ${n(x.loadOramaRebuildMs, 0, ' ms')}`, pl ? `${n(pl.loadMs, 0, ' ms')} (vectors searchable after ${n(pl.vectorReadyMs, 0, ' ms')})` : ''],
    ['bytes per chunk', n(x.bytesPerChunk, 0, ' B'), `vectors ${n(x.vectorBytesPerChunk, 0, ' B')} + meta JSON ${n(x.metaBytesPerChunk, 0, ' B')}`, pl ? `+${n(pl.extraBytesPerChunk, 0, ' B')} for the saved full-text index` : ''],
    ['peak RSS during save', `+${n(x.peakRssSaveMb, 0, ' MB')}`, '', ''],
    ['peak RSS during load', `+${n(x.peakRssLoadMb, 0, ' MB')}`, `held after load +${n(x.rssAfterLoadMb, 0, ' MB')}`, pl ? `+${n(pl.peakRssLoadMb, 0, ' MB')}` : ''],
  ]));
  const s = r.start;
  out.push('', 'Start (worker thread, as the extension starts it)');
  out.push(table(['figure', 'value', 'detail'], [
    [`first result, ${Number(s.indexChunks).toLocaleString('en')}-chunk index`, n(s.firstResultMs, 0, ' ms'), `worker ready ${n(s.readyMs, 0, ' ms')} (engine open ${n(s.engineOpenMs, 0, ' ms')}), first search ${n(s.firstSearchMs, 0, ' ms')}; complete ranking (words all indexed) ${n(s.completeRankingMs, 0, ' ms')}`],
    ['first result, empty index (model only)', n(s.modelOnlyFirstResultMs, 0, ' ms'), `model parts: embedder ${n(r.modelLoad.embedder.loadMs, 0, ' ms')} = session ${n(r.modelLoad.session.loadMs, 0, ' ms')} + tokenizer ${n(r.modelLoad.tokenizer.loadMs, 0, ' ms')} + probe; transformers.js's own tokenizer ${n(r.modelLoad.tokenizerStock.loadMs, 0, ' ms')}`],
    [`worker RSS, ${Number(r.rss.indexChunks).toLocaleString('en')}-chunk index, words indexed`, n(r.rss.workerMb, 0, ' MB'), `model only ${n(r.rss.modelOnlyWorkerMb, 0, ' MB')}: session ${n(r.modelLoad.session.rssMb, 0, ' MB')}, tokenizer ${n(r.modelLoad.tokenizer.rssMb, 0, ' MB')} (transformers.js's own ${n(r.modelLoad.tokenizerStock.rssMb, 0, ' MB')})`],
    ['warm query through the worker (p50)', n(s.warmViaWorkerP50Ms, 1, ' ms'), 'hybrid, right after start'],
    ['extension-host stall while indexing', '—', r.extensionHostNote],
  ]));
  out.push('', LINKS_LABEL, linksReport(r.links));
  out.push('', splitTable(r.split));
  if (r.team) out.push('', teamReport(r.team, r.targets.filter((t: { figure: string }) => t.figure.startsWith('team'))));
  if (r.firstIndex) out.push('', firstIndexReport(r.firstIndex, r.targets.filter((t: { figure: string }) => t.figure.startsWith('first index'))));
  out.push('', 'Targets (issues 5 and 11)');
  out.push(table(['', 'figure', 'target', 'measured'], r.targets.map((t: { pass: boolean | null; figure: string; target: string; value: string }) => [mark(t.pass), t.figure, t.target, t.value])));
  return out.join('\n');
}

main().then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 1;
  },
);
