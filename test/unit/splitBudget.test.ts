import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChunkText } from '../../src/common/types';
import { Embedder } from '../../src/node/embed/embedder';
import { SplitBudget, SplitTimeout } from '../../src/node/split/budget';
import { chunkUnit } from '../../src/node/split/chunker';
import { extractComments } from '../../src/node/split/comments';
import { splitMarkdown } from '../../src/node/split/markdown';
import { splitFile } from '../../src/node/split/splitFile';
import { models } from './helpers';

/*
 * The files of issue 9 and the per-file budget. About 9 s in all (most of it building and splitting the
 * 20 MB lines); before the splitters were made linear the first three took 32, 31 and 16 s and the 20 MB
 * ones threw "Maximum call stack size exceeded".
 */

/** The inputs of issue 9, as reported (tiny test model, the splitter the engine calls). */
const REPORTED: { name: string; file: string; language: string; text: () => string }[] = [
  // Pure colons close as an admonition marker; any other character after them made the marker pattern backtrack.
  { name: '60 KB of ":" in a .md', file: 'colons.md', language: 'markdown', text: () => `${':'.repeat(60 * 1024)}[` },
  { name: '480 KB of "<script " in an .html', file: 'scripts.html', language: 'html', text: () => '<script '.repeat(60 * 1024) },
  {
    name: 'a 148 KB minified JS file with 10k comments',
    file: 'min.js',
    language: 'javascript',
    text: () => Array.from({ length: 10_000 }, (_, i) => `/*c${i % 1000}*/ab${i % 100}();`).join(''),
  },
  { name: 'a 20 MB single-line file', file: 'line.md', language: 'markdown', text: () => 'word '.repeat(4 * 1024 * 1024) },
];

/** Line ranges inside the file and chunks within the model's budget. */
function assertSane(chunks: ChunkText[], text: string, maxTokens: number): void {
  let lines = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
  for (const c of chunks) {
    assert.ok(c.startLine >= 1 && c.startLine <= c.endLine && c.endLine <= lines, `lines ${c.startLine}-${c.endLine} of ${lines}`);
    assert.ok(c.tokens <= maxTokens, `${c.tokens} tokens`);
    assert.ok(c.text.trim() !== '');
  }
}

/** A clock that reads 0 for its first `reads` reads and then far past any deadline. */
function clockExpiringAfter(reads: number): () => number {
  let n = 0;
  return () => (n++ < reads ? 0 : 1e12);
}

describe('splitting the pathological files of issue 9', () => {
  let embedder: Embedder;
  before(async () => { embedder = await Embedder.load(models.tiny, 1); });
  after(async () => { await embedder.dispose(); });

  for (const c of REPORTED) {
    it(`splits ${c.name} without throwing, or skips it for its budget`, () => {
      const text = c.text();
      let chunks: ChunkText[];
      try {
        // The 20 MB line splits in ~30 s here (the tokenizer's time): its budget is what ends it in a test.
        chunks = splitFile(text, c.language, c.file, embedder.countTokens, embedder.maxTokens, new SplitBudget(3000));
      } catch (e) {
        assert.ok(e instanceof SplitTimeout, String(e));
        assert.equal(e.message, 'took too long to split');
        return;
      }
      assertSane(chunks, text, embedder.maxTokens);
    });
  }

  it('reads a 20 MB line of each kind of markup that a pattern repeated over the line overflowed on', () => {
    const M = 20_000_000;
    const lines: [string, string, boolean?][] = [
      ['a tag with many attributes', `<a ${'b '.repeat(M / 2)}>text`],
      ['a quoted frontmatter title', `---\ntitle: "${'a'.repeat(M)}"\n---\ntext`],
      ['an MDX import', `import x from "${'a'.repeat(M)}"\n\ntext`, true],
      ['a link text', `[${'a'.repeat(M)}](x) text`],
      ['a thematic break', '- '.repeat(M / 2)],
      ['a blockquote', `${'> '.repeat(M / 2)}text`],
      ['a table delimiter row', `${'|-'.repeat(M / 2)}|`],
    ];
    for (const [name, text, mdx] of lines) {
      assert.doesNotThrow(() => splitMarkdown(text, { mdx }), name);
    }
  });

  it('never hands the tokenizer more than 32 characters per token of the budget', () => {
    let longest = 0;
    const count = (s: string): number => {
      longest = Math.max(longest, s.length);
      return 2 + Math.ceil(s.length / 4);
    };
    const chunks = chunkUnit({ kind: 'markdown', title: 'Title', text: 'a'.repeat(200_000), startLine: 1, endLine: 1 }, count, 128);
    assert.ok(longest <= 32 * 128 + 'Title\n'.length, `${longest} characters counted at once`);
    assert.equal(chunks.map((c) => c.text).join(''), 'a'.repeat(200_000));
  });
});

describe('SplitBudget', () => {
  const doc = Array.from({ length: 2000 }, (_, i) => `## Section ${i}\n\nThe deploy step ${i} uploads the site. It retries twice.\n`).join('\n');
  const count = (s: string): number => 2 + Math.ceil(s.length / 4);

  it('skips any file for a budget of 0, with the reason users see', () => {
    for (const [text, language, file] of [[doc, 'markdown', 'a.md'], ['/** Loads the user. */\nfunction load() {}\n', 'typescript', 'a.ts']] as const) {
      assert.throws(() => splitFile(text, language, file, count, 128, new SplitBudget(0)), (e: unknown) => e instanceof SplitTimeout && e.message === 'took too long to split');
    }
  });

  it('splits the same file whole with an ample budget, and counts its work', () => {
    const budget = new SplitBudget(Infinity);
    assert.ok(splitFile(doc, 'markdown', 'a.md', count, 128, budget).length >= 2000);
    assert.ok(budget.steps > doc.length, `${budget.steps} steps`);
  });

  // The clock runs out after three reads (every 4,096 steps): each stage must stop well before its end.
  it('is checked inside the Markdown splitter, not only after it', () => {
    const total = new SplitBudget(Infinity);
    splitMarkdown(doc, { budget: total });
    const budget = new SplitBudget(1, clockExpiringAfter(3));
    assert.throws(() => splitMarkdown(doc, { budget }), SplitTimeout);
    assert.ok(budget.steps < total.steps / 4, `${budget.steps} of ${total.steps} steps`);
  });

  it('is checked inside the comment lexer, on a single line', () => {
    const src = '/*c*/a();'.repeat(30_000);
    const total = new SplitBudget(Infinity);
    extractComments(src, 'javascript', total);
    const budget = new SplitBudget(1, clockExpiringAfter(3));
    assert.throws(() => extractComments(src, 'javascript', budget), SplitTimeout);
    assert.ok(budget.steps < total.steps / 4, `${budget.steps} of ${total.steps} steps`);
  });

  it('is checked inside the chunker, within one unit', () => {
    const unit = { kind: 'markdown' as const, title: '', text: 'The site is deployed. '.repeat(20_000), startLine: 1, endLine: 1 };
    const total = new SplitBudget(Infinity);
    chunkUnit(unit, count, 128, total);
    const budget = new SplitBudget(1, clockExpiringAfter(3));
    assert.throws(() => chunkUnit(unit, count, 128, budget), SplitTimeout);
    assert.ok(budget.steps < total.steps / 4, `${budget.steps} of ${total.steps} steps`);
  });
});
