// The same query on the same index gives the same list, whatever the timing: while a stored index's words are
// still being indexed in the background, after an incremental run, and in a new process that loads it.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { SearchResult } from '../../src/common/protocol/engine';
import { Engine } from '../../src/node/engine';
import { FullTextIndex } from '../../src/node/index/fullText';
import { fullTextTokens } from '../../src/node/index/fullTextTokenizer';
import type { ChunkRecord } from '../../src/node/index/records';
import { models, tempDir, writeTree } from './helpers';

const SENTENCES = [
  'Configure the database connection in the configuration file.', 'Deploy the image to the server.',
  'The cache keeps the password for an hour.', 'Install the package and read the error log.',
  'The browser shows the security warning.', 'Search the user table for the version.',
];
/** Pages whose sections say much the same (equal or close vectors), so that words decide between them. */
function workspace(files: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < files; i++) {
    const section = (j: number) => `## Topic ${i} ${j}\n\n${Array.from({ length: 1 + ((i + j) % 4) }, (_, k) => SENTENCES[(i * 5 + j * 3 + k) % 6]).join(' ')} Note ${i * 7 + j}.\n`;
    out[`part${i % 7}/page${i}.md`] = `# Page ${i}\n\n${Array.from({ length: 12 }, (_, j) => section(j)).join('\n')}`;
  }
  return out;
}
const QUERIES = ['configure the database connection', 'deploy the image to the server', 'password cache for the user', 'error log', 'securi'];
const listOf = (r: SearchResult) => r.hits.map((h) => `${h.path}:${h.startLine} ${h.score}`);

describe('search determinism', () => {
  const root = tempDir();
  const store = path.join(tempDir(), 'store');
  let reference: string[][];
  before(async () => {
    writeTree(root, workspace(90));
    const engine = await Engine.open({ modelDir: models.concept, storeDir: store, threads: 1 });
    try {
      const s = await engine.index({ roots: [root] });
      assert.ok(s.chunks > 1000, `chunks: ${s.chunks}`); // ten slices of background loading at least
      reference = [];
      for (const q of QUERIES) reference.push(listOf(await engine.search(q, { limit: 10 })));
    } finally {
      await engine.dispose();
    }
  });

  it('gives the complete ranking to every search made while a stored index loads', async () => {
    const engine = await Engine.open({ modelDir: models.concept, storeDir: store, threads: 1 });
    try {
      let loaded = false;
      const whenLoaded = engine.whenLoaded().then(() => { loaded = true; });
      const answers: Promise<SearchResult>[] = [];
      for (let i = 0; !loaded; i++) {
        answers.push(engine.search(QUERIES[i % QUERIES.length], { limit: 10 }));
        await new Promise((resolve) => setImmediate(resolve)); // one search between each two slices of the load
      }
      await whenLoaded;
      assert.ok(answers.length >= 2 * QUERIES.length, `${answers.length} searches during the load`);
      for (const [i, answer] of (await Promise.all(answers)).entries()) {
        assert.deepEqual(listOf(answer), reference[i % QUERIES.length], `search ${i} ("${QUERIES[i % QUERIES.length]}")`);
        assert.equal(answer.wordsPartial, undefined);
      }
    } finally {
      await engine.dispose();
    }
  });

  it('answers at once with partialWords, says so until the words are indexed, then gives the complete ranking', async () => {
    const engine = await Engine.open({ modelDir: models.concept, storeDir: store, threads: 1 });
    try {
      const seen: boolean[] = [];
      let loaded = false;
      const whenLoaded = engine.whenLoaded().then(() => { loaded = true; });
      for (let i = 0; !loaded; i++) {
        const answer = await engine.search(QUERIES[i % QUERIES.length], { limit: 10, partialWords: true });
        seen.push(answer.wordsPartial === true);
        if (!answer.wordsPartial) assert.deepEqual(listOf(answer), reference[i % QUERIES.length], `search ${i}, complete`);
        await new Promise((resolve) => setImmediate(resolve));
      }
      await whenLoaded;
      assert.ok(seen.filter(Boolean).length >= 2, `partial answers while loading: ${seen.join(', ')}`);
      assert.deepEqual(seen, [...seen].sort().reverse(), 'partial, then complete, never partial again');
      for (const [i, q] of QUERIES.entries()) {
        const answer = await engine.search(q, { limit: 10, partialWords: true });
        assert.equal(answer.wordsPartial, undefined);
        assert.deepEqual(listOf(answer), reference[i], q);
      }
    } finally {
      await engine.dispose();
    }
  });

  it('ranks alike after an incremental run, after loading what it saved, and in a fresh index of the same files', async () => {
    const live = await Engine.open({ modelDir: models.concept, storeDir: store, threads: 1 });
    try {
      await live.whenLoaded();
      // Pages rewritten, removed and added: the live index's words are no longer in the order a load adds them.
      const pages = workspace(90);
      for (let i = 0; i < 90; i += 9) writeFileSync(path.join(root, `part${i % 7}/page${i}.md`), pages[`part${(i + 1) % 7}/page${i + 1}.md`]);
      writeTree(root, { 'extra/new.md': pages['part3/page10.md'].replace(/Page 10/, 'New page') });
      await live.index({ roots: [root] });
      const liveLists = [];
      for (const q of QUERIES) liveLists.push(listOf(await live.search(q, { limit: 10 })));
      const loaded = await Engine.open({ modelDir: models.concept, storeDir: store, threads: 1 });
      const fresh = await Engine.open({ modelDir: models.concept, storeDir: path.join(tempDir(), 'fresh'), threads: 1 });
      try {
        await fresh.index({ roots: [root] });
        for (const [i, q] of QUERIES.entries()) {
          assert.deepEqual(listOf(await loaded.search(q, { limit: 10 })), liveLists[i], `${q}: loaded`);
          assert.deepEqual(listOf(await fresh.search(q, { limit: 10 })), liveLists[i], `${q}: fresh`);
        }
      } finally {
        await loaded.dispose();
        await fresh.dispose();
      }
    } finally {
      await live.dispose();
    }
  });
});

describe('word scores whatever order the chunks were added in', () => {
  const record = (id: string, text: string): ChunkRecord => ({
    id, root: '/w', rel: `${id}.md`, kind: 'markdown', title: '', text, startLine: 1, endLine: 1, lang: 'en', fileLanguage: 'markdown', hash: `h-${id}`,
  });
  // Fields of many lengths (the average field length), words sharing a prefix (summed in some order), and
  // chunks with equal texts (equal scores).
  const WORDS = ['cat', 'cab', 'car', 'cap', 'can', 'cart', 'card', 'dog', 'door', 'zephyr'];
  const records = Array.from({ length: 400 }, (_, i) => record(`c${String(i).padStart(3, '0')}`,
    i === 3 || i === 4 ? 'the zephyrine and the cart' : Array.from({ length: 1 + ((i * 7) % 23) }, (_, j) => WORDS[(i * 3 + j * j) % WORDS.length]).join(' ')));
  const indexOf = async (order: readonly ChunkRecord[], removeFirst = 0) => {
    const index = new FullTextIndex();
    await index.add(order);
    if (removeFirst) {
      await index.remove(order.slice(0, removeFirst).map((r) => r.id));
      await index.add(order.slice(0, removeFirst));
    }
    return index;
  };

  it('gives exactly the same scores and the same rare-word candidates', async () => {
    const shuffled = records.map((r, i) => [((i * 7919) % 401) / 401, r] as const).sort((a, b) => a[0] - b[0]).map(([, r]) => r);
    const indexes = [await indexOf(records), await indexOf([...records].reverse()), await indexOf(shuffled, 150)];
    const ids = records.map((r) => r.id);
    for (const query of ['cat dog', 'the ca', 'door car zephyr', 'zephyrine cart']) {
      const words = fullTextTokens(query);
      const prefix = query.endsWith('ca') ? 'ca' : undefined;
      const [first, ...others] = indexes.map((index) => [...index.wordScores(words, prefix, ids, 0, 0)].sort());
      for (const other of others) assert.deepEqual(other, first, query);
      // Two chunks hold the rarest words with equal scores: the one taken is the same in every index.
      const [one, ...rest] = indexes.map((index) => [...index.wordScores(words, prefix, [], 1, 10).keys()]);
      for (const other of rest) assert.deepEqual(other, one, `${query}: rare-word candidates`);
    }
  });
});
