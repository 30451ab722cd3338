import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decodeText } from '../../src/node/files/decode';
import { discoverFiles } from '../../src/node/files/discover';
import { tempDir, writeTree } from './helpers';

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
