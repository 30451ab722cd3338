import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './paths';

/** Options for running one phase in its own process. */
export interface ChildOptions {
  /** Show the phase's progress lines (stderr) as they come. */
  verbose?: boolean;
  /** Extra node flags, e.g. ['--cpu-prof']. */
  nodeArgs?: string[];
  timeoutMs?: number;
}

/**
 * Runs `bench/phases/<name>.ts` in a fresh Node process (with tsx, and --expose-gc so phases can settle the
 * heap before measuring) and returns the JSON object it prints last.
 */
export function runChild<R>(name: string, args: unknown, options: ChildOptions = {}): Promise<R> {
  const file = path.join(__dirname, '..', 'phases', `${name}.ts`);
  const nodeArgs = ['--import', 'tsx', '--expose-gc', ...(options.nodeArgs ?? []), file, JSON.stringify(args)];
  return new Promise<R>((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
    let out = '';
    let err = '';
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      if (options.verbose) process.stderr.write(d);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0) {
        try {
          resolve(JSON.parse(last) as R);
          return;
        } catch {
          // fall through to the error below
        }
      }
      const tail = err.trim().split('\n').slice(-15).join('\n');
      reject(new Error(`phase ${name} failed (${signal ?? `exit ${code}`}):\n${tail}`));
    });
  });
}
