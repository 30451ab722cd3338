import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChunkText } from '../../src/common/types';
import { Embedder } from '../../src/node/embed/embedder';
import { splitFile } from '../../src/node/split/splitFile';
import { models } from './helpers';

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

describe('splitting the pathological files of issue 9', () => {
  let embedder: Embedder;
  before(async () => { embedder = await Embedder.load(models.tiny, 1); });
  after(async () => { await embedder.dispose(); });

  for (const c of REPORTED) {
    it(`splits ${c.name} without throwing, or skips it for its budget`, () => {
      const text = c.text();
      let chunks: ChunkText[];
      try {
        chunks = splitFile(text, c.language, c.file, embedder.countTokens, embedder.maxTokens);
      } catch (e) {
        assert.equal((e as Error).message, 'took too long to split');
        return;
      }
      assertSane(chunks, text, embedder.maxTokens);
    });
  }
});
