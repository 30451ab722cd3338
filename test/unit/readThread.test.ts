// Files read on a thread beside the engine's (src/node/readThread.ts): each file gives there what it gives on
// the engine's own thread, passages and full-text words, whatever the text; a thread that cannot start or ends
// early costs nothing but time; a first index shared out this way, and added as it is read, is the index of a
// run read on one thread, hostile files included, and a cancelled one leaves the index as it was saved.
import assert from 'node:assert/strict';
import { rmSync, statSync, unlinkSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { loadTokenizer, tokenCounter, tokenizerCopy } from '../../src/node/embed/transformersJs';
import { Engine } from '../../src/node/engine';
import { FullTextIndex } from '../../src/node/index/fullText';
import { fullTextTokens, indexedWord } from '../../src/node/index/fullTextTokenizer';
import { readFile, type Found, type TokenBudget } from '../../src/node/indexSteps';
import { ReadThread, startReadWorker, type ReadSetup } from '../../src/node/readThread';
import { HOSTILE_FILES, HOSTILE_SKIPS, hostileTree, reasonsByPath } from './hostileTree';
import { models, tempDir, writeTree } from './helpers';

const inline = (text: string) => fullTextTokens(text).map(indexedWord);

/** Texts with what splitting and word-breaking find hard: CJK, combining marks, controls, prototype names, markup. */
const hostileText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc.array(fc.constantFrom('데이터베이스를 ', '연결', '数据库', 'の設定を', 'constructor ', '__proto__', 'e\u0301', '\u0001', '\u0000', '\n\n', '# ', '## ', '```\n', '<!-- ', ' -->', '// ', '"""', "don't", '3.14', '\ud800', 'word '.repeat(40)), { maxLength: 60 }).map((a) => a.join('')),
);

/** A file as discovery gives it: its mtime set well in the past, so both reads record the same time. */
function found(root: string, rel: string, language: string): Found {
  const abs = path.join(root, rel);
  utimesSync(abs, new Date(2024, 0, 1), new Date(2024, 0, 1));
  const st = statSync(abs);
  return { abs, rel, root, size: st.size, mtimeMs: st.mtimeMs, language, maxBytes: 64 * 1024 };
}

describe('ReadThread', () => {
  it('gives every file what reading it on the engine\'s thread gives, with its passages\' words', async () => {
    const tokens: TokenBudget = { countTokens: tokenCounter(await loadTokenizer(models.tiny)), maxTokens: 32 };
    // The thread's tokenizer is made from a copy of another one (as the engine's gives it); this side's fills its own trie.
    const copy = tokenizerCopy(await loadTokenizer(models.tiny, { saved: { dir: tempDir(), tokenizerSha256: '0'.repeat(64) } }));
    assert.ok(copy);
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(hostileText, fc.constantFrom('markdown', 'python')), { minLength: 1, maxLength: 12 }), async (files) => {
      const root = tempDir('ss read ');
      writeTree(root, Object.fromEntries(files.map(([text, language], i) => [language === 'markdown' ? `docs/${i}.md` : `src/${i}.py`, text])));
      const list = files.map(([, language], i) => found(root, language === 'markdown' ? `docs/${i}.md` : `src/${i}.py`, language));
      // A file gone since discovery gives its reason on either thread.
      unlinkSync(list[0].abs);
      const thread = new ReadThread();
      try {
        // The engine's side takes no file here: the thread reads them all.
        thread.start(list, { modelDir: models.tiny, copy, maxTokens: tokens.maxTokens });
        for (const [i, f] of list.entries()) {
          const theirs = await thread.result(i);
          assert.ok(theirs, `the thread answered file ${i}`);
          assert.deepEqual(theirs, await readFile(f, tokens), f.rel);
          if (!('chunks' in theirs)) continue;
          for (const c of theirs.chunks) for (const text of [c.title, c.text]) if (text) assert.deepEqual(thread.knownWords.get(text), inline(text), JSON.stringify(text));
        }
        assert.equal(thread.claim(), -1, 'no file is left for the engine');
      } finally {
        await thread.stop();
        rmSync(root, { recursive: true, force: true });
      }
    }), { numRuns: 8, seed: 20261204 });
  });

  it('started before the files are known, reads them once they come; started and not given any, stops', async () => {
    const root = tempDir('ss read ');
    writeTree(root, { 'a.md': '# 데이터베이스\n\n연결 문자열을 설정합니다.\n', 'b.md': '# 数据库\n\n配置数据库连接字符串。\n' });
    const list = [found(root, 'a.md', 'markdown'), found(root, 'b.md', 'markdown')];
    const tokens: TokenBudget = { countTokens: tokenCounter(await loadTokenizer(models.tiny)), maxTokens: 32 };
    const started: ReadSetup[] = [];
    const said: string[] = [];
    const thread = new ReadThread((m) => said.push(m), (setup) => { started.push(setup); return startReadWorker(setup); });
    try {
      thread.prepare({ modelDir: models.tiny, maxTokens: 32 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(thread.claim(), -1, 'no file before the files are known');
      thread.start(list, { modelDir: models.tiny, maxTokens: 32 });
      assert.equal(started.length, 1, 'the thread started before is the one that reads');
      assert.deepEqual(await Promise.all([thread.result(0), thread.result(1)]), await Promise.all(list.map((f) => readFile(f, tokens))));
      await thread.stop();
      thread.prepare({ maxTokens: 32 });
      assert.equal(started.length as number, 2, 'a second thread, for the next run');
      await thread.stop();
      assert.equal(thread.claim(), -1);
    } finally {
      await thread.stop();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('leaves the files to the engine when the thread cannot start or ends early, and says so once', async () => {
    const root = tempDir('ss read ');
    writeTree(root, { 'a.md': '# 데이터베이스\n\n연결 문자열을 설정합니다.\n', 'b.md': '# 数据库\n\n配置数据库连接字符串。\n' });
    const list = [found(root, 'a.md', 'markdown'), found(root, 'b.md', 'markdown')];
    const said: string[] = [];
    const cannot = new ReadThread((m) => said.push(m), () => { throw new Error('no such file'); });
    cannot.start(list, { maxTokens: 128 });
    // Nothing is shared out or awaited: the engine reads each file itself at its turn.
    assert.equal(cannot.claim(), -1);
    assert.equal(await cannot.result(0), undefined);
    assert.equal(await cannot.result(1), undefined);
    assert.equal(said.length, 1);
    assert.match(said[0], /engine's own thread.*no such file/);

    const ends = new ReadThread(() => {}, () => new Worker('process.exit(3)', { eval: true }));
    ends.start(list, { maxTokens: 128 });
    assert.equal(await ends.result(0), undefined, 'a result is not awaited from a thread that is gone');
    await ends.stop();
  });
});

/** The index an engine builds of `roots`, as what a comparison needs: files, chunks, skips, word searches. */
async function indexOf(engine: Engine, queries: string[]) {
  const index = engine.searchParts.index;
  const ids = [...index.chunks.keys()];
  const searches = [];
  for (const query of queries) {
    const words = fullTextTokens(query);
    searches.push({ query, scores: index.fullText.wordScores(words, undefined, ids, 0, 0), hits: await index.fullText.search(query, 20) });
  }
  return { files: [...index.files.entries()].sort(), chunks: [...index.chunks.entries()].sort(), skipped: reasonsByPath(index.skipped), searches };
}

describe('a first index of many files', () => {
  const lines = ['# 데이터베이스 연결\n\n연결 문자열을 설정합니다.', '# Database\n\nConfigure the database connection string.', '# 数据库\n\n配置数据库连接字符串。', '# キャッシュ\n\nキャッシュの有効期限を設定します。'];
  const queries = ['데이터베이스', 'database connection', '数据库', 'キャッシュ', 'wordword', '項目17', 'page', 'zebra', 'outside'];

  it('is the index of a run that reads every file on the engine\'s thread, hostile files included', async () => {
    const { root, close } = await hostileTree();
    writeTree(root, Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`pages/${i}.md`, `${lines[i % 4]}\n\nPage ${i}: ${'word'.repeat(i % 7 + 1)} 項目${i}\n\n## Details\n\n${'Details of the page. '.repeat(i % 13 + 1)}\n`])));
    const said: string[] = [];
    const shared = await Engine.open({ modelDir: models.tiny, storeDir: path.join(tempDir(), 'store'), threads: 1, log: (_, m) => said.push(m) });
    // A script that cannot be loaded: that engine's reading thread fails at once and it reads every file itself.
    const alone = await Engine.open({ modelDir: models.tiny, storeDir: path.join(tempDir(), 'store'), threads: 1, readThreadScript: path.join(root, 'missing.js') });
    try {
      await shared.index({ roots: [root] });
      await alone.index({ roots: [root] });
      assert.deepEqual(said.filter((m) => /thread/.test(m)), [], 'the reading thread ran');
      const a = await indexOf(shared, queries);
      assert.deepEqual(a, await indexOf(alone, queries));
      assert.equal(a.files.length, 300 + HOSTILE_FILES.length);
      for (const [p, reason] of Object.entries(HOSTILE_SKIPS)) assert.equal(a.skipped[p], reason, p);
      // The words Orama holds are those of a fresh index of the same chunks, added in the same order.
      const fresh = new FullTextIndex();
      await fresh.add([...shared.searchParts.index.chunks.values()]);
      const ids = a.chunks.map(([id]) => id);
      for (const { query, scores, hits } of a.searches) {
        assert.deepEqual(scores, fresh.wordScores(fullTextTokens(query), undefined, ids, 0, 0), query);
        assert.deepEqual(hits, await fresh.search(query, 20), query);
      }
    } finally {
      await shared.dispose();
      await alone.dispose();
      await close();
    }
  });

  it('cancelled while its files are added as they are read, leaves the index as last saved; the next run does it all', async () => {
    const root = tempDir('ss read ');
    writeTree(root, Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`docs/${i}.md`, `${lines[i % 4]}\n\nPage ${i}: ${'word'.repeat(i % 7 + 1)} 項目${i}\n`])));
    const storeDir = path.join(tempDir(), 'store');
    const engine = await Engine.open({ modelDir: models.tiny, storeDir, threads: 1 });
    try {
      let cancel = false;
      let searchable = 0;
      const token = { get isCancellationRequested() { return cancel; }, onCancellationRequested: () => ({ dispose() {} }) };
      await assert.rejects(engine.index({ roots: [root] }, (p) => {
        // Files are searchable while the run reads: at the report of file 200, the files before it are in the index.
        if (p.phase === 'reading' && p.done === 200) {
          searchable = engine.searchParts.index.files.size;
          cancel = true;
        }
      }, token), /cancelled/);
      assert.ok(searchable >= 200, `files added as read (${searchable})`);
      assert.equal(engine.searchParts.index.files.size, 0, 'nothing of the cancelled run is left');
      assert.equal(engine.searchParts.index.chunks.size, 0);
      assert.deepEqual((await engine.search('데이터베이스', { mode: 'fulltext', limit: 5 })).hits, []);
      const done = await engine.index({ roots: [root] });
      assert.equal(done.read, 400);
      assert.equal(engine.searchParts.index.files.size, 400);
      assert.ok((await engine.search('데이터베이스', { mode: 'fulltext', limit: 5 })).hits.length > 0);
    } finally {
      await engine.dispose();
    }
  });
});
