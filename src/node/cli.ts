import path from 'node:path';
import { parseArgs } from 'node:util';
import { EngineError } from '../common/errors';
import type { IndexProgress, IndexSummary, SearchMode, SearchResult } from '../common/protocol/engine';
import { startWorker } from './startWorker';

const USAGE = `Usage:
  semantic-search index <folder> --model <modelDir> --store <storeDir> [--include <glob>]... [--exclude <glob>]... [--max-file-size <bytes>] [--json]
  semantic-search search "<query>" --model <modelDir> --store <storeDir> [--limit N] [--mode hybrid|vector|fulltext] [--json]
Options:
  --threads N   onnxruntime threads (default: half the cores)`;

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
        'max-file-size': { type: 'string' }, threads: { type: 'string' }, help: { type: 'boolean', short: 'h' },
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
  if (command !== 'index' && command !== 'search') throw new UsageError(`Unknown command "${command}".`);
  if (!arg) throw new UsageError(command === 'index' ? 'Name the folder to index.' : 'Give the query to search for.');
  if (!values.model) throw new UsageError('Missing --model <modelDir>: a local model folder (config.json, tokenizer.json, onnx/).');
  if (!values.store) throw new UsageError('Missing --store <storeDir>: the folder the index is kept in.');
  const mode = (values.mode ?? 'hybrid') as SearchMode;
  if (!['hybrid', 'vector', 'fulltext'].includes(mode)) throw new UsageError(`--mode must be hybrid, vector or fulltext, not "${mode}".`);
  const limit = positiveInt(values.limit, '--limit') ?? 10;
  const threads = positiveInt(values.threads, '--threads');
  const maxFileSize = positiveInt(values['max-file-size'], '--max-file-size');

  const { client, stop } = startWorker(
    { modelDir: path.resolve(values.model), storeDir: path.resolve(values.store), ...(threads ? { threads } : {}) },
    // Warnings (such as a rebuilt index) reach the user through the summary or the error instead.
    { onLog: (level, message) => { if (level === 'error') console.error(message); } },
  );
  try {
    await client.ready;
    if (command === 'index') {
      const progress = values.json ? undefined : progressPrinter();
      const summary = await client.call('index', {
        roots: [path.resolve(arg)],
        options: { include: values.include, exclude: values.exclude, ...(maxFileSize ? { maxFileSize } : {}) },
      }, { onProgress: progress?.update });
      progress?.done();
      if (values.json) {
        console.log(JSON.stringify(summary));
      } else {
        printSummary(summary);
      }
    } else {
      const info = await client.call('info', {});
      if (info.storeProblem) throw new EngineError('store-unreadable', `The index in ${path.resolve(values.store)} cannot be used: ${info.storeProblem}. Run "index" to rebuild it.`);
      if (!info.chunks) throw new EngineError('store-unreadable', `There is no index in ${path.resolve(values.store)}. Run "index" first.`);
      const result = await client.call('search', { query: arg, options: { limit, mode } });
      if (values.json) {
        console.log(JSON.stringify({
          hits: result.hits.map(({ path: p, startLine, endLine, kind, title, text, score }) => ({ path: p, startLine, endLine, kind, title, text, score })),
          ms: Math.round(result.ms * 10) / 10,
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

function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${name} must be a positive whole number, not "${value}".`);
  return n;
}

function progressPrinter() {
  const tty = process.stderr.isTTY;
  let lastPhase = '';
  return {
    update: (p: IndexProgress) => {
      const line = p.total ? `${p.phase} ${p.done.toLocaleString('en')}/${p.total.toLocaleString('en')}` : `${p.phase}…`;
      if (tty) process.stderr.write(`\r\x1b[K${line}`);
      else if (p.phase !== lastPhase) process.stderr.write(`${line}\n`);
      lastPhase = p.phase;
    },
    done: () => { if (tty) process.stderr.write('\r\x1b[K'); },
  };
}

function printSummary(s: IndexSummary): void {
  const n = (x: number) => x.toLocaleString('en');
  if (s.rebuiltBecause) console.log(`The stored index was rebuilt: ${s.rebuiltBecause}.`);
  console.log(`Indexed ${n(s.files)} files: ${n(s.chunks)} chunks (${n(s.embedded)} embedded, ${n(s.reused)} reused; ${n(s.read)} files read, ${n(s.removed)} removed) in ${(s.ms / 1000).toFixed(1)} s.`);
  if (s.embedded) console.log(`Padding in embedding batches: ${(s.paddingWaste * 100).toFixed(1)} %.`);
  if (s.skipped.length) {
    console.log(`Skipped ${n(s.skipped.length)} files:`);
    for (const k of s.skipped.slice(0, 50)) console.log(`  ${k.path}: ${k.reason}`);
    if (s.skipped.length > 50) console.log(`  … and ${n(s.skipped.length - 50)} more (use --json for all).`);
  }
}

function printHits(r: SearchResult): void {
  if (!r.hits.length) console.log('No results.');
  r.hits.forEach((h, i) => {
    const snippet = h.text.replace(/\s+/g, ' ').trim();
    console.log(`${String(i + 1).padStart(2)}. ${h.path}:${h.startLine}  ${h.score.toFixed(3)}  [${h.kind}, ${h.lang}]`);
    if (h.title) console.log(`    ${h.title}`);
    console.log(`    ${snippet.length > 160 ? snippet.slice(0, 157) + '…' : snippet}`);
  });
  console.log(`(${r.hits.length} results, ${r.mode}, ${r.ms.toFixed(0)} ms)`);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    if (e instanceof UsageError) console.error(`${e.message} (see --help)`);
    else if (e instanceof EngineError) console.error(e.message);
    else console.error(`Unexpected error: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = e instanceof UsageError ? 2 : 1;
  },
);
