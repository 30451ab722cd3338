import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { WorkerConfig } from '../common/protocol/worker';
import { WORKER_RESOURCE_LIMITS, WorkerClient } from '../common/protocol/workerClient';

/**
 * Starts the engine worker (`worker.js`, built next to the calling bundle in dist/) and returns its typed
 * client. `stop()` shuts it down by message: terminating a thread while onnxruntime runs aborts the process.
 */
export function startWorker(config: WorkerConfig, options: { workerFile?: string; onLog?: (level: string, message: string) => void } = {}) {
  const worker = new Worker(options.workerFile ?? path.join(__dirname, 'worker.js'), { workerData: config, resourceLimits: WORKER_RESOURCE_LIMITS });
  const client = new WorkerClient(worker, options.onLog);
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  const stop = async (): Promise<void> => {
    if (!client.isDead) await client.call('shutdown', {}).catch(() => undefined);
    await exited;
  };
  return { client, worker, stop };
}
