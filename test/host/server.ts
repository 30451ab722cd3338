// A real VS Code server on 127.0.0.1 for one test run, with throwaway user data, extensions and HOME.
//
// It runs `lib/vscode/out/server-main.js` from the code-server package: the plain VS Code server (web
// workbench + Node extension host) rather than code-server's wrapper, because only it accepts
// --enable-smoke-test-driver, without which a built workbench ignores the URL `payload` that carries
// extensionDevelopmentPath / extensionTestsPath. Extensions run in it as workspace ("remote") extensions
// with `vscode.env.uiKind === UIKind.Web`.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { hostVersion, node24, runsDir, vscodeServerMain } from './paths';
import { installCleanupHandlers, reapStale, spawnGroup, stopGroup, waitForOutput, type ProcessGroup } from './processes';

/** The folders of one run, all under .vscode-host/runs/<timestamp>-<tag>-XXXX/. */
export interface RunDirs {
  root: string;
  userData: string;
  extensions: string;
  home: string;
  pids: string;
}

export interface HostOptions {
  /** Names the run folder, e.g. 'e2e' or 'tests'. */
  tag: string;
  /** Folders made beforehand with makeRunDirs (e.g. to put the workspace beside the logs); else new ones. */
  dirs?: RunDirs;
  /** Folder, or `.code-workspace` file of a multi-root workspace, opened in the workbench. */
  workspace: string;
  /**
   * Settings on top of a quiet, offline profile (no welcome page, telemetry, updates, chat, git). Workspace
   * trust is off unless they set `security.workspace.trust.enabled`: then the folder opens in Restricted Mode.
   */
  settings?: Record<string, unknown>;
  /** .vsix files installed into the throwaway extensions folder before the server starts. */
  vsix?: string[];
  /** Extension folders loaded in development mode (like F5 in VS Code). */
  extensionDevelopmentPath?: string[];
  /** A module exporting `run(): Promise<void>`, run inside the extension host (mocha suites). */
  extensionTestsPath?: string;
  /** Extra environment variables of the extension host (only with a payload, i.e. the two options above). */
  extensionEnv?: Record<string, string>;
}

export interface VsCodeHost {
  dirs: RunDirs;
  port: number;
  /** The workbench URL with the folder (and payload) to open. */
  url: string;
  server: ProcessGroup;
  stop(): Promise<void>;
}

/** Settings that keep the workbench quiet and offline, so tests see only what they do. */
const QUIET_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'security.workspace.trust.enabled': false,
};

/** Creates the throwaway folders of a run. */
export function makeRunDirs(tag: string): RunDirs {
  mkdirSync(runsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const root = mkdtempSync(path.join(runsDir, `${stamp}-${tag}-`));
  const dirs: RunDirs = {
    root,
    userData: path.join(root, 'user-data'),
    extensions: path.join(root, 'extensions'),
    home: path.join(root, 'home'), // code-server, node-gyp and chromium all write below HOME
    pids: path.join(root, 'pids'),
  };
  for (const dir of [dirs.userData, dirs.extensions, dirs.home]) mkdirSync(dir, { recursive: true });
  return dirs;
}

/**
 * Writes the settings twice: as the user's settings and as the server's "remote" settings (this build keeps
 * both under --user-data-dir). A remote window ignores `machine`-scoped settings from the user's file, and the
 * remote file ignores `application`-scoped ones, so with both every setting reaches the extension whatever
 * scope it declares. A value a test sets with ConfigurationTarget.Workspace still wins over both.
 */
function writeSettings(dirs: RunDirs, settings: Record<string, unknown>): void {
  const json = JSON.stringify({ ...QUIET_SETTINGS, ...settings }, null, 2);
  for (const dir of [path.join(dirs.userData, 'User'), path.join(dirs.userData, 'Machine')]) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'settings.json'), json);
  }
}

function serverEnv(dirs: RunDirs): NodeJS.ProcessEnv {
  // A clean HOME keeps the developer's own VS Code and chromium settings out, and ours out of theirs.
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: dirs.home, XDG_CONFIG_HOME: undefined, XDG_CACHE_HOME: undefined, XDG_DATA_HOME: undefined };
  // Variables a parent VS Code or test-electron sets would confuse the server (it is not Electron).
  for (const key of Object.keys(env)) if (/^(VSCODE_|ELECTRON_)/.test(key)) delete env[key];
  return env;
}

function commonArgs(dirs: RunDirs): string[] {
  return ['--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];
}

/** Installs a .vsix with the server's CLI (runs to completion). */
async function installVsix(dirs: RunDirs, vsix: string): Promise<void> {
  const args = [vscodeServerMain, ...commonArgs(dirs), '--accept-server-license-terms', '--install-extension', path.resolve(vsix), '--force'];
  const { stdout, stderr } = await promisify(execFile)(node24, args, { env: serverEnv(dirs), timeout: 120_000 });
  if (!/successfully installed/i.test(stdout + stderr)) throw new Error(`installing ${vsix} failed:\n${stdout}${stderr}`);
}

/** A TCP port that is free on 127.0.0.1 right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Starts the VS Code server and returns the URL that opens `workspace` (with the test payload, if any). */
export async function startVsCodeHost(options: HostOptions): Promise<VsCodeHost> {
  hostVersion(); // fails early with "run setup.sh" when the host is missing
  installCleanupHandlers();
  reapStale();
  const dirs = options.dirs ?? makeRunDirs(options.tag);
  writeSettings(dirs, options.settings ?? {});
  const trust = options.settings?.['security.workspace.trust.enabled'] === true;
  for (const vsix of options.vsix ?? []) await installVsix(dirs, vsix);

  const payload: [string, string][] = [];
  let server: ProcessGroup | undefined;
  let port = 0;
  // a port found free can be taken before the server binds it: then try another
  for (let attempt = 1; !server; attempt++) {
    port = await freePort();
    const remote = (p: string) => `vscode-remote://127.0.0.1:${port}${path.resolve(p)}`;
    payload.length = 0;
    for (const dev of options.extensionDevelopmentPath ?? []) payload.push(['extensionDevelopmentPath', remote(dev)]);
    if (options.extensionTestsPath) payload.push(['extensionTestsPath', remote(options.extensionTestsPath)]);
    const smokeDriver = payload.length > 0;
    if (smokeDriver) payload.push(['skipWelcome', 'true'], ['extensionEnvironment', JSON.stringify(options.extensionEnv ?? {})]);
    const args = [vscodeServerMain, '--host', '127.0.0.1', '--port', String(port), '--without-connection-token',
      '--accept-server-license-terms', '--disable-telemetry', ...(trust ? [] : ['--disable-workspace-trust']), ...commonArgs(dirs),
      ...(smokeDriver ? ['--enable-smoke-test-driver'] : [])];
    const candidate = spawnGroup('vscode-server', node24, args, { env: serverEnv(dirs), logFile: path.join(dirs.root, 'server.log'), pidDir: dirs.pids });
    try {
      await waitForOutput(candidate, /Extension host agent listening on|Web UI available at/, 60_000);
      server = candidate;
    } catch (e) {
      await stopGroup(candidate);
      if (attempt >= 3 || !/EADDRINUSE/.test(String(e))) throw e;
    }
  }

  const opened = path.resolve(options.workspace);
  const query = new URLSearchParams(opened.endsWith('.code-workspace') ? { workspace: opened } : { folder: opened });
  if (payload.length) query.set('payload', JSON.stringify(payload));
  const started = server;
  return { dirs, port, url: `http://127.0.0.1:${port}/?${query}`, server: started, stop: () => stopGroup(started) };
}
