import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../../src/node/engine';
import { isInside } from '../../src/node/files/inside';
import { readFileCapped } from '../../src/node/files/readFile';
import { cliPath, models, tempDir, writeTree } from './helpers';
import { HOSTILE_FILES, HOSTILE_SKIPS, OUTSIDE, hostileTree, reasonsByPath } from './hostileTree';

describe('Engine on a folder with links out, /proc and /dev links, fifos, sockets and loops', () => {
  let tree: Awaited<ReturnType<typeof hostileTree>>;
  let engine: Engine;
  before(async () => {
    tree = await hostileTree();
    engine = await Engine.open({ modelDir: models.tiny, storeDir: path.join(tempDir(), 'store'), threads: 1 });
  });
  after(async () => {
    await engine.dispose();
    await tree.close();
  });

  /** Every indexed passage, found through full text by the words all test files share, and by the outside ones. */
  const indexedPaths = async () => {
    const hits = (await engine.search('the document guide notes zebra outside password crossing', { mode: 'fulltext', limit: 100 })).hits;
    for (const h of hits) assert.ok(isInside(realpathSync(tree.root), realpathSync(path.join(h.root, h.path))), `${h.path} is inside`);
    return [...new Set(hits.map((h) => h.path))].sort();
  };

  it('indexes only what is inside the folder and gives each skipped file its reason', async () => {
    const s = await engine.index({ roots: [tree.root] });
    assert.equal(s.files, HOSTILE_FILES.length);
    assert.deepEqual(reasonsByPath(s.skipped), HOSTILE_SKIPS);
    assert.deepEqual(reasonsByPath(engine.info().skipped), HOSTILE_SKIPS, 'Show Index Info lists them');
    assert.deepEqual(await indexedPaths(), HOSTILE_FILES);
    assert.deepEqual((await engine.search('zebra', { mode: 'fulltext' })).hits, [], 'no text from outside');
  });

  it('follows the same rules for the paths a file watcher names, also through a folder link out', async () => {
    const named = [...Object.keys(HOSTILE_SKIPS), 'linked-out/secret.md', 'linked-out/deep', 'proc/cwd/README.md'];
    const s = await engine.index({ roots: [tree.root], paths: named.map((rel) => path.join(tree.root, rel)) });
    assert.deepEqual(reasonsByPath(s.skipped), { ...HOSTILE_SKIPS, 'linked-out/secret.md': OUTSIDE, 'linked-out/deep': OUTSIDE, 'proc/cwd/README.md': OUTSIDE });
    assert.equal(s.files, HOSTILE_FILES.length);
    assert.deepEqual(await indexedPaths(), HOSTILE_FILES);
  });

  it('takes a change in a folder named ..docs into a run for that path', async () => {
    const guide = path.join(tree.root, '..docs/guide.md');
    writeFileSync(guide, '# Guide\n\nThe guide now talks about a quokka.\n');
    const s = await engine.index({ roots: [tree.root], paths: [guide] });
    assert.equal(s.read, 1);
    assert.equal(s.files, HOSTILE_FILES.length);
    assert.deepEqual((await engine.search('quokka', { mode: 'fulltext' })).hits.map((h) => h.path), ['..docs/guide.md']);
  });
});

describe('Engine reads', () => {
  it('skips a file that grows past the limit between discovery and read', async () => {
    const root = tempDir();
    writeTree(root, { 'grows.md': '# Grows\n\nSmall when found.\n', 'stays.md': '# Stays\n\nSmall.\n' });
    const engine = await Engine.open({ storeDir: path.join(tempDir(), 'store') });
    let grew = false;
    const s = await engine.index({ roots: [root], options: { maxFileSize: 4096 } }, (p) => {
      // Reported once discovery is done and before the first file is read.
      if (p.phase === 'reading' && p.done === 0 && !grew) {
        appendFileSync(path.join(root, 'grows.md'), `\n${'more text '.repeat(1000)}`);
        grew = true;
      }
    });
    assert.ok(grew);
    assert.deepEqual(s.skipped, [{ path: 'grows.md', reason: 'larger than the 4.0 KB limit (9.8 KB)' }]);
    assert.equal(s.files, 1);
    await engine.dispose();
  });

  it('reads a 20 MB file of one line whole when the limit allows it', async () => {
    const root = tempDir();
    const line = 'var a=1;'.repeat(20 * 1024 * 1024 / 8);
    writeTree(root, { 'huge.min.js': line, 'huge.md': `# Huge\n\n${line}\n` });
    const read = await readFileCapped(path.join(root, 'huge.md'), root, 32 * 1024 * 1024);
    assert.equal('bytes' in read && read.bytes.length, 20 * 1024 * 1024 + 9);
    // The engine end to end on the minified file; a one-line Markdown file is the splitters' matter.
    const engine = await Engine.open({ storeDir: path.join(tempDir(), 'store') });
    const s = await engine.index({ roots: [root], options: { maxFileSize: 32 * 1024 * 1024, include: ['*.js'] } });
    assert.deepEqual([s.read, s.files, s.skipped], [1, 1, []]);
    await engine.dispose();
  });
});

describe('command line on a folder with /proc and /dev links', () => {
  it('indexes the folder and lists the links as skipped', () => {
    const root = tempDir();
    writeTree(root, { 'docs/a.md': '# Alpha\n\nThe alpha document.\n' });
    for (const [rel, target] of [['pagemap.md', '/proc/self/pagemap'], ['mem.md', '/proc/self/mem'], ['zero.md', '/dev/zero'], ['random.md', '/dev/urandom'], ['proc', '/proc/self']]) {
      symlinkSync(target, path.join(root, rel));
    }
    const r = spawnSync(process.execPath, [cliPath, 'index', root, '--model', models.tiny, '--store', path.join(tempDir(), 'store'), '--json'], { encoding: 'utf8', timeout: 120_000, killSignal: 'SIGKILL' });
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.files, 1);
    assert.deepEqual(reasonsByPath(s.skipped), { 'mem.md': OUTSIDE, 'pagemap.md': OUTSIDE, 'proc': OUTSIDE, 'random.md': OUTSIDE, 'zero.md': OUTSIDE });
  });
});
