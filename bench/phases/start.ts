import { startWorker } from '../../src/node/startWorker';
import { runPhase } from '../lib/phase';
import { gc, rssMb } from '../lib/proc';
import { median, round } from '../lib/stats';

export interface StartArgs {
  model: string;
  store: string;
  workerFile: string;
  query: string;
  warmQueries: string[];
}

/**
 * Start of the product as the extension does it: a worker thread (the bundled src/worker/worker.ts) loads
 * the model and the persisted index; the clock runs from creating the worker to the first search result
 * received, asked as the panel and the quick pick ask (`partialWords`: answered at once, while a loaded
 * index's words are still being indexed), then to the first complete ranking (a search that waits for the
 * words, as the CLI's does). Then a few warm searches through the worker, and the memory the worker added
 * to the process, its words all indexed.
 */
runPhase(async (a: StartArgs) => {
  gc();
  const rss0 = rssMb();
  const t0 = performance.now();
  const { client, stop } = startWorker({ modelDir: a.model, storeDir: a.store }, { workerFile: a.workerFile });
  try {
    const model = await client.ready;
    const readyMs = performance.now() - t0;
    const first = await client.call('search', { query: a.query, options: { limit: 10, partialWords: true } });
    const firstResultMs = performance.now() - t0;
    await client.call('search', { query: a.query, options: { limit: 10 } });
    const completeRankingMs = performance.now() - t0;
    const warm: number[] = [];
    for (const q of a.warmQueries) {
      const t = performance.now();
      await client.call('search', { query: q, options: { limit: 10 } });
      warm.push(performance.now() - t);
    }
    const info = await client.call('info', {});
    const rss = rssMb();
    return {
      chunks: info.chunks, hits: first.hits.length, readyMs: round(readyMs, 0), engineOpenMs: model.loadMs,
      firstResultMs: round(firstResultMs, 0), firstSearchMs: round(firstResultMs - readyMs, 0), completeRankingMs: round(completeRankingMs, 0),
      warmViaWorkerP50Ms: round(median(warm), 1),
      workerMb: round(rss - rss0, 0), processRssMb: round(rss, 0), mainThreadRssMb: round(rss0, 0),
    };
  } finally {
    await stop();
  }
});
