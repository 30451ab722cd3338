import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Engine } from '../../src/node/engine';
import { LOCK_NAME, ORPHAN_MS, OWNER_NAME, STALE_MS, StoreLock } from '../../src/node/index/storeLock';
import { startWorker } from '../../src/node/startWorker';
import { lockHolder as holder } from './fixtures/storeTrials';
import { models, tempDir, workerPath, writeTree } from './helpers';

const isCode = (code: string) => (e: Error & { code?: string }) => e.code === code;

describe('one writer per store', () => {
  it('refuses the lock while another process holds it, and takes it at once when that process was killed', async () => {
    const dir = tempDir();
    const other = holder(dir);
    assert.equal(await other.until(/locked|busy/), 'locked');
    const lock = new StoreLock(dir);
    const busy = await lock.tryAcquire();
    assert.deepEqual(busy.acquired === false && busy.owner?.pid, other.child.pid, 'the holder is named');
    await other.kill();
    assert.ok(existsSync(path.join(dir, LOCK_NAME)), 'a killed holder leaves its lock');
    assert.deepEqual(await lock.tryAcquire(), { acquired: true }, 'its process is gone: no need to wait for the lock to go stale');
    await lock.dispose();
    assert.deepEqual(readdirSync(dir), [], 'released: the lock and its owner file are gone');
  });

  it('takes over a lock nobody has touched for longer than the stale time, not a fresh one', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, LOCK_NAME)); // a holder that died before it could say who it was
    const lock = new StoreLock(dir);
    assert.equal((await lock.tryAcquire()).acquired, false);
    const old = (Date.now() - STALE_MS - 5000) / 1000;
    utimesSync(path.join(dir, LOCK_NAME), old, old);
    assert.equal((await lock.tryAcquire()).acquired, true);
    await lock.dispose();
  });

  it('takes over a lock left without an owner file (a holder killed between taking it and saying who it is) once it is a few seconds old', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, LOCK_NAME));
    const lock = new StoreLock(dir);
    assert.equal((await lock.tryAcquire()).acquired, false, 'a holder may be writing its owner file right now');
    const old = (Date.now() - ORPHAN_MS - 1000) / 1000;
    utimesSync(path.join(dir, LOCK_NAME), old, old);
    assert.ok(ORPHAN_MS + 1000 < STALE_MS, 'well before the lock goes stale');
    assert.equal((await lock.tryAcquire()).acquired, true);
    await lock.dispose();
  });

  it('a writer whose lock was taken over stops before it replaces the manifest, and the store stays whole', async () => {
    const root = tempDir();
    const store = tempDir();
    writeTree(root, { 'a.md': '# Database\n\nThe database connection.\n' });
    const lost: string[] = [];
    const engine = await Engine.open({ modelDir: models.tiny, storeDir: store, threads: 1, log: (_, m) => lost.push(m) });
    try {
      await engine.index({ roots: [root] });
      const usurper = holder(store, 'take-over');
      assert.equal(await usurper.until(/locked|busy/), 'locked');
      writeTree(root, { 'b.md': '# Cache\n\nThe cache.\n' });
      await assert.rejects(engine.index({ roots: [root] }), /Another process took over the index in .*; this run was not saved\./);
      await usurper.release();
      const reader = await Engine.open({ modelDir: models.tiny, storeDir: store, readOnly: true });
      assert.deepEqual([reader.info().files, reader.info().storeProblem], [1, undefined], 'the last saved index, whole');
      await reader.dispose();
      // The lock is free again: the next run takes it, starts from what is saved, and saves.
      const s = await engine.index({ roots: [root] });
      assert.deepEqual([s.files, s.read], [2, 1]);
    } finally {
      await engine.dispose();
    }
  });

  it('a second engine searches the last saved index read-only, follows its saves, and takes over when the writer ends', async () => {
    const root = tempDir();
    const store = tempDir();
    writeTree(root, { 'a.md': '# Database\n\nThe database connection.\n' });
    const writer = await Engine.open({ modelDir: models.tiny, storeDir: store, threads: 1 });
    let writerOpen = true;
    await writer.index({ roots: [root] });
    const second = await Engine.open({ modelDir: models.tiny, storeDir: store, threads: 1 });
    try {
      assert.deepEqual([second.info().readOnly, second.info().files], [true, 1]);
      assert.equal((await second.search('database', { mode: 'fulltext' })).hits[0]?.path, 'a.md');
      await assert.rejects(second.index({ roots: [root] }), (e: Error & { code?: string }) => e.code === 'store-locked' && e.message.includes(store));
      await assert.rejects(second.clear(), isCode('store-locked'));
      writeTree(root, { 'b.md': '# Cache\n\nThe cache.\n' });
      await writer.index({ roots: [root] });
      await assert.rejects(second.index({ roots: [root] }), isCode('store-locked'));
      assert.equal(second.info().files, 2, 'it read the writer\'s new save');
      await writer.dispose();
      writerOpen = false;
      const s = await second.index({ roots: [root] });
      assert.deepEqual([s.files, s.read, second.info().readOnly], [2, 0, undefined], 'the writer now, from the saved index: nothing read again');
      assert.ok(existsSync(path.join(store, OWNER_NAME)));
    } finally {
      if (writerOpen) await writer.dispose();
      await second.dispose();
    }
  });

  it('as the writer, removes what writers that died mid-save left; a reader removes nothing', async () => {
    const root = tempDir();
    const store = tempDir();
    writeTree(root, { 'a.md': '# Database\n\nThe database connection.\n' });
    const first = await Engine.open({ modelDir: models.tiny, storeDir: store, threads: 1 });
    await first.index({ roots: [root] });
    await first.dispose();
    const saved = readdirSync(store).sort();
    const leftovers = ['meta-dead.json', 'vectors-dead.f16', 'meta-x.json.1a2b3c.tmp', 'manifest.json.4d5e6f.tmp'];
    for (const name of leftovers) writeFileSync(path.join(store, name), 'half');
    const reader = await Engine.open({ modelDir: models.tiny, storeDir: store, readOnly: true });
    await reader.dispose();
    assert.equal(readdirSync(store).length, saved.length + leftovers.length);
    const writer = await Engine.open({ modelDir: models.tiny, storeDir: store, threads: 1 });
    assert.deepEqual(readdirSync(store).filter((n) => n !== LOCK_NAME && n !== OWNER_NAME).sort(), saved);
    assert.equal(writer.info().files, 1);
    await writer.dispose();
  });

  it('opened read-only, never takes the lock and refuses to index', async () => {
    const store = tempDir();
    const reader = await Engine.open({ storeDir: store, readOnly: true });
    await assert.rejects(reader.index({ roots: [tempDir()] }), /opened read-only/);
    assert.deepEqual(readdirSync(store), []);
    await reader.dispose();
  });

  it('a second worker on the store of a live one opens read-only, says so, and writes once the first has stopped', async () => {
    const root = tempDir();
    const store = tempDir();
    writeTree(root, { 'a.md': '# Database\n\nThe database connection.\n' });
    const first = startWorker({ modelDir: models.tiny, storeDir: store, threads: 1 }, { workerFile: workerPath });
    await first.client.ready;
    await first.client.call('index', { roots: [root] });
    const second = startWorker({ modelDir: models.tiny, storeDir: store, threads: 1 }, { workerFile: workerPath });
    try {
      await second.client.ready;
      const info = await second.client.call('info', {});
      assert.deepEqual([info.readOnly, info.chunks > 0], [true, true]);
      assert.equal((await second.client.call('search', { query: 'database', options: { mode: 'fulltext' } })).hits[0]?.path, 'a.md');
      await assert.rejects(second.client.call('index', { roots: [root] }), isCode('store-locked'));
      await first.stop();
      const s = await second.client.call('index', { roots: [root] });
      assert.equal(s.read, 0);
      assert.equal((await second.client.call('info', {})).readOnly, undefined);
    } finally {
      await first.stop();
      await second.stop();
    }
  });
});
