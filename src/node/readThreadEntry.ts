import { parentPort, workerData } from 'node:worker_threads';
import { loadTokenizer, tokenCounter } from './embed/transformersJs';
import { fullTextTokens, indexedWord } from './index/fullTextTokenizer';
import { estimateTokens, readFile, type TokenBudget } from './indexSteps';
import { WORD_SEPARATOR, type ReadResponse, type ReadSetup } from './readThread';

/**
 * The reading thread (dist/readThread.js, see readThread.ts): takes the run's files one at a time from the
 * counter it shares with the engine's thread, reads each as that thread would, and answers with what reading
 * gave and its passages' full-text words.
 */
const { files, next, modelDir, vocabulary, maxTokens } = workerData as ReadSetup;
const counter = new Int32Array(next);
const wordsOf = (text: string): string => fullTextTokens(text).map(indexedWord).join(WORD_SEPARATOR);

(async () => {
  const tokens: TokenBudget = modelDir
    ? { countTokens: tokenCounter(await loadTokenizer(modelDir, vocabulary && { parts: vocabulary })), maxTokens }
    : { countTokens: estimateTokens, maxTokens };
  for (let i = Atomics.add(counter, 0, 1); i < files.length; i = Atomics.add(counter, 0, 1)) {
    const result = await readFile(files[i], tokens);
    const words = 'chunks' in result ? result.chunks.flatMap((c) => [wordsOf(c.title), wordsOf(c.text)]) : [];
    parentPort!.postMessage({ i, result, words } satisfies ReadResponse);
  }
})();
