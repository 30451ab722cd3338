// XLM-R-style SentencePiece Unigram tokenizer files, written from a list of (piece, score) pairs.
//
// The real model's tokenizer.json has the same structure: NFKC-ish normalisation, a Metaspace
// pre-tokenizer (spaces become "▁", one is prepended to the text), a Unigram model whose Viterbi search
// picks the segmentation with the highest total score, and <s> … </s> around every sequence. Ids follow
// XLM-R: <s>=0 <pad>=1 </s>=2 <unk>=3, <mask> last.
//
// Scores are log-probabilities, so a segmentation into few good pieces beats one into many single
// characters; callers choose scores to steer which segmentation wins (see conceptModel.mjs).

/** Special tokens with XLM-R's ids 0..3. */
export const SPECIAL_TOKENS = Object.freeze(['<s>', '<pad>', '</s>', '<unk>']);
export const MASK_TOKEN = '<mask>';
export const UNK_ID = 3;
/** SentencePiece's word-start marker (U+2581), what Metaspace turns spaces into. */
export const WORD_START = '\u2581';

/**
 * An ordered piece → score map. The first score given for a piece wins, so callers add the pieces that
 * matter most (concept words) before generic ones (characters) that may repeat them.
 */
export class Vocabulary {
  constructor() {
    /** @type {Map<string, number>} */
    this.scores = new Map();
  }
  /**
   * Adds a piece unless it is empty, special or already present. Pieces must already be normalised
   * (NFKC) because the tokenizer normalises the text before matching.
   * @param {string} piece
   * @param {number} score
   * @returns {boolean} whether it was added
   */
  add(piece, score) {
    if (!piece || this.scores.has(piece) || SPECIAL_TOKENS.includes(piece) || piece === MASK_TOKEN) return false;
    if (piece.normalize('NFKC') !== piece) throw new Error(`piece is not NFKC-normalised: ${JSON.stringify(piece)}`);
    this.scores.set(piece, score);
    return true;
  }
  /** @param {string} piece */
  has(piece) {
    return this.scores.has(piece);
  }
  get size() {
    return this.scores.size;
  }
}

/**
 * Adds every code point in [from, to] as a single-character piece, optionally also "▁" + character.
 * Unassigned code points are skipped: NFKC leaves them alone, but they can never occur in real text.
 * @param {Vocabulary} vocab
 * @param {number} from
 * @param {number} to
 * @param {number} score
 * @param {number | null} [wordStartScore] score of the "▁c" variant, or null for none
 */
export function addCharRange(vocab, from, to, score, wordStartScore = null) {
  for (let cp = from; cp <= to; cp++) {
    const c = String.fromCodePoint(cp);
    // NFKC-unstable characters (compatibility forms) can never reach the model, so they need no piece
    if (!/\p{Assigned}/u.test(c) || c.normalize('NFKC') !== c || /\s|\p{Cc}/u.test(c)) continue;
    vocab.add(c, score);
    if (wordStartScore !== null) vocab.add(WORD_START + c, wordStartScore);
  }
}

/**
 * Pads a piece list with synthetic pieces up to `padTo` total tokens (specials included), to mimic the real
 * 250,002-piece vocabulary: the embedding table and the tokenizer's lookup structures get their real size.
 * Every synthetic piece contains a private-use character, so no real text ever produces one.
 * @param {[string, number][]} pieces
 * @param {number} padTo
 */
function padPieces(pieces, padTo) {
  let seed = 7;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  // + specials + <mask>
  for (let i = 0; pieces.length + SPECIAL_TOKENS.length + 1 < padTo; i++) {
    const length = 2 + Math.floor(rand() * 9);
    let w = WORD_START;
    for (let j = 0; j < length; j++) w += String.fromCharCode((rand() < 0.7 ? 0x61 : 0x430) + Math.floor(rand() * 26));
    pieces.push([`${w}\ue000${i.toString(36)}`, -(8 + Math.round(rand() * 12e4) / 1e4)]);
  }
}

/**
 * @typedef {object} TokenizerFiles
 * @property {Record<string, object>} files file name → JSON content (tokenizer.json, tokenizer_config.json, special_tokens_map.json)
 * @property {string[]} pieces piece of each token id (index = id), for building embedding tables
 */

/**
 * Builds the tokenizer files for a vocabulary.
 * @param {Vocabulary} vocab
 * @param {{padTo?: number, modelMaxLength?: number}} [opts] modelMaxLength: 128 like the real model,
 *   which was trained on at most 128 tokens (the pipeline truncates to it)
 * @returns {TokenizerFiles}
 */
export function buildTokenizerFiles(vocab, { padTo = 0, modelMaxLength = 128 } = {}) {
  /** @type {[string, number][]} */
  const pieces = [...vocab.scores.entries()];
  if (padTo) padPieces(pieces, padTo);
  /** @type {[string, number][]} */
  const list = [...SPECIAL_TOKENS.map((s) => /** @type {[string, number]} */ ([s, 0])), ...pieces, [MASK_TOKEN, 0]];
  const maskId = list.length - 1;
  const addedTokens = [...SPECIAL_TOKENS.map((s, i) => /** @type {[string, number]} */ ([s, i])), [MASK_TOKEN, maskId]]
    .map(([content, id]) => ({
      id, content, single_word: false, lstrip: content === MASK_TOKEN, rstrip: false, normalized: false, special: true,
    }));
  const special = (/** @type {string} */ id) => ({ SpecialToken: { id, type_id: 0 } });
  const sequence = (/** @type {string} */ id) => ({ Sequence: { id, type_id: 0 } });
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    // The real file uses a binary "Precompiled" charsmap; NFKC + whitespace folding is what it amounts to
    // for ordinary text (tabs/newlines become spaces, runs of spaces collapse, ends are trimmed).
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'NFKC' },
        { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' },
        { type: 'Strip', strip_left: true, strip_right: true },
      ],
    },
    pre_tokenizer: { type: 'Metaspace', replacement: WORD_START, prepend_scheme: 'always', split: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('<s>'), sequence('A'), special('</s>')],
      pair: [special('<s>'), sequence('A'), special('</s>'), special('</s>'), sequence('B'), special('</s>')],
      special_tokens: {
        '<s>': { id: '<s>', ids: [0], tokens: ['<s>'] },
        '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] },
      },
    },
    decoder: { type: 'Metaspace', replacement: WORD_START, prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: UNK_ID, vocab: list, byte_fallback: false },
  };
  const specialTokensMap = {
    bos_token: '<s>', cls_token: '<s>', eos_token: '</s>', mask_token: MASK_TOKEN,
    pad_token: '<pad>', sep_token: '</s>', unk_token: '<unk>',
  };
  const tokenizerConfig = {
    tokenizer_class: 'XLMRobertaTokenizer',
    model_max_length: modelMaxLength,
    do_lower_case: false,
    clean_up_tokenization_spaces: true,
    ...specialTokensMap,
  };
  return {
    files: {
      'tokenizer.json': tokenizer,
      'tokenizer_config.json': tokenizerConfig,
      'special_tokens_map.json': specialTokensMap,
    },
    pieces: list.map(([p]) => p),
  };
}

/**
 * A small vocabulary learnt (crudely) from sample sentences: whole words, a few affixes, and single
 * characters (printable ASCII, kana, and every character of the corpus). This is the tiny model's
 * tokenizer: a few hundred pieces, so the tiny model stays a few hundred KB.
 * @param {readonly string[]} corpus
 * @param {readonly string[]} cjkWords words of space-less scripts worth a piece of their own
 * @param {readonly string[]} affixes English suffixes/prefixes
 */
export function corpusVocabulary(corpus, cjkWords, affixes) {
  const vocab = new Vocabulary();
  vocab.add(WORD_START, -3);
  // whole space-delimited words score well, so the Viterbi search prefers them to characters
  for (const line of corpus) {
    for (const raw of line.normalize('NFKC').split(/\s+/)) {
      const word = raw.replace(/[.,?!。、，？！]+$/u, '');
      vocab.add(WORD_START + word, -6);
      vocab.add(WORD_START + word.toLowerCase(), -6.5);
    }
  }
  for (const w of cjkWords) vocab.add(w.normalize('NFKC'), -6.2);
  for (const a of affixes) {
    vocab.add(a, -8);
    vocab.add(WORD_START + a, -8.5);
  }
  const isWide = (/** @type {string} */ c) => /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/u.test(c);
  addCharRange(vocab, 0x21, 0x7e, -10, -10.5);
  addCharRange(vocab, 0x3041, 0x30ff, -9, -9.5);
  for (const line of corpus) {
    for (const c of line.normalize('NFKC')) {
      if (!c.trim()) continue;
      vocab.add(c, isWide(c) ? -9 : -10);
      vocab.add(WORD_START + c, isWide(c) ? -9.5 : -10.5);
    }
  }
  return vocab;
}
