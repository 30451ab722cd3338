import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { resolveModelFiles } from '../../src/node/embed/modelFiles';
import { MessageChannel } from 'node:worker_threads';
import {
  loadTokenizer, tokenCounter, tokenizerCopy, tokenizerFromCopy, TransformersModel, vocabularyOf, type TokenizerCopy, type TokenizerInternals,
} from '../../src/node/embed/transformersJs';
import { CodePointTrie } from '../../src/node/embed/unigram';
import { readTrieFile, savedTrie, trieOf, VOCABULARY_TRIE_FILE, writeTrie } from '../../src/node/embed/vocabularyTrie';
import { PARALLEL_SENTENCES } from '../../scripts/models/concepts.mjs';
import { models, tempDir } from './helpers';

const TEXTS = [
  ...PARALLEL_SENTENCES.flatMap((s) => [s.en, s.ko, s.ja, s.zh]),
  'const x = await fetch(url); // 다시 시도 (retry) — 再試行 🚀',
  '\u0000\u200d\ud800 lone surrogate ᄀᄀ 가各 ＡＢＣ',
  'x'.repeat(300),
];

/** The trie saved in `dir` for this tokenizer and vocabulary size, or why not (undefined: no file). */
const readBack = async (dir: string, tokenizerSha256: string, pieces: number) => trieOf(await readTrieFile({ dir, tokenizerSha256 }), pieces);
const sha256File = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const rmFile = (file: string) => rmSync(file, { recursive: true, force: true });

/** A model folder's tokenizer files, copied to a folder of its own. */
function tokenizerFolder(): string {
  const dir = tempDir('ss-vocab-');
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(path.join(models.concept, f), path.join(dir, f));
  return dir;
}

function sameTokens(a: PreTrainedTokenizer, b: PreTrainedTokenizer): void {
  const [countA, countB] = [tokenCounter(a), tokenCounter(b)];
  for (const text of TEXTS) {
    assert.deepEqual(b.encode(text), a.encode(text), text);
    assert.equal(countB(text), countA(text), text);
  }
}

describe('the vocabulary trie saved with the model', () => {
  let dir: string;
  let sha: string;
  let lazy: PreTrainedTokenizer;
  before(async () => {
    dir = tokenizerFolder();
    sha = sha256File(path.join(dir, 'tokenizer.json'));
    lazy = await loadTokenizer(dir);
  });

  it('is built and saved once, then read back: the tokens are those of a trie filled as text needs it', async () => {
    const file = path.join(dir, VOCABULARY_TRIE_FILE);
    const said: string[] = [];
    const built = await loadTokenizer(dir, { saved: { dir, tokenizerSha256: sha }, log: (m) => said.push(m) });
    assert.ok(statSync(file).size > 0, 'saved');
    const written = statSync(file).mtimeMs;
    const read = await loadTokenizer(dir, { saved: { dir, tokenizerSha256: sha }, log: (m) => said.push(m) });
    assert.equal(statSync(file).mtimeMs, written, 'read, not written again');
    assert.deepEqual(said, []);
    assert.ok((await readBack(dir, sha, 55_095)) instanceof CodePointTrie);
    sameTokens(lazy, built);
    sameTokens(lazy, read);
  });

  it('goes with a copy of the tokenizer to another thread as it is (shared memory), and the copy tokenises alike', async () => {
    const first = await loadTokenizer(dir, { saved: { dir, tokenizerSha256: sha } });
    const copy = tokenizerCopy(first);
    assert.ok(copy && copy.trie.keys.buffer instanceof SharedArrayBuffer && copy.scores.buffer instanceof SharedArrayBuffer);
    assert.equal(copy.trie.keys, vocabularyOf(first)?.keys);
    assert.equal(tokenizerCopy(first), copy, 'made once');
    assert.equal(tokenizerCopy(lazy), undefined, 'a tokenizer without a complete trie has no copy');
    // Across a real thread boundary: the copy is cloned, its arrays shared.
    const { port1, port2 } = new MessageChannel();
    const received = await new Promise<TokenizerCopy>((resolve) => { port2.once('message', resolve); port1.postMessage(copy); });
    port1.close();
    assert.notEqual(received, copy);
    const second = tokenizerFromCopy(received);
    sameTokens(lazy, second);
    // Its pieces and ids are made when first asked for, and are the whole vocabulary's.
    const pieces = (model: PreTrainedTokenizer) => (model as unknown as TokenizerInternals)._tokenizer.model;
    assert.deepEqual(pieces(second).vocab, pieces(lazy).vocab);
    assert.deepEqual([...pieces(second).tokens_to_ids], [...pieces(lazy).tokens_to_ids]);
    assert.deepEqual(second.decode(lazy.encode(TEXTS[1])), lazy.decode(lazy.encode(TEXTS[1])));
    // The trie answers a piece's id as tokens_to_ids does (the counts look pieces up there, not in the map).
    const trie = new CodePointTrie(copy.trie);
    const ids = pieces(lazy).tokens_to_ids;
    const added = new Set((lazy as unknown as TokenizerInternals)._tokenizer.added_tokens.map((t) => t.content));
    for (const [piece, id] of ids) if (piece && !added.has(piece)) assert.equal(trie.pieceId(piece), id, piece);
    for (const text of TEXTS) for (const cut of [1, 2, 5]) assert.equal(trie.pieceId(text.slice(0, cut)), ids.get(text.slice(0, cut)), text.slice(0, cut));
  });

  it('is built again and replaced when the file is cut, damaged, of another tokenizer or no trie', async () => {
    const file = path.join(dir, VOCABULARY_TRIE_FILE);
    const pieces = (JSON.parse(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')) as { model: { vocab: [string, number][] } }).model.vocab.map(([p]) => p);
    const ids = new Map(pieces.map((p, i) => [p, i]));
    const good = await savedTrie(pieces, ids, { dir, tokenizerSha256: sha });
    const bytes = readFileSync(file);
    const damages: [string, () => void, RegExp][] = [
      ['cut in its header', () => truncateSync(file, 100), /cut short/],
      ['cut in its arrays', () => truncateSync(file, bytes.length - 4), /cut short/],
      ['a byte of its arrays changed', () => { const b = Buffer.from(bytes); b[b.length - 3] ^= 0xff; writeFileSync(file, b); }, /damaged/],
      ['another format', () => { const b = Buffer.from(bytes); b.write('XXVOCAB1', 0, 'latin1'); writeFileSync(file, b); }, /not a vocabulary file/],
      ['another tokenizer', () => { const b = Buffer.from(bytes); b.write('0'.repeat(64), 8, 'latin1'); writeFileSync(file, b); }, /another tokenizer/],
      ['a size past any vocabulary', () => { const b = Buffer.from(bytes); b.writeDoubleLE(2 ** 40, 72); writeFileSync(file, b); }, /sizes are wrong/],
      ['a table with no free slot (a lookup would never end)', () => {
        const parts = good.parts;
        writeTrie(file, { ...parts, keys: parts.keys.map((k, slot) => k || (slot + 1) * 0x110000 + 1), used: parts.keys.length }, sha, pieces.length);
      }, /does not hold a trie/],
      ['an edge back to an earlier node (a walk could loop)', () => {
        const parts = good.parts;
        const slot = parts.keys.findIndex((k) => k > 0x110000);
        writeTrie(file, { ...parts, children: parts.children.map((c, s) => (s === slot ? 0 : c)) }, sha, pieces.length);
      }, /does not hold a trie/],
      ['a directory in its place', () => { rmFile(file); mkdirSync(path.join(file, 'x'), { recursive: true }); }, /could not be read/],
    ];
    for (const [what, damage, reason] of damages) {
      damage();
      const problem = await readBack(dir, sha, pieces.length);
      assert.match(String(problem), reason, what);
      const said: string[] = [];
      const again = await savedTrie(pieces, ids, { dir, tokenizerSha256: sha }, (m) => said.push(m));
      assert.match(said[0], /built again/, what);
      assert.deepEqual([again.parts.nodes, again.parts.used], [good.parts.nodes, good.parts.used], what);
      if (what.startsWith('a directory')) {
        assert.match(said[1], /could not be saved .*built at each start/, 'a folder it cannot write in: said, and built each time');
        rmFile(file);
        await savedTrie(pieces, ids, { dir, tokenizerSha256: sha });
      }
      assert.ok((await readBack(dir, sha, pieces.length)) instanceof CodePointTrie, `${what}: replaced by a good one`);
    }
    assert.equal(await readBack(tempDir(), sha, pieces.length), undefined, 'no file: nothing to say');
    assert.match(String(await readBack(dir, sha, pieces.length + 1)), /another vocabulary/);
  });

  it('comes with a model the engine loads: its reading thread gets it', async () => {
    const files = resolveModelFiles(models.tiny);
    assert.equal(files.tokenizerSha256, sha256File(path.join(models.tiny, 'tokenizer.json')));
    const model = await TransformersModel.load(files, 1);
    try {
      assert.ok(model.tokenizerCopy()?.trie.keys.buffer instanceof SharedArrayBuffer);
      assert.ok((await readBack(models.tiny, files.tokenizerSha256, 929)) instanceof CodePointTrie);
    } finally {
      await model.dispose();
    }
  });
});
