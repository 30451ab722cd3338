#!/usr/bin/env node
// One command for the UI end-to-end tests (test/e2e/*.e2e.ts, one after the other): builds the extension,
// makes the test models, then clicks through the extension in the VS Code server of .vscode-host/ with
// headless chromium.
// Exit code = test result; screenshots in test-results/.
//
// Usage: node scripts/vscodeHost/runE2e.mjs [--vsix FILE | --package] [--no-build]
//   (default)     load this repository as the development extension (like F5)
//   --vsix FILE   install FILE into the throwaway extensions folder instead, e.g. a release candidate
//   --package     build every platform's VSIX with `npm run package` (its content check included) and
//                 install this machine's one: what users get from the marketplace
//   --no-build    skip `node esbuild.mjs` (dist/ is already current)
// Needs `bash scripts/vscodeHost/setup.sh` once.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { lap, repoRoot, run } from './steps.mjs';

const { values } = parseArgs({
  options: { vsix: { type: 'string' }, package: { type: 'boolean', default: false }, 'no-build': { type: 'boolean', default: false } },
  strict: true,
});

try {
  let vsix = values.vsix && path.resolve(values.vsix);
  if (!vsix && !values['no-build']) await run('build the extension', process.execPath, ['esbuild.mjs']);
  // the full-size stand-in too: the first-index suite runs a model of the real size in the extension host
  await run('make the test models', process.execPath, ['scripts/makeModels.mjs', '--full', '--quiet']);
  if (values.package) {
    await run('package every platform', process.execPath, ['scripts/package.mjs']);
    const { name, version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    vsix = path.join(repoRoot, 'vsix', `${name}-${version}-${process.platform}-${process.arch}.vsix`);
  }

  // The tests run in a child Node (tsx compiles them); it stops the server and browser itself in every
  // case, so this process only forwards termination signals (the terminal sends SIGINT to both).
  const tsx = import.meta.resolve('tsx');
  const suites = ['ui.e2e.ts', 'modelFolder.e2e.ts', 'firstIndex.e2e.ts'].map((f) => path.join(repoRoot, 'test/e2e', f));
  const child = spawn(process.execPath, ['--import', tsx, '--test', '--test-reporter=spec', '--test-concurrency=1', ...suites], {
    cwd: repoRoot, stdio: 'inherit', env: { ...process.env, ...(vsix ? { E2E_VSIX: vsix } : {}) },
  });
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  process.on('SIGINT', () => undefined);
  const code = await new Promise((resolve) => child.once('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
  lap(`e2e tests ${code === 0 ? 'passed' : 'FAILED'} (screenshots in test-results/)`);
  process.exitCode = code;
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
}
