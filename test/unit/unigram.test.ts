import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { AutoTokenizer, type PreTrainedTokenizer } from '@huggingface/transformers';
import { loadTokenizer } from '../../src/node/embed/transformersJs';
import { CodePointTrie, LazyPieceTrie } from '../../src/node/embed/unigram';
import { PARALLEL_SENTENCES } from '../../scripts/models/concepts.mjs';
import { seededRandom } from '../../scripts/models/seededRandom.mjs';
import { writeFullSizeTokenizer } from '../../scripts/models/generate.mjs';
import { models, repoRoot, tempDir, writeWordPieceTokenizer } from './helpers';

/** Code point ranges the texts draw from: scripts, marks, emoji, odd spaces, private use, lone surrogates. */
const RANGES: [number, number][] = [
  [0x20, 0x7e], [0xa0, 0xff], [0x300, 0x36f], [0x400, 0x44f], [0xac00, 0xd7a3], [0x3041, 0x3096], [0x30a1, 0x30fa],
  [0x4e00, 0x9fff], [0xff01, 0xff5e], [0x1f600, 0x1f64f], [0xe000, 0xe00f], [0x2000, 0x200f], [0x3000, 0x3000],
  [0x09, 0x0d], [0xd800, 0xd800], [0xdc00, 0xdc00], [0x2581, 0x2581],
];

/** Texts mixing pieces of the vocabulary (so long pieces match) with characters from every range. */
function randomTexts(pieces: string[], count: number, seed: number): string[] {
  const r = seededRandom(seed);
  const texts: string[] = [];
  for (let t = 0; t < count; t++) {
    let s = '';
    const parts = 1 + Math.floor(r() * 30);
    for (let p = 0; p < parts; p++) {
      if (r() < 0.5) {
        s += pieces[Math.floor(r() * pieces.length)].replaceAll('\u2581', r() < 0.8 ? ' ' : '');
      } else {
        const [lo, hi] = RANGES[Math.floor(r() * RANGES.length)];
        const n = 1 + Math.floor(r() * 4);
        for (let i = 0; i < n; i++) s += String.fromCodePoint(lo + Math.floor(r() * (hi - lo + 1)));
      }
      if (r() < 0.3) s += ' ';
    }
    texts.push(s);
  }
  return texts;
}

/** Real prose: the fixture workspace's files and the concept model's parallel sentences. */
function fixtureTexts(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      else out.push(...readFileSync(abs, 'utf8').split(/\n\s*\n/));
    }
  };
  walk(path.join(repoRoot, 'test/fixtures/workspace'));
  for (const s of PARALLEL_SENTENCES) out.push(s.en, s.ko, s.ja, s.zh);
  return out.filter((t) => t.trim());
}

const vocabOf = (dir: string): string[] => JSON.parse(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')).model.vocab.map(([p]: [string]) => p);

/** Every way the model meets text: single texts, a padded and truncated batch, and decoding. */
function assertSameTokens(ours: PreTrainedTokenizer, stock: PreTrainedTokenizer, texts: string[]): void {
  for (const text of texts) {
    assert.deepEqual(ours.encode(text), stock.encode(text), `token ids of ${JSON.stringify(text)}`);
  }
  for (let i = 0; i < texts.length; i += 16) {
    const batch = texts.slice(i, i + 16);
    const a = ours(batch, { padding: true, truncation: true });
    const b = stock(batch, { padding: true, truncation: true });
    assert.deepEqual(Array.from(a.input_ids.data), Array.from(b.input_ids.data), `batch ${i}: input ids`);
    assert.deepEqual(Array.from(a.attention_mask.data), Array.from(b.attention_mask.data), `batch ${i}: attention mask`);
  }
  const ids = stock.encode(texts.join(' '));
  assert.equal(ours.decode(ids, { skip_special_tokens: true }), stock.decode(ids, { skip_special_tokens: true }));
}

describe('loadTokenizer', () => {
  const full = tempDir('ss-full-tokenizer-');
  before(() => writeFullSizeTokenizer(full));

  for (const [name, dir] of [['tiny', models.tiny], ['concept', models.concept], ['full-size (250,002 pieces)', full]] as const) {
    it(`gives the ${name} tokenizer's exact tokens, ids, padding and decoding`, async () => {
      const [ours, stock] = await Promise.all([loadTokenizer(dir), AutoTokenizer.from_pretrained(dir, { local_files_only: true })]);
      const model = (ours as unknown as { _tokenizer: { model: { trie: unknown } } })._tokenizer.model;
      assert.ok(model.trie instanceof LazyPieceTrie, 'the compact vocabulary is installed');
      for (const key of ['pad_token_id', 'unk_token_id', 'bos_token_id', 'eos_token_id', 'sep_token_id', 'mask_token_id', 'model_max_length'] as const) {
        assert.equal(ours[key], stock[key], key);
      }
      assertSameTokens(ours, stock, [...fixtureTexts(), ...randomTexts(vocabOf(dir), 400, 17), '', ' ', '\u3000', '▁▁', '<s> </s> <mask>']);
    });
  }

  it('fills the trie only with the pieces a text can start with', async () => {
    const tokenizer = await loadTokenizer(full);
    const { trie } = (tokenizer as unknown as { _tokenizer: { model: { trie: LazyPieceTrie } } })._tokenizer.model.trie;
    assert.equal(trie.size, 1, 'nothing before the first text');
    tokenizer.encode('데이터베이스 연결');
    const afterQuery = trie.size;
    assert.ok(afterQuery > 1 && afterQuery < 20_000, `a short query builds little of the ~1.6 million nodes: ${afterQuery}`);
    tokenizer.encode('데이터베이스 연결');
    assert.equal(trie.size, afterQuery, 'the same text needs nothing more');
  });

  it('agrees where the unknown token\'s score decides between a long piece and single characters', async () => {
    // "▁abc" can be one piece (-7) or "▁a" + unknown "b" + "c" (10 + (min - 10) + 10 = -10 with min -20): the
    // piece wins by the unknown score of transformers.js (min - 10); with another one, the split would.
    const dir = tempDir('ss-unk-score-');
    const json = JSON.parse(readFileSync(path.join(models.tiny, 'tokenizer.json'), 'utf8'));
    const pieces: [string, number][] = [['▁a', 10], ['c', 10], ['▁abc', -7], ['▁', -20], ['a', -3], ['x', -4]];
    json.model.vocab = [...json.model.vocab.slice(0, 4), ...pieces, ['<mask>', 0]];
    json.added_tokens.find((t: { content: string }) => t.content === '<mask>').id = json.model.vocab.length - 1;
    writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
    writeFileSync(path.join(dir, 'tokenizer_config.json'), readFileSync(path.join(models.tiny, 'tokenizer_config.json')));
    const [ours, stock] = await Promise.all([loadTokenizer(dir), AutoTokenizer.from_pretrained(dir, { local_files_only: true })]);
    assert.deepEqual(stock.encode('abc'), [0, 6, 2]);
    assertSameTokens(ours, stock, ['abc', 'abcabc abc', 'ab', 'xbc abx', 'a b c']);
  });

  it('gives the same tokens for texts that begin or go on from the one tokenised before (whose search is reused)', async () => {
    // A long piece across the end of the text before, and an emoji whose surrogate pair that end splits.
    const dir = tempDir('ss-resume-');
    const json = JSON.parse(readFileSync(path.join(models.tiny, 'tokenizer.json'), 'utf8'));
    const pieces: [string, number][] = [['▁a', 1], ['b', 1], ['▁abcdefgh', 5], ['😀', 3], ['▁😀', 4], ['😀b', 2], ['▁', -2], ['a', -1], ['c', -1], ['d', -1]];
    json.model.vocab = [...json.model.vocab.slice(0, 4), ...pieces, ['<mask>', 0]];
    json.added_tokens.find((t: { content: string }) => t.content === '<mask>').id = json.model.vocab.length - 1;
    writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
    writeFileSync(path.join(dir, 'tokenizer_config.json'), readFileSync(path.join(models.tiny, 'tokenizer_config.json')));
    const [ours, stock] = await Promise.all([loadTokenizer(dir), AutoTokenizer.from_pretrained(dir, { local_files_only: true })]);
    for (const text of ['abcdefgh', 'a😀b', 'ab😀😀b abcdefgh😀', '😀 abcdefghabcdefgh']) {
      const cuts = [...Array(text.length + 1).keys()];
      for (const order of [cuts, [...cuts].reverse(), cuts.map((_, i) => cuts[(i * 7) % cuts.length])]) {
        for (const cut of order) assert.deepEqual(ours.encode(text.slice(0, cut)), stock.encode(text.slice(0, cut)), JSON.stringify(text.slice(0, cut)));
      }
    }
    const [oursFull, stockFull] = await Promise.all([loadTokenizer(full), AutoTokenizer.from_pretrained(full, { local_files_only: true })]);
    const r = seededRandom(23);
    for (const text of [...fixtureTexts().slice(0, 40), ...randomTexts(vocabOf(full), 60, 29)]) {
      for (let i = 0; i < 8; i++) {
        const t = text.slice(0, Math.floor(r() * (text.length + 1)));
        assert.deepEqual(oursFull.encode(t), stockFull.encode(t), JSON.stringify(t));
      }
    }
  });

  it('loads other tokenizers (WordPiece) as AutoTokenizer does', async () => {
    const dir = tempDir('ss-wordpiece-');
    writeWordPieceTokenizer(dir, ['hello', 'world', '##s', 'search']);
    const [ours, stock] = await Promise.all([loadTokenizer(dir), AutoTokenizer.from_pretrained(dir, { local_files_only: true })]);
    assert.deepEqual(ours.encode('Hello worlds, search!'), [2, 4, 5, 6, 1, 7, 1, 3]);
    assertSameTokens(ours, stock, ['Hello worlds, search!', 'unknown words', '']);
  });
});

describe('CodePointTrie', () => {
  it('finds every inserted piece by code points, astral ones included, and nothing else', () => {
    const trie = new CodePointTrie(4); // small, so the table is rehashed many times
    const pieces = ['a', 'ab', 'abc', '데이터', '데', '😀x', '😀', 'ab\ud800'];
    pieces.forEach((p, i) => trie.insert(p, i + 10));
    const walk = (s: string) => {
      let node = 0;
      for (const ch of s) {
        node = trie.child(node, ch.codePointAt(0)!);
        if (node < 0) return -2;
      }
      return trie.tokenAt(node);
    };
    pieces.forEach((p, i) => assert.equal(walk(p), i + 10, p));
    assert.equal(walk('데이'), -1, 'a prefix that is no piece');
    assert.equal(walk('abd'), -2, 'no such path');
    assert.equal(walk('\ud83d'), -2, 'half of an astral character is not the character');
  });
});
