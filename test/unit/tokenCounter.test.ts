// The chunker's token count (tokenCounter) skips what encode makes besides the count — tokens, ids, the
// attention mask — so it must give exactly encode's length for every text: real Markdown, random Unicode, added
// and special tokens inside text, runs of white space, CJK and emoji, with each test model's tokenizer.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { AutoTokenizer, type PreTrainedTokenizer } from '@huggingface/transformers';
import { loadTokenizer, tokenCounter } from '../../src/node/embed/transformersJs';
import { writeFullSizeTokenizer } from '../../scripts/models/generate.mjs';
import { CORPUS, models, repoRoot, tempDir, writeWordPieceTokenizer } from './helpers';


/** Paragraphs of every `step`-th Markdown file under `dir`, and each whole file cut to 4,096 characters. */
function corpusTexts(dir: string, step: number): string[] {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const abs = path.join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else if (/\.mdx?$/.test(e.name)) files.push(abs);
    }
  };
  walk(dir);
  return files.sort().filter((_, i) => i % step === 0).flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    return [text.slice(0, 4096), ...text.split(/\n\s*\n/)];
  });
}

/** Added and special tokens, look-alikes that normalise to them, white space and marks that normalisation changes. */
const ATOMS = [
  '<s>', '</s>', '<unk>', '<pad>', '<mask>', ' <mask> ', '<s', 's>', '＜s＞', '＜unk＞', '<', '>', '▁', '▁▁', ' ', '  ', '\t', '\n',
  '\u3000', '\u00a0', '\u200b', '\u2028', 'e\u0301', 'ﬁ', '①', 'Ａ', '데이터베이스', 'データベース', '数据库', '😀', '👩‍👩‍👧', '🇰🇷',
  '\ud800', '\udc00', 'astro', ' build', 'Markdown', '```js', '# Heading', '- item', '`code`', '\u0000', '\uffff', 'x',
];

const textArbitrary = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.array(fc.oneof(fc.constantFrom(...ATOMS), fc.string({ unit: 'binary', maxLength: 4 })), { maxLength: 30 }).map((parts) => parts.join('')),
);

function assertCounts(ours: PreTrainedTokenizer, stock: PreTrainedTokenizer, texts: Iterable<string>): void {
  const count = tokenCounter(ours);
  for (const text of texts) {
    assert.equal(count(text), stock.encode(text).length, `tokens of ${JSON.stringify(text.slice(0, 200))}`);
  }
}

describe('tokenCounter', () => {
  const full = tempDir('ss-full-tokenizer-');
  before(() => writeFullSizeTokenizer(full));

  for (const [name, dir] of [['tiny', models.tiny], ['concept', models.concept], ['full-size (250,002 pieces)', full]] as const) {
    it(`counts what the ${name} tokenizer's encode gives, for any text`, async () => {
      const [ours, stock] = await Promise.all([loadTokenizer(dir), AutoTokenizer.from_pretrained(dir, { local_files_only: true })]);
      assertCounts(ours, stock, ['', ' ', '  \n\t ', '\u3000', '▁', '▁▁', '<s>', ' <mask>', 'a <mask> b', '<unk><unk>', '＜unk＞', 'x'.repeat(5000)]);
      assertCounts(ours, stock, ATOMS);
      fc.assert(fc.property(textArbitrary, (text) => {
        assertCounts(ours, stock, [text]);
      }), { seed: 11, numRuns: 1500 });
    });
  }

  it('counts texts that begin or go on from the text counted before, as the chunker asks for them', async () => {
    const [ours, stock] = await Promise.all([loadTokenizer(full), AutoTokenizer.from_pretrained(full, { local_files_only: true })]);
    const count = tokenCounter(ours);
    const base = fc.oneof(textArbitrary, fc.constantFrom(...corpusTexts(path.join(repoRoot, 'test/fixtures/workspace'), 1).map((t) => t.slice(0, 600))));
    fc.assert(fc.property(base, fc.array(fc.nat(), { minLength: 1, maxLength: 12 }), fc.constantFrom('', 'Title\n', '가이드 > 설정\n'), (text, cuts, title) => {
      for (const cut of cuts) {
        const t = title + text.slice(0, cut % (text.length + 1));
        assert.equal(count(t), stock.encode(t).length, `tokens of ${JSON.stringify(t.slice(0, 200))}`);
      }
    }), { seed: 13, numRuns: 600 });
  });

  it('counts the Markdown of a real documentation site as encode does', { skip: !existsSync(CORPUS) && `no corpus at ${CORPUS}` }, async () => {
    const [ours, stock] = await Promise.all([loadTokenizer(full), AutoTokenizer.from_pretrained(full, { local_files_only: true })]);
    assertCounts(ours, stock, corpusTexts(CORPUS, 7));
  });

  it('counts the fixture workspace as encode does', async () => {
    const [ours, stock] = await Promise.all([loadTokenizer(models.concept), AutoTokenizer.from_pretrained(models.concept, { local_files_only: true })]);
    assertCounts(ours, stock, corpusTexts(path.join(repoRoot, 'test/fixtures/workspace'), 1));
  });

  it('fuses runs of unknown pieces across the words of a text, as encode does', async () => {
    // A pre-tokeniser that splits at spaces, and a vocabulary without "▁" or emoji: "😀 😀" is two words of one
    // unknown piece each, which transformers.js fuses into one token.
    const dir = tempDir('ss-fuse-');
    const json = JSON.parse(readFileSync(path.join(models.tiny, 'tokenizer.json'), 'utf8'));
    json.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, json.pre_tokenizer] };
    json.model.vocab = json.model.vocab.filter(([piece]: [string]) => piece !== '▁' && !/\p{Extended_Pictographic}/u.test(piece));
    for (const token of json.added_tokens) token.id = json.model.vocab.findIndex(([piece]: [string]) => piece === token.content);
    json.added_tokens = json.added_tokens.filter((token: { id: number }) => token.id >= 0);
    json.model.vocab.push(['<mask>', 0]);
    json.added_tokens.push({ id: json.model.vocab.length - 1, content: '<mask>', single_word: false, lstrip: true, rstrip: false, normalized: false, special: true });
    writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
    writeFileSync(path.join(dir, 'tokenizer_config.json'), readFileSync(path.join(models.tiny, 'tokenizer_config.json')));
    const [ours, stock] = await Promise.all([loadTokenizer(dir), AutoTokenizer.from_pretrained(dir, { local_files_only: true })]);
    assert.equal(stock.encode('😀 😀').length, 3, 'two unknown words fused into one token between <s> and </s>');
    assertCounts(ours, stock, ['😀 😀', 'a 😀 😀 b', '😀😀 😀 a😀', '😀 <mask> 😀']);
    fc.assert(fc.property(textArbitrary, (text) => {
      assertCounts(ours, stock, [text]);
    }), { seed: 12, numRuns: 500 });
  });

  it('counts other tokenizers (WordPiece) with encode itself', async () => {
    const dir = tempDir('ss-wordpiece-count-');
    writeWordPieceTokenizer(dir, ['hello', 'world', '##s']);
    const [ours, stock] = await Promise.all([loadTokenizer(dir), AutoTokenizer.from_pretrained(dir, { local_files_only: true })]);
    assertCounts(ours, stock, ['Hello worlds!', '', 'unknown 数据库 words']);
  });
});
