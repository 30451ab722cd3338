import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import {
  cli, indexArgs, killSeries, leftovers, lockHolder, sameIndex, searchArgs, storeState, twoWritersSeries, writeWorkspace, type CliRun,
} from './fixtures/storeTrials';
import { seededRandom } from '../../scripts/models/seededRandom.mjs';
import { tempDir } from './helpers';

const SEED = 20_261_203;
const lastLine = (text: string) => text.trim().split('\n').at(-1) ?? '';

describe('the store under faults (the CLI in child processes)', () => {
  it('kill -9 at random moments of a save: the store always loads, holds the previous or the new index whole, and the next run completes', async (t) => {
    const series = await killSeries(SEED, 10);
    t.diagnostic(`seed ${SEED}; the kills left: ${series.outcomes.join(', ')}`);
    assert.deepEqual(series.failures, []);
    assert.ok(series.outcomes.includes('previous'), `some kills landed before the new manifest (seed ${SEED})`);
    const fresh = path.join(tempDir(), 'fresh');
    assert.equal((await cli(indexArgs(series.root, fresh))).code, 0);
    assert.equal(await sameIndex(series.store, fresh), undefined, 'after all the kills, the index is the one a fresh run builds');
  });

  it('two processes index one store at once: both finish (one waits), a search meanwhile is never blocked nor sees damage, nothing is lost', async (t) => {
    const series = await twoWritersSeries(SEED + 1, 3, Infinity, 10);
    t.diagnostic(`seed ${SEED + 1}; ${series.outcomes.join(', ')}`);
    assert.deepEqual(series.failures, []);
    assert.ok(series.outcomes.includes('waited'), 'in some trial the runs overlapped and one waited for the other');
  });
});

describe('the CLI on a store another process writes', () => {
  const rand = seededRandom(SEED + 2);
  const root = tempDir();
  writeWorkspace(root, rand, 2, 3);

  it('index waits, says so in one line, gives up with one sentence naming the store, or goes on once the store is free; search is never blocked', async () => {
    const store = path.join(tempDir(), 'store');
    assert.equal((await cli(indexArgs(root, store))).code, 0);
    const holder = lockHolder(store);
    assert.equal(await holder.until(/locked|busy/), 'locked');
    try {
      const gaveUp = await cli(indexArgs(root, store, '--wait', '1'));
      assert.equal(gaveUp.code, 1);
      const lines = gaveUp.stderr.trim().split('\n');
      assert.equal(lines.length, 2, gaveUp.stderr);
      const who = `Another process (pid ${holder.child.pid}) is writing the index in ${store}`;
      assert.equal(lines[0], `${who}. Waiting up to 1 s for it to finish…`);
      assert.equal(lines[1], `${who}, still after 1 s; try again later or wait longer with --wait <seconds>.`);
      assert.equal(lastLine((await cli(indexArgs(root, store, '--wait', '0'))).stderr), `${who}.`);
      const search = await cli(searchArgs('database', store));
      assert.equal(search.code, 0, search.stderr);
      assert.ok(JSON.parse(search.stdout).hits.length > 0);
      // Freed while a run waits: that run goes on and completes.
      const waiting = cli(indexArgs(root, store, '--wait', '60', '--json'), { onStderr: (line) => { if (line.includes('Waiting up to')) void holder.release(); } });
      const done = await waiting;
      assert.equal(done.code, 0, done.stderr);
      assert.match(done.stderr, /Waiting up to 60 s/);
    } finally {
      await holder.release();
    }
  });
});

describe('disk faults during a save (the CLI in child processes)', () => {
  type Phase = 'first' | 'failing' | 'next';
  /**
   * The common course: a small index is saved; the tree grows; the run that saves it under the fault must fail
   * with `message`, keeping the previous index whole and leaving nothing half-written; the next run, with the
   * fault gone, saves. `run` makes each run (and starts or ends the fault as its phase needs).
   */
  async function underFault(t: TestContext, store: string, root: string, run: (args: string[], phase: Phase) => Promise<CliRun>, message: RegExp, allowed: string[] = []) {
    const rand = seededRandom(SEED + 3);
    writeWorkspace(root, rand, 4, 10);
    const first = await run(indexArgs(root, store), 'first');
    assert.equal(first.code, 0, `the first, small index fits: ${first.stderr}`);
    const before = await storeState(store);
    assert.equal(before.status, 'loaded');
    writeWorkspace(root, rand, 40, 30);
    const failed = await run(indexArgs(root, store), 'failing');
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(lastLine(failed.stderr), message);
    assert.doesNotMatch(failed.stderr, /\n\s+at /, 'no stack trace');
    assert.deepEqual(await storeState(store), before, 'the previous index, whole');
    assert.deepEqual(leftovers(store).filter((n) => !allowed.includes(n)), [], 'nothing half-written');
    const next = await run(indexArgs(root, store), 'next');
    assert.equal(next.code, 0, next.stderr);
    const after = await storeState(store);
    assert.ok(after.status === 'loaded' && before.status === 'loaded' && after.chunks > before.chunks, 'the next run saved the bigger index');
    assert.deepEqual(leftovers(store), []);
    t.diagnostic(`failed with: ${lastLine(failed.stderr)}`);
  }

  it('a full disk (ENOSPC)', async (t) => {
    if (process.getuid?.() !== 0) {
      t.skip('mounting a small tmpfs needs root: the full-disk case is not run');
      return;
    }
    const mount = tempDir();
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mount], { stdio: 'pipe' });
    } catch (e) {
      t.skip(`a tmpfs cannot be mounted here (${(e as Error).message.split('\n')[0]}): the full-disk case is not run`);
      return;
    }
    try {
      await underFault(t, path.join(mount, 'store'), tempDir(), (args, phase) => {
        if (phase === 'next') execFileSync('mount', ['-o', 'remount,size=64m', mount]);
        return cli(args);
      }, /^The index folder .*\/store cannot be written \(the disk is full, ENOSPC\); the last saved index is kept\.$/);
    } finally {
      execFileSync('umount', [mount]);
    }
  });

  it('a file size limit (EFBIG, RLIMIT_FSIZE)', async (t) => {
    // bash's ulimit -f counts KiB: the small index fits, the grown one does not.
    await underFault(t, path.join(tempDir(), 'store'), tempDir(),
      (args, phase) => cli(args, phase === 'next' ? {} : { wrap: ['bash', '-c', 'ulimit -f 256 && exec "$@"', 'bash'] }),
      /^The index folder .*\/store cannot be written \(a file would exceed the file size limit, EFBIG\); the last saved index is kept\.$/);
  });

  it('permission denied (EACCES) once the run has begun', async (t) => {
    // Root may write anywhere: the runs are made as nobody then.
    const user: { uid?: number; gid?: number } = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const root = tempDir();
    const storeParent = tempDir();
    const store = path.join(storeParent, 'store');
    for (const dir of [root, storeParent]) chmodSync(dir, 0o755);
    mkdirSync(store);
    if (user.uid !== undefined) chownSync(store, user.uid, user.gid!);
    await underFault(t, store, root, (args, phase) => {
      for (const f of readdirSync(root)) chmodSync(path.join(root, f), 0o644);
      if (phase === 'next') chmodSync(store, 0o755);
      // The store's folder turns read-only once the run has taken the store (at its first progress line).
      return cli(args, { ...user, onStderr: (line) => { if (phase === 'failing' && line.startsWith('scanning')) chmodSync(store, 0o555); } });
    },
    /^The index folder .*\/store cannot be written \(permission denied, EACCES\); the last saved index is kept\.$/,
    // Nor can the failed run remove its lock from the read-only folder; the next run sees that its process is gone.
    ['writer.lock', 'writer.json']);
  });
});
