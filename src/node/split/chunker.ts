import type { ChunkText, TokenCounter, Unit } from '../../common/types';
import { unlimited } from './budget';
import type { SplitBudget } from './budget';

/*
 * Packing strategy: the unit is cut into pieces (sentences; a sentence that cannot fit on its own is cut into
 * words, a word into grapheme clusters, a cluster into code points, lazily and only when needed).
 * Consecutive pieces are packed greedily. How many pieces fit is first guessed from a tokens-per-character
 * ratio (learnt from the last real count), then settled with the real tokenizer by galloping/binary search.
 * So a chunk costs a handful of countTokens calls on chunk-sized strings, never one call per sentence, and
 * every returned chunk is verified: tokens is the real count and never exceeds maxTokens (save a lone code
 * point that cannot fit next to the title, which no real tokenizer produces at 128 tokens).
 *
 * Linear whatever the text: no string longer than MAX_CHARS_PER_TOKEN × maxTokens characters is ever
 * counted (one that long is taken not to fit, so a 20 MB line is cut before the tokenizer sees it; text that
 * sparse in tokens, such as long runs of blanks, is merely cut a little early), and a piece longer than a
 * window is cut into sentences/words/… one window at a time, so no array grows with the unit.
 *
 * Line numbers are approximate by design: Markdown units have lost lines (code fences, markup), so a text
 * line maps proportionally onto the unit's file lines. Units whose text has one line per file line (comment
 * blocks) map exactly.
 */

const DEFAULT_MAX_TOKENS = 128;
/**
 * More characters than a real tokenizer puts in one token on average (XLM-R: about 4 in English, 1-2 in
 * CJK): a longer span is taken not to fit. It also bounds what one count costs where the tokenizer is not
 * linear itself (NFKC reorders a run of mixed combining marks in quadratic time).
 */
const MAX_CHARS_PER_TOKEN = 32;
/**
 * Characters given to Intl.Segmenter at a time. Each step of its iterator costs time in proportion to the
 * whole string (Node 20: 2,000 segments of a 1 MB string take 13 s), so it only ever sees short strings;
 * the window's last segment, which may run past it, is segmented again with the next window.
 */
const WINDOW = 1024;
/** Tokens per character assumed before the first count (real counts replace it at once). */
const PRIOR_TOKENS_PER_CHAR = 0.5;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const SEGMENTERS = [
  new Intl.Segmenter(undefined, { granularity: 'sentence' }),
  new Intl.Segmenter(undefined, { granularity: 'word' }),
  graphemes,
];

/** How finely a piece is cut: the whole unit, a sentence, a word, a grapheme cluster, a code point. */
const enum Level { Unit, Sentence, Word, Grapheme, CodePoint }

/** Half-open range of the unit's text, and how finely it was cut. */
interface Piece {
  start: number;
  end: number;
  level: Level;
  /** The part of a piece past the window it was cut in: not a boundary, cut further (at level + 1) before packing. */
  rest?: boolean;
}

/** The text that is embedded for a chunk: the title (heading path or symbol) then the text. */
export function embedTextOf(title: string, text: string): string {
  return title ? `${title}\n${text}` : text;
}

/**
 * Cut a unit into chunks whose embedText fits maxTokens (default 128) under the model's tokenizer.
 * Each chunk keeps the unit's full `title` for display; when the unit has to be split and the title alone
 * takes more than half the budget, the title inside `embedText` is cut (by graphemes) to half the budget,
 * so always read `embedText` rather than recomputing it from `title` and `text`.
 */
export function chunkUnit(unit: Unit, countTokens: TokenCounter, maxTokens = DEFAULT_MAX_TOKENS, budget: SplitBudget = unlimited()): ChunkText[] {
  const text = unit.text;
  const trimmed = text.trim();
  if (trimmed === '') return [];
  const maxChars = MAX_CHARS_PER_TOKEN * maxTokens;
  const count = (s: string): number => {
    budget.spend(s.length);
    return countTokens(s);
  };
  const chunk = (embedTitle: string, body: string, tokens: number, startLine: number, endLine: number): ChunkText => ({
    kind: unit.kind,
    title: unit.title,
    text: body,
    startLine,
    endLine,
    embedText: embedTextOf(embedTitle, body),
    tokens,
  });

  const wholeTokens = trimmed.length <= maxChars ? count(embedTextOf(unit.title, trimmed)) : Infinity;
  if (wholeTokens <= maxTokens) return [chunk(unit.title, trimmed, wholeTokens, unit.startLine, unit.endLine)];

  const title = fitTitle(unit.title, count, Math.floor(maxTokens / 2), maxChars);
  const base = count(embedTextOf(title, ''));
  let perChar = wholeTokens < Infinity ? Math.max(0.01, (wholeTokens - base) / text.length) : PRIOR_TOKENS_PER_CHAR;
  const lines = lineMapper(unit);

  // Remaining pieces, reversed so that taking from the front and refining the front piece are O(1) pops/pushes.
  const stack: Piece[] = [{ start: 0, end: text.length, level: Level.Unit, rest: true }];
  /** Replaces stack[k] with its sub-pieces; returns how many there are. */
  const refineAt = (k: number): number => {
    const piece = stack[k]!;
    const finer = refine(text, piece);
    budget.spend(Math.min(piece.end - piece.start, WINDOW) + finer.length);
    stack.splice(k, 1, ...finer.reverse());
    return finer.length;
  };

  const out: ChunkText[] = [];
  while (stack.length > 0) {
    // What lies within reach of this chunk is cut as finely as it would be if the segmenters saw it whole.
    for (let k = stack.length - 1; k >= 0 && stack[k]!.start - stack[stack.length - 1]!.start <= maxChars; k--) {
      if (stack[k]!.rest) k += refineAt(k);
    }
    const m = stack.length;
    const at = (k: number): Piece => stack[m - 1 - k]!;
    if (isBlank(text, at(0), budget)) {
      stack.pop();
      continue;
    }
    const counts = new Map<number, number>();
    const bodyOf = (j: number): string => text.slice(at(0).start, at(j - 1).end).trim();
    const fits = (j: number): boolean => {
      let c = counts.get(j);
      if (c === undefined) {
        c = at(j - 1).end - at(0).start > maxChars ? Infinity : count(embedTextOf(title, bodyOf(j)));
        counts.set(j, c);
      }
      return c <= maxTokens;
    };

    let guess = 1;
    while (guess < m && base + perChar * (at(guess).end - at(0).start) <= maxTokens) guess++;
    let lo: number;
    let hi: number;
    if (fits(guess)) {
      // Gallop upwards while it still fits, then bisect.
      lo = guess;
      hi = m + 1;
      for (let step = 1; lo < m; step *= 2) {
        const cand = Math.min(lo + step, m);
        if (!fits(cand)) {
          hi = cand;
          break;
        }
        lo = cand;
      }
    } else {
      lo = 0;
      hi = guess;
    }
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (fits(mid)) lo = mid;
      else hi = mid;
    }

    if (lo === 0) {
      const piece = at(0);
      if (piece.level < Level.CodePoint) {
        refineAt(m - 1);
        continue;
      }
      lo = 1; // a single code point that cannot fit: emit it rather than loop forever
      fits(1);
    }
    const start = at(0).start;
    const end = at(lo - 1).end;
    const body = bodyOf(lo);
    const tokens = counts.get(lo)!;
    const [first, last] = lines(start, end);
    out.push(chunk(title, body, tokens, first, last));
    perChar = Math.max(0.01, (tokens - base) / Math.max(1, end - start));
    stack.length = m - lo;
  }
  return out;
}

/** A piece of only white space. */
function isBlank(text: string, piece: Piece, budget: SplitBudget): boolean {
  let i = piece.start;
  while (i < piece.end && /\s/.test(text[i]!)) i++;
  budget.spend(i - piece.start);
  return i === piece.end;
}

/**
 * Sub-pieces of a piece one level finer: the unit into sentences, a sentence into words (and the spaces
 * between), a word into grapheme clusters, a cluster into code points. Only the first WINDOW characters
 * are cut; the rest goes back as one piece (a `rest`) starting where the window's last sub-piece started,
 * since that one may run past the window. When a single sub-piece fills the window, the window grows until
 * that sub-piece ends (looking at no more than two sub-pieces, so each try costs its length).
 */
function refine(text: string, piece: Piece): Piece[] {
  const level: Level = piece.level + 1;
  const out: Piece[] = [];
  for (let window = WINDOW; ; window *= 2) {
    let end = Math.min(piece.end, piece.start + window);
    if (end < piece.end && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end--; // never between a surrogate pair
    const grown = window > WINDOW;
    out.length = 0;
    if (level === Level.CodePoint) {
      for (let i = piece.start; i < end;) {
        const next = i + ((text.codePointAt(i) ?? 0) > 0xffff ? 2 : 1);
        out.push({ start: i, end: next, level });
        i = next;
      }
    } else {
      for (const seg of SEGMENTERS[level - 1]!.segment(text.slice(piece.start, end))) {
        out.push({ start: piece.start + seg.index, end: piece.start + seg.index + seg.segment.length, level });
        if (grown && out.length === 2) break;
      }
    }
    // A grown window stops after two sub-pieces: the second may not be whole.
    if (end === piece.end && !(grown && out.length === 2)) return out;
    if (out.length > 1) {
      const last = out.pop()!;
      out.push({ start: last.start, end: piece.end, level: piece.level, rest: true });
      return out;
    }
  }
}

/** The title, cut by graphemes when it alone takes more than `budget` tokens (it is never counted whole past maxChars). */
function fitTitle(title: string, countTokens: TokenCounter, budget: number, maxChars: number): string {
  if (title.length > maxChars) title = title.slice(0, /[\uD800-\uDBFF]/.test(title[maxChars - 1]!) ? maxChars - 1 : maxChars);
  if (!title || countTokens(title) <= budget) return title;
  const gs = Array.from(graphemes.segment(title), (s) => s.segment);
  let lo = 0;
  let hi = gs.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (countTokens(gs.slice(0, mid).join('')) <= budget) lo = mid;
    else hi = mid;
  }
  return gs.slice(0, lo).join('').trim();
}

/**
 * Maps a range of the unit's text to 1-based file lines: text line i of L lands proportionally in the
 * unit's S file lines (exact when L === S), clamped to [startLine, endLine].
 */
function lineMapper(unit: Unit): (start: number, end: number) => [number, number] {
  const text = unit.text;
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  const textLines = starts.length;
  const fileLines = Math.max(1, unit.endLine - unit.startLine + 1);
  const lineIndex = (off: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= off) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const clamp = (line: number): number => Math.min(unit.endLine, Math.max(unit.startLine, line));
  return (start, end) => {
    let s = start;
    let e = end;
    while (s < e - 1 && /\s/.test(text[s]!)) s++;
    while (e - 1 > s && /\s/.test(text[e - 1]!)) e--;
    const a = lineIndex(s);
    const b = lineIndex(e - 1);
    const first = clamp(unit.startLine + Math.floor((a * fileLines) / textLines));
    const last = clamp(unit.startLine + Math.floor(((b + 1) * fileLines) / textLines) - 1);
    return [first, Math.max(first, last)];
  };
}
