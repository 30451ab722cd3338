import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Embedder, defaultThreads } from '../../src/node/embed/embedder';
import { Engine } from '../../src/node/engine';
import type { IndexProgress } from '../../src/common/protocol/engine';
import { listPages, sampleCorpus } from '../lib/corpus';
import { corpusLanguages } from '../lib/paths';
import { note, runPhase } from '../lib/phase';
import { withContamination } from '../lib/proc';
import { RawOrtEmbedder } from '../lib/rawOrt';
import { median, round } from '../lib/stats';
import { buildCliBundle, readThreadBundle } from '../lib/workerBundle';

export interface FirstIndexArgs {
  model: string;
  corpus: string;
  work: string;
  /** Seed of the kill moments (reported); default: from the clock. */
  seed?: number;
  /** Kill-and-restart trials of the CLI. */
  kills: number;
  /** Interleaved repetitions of the half-cores / all-cores throughput measurement. */
  throughputReps: number;
  /** Every n-th embedding batch of the first run is kept as the sample for raw onnxruntime and the thread counts. */
  sampleEveryBatch: number;
}

/** One kill-and-restart trial of the CLI. */
interface KillTrial {
  /** After the words were saved (the first 'embedding' report), ms. */
  killAfterMs: number;
  /** Texts the last progress report seen before the kill said were still to embed. */
  notEmbeddedAtKill: number;
  /** Texts the restarted run had to embed (its first 'embedding' report's total). */
  restartEmbeds: number;
  redone: number;
  lostS: number;
}

/** A small seeded generator (mulberry32): the kill moments of a run can be replayed with its seed. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORD_QUERY = 'Astro';
const VECTOR_QUERY = 'how do I deploy my site to a server';

/**
 * The first index of a fresh copy of the whole corpus with the real-size model, as a new user meets it
 * (issue 11's figures): when every file is searchable by words, when the first vector result comes, when
 * the "open" files have their meanings, the whole run's throughput beside raw onnxruntime, the work a kill
 * loses (the CLI, a real process, SIGKILLed at a random moment and restarted), and the throughput with half
 * and with all the cores.
 */
async function measure(a: FirstIndexArgs) {
  const cores = os.availableParallelism();
  const half = defaultThreads();
  const copy = path.join(a.work, 'first-index-corpus');
  const { files: copied } = sampleCorpus(a.corpus, corpusLanguages, 1, copy);
  const ko = listPages(copy, 'ko');
  const open = [0, 1, 2, 3, 4].map((i) => path.join(copy, 'ko', ko[Math.floor(((i + 0.5) * ko.length) / 5)]));
  note(`fresh copy: ${copied} pages; open files: ${open.map((f) => path.relative(copy, f)).join(', ')}`);

  // ---- 1. The first run, in process (the engine as the worker runs it), every report watched.
  const store = path.join(a.work, 'first-index-store');
  rmSync(store, { recursive: true, force: true });
  const engine = await Engine.open({ modelDir: a.model, storeDir: store, threads: half, readThreadScript: await readThreadBundle() });
  const index = engine.searchParts.index;
  const realEmbed = Embedder.prototype.embed;
  /** Every sampleEveryBatch-th batch of the run: its texts and the time the product's Embedder took. */
  const sample: { texts: string[]; ms: number }[] = [];
  let batchNo = 0, embedderMs = 0, embedderTexts = 0;
  Embedder.prototype.embed = async function recorded(this: Embedder, texts: string[]) {
    const t = performance.now();
    const out = await realEmbed.call(this, texts);
    // A query is one text; the run's batches are more (its last one aside, which is not sampled then).
    if (texts.length > 1) {
      const ms = performance.now() - t;
      embedderMs += ms;
      embedderTexts += texts.length;
      if (batchNo++ % a.sampleEveryBatch === 0) sample.push({ texts, ms });
    }
    return out;
  };
  let t0 = 0, wordsAllMs = NaN, wordsHit = false, wordsAnsweredMs = NaN, firstVectorResultMs = NaN, openFilesVectorMs = NaN, embedStart = NaN;
  let vectorSearching = false, searches = 0, queueTotal = 0;
  const openChunkIds = () => open.flatMap((f) => index.files.get(f)?.chunkIds ?? []);
  const wordCheck: Promise<void>[] = [];
  const onProgress = (p: IndexProgress) => {
    const now = performance.now() - t0;
    // The first report that says what can be searched comes once every file is searchable by its words.
    if (p.searchable && Number.isNaN(wordsAllMs)) {
      wordsAllMs = now;
      note(`words: ${p.searchable.files} files, ${p.searchable.chunks} chunks searchable at ${(now / 1000).toFixed(1)} s ('${p.phase}' report)`);
      wordCheck.push(engine.search(WORD_QUERY, { mode: 'fulltext', limit: 5 }).then((r) => { wordsHit = r.hits.length > 0; wordsAnsweredMs = performance.now() - t0; }));
    }
    if (p.phase !== 'embedding') return;
    if (Number.isNaN(embedStart)) {
      embedStart = performance.now();
      queueTotal = p.total;
      note(`embedding ${p.total} texts from ${(now / 1000).toFixed(1)} s`);
    }
    if (Number.isNaN(openFilesVectorMs)) {
      const ids = openChunkIds();
      if (ids.length && ids.every((id) => index.vectors.hasVector(id))) openFilesVectorMs = now;
    }
    // One search at a time, until one hit has a similarity: cheap beside a batch of 32 passages.
    if (Number.isNaN(firstVectorResultMs) && !vectorSearching) {
      vectorSearching = true;
      searches++;
      void engine.search(VECTOR_QUERY, { mode: 'hybrid', limit: 10 }).then((r) => {
        if (Number.isNaN(firstVectorResultMs) && r.hits.some((h) => h.similarity !== undefined)) firstVectorResultMs = performance.now() - t0;
      }).finally(() => { vectorSearching = false; });
    }
    if (p.done > 0 && p.done % 3200 < 32) note(`embedding ${p.done}/${p.total} at ${(now / 1000).toFixed(0)} s`);
  };
  note('first index of the whole corpus…');
  t0 = performance.now();
  const run = await withContamination(() => engine.index({ roots: [copy], priorityPaths: open }, onProgress));
  const totalMs = performance.now() - t0;
  await Promise.all(wordCheck);
  Embedder.prototype.embed = realEmbed;
  const s = run.value;
  const embedSpanMs = performance.now() - embedStart;
  const runChunksPerSec = (s.embedded / embedSpanMs) * 1000;
  note(`indexed ${s.files} files, ${s.chunks} chunks, ${s.embedded} texts embedded in ${(totalMs / 1000).toFixed(1)} s (other processes ${run.otherCores.toFixed(2)} cores)`);

  // ---- 2. Raw onnxruntime at the same thread count on the sampled batches, interleaved batch by batch
  // with the product's Embedder on the same batches (the cross-check that is robust to the machine's swings).
  const raw = await RawOrtEmbedder.load(a.model, half);
  const embedder = engine.searchParts.embedder as Embedder;
  await raw.embedWithTimes(sample[sample.length - 1].texts);
  let rawMs = 0, productMs = 0, sampleTexts = 0;
  const rawPhase = await withContamination(async () => {
    for (const [i, b] of sample.entries()) {
      const runRaw = async () => { const t = performance.now(); await raw.embedWithTimes(b.texts); rawMs += performance.now() - t; };
      if (i % 2) await runRaw();
      const t = performance.now();
      await embedder.embed(b.texts);
      productMs += performance.now() - t;
      if (!(i % 2)) await runRaw();
      sampleTexts += b.texts.length;
    }
  });
  await raw.dispose();
  const rawChunksPerSec = (sampleTexts / rawMs) * 1000;
  const inRunSampleMs = sample.reduce((acc, b) => acc + b.ms, 0);
  note(`raw onnxruntime ${rawChunksPerSec.toFixed(1)}/s on ${sampleTexts} texts; the run ${runChunksPerSec.toFixed(1)}/s`);
  await engine.dispose();

  // ---- 3. Half the cores against all the cores, on part of the same sample, interleaved (ABBA), medians.
  const part = sample.filter((_, i) => i % 3 === 0);
  const partTexts = part.reduce((acc, b) => acc + b.texts.length, 0);
  const engines = { half: await Engine.open({ modelDir: a.model, storeDir: path.join(a.work, 'first-index-half'), threads: half }), all: await Engine.open({ modelDir: a.model, storeDir: path.join(a.work, 'first-index-all'), threads: cores }) };
  const longest = part.reduce((x, b) => (b.texts.join('').length > x.texts.join('').length ? b : x), part[0]);
  for (const e of Object.values(engines)) await (e.searchParts.embedder as Embedder).embed(longest.texts); // arena warm-up
  const rates: Record<'half' | 'all', number[]> = { half: [], all: [] };
  const threadPhase = await withContamination(async () => {
    for (let r = 0; r < a.throughputReps; r++) {
      const order: ('half' | 'all')[] = r % 2 ? ['all', 'half'] : ['half', 'all'];
      for (const k of order) {
        const t = performance.now();
        for (const b of part) await (engines[k].searchParts.embedder as Embedder).embed(b.texts);
        rates[k].push((partTexts / (performance.now() - t)) * 1000);
      }
      note(`threads rep ${r + 1}/${a.throughputReps}: ${half} thread(s) ${rates.half[r].toFixed(1)}/s, ${cores} threads ${rates.all[r].toFixed(1)}/s`);
    }
  });
  for (const e of Object.values(engines)) await e.dispose();

  // ---- 4. The CLI killed at a random moment after its words are saved, then restarted.
  const cli = await buildCliBundle();
  const seed = a.seed ?? (Date.now() & 0x7fffffff);
  const rng = seeded(seed);
  const trials: KillTrial[] = [];
  const cliStore = path.join(a.work, 'first-index-cli-store');
  for (let k = 0; k < a.kills; k++) {
    rmSync(cliStore, { recursive: true, force: true });
    // Uniform over the embedding part of a run as long as the one above (less a margin, so the run is not over).
    const killAfterMs = Math.round(rng() * embedSpanMs * 0.9);
    note(`kill trial ${k + 1}/${a.kills}: SIGKILL ${(killAfterMs / 1000).toFixed(1)} s after the words are saved (seed ${seed})`);
    const first = await runCli(cli, copy, a.model, cliStore, killAfterMs);
    if (first.last === undefined) throw new Error('the CLI reported no embedding progress before the kill');
    const again = await runCli(cli, copy, a.model, cliStore, 0);
    const notEmbeddedAtKill = first.last.total - first.last.done;
    const restartEmbeds = again.first?.total ?? again.summaryEmbedded ?? NaN;
    const redone = restartEmbeds - notEmbeddedAtKill;
    // Texts are embedded shortest first, so the killed run's own rate up to the kill turns the texts redone into
    // the time they took (the whole run's mean rate would overstate an early kill); the mean when it says nothing.
    const killedRate = first.last.done > 0 && killAfterMs > 0 ? first.last.done / (killAfterMs / 1000) : runChunksPerSec;
    trials.push({ killAfterMs, notEmbeddedAtKill, restartEmbeds, redone, lostS: round(redone / killedRate, 1) });
    note(`  at the kill ${first.last.done}/${first.last.total} embedded; the restart embeds ${restartEmbeds} → ${redone} redone ≈ ${(redone / killedRate).toFixed(1)} s at the killed run's ${killedRate.toFixed(0)} texts/s`);
  }
  for (const dir of [store, cliStore, path.join(a.work, 'first-index-half'), path.join(a.work, 'first-index-all'), copy]) rmSync(dir, { recursive: true, force: true });

  return {
    cores, halfThreads: half,
    files: s.files, chunks: s.chunks, embedded: s.embedded, queued: queueTotal,
    wordsAllMs: round(wordsAllMs, 0), wordsSearchHit: wordsHit, wordsSearchAnsweredMs: round(wordsAnsweredMs, 0),
    firstVectorResultMs: round(firstVectorResultMs, 0), vectorSearches: searches,
    openFilesVectorMs: round(openFilesVectorMs, 0), openFiles: open.map((f) => path.relative(copy, f).split(path.sep).join('/')), openChunks: openChunkIds().length,
    totalMs: round(totalMs, 0), embeddingMs: round(embedSpanMs, 0),
    runChunksPerSec: round(runChunksPerSec, 1),
    rawOrtChunksPerSec: round(rawChunksPerSec, 1),
    ratioToRawOrt: round(runChunksPerSec / rawChunksPerSec, 3),
    ratioMethod: `the run's texts embedded / its time from the first 'embedding' report to its end (checkpoints and the last save included), over raw onnxruntime's texts/s on every ${a.sampleEveryBatch}th batch of the same run (same texts, same batches, ${half} thread(s)) measured right after it`,
    ratioToRawOrtInterleaved: round((rawMs / productMs) * (embedderMs / embedSpanMs), 3),
    ratioInterleavedMethod: "the product's Embedder against raw onnxruntime on the sampled batches, alternated batch by batch (robust to the machine's swings), times the share of the run's embedding time spent in the Embedder",
    sample: { batches: sample.length, texts: sampleTexts, inRunEmbedderChunksPerSec: round((sample.reduce((x, b) => x + b.texts.length, 0) / inRunSampleMs) * 1000, 1), embedderShareOfRun: round(embedderMs / embedSpanMs, 3), embedderTexts },
    halfCoresChunksPerSec: round(median(rates.half), 1), allCoresChunksPerSec: round(median(rates.all), 1),
    threadsSample: { batches: part.length, texts: partTexts, reps: a.throughputReps, half: rates.half.map((x) => round(x, 1)), all: rates.all.map((x) => round(x, 1)) },
    lostOnKillS: trials.length ? round(Math.max(...trials.map((t) => t.lostS)), 1) : null,
    lostMethod: "CLI 'index' (default 30 s checkpoints) SIGKILLed at a seeded random moment after its words are saved, then restarted: texts the restart embeds − texts still to embed at the last progress report seen before the kill (reports come ≤ 4 a second), at the first run's texts/s; the worst trial",
    killSeed: seed, kills: trials,
    otherCores: { firstRun: round(run.otherCores, 2), raw: round(rawPhase.otherCores, 2), threads: round(threadPhase.otherCores, 2) },
  };
}

/** What the phase prints (bench.ts reads it as firstIndex in the JSON). */
export type FirstIndexResult = Awaited<ReturnType<typeof measure>>;

runPhase(measure);

interface CliRun {
  first?: { done: number; total: number };
  last?: { done: number; total: number };
  summaryEmbedded?: number;
}

/**
 * Runs the CLI's `index` with the default checkpoints. killAfterMs > 0: SIGKILL that long after the first
 * 'embedding' report. 0: the restart, SIGKILLed as soon as its first 'embedding' report says how much it has
 * to embed (or left to end when it has nothing). Its stderr is made to look like a terminal so that the
 * CLI prints every progress report, not only each phase's first.
 */
function runCli(cli: string, folder: string, model: string, store: string, killAfterMs: number): Promise<CliRun> {
  const env = { ...process.env };
  delete env.SEMANTIC_SEARCH_CHECKPOINT_MS;
  const tty = "data:text/javascript,Object.defineProperty(process.stderr,'isTTY',{value:true})";
  const child = spawn(process.execPath, ['--import', tty, cli, 'index', folder, '--model', model, '--store', store], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const out: CliRun = {};
  let stdout = '', rest = '';
  let timer: NodeJS.Timeout | undefined;
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      const parts = (rest + d).split(/[\r\n]/);
      rest = parts.pop() ?? '';
      for (const line of parts) {
        const m = /embedding ([\d,]+)\/([\d,]+)/.exec(line.replace(/\x1b\[K/g, ''));
        if (!m) continue;
        const p = { done: Number(m[1].replace(/,/g, '')), total: Number(m[2].replace(/,/g, '')) };
        out.last = p;
        if (!out.first) {
          out.first = p;
          if (killAfterMs > 0) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
          else child.kill('SIGKILL');
        }
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const m = /\(([\d,]+) embedded/.exec(stdout);
      if (m) out.summaryEmbedded = Number(m[1].replace(/,/g, ''));
      if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`the CLI failed (exit ${code}): ${stdout.slice(-500)}`));
      else resolve(out);
    });
  });
}
