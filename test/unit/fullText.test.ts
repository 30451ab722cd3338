import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { create, insertMultiple, remove, search } from '@orama/orama';
import {
  createFullTextDatabase, FullTextIndex, internalsOf, nodeOf, ORAMA_VERSION, Postings, postingsOf, wordsUnder,
} from '../../src/node/index/fullText';
import { SCAN_AGREES, createFullTextTokenizer, fullTextTokens } from '../../src/node/index/fullTextTokenizer';
import type { ChunkRecord } from '../../src/node/index/records';
import { seededRandom } from '../../scripts/models/seededRandom.mjs';
import { CORPUS, repoRoot } from './helpers';

/** Numbers in [-0.5, 0.5) from a seeded generator. */
function rng(seed: number) {
  const next = seededRandom(seed);
  return () => next() - 0.5;
}

describe('fullTextTokens', () => {
  /** The words as Intl.Segmenter gives them for the whole text, with the bigrams of longer CJK words. */
  const segmenter = new Intl.Segmenter(undefined, { granularity: 'word' });
  const bySegmenter = (raw: string): string[] => {
    const out = new Set<string>();
    for (const { segment, isWordLike } of segmenter.segment(raw.normalize('NFKC').toLowerCase())) {
      if (!isWordLike) continue;
      out.add(segment);
      if (segment.length > 2 && /[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uf900-\ufaff]/u.test(segment)) {
        const chars = Array.from(segment);
        for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i] + chars[i + 1]);
      }
    }
    return [...out];
  };
  // ASCII around every rule of the fast path, next to what joins or splits words in other scripts.
  const PARTS = [
    'a', 'Z', 'x', '1', '0', '_', '.', ':', "'", ',', ';', '-', '@', '/', '$', '"', '#', ' ', '  ', '\t', '\n', '\r\n', '\u000b', '\u000c', '\u0000', '\u007f',
    'é', 'e\u0301', '\u0301', '\u00ad', '\u200b', '\u200d', '\u2060', '\u00a0', '\u3000', '’', '‘', '·', '．', '：', 'Ａ', '①', 'ﬁ', 'K',
    '데이터', '를', '가', '연결', 'ㄱ', '\u1100', '\ud7a3', '\ud7a4', '数据库', 'の', 'カタカナ', 'ไทย', 'עברית', '"', '😀', '👩‍👩‍👧', '🇰🇷', '\ud800', 'don\'t', '3.14', 'e.g.', 'a:b', '1,000', '__init__',
  ];
  const text = fc.oneof(
    fc.array(fc.constantFrom(...PARTS), { maxLength: 40 }).map((a) => a.join('')),
    fc.string({ unit: fc.constantFrom(...'ab1_.:\',; \n-é한글ㄱ\u0301\u200d'), maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 80 }),
    fc.string({ unit: 'binary', maxLength: 80 }),
  );

  it('finds the words Intl.Segmenter finds in the whole text, though it reads ASCII and Hangul fields itself', () => {
    assert.ok(SCAN_AGREES, 'the fast path agrees with this runtime\'s segmenter');
    fc.assert(fc.property(text, (t) => {
      assert.deepEqual(fullTextTokens(t), bySegmenter(t), JSON.stringify(t));
    }), { seed: 17, numRuns: 5000 });
  });

  it('finds them in real documentation in four languages', () => {
    const dir = path.join(repoRoot, 'test/fixtures/workspace');
        const texts: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const abs = path.join(d, e.name);
        if (e.isDirectory()) walk(abs);
        else if (texts.length < 400 && /\.(mdx?|ts|py|go)$/.test(e.name)) texts.push(readFileSync(abs, 'utf8'));
      }
    };
    walk(dir);
    for (const lang of ['en', 'ko', 'ja', 'zh-cn']) {
      try {
        walk(path.join(CORPUS, lang, 'guides'));
      } catch {
        // the corpus is optional; the fixture workspace is always there
      }
    }
    for (const t of texts) assert.deepEqual(fullTextTokens(t), bySegmenter(t));
  });
});

describe('FullTextIndex.wordScores', () => {
  const record = (id: string, title: string, text: string): ChunkRecord => ({
    id, root: '/w', rel: `${id}.md`, kind: 'markdown', title, text, startLine: 1, endLine: 1, lang: 'en', fileLanguage: 'markdown', hash: `h-${id}`,
  });
  const r = rng(5);
  const WORDS = ['deploy', 'deployment', 'server', 'image', 'database', 'connection', 'cache', '데이터베이스', '연결을', '서버에', '数据库连接', 'config'];
  const pick = () => WORDS[Math.floor((r() + 0.5) * WORDS.length)];
  const records = Array.from({ length: 300 }, (_, i) => record(`c${i}`, `${pick()} ${pick()}`, `common words ${Array.from({ length: 3 + (i % 17) }, pick).join(' ')}${i % 100 === 7 ? ' zephyrine' : ''}`));

  const indexed = async () => {
    const index = new FullTextIndex();
    await index.add(records);
    return index;
  };
  /** Orama's own full-text search (it matches query words as prefixes; these are the start of no other word). */
  const oramaScores = async (index: FullTextIndex, query: string) => new Map((await index.search(query, 1000)).map((h) => [h.id, h.score]));

  it('scores chunks by whole query words exactly as Orama\'s full-text search does', async () => {
    const index = await indexed();
    for (const query of ['the server image', 'common cache config', 'zephyrine database connection', 'words']) {
      const orama = await oramaScores(index, query);
      assert.ok(orama.size > 0, query);
      const ours = index.wordScores(fullTextTokens(query), undefined, [...orama.keys()], 0, 0);
      for (const [id, score] of orama) assert.ok(Math.abs(ours.get(id)! - score) < 1e-9 * score, `${query}: ${id} ${ours.get(id)} vs ${score}`);
      // With every word counted as rare, the extra candidates are the chunks holding a query word.
      const extra = index.wordScores(fullTextTokens(query), undefined, [], 1000, Infinity);
      assert.deepEqual([...extra.keys()].sort(), [...orama.keys()].sort(), query);
      for (const [id, score] of extra) assert.ok(Math.abs(score - orama.get(id)!) < 1e-9 * score, `${query}: ${id}`);
    }
  });

  it('lets the word being typed match the words it begins, unless it begins too many', async () => {
    const index = await indexed();
    await index.add(Array.from({ length: 70 }, (_, i) => record(`z${i}`, '', `item zz${i}`)));
    const typed = index.wordScores(fullTextTokens('image zeph'), 'zeph', ['c7', 'c8'], 0, 0);
    const whole = index.wordScores(fullTextTokens('image zephyrine'), undefined, ['c7', 'c8'], 0, 0);
    assert.ok(Math.abs(typed.get('c7')! - whole.get('c7')!) < 1e-9, '"zeph" counts as "zephyrine"');
    assert.equal(typed.get('c8'), whole.get('c8'));
    const ids = Array.from({ length: 70 }, (_, i) => `z${i}`);
    const zz1 = index.wordScores(['zz1'], 'zz1', ids, 0, 0);
    assert.deepEqual(ids.filter((id) => zz1.get(id)! > 0), ['z1', 'z10', 'z11', 'z12', 'z13', 'z14', 'z15', 'z16', 'z17', 'z18', 'z19'], '"zz1" and the ten words it begins');
    const zz = index.wordScores(['zz'], 'zz', ids, 0, 0);
    assert.ok([...zz.values()].every((x) => x === 0), '"zz" begins 70 words: too many to count');
  });

  it('adds the chunks of the rare query words only, and scores them by all the words', async () => {
    const index = await indexed();
    const terms = fullTextTokens('common zephyrine');
    const found = index.wordScores(terms, undefined, [], 10, 10);
    assert.deepEqual([...found.keys()].sort(), ['c107', 'c207', 'c7'], '"common" is in every chunk, "zephyrine" in three');
    const full = index.wordScores(terms, undefined, ['c7'], 0, 0).get('c7')!;
    assert.equal(found.get('c7'), full, 'the score counts "common" too');
    assert.ok(full > index.wordScores(fullTextTokens('zephyrine'), undefined, ['c7'], 0, 0).get('c7')!);
  });
});

describe('the word shares kept one per number of words', () => {
  it('give Orama\'s search the scores its own index component gives, through adds and removes', async () => {
    const r = rng(11);
    const WORDS = ['deploy', 'server', 'constructor', 'toString', 'cache', '데이터베이스', '연결을', '数据库连接', 'の設定', 'hasOwnProperty', 'valueOf'];
    const pick = () => WORDS[Math.floor((r() + 0.5) * WORDS.length)];
    const docs = Array.from({ length: 200 }, (_, i) => ({ id: `d${i}`, title: `${pick()} ${pick()}`, text: Array.from({ length: 1 + (i % 13) }, pick).join(' '), kind: 'markdown' }));
    const ours = createFullTextDatabase();
    const plain = create({ schema: { title: 'string', text: 'string', kind: 'enum' }, components: { tokenizer: createFullTextTokenizer() } });
    for (const db of [ours, plain]) {
      await insertMultiple(db, docs);
      for (let i = 0; i < docs.length; i += 7) await remove(db, docs[i].id);
    }
    // Two chunks of as many words: an object each in Orama's own component, one for both here.
    const { fieldLengths, frequencies } = internalsOf(ours).data.index;
    const [a, b] = Object.keys(fieldLengths.text).map(Number).filter((doc) => fieldLengths.text[doc] === 2);
    assert.notEqual(internalsOf(plain).data.index.frequencies.text[a], internalsOf(plain).data.index.frequencies.text[b]);
    assert.equal(frequencies.text[a], frequencies.text[b]);
    for (const term of ['deploy server', 'constructor', 'valueOf cache', '데이터베이스 연결', '数据库', '設定']) {
      const hits = async (db: typeof ours) => (await search(db, { term, properties: ['title', 'text'], boost: { title: 1.5 }, limit: 500 })).hits.map((h) => [h.id, h.score]);
      const expected = await hits(plain);
      assert.ok(expected.length > 0, term);
      assert.deepEqual(await hits(ours), expected, term);
    }
  });
});

describe('FullTextIndex', () => {
  const doc = (id: string, text: string, kind: ChunkRecord['kind'] = 'markdown') => ({ id, title: '', text, kind });

  it('searches by kind, removes every chunk asked, and answers from the words indexed so far while a load runs', async () => {
    const index = new FullTextIndex();
    await index.add([doc('a', 'alpha beta'), doc('b', 'alpha gamma', 'comment'), doc('c', 'delta')]);
    assert.deepEqual((await index.search('alpha', 10, ['comment'])).map((h) => h.id), ['b']);
    await index.remove(['a', 'b', 'missing']);
    assert.equal(index.chunkCount, 1);
    assert.deepEqual(await index.search('alpha', 10), []);
    await index.add([doc('a', 'alpha again')]); // an id removed before can be added again
    assert.deepEqual((await index.search('alpha', 10)).map((h) => h.id), ['a']);

    const loaded = new FullTextIndex();
    loaded.load(Array.from({ length: 1000 }, (_, i) => doc(`d${i}`, `word${i % 10} common`)));
    assert.equal(loaded.complete, false);
    const partial = await loaded.search('common', 2000, undefined, true);
    assert.ok(partial.length < 1000, `${partial.length} found before the load ended`);
    assert.equal((await loaded.search('common', 2000)).length, 1000, 'a search that may not be partial waits');
    assert.equal(loaded.complete, true);
  });

  it('refuses a load whose chunks share an id (the index is rebuilt), through ready', async () => {
    const index = new FullTextIndex();
    index.load([doc('a', 'one'), doc('a', 'two')]);
    await assert.rejects(index.ready);
  });
});

describe(`Orama's internals read by fullText.ts (pinned to @orama/orama ${ORAMA_VERSION})`, () => {
  it('is the installed version of Orama', () => {
    const installed = JSON.parse(readFileSync(path.join(repoRoot, 'node_modules/@orama/orama/package.json'), 'utf8')) as { version: string };
    assert.equal(ORAMA_VERSION, '3.1.18');
    assert.equal(installed.version, ORAMA_VERSION, 'Orama was upgraded: check every shape this test reads against the new version, then update ORAMA_VERSION');
  });

  it('keeps the id store, the radix tree, the word statistics and the field lengths in the shapes read', async () => {
    const db = createFullTextDatabase();
    await insertMultiple(db, [
      { id: 'a', title: 'Database setup', text: 'connect the database server', kind: 'markdown' },
      { id: 'b', title: '', text: 'database cache', kind: 'comment' },
      { id: 'c', title: 'Cache', text: 'data cache layer', kind: 'markdown' },
    ]);
    const { data: { index }, internalDocumentIDStore: ids } = internalsOf(db);
    // The id store: internal ids from 1, in the order documents were first added.
    assert.ok(ids.idToInternalId instanceof Map);
    assert.deepEqual([...ids.idToInternalId], [['a', 1], ['b', 2], ['c', 3]]);
    assert.deepEqual(ids.internalIdToId, ['a', 'b', 'c']);
    // Per property: documents per word, each word's share of a document's words, the lengths and their mean.
    assert.deepEqual([index.tokenOccurrences.text.database, index.tokenOccurrences.title.database, index.tokenOccurrences.text.cache], [2, 1, 2]);
    // Each document's shares, as Orama's search reads them: one object per number of words (see wordSharesIndex).
    assert.deepEqual(['connect', 'the', 'database', 'server'].map((w) => index.frequencies.text[1]![w]), [0.25, 0.25, 0.25, 0.25]);
    assert.deepEqual(['data', 'cache', 'layer'].map((w) => index.frequencies.text[3]![w]), [1 / 3, 1 / 3, 1 / 3]);
    assert.equal(index.frequencies.title[1], index.frequencies.text[2], 'two documents of two words share one');
    assert.deepEqual([index.fieldLengths.text[1], index.fieldLengths.text[2], index.fieldLengths.text[3], index.fieldLengths.title[2]], [4, 2, 3, 0]);
    assert.ok(Math.abs(index.avgFieldLength.text - 3) < 1e-12);
    // The radix tree: edge labels, children by first character, and at a word's end the word and its documents.
    const root = index.indexes.text.node;
    const node = nodeOf(root, 'database');
    // Orama's nodes keep their documents in a Set (the root's is Orama's own); a word's end node gets Postings.
    assert.ok(root.d instanceof Set);
    assert.ok(node && node.c instanceof Map && node.d instanceof Postings);
    assert.deepEqual([node.e, node.w, [...node.d]], [true, 'database', [1, 2]]);
    assert.deepEqual([...postingsOf(root, 'database')!], [1, 2]);
    assert.equal(postingsOf(root, 'datab'), undefined);
    assert.deepEqual(wordsUnder(root, 'dat', 64).sort(), ['data', 'database']);

    await remove(db, 'a');
    assert.deepEqual([...postingsOf(root, 'database')!], [2], 'a removed document leaves the postings');
    assert.deepEqual([index.frequencies.text[1], index.fieldLengths.text[1], index.tokenOccurrences.text.database], [undefined, undefined, 1]);
    assert.ok(Math.abs(index.avgFieldLength.text - 2.5) < 1e-12, 'the mean of the lengths left');
    assert.equal(ids.idToInternalId.get('a'), 1, 'an internal id is never given to another document');
    await insertMultiple(db, [{ id: 'a', title: '', text: 'database again', kind: 'markdown' }]);
    assert.deepEqual([...postingsOf(root, 'database')!].sort(), [1, 2]);
  });
});

describe('Postings', () => {
  it('answers as a Set of the same ids would, in ascending order (fast-check, seed 11)', () => {
    const op = fc.oneof(
      fc.record({ add: fc.integer({ min: 1, max: 60 }) }),
      fc.record({ delete: fc.integer({ min: 1, max: 60 }) }),
      fc.record({ has: fc.integer({ min: 0, max: 61 }) }),
      fc.constant({ clear: true }),
    );
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 10 }), fc.array(op, { maxLength: 80 }), (start, ops) => {
      const postings = new Postings(start);
      const set = new Set(start);
      for (const o of ops) {
        if ('add' in o) assert.equal(postings.add(o.add), postings);
        if ('add' in o) set.add(o.add);
        if ('delete' in o) assert.equal(postings.delete(o.delete), set.delete(o.delete));
        if ('has' in o) assert.equal(postings.has(o.has), set.has(o.has));
        if ('clear' in o) { postings.clear(); set.clear(); }
        const sorted = [...set].sort((a, b) => a - b);
        assert.equal(postings.size, set.size);
        assert.deepEqual([...postings], sorted);
        assert.deepEqual([...postings.values()], sorted);
      }
      const seen: number[] = [];
      postings.forEach((id, same, p) => { assert.equal(id, same); assert.equal(p, postings); postings.delete(id); seen.push(id); });
      assert.deepEqual([seen, postings.size], [[...set].sort((a, b) => a - b), 0], 'forEach visits every id, even as they are deleted');
    }), { seed: 11, numRuns: 500 });
  });
});

describe('Orama at run time', () => {
  it('is imported by src/node/index/fullText.ts alone', () => {
    const importers: string[] = [];
    const visit = (dir: string) => {
      for (const entry of readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
        const rel = `${dir}/${entry.name}`;
        if (entry.isDirectory()) visit(rel);
        else if (rel.endsWith('.ts') && /^import (?!type )[^;]*from '@orama\//m.test(readFileSync(path.join(repoRoot, rel), 'utf8'))) importers.push(rel);
      }
    };
    visit('src');
    assert.deepEqual(importers, ['src/node/index/fullText.ts']);
  });
});
