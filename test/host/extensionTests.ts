// Runs an extension's test module (`extensionTestsPath`, the `run()` entry @vscode/test-electron and
// @vscode/test-cli use) inside the real Node extension host of the VS Code server, with headless chromium
// as the window. scripts/vscodeHost/code-shim calls this with the arguments test-electron passes to a VS
// Code executable, so `npx vscode-test` works unchanged (see .vscode-test.mjs).
//
// The workbench, started with a test payload and --enable-smoke-test-driver, runs the tests itself and
// reports through two page functions (the hooks @vscode/test-web uses too): codeAutomationLog for the
// extension host's console and codeAutomationExit for the result.
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { format } from 'node:util';
import type { BrowserContext, Page } from 'playwright-core';
import { firstPage, launchChromium } from './browser';
import { stopwatch } from './log';
import { printHostLogs } from './logs';
import { hostVersion, resultsDir } from './paths';
import { startVsCodeHost, type VsCodeHost } from './server';

/** What to run, from a VS Code command line. */
export interface TestRun {
  extensionDevelopmentPath: string[];
  extensionTestsPath: string;
  workspace: string | undefined;
  /** User settings found in a --user-data-dir given on the command line. */
  settings: Record<string, unknown>;
}

/**
 * Reads the arguments test-electron passes: `--name=value` or `--name value` flags and the folder to open as
 * a positional argument. Flags meant for Electron (--no-sandbox, --disable-updates, …) and
 * --extensions-dir are ignored: every run gets fresh folders. From --user-data-dir only User/settings.json
 * is taken, so a config can hand settings to either kind of VS Code.
 */
export function parseVsCodeArgs(argv: string[]): TestRun {
  const flags = new Map<string, string[]>();
  const positional: string[] = [];
  const takesValue = new Set(['extensionDevelopmentPath', 'extensionTestsPath', 'user-data-dir', 'extensions-dir', 'locale']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    if (!m) {
      positional.push(arg);
      continue;
    }
    const value = m[2] ?? (takesValue.has(m[1]) ? argv[++i] : 'true');
    flags.set(m[1], [...(flags.get(m[1]) ?? []), value]);
  }
  const testsPath = flags.get('extensionTestsPath')?.[0];
  if (!testsPath) throw new Error('missing --extensionTestsPath');
  let settings: Record<string, unknown> = {};
  const userData = flags.get('user-data-dir')?.[0];
  const settingsFile = userData && path.join(userData, 'User/settings.json');
  if (settingsFile && existsSync(settingsFile)) settings = JSON.parse(readFileSync(settingsFile, 'utf8'));
  return {
    extensionDevelopmentPath: (flags.get('extensionDevelopmentPath') ?? []).map((p) => path.resolve(p)),
    extensionTestsPath: path.resolve(testsPath),
    workspace: positional[0] && path.resolve(positional[0]),
    settings,
  };
}

// Workbench chatter that says nothing about the tests.
const NOISE = /^\[|^Creation of workbench contribution|Creating a socket|connection token|Updating additional|getaddrinfo|authentication provider|grace time|^Canceled|static\/out\/vs\/code\/browser/;

/** Runs the tests; resolves with the exit code (0 = all passed). */
export async function runExtensionTests(run: TestRun, timeoutMs = Number(process.env.TEST_HOST_TIMEOUT_MS) || 240_000): Promise<number> {
  const lap = stopwatch('extension tests');
  let host: VsCodeHost | undefined;
  let browser: BrowserContext | undefined;
  try {
    lap(`VS Code ${hostVersion()} server (Node extension host), tests: ${path.relative(process.cwd(), run.extensionTestsPath)}`);
    if (!run.workspace) throw new Error('no folder to open: pass it as the first positional argument (test-cli: workspaceFolder)');
    host = await startVsCodeHost({
      tag: 'tests', workspace: run.workspace, settings: run.settings,
      extensionDevelopmentPath: run.extensionDevelopmentPath, extensionTestsPath: run.extensionTestsPath,
      // test-cli hands its mocha options and file list to its runner through this variable
      extensionEnv: {
        ...(process.env.VSCODE_TEST_OPTIONS ? { VSCODE_TEST_OPTIONS: process.env.VSCODE_TEST_OPTIONS } : {}),
        ...JSON.parse(process.env.TEST_HOST_EXTENSION_ENV || '{}'),
      },
    });
    lap(`server up on 127.0.0.1:${host.port} (logs: ${path.relative(process.cwd(), host.dirs.root)})`);
    browser = await launchChromium(host.dirs);
    const page = await firstPage(browser);

    const automationLog = createWriteStream(path.join(host.dirs.root, 'automation.log'));
    let exit!: (code: number) => void;
    const exited = new Promise<number>((resolve) => (exit = resolve));
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      const line = format(...[args].flat());
      automationLog.write(`${type} ${line}\n`);
      if (!NOISE.test(line)) (type === 'error' ? console.error : console.log)(line);
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => exit(code));
    page.on('crash', () => exit(-2));
    host.server.child.once('exit', () => exit(-3));

    await page.goto(host.url);
    lap('workbench loading; the tests run in the extension host…');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<number>((resolve) => (timer = setTimeout(() => resolve(-1), timeoutMs)))]);
    clearTimeout(timer);
    const why: Record<string, string> = { '-1': `timed out after ${timeoutMs / 1000} s`, '-2': 'the page crashed', '-3': 'the server exited' };
    lap(code === 0 ? 'tests passed' : `tests FAILED (${why[code] ?? `exit code ${code}`}); logs in ${host.dirs.root}`);
    if (code !== 0) await saveFailureEvidence(page, host, run);
    return code === 0 ? 0 : 1;
  } catch (e) {
    console.error('extension test run failed:', e);
    return 1;
  } finally {
    await browser?.close().catch(() => undefined);
    await host?.stop();
    lap('host stopped');
  }
}

/** A screenshot of the window and the logs of the extension under test (the first development path). */
async function saveFailureEvidence(page: Page, host: VsCodeHost, run: TestRun): Promise<void> {
  mkdirSync(resultsDir, { recursive: true });
  const shot = path.join(resultsDir, 'integration-failure.png');
  await page.screenshot({ path: shot }).catch(() => undefined);
  const dev = run.extensionDevelopmentPath[0];
  const manifest = dev && existsSync(path.join(dev, 'package.json')) ? JSON.parse(readFileSync(path.join(dev, 'package.json'), 'utf8')) : {};
  printHostLogs(host, `${manifest.publisher}.${manifest.name}`);
  console.error(`screenshot: ${path.relative(process.cwd(), shot)}`);
}

/** Entry point of the code shim: VS Code command line in, exit code out. */
export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--version')) {
    console.log(hostVersion());
    return 0;
  }
  return runExtensionTests(parseVsCodeArgs(argv));
}
