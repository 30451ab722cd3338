import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lock } from 'proper-lockfile';

/** The lock: a directory in the store, made by proper-lockfile (mkdir is atomic on every file system, NFS too). */
export const LOCK_NAME = 'writer.lock';
/** Who holds the lock (pid, host, a token of this holder), written by the holder as soon as it has the lock. */
export const OWNER_NAME = 'writer.json';
/**
 * The holder touches the lock every UPDATE_MS; a lock untouched for STALE_MS is taken over. A writer thread
 * that died without releasing it (ended by a memory limit or terminate() inside an editor that lives on) keeps
 * the next writer waiting at most this long; a live writer loses the lock only if its event loop stalls for
 * 15 s (five touches missed), and even then its save stops before the manifest (see `verify`). A writer
 * process that is gone is noticed at once by its pid (same host), without waiting for the lock to go stale.
 */
export const STALE_MS = 15_000;
export const UPDATE_MS = 3_000;
/**
 * A holder writes its owner file milliseconds after it takes the lock; a lock that has had none for this long
 * was left by a process killed in between, and is taken over without waiting for it to go stale.
 */
export const ORPHAN_MS = 2_000;

/** The holder of a store's lock, as its owner file tells. */
export interface LockOwner {
  pid: number;
  host: string;
  token: string;
}

/**
 * One writer per store: the lock is held from the engine's open to its dispose. Readers (a second window, the
 * CLI's search) take no lock; saves never change a file a reader may be reading (see persist.ts).
 */
export class StoreLock {
  private release: (() => Promise<void>) | undefined;
  private token: string | undefined;
  private lostBecause: string | undefined;

  /** `onLost` is told when another process took the lock over (this one stalled) or the lock folder vanished. */
  constructor(readonly dir: string, private readonly onLost: (reason: string) => void = () => undefined) {}

  get held(): boolean {
    return this.release !== undefined && this.lostBecause === undefined;
  }

  /**
   * Takes the lock if it is free, stale, or held by a process of this host that no longer runs.
   * Gives the owner when another writer holds it; throws when the folder cannot be written at all.
   */
  async tryAcquire(): Promise<{ acquired: true } | { acquired: false; owner?: LockOwner }> {
    if (this.held) return { acquired: true };
    await this.releaseQuietly(); // a lock lost earlier
    await fs.mkdir(this.dir, { recursive: true });
    let release = await this.lockOnce();
    if (!release) {
      const owner = await readOwner(this.dir);
      if (owner ? isAlive(owner) : !(await this.ownerlessFor(ORPHAN_MS))) return { acquired: false, ...(owner ? { owner } : {}) };
      // Its process is gone (killed, crashed), or it died between taking the lock and saying who it is: the
      // lock is free. Checked again just before, so that a writer that took it over meanwhile keeps it.
      if ((await readOwner(this.dir))?.token !== owner?.token) return { acquired: false };
      await fs.rmdir(path.join(this.dir, LOCK_NAME)).catch(() => undefined);
      release = await this.lockOnce();
      if (!release) return { acquired: false };
    }
    const token = randomBytes(12).toString('hex');
    try {
      await writeOwner(this.dir, { pid: process.pid, host: os.hostname(), token });
    } catch (e) {
      await release().catch(() => undefined);
      throw e;
    }
    this.release = release;
    this.token = token;
    this.lostBecause = undefined;
    return { acquired: true };
  }

  /**
   * Throws unless this process still holds the lock: checked before a save replaces the manifest and before it
   * removes files it did not make, so a writer that lost the lock without noticing yet never does either.
   */
  async verify(): Promise<void> {
    if (this.lostBecause) throw new Error(this.lostBecause);
    if (!this.release) throw new Error('the lock is not held');
    const owner = await readOwner(this.dir);
    if (owner?.token !== this.token) {
      this.lost('another process took the lock over');
      throw new Error(this.lostBecause);
    }
  }

  /** Lets the next writer in (its owner file first, while the lock still guards it). */
  async dispose(): Promise<void> {
    if (this.held && (await readOwner(this.dir))?.token === this.token) {
      await fs.rm(path.join(this.dir, OWNER_NAME), { force: true }).catch(() => undefined);
    }
    await this.releaseQuietly();
  }

  private async releaseQuietly(): Promise<void> {
    const release = this.release;
    this.release = undefined;
    this.token = undefined;
    // Fails when the lock was lost (ERELEASED) or the folder is gone; either way it is no longer ours.
    await release?.().catch(() => undefined);
  }

  /** Whether the lock has had no owner file for at least `ms` (its folder untouched that long). */
  private async ownerlessFor(ms: number): Promise<boolean> {
    const st = await fs.stat(path.join(this.dir, LOCK_NAME)).catch(() => undefined);
    return !!st && Date.now() - st.mtimeMs >= ms && !(await readOwner(this.dir));
  }

  private lost(reason: string): void {
    if (this.lostBecause) return;
    this.lostBecause = reason;
    this.onLost(reason);
  }

  private async lockOnce(): Promise<(() => Promise<void>) | undefined> {
    try {
      return await lock(this.dir, {
        lockfilePath: path.join(this.dir, LOCK_NAME),
        realpath: false,
        stale: STALE_MS,
        update: UPDATE_MS,
        retries: 0,
        // proper-lockfile's default throws, which would end the process: this writer stops writing instead.
        onCompromised: (e) => this.lost(`the lock was lost (${e.message})`),
      });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ELOCKED') return undefined;
      throw e;
    }
  }
}

async function readOwner(dir: string): Promise<LockOwner | undefined> {
  try {
    const o = JSON.parse(await fs.readFile(path.join(dir, OWNER_NAME), 'utf8')) as Partial<LockOwner>;
    if (Number.isSafeInteger(o.pid) && typeof o.host === 'string' && typeof o.token === 'string') return o as LockOwner;
  } catch {
    // Not written yet (the holder has just taken the lock), or unreadable: the holder is unknown.
  }
  return undefined;
}

async function writeOwner(dir: string, owner: LockOwner): Promise<void> {
  const tmp = path.join(dir, `${OWNER_NAME}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await fs.writeFile(tmp, JSON.stringify(owner), { flag: 'wx' });
    await fs.rename(tmp, path.join(dir, OWNER_NAME));
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

/**
 * Whether the owner may still be writing. Only a process of this host can be checked; the lock of this very
 * process (a worker thread that died) or of another host goes stale instead.
 */
function isAlive(owner: LockOwner): boolean {
  if (owner.host !== os.hostname() || owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH'; // EPERM: it runs, as another user
  }
}
