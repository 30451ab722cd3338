import path from 'node:path';
import * as esbuild from 'esbuild';
import { cacheDir, repoRoot } from './paths';

/**
 * Bundles the engine worker (src/worker/worker.ts) and its reading thread the way esbuild.mjs does for dist/, into the bench's
 * own folder, so the bench measures the worker as shipped without touching dist/ (which others rebuild).
 * The folder is inside the repository so the bundle finds onnxruntime-node in node_modules.
 */
export async function buildWorkerBundle(): Promise<string> {
  const outdir = cacheDir('bench-build');
  await esbuild.build({
    // The engine starts its reading thread (readThread.js) from beside its own bundle.
    entryPoints: { worker: path.join(repoRoot, 'src/worker/worker.ts'), readThread: path.join(repoRoot, 'src/node/readThreadEntry.ts') },
    outdir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'onnxruntime-node', 'sharp'],
    conditions: ['node', 'require'],
    mainFields: ['main', 'module'],
    logLevel: 'warning',
  });
  return path.join(outdir, 'worker.js');
}

/**
 * Bundles the CLI (src/node/cli.ts) beside the worker bundle, as esbuild.mjs does for dist/cli.js: the CLI
 * starts the `worker.js` next to it. Returns the CLI's path.
 */
export async function buildCliBundle(): Promise<string> {
  await buildWorkerBundle();
  const outfile = path.join(cacheDir('bench-build'), 'cli.js');
  await esbuild.build({
    entryPoints: [path.join(repoRoot, 'src/node/cli.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'onnxruntime-node', 'sharp'],
    conditions: ['node', 'require'],
    mainFields: ['main', 'module'],
    logLevel: 'warning',
  });
  return outfile;
}

/**
 * The reading thread as shipped (readThread.js beside the worker bundle), for the engines the bench runs in
 * its own process: under tsx the engine would otherwise start the thread from the TypeScript sources, compiled
 * as they load, which the product never does.
 */
export async function readThreadBundle(): Promise<string> {
  return path.join(path.dirname(await buildWorkerBundle()), 'readThread.js');
}
