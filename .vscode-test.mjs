// @vscode/test-cli configuration: the mocha suites of test/integration/ (bundled by
// scripts/vscodeHost/runIntegration.mjs into out/test/integration/) run inside a real VS Code extension host.
//
// Which VS Code:
// - The VS Code server of .vscode-host/ (installed offline by scripts/vscodeHost/setup.sh) when that folder
//   exists, through scripts/vscodeHost/code-shim, which poses as the VS Code executable and drives the
//   workbench with headless chromium. This is what CI and this machine (no downloads but npm) use.
// - Otherwise a VS Code that @vscode/test-electron downloads (needs internet; on Linux without a display
//   run it under `xvfb-run -a`).
// VSCODE_TEST_HOST=server or VSCODE_TEST_HOST=electron forces one or the other.
//
// Both get a fresh copy of the fixture workspace and a user-data folder whose settings point
// `semanticSearch.modelPath` at the generated concept model (`node scripts/makeModels.mjs`).
import { defineConfig } from '@vscode/test-cli';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/cjs/api';

const root = path.dirname(fileURLToPath(import.meta.url));
const host = process.env.VSCODE_TEST_HOST || (existsSync(path.join(root, '.vscode-host/.stamp')) ? 'server' : 'electron');
if (host !== 'server' && host !== 'electron') throw new Error(`VSCODE_TEST_HOST must be "server" or "electron", not "${host}"`);

// The fixture helpers are TypeScript, shared with the e2e tests.
const unregister = register();
const { prepareWorkspace, testSettings } = createRequire(import.meta.url)('./test/host/fixture.ts');
unregister();

const scratch = mkdtempSync(path.join(os.tmpdir(), 'semantic-search-it-'));
process.once('exit', () => rmSync(scratch, { recursive: true, force: true }));
const workspace = prepareWorkspace(scratch);
const userData = path.join(scratch, 'user-data');
mkdirSync(path.join(userData, 'User'), { recursive: true });
writeFileSync(path.join(userData, 'User/settings.json'), JSON.stringify(testSettings(), null, 2));

export default defineConfig({
  label: 'integration',
  files: 'out/test/integration/**/*.test.js',
  workspaceFolder: workspace,
  // --disable-extensions keeps a downloaded VS Code's other extensions out (the one under test still loads)
  launchArgs: [`--user-data-dir=${userData}`, '--disable-extensions'],
  mocha: { ui: 'tdd', timeout: 60_000, slow: 5_000 },
  ...(host === 'server' ? { useInstallation: { fromPath: path.join(root, 'scripts/vscodeHost/code-shim') } } : {}),
});
