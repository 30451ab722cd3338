import { parentPort } from 'node:worker_threads';
import { WORD_SEPARATOR, type WordRequest, type WordResponse } from './wordThread';
import { fullTextTokens, indexedWord } from './fullTextTokenizer';

/** The word thread (dist/wordThread.js): the full-text words of the texts it is sent, as Orama indexes them. */
parentPort!.on('message', ({ id, texts }: WordRequest) => {
  const words = texts.map((t) => fullTextTokens(t).map(indexedWord).join(WORD_SEPARATOR));
  parentPort!.postMessage({ id, words } satisfies WordResponse);
});
