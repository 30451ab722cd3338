import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChunkText, Unit } from '../../src/common/types';
import { chunkUnit, embedTextOf } from '../../src/node/split/chunker';
import { seededRandom } from '../../scripts/models/seededRandom.mjs';

const words = new Intl.Segmenter(undefined, { granularity: 'word' });
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A deterministic stand-in for a subword tokenizer: 2 special tokens, one token per CJK character, one per
 * six characters of other words, one per symbol or emoji. Monotone in the text, like a real tokenizer.
 */
function makeCounter(): { count: (s: string) => number; calls: () => number } {
  let calls = 0;
  const count = (s: string): number => {
    calls++;
    let n = 2;
    for (const w of words.segment(s)) {
      if (w.isWordLike) n += CJK.test(w.segment) ? [...w.segment].length : Math.ceil([...w.segment].length / 6);
      else if (w.segment.trim() !== '') n += 1;
    }
    return n;
  };
  return { count, calls: () => calls };
}

function unit(text: string, title = '', startLine = 1, endLine = startLine + text.split('\n').length - 1): Unit {
  return { kind: 'markdown', title, text, startLine, endLine };
}

const squash = (s: string): string => s.replace(/\s+/g, '');

/** The invariants every chunking must keep, whatever the input. */
function assertValid(u: Unit, chunks: ChunkText[], count: (s: string) => number, max: number): void {
  assert.ok(chunks.length > 0);
  assert.equal(squash(chunks.map((c) => c.text).join('')), squash(u.text), 'text lost or duplicated');
  let prevStart = u.startLine;
  for (const c of chunks) {
    assert.equal(c.tokens, count(c.embedText), 'tokens is not the real count');
    // The one allowed excess: a single grapheme cluster that cannot fit next to the (already halved) title.
    const single = [...graphemes.segment(c.text)].length === 1;
    assert.ok(c.tokens <= max || single, `chunk of ${c.tokens} tokens > ${max}`);
    assert.ok(c.text !== '' && c.text === c.text.trim());
    assert.ok(!LONE_SURROGATE.test(c.text) && !LONE_SURROGATE.test(c.embedText), 'lone surrogate');
    assert.ok(c.startLine >= u.startLine && c.endLine <= u.endLine && c.startLine <= c.endLine, 'lines out of range');
    assert.ok(c.startLine >= prevStart, 'lines go backwards');
    prevStart = c.startLine;
    assert.equal(c.title, u.title);
    assert.equal(c.kind, u.kind);
  }
}

describe('embedTextOf', () => {
  it('puts the title on its own line before the text, or nothing when there is no title', () => {
    assert.equal(embedTextOf('Deploy › Netlify', 'Text.'), 'Deploy › Netlify\nText.');
    assert.equal(embedTextOf('', 'Text.'), 'Text.');
  });
});

describe('chunkUnit', () => {
  it('keeps a unit that fits as one chunk with the unit’s lines', () => {
    const { count } = makeCounter();
    const u = unit('Your Astro project is a static site by default.', 'Deploy › Static site', 5, 9);
    const chunks = chunkUnit(u, count);
    assert.deepEqual(chunks, [
      {
        kind: 'markdown',
        title: 'Deploy › Static site',
        text: u.text,
        startLine: 5,
        endLine: 9,
        embedText: 'Deploy › Static site\nYour Astro project is a static site by default.',
        tokens: count('Deploy › Static site\nYour Astro project is a static site by default.'),
      },
    ]);
  });

  it('returns nothing for an empty unit', () => {
    assert.deepEqual(chunkUnit(unit('  \n '), makeCounter().count), []);
  });

  it('packs whole sentences greedily and maps text lines to file lines', () => {
    const { count } = makeCounter();
    const lines = Array.from({ length: 30 }, (_, i) => `Line ${i} explains deployment. It has two sentences.`);
    const u = unit(lines.join('\n'), 'Guide', 101);
    const chunks = chunkUnit(u, count, 40);
    assertValid(u, chunks, count, 40);
    assert.ok(chunks.length > 3);
    for (const c of chunks) {
      // Every chunk starts at a sentence start and ends at a sentence end.
      assert.match(c.text, /^(Line \d+|It has)/);
      assert.match(c.text, /\.$/);
      // One text line per file line here, so the mapping is exact.
      const first = Number(/Line (\d+)/.exec(c.text)?.[1] ?? NaN);
      if (c.text.startsWith('Line')) assert.equal(c.startLine, 101 + first);
    }
    // Greedy: no chunk could have taken the next sentence as well.
    for (let i = 0; i + 1 < chunks.length; i++) {
      const next = chunks[i + 1]!.text.split(/(?<=\.)\s/)[0]!;
      assert.ok(count(embedTextOf('Guide', `${chunks[i]!.text} ${next}`)) > 40);
    }
  });

  it('splits CJK text without spaces at sentence and then word boundaries', () => {
    const { count } = makeCounter();
    const sentence = '東京都に住んでいる開発者はアストロのドキュメントを日本語で読みます';
    const u = unit(`${sentence}。${sentence}。\n한국어 문서도 있습니다. ${sentence}`, '配置');
    const chunks = chunkUnit(u, count, 24);
    assertValid(u, chunks, count, 24);
    assert.ok(chunks.length >= 4);
    assert.ok(chunks.some((c) => c.text.endsWith('。')));
  });

  it('cuts a word longer than the budget by grapheme clusters, never inside an emoji or surrogate pair', () => {
    const { count } = makeCounter();
    const long = '𝕏'.repeat(200) + '👩‍👩‍👧‍👦'.repeat(20) + 'a'.repeat(300);
    const u = unit(`Short. ${long} end.`);
    const chunks = chunkUnit(u, count, 12);
    assertValid(u, chunks, count, 12);
    assert.ok(chunks.some((c) => c.text.includes('👩‍👩‍👧‍👦')), 'family emoji kept whole');
  });

  it('cuts by grapheme clusters even where a code-unit cut would fit the budget better', () => {
    // Counting UTF-16 code units makes every cut inside a pair or a ZWJ sequence tempting.
    const count = (s: string): number => 2 + s.length;
    const pairs = unit('𝕏'.repeat(50));
    const pairChunks = chunkUnit(pairs, count, 9);
    assertValid(pairs, pairChunks, count, 9);
    assert.ok(pairChunks.every((c) => c.text === '𝕏𝕏𝕏' || c.text === '𝕏' || c.text === '𝕏𝕏'));
    const family = '👩‍👩‍👧‍👦';
    const families = unit(family.repeat(10));
    const familyChunks = chunkUnit(families, count, 2 + family.length + 5);
    assertValid(families, familyChunks, count, 2 + family.length + 5);
    assert.deepEqual(familyChunks.map((c) => c.text), Array(10).fill(family));
  });

  it('cuts an over-long title to half the budget in embedText, keeping the full title for display', () => {
    const { count } = makeCounter();
    const title = Array.from({ length: 40 }, (_, i) => `Heading${i}`).join(' › ');
    const u = unit(Array.from({ length: 20 }, (_, i) => `Sentence ${i} is here.`).join(' '), title);
    const chunks = chunkUnit(u, count, 32);
    assertValid(u, chunks, count, 32);
    for (const c of chunks) {
      const embeddedTitle = c.embedText.slice(0, c.embedText.length - c.text.length - 1);
      assert.ok(title.startsWith(embeddedTitle) && embeddedTitle.length > 0);
      assert.ok(count(embeddedTitle) <= 16);
      assert.equal(c.embedText, `${embeddedTitle}\n${c.text}`);
    }
  });

  it('keeps the number of tokenizer calls small', () => {
    const { count, calls } = makeCounter();
    const text = Array.from({ length: 400 }, (_, i) => `Sentence ${i} is about deploying Astro sites. 東京都に住んでいます。`).join(' ');
    const chunks = chunkUnit(unit(text, 'Title'), count, 128);
    assert.ok(chunks.length > 20);
    // Far fewer than one call per sentence (800 of them): a handful per chunk.
    assert.ok(calls() <= 3 + chunks.length * 8, `${calls()} calls for ${chunks.length} chunks`);
  });

  it('keeps its limits on random mixed-script text (property test)', () => {
    const alphabet = [
      'a', 'e', 'z', 'Q', ' ', ' ', ' ', '\n', '.', '. ', '! ', '? ', ',', '-', '_',
      '東', '京', '語', '。', '！', '한', '국', '어', 'か', 'ナ', 'é', 'ß', 'Ж', 'ع',
      '😀', '👍🏽', '🇯🇵', '👩‍💻', '𝕏', '𠮷', '\u0301',
    ];
    for (let seed = 1; seed <= 200; seed++) {
      const rnd = seededRandom(seed);
      const parts: string[] = [];
      const n = Math.floor(rnd() * 600);
      for (let i = 0; i < n; i++) {
        parts.push(rnd() < 0.02 ? 'x'.repeat(Math.floor(rnd() * 400)) : alphabet[Math.floor(rnd() * alphabet.length)]!);
      }
      const text = parts.join('').trim() || 'x';
      const max = 8 + Math.floor(rnd() * 120);
      const title = rnd() < 0.5 ? '' : 'Title › 見出し › '.repeat(1 + Math.floor(rnd() * 10));
      const startLine = 1 + Math.floor(rnd() * 50);
      const u = unit(text, title.trim(), startLine, startLine + Math.floor(rnd() * 3 * text.split('\n').length));
      // Half the runs count UTF-16 code units, which punishes any cut that is not on a grapheme boundary.
      const count = seed % 2 === 0 ? makeCounter().count : (s: string): number => 2 + s.length;
      try {
        assertValid(u, chunkUnit(u, count, max), count, max);
      } catch (err) {
        throw new Error(`seed ${seed}: ${(err as Error).message}`);
      }
    }
  });
});
