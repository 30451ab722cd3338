import type { ChunkText, TokenCounter, Unit } from '../../common/types';

/*
 * Packing strategy: the unit is cut into pieces (sentences; a sentence that cannot fit on its own is cut into
 * words, a word into grapheme clusters, lazily and only when needed). Consecutive pieces are packed greedily.
 * How many pieces fit is first guessed from a tokens-per-character ratio (learnt from the last real count),
 * then settled with the real tokenizer by galloping/binary search. So a chunk costs a handful of
 * countTokens calls on chunk-sized strings, never one call per sentence, and every returned chunk is
 * verified: tokens is the real count and never exceeds maxTokens (save a lone grapheme that cannot fit
 * next to the title, which no real tokenizer produces at 128 tokens).
 *
 * Line numbers are approximate by design: Markdown units have lost lines (code fences, markup), so a text
 * line maps proportionally onto the unit's file lines. Units whose text has one line per file line (comment
 * blocks) map exactly.
 */

const DEFAULT_MAX_TOKENS = 128;
const sentences = new Intl.Segmenter(undefined, { granularity: 'sentence' });
const words = new Intl.Segmenter(undefined, { granularity: 'word' });
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Half-open range of the unit's text; level says how finely it was cut (0 sentence, 1 word, 2 grapheme). */
interface Piece {
  start: number;
  end: number;
  level: 0 | 1 | 2;
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
export function chunkUnit(unit: Unit, countTokens: TokenCounter, maxTokens = DEFAULT_MAX_TOKENS): ChunkText[] {
  const text = unit.text;
  const trimmed = text.trim();
  if (trimmed === '') return [];
  const chunk = (embedTitle: string, body: string, tokens: number, startLine: number, endLine: number): ChunkText => ({
    kind: unit.kind,
    title: unit.title,
    text: body,
    startLine,
    endLine,
    embedText: embedTextOf(embedTitle, body),
    tokens,
  });

  const wholeTokens = countTokens(embedTextOf(unit.title, trimmed));
  if (wholeTokens <= maxTokens) return [chunk(unit.title, trimmed, wholeTokens, unit.startLine, unit.endLine)];

  const title = fitTitle(unit.title, countTokens, Math.floor(maxTokens / 2));
  const base = countTokens(embedTextOf(title, ''));
  let perChar = Math.max(0.01, (wholeTokens - base) / text.length);
  const lines = lineMapper(unit);

  // Remaining pieces, reversed so that taking from the front and refining the front piece are O(1) pops/pushes.
  const stack: Piece[] = [];
  for (const s of sentences.segment(text)) stack.push({ start: s.index, end: s.index + s.segment.length, level: 0 });
  stack.reverse();

  const out: ChunkText[] = [];
  while (stack.length > 0) {
    const m = stack.length;
    const at = (k: number): Piece => stack[m - 1 - k]!;
    if (text.slice(at(0).start, at(0).end).trim() === '') {
      stack.pop();
      continue;
    }
    const counts = new Map<number, number>();
    const bodyOf = (j: number): string => text.slice(at(0).start, at(j - 1).end).trim();
    const fits = (j: number): boolean => {
      let c = counts.get(j);
      if (c === undefined) {
        c = countTokens(embedTextOf(title, bodyOf(j)));
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
      if (piece.level < 2) {
        stack.pop();
        const finer = refine(text, piece);
        for (let k = finer.length - 1; k >= 0; k--) stack.push(finer[k]!);
        continue;
      }
      lo = 1; // a single grapheme that cannot fit: emit it rather than loop forever
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

/** Sub-pieces of a piece one level finer: a sentence into words (and the spaces between), a word into graphemes. */
function refine(text: string, piece: Piece): Piece[] {
  const slice = text.slice(piece.start, piece.end);
  const level = piece.level === 0 ? 1 : 2;
  const seg = level === 1 ? words : graphemes;
  const out: Piece[] = [];
  for (const s of seg.segment(slice)) {
    out.push({ start: piece.start + s.index, end: piece.start + s.index + s.segment.length, level });
  }
  return out;
}

/** The title, cut by graphemes when it alone takes more than `budget` tokens. */
function fitTitle(title: string, countTokens: TokenCounter, budget: number): string {
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
