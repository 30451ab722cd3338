// Words of a workspace or a query that are also the names of Object.prototype's properties (`constructor`,
// `__proto__`, `toString`, …): looked up in a plain object, they find the prototype's function or object
// instead of nothing. Each of them must behave like any other word.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../../src/node/engine';
import { codeLanguageForPath, commentSyntaxFor } from '../../src/node/split/codeLanguages';
import { splitFile } from '../../src/node/split/splitFile';
import { models, tempDir, writeTree } from './helpers';

const WORDS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

describe('words that are names of Object.prototype properties', () => {
  const root = tempDir();
  // Every passage says the same (the same vector), so only the query's words can put one of them first.
  writeTree(root, Object.fromEntries([
    ...WORDS.map((w, i) => [`note${i}.md`, `# Note\n\nThe cache and the memory of \`${w}\` here.\n`]),
    ['plain.md', '# Note\n\nThe cache and the memory here.\n'],
  ]));
  let hybrid: Engine, words: Engine;
  before(async () => {
    hybrid = await Engine.open({ modelDir: models.concept, storeDir: path.join(tempDir(), 'store'), threads: 1 });
    words = await Engine.open({ storeDir: path.join(tempDir(), 'store') });
    await hybrid.index({ roots: [root] });
    await words.index({ roots: [root] });
  });
  after(async () => { await hybrid.dispose(); await words.dispose(); });

  for (const [i, w] of WORDS.entries()) {
    it(`boosts and finds the passage holding "${w}"`, async () => {
      const { hits } = await hybrid.search(`cache memory ${w}`, { limit: 3 });
      assert.equal(hits[0].path, `note${i}.md`, hits.map((h) => `${h.path} ${h.score}`).join(', '));
      assert.ok(hits[0].score > hits[0].similarity!, `the word boosts it: ${hits[0].score} vs ${hits[0].similarity}`);
      assert.ok(hits.every((h) => Number.isFinite(h.score)));
      const alone = await words.search(w, { limit: 3 });
      assert.equal(alone.mode, 'fulltext');
      assert.equal(alone.hits[0]?.path, `note${i}.md`, alone.hits.map((h) => `${h.path} ${h.score}`).join(', '));
    });
  }

  it('are no language names, file names or Markdown entities', () => {
    for (const w of WORDS) {
      for (const name of [w, `src/${w}`, `a.${w}`, `a.${w.toLowerCase()}`]) assert.equal(codeLanguageForPath(name), undefined, name);
      assert.equal(commentSyntaxFor(w), undefined, w);
    }
    const [piece] = splitFile('# T &valueOf; x\n\nSee &toString; and &amp; here.\n', 'markdown', 'a.md', (t) => t.length / 4, 128);
    assert.deepEqual([piece.title, piece.text], ['T &valueOf; x', 'See &toString; and & here.']);
  });
});
