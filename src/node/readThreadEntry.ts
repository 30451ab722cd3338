import { parentPort, workerData } from 'node:worker_threads';
import { loadTokenizer, tokenCounter, tokenizerFromCopy } from './embed/transformersJs';
import { fullTextTokens, indexedWord } from './index/fullTextTokenizer';
import { estimateTokens, readFile, type Found, type TokenBudget } from './indexSteps';
import { WORD_SEPARATOR, type ReadFiles, type ReadResponse, type ReadSetup } from './readThread';

/**
 * The reading thread (dist/readThread.js, see readThread.ts): takes the run's files one at a time from the
 * counter it shares with the engine's thread, reads each as that thread would, and answers with what reading
 * gave and its passages' full-text words.
 */
const { next, modelDir, copy, maxTokens } = workerData as ReadSetup;
const counter = new Int32Array(next);
// The files come once the engine has listed them, maybe before the tokenizer is ready.
const sent = new Promise<Found[]>((resolve) => parentPort!.once('message', ({ files }: ReadFiles) => resolve(files)));
const wordsOf = (text: string): string => fullTextTokens(text).map(indexedWord).join(WORD_SEPARATOR);

(async () => {
  const tokenizer = copy ? tokenizerFromCopy(copy) : modelDir ? await loadTokenizer(modelDir) : undefined;
  const tokens: TokenBudget = { countTokens: tokenizer ? tokenCounter(tokenizer) : estimateTokens, maxTokens };
  const files = await sent;
  for (let i = Atomics.add(counter, 0, 1); i < files.length; i = Atomics.add(counter, 0, 1)) {
    const result = await readFile(files[i], tokens);
    const words = 'chunks' in result ? result.chunks.flatMap((c) => [wordsOf(c.title), wordsOf(c.text)]) : [];
    parentPort!.postMessage({ i, result, words } satisfies ReadResponse);
  }
})();
