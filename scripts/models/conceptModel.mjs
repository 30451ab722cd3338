// The "concept" model: a stand-in for the real multilingual model whose cross-language behaviour is known
// exactly, so tests can assert that a Korean query finds an English document.
//
// How it works:
// - Tokenizer: every word of every concept (concepts.mjs) is a whole piece, with and without the "▁"
//   word-start marker, scored higher than anything else so the Viterbi search keeps it whole even inside
//   space-less Chinese/Japanese text. Around them: common words of each language, English affixes and
//   2-4 letter fragments, and single characters (printable ASCII, Latin/Greek/Cyrillic, punctuation,
//   kana, every Hangul syllable, every CJK Unified Ideograph), so any text tokenizes with realistic-ish
//   token counts; what is left becomes <unk>.
// - Network: a BertModel with 0 encoder layers and no embedding LayerNorm, so
//   last_hidden_state[t] = word[id_t] + position[t] + token_type[0]. All pieces of concept c share the
//   row v_c; every other row is zero; position rows are zero. After mean pooling and L2 normalisation a
//   text's vector is normalise(Σ over its concept tokens of v_c + n·ε·e0) — the same in every language.
// - The v_c are orthonormal (random, then Gram-Schmidt) in dimensions 1..H-1, so two texts' cosine is
//   exactly their concept overlap: e.g. 1 for the same concepts, 0 for disjoint ones, 2/3 for 2 shared
//   concepts out of 3 each.
// - ε·e0 (ε = 1e-3, dimension 0, via the token-type row that every token gets) keeps a text without any
//   concept from becoming the zero vector (normalising it would give NaN); it is far too small to matter
//   otherwise: 100 tokens shift a one-concept text's vector by ~0.5 %.
import { CONCEPTS, LANGUAGES } from './concepts.mjs';
import { seededRandom } from './seededRandom.mjs';
import { Vocabulary, WORD_START, addCharRange } from './tokenizer.mjs';
import { CHINESE_WORDS, ENGLISH_AFFIXES, ENGLISH_WORDS, JAPANESE_WORDS, KOREAN_WORDS, TECH_WORDS } from './words.mjs';

/** Added to every token's embedding, along dimension 0 (see above). */
export const BACKGROUND = 1e-3;

/**
 * Unigram scores (log-probabilities: higher wins). Concept pieces beat everything; a concept word
 * written as common words + characters always scores lower than the concept piece, so e.g.
 * "数据库连接" reads as 数据库 + 连接. Word-start variants score a little higher than bare ones because the
 * alternative "▁" + bare piece costs an extra piece.
 */
const SCORE = {
  wordStart: -3,
  concept: -4, conceptBare: -4.5, conceptEnglishBare: -5,
  word: -6, wordCapitalised: -6.2, wordBare: -6.5,
  affix: -7.5, affixWordStart: -7.8, fragment: -8, fragmentWordStart: -8.3,
  ascii: -9, asciiWordStart: -9.5,
  kana: -9, kanaWordStart: -9.5, hangul: -9.5, hangulWordStart: -10, han: -9.5, other: -10, otherWordStart: -10.5,
};

/** @param {string} w */
const capitalise = (w) => w.charAt(0).toUpperCase() + w.slice(1);

/**
 * The spellings a concept word gets pieces for: English words also Capitalised (sentence starts,
 * headings, CamelCase identifiers) and UPPERCASE (constants, acronyms).
 * @param {string} word
 * @param {string} language
 */
function spellings(word, language) {
  return language === 'en' ? [...new Set([word, capitalise(word), word.toUpperCase()])] : [word];
}

/**
 * Checks the concept list's rules (see concepts.mjs) and maps every concept spelling to its concept index.
 * @param {typeof CONCEPTS} concepts
 * @returns {Map<string, number>} normalised spelling → concept index
 */
function indexConceptWords(concepts) {
  /** @type {Map<string, number>} */
  const owner = new Map();
  const ids = new Set();
  concepts.forEach((concept, index) => {
    if (ids.has(concept.id)) throw new Error(`duplicate concept id ${concept.id}`);
    ids.add(concept.id);
    for (const language of LANGUAGES) {
      if (!concept[language].length) throw new Error(`concept ${concept.id} has no ${language} word`);
      for (const word of concept[language]) {
        if (/\s/u.test(word)) throw new Error(`concept word with a space: ${JSON.stringify(word)}`);
        if (language === 'en' && word !== word.toLowerCase()) throw new Error(`English concept words are lowercase: ${word}`);
        for (const s of spellings(word.normalize('NFKC'), language)) {
          const previous = owner.get(s);
          if (previous !== undefined && previous !== index) {
            throw new Error(`"${s}" belongs to two concepts: ${concepts[previous].id} and ${concept.id}`);
          }
          owner.set(s, index);
        }
      }
    }
  });
  return owner;
}

/**
 * The concept model's vocabulary, and which concept each concept piece stands for.
 * @param {typeof CONCEPTS} [concepts]
 * @returns {{vocab: Vocabulary, conceptOfPiece: Map<string, number>}}
 */
export function conceptVocabulary(concepts = CONCEPTS) {
  const owner = indexConceptWords(concepts);
  const vocab = new Vocabulary();
  /** @type {Map<string, number>} */
  const conceptOfPiece = new Map();
  vocab.add(WORD_START, SCORE.wordStart);

  // 1. concept pieces first, so that no generic piece can claim the same string
  for (const [spelling, index] of owner) {
    const english = /^[\x20-\x7e]+$/.test(spelling);
    vocab.add(WORD_START + spelling, SCORE.concept);
    vocab.add(spelling, english ? SCORE.conceptEnglishBare : SCORE.conceptBare);
    conceptOfPiece.set(WORD_START + spelling, index);
    conceptOfPiece.set(spelling, index);
  }
  // 2. common words (zero embeddings): whole words beat character sequences
  for (const w of [...ENGLISH_WORDS, ...TECH_WORDS]) {
    vocab.add(WORD_START + w, SCORE.word);
    vocab.add(WORD_START + capitalise(w), SCORE.wordCapitalised);
  }
  for (const w of TECH_WORDS) vocab.add(w, SCORE.wordBare); // also inside URLs and paths: "/src/", ".json"
  for (const w of [...KOREAN_WORDS, ...JAPANESE_WORDS, ...CHINESE_WORDS]) {
    const n = w.normalize('NFKC');
    vocab.add(WORD_START + n, SCORE.word);
    vocab.add(n, SCORE.wordBare); // particles and CJK words follow other text without a space
  }
  for (const a of ENGLISH_AFFIXES) {
    vocab.add(a, SCORE.affix);
    vocab.add(WORD_START + a, SCORE.affixWordStart);
  }
  // English fragments: the 2-4 letter pieces of the known words, so an unknown English word splits into
  // a few fragments (as with the real 250k vocabulary) rather than into single letters
  for (const fragment of englishFragments([...ENGLISH_WORDS, ...TECH_WORDS])) {
    vocab.add(fragment, SCORE.fragment);
    vocab.add(WORD_START + fragment, SCORE.fragmentWordStart);
    vocab.add(WORD_START + capitalise(fragment), SCORE.fragmentWordStart);
  }
  // 3. single characters, so that every ordinary character has a piece
  addCharRange(vocab, 0x21, 0x7e, SCORE.ascii, SCORE.asciiWordStart); // printable ASCII
  addCharRange(vocab, 0xa1, 0x24f, SCORE.other, SCORE.otherWordStart); // Latin-1 + Latin Extended A/B
  addCharRange(vocab, 0x370, 0x4ff, SCORE.other, SCORE.otherWordStart); // Greek, Cyrillic
  addCharRange(vocab, 0x2010, 0x205e, SCORE.other, SCORE.otherWordStart); // dashes, quotes, bullets, …
  addCharRange(vocab, 0x3001, 0x303f, SCORE.kana); // CJK punctuation (、。「」…)
  addCharRange(vocab, 0x3041, 0x30ff, SCORE.kana, SCORE.kanaWordStart); // hiragana, katakana, ー
  addCharRange(vocab, 0x3131, 0x318e, SCORE.other); // Hangul compatibility jamo (ㅋㅋ)
  addCharRange(vocab, 0xac00, 0xd7a3, SCORE.hangul, SCORE.hangulWordStart); // every Hangul syllable
  addCharRange(vocab, 0x4e00, 0x9fff, SCORE.han); // CJK Unified Ideographs
  return { vocab, conceptOfPiece };
}

/**
 * All 2-4 letter substrings of the given words (lowercase letters only), sorted for a stable order.
 * @param {readonly string[]} words
 */
function englishFragments(words) {
  const set = new Set();
  for (const w of words) {
    const lower = w.toLowerCase();
    if (!/^[a-z]+$/.test(lower)) continue;
    for (let n = 2; n <= 4; n++) for (let i = 0; i + n <= lower.length; i++) set.add(lower.slice(i, i + n));
  }
  return [...set].sort();
}

/**
 * The network's shape: wide enough for one orthogonal direction per concept plus the background one.
 * @param {number} vocabSize
 * @param {number} conceptCount
 * @returns {import('./bert.mjs').BertShape}
 */
export function conceptShape(vocabSize, conceptCount) {
  const hidden = Math.max(64, 32 * Math.ceil((conceptCount + 1) / 32));
  return { layers: 0, hidden, heads: 4, ffn: 4 * hidden, maxPositions: 512, vocabSize, embeddingLayerNorm: false };
}

/**
 * `count` random orthonormal vectors of length `dim` (Gram-Schmidt on uniform noise, in float64).
 * Only +, *, / and sqrt are used, so the result is bit-identical on every platform.
 * @param {number} count
 * @param {number} dim
 * @param {number} seed
 */
function orthonormalVectors(count, dim, seed) {
  if (count > dim) throw new Error(`${count} orthogonal vectors need at least ${count} dimensions`);
  const rand = seededRandom(seed);
  /** @type {Float64Array[]} */
  const basis = [];
  while (basis.length < count) {
    const v = Float64Array.from({ length: dim }, () => rand() * 2 - 1);
    for (const b of basis) {
      let dot = 0;
      for (let i = 0; i < dim; i++) dot += v[i] * b[i];
      for (let i = 0; i < dim; i++) v[i] -= dot * b[i];
    }
    let norm = 0;
    for (let i = 0; i < dim; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    if (norm < 1e-6) continue; // (practically never) nearly dependent: draw another
    for (let i = 0; i < dim; i++) v[i] /= norm;
    basis.push(v);
  }
  return basis;
}

/**
 * The concept model's weights: the word table holds each concept's vector in the rows of its pieces.
 * @param {string[]} pieces piece of each token id
 * @param {Map<string, number>} conceptOfPiece
 * @param {number} conceptCount
 * @param {import('./bert.mjs').BertShape} shape
 * @param {number} seed
 * @returns {import('./bert.mjs').BertWeights}
 */
export function conceptWeights(pieces, conceptOfPiece, conceptCount, shape, seed) {
  const H = shape.hidden;
  // dimension 0 is the background direction; concepts use 1..H-1
  const vectors = orthonormalVectors(conceptCount, H - 1, seed);
  const word = new Float32Array(pieces.length * H);
  pieces.forEach((piece, id) => {
    const c = conceptOfPiece.get(piece);
    if (c === undefined) return;
    for (let i = 1; i < H; i++) word[id * H + i] = vectors[c][i - 1];
  });
  const tokenType = new Float32Array(2 * H);
  tokenType[0] = BACKGROUND;
  tokenType[H] = BACKGROUND;
  return { word, position: new Float32Array(shape.maxPositions * H), tokenType, layers: [] };
}
