import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TokenizerCopy } from './embed/transformersJs';
import type { Found, ReadResult } from './indexSteps';

/**
 * A second reader for a long run: a thread that reads, decodes and splits files as the engine's thread does
 * (the same code, the same tokenizer loaded from the model folder), and breaks each passage into its
 * full-text words (Intl.Segmenter, fullTextTokenizer.ts). Before a first index makes every file searchable by
 * words, its files are read and split (the chunker counting tokens), then Orama indexes their words: on one
 * thread that is one long line of work; shared out, a second core takes part of it (bench/README.md, "First
 * index": on 2 cores the Astro docs' words come ~0.8 s sooner, both cores then busy).
 *
 * The two readers share the run's list of files: each takes the next file no one has taken (one shared
 * counter), so neither waits while files are left, and the engine's thread takes the results in order.
 * A result is a pure function of the file and the tokenizer, so a thread that cannot start, fails or ends
 * early only means the engine reads the files it left (said once). The thread starts with the run's reading
 * and is ended with it.
 */
export class ReadThread {
  private worker: Worker | undefined;
  private files: readonly Found[] = [];
  /** The index of the next file no reader has taken, shared with the thread. */
  private next = new Int32Array(new SharedArrayBuffer(4));
  private results = new Map<number, ReadResult>();
  private waiting = new Map<number, (r: ReadResult | undefined) => void>();
  /** The words of the passages read on the thread, by text, as Orama indexes them. */
  private words = new Map<string, string[]>();
  /** Set once the thread failed: the engine reads everything itself from then on. */
  private broken = false;
  private said = false;

  /** `startThread`: a test seam (a thread that fails); the product starts dist/readThread.js. */
  constructor(private readonly log?: (message: string) => void, private readonly startThread: (setup: ReadSetup) => Worker = (setup) => startReadWorker(setup)) {}

  /**
   * Starts the thread before the run's files are known, with the engine's tokenizer (`copy`, made again on
   * the thread) or the model folder's (without either, tokens are estimated as the engine does): it gets its
   * tokenizer ready while the engine lists the files.
   */
  prepare(tokenizer: ThreadTokenizer): void {
    if (this.worker) return;
    this.files = [];
    this.next = new Int32Array(new SharedArrayBuffer(4));
    this.results = new Map();
    this.words = new Map();
    this.broken = false;
    let worker: Worker;
    try {
      worker = this.startThread({ next: this.next.buffer, ...tokenizer });
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    worker.on('message', ({ i, result, words }: ReadResponse) => {
      if (worker !== this.worker) return;
      if ('chunks' in result) result.chunks.forEach((c, k) => {
        for (const [text, w] of [[c.title, words[2 * k]], [c.text, words[2 * k + 1]]] as const) if (text) this.words.set(text, w ? w.split(WORD_SEPARATOR) : []);
      });
      const wait = this.waiting.get(i);
      if (wait) {
        this.waiting.delete(i);
        wait(result);
      } else {
        this.results.set(i, result);
      }
    });
    worker.on('error', (e) => this.fail(e));
    // The thread ends by itself when no file is left; files it took and did not answer are left to the engine.
    worker.on('exit', (code) => {
      if (worker !== this.worker) return;
      if (code) return this.fail(new Error(`it ended with code ${code}`));
      this.worker = undefined;
      this.settleAll();
    });
    this.worker = worker;
  }

  /** Starts reading `files` beside the engine's thread: on the thread {@link prepare} started, or on one started now. */
  start(files: readonly Found[], tokenizer: ThreadTokenizer): void {
    this.prepare(tokenizer);
    this.files = files;
    if (this.worker) this.worker.postMessage({ files: [...files] } satisfies ReadFiles);
    else Atomics.store(this.next, 0, files.length); // no thread: the engine's thread reads every file
  }

  /** Takes the next file no reader has taken, for the engine's thread to read: its index, or -1 when none is left. */
  claim(): number {
    if (!this.files.length) return -1; // none yet (a thread started before the run's files are known)
    const i = Atomics.add(this.next, 0, 1);
    return i < this.files.length ? i : -1;
  }

  /** The thread's result for file i if it has come (once). */
  take(i: number): ReadResult | undefined {
    const r = this.results.get(i);
    if (r) this.results.delete(i);
    return r;
  }

  /** Waits for the thread's result for file i (one it took); undefined when the thread failed or was stopped first. */
  result(i: number): Promise<ReadResult | undefined> {
    const r = this.take(i);
    if (r || this.broken || !this.worker) return Promise.resolve(r);
    return new Promise((resolve) => this.waiting.set(i, resolve));
  }

  /** The words of the passages the thread has read so far, by text (a live map, filled as results come). */
  get knownWords(): ReadonlyMap<string, string[]> {
    return this.words;
  }

  /** The words of the passages the last run's thread read, by text, once (then forgotten here). */
  takeWords(): Map<string, string[]> {
    const words = this.words;
    this.words = new Map();
    return words;
  }

  /** Ends the thread; results still awaited are undefined. */
  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    Atomics.store(this.next, 0, this.files.length);
    this.settleAll();
    this.results = new Map();
    await worker?.terminate();
  }

  private fail(e: Error): void {
    if (!this.said) this.log?.(`Files are read on the engine's own thread: the reading thread failed (${e.message}).`);
    this.said = true;
    this.broken = true;
    void this.stop();
  }

  private settleAll(): void {
    for (const wait of this.waiting.values()) wait(undefined);
    this.waiting.clear();
  }
}

/** The tokenizer a thread makes: a copy of the engine's, or the model folder's, or none (estimated counts). */
export interface ThreadTokenizer {
  modelDir?: string;
  copy?: TokenizerCopy;
  maxTokens: number;
}
/** What the thread is started with: the shared index of the next file to take, and its tokenizer. */
export interface ReadSetup extends ThreadTokenizer {
  next: SharedArrayBuffer;
}
/** What the thread is then sent: the run's files. */
export interface ReadFiles {
  files: Found[];
}
/** What the thread answers for each file it took: what reading it gave and, per passage, its title's and text's words. */
export interface ReadResponse {
  i: number;
  result: ReadResult;
  words: string[];
}
/** Joins a text's words in one string (one string per text crosses the thread boundary, not one per word); no word holds it. */
export const WORD_SEPARATOR = '\u0001';

/** The thread's heap limit: it holds a tokenizer and one file at a time; past this it fails and the engine reads on. */
const READ_THREAD_LIMITS = { maxOldGenerationSizeMb: 1024 };

/**
 * Starts the thread: `script`, or dist/readThread.js beside the bundle (the worker, the CLI); under tsx (tests,
 * the bench) the TypeScript source, compiled as it loads.
 */
export function startReadWorker(setup: ReadSetup, script?: string): Worker {
  const options = { workerData: setup, resourceLimits: READ_THREAD_LIMITS };
  // A bundle gets none of this process's flags: a loader the process runs under (tsx, for the bench) would
  // otherwise hook and look through the bundle as the thread loads it, ~0.5 s of its start. The sources need tsx.
  if (script) return new Worker(script, { ...options, execArgv: [] });
  if (!__filename.endsWith('.ts')) return new Worker(path.join(__dirname, 'readThread.js'), { ...options, execArgv: [] });
  const tsx = 'tsx/cjs/api';
  const entry = path.join(__dirname, 'readThreadEntry.ts');
  return new Worker(`require(${JSON.stringify(require.resolve(tsx))}).register(); require(${JSON.stringify(entry)});`, { ...options, eval: true });
}
