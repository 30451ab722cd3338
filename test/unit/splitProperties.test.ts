import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { loadTokenizer } from '../../src/node/embed/embedder';
import type { LazyPieceTrie } from '../../src/node/embed/unigram';
import { chunkUnit } from '../../src/node/split/chunker';
import { extractComments } from '../../src/node/split/comments';
import { codeLanguageIds } from '../../src/node/split/codeLanguages';
import { splitMarkdown } from '../../src/node/split/markdown';
import { splitFile } from '../../src/node/split/splitFile';
import { writeFullSizeTokenizer } from '../../scripts/models/generate.mjs';
import { models, tempDir } from './helpers';

/*
 * What the splitters give for any input, pathological or not (fast-check, fixed seed, printed on failure):
 * line ranges inside the file, chunks within the token budget, and on ordinary Markdown every word kept.
 */

const SEED = 9_2026;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

const lineCount = (text: string): number => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split(/\r\n?|\n/).length;

/** A stand-in tokenizer, monotone in the text: 2 specials, CJK one token per character, other text one per four. */
function countTokens(s: string): number {
  let n = 0, other = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x3000 && c < 0xa000) n++;
    else if (c > 32) other++;
  }
  return 2 + n + Math.ceil(other / 4);
}

/** Fragments that open, close, escape or break something, with plain text between them. */
const ATOMS = [
  ':::', ':::note[Label]', '`', '```', '~~~', '<!--', '-->', '{/*', '*/}', '<script>', '</script>', '<a href="x">', '</a>', '<Card title="T"',
  '/>', '"', "'", '{', '}', '[', ']', '(', ')', '![', '](', '][', '\\', '# ', '## ', '> ', '- ', '1. ', '| a | b |', '|---|---|', '***',
  '=====', '&amp;', '&#128512;', ' ', '\t', '\n', '\n\n', '\r\n', '\r', '\u2028', '\0', '\uD800', '\uDC00', 'word', 'The site deploys.',
  '漢字です。', '😀', 'import x from "y"', 'export const a = {', '---\n', 'title: T\n', '+++\n', '    ', '[^1]', '{#id}', '//', '/*', '*/',
  '#', '--', '"""', "'''", '${', '<<EOF\n', 'EOF\n', '=begin\n', '=end\n', '<?php ', '?>', 'def f():\n', 'r#"', '--[[', ']]',
];
const doc = fc.array(fc.constantFrom(...ATOMS), { maxLength: 120 }).map((a) => a.join(''));

describe('splitter output on any input (fast-check)', () => {
  it('Markdown units lie inside the file, in order, with text', () => {
    fc.assert(fc.property(doc, fc.boolean(), (text, mdx) => {
      const lines = lineCount(text);
      let prev = 0;
      for (const u of splitMarkdown(text, { mdx })) {
        assert.ok(u.startLine >= 1 && u.startLine <= u.endLine && u.endLine <= lines, `lines ${u.startLine}-${u.endLine} of ${lines}`);
        assert.ok(u.startLine >= prev, 'units go backwards');
        assert.ok(u.text.trim() !== '' && u.text === u.text.trim());
        prev = u.startLine;
      }
    }), { seed: SEED, numRuns: 400 });
  });

  it('comment units of every language lie inside the file', () => {
    fc.assert(fc.property(doc, fc.constantFrom(...codeLanguageIds()), (text, language) => {
      const lines = lineCount(text);
      for (const u of extractComments(text, language)) {
        assert.ok(u.startLine >= 1 && u.startLine <= u.endLine && u.endLine <= lines, `${language}: lines ${u.startLine}-${u.endLine} of ${lines}`);
        assert.ok(u.text.trim() !== '');
      }
    }), { seed: SEED, numRuns: 600 });
  });

  it('chunks fit the budget, keep every character, and stay inside their unit', () => {
    const piece = fc.constantFrom('a', 'word ', ' ', '. ', '\n', '漢', '。', '\u0301', '😀', '👩‍💻', '\uD800', 'x'.repeat(300), ' '.repeat(300), 'Go. '.repeat(100));
    const text = fc.array(piece, { minLength: 1, maxLength: 60 }).map((a) => a.join(''));
    fc.assert(fc.property(text, fc.integer({ min: 8, max: 64 }), fc.string({ maxLength: 300 }), (t, max, title) => {
      const unit = { kind: 'markdown' as const, title, text: t, startLine: 3, endLine: 3 + t.split('\n').length };
      const chunks = chunkUnit(unit, countTokens, max);
      assert.equal(chunks.map((c) => c.text).join('').replace(/\s+/g, ''), t.replace(/\s+/g, ''), 'text lost or duplicated');
      for (const c of chunks) {
        assert.equal(c.tokens, countTokens(c.embedText));
        assert.ok(c.tokens <= max || [...c.text].length === 1, `${c.tokens} tokens > ${max}`);
        assert.ok(c.startLine >= unit.startLine && c.endLine <= unit.endLine && c.startLine <= c.endLine);
      }
    }), { seed: SEED, numRuns: 300 });
  });

  it('splitFile gives chunks inside the file and within the budget, for Markdown and code', () => {
    fc.assert(fc.property(doc, fc.constantFrom('markdown', 'typescript', 'python', 'html', 'php', 'ruby', 'haskell'), (text, language) => {
      const lines = lineCount(text);
      for (const c of splitFile(text, language, language === 'markdown' ? 'a.md' : 'a', countTokens, 32)) {
        assert.ok(c.startLine >= 1 && c.startLine <= c.endLine && c.endLine <= lines);
        assert.ok(c.tokens <= 32 || [...graphemes.segment(c.text)].length === 1, `${c.tokens} tokens`);
      }
    }), { seed: SEED, numRuns: 300 });
  });
});

describe('nothing lost on ordinary Markdown (fast-check)', () => {
  const word = fc.stringMatching(/^[a-z]{3,9}$/);
  const words = fc.array(word, { minLength: 1, maxLength: 6 });
  // A paragraph's words, each dressed in markup whose text the splitter keeps.
  const inline = fc.oneof(
    words.map((w) => ({ md: w.join(' '), words: w })),
    words.map((w) => ({ md: `[${w.join(' ')}](https://example.com/${w[0]} "t")`, words: w })),
    words.map((w) => ({ md: `![${w.join(' ')}](img.png)`, words: w })),
    words.map((w) => ({ md: `**${w.join(' ')}**`, words: w })),
    words.map((w) => ({ md: `\`${w.join(' ')}\``, words: w })),
    words.map((w) => ({ md: `<b>${w.join(' ')}</b>`, words: w })),
    words.map((w) => ({ md: `<Card title="${w.join(' ')}" />`, words: w })),
  );
  const block = fc.oneof(
    fc.array(inline, { minLength: 1, maxLength: 4 }).map((parts) => ({ md: `${parts.map((p) => p.md).join(' ')}.`, words: parts.flatMap((p) => p.words) })),
    // A heading with nothing under it makes no section, so each gets a line of text.
    fc.tuple(words, words).map(([h, t]) => ({ md: `## ${h.join(' ')}\n\n${t.join(' ')}.`, words: [...h, ...t] })),
    words.map((w) => ({ md: `- ${w.join(' ')}`, words: w })),
    words.map((w) => ({ md: `> ${w.join(' ')}`, words: w })),
    words.map((w) => ({ md: `:::note[${w.join(' ')}]\n:::`, words: w })),
  );

  it('keeps every word of headings, paragraphs, links, images, emphasis, code spans, tags and admonitions', () => {
    fc.assert(fc.property(fc.array(block, { minLength: 1, maxLength: 12 }), (blocks) => {
      const text = `# Title\n\n${blocks.map((b) => b.md).join('\n\n')}\n`;
      const kept = new Set(splitMarkdown(text).flatMap((u) => `${u.title} ${u.text}`.split(/[^a-z]+/)));
      for (const w of blocks.flatMap((b) => b.words)) assert.ok(kept.has(w), `"${w}" lost from ${JSON.stringify(text)}`);
    }), { seed: SEED, numRuns: 300 });
  });
});

describe('token counting is linear on pathological text', () => {
  const full = tempDir('ss-full-tokenizer-');
  before(() => writeFullSizeTokenizer(full));

  /** Steps of the Viterbi search (trie lookups), counted on the tokenizer's own trie. */
  function counted(tokenizer: PreTrainedTokenizer): { steps: () => number; pieces: (text: string) => string[] } {
    const model = (tokenizer as unknown as { _tokenizer: { model: { trie: LazyPieceTrie; tokenize(s: string): string[] } } })._tokenizer.model;
    const trie = model.trie.trie;
    const child = trie.child.bind(trie);
    let steps = 0;
    trie.child = (node: number, cp: number): number => {
      steps++;
      return child(node, cp);
    };
    return { steps: () => steps, pieces: (text) => model.tokenize(text) };
  }

  const TEXTS: Record<string, (n: number) => string> = {
    'one long word': (n) => 'a'.repeat(n),
    'one CJK character': (n) => '漢'.repeat(n),
    'blanks': (n) => `${' '.repeat(n)}x`,
    'newlines': (n) => `${'\n'.repeat(n)}x`,
    'a character the vocabulary lacks': (n) => '\uE000'.repeat(n),
    'combining marks': (n) => `a${'\u0301'.repeat(n)}`,
  };

  for (const [name, dir] of [['tiny', models.tiny], ['full-size', full]] as const) {
    it(`counts 1 MB of each in linear steps, without throwing (${name} tokenizer)`, async () => {
      const tokenizer = await loadTokenizer(dir);
      const { steps, pieces } = counted(tokenizer);
      for (const [text, make] of Object.entries(TEXTS)) {
        const at = (n: number): number => {
          const s0 = steps();
          assert.ok(tokenizer.encode(make(n)).length >= 3, text);
          return steps() - s0;
        };
        const small = at(100_000);
        const large = at(1_000_000);
        assert.ok((large + 1) / (small + 1) <= 12, `${text}: ${small} steps at 100k, ${large} at 1M`);
      }
      // A run of unknown characters comes out as one piece, so that transformers.js has nothing to fuse.
      assert.ok(pieces('\uE000'.repeat(100_000)).length <= 2, 'a run of unknown characters is one piece');
    });
  }
});
