import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CancelToken } from '../../src/common/protocol/workerClient';
import { Engine } from '../../src/node/engine';
import { loadSnapshot, saveSnapshot } from '../../src/node/index/persist';
import { WorkspaceIndex } from '../../src/node/index/workspaceIndex';
import { HYBRID_WEIGHT } from '../../src/node/ranking';
import { models, tempDir, writeTree } from './helpers';
import { assertSameAsFresh, fp32TinyModel } from './incrementalModel';

/**
 * A small multilingual workspace for the concept-aligned model: every document talks about its own
 * set of concepts, in its own language, so each query below has exactly one right answer.
 */
const WORKSPACE = {
  'docs/database.md': '# Guide\n\nIntro.\n\n## Configure the database connection\n\nSet the database connection in the configuration file.\n\n```sh\nexport DATABASE_URL=x\n```\n',
  'src/cache.py': 'import os\n\n# 비밀번호 캐시를 만료합니다\ndef expire(key):\n    return os.remove(key)\n',
  'docs/deploy.ja.md': '---\ntitle: サーバーへのデプロイ\n---\n\nイメージをサーバーにデプロイします。\n',
  'src/search.go': 'package search\n\n// 搜索用户时返回错误\nfunc Find(name string) error {\n\treturn nil\n}\n',
  'src/setup.ts': '/** Run the tests after installing. */\nexport function verify(): void {}\n',
};

const QUERIES: [query: string, expectedPath: string, why: string][] = [
  ['데이터베이스 연결은 어떻게 설정하나요?', 'docs/database.md', 'Korean query → English section'],
  ['密码缓存', 'src/cache.py', 'Chinese query → Korean comment'],
  ['deploy the image to the server', 'docs/deploy.ja.md', 'English query → Japanese page'],
  ['ユーザーの検索エラー', 'src/search.go', 'Japanese query → Chinese comment'],
  ['테스트 설치', 'src/setup.ts', 'Korean query → English JSDoc'],
];

const cancelAfter = (predicate: () => boolean): CancelToken => ({
  get isCancellationRequested() { return predicate(); },
  onCancellationRequested: () => ({ dispose() {} }),
});

describe('Engine with the concept-aligned model', () => {
  let root: string, store: string, engine: Engine;
  before(async () => {
    root = tempDir();
    store = path.join(tempDir(), 'index store');
    writeTree(root, WORKSPACE);
    engine = await Engine.open({ modelDir: models.concept, storeDir: store, threads: 1 });
  });
  after(async () => { await engine.dispose(); });

  it('indexes every file and embeds every chunk once', async () => {
    const s = await engine.index({ roots: [root] });
    assert.equal(s.files, 5);
    assert.equal(s.read, 5);
    assert.ok(s.chunks >= 5, `chunks: ${s.chunks}`);
    assert.equal(s.embedded + s.reused, s.chunks);
    assert.deepEqual(s.skipped, []);
  });

  for (const [query, expected, why] of QUERIES) {
    it(`ranks the right answer first: ${why}`, async () => {
      for (const mode of ['vector', 'hybrid'] as const) {
        const { hits } = await engine.search(query, { mode, limit: 5 });
        assert.equal(hits[0]?.path, expected, `${mode}: ${hits.map((h) => `${h.path} ${h.score.toFixed(3)}`).join(', ')}`);
        assert.ok(hits[0].similarity! > 0.8, `${mode} similarity ${hits[0].similarity}`);
      }
    });
  }

  it('returns hits with 1-based line ranges, the heading path or symbol, and the language', async () => {
    const [md] = (await engine.search('database connection configuration', { mode: 'vector', limit: 1 })).hits;
    assert.equal(md.kind, 'markdown');
    assert.equal(md.title, 'Guide › Configure the database connection');
    assert.equal(md.startLine, 5);
    assert.ok(md.endLine >= 7 && md.endLine <= 11, `endLine ${md.endLine}`);
    assert.ok(!md.text.includes('DATABASE_URL'), 'fenced code is not prose');
    assert.equal(md.lang, 'en');
    const [py] = (await engine.search('비밀번호 캐시', { mode: 'vector', limit: 1 })).hits;
    assert.deepEqual([py.kind, py.title, py.startLine, py.endLine, py.lang, py.fileLanguage], ['comment', 'def expire(key):', 3, 3, 'ko', 'python']);
    assert.equal(py.text, '비밀번호 캐시를 만료합니다');
  });

  it('filters by kind and folder, and drops hits under the minimum score', async () => {
    const comments = await engine.search('데이터베이스 연결', { kinds: ['comment'], limit: 10 });
    assert.ok(comments.hits.length > 0 && comments.hits.every((h) => h.kind === 'comment'));
    const docs = await engine.search('密码缓存', { pathPrefix: 'docs/', limit: 10 });
    assert.ok(docs.hits.length > 0 && docs.hits.every((h) => h.path.startsWith('docs/')));
    const strict = await engine.search('密码缓存', { mode: 'vector', minScore: 0.9, limit: 10 });
    assert.deepEqual(strict.hits.map((h) => h.path), ['src/cache.py']);
  });

  it('finds Korean, Japanese and Chinese words by full text', async () => {
    for (const [query, expected] of [['비밀번호', 'src/cache.py'], ['デプロイ', 'docs/deploy.ja.md'], ['用户', 'src/search.go'], ['connection', 'docs/database.md']]) {
      const { hits } = await engine.search(query, { mode: 'fulltext', limit: 3 });
      assert.equal(hits[0]?.path, expected, `${query}: ${hits.map((h) => h.path).join(', ')}`);
    }
  });

  it('re-reads nothing when nothing changed, and re-embeds nothing for a touched file', async () => {
    const manifest = path.join(store, 'manifest.json');
    const savedBefore = readFileSync(manifest, 'utf8');
    const again = await engine.index({ roots: [root] });
    assert.deepEqual([again.read, again.embedded, again.removed], [0, 0, 0]);
    assert.equal(readFileSync(manifest, 'utf8'), savedBefore, 'an unchanged index is not written again');
    const later = new Date(Date.now() + 5000);
    utimesSync(path.join(root, 'src/setup.ts'), later, later);
    const touched = await engine.index({ roots: [root] });
    assert.deepEqual([touched.read, touched.embedded, touched.chunks], [1, 0, again.chunks]);
  });

  it('reads a file again that changed in the same tick of the clock as its last read (same size, same time), after a restart too', async () => {
    const dir = tempDir();
    const dirStore = tempDir();
    const file = path.join(dir, 'a.md');
    /** Rewrites the file as an edit within the clock tick of its last read would: same size, same time. */
    const editInSameTick = (text: string) => {
      const { atime, mtime } = statSync(file);
      writeFileSync(file, text);
      utimesSync(file, atime, mtime);
    };
    writeFileSync(file, '# Alpha\n\nThe database connection.\n');
    let e = await Engine.open({ modelDir: models.tiny, storeDir: dirStore, threads: 1 });
    try {
      await e.index({ roots: [dir] });
      editInSameTick('# Alpha\n\nThe database migrations.\n');
      assert.equal((await e.index({ roots: [dir] })).read, 1);
      assert.equal((await e.search('migrations', { mode: 'fulltext' })).hits[0]?.path, 'a.md');
      await e.dispose();
      editInSameTick('# Alpha\n\nThe database replication\n');
      e = await Engine.open({ modelDir: models.tiny, storeDir: dirStore, threads: 1 });
      assert.equal((await e.index({ roots: [dir] })).read, 1, 'the store knows the file is to be read again');
      assert.equal((await e.search('replication', { mode: 'fulltext' })).hits[0]?.path, 'a.md');
    } finally {
      await e.dispose();
    }
  });

  it('embeds only the new text of an edited file, and forgets deleted files', async () => {
    const before = engine.info().chunks;
    appendFileSync(path.join(root, 'docs/database.md'), '\n## Memory\n\nThe cache uses memory.\n');
    const edited = await engine.index({ roots: [root] });
    assert.equal(edited.read, 1);
    assert.equal(edited.embedded, 1, 'only the new section is embedded');
    assert.equal(edited.chunks, before + 1);
    rmSync(path.join(root, 'src/cache.py'));
    const deleted = await engine.index({ roots: [root] });
    assert.equal(deleted.removed, 1);
    assert.equal(deleted.files, 4);
    const { hits } = await engine.search('密码缓存', { limit: 10 });
    assert.ok(!hits.some((h) => h.path === 'src/cache.py'));
  });

  it('re-embeds nothing when a file moves (a branch switch back works the same way)', async () => {
    renameSync(path.join(root, 'src/search.go'), path.join(root, 'src/finder.go'));
    const moved = await engine.index({ roots: [root] });
    assert.deepEqual([moved.read, moved.removed, moved.embedded], [1, 1, 0]);
    assert.ok(moved.reused >= 1);
    assert.equal((await engine.search('ユーザーの検索エラー', { limit: 1 })).hits[0].path, 'src/finder.go');
    writeFileSync(path.join(root, 'src/cache.py'), WORKSPACE['src/cache.py']);
    const back = await engine.index({ roots: [root] });
    assert.equal(back.embedded, 0, 'the deleted file’s vectors were kept');
  });

  it('updates only the paths a watcher names: new, changed, deleted files and whole folders', async () => {
    const base = engine.info().files;
    writeTree(root, { 'notes/a.md': '# Memory\n\nThe memory cache.\n', 'notes/b.md': '# Network\n\nThe network server.\n', 'unnamed.md': '# Test\n\nTests.\n' });
    const named = await engine.index({ roots: [root], paths: [path.join(root, 'notes')] });
    assert.deepEqual([named.read, named.files], [2, base + 2], 'the folder is walked, the unnamed file is not seen');
    assert.equal((await engine.search('network server', { mode: 'fulltext', limit: 1 })).hits[0].path, 'notes/b.md');
    writeFileSync(path.join(root, 'notes/a.md'), '# Memory\n\nThe memory of the user.\n');
    rmSync(path.join(root, 'notes/b.md'));
    const changed = await engine.index({ roots: [root], paths: [path.join(root, 'notes/a.md'), path.join(root, 'notes/b.md')] });
    assert.deepEqual([changed.read, changed.removed, changed.files], [1, 1, base + 1]);
    rmSync(path.join(root, 'notes'), { recursive: true });
    const gone = await engine.index({ roots: [root], paths: [path.join(root, 'notes')] });
    assert.deepEqual([gone.removed, gone.files], [1, base]);
    writeTree(root, { 'node_modules/x/README.md': '# Database\n' });
    const excluded = await engine.index({ roots: [root], paths: [path.join(root, 'node_modules/x/README.md')] });
    assert.equal(excluded.read, 0, 'the default exclusions apply to named paths too');
    rmSync(path.join(root, 'unnamed.md'));
    rmSync(path.join(root, 'node_modules'), { recursive: true });
  });

  it('keeps what a run cancelled while embedding did, in memory and on disk, and embeds only the rest next time', async () => {
    const beforeInfo = engine.info();
    const lines = Array.from({ length: 80 }, (_, i) => `## Part ${i}\n\n${'database server '.repeat(1 + (i % 7))}part ${i} error.\n`);
    writeFileSync(path.join(root, 'docs/long.md'), `# Long\n\n${lines.join('\n')}`);
    let batches = 0;
    await assert.rejects(
      engine.index({ roots: [root] }, (p) => { if (p.phase === 'embedding') batches++; }, cancelAfter(() => batches >= 2)),
      (e: Error & { code?: string }) => e.code === 'cancelled',
    );
    const paused = engine.info();
    assert.equal(paused.chunks, beforeInfo.chunks + 80, 'the new file is in the index');
    assert.equal(paused.embeddedChunks, beforeInfo.chunks + 64, 'with the meanings of the two batches embedded before the cancel');
    assert.equal((await engine.search('part 77 error', { mode: 'fulltext', limit: 1 })).hits[0]?.path, 'docs/long.md', 'searchable by its words');
    const saved = await loadSnapshot(store, { modelId: engine.modelInfo.id });
    assert.equal(saved.status, 'loaded', 'the cancel saved what was done');
    if (saved.status !== 'loaded') return;
    assert.equal(saved.snapshot.chunks.length, paused.chunks);
    assert.equal(saved.snapshot.chunks.filter((c) => saved.snapshot.vectors.has(c.hash)).length, paused.embeddedChunks);
    const done = await engine.index({ roots: [root] });
    assert.deepEqual([done.read, done.embedded, done.waiting], [0, 16, 0], 'nothing is read again, only the texts left are embedded');
  });

  it('loads the saved index in a new engine and answers the same', async () => {
    // Vectors are stored as float16: the ranking is the same, the similarities within rounding.
    const queries = ['데이터베이스 연결은 어떻게 설정하나요?', 'database connection error', 'キャッシュ', '数据库'];
    // The passages that mean something for the query (the rest of long.md is noise around 0).
    const options = { limit: 10, mode: 'vector' as const, minScore: 0.05 };
    const expected = await Promise.all(queries.map((q) => engine.search(q, options)));
    assert.ok(expected.every((r) => r.hits.length >= 2), 'each query has answers to compare');
    const second = await Engine.open({ modelDir: models.concept, storeDir: store, threads: 1 });
    try {
      assert.equal(second.info().chunks, engine.info().chunks);
      assert.equal(second.info().vectors, engine.info().vectors);
      for (const [i, q] of queries.entries()) {
        const got = await second.search(q, options);
        assert.equal(got.hits.length, expected[i].hits.length, q);
        const key = (h: { path: string; startLine: number }) => `${h.path}:${h.startLine}`;
        const before = new Map(expected[i].hits.map((h) => [key(h), h.score]));
        got.hits.forEach((h, j) => {
          const want = expected[i].hits[j];
          assert.ok(Math.abs(h.score - want.score) < 1e-3, `${q}: #${j + 1} ${h.score} vs ${want.score}`);
          // A different passage at a rank only where two passages were within rounding of each other.
          if (key(h) !== key(want)) {
            const was = before.get(key(h)) ?? -Infinity;
            assert.ok(Math.abs(was - want.score) < 1e-3, `${q}: #${j + 1} is ${key(h)} (${was}), was ${key(want)} (${want.score})`);
          }
        });
      }
      // The first engine still holds the store: the second searches it read-only.
      assert.equal(second.info().readOnly, true);
      await assert.rejects(second.index({ roots: [root] }), (e: Error & { code?: string }) => e.code === 'store-locked');
    } finally {
      await second.dispose();
    }
  });
});

describe('hybrid ranking', () => {
  it('orders near ties by the query words, and never lets them bury a closer answer in another language', async () => {
    const root = tempDir();
    writeTree(root, {
      'en.md': '# Configure the database connection\n\nSet the database connection in the configuration.\n',
      'ko-same.md': '# 데이터베이스 연결 설정\n\n데이터베이스 연결을 설정합니다.\n',
      'ko-partial.md': '# 데이터베이스\n\n데이터베이스 캐시와 메모리.\n',
    });
    const engine = await Engine.open({ modelDir: models.concept, storeDir: tempDir(), threads: 1 });
    try {
      await engine.index({ roots: [root] });
      const query = '데이터베이스 연결 설정';
      const vector = (await engine.search(query, { mode: 'vector' })).hits;
      const hybrid = (await engine.search(query, { mode: 'hybrid' })).hits;
      const sim = Object.fromEntries(vector.map((h) => [h.path, h.similarity!]));
      assert.ok(Math.abs(sim['en.md'] - sim['ko-same.md']) < 0.01, 'the two full answers tie in meaning');
      assert.ok(sim['ko-partial.md'] < sim['en.md'] - 0.1, 'the partial one is clearly less close');
      assert.deepEqual(hybrid.map((h) => h.path), ['ko-same.md', 'en.md', 'ko-partial.md'], 'words break the tie, not the order of meaning');
      for (const h of hybrid) assert.ok(h.score - h.similarity! <= 0.05 + 1e-9 && h.score >= h.similarity!);
    } finally {
      await engine.dispose();
    }
  });
});

describe('hybrid candidates', () => {
  it('finds a chunk that only a rare word of the query points at, beyond the vector search\'s candidates', async () => {
    // With the concept model a text's vector is the mean of its concept words: 80 chunks of "database
    // connection server" have cosine 0.817 with the query; the target, 6 × database, 6 × connection and
    // 7 × server, has 0.772 — last by meaning, but the only chunk with the rare word "zephyrine".
    const root = tempDir();
    const files: Record<string, string> = { 'target.md': `# Notes\n\nZephyrine ${'database '.repeat(6)}${'connection '.repeat(6)}${'server '.repeat(7)}\n` };
    for (let i = 0; i < 80; i++) files[`db${i}.md`] = '# Notes\n\nThe database connection server.\n';
    writeTree(root, files);
    const engine = await Engine.open({ modelDir: models.concept, storeDir: tempDir(), threads: 1 });
    try {
      await engine.index({ roots: [root] });
      const query = 'zephyrine database connection';
      const vector = (await engine.search(query, { mode: 'vector', limit: 80 })).hits;
      assert.ok(!vector.some((h) => h.path === 'target.md'), 'by meaning alone it is not among the first 80');
      const [first] = (await engine.search(query, { mode: 'hybrid', limit: 10 })).hits;
      assert.equal(first.path, 'target.md');
      assert.ok(first.similarity! < vector[0].similarity!, 'its similarity is its own, lower than the others\'');
      assert.ok(Math.abs(first.score - first.similarity! - HYBRID_WEIGHT) < 1e-9, 'it has the best word score');
    } finally {
      await engine.dispose();
    }
  });
});

describe('Engine store recovery and bad input', () => {
  it('rebuilds an index made with another model, and a damaged one, saying why', async () => {
    const root = tempDir();
    const store = tempDir();
    writeTree(root, { 'a.md': '# Database\n\nThe database connection.\n' });
    const first = await Engine.open({ modelDir: models.concept, storeDir: store, threads: 1 });
    await first.index({ roots: [root] });
    await first.dispose();

    const other = await Engine.open({ modelDir: models.tiny, storeDir: store, threads: 1 });
    assert.match(other.info().storeProblem ?? '', /another model/);
    const rebuilt = await other.index({ roots: [root] });
    assert.match(rebuilt.rebuiltBecause ?? '', /another model/);
    assert.equal(rebuilt.embedded, rebuilt.chunks);
    await other.dispose();

    const meta = readdirSync(store).find((n) => n.startsWith('meta-'))!;
    writeFileSync(path.join(store, meta), '{"broken');
    const third = await Engine.open({ modelDir: models.tiny, storeDir: store, threads: 1 });
    assert.match(third.info().storeProblem ?? '', /damaged|checksum/);
    assert.equal((await third.index({ roots: [root] })).chunks, rebuilt.chunks);
    await third.dispose();

    // An index written by another version of the format (here: the float32 format 1).
    const manifestPath = path.join(store, 'manifest.json');
    writeFileSync(manifestPath, readFileSync(manifestPath, 'utf8').replace(/"format": \d+/, '"format": 1'));
    const fourth = await Engine.open({ modelDir: models.tiny, storeDir: store, threads: 1 });
    assert.match(fourth.info().storeProblem ?? '', /written in format 1, this version reads format 2/);
    assert.equal(fourth.info().chunks, 0, 'nothing of it is used');
    const again = await fourth.index({ roots: [root] });
    assert.match(again.rebuiltBecause ?? '', /format 1/);
    assert.equal(again.embedded, again.chunks);
    await fourth.dispose();
    const fifth = await Engine.open({ modelDir: models.tiny, storeDir: store, threads: 1 });
    assert.equal(fifth.info().storeProblem, undefined, 'the rebuilt index is in the current format');
    assert.equal(fifth.info().chunks, again.chunks);
    await fifth.dispose();
  });

  it('skips broken files with their reason and indexes the rest', async () => {
    const root = tempDir();
    writeTree(root, {
      'good.md': '# Database\n\nConnection.\n',
      'crlf.md': '# Cache\r\n\r\nThe cache.\r\n',
      'utf16.md': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('# 데이터베이스\n\n연결\n', 'utf16le')]),
      'binary.md': Buffer.from([0x23, 0x20, 0x00, 0x01, 0x02]),
      'latin1.md': Buffer.from([0x23, 0x20, 0x63, 0x61, 0x66, 0xe9, 0x0a]),
      'big.md': '# Big\n\n' + 'word '.repeat(3000),
    });
    const engine = await Engine.open({ modelDir: models.concept, storeDir: tempDir(), threads: 1 });
    try {
      const s = await engine.index({ roots: [root], options: { maxFileSize: 10_000 } });
      const reasons = Object.fromEntries(s.skipped.map((k) => [k.path, k.reason]));
      assert.deepEqual(Object.keys(reasons).sort(), ['big.md', 'binary.md', 'latin1.md']);
      assert.equal(reasons['binary.md'], 'binary file');
      assert.match(reasons['latin1.md'], /not valid UTF-8/);
      assert.match(reasons['big.md'], /larger than/);
      assert.equal(s.files, 3);
      const { hits } = await engine.search('데이터베이스', { mode: 'fulltext' });
      assert.equal(hits[0].path, 'utf16.md');
      const crlf = (await engine.search('cache', { mode: 'fulltext' })).hits[0];
      assert.equal(crlf.path, 'crlf.md');
      assert.ok(!crlf.text.includes('\r'));
    } finally {
      await engine.dispose();
    }
  });

  it('searches by words alone without a model, and rebuilds with vectors once a model is there', async () => {
    const root = tempDir();
    const store = tempDir();
    writeTree(root, WORKSPACE);
    const wordsOnly = await Engine.open({ storeDir: store });
    assert.equal(wordsOnly.modelInfo.dim, 0);
    const s = await wordsOnly.index({ roots: [root] });
    assert.deepEqual([s.files, s.embedded], [5, 0]);
    const res = await wordsOnly.search('비밀번호', { mode: 'hybrid' });
    assert.equal(res.mode, 'fulltext');
    assert.equal(res.hits[0].path, 'src/cache.py');
    assert.equal(res.hits[0].similarity, undefined);
    await wordsOnly.dispose();
    const withModel = await Engine.open({ modelDir: models.concept, storeDir: store, threads: 1 });
    assert.match(withModel.info().storeProblem ?? '', /another model/);
    const rebuilt = await withModel.index({ roots: [root] });
    assert.equal(rebuilt.embedded, rebuilt.chunks);
    assert.equal((await withModel.search('密码缓存', { limit: 1 })).hits[0].path, 'src/cache.py');
    await withModel.dispose();
  });

  it('says which folder is missing', async () => {
    const engine = await Engine.open({ modelDir: models.tiny, storeDir: tempDir(), threads: 1 });
    try {
      await assert.rejects(engine.index({ roots: [path.join(tempDir(), 'nope')] }), /Folder not found/);
    } finally {
      await engine.dispose();
    }
  });
});

describe('Engine runs are complete or not applied at all', () => {
  const changelog = (sections: number, edited = -1) => `# Changelog\n\n${Array.from({ length: sections }, (_, i) =>
    `## ${i}.0.0\n\n${i === edited ? 'Edited: the parser now keeps comments' : `Fixed bug ${i} in the release script`}.\n\n`).join('')}`;
  const world = async (files: Record<string, string>) => {
    const root = tempDir();
    writeTree(root, files);
    const modelDir = fp32TinyModel();
    const store = path.join(tempDir(), 'store');
    const engine = await Engine.open({ modelDir, storeDir: store, threads: 1 });
    return { root, store, modelDir, engine, log: () => {} };
  };

  it('keeps a Markdown file of more than 1,000 sections indexable after an edit (removals are complete before adds)', async () => {
    const w = await world({ 'CHANGELOG.md': changelog(1200) });
    try {
      assert.equal((await w.engine.index({ roots: [w.root] })).chunks, 1200);
      writeFileSync(path.join(w.root, 'CHANGELOG.md'), changelog(1200, 600));
      const edited = await w.engine.index({ roots: [w.root] });
      assert.deepEqual([edited.read, edited.chunks, edited.embedded], [1, 1200, 1]);
      writeFileSync(path.join(w.root, 'CHANGELOG.md'), changelog(1100, 1050));
      assert.equal((await w.engine.index({ roots: [w.root], paths: [path.join(w.root, 'CHANGELOG.md')] })).chunks, 1100);
      await assertSameAsFresh(w);
    } finally {
      await w.engine.dispose();
    }
  });

  it('replaces more than 1,000 passages of several files in one run (a branch switch)', async () => {
    const files = Object.fromEntries(['a', 'b', 'c'].map((n) => [`${n}.md`, changelog(450)]));
    const w = await world(files);
    try {
      await w.engine.index({ roots: [w.root] });
      for (const n of ['a', 'b', 'c']) writeFileSync(path.join(w.root, `${n}.md`), changelog(450, 10));
      assert.equal((await w.engine.index({ roots: [w.root] })).chunks, 1350);
      await assertSameAsFresh(w);
    } finally {
      await w.engine.dispose();
    }
  });

  it('forgets the skipped files of a folder a watcher reports moved', async () => {
    const w = await world({ 'docs/a.md': '# Alpha\n\nThe database connection.\n', 'docs/binary.md': '# x\u0000\u0001' });
    try {
      await w.engine.index({ roots: [w.root] });
      renameSync(path.join(w.root, 'docs'), path.join(w.root, 'moved'));
      const moved = await w.engine.index({ roots: [w.root], paths: [path.join(w.root, 'docs'), path.join(w.root, 'moved')] });
      assert.deepEqual(moved.skipped, [{ path: 'moved/binary.md', reason: 'binary file' }]);
      await assertSameAsFresh(w);
    } finally {
      await w.engine.dispose();
    }
  });

  it('puts the index back as last saved when applying a run fails, and the next run does it all again', async () => {
    const w = await world({ 'a.md': '# Alpha\n\nThe database connection.\n', 'b.md': '# Beta\n\nThe cache server.\n' });
    const add = WorkspaceIndex.prototype.addFile;
    try {
      await w.engine.index({ roots: [w.root] });
      const saved = w.engine.info();
      writeTree(w.root, { 'a.md': '# Alpha\n\nThe parser release.\n', 'b.md': '# Beta\n\nThe token index.\n', 'c.md': '# Gamma\n\nThe user query.\n' });
      // A fault in the middle of applying the run: a.md is applied, b.md fails.
      WorkspaceIndex.prototype.addFile = async function (record, chunks) {
        if (record.rel === 'b.md') throw new Error('no memory left');
        return add.call(this, record, chunks);
      };
      await assert.rejects(w.engine.index({ roots: [w.root] }), /no memory left/);
      const after = w.engine.info();
      assert.deepEqual([after.files, after.chunks], [saved.files, saved.chunks]);
      assert.deepEqual((await w.engine.search('parser release', { mode: 'fulltext' })).hits, [], 'nothing of the failed run is searchable');
      assert.equal((await w.engine.search('database connection', { mode: 'fulltext' })).hits[0]?.path, 'a.md', 'what was saved is');
      WorkspaceIndex.prototype.addFile = add;
      const again = await w.engine.index({ roots: [w.root] });
      // Meanings are embedded after a run is applied: the failed run had embedded nothing.
      assert.deepEqual([again.read, again.embedded], [3, 3], 'every file is read and embedded again');
      await assertSameAsFresh(w);
    } finally {
      WorkspaceIndex.prototype.addFile = add;
      await w.engine.dispose();
    }
  });

  it('saves on the next run after a save failed, though nothing changed since', async () => {
    const w = await world({ 'a.md': '# Alpha\n\nThe database connection.\n' });
    try {
      await w.engine.index({ roots: [w.root] });
      writeTree(w.root, { 'a.md': '# Alpha\n\nThe parser release.\n' });
      // The store cannot be written: its folder is a file for the moment.
      renameSync(w.store, `${w.store}.away`);
      writeFileSync(w.store, '');
      await assert.rejects(w.engine.index({ roots: [w.root] }), (e: Error & { code?: string }) => e.code === 'store-unreadable');
      rmSync(w.store);
      renameSync(`${w.store}.away`, w.store);
      const retry = await w.engine.index({ roots: [w.root] });
      assert.equal(retry.read, 0, 'memory already holds the change');
      await assertSameAsFresh(w); // the saved index included
    } finally {
      await w.engine.dispose();
    }
  });

  it('rebuilds a stored index whose full text cannot be built, instead of failing every run', async () => {
    const w = await world({ 'a.md': '# Alpha\n\nThe database connection.\n\n## More\n\nThe cache server.\n' });
    await w.engine.index({ roots: [w.root] });
    const modelId = w.engine.modelInfo.id;
    await w.engine.dispose();
    // Checksums match, but two passages share an id: the full-text index refuses the second one.
    const stored = await loadSnapshot(w.store, { modelId });
    assert.equal(stored.status, 'loaded');
    if (stored.status !== 'loaded') return;
    const s = stored.snapshot;
    await saveSnapshot(w.store, { ...s, chunks: s.chunks.map((c) => ({ ...c, id: s.chunks[0].id })) });
    w.engine = await Engine.open({ modelDir: w.modelDir, storeDir: w.store, threads: 1 });
    try {
      const rebuilt = await w.engine.index({ roots: [w.root] });
      assert.match(rebuilt.rebuiltBecause ?? '', /./, 'the run says the index was rebuilt');
      await assertSameAsFresh(w);
    } finally {
      await w.engine.dispose();
    }
  });
});


describe('an engine that does not write takes up what the writer saves', () => {
  it('reloads a newer save on refresh (read-only, or while another process holds the lock), and nothing else', async () => {
    const root = tempDir();
    const store = path.join(tempDir(), 'store');
    writeTree(root, { 'docs/database.md': '# Guide\n\nConfigure the database connection.\n' });
    const writer = await Engine.open({ modelDir: models.concept, storeDir: store, threads: 1 });
    const readers: Engine[] = [];
    try {
      await writer.index({ roots: [root] });
      readers.push(await Engine.open({ modelDir: models.concept, storeDir: store, threads: 1, readOnly: true }));
      // A would-be writer whose lock the first engine holds.
      readers.push(await Engine.open({ modelDir: models.concept, storeDir: store, threads: 1 }));
      for (const reader of readers) {
        assert.equal(reader.info().files, 1);
        assert.equal(await reader.refresh(), false, 'nothing saved since it loaded');
      }
      writeTree(root, { 'src/cache.py': '# 비밀번호 캐시를 만료합니다\ndef expire(key):\n    pass\n' });
      await writer.index({ roots: [root] });
      for (const reader of readers) {
        assert.equal((await reader.search('密码缓存', { limit: 1 })).hits[0]?.path, 'docs/database.md', 'the old index until a refresh');
        // Concurrent calls share one reload.
        const both = await Promise.all([reader.refresh(), reader.refresh()]);
        assert.deepEqual(both, [true, true]);
        assert.equal(await reader.refresh(), false);
        assert.equal(reader.info().files, 2);
        assert.equal((await reader.search('密码缓存', { limit: 1 })).hits[0]?.path, 'src/cache.py');
      }
      assert.equal(await writer.refresh(), false, 'the writer keeps its own index');
      await writer.clear();
      for (const reader of readers) {
        assert.equal(await reader.refresh(), true, 'a cleared store empties the reader');
        assert.equal(reader.info().files, 0);
      }
    } finally {
      for (const reader of readers) await reader.dispose();
      await writer.dispose();
    }
  });

  /** A writer that indexed a one-file tree, and a second engine on the same store, which the lock refuses. */
  async function withWaitingEngine(test: (root: string, writer: Engine, waiting: Engine) => Promise<void>): Promise<void> {
    const root = tempDir();
    const store = path.join(tempDir(), 'store');
    writeTree(root, { 'docs/database.md': '# Guide\n\nConfigure the database connection.\n' });
    const writer = await Engine.open({ modelDir: models.concept, storeDir: store, threads: 1 });
    try {
      await writer.index({ roots: [root] });
      const waiting = await Engine.open({ modelDir: models.concept, storeDir: store, threads: 1 });
      try {
        await test(root, writer, waiting);
      } finally {
        await waiting.dispose();
      }
    } finally {
      await writer.dispose();
    }
  }
  const CACHE_PY = { 'src/cache.py': '# 비밀번호 캐시를 만료합니다\ndef expire(key):\n    pass\n' };
  const refusedRun = (engine: Engine, root: string) =>
    assert.rejects(engine.index({ roots: [root] }), (e: Error & { code?: string }) => e.code === 'store-locked');

  it('answers from the latest save while a run of its own is refused the lock (a refresh during that run is not stale)', () =>
    withWaitingEngine(async (root, writer, waiting) => {
      writeTree(root, CACHE_PY);
      await writer.index({ roots: [root] });
      // As in the MCP server: its periodic run is under way when a tool call refreshes and searches.
      const refused = refusedRun(waiting, root);
      await waiting.refresh();
      assert.equal((await waiting.search('密码缓存', { limit: 1 })).hits[0]?.path, 'src/cache.py');
      await refused;
      assert.equal(await waiting.refresh(), false, 'the refused run took up the save already');
    }));

  it('answers from the latest save when its own run starts while a refresh is under way', () =>
    withWaitingEngine(async (root, writer, waiting) => {
      // The MCP server's periodic run may start before the refresh of a tool call reads the manifest, or
      // while it loads the save: the refresh then waits for that run, which takes up the save itself.
      for (const [i, delayMs] of [0, 0, 1, 2, 5, 10, 20].entries()) {
        const cache = i % 2 === 0;
        if (cache) writeTree(root, CACHE_PY);
        else rmSync(path.join(root, 'src'), { recursive: true });
        await writer.index({ roots: [root] });
        const refreshed = waiting.refresh();
        await new Promise((r) => setTimeout(r, delayMs));
        const refused = refusedRun(waiting, root);
        await refreshed;
        const hit = (await waiting.search('密码缓存', { limit: 1 })).hits[0]?.path;
        assert.equal(hit === 'src/cache.py', cache, `after a save ${cache ? 'with' : 'without'} the file, a run starting ${delayMs} ms into the refresh`);
        await refused;
      }
    }));

  it('lets the lock go between runs: another engine writes meanwhile, and the next run starts from its save', async () => {
    const root = tempDir();
    const store = path.join(tempDir(), 'store');
    writeTree(root, { 'a.md': '# A\n\nThe database connection.\n' });
    const first = await Engine.open({ modelDir: models.concept, storeDir: store, threads: 1 });
    try {
      await first.index({ roots: [root] });
      await first.releaseLock();
      const second = await Engine.open({ modelDir: models.concept, storeDir: store, threads: 1 });
      try {
        assert.equal(second.info().readOnly, undefined, 'the second engine took the lock');
        writeTree(root, { 'b.md': '# B\n\nThe cache server.\n' });
        await second.index({ roots: [root] });
        await assert.rejects(first.index({ roots: [root] }), (e: Error & { code?: string }) => e.code === 'store-locked');
        assert.equal(first.info().files, 2, 'the refused run took up the writer\'s save');
      } finally {
        await second.dispose();
      }
      writeTree(root, { 'c.md': '# C\n\nThe deployment.\n' });
      const run = await first.index({ roots: [root] });
      assert.deepEqual([run.files, run.read], [3, 1], 'only the file the other writer did not index is read');
      assert.equal(await first.refresh(), false);
    } finally {
      await first.dispose();
    }
  });
});
