// Small helpers shared by the run scripts of this folder.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const t0 = performance.now();
/** Prints a line prefixed with the seconds since the script started. */
export function lap(message) {
  console.log(`[${((performance.now() - t0) / 1000).toFixed(1)}s] ${message}`);
}

/**
 * Runs a preparation step in the repository root; its output is shown only if it fails.
 * @param {string} label @param {string} command @param {string[]} args
 */
export function run(label, command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) {
        lap(label);
        resolve(undefined);
      } else {
        reject(new Error(`${label} failed (${command} ${args.join(' ')}, exit ${code}):\n${output}`));
      }
    });
  });
}
