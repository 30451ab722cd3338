import { promises as fs } from 'node:fs';
import path from 'node:path';

// Free of the VS Code API, so it is tested in plain Node (test/unit/gitHead.test.ts).

/**
 * The commit HEAD points at in the repository of `folder` (or of a folder above it), read from git's files: a
 * detached HEAD, a branch's ref file, or its line in packed-refs. A worktree's `.git` file and `commondir` are
 * followed. Undefined when there is none.
 */
export async function headCommit(folder: string): Promise<string | undefined> {
  const gitDir = await findGitDir(path.resolve(folder));
  if (!gitDir) return undefined;
  const head = (await readText(path.join(gitDir, 'HEAD')))?.trim();
  if (!head) return undefined;
  if (/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(head)) return head;
  const ref = head.match(/^ref: (refs\/[^\s]+)$/)?.[1];
  if (!ref || ref.split('/').includes('..')) return undefined;
  const common = (await readText(path.join(gitDir, 'commondir')))?.trim();
  const dirs = [gitDir, ...(common ? [path.resolve(gitDir, common)] : [])];
  for (const dir of dirs) {
    const loose = (await readText(path.join(dir, ...ref.split('/'))))?.trim();
    if (loose && /^[0-9a-f]{40,64}$/.test(loose)) return loose;
    const packed = await readText(path.join(dir, 'packed-refs'));
    const line = packed?.split('\n').find((l) => l.endsWith(` ${ref}`));
    const id = line?.split(' ')[0];
    if (id && /^[0-9a-f]{40,64}$/.test(id)) return id;
  }
  return undefined;
}

async function findGitDir(start: string): Promise<string | undefined> {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const dotGit = path.join(dir, '.git');
    const st = await fs.stat(dotGit).catch(() => undefined);
    if (st?.isDirectory()) return dotGit;
    if (st?.isFile()) {
      const target = (await readText(dotGit))?.match(/^gitdir: (.+)$/m)?.[1]?.trim();
      return target ? path.resolve(dir, target) : undefined;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

async function readText(file: string): Promise<string | undefined> {
  return fs.readFile(file, 'utf8').catch(() => undefined);
}
