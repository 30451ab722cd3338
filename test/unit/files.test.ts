import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeText } from '../../src/node/files/decode';
import { discoverFiles, discoverPaths } from '../../src/node/files/discover';
import { isInside } from '../../src/node/files/inside';
import { readFileCapped } from '../../src/node/files/readFile';
import { tempDir, writeTree } from './helpers';
import { HOSTILE_FILES, HOSTILE_SKIPS, OUTSIDE, hostileTree, reasonsByPath } from './hostileTree';

const rels = async (root: string, options = {}) => (await discoverFiles(root, options)).files.map((f) => f.rel).sort();

describe('discoverFiles', () => {
  it('honours nested .gitignore files and the default dependency folders', async () => {
    const root = tempDir();
    writeTree(root, {
      '.gitignore': 'secret.md\n/generated/\n*.log\n',
      'README.md': '# Hi',
      'secret.md': '# no',
      'generated/api.md': '# no',
      'docs/generated/keep.md': '# kept: the root rule is anchored',
      'docs/.gitignore': 'draft-*.md\n!draft-final.md\n',
      'docs/draft-1.md': '# no',
      'docs/draft-final.md': '# yes',
      'node_modules/pkg/README.md': '# no',
      '.git/HEAD.md': '# no',
      'dist/out.md': '# no',
      'src/app.ts': '// yes',
      'src/app.log': 'not a supported type anyway',
      'image.png': 'not text',
    });
    assert.deepEqual(await rels(root), ['README.md', 'docs/draft-final.md', 'docs/generated/keep.md', 'src/app.ts']);
  });

  it('applies include and exclude globs', async () => {
    const root = tempDir();
    writeTree(root, { 'a.md': 'x', 'docs/b.md': 'x', 'docs/c.py': '# x', 'docs/old/d.md': 'x' });
    assert.deepEqual(await rels(root, { include: ['docs/**'] }), ['docs/b.md', 'docs/c.py', 'docs/old/d.md']);
    assert.deepEqual(await rels(root, { exclude: ['docs/old', '**/*.py'] }), ['a.md', 'docs/b.md']);
  });

  it('skips files over the size limit with the reason', async () => {
    const root = tempDir();
    writeTree(root, { 'big.md': 'x'.repeat(5000), 'small.md': 'x' });
    const res = await discoverFiles(root, { maxFileSize: 4096 });
    assert.deepEqual(res.files.map((f) => f.rel), ['small.md']);
    assert.equal(res.skipped.length, 1);
    assert.equal(res.skipped[0].path, 'big.md');
    assert.match(res.skipped[0].reason, /larger than the 4\.0 KB limit/);
  });

  it('ends on symbolic link loops and reads paths with spaces and non-ASCII names', async () => {
    const root = tempDir();
    writeTree(root, { 'my docs/설명서 ファイル.md': '# 안녕', 'sub/inner/a.md': '# a' });
    symlinkSync(path.join(root, 'sub'), path.join(root, 'sub/inner/loop'));
    symlinkSync(root, path.join(root, 'sub/back-to-root'));
    symlinkSync(path.join(root, 'missing'), path.join(root, 'dangling.md'));
    assert.deepEqual(await rels(root), ['my docs/설명서 ファイル.md', 'sub/inner/a.md']);
  });
});

describe('files outside the workspace folder, and files that are not regular files', () => {
  let tree: Awaited<ReturnType<typeof hostileTree>>;
  before(async () => { tree = await hostileTree(); });
  after(() => tree.close());

  it('discoverFiles finds only regular files whose real path is inside the folder, and says why each other one is skipped', async () => {
    const res = await discoverFiles(tree.root);
    assert.deepEqual(res.files.map((f) => f.rel).sort(), HOSTILE_FILES);
    assert.deepEqual(reasonsByPath(res.skipped), HOSTILE_SKIPS);
    assert.ok(res.files.every((f) => f.maxBytes === 1024 * 1024), 'each file carries the limit its read is capped at');
  });

  it('discoverPaths (what a file watcher reports) applies the same rules to each path, also through folder links', async () => {
    for (const [rel, reason] of Object.entries(HOSTILE_SKIPS)) {
      assert.deepEqual(await discoverPaths(tree.root, [rel]), { files: [], skipped: [{ path: rel, reason }] }, rel);
    }
    const through = ['linked-out/secret.md', 'linked-out/deep', 'linked-out/deep/more.md', 'proc/environ.md', 'proc/cwd/README.md'];
    const res = await discoverPaths(tree.root, through);
    assert.deepEqual(res.files, []);
    assert.deepEqual(reasonsByPath(res.skipped), { 'linked-out/secret.md': OUTSIDE, 'linked-out/deep': OUTSIDE, 'linked-out/deep/more.md': OUTSIDE, 'proc/cwd/README.md': OUTSIDE });
    const inside = await discoverPaths(tree.root, ['..docs/guide.md', '..x', 'a-link.md', 'docs-link/sub']);
    // docs-link/sub/up leads back to docs: inside, and entered once in this walk.
    assert.deepEqual(inside.files.map((f) => f.rel).sort(), ['..docs/guide.md', '..x/notes.md', 'a-link.md', 'docs-link/sub/b.md', 'docs-link/sub/up/a.md']);
    assert.deepEqual(inside.skipped, []);
  });

  it('walking a folder link to the outside finds nothing in it', async () => {
    assert.deepEqual(await discoverFiles(tree.root, {}, 'linked-out'), { files: [], skipped: [{ path: 'linked-out', reason: OUTSIDE }] });
  });

  it('gives files and skips in name order, a folder\'s files before its next subfolder, as a walk of one entry at a time', async () => {
    const root = tempDir();
    const big = 'x'.repeat(5000);
    writeTree(root, {
      'a.md': 'a', 'b/x.md': 'x', 'b/z.md': big, 'c.md': 'c', 'd.md': big, 'e/f/y.md': 'y', 'e/g.md': 'g', 'h.md': 'h', 'i/.gitignore': 'j.md\n', 'i/j.md': 'j', 'i/k.md': 'k',
    });
    const res = await discoverFiles(root, { maxFileSize: 4096 });
    assert.deepEqual(res.files.map((f) => f.rel), ['a.md', 'b/x.md', 'c.md', 'e/f/y.md', 'e/g.md', 'h.md', 'i/k.md']);
    assert.deepEqual(res.skipped.map((s) => s.path), ['b/z.md', 'd.md']);
  });

  it('reads a file against the root\'s real path of its discovery: a root replaced since by a link elsewhere leaves its files outside', async () => {
    const base = tempDir();
    writeTree(base, { 'ws/a.md': 'mine', 'elsewhere/a.md': 'not mine' });
    const root = path.join(base, 'ws');
    const [found] = (await discoverFiles(root)).files;
    assert.equal(found.realRoot, path.join(base, 'ws'));
    assert.deepEqual(await readFileCapped(found.abs, root, 4096, found.realRoot), { bytes: Buffer.from('mine') });
    renameSync(root, path.join(base, 'moved'));
    symlinkSync(path.join(base, 'elsewhere'), root);
    assert.deepEqual(await readFileCapped(found.abs, root, 4096, found.realRoot), { reason: OUTSIDE });
    assert.deepEqual(await readFileCapped(found.abs, root, 4096), { bytes: Buffer.from('not mine') }, 'resolved again, the root is where the link goes');
  });

  it('skips a device node in the folder with its type', async (t) => {
    const root = tempDir();
    try {
      execFileSync('mknod', [path.join(root, 'null.md'), 'c', '1', '3'], { stdio: 'ignore' });
    } catch {
      t.skip('mknod needs privileges this machine does not give');
      return;
    }
    const expected = { files: [], skipped: [{ path: 'null.md', reason: 'not a regular file (character device)' }] };
    assert.deepEqual(await discoverFiles(root), expected);
    assert.deepEqual(await discoverPaths(root, ['null.md']), expected);
  });
});

describe('isInside', () => {
  it('takes folders named ..x as inside, and only a ".." segment as outside', () => {
    const root = path.resolve('/work/space');
    for (const p of ['..docs', '..x/a.md', 'a/..b', '...', 'a/../b']) assert.equal(isInside(root, path.join(root, p)), true, p);
    for (const p of ['..', '../x', '../..docs', '/elsewhere', '/work/spaced/a.md']) assert.equal(isInside(root, path.resolve(root, p)), false, p);
    assert.equal(isInside(root, root), false, 'the folder itself is not inside it');
  });
});

describe('readFileCapped', () => {
  it('reads a file whole up to the limit and skips a larger one with the reason discovery gives', async () => {
    const root = tempDir();
    writeTree(root, { 'a.md': 'x'.repeat(100) });
    const abs = path.join(root, 'a.md');
    assert.deepEqual(await readFileCapped(abs, root, 100), { bytes: Buffer.from('x'.repeat(100)) });
    assert.deepEqual(await readFileCapped(abs, root, 99), { reason: 'larger than the 99 B limit (100 B)' });
  });

  it('caps the read of a file whose size stat gets wrong (/proc files say 0 bytes)', async () => {
    const environ = readFileSync('/proc/self/environ');
    assert.ok(environ.length > 16);
    assert.deepEqual(await readFileCapped('/proc/self/environ', '/proc/self', 1024 * 1024), { bytes: environ });
    assert.deepEqual(await readFileCapped('/proc/self/environ', '/proc/self', 16), { reason: 'larger than the 16 B limit' });
    assert.deepEqual(await readFileCapped('/proc/self/maps', '/proc/self', 1024), { reason: 'larger than the 1.0 KB limit' });
    // Hundreds of gigabytes, read as far as the limit only (or refused: it takes reads of whole 8-byte entries).
    const pagemap = await readFileCapped('/proc/self/pagemap', '/proc/self', 64 * 1024);
    assert.match('reason' in pagemap ? pagemap.reason : '', /^(larger than the 64\.0 KB limit|not readable \(EINVAL\))$/);
  });

  it('reads nothing outside the folder, and no fifo, device or link put where a file was found', async () => {
    const root = tempDir();
    const outside = tempDir();
    writeTree(outside, { 'secret.md': '# secret' });
    writeTree(root, { 'swap.md': '# found as a regular file' });
    const [found] = (await discoverFiles(root)).files;
    assert.equal(found.rel, 'swap.md');
    const swap = (make: () => void) => { rmSync(found.abs); make(); };
    swap(() => execFileSync('mkfifo', [found.abs]));
    assert.deepEqual(await readFileCapped(found.abs, root, found.maxBytes), { reason: 'not a regular file (fifo)' }); // and did not block
    for (const target of ['/dev/zero', '/proc/self/pagemap', path.join(outside, 'secret.md'), outside]) {
      swap(() => symlinkSync(target, found.abs));
      assert.deepEqual(await readFileCapped(found.abs, root, found.maxBytes), { reason: OUTSIDE }, target);
    }
    assert.deepEqual(await readFileCapped(path.join(outside, 'secret.md'), root, 100), { reason: OUTSIDE });
    rmSync(found.abs);
    assert.deepEqual(await readFileCapped(found.abs, root, 100), { reason: 'not readable (ENOENT)' });
  });

  it('skips a file that grew past the limit after discovery', async () => {
    const root = tempDir();
    writeTree(root, { 'grows.md': '# small' });
    const [found] = (await discoverFiles(root, { maxFileSize: 4096 })).files;
    appendFileSync(found.abs, 'x'.repeat(10_000));
    assert.deepEqual(await readFileCapped(found.abs, root, found.maxBytes), { reason: 'larger than the 4.0 KB limit (9.8 KB)' });
  });
});

describe('decodeText', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  it('reads UTF-8 with and without a BOM, and keeps CRLF for the splitters', () => {
    assert.deepEqual(decodeText(enc('# 제목\r\n본문')), { text: '# 제목\r\n본문', encoding: 'utf-8' });
    assert.deepEqual(decodeText(Uint8Array.from([0xef, 0xbb, 0xbf, ...enc('# タイトル')])), { text: '# タイトル', encoding: 'utf-8' });
  });
  it('reads UTF-16 LE and BE with a BOM', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('# 标题 title', 'utf16le')]);
    const be = Buffer.from(le);
    be.swap16();
    assert.equal((decodeText(le) as { text: string }).text, '# 标题 title');
    assert.equal((decodeText(be) as { text: string }).text, '# 标题 title');
  });
  it('reports binary files and invalid UTF-8 instead of guessing', () => {
    assert.deepEqual(decodeText(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1])), { reason: 'binary file' });
    assert.match((decodeText(Uint8Array.from([0x23, 0x20, 0xc3, 0x28, 0x41])) as { reason: string }).reason, /not valid UTF-8/);
    assert.match((decodeText(Uint8Array.from([0xff, 0xfe, 0x00, 0xd8, 0x41])) as { reason: string }).reason, /not valid UTF-16/);
  });
});
