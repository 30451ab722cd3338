// Full-text words worked out on a thread of their own while a long run reads files (src/node/index/wordThread.ts):
// the same words as the engine's own thread gives, whatever the text; a thread that fails costs nothing but time.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { Engine } from '../../src/node/engine';
import { FullTextIndex } from '../../src/node/index/fullText';
import { fullTextTokens, indexedWord } from '../../src/node/index/fullTextTokenizer';
import { WordThread } from '../../src/node/index/wordThread';
import { models, tempDir, writeTree } from './helpers';

const inline = (text: string) => fullTextTokens(text).map(indexedWord);

/** Texts with what word-breaking finds hard: CJK, combining marks, controls (the separator included), prototype names. */
const hostileText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.array(fc.constantFrom('데이터베이스를', '연결', '数据库', 'の設定を', 'constructor', '__proto__', 'e\u0301', '\u0001', '\u0000', ' ', '.', "don't", '3.14', '\ud800'), { maxLength: 20 }).map((a) => a.join('')),
);

describe('WordThread', () => {
  it('gives every text the words the engine\'s own thread gives it', async () => {
    const thread = new WordThread();
    try {
      await fc.assert(fc.asyncProperty(fc.array(fc.array(hostileText, { maxLength: 30 }), { minLength: 1, maxLength: 3 }), async (batches) => {
        for (const texts of batches) thread.prepare(texts);
        const words = await thread.take();
        const all = new Set(batches.flat().filter(Boolean));
        assert.deepEqual(new Set(words.keys()), all, 'every non-empty text, once');
        for (const text of all) assert.deepEqual(words.get(text), inline(text), JSON.stringify(text));
      }), { numRuns: 12, seed: 20261204 });
    } finally {
      await thread.dispose();
    }
  });

  it('answers with what came when the thread cannot start or ends early, and says so once', async () => {
    const said: string[] = [];
    const cannot = new WordThread((m) => said.push(m), () => { throw new Error('no such file'); });
    cannot.prepare(['데이터베이스 연결']);
    cannot.prepare(['数据库']);
    assert.deepEqual([...(await cannot.take()).keys()], []);
    assert.equal(said.length, 1);
    assert.match(said[0], /engine's own thread.*no such file/);

    const ends = new WordThread(() => {}, () => new Worker('process.exit(3)', { eval: true }));
    ends.prepare(['데이터베이스 연결']);
    assert.deepEqual([...(await ends.take()).keys()], [], 'take does not wait for a thread that is gone');
  });
});

describe('a run of many files', () => {
  it('indexes the words the engine\'s own thread would, with the words worked out on the word thread', async () => {
    const root = tempDir('ss words ');
    const lines = ['# 데이터베이스 연결\n\n연결 문자열을 설정합니다.', '# Database\n\nConfigure the database connection string.', '# 数据库\n\n配置数据库连接字符串。', '# キャッシュ\n\nキャッシュの有効期限を設定します。'];
    writeTree(root, Object.fromEntries(Array.from({ length: 240 }, (_, i) => [`docs/${i}.md`, `${lines[i % 4]}\n\nPage ${i}: ${'word'.repeat(i % 7 + 1)} 項目${i}\n`])));
    const prepared: number[] = [];
    const realPrepare = WordThread.prototype.prepare;
    WordThread.prototype.prepare = function spied(this: WordThread, texts: Iterable<string>) {
      const all = [...texts];
      prepared.push(all.length);
      realPrepare.call(this, all);
    };
    const engine = await Engine.open({ modelDir: models.tiny, storeDir: path.join(tempDir(), 'store'), threads: 1 });
    try {
      await engine.index({ roots: [root] });
      assert.equal(prepared.length, 240, 'each file\'s words went to the word thread');
      const index = engine.searchParts.index;
      const fresh = new FullTextIndex();
      await fresh.add([...index.chunks.values()]);
      const ids = [...index.chunks.keys()];
      for (const query of ['데이터베이스', 'database connection', '数据库', 'キャッシュ', 'wordword', '項目17', 'page']) {
        const words = fullTextTokens(query);
        assert.deepEqual(index.fullText.wordScores(words, undefined, ids, 0, 0), fresh.wordScores(words, undefined, ids, 0, 0), query);
        assert.deepEqual(await index.fullText.search(query, 20), await fresh.search(query, 20), query);
      }
    } finally {
      WordThread.prototype.prepare = realPrepare;
      await engine.dispose();
    }
  });
});
