#!/usr/bin/env node
// One command for the integration tests: builds the extension, makes the test models, bundles the mocha suites
// of test/integration/ into out/test/integration/, and runs them in a real VS Code with `vscode-test`
// (@vscode/test-cli, configured by .vscode-test.mjs). Exit code = test result.
//
// Usage: node scripts/vscodeHost/runIntegration.mjs [--no-build] [-- <vscode-test options, e.g. --grep exclude>]
//   --no-build   skip `node esbuild.mjs` (dist/ is already current)
// Needs `bash scripts/vscodeHost/setup.sh` once (offline VS Code server), or internet (downloaded VS Code).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { lap, repoRoot, run } from './steps.mjs';

const args = process.argv.slice(2);
const passThrough = args.includes('--') ? args.slice(args.indexOf('--') + 1) : [];
const build = !args.includes('--no-build');

/** Bundles each .test.ts under test/integration/ (with what it imports, except vscode and mocha) into out/. */
async function bundleSuites() {
  const dir = path.join(repoRoot, 'test/integration');
  const entryPoints = readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.test.ts')).map((f) => path.join(dir, f));
  const outdir = path.join(repoRoot, 'out/test/integration');
  rmSync(outdir, { recursive: true, force: true }); // no stale suites of deleted files
  await esbuild.build({
    entryPoints,
    outdir,
    outbase: dir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: true,
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return entryPoints.length;
}

try {
  if (build) await run('build the extension', process.execPath, ['esbuild.mjs']);
  await run('make the test models', process.execPath, ['scripts/makeModels.mjs', '--quiet']);
  lap(`bundled ${await bundleSuites()} suite(s) into out/test/integration/`);
  if (!process.env.VSCODE_TEST_HOST && !existsSync(path.join(repoRoot, '.vscode-host/.stamp'))) {
    lap('no .vscode-host/: vscode-test will download VS Code (needs internet); `bash scripts/vscodeHost/setup.sh` installs the offline host');
  }
  const cli = path.join(repoRoot, 'node_modules/@vscode/test-cli/out/bin.mjs');
  // inherit stdio: mocha's report streams through; SIGINT reaches test-cli, which stops the shim gracefully
  const child = spawn(process.execPath, [cli, '--config', path.join(repoRoot, '.vscode-test.mjs'), ...passThrough], { cwd: repoRoot, stdio: 'inherit' });
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  process.on('SIGINT', () => undefined); // the terminal sends it to the child too
  const code = await new Promise((resolve) => child.once('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
  lap(`integration tests ${code === 0 ? 'passed' : 'FAILED'}`);
  process.exitCode = code;
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
}
