// Folder operations for the model download that must be safe against crashes and against other VS Code windows.
import { existsSync } from 'node:fs';
import { readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DownloadError } from '../../net/httpGet';

/** Swaps `from` into `to` so that `to` is never a mix: the old folder is moved aside first and put back on failure. */
export async function replaceFolder(from: string, to: string): Promise<void> {
  const old = `${to}.old-${process.pid}-${Date.now()}`;
  const hadOld = existsSync(to);
  if (hadOld) await rename(to, old);
  try {
    await rename(from, to);
  } catch (e) {
    if (hadOld) await rename(old, to).catch(() => undefined);
    throw e;
  }
  if (hadOld) await rm(old, { recursive: true, force: true }).catch(() => undefined);
}

/** Old folders a crash left beside `dest` while swapping. */
export async function removeLeftovers(dest: string): Promise<void> {
  const prefix = `${path.basename(dest)}.old-`;
  const names = await readdir(path.dirname(dest)).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.startsWith(prefix)).map((n) => rm(path.join(path.dirname(dest), n), { recursive: true, force: true })));
}

/**
 * Two VS Code windows share the global storage: without a lock both would append to the same partial files.
 * A lock is stale when its process is gone or it has not been touched for a while (the pid may be reused).
 */
export async function acquireLock(lockPath: string, idleTimeoutMs: number): Promise<{ touch(): void; release(): Promise<void> }> {
  const staleMs = 2 * idleTimeoutMs + 60_000;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lockPath, JSON.stringify({ pid: process.pid }), { flag: 'wx' });
      let touched = Date.now();
      return {
        touch() {
          if (Date.now() - touched < 5_000) return;
          touched = Date.now();
          utimes(lockPath, new Date(), new Date()).catch(() => undefined);
        },
        release: () => rm(lockPath, { force: true }),
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const info = await readFile(lockPath, 'utf8').then((t) => JSON.parse(t) as { pid?: number }).catch(() => ({ pid: undefined }));
      const age = Date.now() - ((await stat(lockPath).catch(() => undefined))?.mtimeMs ?? 0);
      if (isAlive(info.pid) && age < staleMs) {
        throw new DownloadError('busy', 'Another VS Code window is already downloading the model; try again when it has finished.');
      }
      await rm(lockPath, { force: true });
    }
  }
  throw new DownloadError('busy', 'The model download could not take its lock file; try again.');
}

function isAlive(pid: number | undefined): boolean {
  if (!Number.isSafeInteger(pid) || pid === undefined || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
