import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { cliPath, models, tempDir, writeTree } from './helpers';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('command line', () => {
  const root = tempDir('ss cli ');
  writeTree(root, {
    'guide/데이터베이스 설정.md': '# Setup\n\n## Database connection\n\nConfigure the database connection in the configuration file.\n',
    'src/deploy.rs': '/// 서버에 이미지를 배포합니다.\npub fn deploy() {}\n',
    'notes.md': '# Notes\n\nThe cache and the memory.\n',
    'broken.md': Buffer.from([0x23, 0x00, 0x01]),
  });
  const store = path.join(tempDir(), 'store');

  it('indexes a folder and prints one JSON summary', () => {
    const r = cli('index', root, '--model', models.concept, '--store', store, '--json');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const s = JSON.parse(lines[0]);
    assert.deepEqual(Object.keys(s).filter((k) => ['files', 'chunks', 'embedded', 'reused', 'skipped', 'ms'].includes(k)).sort(),
      ['chunks', 'embedded', 'files', 'ms', 'reused', 'skipped']);
    assert.equal(s.files, 3);
    assert.equal(s.embedded, s.chunks);
    assert.equal(s.waiting, 0, 'every chunk has its meaning at the end');
    assert.deepEqual(s.skipped, [{ path: 'broken.md', reason: 'binary file' }]);
    assert.equal(typeof s.ms, 'number');
  });

  it('searches across languages and prints hits best first with relative paths and 1-based lines', () => {
    // auto: all the cores (nobody types into a terminal run)
    const r = cli('search', '데이터베이스 연결 설정', '--model', models.concept, '--store', store, '--limit', '2', '--threads', 'auto', '--json');
    assert.equal(r.code, 0, r.stderr);
    const { hits, ms } = JSON.parse(r.stdout);
    assert.equal(typeof ms, 'number');
    assert.equal(hits.length, 2);
    assert.deepEqual(Object.keys(hits[0]).sort(), ['endLine', 'kind', 'path', 'score', 'startLine', 'text', 'title']);
    assert.deepEqual([hits[0].path, hits[0].startLine, hits[0].endLine, hits[0].kind, hits[0].title],
      ['guide/데이터베이스 설정.md', 3, 5, 'markdown', 'Setup › Database connection']);
    assert.ok(hits[0].score >= hits[1].score);
    const rust = JSON.parse(cli('search', 'deploy image to server', '--model', models.concept, '--store', store, '--json').stdout).hits[0];
    assert.deepEqual([rust.path, rust.startLine, rust.kind, rust.title, rust.text], ['src/deploy.rs', 1, 'comment', 'pub fn deploy() {}', '서버에 이미지를 배포합니다.']);
  });

  it('prints readable results and a summary without --json', () => {
    const idx = cli('index', root, '--model', models.concept, '--store', store);
    assert.equal(idx.code, 0, idx.stderr);
    assert.match(idx.stdout, /Indexed 3 files: \d+ chunks \(0 embedded/);
    assert.match(idx.stdout, /broken\.md: binary file/);
    const r = cli('search', 'cache memory', '--model', models.concept, '--store', store, '--limit', '1');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ 1\. notes\.md:1 {2}\d\.\d{3} {2}\[markdown, en\]\n {4}Notes\n {4}The cache and the memory\./);
  });

  it('escapes control characters of file names, titles, text and skip reasons in readable output', () => {
    const hostile = tempDir('ss cli hostile ');
    const esc = '\x1b';
    writeTree(hostile, {
      [`docs/${esc}[31mred${esc}[0m\u202eevil.md`]: `# Title ${esc}]0;pwned\x07 bell\n\nThe cache ${esc}[2J clears\b\b the memory\r and \u202egnirts \x9b1m too.\n`,
      [`bin\r${esc}[2Kary.md`]: Buffer.from([0x23, 0x00, 0x01]),
    });
    const hostileStore = path.join(tempDir(), 'store');
    const idx = cli('index', hostile, '--model', models.concept, '--store', hostileStore);
    assert.equal(idx.code, 0, idx.stderr);
    const r = cli('search', 'cache memory', '--model', models.concept, '--store', hostileStore, '--limit', '1');
    assert.equal(r.code, 0, r.stderr);
    for (const out of [idx.stdout, idx.stderr, r.stdout]) {
      // Nothing a terminal acts on: C0 controls other than the line ends we print, DEL, C1, bidi overrides.
      assert.doesNotMatch(out, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u, JSON.stringify(out));
    }
    assert.match(idx.stdout, /bin\\x0d\\x1b\[2Kary\.md: binary file/);
    assert.match(r.stdout, /docs\/\\x1b\[31mred\\x1b\[0m\\u202eevil\.md:1 /);
    assert.match(r.stdout, /Title \\x1b\]0;pwned\\x07 bell/);
    assert.match(r.stdout, /The cache \\x1b\[2J clears\\x08\\x08 the memory and \\u202egnirts \\x9b1m too\./);
  });

  it('escapes control characters of the paths its error messages name', () => {
    const esc = '\x1b';
    const missing = path.join(tempDir(), `gone${esc}]0;pwned\x07\u202e`);
    for (const args of [['index', missing, '--model', models.concept, '--store', store], ['search', 'x', '--model', missing, '--store', store]]) {
      const r = cli(...args);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /not found: .*gone\\x1b\]0;pwned\\x07\\u202e/);
      assert.doesNotMatch(r.stderr, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]/u, JSON.stringify(r.stderr));
    }
  });

  it('fails with one clear sentence on a missing or wrong model, or an unusable store', () => {
    const bad = tempDir();
    writeFileSync(path.join(bad, 'file.txt'), 'not a folder');
    const cases: [string[], RegExp][] = [
      [['search', 'x', '--store', store], /^Missing --model/],
      [['search', 'x', '--model', path.join(bad, 'nope'), '--store', store], /^Model folder not found: /],
      [['search', 'x', '--model', bad, '--store', store], /is not a model folder: config\.json is missing/],
      [['search', 'x', '--model', models.concept, '--store', path.join(bad, 'empty')], /^There is no index in .*Run "index" first\./],
      [['search', 'x', '--model', models.concept, '--store', path.join(bad, 'file.txt')], /^The index in .* cannot be used: /],
      [['index', root, '--model', models.concept, '--store', path.join(bad, 'file.txt')], /^The index folder .* cannot be written/],
      [['index', path.join(bad, 'missing'), '--model', models.concept, '--store', store], /^Folder not found: /],
      [['search', 'x', '--model', models.concept, '--store', store, '--limit', 'ten'], /^--limit must be a positive whole number/],
      [['search', 'x', '--model', models.concept, '--store', store, '--threads', 'all'], /^--threads must be auto or a positive whole number, not "all"\. \(see --help\)$/],
      [['search', 'x', '--model', models.concept, '--store', store, '--threads', '0'], /^--threads must be auto or a positive whole number/],
    ];
    for (const [args, message] of cases) {
      const r = cli(...args);
      assert.notEqual(r.code, 0, args.join(' '));
      // The error is the last line (indexing prints progress lines before it).
      assert.match(r.stderr.trim().split('\n').at(-1)!, message, `${args.join(' ')}\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
  });
});
