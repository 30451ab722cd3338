import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { WORKER_RESOURCE_LIMITS, WorkerClient } from '../../src/common/protocol/workerClient';
import { startWorker } from '../../src/node/startWorker';
import { tempDir, workerPath } from './helpers';

/** A worker that fills its heap as soon as it gets a request. */
const GREEDY = `
  const { parentPort } = require('node:worker_threads');
  parentPort.postMessage({ type: 'ready', model: { id: 'none', dim: 0, dtype: 'none', loadMs: 0 } });
  parentPort.on('message', () => { const keep = []; for (;;) keep.push(new Array(100000).fill(keep.length)); });
`;

describe('worker memory', () => {
  it('starts the engine worker with a heap limit', async () => {
    const { worker, client, stop } = startWorker({ storeDir: tempDir() }, { workerFile: workerPath });
    try {
      await client.ready;
      assert.equal(worker.resourceLimits?.maxOldGenerationSizeMb, WORKER_RESOURCE_LIMITS.maxOldGenerationSizeMb);
    } finally {
      await stop();
    }
  });

  it('says in one sentence that a worker ran out of memory, to pending and later calls alike', async () => {
    const worker = new Worker(GREEDY, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 16 } });
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    const client = new WorkerClient(worker);
    await client.ready;
    const expected = /^The search worker ran out of memory \(limit 16 MB\) and was stopped; [^.]+\.$/;
    await assert.rejects(client.call('info', {}), (e: Error & { code?: string }) => expected.test(e.message) && e.code === 'worker-exited');
    await exited;
    assert.equal(client.isDead, true);
    assert.match(client.outOfMemory ?? '', expected);
    await assert.rejects(client.call('search', { query: 'x' }), (e: Error) => expected.test(e.message));
  });
});
