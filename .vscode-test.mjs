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
// Three runs, each with a fresh copy of the fixture workspace and a user-data folder whose settings point
// `semanticSearch.modelPath` at the generated concept model (`node scripts/makeModels.mjs`):
//   integration  test/integration/*.test.ts            one folder
//   multi-root   test/integration/multiRoot/*.test.ts  a .code-workspace with two folders
//   untrusted    test/integration/untrusted/*.test.ts  one folder in Restricted Mode (server host only)
// `--label <name>` runs one of them.
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
const fixture = createRequire(import.meta.url)('./test/host/fixture.ts');
const facts = createRequire(import.meta.url)('./test/host/fixtureFacts.ts');
unregister();

const scratch = mkdtempSync(path.join(os.tmpdir(), 'semantic-search-it-'));
process.once('exit', () => rmSync(scratch, { recursive: true, force: true }));

/** A run's folder under the scratch folder, with a user-data folder holding the test settings (and `extra`). */
function run(name, extra = {}) {
  const dir = path.join(scratch, name);
  const userData = path.join(dir, 'user-data');
  mkdirSync(path.join(userData, 'User'), { recursive: true });
  writeFileSync(path.join(userData, 'User/settings.json'), JSON.stringify({ ...fixture.testSettings(), ...extra }, null, 2));
  return { dir, userData };
}

/** One suite folder of out/test/integration/, in the given workspace, with the given user data. */
function suite(label, files, workspaceFolder, userData) {
  return {
    label,
    files: `out/test/integration/${files}`,
    workspaceFolder,
    // --disable-extensions keeps a downloaded VS Code's other extensions out (the one under test still loads)
    launchArgs: [`--user-data-dir=${userData}`, '--disable-extensions'],
    mocha: { ui: 'tdd', timeout: 60_000, slow: 5_000 },
    // The crash tests end the search worker with this query (src/worker/worker.ts). The server host hands
    // the extension host its variables through TEST_HOST_EXTENSION_ENV; a downloaded VS Code inherits them.
    env: {
      SEMANTIC_SEARCH_TEST_CRASH_QUERY: facts.WORKER_CRASH_QUERY,
      TEST_HOST_EXTENSION_ENV: JSON.stringify({ SEMANTIC_SEARCH_TEST_CRASH_QUERY: facts.WORKER_CRASH_QUERY }),
    },
    ...(host === 'server' ? { useInstallation: { fromPath: path.join(root, 'scripts/vscodeHost/code-shim') } } : {}),
  };
}

const single = run('single');
const multi = run('multi-root');
const configs = [
  suite('integration', '*.test.js', fixture.prepareWorkspace(single.dir), single.userData),
  suite('multi-root', 'multiRoot/*.test.js', fixture.prepareMultiRootWorkspace(multi.dir), multi.userData),
];
// Restricted Mode needs workspace trust turned on, which @vscode/test-electron always turns off
// (--disable-workspace-trust): only the server host runs this suite.
if (host === 'server') {
  const untrusted = run('untrusted', { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' });
  configs.push(suite('untrusted', 'untrusted/*.test.js', fixture.prepareUntrustedWorkspace(untrusted.dir), untrusted.userData));
}

export default defineConfig(configs);
