// transformers.js is used through one module, and where that module goes beyond the documented API (the
// compact Unigram vocabulary written into a tokenizer's model), every internal shape it relies on is checked
// here against the installed version: an upgrade fails these tests instead of silently changing tokens.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { AutoTokenizer, type PreTrainedTokenizer } from '@huggingface/transformers';
import { loadTokenizer, type TokenizerInternals, type UnigramModelInternals } from '../../src/node/embed/transformersJs';
import { models, repoRoot } from './helpers';

/** The version of the package `name` as `from` resolves it (read from its package.json). */
function installedVersion(name: string, from: string): { version: string; main: string } {
  const main = createRequire(from).resolve(name);
  for (let dir = path.dirname(main); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const json = JSON.parse(readFileSync(file, 'utf8'));
    if (json.name === name) return { version: json.version, main };
  }
  throw new Error(`no package.json of ${name} above ${main}`);
}

const internalsOf = (tokenizer: PreTrainedTokenizer): TokenizerInternals['_tokenizer'] => (tokenizer as unknown as TokenizerInternals)._tokenizer;

/** The Unigram model's fields that installCompactUnigram writes, derived from the vocabulary. */
const REPLACED: (keyof UnigramModelInternals)[] = [
  'vocab', 'scores', 'tokens_to_ids', 'unk_token_id', 'unk_token', 'unk_score', 'min_score', 'bos_token_id', 'eos_token_id', 'trie',
];
/** Its fields that it reads (bos_token, eos_token) or that do not depend on the vocabulary. */
const KEPT = ['bos_token', 'eos_token', 'config', 'end_of_word_suffix', 'fuse_unk'];

describe('transformers.js beyond its documented API (pinned to the installed version)', () => {
  let stock: PreTrainedTokenizer;
  let ours: PreTrainedTokenizer;
  before(async () => {
    [stock, ours] = await Promise.all([AutoTokenizer.from_pretrained(models.tiny, { local_files_only: true }), loadTokenizer(models.tiny)]);
  });

  it('is transformers.js 4.3.1, whose tokenizers come from @huggingface/tokenizers 0.2.0', () => {
    const transformers = installedVersion('@huggingface/transformers', path.join(repoRoot, 'package.json'));
    const tokenizers = installedVersion('@huggingface/tokenizers', transformers.main);
    const why = 'transformersJs.ts writes into the internals these tests check: check them against the new version, then change the pin';
    assert.equal(transformers.version, '4.3.1', why);
    assert.equal(tokenizers.version, '0.2.0', why);
  });

  it('keeps the Unigram model in _tokenizer.model, with the fields the install writes or reads and no others', () => {
    const { model } = internalsOf(stock);
    assert.deepEqual(Object.keys(model).sort(), [...REPLACED, ...KEPT].sort());
    assert.ok(Array.isArray(model.vocab) && Array.isArray(model.scores) && model.tokens_to_ids instanceof Map);
    assert.equal(typeof model.unk_token_id, 'number');
    assert.equal(model.unk_token, model.vocab[model.unk_token_id]);
    assert.equal(model.bos_token, ' ', 'the lattice\'s start token');
    // tokenizeUnigram gives a run of unknown characters as one piece, as this fusing would.
    assert.equal((model as unknown as { fuse_unk: unknown }).fuse_unk, true, 'runs of unknown pieces are fused after encode');
    // tokenize and encode are the methods the install replaces; populate_nodes, the only reader of the trie, is
    // called by tokenize alone; _call (the tokenizer's way in) calls encode.
    const unigram = Object.getPrototypeOf(model);
    assert.deepEqual(Object.getOwnPropertyNames(unigram), ['constructor', 'populate_nodes', 'tokenize', 'encode']);
    assert.deepEqual(Object.getOwnPropertyNames(Object.getPrototypeOf(unigram)), ['constructor', '_call']);
  });

  it('writes each field as the Unigram and tokenizer constructors set it from the whole vocabulary', () => {
    const theirs = internalsOf(stock).model;
    const mine = internalsOf(ours).model;
    assert.ok(mine.vocab.length > JSON.parse(readFileSync(path.join(models.tiny, 'tokenizer.json'), 'utf8')).model.unk_id + 1, 'built on a stub');
    for (const field of REPLACED.filter((f) => f !== 'trie' && f !== 'scores')) {
      assert.deepEqual(mine[field], theirs[field], field);
    }
    assert.deepEqual(Array.from(mine.scores), Array.from(theirs.scores), 'scores');
    assert.deepEqual(Object.keys(mine).sort(), [...Object.keys(theirs), 'encode', 'tokenize'].sort(), 'the same fields, and the two methods as its own');
  });

  it('keeps the added tokens in _tokenizer.added_tokens, with their ids and contents', () => {
    const expected = JSON.parse(readFileSync(path.join(models.tiny, 'tokenizer.json'), 'utf8')).added_tokens;
    const pairs = (tokens: readonly { id: number; content: string }[]) => tokens.map(({ id, content }) => ({ id, content }));
    assert.ok(expected.length > 0);
    assert.deepEqual(pairs(internalsOf(stock).added_tokens), pairs(expected));
  });

  it('encodes through the model\'s encode and takes ids, unknowns and pieces from its fields', async () => {
    const tokenizer = await loadTokenizer(models.tiny);
    const { model } = internalsOf(tokenizer);
    const calls: string[][] = [];
    // One piece per character of each word after its ▁; words ending in "zz" give a piece of no id.
    model.encode = (words) => {
      calls.push(words);
      return words.flatMap((word) => (word.endsWith('zz') ? ['not-a-piece'] : [...word.slice(1)].map(() => 'marker')));
    };
    const markerId = 7;
    model.tokens_to_ids.set('marker', markerId);
    const [bos, eos, pad] = [tokenizer.bos_token_id, tokenizer.eos_token_id, tokenizer.pad_token_id];
    assert.deepEqual(tokenizer.encode('hi'), [bos, markerId, markerId, eos]);
    assert.deepEqual(calls, [['▁hi']], 'encode is given the normalised, pre-tokenised words');
    assert.deepEqual(tokenizer.encode('buzz'), [bos, model.unk_token_id, eos], 'a piece not in tokens_to_ids is unk_token_id');
    const batch = tokenizer(['a', 'hi'], { padding: true, truncation: true });
    assert.deepEqual(Array.from(batch.input_ids.data, Number), [bos, markerId, eos, pad, bos, markerId, markerId, eos]);
    assert.equal(tokenizer.convert_tokens_to_ids('marker'), markerId, 'token ids are looked up in tokens_to_ids');
    model.vocab[markerId] = '▁decoded';
    assert.equal(tokenizer.decode([markerId]), 'decoded', 'decoding reads vocab');
  });
});

describe('transformers.js steps the token count goes through (pinned to the installed version)', () => {
  it('keeps the added tokens by content, the normaliser, pre-tokeniser and template in _tokenizer, as tokenCounter reads them', async () => {
    const tokenizer = await loadTokenizer(models.tiny);
    const t = internalsOf(tokenizer);
    assert.ok(t.added_tokens_map instanceof Map);
    assert.deepEqual([...t.added_tokens_map.keys()].sort(), t.added_tokens.map((token) => token.content).sort(), 'none normalised: content only');
    assert.equal(typeof t.normalizer, 'function');
    assert.equal(t.normalizer!('a\u3000\u3000b  '), 'a b', 'NFKC, runs of white space as one, stripped');
    assert.deepEqual(t.pre_tokenizer!('a b', { section_index: 0 }), ['▁a▁b'], 'Metaspace gives one word');
    assert.equal(t.post_processor?.config?.type, 'TemplateProcessing');
    assert.deepEqual(t.post_processor.config.single!.map((item) => Object.keys(item)[0]), ['SpecialToken', 'Sequence', 'SpecialToken']);
    assert.equal(t.remove_space, undefined);
    assert.equal(t.do_lowercase_and_remove_accent, false);
    assert.equal(t.model.fuse_unk, true);
  });

  it('encodes a text without added tokens as normaliser → pre-tokeniser → model (with fuse_unk) → template', async () => {
    const tokenizer = await loadTokenizer(models.tiny);
    const t = internalsOf(tokenizer);
    const calls: string[] = [];
    const wrap = <F extends (...args: never[]) => unknown>(name: string, f: F): F => ((...args: Parameters<F>) => { calls.push(name); return f(...args); }) as F;
    const { normalizer, pre_tokenizer: preTokenizer, post_processor: post } = t;
    Object.assign(t, { normalizer: wrap('normalizer', normalizer!), pre_tokenizer: wrap('pre_tokenizer', preTokenizer!) });
    const model = t.model as unknown as { encode: (words: string[]) => string[] };
    const encode = model.encode;
    model.encode = wrap('model.encode', encode);
    const postProcess = (post as unknown as { post_process: (...args: unknown[]) => unknown }).post_process.bind(post);
    (post as unknown as { post_process: unknown }).post_process = wrap('post_processor', postProcess);
    tokenizer.encode('Hello  world');
    assert.deepEqual(calls, ['normalizer', 'pre_tokenizer', 'model.encode', 'post_processor']);
  });
});

describe('the transformers.js adapter', () => {
  it('is the only module of src/ that imports transformers.js at run time', () => {
    const runtimeImport = /^\s*(?:import|export)\s+(?!type\s)[^;]*?from\s*['"]@huggingface\/(?:transformers|tokenizers)['"]|(?:import|require)\(\s*['"]@huggingface\/(?:transformers|tokenizers)['"]/m;
    const importers = (readdirSync(path.join(repoRoot, 'src'), { recursive: true }) as string[])
      .filter((file) => file.endsWith('.ts'))
      .filter((file) => runtimeImport.test(readFileSync(path.join(repoRoot, 'src', file), 'utf8')));
    assert.deepEqual(importers, [path.join('node', 'embed', 'transformersJs.ts')]);
  });
});
