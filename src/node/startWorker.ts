import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { WorkerConfig } from '../common/protocol/worker';
import { startEngineWorker, type EngineWorker } from '../common/protocol/workerClient';

/** Starts the engine worker (`worker.js`, built next to the calling bundle in dist/); see startEngineWorker. */
export function startWorker(config: WorkerConfig, options: { workerFile?: string; onLog?: (level: string, message: string) => void } = {}): EngineWorker<Worker> {
  return startEngineWorker(Worker, options.workerFile ?? path.join(__dirname, 'worker.js'), config, options.onLog);
}
