import path from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Full-text words computed on a thread of their own while the engine reads files. Before a first index makes
 * every file searchable by words, its thread reads and splits every file and then indexes every passage's
 * words; word-breaking (Intl.Segmenter, fullTextTokenizer.ts) is about a fifth of that. With the words of each
 * file worked out on this thread as soon as the file is read, the engine's thread only looks them up.
 *
 * The words are a pure function of the text, so a result that never comes (the thread failed to start or
 * ended) only means the engine breaks those texts itself. The thread starts with the first texts and ends
 * when their words are taken.
 */
export class WordThread {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly waiting = new Map<number, { texts: string[]; settle: () => void }>();
  private words = new Map<string, string[]>();
  /** Set when the thread cannot run here: the engine breaks every text itself from then on. */
  private broken = false;

  /** `startThread`: a test seam (a thread that fails); the product starts dist/wordThread.js. */
  constructor(private readonly log?: (message: string) => void, private readonly startThread: () => Worker = startWordWorker) {}

  /** Starts working out the words of `texts` (duplicates and empty texts are skipped). */
  prepare(texts: Iterable<string>): void {
    if (this.broken) return;
    const unique = [...new Set(texts)].filter((t) => t && !this.words.has(t));
    if (!unique.length) return;
    const worker = this.worker ?? this.start();
    if (!worker) return;
    const id = this.nextId++;
    this.waiting.set(id, { texts: unique, settle: () => {} });
    worker.ref();
    worker.postMessage({ id, texts: unique } satisfies WordRequest);
  }

  /**
   * The words of every text prepared so far whose result came, by text; waits for those still on the thread
   * (or for the thread to fail), then ends the thread.
   */
  async take(): Promise<Map<string, string[]>> {
    await Promise.all([...this.waiting.values()].map((w) => new Promise<void>((resolve) => { w.settle = resolve; })));
    const words = this.words;
    this.words = new Map();
    await this.stop();
    return words;
  }

  async dispose(): Promise<void> {
    this.words = new Map();
    await this.stop();
  }

  private start(): Worker | undefined {
    let worker: Worker;
    try {
      worker = this.startThread();
    } catch (e) {
      this.fail(e as Error);
      return undefined;
    }
    worker.on('message', ({ id, words }: WordResponse) => {
      const w = this.waiting.get(id);
      if (!w) return;
      this.waiting.delete(id);
      w.texts.forEach((t, i) => this.words.set(t, words[i] ? words[i].split(WORD_SEPARATOR) : []));
      // An idle thread keeps no process alive (the CLI ends when its work does); one at work does.
      if (!this.waiting.size) worker.unref();
      w.settle();
    });
    worker.on('error', (e) => this.fail(e));
    // A thread that ends by itself (not stopped here) leaves its texts to the engine; a later run starts another.
    worker.on('exit', () => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.settleAll();
    });
    this.worker = worker;
    return worker;
  }

  private fail(e: Error): void {
    if (!this.broken) this.log?.(`Words are broken on the engine's own thread: the word thread failed (${e.message}).`);
    this.broken = true;
    this.settleAll();
    void this.stop();
  }

  private settleAll(): void {
    for (const w of this.waiting.values()) w.settle();
    this.waiting.clear();
  }

  private async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.settleAll();
    await worker?.terminate();
  }
}

/** What the engine sends the thread, and what it answers: per text, its words joined by WORD_SEPARATOR. */
export interface WordRequest { id: number; texts: string[] }
export interface WordResponse { id: number; words: string[] }
/** Joins a text's words in one string (one string per text crosses the thread boundary, not one per word); no word holds it. */
export const WORD_SEPARATOR = '\u0001';

/**
 * The thread's script: dist/wordThread.js beside the bundle (the worker, the CLI); under tsx (tests, the
 * bench) the TypeScript source, compiled as it loads.
 */
function startWordWorker(): Worker {
  if (!__filename.endsWith('.ts')) return new Worker(path.join(__dirname, 'wordThread.js'));
  const tsx = 'tsx/cjs/api';
  const entry = path.join(__dirname, 'wordThreadEntry.ts');
  return new Worker(`require(${JSON.stringify(require.resolve(tsx))}).register(); require(${JSON.stringify(entry)});`, { eval: true });
}
