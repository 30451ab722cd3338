import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EngineError } from '../common/errors';
import { escapeControl } from '../common/terminalText';
import type { IndexProgress, IndexRequest, IndexSummary, SearchMode, SearchResult } from '../common/protocol/engine';
import { DEVICES, type Device } from '../common/protocol/worker';
import type { CancelToken, WorkerClient } from '../common/protocol/workerClient';
import { DEFAULT_INTERVAL_MS, serveMcp } from './mcp';
import { startWorker } from './startWorker';
import { parseShard } from './team/shard';

/** How long `index` waits by default for another process that writes the same index. */
const DEFAULT_WAIT_S = 60;
/** How often a waiting `index` tries the store's lock again. */
const LOCK_POLL_MS = 500;
/**
 * How often `index` saves what it has embedded, in ms, when set (the tests make it small to see checkpoints
 * and kill a run between them); otherwise the engine's default of 30 s.
 */
const CHECKPOINT_ENV = 'SEMANTIC_SEARCH_CHECKPOINT_MS';
/** How often `mcp --folder` indexes the folders again, in ms, when set (the tests make it small); otherwise 30 s. */
const MCP_INTERVAL_ENV = 'SEMANTIC_SEARCH_MCP_INTERVAL_MS';

const USAGE = `Usage:
  semantic-search index <folder> --model <modelDir> --store <storeDir> [--include <glob>]... [--exclude <glob>]... [--max-file-size <bytes>] [--wait <seconds>] [--threads auto|N] [--device cpu|cuda|dml|coreml] [--shard K/N] [--seed <file or https URL>] [--json]
  semantic-search search "<query>" --model <modelDir> --store <storeDir> [--limit N] [--mode hybrid|vector|fulltext] [--threads auto|N] [--device D] [--json]
  semantic-search mcp --model <modelDir> --store <storeDir> [--folder <folder>]... [--include <glob>]... [--exclude <glob>]... [--max-file-size <bytes>] [--threads auto|N] [--device D]
  semantic-search merge <storeDir>... --store <outDir> [--json]
  semantic-search export --store <storeDir> --out <file> [--json]
Options:
  --threads T   onnxruntime threads: auto (all the cores) or a count (default: half the cores)
  --device D    where the model runs: cpu (default), cuda (Linux x64), dml (Windows), coreml (macOS); one this
                machine lacks falls back to the CPU and says why
  --wait S      while another process writes the index, wait up to S seconds for it (default ${DEFAULT_WAIT_S})
  --shard K/N   read the whole folder but embed only shard K of N of its texts (by text hash): one job of a
                CI matrix; "merge" puts the N stores together
  --seed F      before embedding, take the vectors of an exported index (a file, or an https URL fetched into
                the store folder) for every text it holds: only the texts it lacks are embedded
merge puts the vectors of stores of one model (the shards) into one store; export writes one portable file of
every vector of a store by text hash (no paths), for --seed and the editor's semanticSearch.sharedIndex.
An index run makes every file searchable by its words first, then embeds meanings, saving what is done at
least every 30 s: a run stopped or killed goes on where it was saved at the next "index". A search meanwhile
answers from the last save, and says how many passages have their meaning yet.
"mcp" serves the index to MCP clients (coding agents, other editors) over stdin/stdout: tools search,
find_similar and index_status. It reads the store without blocking its writer and takes up each newer save.
With --folder it also indexes those folders, at start and every ${DEFAULT_INTERVAL_MS / 1000} s, while no other process (an
editor) writes the store; without it, it never writes.`;

/** The command line: the same engine and worker as the extension, for terminals, CI and checks. */
async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        model: { type: 'string' }, store: { type: 'string' }, limit: { type: 'string' }, mode: { type: 'string' },
        json: { type: 'boolean' }, include: { type: 'string', multiple: true }, exclude: { type: 'string', multiple: true },
        'max-file-size': { type: 'string' }, threads: { type: 'string' }, wait: { type: 'string' }, help: { type: 'boolean', short: 'h' },
        folder: { type: 'string', multiple: true },
        device: { type: 'string' }, shard: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message); // unknown option or missing value
  }
  const { values, positionals } = parsed;
  const [command, arg] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (command === 'merge' || command === 'export') return storeCommand(command, positionals.slice(1), values);
  if (command !== 'index' && command !== 'search' && command !== 'mcp') throw new UsageError(`Unknown command "${command}".`);
  if (command === 'mcp' && arg) throw new UsageError(`"mcp" takes no argument: name folders to index with --folder.`);
  if (command !== 'mcp' && values.folder) throw new UsageError('--folder is an option of "mcp"; "index" takes its folder as an argument.');
  if (!arg && command !== 'mcp') throw new UsageError(command === 'index' ? 'Name the folder to index.' : 'Give the query to search for.');
  if (!values.model) throw new UsageError('Missing --model <modelDir>: a local model folder (config.json, tokenizer.json, onnx/).');
  if (!values.store) throw new UsageError('Missing --store <storeDir>: the folder the index is kept in.');
  const mode = (values.mode ?? 'hybrid') as SearchMode;
  if (!['hybrid', 'vector', 'fulltext'].includes(mode)) throw new UsageError(`--mode must be hybrid, vector or fulltext, not "${mode}".`);
  const limit = positiveInt(values.limit, '--limit') ?? 10;
  const threads = threadCount(values.threads);
  const maxFileSize = positiveInt(values['max-file-size'], '--max-file-size');
  const waitS = wholeNumber(values.wait, '--wait', 0) ?? DEFAULT_WAIT_S;
  const checkpointMs = wholeNumber(process.env[CHECKPOINT_ENV], CHECKPOINT_ENV, 0);
  const intervalMs = wholeNumber(process.env[MCP_INTERVAL_ENV], MCP_INTERVAL_ENV, 1);
  const storeDir = path.resolve(values.store);
  const folders = (values.folder ?? []).map((f) => path.resolve(f));
  const indexOptions = { include: values.include, exclude: values.exclude, ...(maxFileSize ? { maxFileSize } : {}) };
  const device = deviceOf(values.device);
  const shard = values.shard === undefined ? undefined : parseShard(values.shard);
  if (shard && 'problem' in shard) throw new UsageError(shard.problem);
  if (command !== 'index' && (shard || values.seed)) throw new UsageError('--shard and --seed are options of "index".');
  // Only the protocol may reach an MCP client's end of stdout.
  if (command === 'mcp') console.log = console.error;

  const { client, stop } = startWorker(
    // A search only reads: it never waits for a process that writes the index, and never blocks one.
    {
      modelDir: path.resolve(values.model), storeDir, ...(threads ? { threads } : {}), ...(device ? { device } : {}),
      // An MCP server without folders only reads, like a search; with folders it writes when it can.
      ...(command === 'search' || (command === 'mcp' && !folders.length) ? { readOnly: true } : {}),
      ...(checkpointMs !== undefined ? { checkpointMs } : {}),
    },
    // Warnings (such as a rebuilt index) reach the user through the summary or the error instead; the MCP
    // server has no summary to show, so its log (stderr, which MCP clients keep) has them.
    { onLog: (level, message) => { if (level === 'error' || (command === 'mcp' && level === 'warn')) console.error(escapeControl(message)); }, stdoutToStderr: command === 'mcp' },
  );
  try {
    if (command === 'mcp') {
      await serveMcp(client, { folders, indexOptions, ...(intervalMs ? { intervalMs } : {}), log: (m) => console.error(escapeControl(m)) });
      return 0;
    }
    const model = await client.ready;
    if (model.deviceProblem) console.error(escapeControl(model.deviceProblem));
    if (command === 'index') {
      const request: IndexRequest = {
        roots: [path.resolve(arg)], options: indexOptions,
        ...(shard ? { shard } : {}), ...(values.seed ? { seed: seedSource(values.seed) } : {}),
      };
      return await indexFolder(client, request, { json: !!values.json, waitS });
    } else {
      const info = await client.call('info', {});
      if (info.storeProblem) throw new EngineError('store-unreadable', `The index in ${storeDir} cannot be used: ${info.storeProblem}. Run "index" to rebuild it.`);
      if (!info.chunks) throw new EngineError('store-unreadable', `There is no index in ${storeDir}. Run "index" first.`);
      const result = await client.call('search', { query: arg, options: { limit, mode } });
      if (values.json) {
        const byWords = (similarity: number | undefined) => (similarity === undefined && result.mode !== 'fulltext' ? { byWords: true } : {});
        console.log(JSON.stringify({
          hits: result.hits.map(({ path: p, startLine, endLine, kind, title, text, score, similarity }) => ({
            path: p, startLine, endLine, kind, title, text, score, ...byWords(similarity),
          })),
          ms: Math.round(result.ms * 10) / 10,
          ...(result.meanings ? { meanings: result.meanings } : {}),
        }));
      } else {
        printHits(result);
      }
    }
    return 0;
  } finally {
    await stop();
  }
}

class UsageError extends Error {}

/** `merge` and `export`: they read and write stores, without a model or a worker. */
async function storeCommand(command: 'merge' | 'export', stores: string[], values: { store?: string; out?: string; json?: boolean }): Promise<number> {
  if (!values.store) throw new UsageError(command === 'merge' ? 'Missing --store <outDir>: the folder the merged index is written to.' : 'Missing --store <storeDir>: the index to export.');
  // Loaded only for these commands: the store lock's library hooks the process's signals where it is loaded
  // (SIGXFSZ among them, which it then turns back into a kill), and the other commands lock in their worker,
  // where a write past a file size limit must fail with EFBIG and a sentence.
  const { exportSeed, mergeStores } = await import('./team/storeTools');
  if (command === 'merge') {
    if (!stores.length) throw new UsageError('Name the stores to merge (the shards\' --store folders).');
    const s = await mergeStores(stores.map((d) => path.resolve(d)), path.resolve(values.store));
    if (values.json) console.log(JSON.stringify(s));
    else {
      console.log(`Merged ${s.stores} stores: ${s.files.toLocaleString('en')} files, ${s.chunks.toLocaleString('en')} chunks, ${s.vectors.toLocaleString('en')} vectors.`);
      if (s.waiting) console.log(`${s.waiting.toLocaleString('en')} chunks still have no vector in any of them (a shard is missing?): the next "index" embeds them.`);
    }
    return 0;
  }
  if (stores.length) throw new UsageError(`"export" takes no folder of its own: the index is --store, the file --out (got "${stores[0]}").`);
  if (!values.out) throw new UsageError('Missing --out <file>: the file to write.');
  const s = await exportSeed(path.resolve(values.store), path.resolve(values.out));
  if (values.json) console.log(JSON.stringify(s));
  else console.log(`Exported ${s.vectors.toLocaleString('en')} vectors of ${escapeControl(s.modelId)} (${(s.bytes / 1e6).toFixed(1)} MB) to ${escapeControl(values.out)}.`);
  return 0;
}

/** --device, checked against the devices there are (whether this machine has it is the worker's to say). */
function deviceOf(value: string | undefined): Device | undefined {
  if (value === undefined) return undefined;
  if (!(DEVICES as readonly string[]).includes(value)) throw new UsageError(`--device must be one of ${DEVICES.join(', ')}, not "${value}".`);
  return value as Device;
}

/** A seed's path made absolute (the worker may run elsewhere); an address as it is. */
function seedSource(value: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : path.resolve(value);
}

/** Exit code of an `index` stopped by Ctrl-C (128 + SIGINT), as shells report it. */
const STOPPED_EXIT = 130;

/**
 * Runs `index` and prints its summary. Ctrl-C (or SIGTERM) stops the run between two batches: it saves what
 * it did, says so, and exits with STOPPED_EXIT; the next `index` goes on from there. A second one ends the
 * process at once (losing what came after the last checkpoint).
 */
async function indexFolder(client: WorkerClient, request: IndexRequest, o: { json: boolean; waitS: number }): Promise<number> {
  const progress = o.json ? undefined : progressPrinter();
  const signals = stopOnSignals();
  let summary: IndexSummary;
  try {
    summary = await whenUnlocked(o.waitS, () => client.call('index', request, { onProgress: progress?.update, token: signals.token }));
  } catch (e) {
    if (!(e instanceof EngineError && e.code === 'cancelled')) throw e;
    progress?.done();
    console.error('Stopped; what was embedded is saved, and the next "index" goes on from there.');
    return STOPPED_EXIT;
  } finally {
    signals.dispose();
  }
  progress?.done();
  if (summary.seedProblem) console.error(escapeControl(summary.seedProblem));
  if (o.json) console.log(JSON.stringify(summary));
  else printSummary(summary, !!request.shard);
  return 0;
}

/** A cancel token set by the first SIGINT or SIGTERM; the second one exits at once. */
function stopOnSignals(): { token: CancelToken; dispose(): void } {
  const listeners: (() => void)[] = [];
  const token = {
    isCancellationRequested: false,
    onCancellationRequested(listener: () => void) {
      listeners.push(listener);
      return { dispose() {} };
    },
  };
  const onSignal = () => {
    if (token.isCancellationRequested) process.exit(STOPPED_EXIT);
    token.isCancellationRequested = true;
    for (const listener of listeners) listener();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    token,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/**
 * Runs `write` (an index run); while another process holds the store's lock, says so once and tries again
 * until `waitS` seconds have passed, then gives up with the sentence that names the store.
 */
async function whenUnlocked<T>(waitS: number, write: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + waitS * 1000;
  let told = false;
  for (;;) {
    try {
      return await write();
    } catch (e) {
      // (A run stopped by Ctrl-C while it waits is refused at once by the next try: 'cancelled'.)
      if (!(e instanceof EngineError) || e.code !== 'store-locked') throw e;
      if (Date.now() >= deadline) {
        throw new EngineError('store-locked', waitS ? `${e.message.slice(0, -1)}, still after ${waitS} s; try again later or wait longer with --wait <seconds>.` : e.message);
      }
      if (!told) process.stderr.write(`${escapeControl(e.message)} Waiting up to ${waitS} s for it to finish…\n`);
      told = true;
      await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
    }
  }
}

/**
 * --threads: a count, or auto. In the editor auto means all the cores while it is idle and half while you
 * work; nobody types into a terminal run, so here it means all of them.
 */
function threadCount(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value === 'auto') return os.availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--threads must be auto or a positive whole number, not "${value}".`);
  return n;
}

function positiveInt(value: string | undefined, name: string): number | undefined {
  return wholeNumber(value, name, 1);
}

function wholeNumber(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} must be a ${min ? 'positive ' : ''}whole number, not "${value}".`);
  return n;
}

function progressPrinter() {
  const tty = process.stderr.isTTY;
  let lastPhase = '';
  return {
    update: (p: IndexProgress) => {
      const line = escapeControl(p.total ? `${p.phase} ${p.done.toLocaleString('en')}/${p.total.toLocaleString('en')}` : `${p.phase}…`);
      if (tty) process.stderr.write(`\r\x1b[K${line}`);
      else if (p.phase !== lastPhase) process.stderr.write(`${line}\n`);
      lastPhase = p.phase;
    },
    done: () => { if (tty) process.stderr.write('\r\x1b[K'); },
  };
}

/** Readable output: everything that comes from the workspace or the store goes through escapeControl. */
function printSummary(s: IndexSummary, sharded: boolean): void {
  const n = (x: number) => x.toLocaleString('en');
  if (s.rebuiltBecause) console.log(`The stored index was rebuilt: ${escapeControl(s.rebuiltBecause)}.`);
  const seeded = s.seeded ? `, ${n(s.seeded)} from the seed` : '';
  console.log(`Indexed ${n(s.files)} files: ${n(s.chunks)} chunks (${n(s.embedded)} embedded${seeded}, ${n(s.reused)} reused; ${n(s.read)} files read, ${n(s.removed)} removed) in ${(s.ms / 1000).toFixed(1)} s.`);
  if (s.waiting && sharded) console.log(`${n(s.waiting)} chunks wait for the vectors of the other shards: "merge" the shards' stores.`);
  else if (s.waiting) console.log(`${n(s.waiting)} chunks are searchable by their words only until the next run embeds their meaning.`);
  if (s.embedded) console.log(`Padding in embedding batches: ${(s.paddingWaste * 100).toFixed(1)} %.`);
  if (s.skipped.length) {
    console.log(`Skipped ${n(s.skipped.length)} files:`);
    for (const k of s.skipped.slice(0, 50)) console.log(`  ${escapeControl(k.path)}: ${escapeControl(k.reason)}`);
    if (s.skipped.length > 50) console.log(`  … and ${n(s.skipped.length - 50)} more (use --json for all).`);
  }
}

function printHits(r: SearchResult): void {
  if (!r.hits.length) console.log('No results.');
  r.hits.forEach((h, i) => {
    const flat = h.text.replace(/\s+/g, ' ').trim();
    const snippet = escapeControl(flat.length > 160 ? flat.slice(0, 157) + '…' : flat);
    const byWords = h.similarity === undefined && r.mode !== 'fulltext' ? ', by words' : '';
    console.log(`${String(i + 1).padStart(2)}. ${escapeControl(h.path)}:${h.startLine}  ${h.score.toFixed(3)}  [${h.kind}, ${escapeControl(h.lang)}${byWords}]`);
    if (h.title) console.log(`    ${escapeControl(h.title)}`);
    console.log(`    ${snippet}`);
  });
  console.log(`(${r.hits.length} results, ${r.mode}, ${r.ms.toFixed(0)} ms)`);
  if (r.meanings) {
    const n = (x: number) => x.toLocaleString('en');
    console.log(`Meanings are embedded for ${n(r.meanings.embedded)} of ${n(r.meanings.total)} chunks so far; the others are found by their words.`);
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    // Messages name paths and files of the workspace: escaped like the rest of the output.
    if (e instanceof UsageError) console.error(`${escapeControl(e.message)} (see --help)`);
    else if (e instanceof EngineError) console.error(escapeControl(e.message));
    else console.error(`Unexpected error: ${escapeControl(e instanceof Error ? e.message : String(e))}`);
    process.exitCode = e instanceof UsageError ? 2 : 1;
  },
);
