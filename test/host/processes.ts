// Child processes of a test run that must never outlive it. Each server is spawned detached, so it leads its
// own process group and `kill(-pgid)` reaches its extension host, file watcher and pty host too, and only
// them: nothing is ever killed by name. Groups are stopped in `finally` blocks, on SIGINT/SIGTERM/SIGHUP, on
// process exit, and, if this process itself was SIGKILLed, by the next run's `reapStale()` through pid files.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hostDir, runsDir } from './paths';

/** A started process group. */
export interface ProcessGroup {
  readonly name: string;
  readonly child: ChildProcess;
  /** File with everything the process printed. */
  readonly logFile: string;
}

const live = new Map<ProcessGroup, string>(); // group → its pid file

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/** Spawns `command` as the leader of a new process group; output goes to `logFile` (and `onOutput`). */
export function spawnGroup(name: string, command: string, args: string[], options: {
  env: NodeJS.ProcessEnv; logFile: string; pidDir: string; onOutput?: (text: string) => void;
}): ProcessGroup {
  const child = spawn(command, args, { env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const log = createWriteStream(options.logFile);
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (data: Buffer) => {
      log.write(data);
      options.onOutput?.(data.toString());
    });
  }
  child.once('close', () => log.end());
  const group: ProcessGroup = { name, child, logFile: options.logFile };
  if (child.pid) {
    mkdirSync(options.pidDir, { recursive: true });
    const pidFile = path.join(options.pidDir, `${child.pid}.json`);
    writeFileSync(pidFile, JSON.stringify({ pgid: child.pid, owner: process.pid, name }));
    live.set(group, pidFile);
  }
  return group;
}

/** Resolves once the group's output matches `ready`; rejects with the log's tail if it exits or times out. */
export function waitForOutput(group: ProcessGroup, ready: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const fail = (why: string) => {
      cleanup();
      reject(new Error(`${group.name} ${why}; last output (full log: ${group.logFile}):\n${seen.slice(-2000)}`));
    };
    const onData = (data: Buffer) => {
      seen += data.toString();
      if (ready.test(seen)) {
        cleanup();
        resolve();
      }
    };
    const onExit = (code: number | null, signal: string | null) => fail(`exited (${code ?? signal}) before it was ready`);
    const timer = setTimeout(() => fail(`was not ready after ${timeoutMs / 1000} s`), timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      group.child.stdout?.off('data', onData);
      group.child.stderr?.off('data', onData);
      group.child.off('exit', onExit);
    };
    group.child.stdout?.on('data', onData);
    group.child.stderr?.on('data', onData);
    group.child.once('exit', onExit);
  });
}

/** SIGTERM to the whole group, SIGKILL to what is left after `graceMs`. */
export async function stopGroup(group: ProcessGroup, graceMs = 3000): Promise<void> {
  const pgid = group.child.pid;
  const pidFile = live.get(group);
  live.delete(group);
  if (pgid) {
    signalGroup(pgid, 'SIGTERM');
    for (const end = Date.now() + graceMs; groupAlive(pgid) && Date.now() < end;) await new Promise((r) => setTimeout(r, 50));
    if (groupAlive(pgid)) signalGroup(pgid, 'SIGKILL');
  }
  if (pidFile) rmSync(pidFile, { force: true });
}

/** Kills every live group at once (exit and signal paths, where there is no time to be polite). */
function killAllNow(): void {
  for (const [group, pidFile] of live) {
    if (group.child.pid) signalGroup(group.child.pid, 'SIGKILL');
    rmSync(pidFile, { force: true });
  }
  live.clear();
}

let handlersInstalled = false;
/**
 * Stops every group when this process exits or is interrupted (Ctrl+C, CI timeouts). On a signal it exits at
 * once with 128 + the signal number: tests still running would only fail noisily. Playwright's own exit
 * hook kills the browser it launched.
 */
export function installCleanupHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.once('exit', killAllNow);
  const codes = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
  for (const signal of Object.keys(codes) as (keyof typeof codes)[]) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the test host`);
      killAllNow();
      process.exit(codes[signal]);
    });
  }
}

/**
 * Kills process groups left by earlier runs whose harness died without cleaning up (SIGKILL, OOM), and
 * deletes all but the newest `keepRuns` run folders. A group is only killed if its owner is gone and its
 * leader is still one of our servers (its command line names .vscode-host), so a recycled pid is safe.
 */
export function reapStale(keepRuns = 8): void {
  if (!existsSync(runsDir)) return;
  const runs = readdirSync(runsDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  for (const run of runs) {
    const pidDir = path.join(runsDir, run, 'pids');
    if (!existsSync(pidDir)) continue;
    for (const file of readdirSync(pidDir)) {
      try {
        const { pgid, owner } = JSON.parse(readFileSync(path.join(pidDir, file), 'utf8')) as { pgid: number; owner: number };
        if (owner !== process.pid && !processAlive(owner) && readCmdline(pgid).includes(hostDir)) signalGroup(pgid, 'SIGKILL');
        if (!processAlive(owner)) rmSync(path.join(pidDir, file), { force: true });
      } catch {
        // a half-written pid file: ignore
      }
    }
  }
  // run folders are named <timestamp>-…, so sorting by name sorts by age
  for (const run of runs.slice(0, Math.max(0, runs.length - keepRuns))) {
    const pidDir = path.join(runsDir, run, 'pids');
    if (existsSync(pidDir) && readdirSync(pidDir).length) continue; // still in use by a live run
    rmSync(path.join(runsDir, run), { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}
