// The logs that explain a failed run, printed shortened: the server's, the extension host's, and the
// extension's own output channel (VS Code writes each channel to a file under the user data folder).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths';
import type { VsCodeHost } from './server';

/** Log files of a run, most useful first: [file, how many of its last lines to show]. */
function logFiles(host: VsCodeHost, extensionId: string): [string, number][] {
  const files: [string, number][] = [[host.server.logFile, 15]];
  const walk = (dir: string): void => {
    for (const entry of existsSync(dir) ? readdirSync(dir) : []) {
      const p = path.join(dir, entry);
      if (statSync(p).isDirectory()) walk(p);
      else if (entry === 'remoteexthost.log') files.push([p, 25]);
      else if (p.includes(`${path.sep}${extensionId}${path.sep}`)) files.push([p, 60]);
    }
  };
  walk(path.join(host.dirs.userData, 'logs'));
  return files;
}

/** The extension's own output channel, as VS Code wrote it (every file of it, in order). */
export function extensionLog(host: VsCodeHost, extensionId: string): string {
  return logFiles(host, extensionId).filter(([file]) => file.includes(`${path.sep}${extensionId}${path.sep}`))
    .map(([file]) => readFileSync(file, 'utf8')).join('\n');
}

/** Prints the last lines of the run's logs to stderr. */
export function printHostLogs(host: VsCodeHost, extensionId: string): void {
  for (const [file, lines] of logFiles(host, extensionId)) {
    const text = readFileSync(file, 'utf8').trimEnd().split('\n').filter((l) => l.trim()).slice(-lines).join('\n');
    console.error(`\n--- ${path.relative(repoRoot, file)} (last ${lines} lines)\n${text}`);
  }
  console.error(`\n(all logs: ${path.relative(repoRoot, host.dirs.root)})`);
}
