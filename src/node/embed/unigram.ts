/**
 * A faster, smaller lookup for SentencePiece Unigram vocabularies (XLM-R's 250,002 pieces), which
 * transformersJs.ts installs into a transformers.js tokenizer in place of its own.
 *
 * transformers.js builds its Unigram model with a character trie of one object and one Map per node, and
 * tokenises with a lattice of node objects that are cloned at every step. For XLM-R that costs ~1.2 s and
 * ~370 MB at load — more than the whole start-up budget and half the worker's memory — and makes every
 * token count of the chunker slow. Here the same vocabulary goes into a trie held in typed arrays
 * (an open-addressing table of (node, code point) → child), and the best segmentation is found by the same
 * Viterbi search written over flat arrays.
 *
 * The result must be the same as transformers.js's, token for token (the unit tests compare both on real
 * text): pieces are matched by code point from every position, a position no single-character piece
 * covers gets the unknown token with the minimum score − 10, and of equally good ways to reach a position
 * the one found first (the one starting earliest) wins, as with transformers.js's strict `>`. transformers.js
 * fuses unknown tokens by appending one character at a time to a string it looks up in a Map (quadratic in a
 * run of unknown characters: 1.6 s for 100k CJK characters the vocabulary lacks), so runs of unknown
 * characters leave {@link tokenizeUnigram} already fused, which changes no id.
 */

const EMPTY = 0;
/** Keys are node × CODE_POINTS + code point + 1 (below 2^53 for any node count a vocabulary can give). */
const CODE_POINTS = 0x110000;

/** What a trie is made of: its arrays and counts, to share with another thread or to save (vocabularyTrie.ts). */
export interface TrieParts {
  keys: Float64Array;
  children: Int32Array;
  tokens: Int32Array;
  nodes: number;
  used: number;
}

/**
 * A trie over code points: nodes are numbers (0 is the root), each may end a piece (its token id). The
 * edges live in one open-addressing table of `capacity` slots (a power of two), doubled as it fills; a
 * `shared` trie keeps its arrays in shared memory, which another thread can read without a copy.
 */
export class CodePointTrie {
  private keys: Float64Array;
  private children: Int32Array;
  private mask: number;
  private used = 0;
  /** Token id of the piece ending at each node, -1 if none. */
  private tokens: Int32Array;
  private nodes = 1;

  /** A new trie of `capacity` slots, or the trie of `parts` (which it reads, not copies). */
  constructor(from: number | TrieParts = 1 << 16, private readonly shared = false) {
    if (typeof from === 'number') {
      this.keys = new Float64Array(this.memory(from * 8));
      this.children = new Int32Array(this.memory(from * 4));
      this.tokens = new Int32Array(this.memory(from * 2)).fill(-1);
    } else {
      ({ keys: this.keys, children: this.children, tokens: this.tokens, nodes: this.nodes, used: this.used } = from);
    }
    this.mask = this.keys.length - 1;
  }

  get parts(): TrieParts {
    return { keys: this.keys, children: this.children, tokens: this.tokens, nodes: this.nodes, used: this.used };
  }

  private memory(bytes: number): ArrayBuffer | SharedArrayBuffer {
    return this.shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  }

  get size(): number {
    return this.nodes;
  }

  /** The child of `node` along code point `cp`, or -1. */
  child(node: number, cp: number): number {
    const key = node * CODE_POINTS + cp + 1;
    for (let slot = slotOf(node, cp) & this.mask; ; slot = (slot + 1) & this.mask) {
      const k = this.keys[slot];
      if (k === key) return this.children[slot];
      if (k === EMPTY) return -1;
    }
  }

  /** The token id of `piece`, if it is one of the trie's. */
  pieceId(piece: string): number | undefined {
    let node = 0;
    for (let i = 0; i < piece.length && node >= 0; ) {
      const cp = piece.codePointAt(i)!;
      i += cp > 0xffff ? 2 : 1;
      node = this.child(node, cp);
    }
    return node > 0 && this.tokens[node] >= 0 ? this.tokens[node] : undefined;
  }

  /** Token id of the piece that ends at `node`, or -1. */
  tokenAt(node: number): number {
    return this.tokens[node];
  }

  /** Adds `piece` (a sequence of code points) with its token id; a piece added again takes the new id. */
  insert(piece: string, id: number): void {
    let node = 0;
    let fresh = false; // below a node made now there is nothing to look up
    for (let i = 0; i < piece.length; ) {
      const cp = piece.codePointAt(i)!;
      i += cp > 0xffff ? 2 : 1;
      const next = fresh ? -1 : this.child(node, cp);
      if (next < 0) {
        node = this.addChild(node, cp);
        fresh = true;
      } else {
        node = next;
      }
    }
    if (node > 0) this.tokens[node] = id;
  }

  private addChild(node: number, cp: number): number {
    if ((this.used + 1) * 2 > this.keys.length) this.rehash();
    const id = this.nodes++;
    if (id >= this.tokens.length) {
      const grown = new Int32Array(this.memory(this.tokens.length * 8)).fill(-1);
      grown.set(this.tokens);
      this.tokens = grown;
    }
    this.place(node * CODE_POINTS + cp + 1, slotOf(node, cp), id);
    this.used++;
    return id;
  }

  private place(key: number, hash: number, child: number): void {
    let slot = hash & this.mask;
    while (this.keys[slot] !== EMPTY) slot = (slot + 1) & this.mask;
    this.keys[slot] = key;
    this.children[slot] = child;
  }

  private rehash(): void {
    const { keys, children } = this;
    this.keys = new Float64Array(this.memory(keys.length * 16));
    this.children = new Int32Array(this.memory(keys.length * 8));
    this.mask = this.keys.length - 1;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (key === EMPTY) continue;
      const node = Math.floor((key - 1) / CODE_POINTS);
      this.place(key, slotOf(node, key - 1 - node * CODE_POINTS), children[i]);
    }
  }
}

function slotOf(node: number, cp: number): number {
  return (Math.imul(node, 0x9e3779b1) ^ Math.imul(cp + 1, 0x85ebca77)) >>> 0;
}

/**
 * The score of each piece by token id, as transformers.js's Unigram model keeps them: the unknown token's is
 * the lowest score − 10, so that it is taken only where no piece covers a character.
 */
export function unigramScores(vocab: readonly (readonly [string, number])[], unkId: number): { scores: Float64Array; minScore: number; unkScore: number } {
  // In shared memory: a reading thread's tokenizer uses them as they are (transformersJs.ts, tokenizerCopy).
  const scores = new Float64Array(new SharedArrayBuffer(8 * vocab.length));
  let minScore = Infinity;
  for (let i = 0; i < vocab.length; i++) {
    scores[i] = vocab[i][1];
    if (scores[i] < minScore) minScore = scores[i];
  }
  const unkScore = minScore - 10;
  scores[unkId] = unkScore;
  return { scores, minScore, unkScore };
}

/** SentencePiece's word-start mark (U+2581): most of a vocabulary's pieces begin with it. */
const WORD_START = 0x2581;

/**
 * The trie of a vocabulary, filled one group of pieces at a time when text first needs the group: the
 * pieces that begin with a given character, or — for the word-start mark most pieces begin with — with the
 * mark and a given character. A query touches a few dozen groups, so a model is ready to embed without
 * building the trie of all 250,002 pieces (~0.4 s); indexing fills the rest as the text needs it. Given the
 * complete trie instead ({@link completeTrie}, saved with the model by vocabularyTrie.ts), it has nothing to fill.
 */
export class LazyPieceTrie {
  readonly trie: CodePointTrie;
  /** Group key → indices of the pieces not in the trie yet. */
  private readonly pending = new Map<number, number[]>();
  /** 1 for the group keys already filled: the check at every text position is an array read. */
  readonly done = new Uint8Array(2 * CODE_POINTS);
  /** No piece is longer, in code points. */
  readonly longest: number = 1;
  /** Whether every piece is in the trie from the start. */
  readonly complete: boolean;

  /** `longest`, when known, spares the pass over the pieces that finds it (a complete trie needs no other). */
  constructor(private readonly pieces: readonly string[], private readonly ids: ReadonlyMap<string, number>, complete?: CodePointTrie, longest?: number) {
    this.trie = complete ?? new CodePointTrie();
    this.complete = !!complete;
    if (complete) this.done.fill(1);
    if (complete && longest) {
      this.longest = longest;
      return;
    }
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i];
      if (!piece) continue;
      if (piece.length > this.longest) this.longest = piece.length;
      if (complete) continue;
      const first = piece.codePointAt(0)!;
      const key = first === WORD_START && piece.length > 1 ? CODE_POINTS + piece.codePointAt(1)! : first;
      const group = this.pending.get(key);
      if (group) group.push(i);
      else this.pending.set(key, [i]);
    }
  }

  /** Puts the pieces of group `key` into the trie (a code point, or CODE_POINTS + the code point after ▁). */
  fill(key: number): void {
    this.done[key] = 1;
    const group = this.pending.get(key);
    if (!group) return;
    this.pending.delete(key);
    for (const i of group) this.trie.insert(this.pieces[i], this.ids.get(this.pieces[i])!);
  }
}

/**
 * The trie of all of a vocabulary's `pieces` (each with its id in `ids`, as {@link LazyPieceTrie} fills them), in
 * shared memory: what a LazyPieceTrie would hold once every group is filled.
 */
export function completeTrie(pieces: readonly string[], ids: ReadonlyMap<string, number>): CodePointTrie {
  const trie = new CodePointTrie(1 << 16, true);
  for (const piece of pieces) if (piece) trie.insert(piece, ids.get(piece)!);
  return trie;
}

/** Reused between calls: the worker tokenises one text at a time. */
let work = newWork(256);
/** The text whose search `work` holds, with what it was searched with and its number of code points. */
let held: { text: string; n: number; vocabulary: LazyPieceTrie; scores: Float64Array } | undefined;

interface Work {
  starts: Int32Array; cps: Int32Array; best: Float64Array; from: Int32Array; unk: Uint8Array; ids: Int32Array;
}

/** Arrays for texts of up to `size` - 1 code points, holding what `old` holds. */
function newWork(size: number, old?: Work): Work {
  const w: Work = {
    starts: new Int32Array(size), cps: new Int32Array(size), best: new Float64Array(size + 1), from: new Int32Array(size + 1),
    unk: new Uint8Array(size + 1), ids: new Int32Array(size + 1),
  };
  if (old) {
    w.starts.set(old.starts); w.cps.set(old.cps); w.best.set(old.best); w.from.set(old.from); w.unk.set(old.unk); w.ids.set(old.ids);
  }
  return w;
}

/**
 * The Viterbi search of {@link tokenizeUnigram} and {@link countUnigram}: fills `work` and gives the number of
 * code points. After it, from[p] is where the last piece of the best way to reach code point p starts, unk[p]
 * whether that piece is an unknown character, and ids[p] its token id otherwise.
 *
 * The best way to reach a position depends only on the text before it. So a text that begins the one searched
 * last has its search already, up to its end; and a text that goes on from the one searched last needs only
 * the positions after it, and the pieces that may start in its last `longest` code points. The chunker counts
 * such texts one after another as it tries longer and shorter passages.
 */
function viterbi(text: string, vocabulary: LazyPieceTrie, scores: Float64Array, unkScore: number): number {
  let n = 0;
  let first = 0; // the first position pieces are looked up from
  if (held?.vocabulary === vocabulary && held.scores === scores) {
    if (text.length <= held.text.length && held.text.startsWith(text)) {
      const end = positionAt(text.length, held.n);
      if (end >= 0) return end;
    } else if (text.startsWith(held.text) && !isHighSurrogate(held.text.charCodeAt(held.text.length - 1))) {
      n = held.n;
      first = Math.max(0, n - vocabulary.longest);
    }
  }
  held = undefined;
  if (work.cps.length < text.length + 1) work = newWork(text.length * 2 + 1, n > 0 ? work : undefined);
  const { starts, cps, best, from, unk, ids } = work;
  const known = n;
  for (let i = n > 0 ? starts[n] : 0; i < text.length; n++) {
    const cp = text.codePointAt(i)!;
    starts[n] = i;
    cps[n] = cp;
    i += cp > 0xffff ? 2 : 1;
  }
  starts[n] = text.length;
  // best[p]: score of the best segmentation of the first p code points; from[p]: where its last piece starts.
  // A position known already keeps its best way: looking up its pieces again finds none strictly better.
  best[0] = 0;
  for (let p = known + 1; p <= n; p++) best[p] = -Infinity;
  const { trie, done } = vocabulary;
  for (let begin = first; begin < n; begin++) {
    // The pieces that can start here: those beginning with this character, or with ▁ and the next one.
    const cp = cps[begin];
    if (!done[cp]) vocabulary.fill(cp);
    if (cp === WORD_START && begin + 1 < n && !done[CODE_POINTS + cps[begin + 1]]) vocabulary.fill(CODE_POINTS + cps[begin + 1]);
    const base = best[begin];
    let node = 0;
    let single = false;
    for (let end = begin; end < n; end++) {
      node = trie.child(node, cps[end]);
      if (node < 0) break;
      const id = trie.tokenAt(node);
      if (id < 0) continue;
      if (end === begin) single = true;
      const s = base + scores[id];
      // Strictly better only: of equal scores the earlier-found way (the earlier start) stays.
      if (s > best[end + 1]) { best[end + 1] = s; from[end + 1] = begin; unk[end + 1] = 0; ids[end + 1] = id; }
    }
    if (!single && base + unkScore > best[begin + 1]) { best[begin + 1] = base + unkScore; from[begin + 1] = begin; unk[begin + 1] = 1; }
  }
  held = { text, n, vocabulary, scores };
  return n;
}

/** The position of the held search's code point that starts at UTF-16 offset `offset` (n at its end), or -1. */
function positionAt(offset: number, n: number): number {
  const { starts } = work;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] < offset) lo = mid + 1;
    else hi = mid;
  }
  return starts[lo] === offset ? lo : -1;
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;

/**
 * The highest-scoring segmentation of `text` into pieces, as strings, the same as transformers.js's
 * TokenLattice Viterbi search; consecutive unknown characters come as one piece, as its fuse_unk joins them.
 */
export function tokenizeUnigram(text: string, vocabulary: LazyPieceTrie, scores: Float64Array, unkScore: number): string[] {
  const n = viterbi(text, vocabulary, scores, unkScore);
  const { starts, from, unk } = work;
  const out: string[] = [];
  for (let p = n; p > 0;) {
    let q = from[p];
    if (unk[p]) while (q > 0 && unk[q]) q = from[q];
    out.push(text.slice(starts[q], starts[p]));
    p = q;
  }
  return out.reverse();
}

/** How a count goes on from the word before: whether its last piece was one of unknown id (transformers.js fuses those). */
export interface UnknownRun {
  open: boolean;
  /** Set by each count: whether the word's first piece is of unknown id (it joins a run the word before left open). */
  opens?: boolean;
}

/**
 * How many pieces {@link tokenizeUnigram} gives for `text` once transformers.js's fuse_unk has joined each run of
 * pieces of unknown id (`unkId`, or no id in `ids`) into one — without making the pieces. `run` carries such a
 * run from one word of a text to the next (fuse_unk works on all the pieces of a text); without it, nothing is
 * fused beyond what tokenizeUnigram joins itself.
 */
export function countUnigram(
  text: string, vocabulary: LazyPieceTrie, scores: Float64Array, unkScore: number, unkId: number, ids: Pick<ReadonlyMap<string, number>, 'get'>, run?: UnknownRun,
): number {
  const n = viterbi(text, vocabulary, scores, unkScore);
  if (n === 0) return 0;
  const { starts, from, unk, ids: pieceIds } = work;
  let count = 0;
  let lastUnknown = false;
  let nextUnknown = false; // of the piece after this one (going backwards)
  for (let p = n; p > 0;) {
    let q = from[p];
    let id: number;
    if (unk[p]) {
      while (q > 0 && unk[q]) q = from[q];
      id = ids.get(text.slice(starts[q], starts[p])) ?? unkId;
    } else {
      id = pieceIds[p];
    }
    const unknown = id === unkId;
    if (p === n) lastUnknown = unknown;
    if (!(run && unknown && nextUnknown)) count++;
    nextUnknown = unknown;
    p = q;
  }
  if (run) {
    if (nextUnknown && run.open) count--;
    run.open = lastUnknown;
    run.opens = nextUnknown;
  }
  return count;
}
