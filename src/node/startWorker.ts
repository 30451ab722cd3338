import path from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { WorkerConfig } from '../common/protocol/worker';
import { startEngineWorker, type EngineWorker } from '../common/protocol/workerClient';

/**
 * A worker whose console output goes to this process's stderr: for the MCP server, whose stdout carries the
 * protocol and nothing else (a library's stray console.log in the worker would break it).
 */
class StderrWorker extends Worker {
  constructor(file: string, options: WorkerOptions) {
    super(file, { ...options, stdout: true });
    this.stdout.pipe(process.stderr);
  }
}

/** Starts the engine worker (`worker.js`, built next to the calling bundle in dist/); see startEngineWorker. */
export function startWorker(
  config: WorkerConfig,
  options: { workerFile?: string; onLog?: (level: string, message: string) => void; stdoutToStderr?: boolean } = {},
): EngineWorker<Worker> {
  return startEngineWorker(options.stdoutToStderr ? StderrWorker : Worker, options.workerFile ?? path.join(__dirname, 'worker.js'), config, options.onLog);
}
