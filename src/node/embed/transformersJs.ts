/**
 * transformers.js, for the rest of the code: the one module that imports it at run time. A model and its
 * tokenizer are loaded from a local folder and run through the documented API (AutoModel.from_pretrained,
 * the tokenizer's call and encode, the model's forward call); the section at the end goes further, for the
 * tokenizer's load time and memory and the speed of the chunker's token count, and is pinned to the installed version by test/unit/transformersJs.test.ts.
 */
import { promises as fs, existsSync } from 'node:fs';
import path from 'node:path';
import * as transformers from '@huggingface/transformers';
import { AutoModel, AutoTokenizer, env, PreTrainedTokenizer, type PreTrainedModel, type Tensor } from '@huggingface/transformers';
import type { Device } from '../../common/protocol/worker';
import type { ModelFiles } from './modelFiles';
import { CodePointTrie, countUnigram, LazyPieceTrie, tokenizeUnigram, unigramScores, type TrieParts, type UnknownRun } from './unigram';
import { readTrieFile, savedTrie, type SavedVocabulary } from './vocabularyTrie';

/** The model's last hidden states for a padded batch, and the attention mask that says which are tokens. */
export interface HiddenStates {
  /** batch × seq × dim values, row after row. */
  data: Float32Array;
  /** batch × seq entries: 1n for a token, 0n for padding. */
  mask: BigInt64Array;
  batch: number;
  seq: number;
  dim: number;
  /** Frees the output tensor once it has been read. */
  dispose(): void;
}

/** A sentence-embedding model and its tokenizer, loaded through transformers.js from a local folder. */
export class TransformersModel {
  /** Tokens the model sees for a text, special tokens included (see {@link tokenCounter}). */
  readonly countTokens: (text: string) => number;

  private constructor(private readonly tokenizer: PreTrainedTokenizer, private readonly model: PreTrainedModel, readonly device: Device) {
    this.countTokens = tokenCounter(tokenizer);
  }

  /**
   * Loads the weights `files` names, with `threads` onnxruntime threads on `device` (the CPU by default; the
   * caller checks the device is there, see device.ts), and the tokenizer beside them.
   */
  static async load(files: ModelFiles, threads: number, device: Device = 'cpu', log?: (message: string) => void): Promise<TransformersModel> {
    localFilesOnly();
    const vocabulary = { saved: { dir: files.dir, tokenizerSha256: files.tokenizerSha256 }, log };
    const [tokenizer, model] = await Promise.all([loadTokenizer(files.dir, vocabulary), loadWeights(files, threads, device)]);
    return new TransformersModel(tokenizer, model, device);
  }

  /**
   * The same model in a second onnxruntime session with `threads` threads (onnxruntime fixes a session's
   * threads when it is made), sharing this one's tokenizer. Disposing it leaves this one as it is.
   */
  async withThreads(files: ModelFiles, threads: number): Promise<TransformersModel> {
    return new TransformersModel(this.tokenizer, await loadWeights(files, threads, this.device), this.device);
  }

  /** The tokenizer, for another thread to make the same one without reading its files ({@link tokenizerCopy}). */
  tokenizerCopy(): TokenizerCopy | undefined {
    return tokenizerCopy(this.tokenizer);
  }

  /** The input length the tokenizer's config gives (Infinity or a huge number when it gives none). */
  get maxLength(): number {
    return Number(this.tokenizer.model_max_length);
  }

  /** Runs the model on `texts`, padded to the longest and cut to the model's input length. */
  async hiddenStates(texts: string[]): Promise<HiddenStates> {
    const inputs = this.tokenizer(texts, { padding: true, truncation: true });
    const output = await this.model(inputs);
    const hidden: Tensor = output.last_hidden_state ?? output.token_embeddings;
    const [batch, seq, dim] = hidden.dims;
    return {
      data: hidden.data as Float32Array,
      mask: inputs.attention_mask.data as BigInt64Array,
      batch,
      seq,
      dim,
      dispose: () => hidden.dispose(),
    };
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}

/** The weights `files` names, in an onnxruntime session on `device` with `threads` intra-op threads. */
function loadWeights(files: ModelFiles, threads: number, device: Device): Promise<PreTrainedModel> {
  localFilesOnly();
  return AutoModel.from_pretrained(files.dir, {
    local_files_only: true,
    dtype: files.dtype,
    subfolder: files.subfolder,
    device,
    session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
  });
}

/** Models come from the folder given, never from the hub. */
function localFilesOnly(): void {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
}

/**
 * The tokenizer of a model folder, as AutoTokenizer would load it, but with a SentencePiece Unigram
 * vocabulary (XLM-R's) in the compact form of unigram.ts: transformers.js builds the tokenizer on a stub
 * vocabulary, then gets the real one without its per-character trie ({@link installCompactUnigram}).
 * Other tokenizers (WordPiece, BPE) load as they are. With `vocabulary`, its trie is complete from the start,
 * saved there (vocabularyTrie.ts), and the tokenizer can be copied to another thread ({@link tokenizerCopy});
 * without, the trie fills as text needs it.
 */
export async function loadTokenizer(dir: string, vocabulary?: VocabularySource): Promise<PreTrainedTokenizer> {
  localFilesOnly();
  // The saved trie is read while the tokenizer files are read and parsed (and the model's weights load).
  const trieFile = vocabulary && readTrieFile(vocabulary.saved);
  const configFile = path.join(dir, 'tokenizer_config.json');
  const json = JSON.parse(await fs.readFile(path.join(dir, 'tokenizer.json'), 'utf8'));
  const model = json?.model;
  const vocab = model?.vocab;
  const unkId = model?.unk_id;
  if (model?.type !== 'Unigram' || !Array.isArray(vocab) || !Number.isInteger(unkId) || unkId < 0 || unkId >= vocab.length || !existsSync(configFile)) {
    return AutoTokenizer.from_pretrained(dir, { local_files_only: true });
  }
  const config = JSON.parse(await fs.readFile(configFile, 'utf8'));
  // A stub vocabulary, up to the unknown token whose piece the constructor reads: the per-character trie
  // transformers.js would build of the whole one is what costs the time and memory.
  const files = { json: { ...json, model: { ...model, vocab: vocab.slice(0, unkId + 1) } }, config };
  const tokenizer = new (tokenizerClass(config.tokenizer_class))(files.json, config);
  const own = vocab.map(([piece]: [string, number]) => piece);
  const { scores, minScore, unkScore } = unigramScores(vocab, unkId);
  const lookup = lookupOf(own, tokenizer);
  // The trie holds the vocabulary's own pieces; a piece's id is looked up after the added tokens, as
  // transformers.js does when it meets the piece.
  const complete = vocabulary && await savedTrie(own, lookup.ids, vocabulary.saved, vocabulary.log, trieFile);
  const trie = new LazyPieceTrie(own, lookup.ids, complete);
  // The Unigram constructor looks its start and end tokens up before the added tokens come in.
  const ownId = (piece: string) => {
    const id = own.lastIndexOf(piece);
    return id >= 0 ? id : undefined;
  };
  const unkPiece = own[unkId];
  const looked = installCompactUnigram(tokenizer, { unkId, unkPiece, scores, minScore, unkScore, trie, lookup: () => lookup }, ownId);
  if (complete) copies.set(tokenizer, { ...files, own, unkId, unkPiece, scores, minScore, unkScore, trie: complete.parts, longest: trie.longest, looked });
  return tokenizer;
}

/** The class AutoTokenizer would pick for `tokenizer_class` (it sets e.g. whether token type ids are returned). */
function tokenizerClass(name: unknown): typeof PreTrainedTokenizer {
  const named = (transformers as Record<string, unknown>)[String(name ?? '').replace(/Fast$/, '')];
  return typeof named === 'function' && named.prototype instanceof PreTrainedTokenizer
    ? named as typeof PreTrainedTokenizer
    : PreTrainedTokenizer;
}

/** Where the complete trie of a tokenizer's vocabulary is saved, and who hears why it could not be read or saved there. */
export interface VocabularySource {
  saved: SavedVocabulary;
  log?: (message: string) => void;
}

/**
 * A tokenizer with the compact vocabulary, for another thread to make the same one (the reading thread,
 * readThread.ts) without reading tokenizer.json again: parsing XLM-R's and building its lookups takes ~0.7 s
 * of the thread's start. The tokenizer files come without the vocabulary; the vocabulary's pieces, scores and
 * complete trie come in shared memory, with the ids the install looked up in it. The pieces themselves and
 * their ids are made on that side only if asked for (to decode, or for a text that holds an added token).
 */
export interface TokenizerCopy {
  json: unknown;
  config: { tokenizer_class?: string };
  /** The vocabulary's own pieces, UTF-16 code units one after another, and where each one ends. */
  units: Uint16Array;
  ends: Int32Array;
  unkId: number;
  unkPiece: string;
  scores: Float64Array;
  minScore: number;
  unkScore: number;
  trie: TrieParts;
  longest: number;
  looked: LookedUp;
}

/** What {@link tokenizerCopy} needs of a tokenizer, kept from its load; the pieces go to shared memory when first asked for. */
type CopySource = Omit<TokenizerCopy, 'units' | 'ends'> & { own: readonly string[] };
const copies = new WeakMap<PreTrainedTokenizer, CopySource>();
const madeCopies = new WeakMap<PreTrainedTokenizer, TokenizerCopy>();

/** The copy of a tokenizer loaded with a complete trie, for another thread ({@link tokenizerFromCopy}); none for others. */
export function tokenizerCopy(tokenizer: PreTrainedTokenizer): TokenizerCopy | undefined {
  const made = madeCopies.get(tokenizer);
  if (made) return made;
  const source = copies.get(tokenizer);
  if (!source) return undefined;
  const { own, ...rest } = source;
  const ends = new Int32Array(new SharedArrayBuffer(4 * own.length));
  let total = 0;
  for (let i = 0; i < own.length; i++) ends[i] = total += own[i].length;
  const units = new Uint16Array(new SharedArrayBuffer(2 * total));
  for (let i = 0, at = 0; i < own.length; i++) for (let k = 0; k < own[i].length; k++) units[at++] = own[i].charCodeAt(k);
  const copy = { ...rest, units, ends };
  madeCopies.set(tokenizer, copy);
  return copy;
}

/** The tokenizer `copy` was made of ({@link tokenizerCopy}), on this thread. */
export function tokenizerFromCopy(copy: TokenizerCopy): PreTrainedTokenizer {
  localFilesOnly();
  const tokenizer = new (tokenizerClass(copy.config.tokenizer_class))(copy.json as object, copy.config);
  let lookup: Lookup | undefined;
  const own = () => Array.from(copy.ends, (end, i) => String.fromCharCode(...copy.units.subarray(i ? copy.ends[i - 1] : 0, end)));
  const trie = new LazyPieceTrie([], new Map(), new CodePointTrie(copy.trie), copy.longest);
  installCompactUnigram(tokenizer, { ...copy, trie, lookup: () => (lookup ??= lookupOf(own(), tokenizer)) }, copy.looked);
  return tokenizer;
}

/** The complete trie of a tokenizer's vocabulary, if it was loaded with one. */
export function vocabularyOf(tokenizer: PreTrainedTokenizer): TrieParts | undefined {
  return copies.get(tokenizer)?.trie;
}

// ── Beyond the documented API ─────────────────────────────────────────────────────────────────────────────
// transformers.js offers no way to give a Unigram tokenizer another vocabulary lookup, so the compact one is
// written into the model of a tokenizer built on a stub vocabulary. Only the model's `tokenize` and `encode`
// are replaced: normalisation, pre-tokenisation, the fusing of unknown pieces, special tokens and decoding stay
// transformers.js's own. This relies on the fields below, on the tokenizer calling its model's `encode` with
// the words of a text, and on ids, unknowns and decoding being read from `tokens_to_ids`, `unk_token_id` and
// `vocab`. The chunker's token count ({@link tokenCounter}) goes through the tokenizer's steps itself: it relies
// on `encode` running the normaliser, pre-tokeniser, model (with fuse_unk) and TemplateProcessing's `single`
// template on a text that holds no added token. test/unit/transformersJs.test.ts checks each of these against transformers.js 4.3.1 (its tokenizers
// come from @huggingface/tokenizers 0.2.0) and fails on any other version, so an upgrade cannot change tokens
// unnoticed.

/** Where a transformers.js tokenizer keeps its model, added tokens and steps (not in its types). */
export interface TokenizerInternals {
  _tokenizer: {
    model: UnigramModelInternals;
    added_tokens: readonly { id: number; content: string }[];
    /** Each added token by its content (and by its normalised content): where a text is split before anything else. */
    added_tokens_map: ReadonlyMap<string, unknown>;
    normalizer: ((text: string) => string) | null;
    pre_tokenizer: ((text: string, options: { section_index: number }) => string[]) | null;
    post_processor: { config?: { type?: string; single?: readonly object[] } } | null;
    remove_space: unknown;
    do_lowercase_and_remove_accent: unknown;
  };
}

/** The fields the Unigram model's constructor derives from the vocabulary, and the methods the tokenizer calls. */
export interface UnigramModelInternals {
  vocab: string[];
  scores: ArrayLike<number>;
  tokens_to_ids: Map<string, number>;
  unk_token_id: number;
  unk_token: string;
  unk_score: number;
  min_score: number;
  bos_token: string;
  bos_token_id: number | undefined;
  eos_token: unknown;
  eos_token_id: number | undefined;
  trie: unknown;
  fuse_unk: boolean;
  tokenize(normalized: string): string[];
  encode(words: string[]): string[];
}

/** The special tokens whose ids the tokenizer's constructor looked up. */
const SPECIAL_TOKENS = ['mask', 'pad', 'sep', 'unk', 'bos', 'eos'] as const;

/** Every piece by id and every id by piece, as the Unigram constructor and then the tokenizer's added tokens leave them. */
interface Lookup {
  pieces: string[];
  ids: Map<string, number>;
}

function lookupOf(own: readonly string[], tokenizer: PreTrainedTokenizer): Lookup {
  const pieces = [...own];
  const ids = new Map(pieces.map((piece, id) => [piece, id]));
  for (const token of (tokenizer as unknown as TokenizerInternals)._tokenizer.added_tokens) {
    ids.set(token.content, token.id);
    pieces[token.id] = token.content;
  }
  return { pieces, ids };
}

/** The ids the install looks up in the vocabulary: the model's start and end tokens, and the special tokens. */
interface LookedUp {
  bos: number | undefined;
  eos: number | undefined;
  special: Partial<Record<(typeof SPECIAL_TOKENS)[number], number>>;
}

/**
 * Gives the Unigram model of `tokenizer`, built on a stub vocabulary, the whole vocabulary — the same fields its
 * constructor and the tokenizer's added tokens would have set — and the compact lookup and search in place of
 * its trie and lattice. The pieces and ids (`lookup`) are made when first read. `looked` is how to look up a
 * piece of the vocabulary's own (without the added tokens), or the ids an install of the same vocabulary
 * looked up. Gives the ids it looked up.
 */
function installCompactUnigram(
  tokenizer: PreTrainedTokenizer,
  v: { unkId: number; unkPiece: string; scores: Float64Array; minScore: number; unkScore: number; trie: LazyPieceTrie; lookup: () => Lookup },
  looked: LookedUp | ((piece: string) => number | undefined),
): LookedUp {
  const { model } = (tokenizer as unknown as TokenizerInternals)._tokenizer;
  const { unkId, scores, unkScore, trie } = v;
  // In the order of the Unigram constructor; the pieces and ids hold the added tokens (the tokenizer
  // constructor's work) from the start.
  for (const [field, made] of [['vocab', () => v.lookup().pieces], ['tokens_to_ids', () => v.lookup().ids]] as const) {
    let value: unknown;
    Object.defineProperty(model, field, {
      get: () => (value ??= made()),
      set: (x: unknown) => { value = x; },
      enumerable: true,
      configurable: true,
    });
  }
  model.unk_token_id = unkId;
  model.unk_token = v.unkPiece;
  const known = typeof looked === 'function' ? undefined : looked;
  const ownId = typeof looked === 'function' ? looked : () => undefined;
  model.bos_token_id = known ? known.bos : ownId(model.bos_token);
  model.eos_token_id = known ? known.eos : typeof model.eos_token === 'string' ? ownId(model.eos_token) : undefined;
  model.min_score = v.minScore;
  model.unk_score = unkScore;
  model.scores = scores;
  model.trie = trie;
  model.tokenize = (normalized) => tokenizeUnigram(normalized, trie, scores, unkScore);
  // One push per piece: transformers.js spreads each word's pieces into push(...), which overflows the
  // stack past ~120k tokens.
  model.encode = (words) => {
    const out: string[] = [];
    for (const word of words) for (const piece of model.tokenize(word)) out.push(piece);
    return out;
  };
  // A piece's id, as tokens_to_ids gives it: with a complete trie, from the added tokens and the trie, so that
  // counting never needs the whole map (made on first use).
  const added = new Map((tokenizer as unknown as TokenizerInternals)._tokenizer.added_tokens.map((t) => [t.content, t.id]));
  const ids = trie.complete
    ? { get: (piece: string) => added.get(piece) ?? trie.trie.pieceId(piece) }
    : { get: (piece: string) => model.tokens_to_ids.get(piece) };
  compactCounts.set(tokenizer, (text, run) => countUnigram(text, trie, scores, unkScore, unkId, ids, run));
  // The constructor looked the special tokens up in the stub vocabulary: look them up again.
  const special: LookedUp['special'] = {};
  for (const name of SPECIAL_TOKENS) {
    const token = tokenizer[`${name}_token`];
    if (typeof token !== 'string') continue;
    const id = known ? known.special[name]! : tokenizer.convert_tokens_to_ids(token);
    special[name] = id;
    tokenizer[`${name}_token_id`] = id;
  }
  return { bos: model.bos_token_id, eos: model.eos_token_id, special };
}

/** The compact vocabulary's piece count of one word, for each tokenizer it is installed in. */
const compactCounts = new WeakMap<PreTrainedTokenizer, (word: string, run: UnknownRun | undefined) => number>();
const counters = new WeakMap<PreTrainedTokenizer, (text: string) => number>();
/** The words whose counts a token counter keeps (at most a few MB): so many, of at most so many characters. */
const WORD_COUNTS_KEPT = { words: 50_000, length: 32 };

/**
 * `tokenizer.encode(text).length`, counted without making the tokens, ids and attention mask (the chunker
 * counts every passage it cuts, several times): a text goes through the tokenizer's own normaliser and
 * pre-tokeniser, the compact vocabulary counts each word's pieces after the fusing of unknown ones, and the
 * post-processor's template adds its special tokens. This follows transformers.js's `encode_text` for a text
 * that holds no added token before or after normalisation; a text that does, and a tokenizer of another shape
 * (no compact vocabulary, other options, another post-processor), are counted by `encode` itself.
 */
export function tokenCounter(tokenizer: PreTrainedTokenizer): (text: string) => number {
  let counter = counters.get(tokenizer);
  if (!counter) {
    counter = makeTokenCounter(tokenizer);
    counters.set(tokenizer, counter);
  }
  return counter;
}

function makeTokenCounter(tokenizer: PreTrainedTokenizer): (text: string) => number {
  const encodeLength = (text: string): number => tokenizer.encode(text).length;
  const countWord = compactCounts.get(tokenizer);
  const t = (tokenizer as unknown as TokenizerInternals)._tokenizer;
  const post = t.post_processor;
  const template = post === null ? [] : post.config?.type === 'TemplateProcessing' ? post.config.single : undefined;
  if (!countWord || !template || t.remove_space === true || t.do_lowercase_and_remove_accent || !(t.added_tokens_map instanceof Map)) return encodeLength;
  const specials = template.filter((item) => 'SpecialToken' in item).length;
  const added = [...t.added_tokens_map.keys()];
  const holdsAdded = (text: string): boolean => added.some((content) => text.includes(content));
  const { normalizer, pre_tokenizer: preTokenizer, model } = t;
  const fuse = !!model.fuse_unk;
  // Each word's count, times 4, plus 2 if its first piece is of unknown id and 1 if its last one is. The chunker
  // counts the same words again as it tries longer and shorter passages, and most words recur in a workspace.
  const counted = new Map<string, number>();
  const probe: UnknownRun = { open: false };
  const packedCount = (word: string): number => {
    let packed = counted.get(word);
    if (packed === undefined) {
      probe.open = false;
      const n = countWord(word, fuse ? probe : undefined);
      packed = n * 4 + (fuse && probe.opens ? 2 : 0) + (fuse && probe.open ? 1 : 0);
      if (word.length <= WORD_COUNTS_KEPT.length) {
        if (counted.size >= WORD_COUNTS_KEPT.words) counted.clear();
        counted.set(word, packed);
      }
    }
    return packed;
  };
  return (text) => {
    if (text.length === 0) return specials;
    if (holdsAdded(text)) return encodeLength(text);
    const normalized = normalizer === null ? text : normalizer(text);
    if (normalized.length === 0) return specials;
    if (holdsAdded(normalized)) return encodeLength(text);
    // One section, one subsection: the model is called once, on the pre-tokeniser's words, and fuses across them.
    const words = preTokenizer === null ? [normalized] : preTokenizer(normalized, { section_index: 0 });
    let open = false;
    let count = specials;
    for (const word of words) {
      const packed = packedCount(word);
      if (packed < 4) continue; // no piece (an empty word): a run of unknown pieces goes on past it
      count += Math.floor(packed / 4);
      if (open && packed & 2) count--;
      open = (packed & 1) === 1;
    }
    return count;
  };
}
