import type { Tokenizer } from '@orama/orama';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'word' });
/** Hangul, Kana and Han: scripts written without spaces between words (or with particles glued to them). */
const CJK = /[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uf900-\ufaff]/u;

/**
 * Words of a text for full-text matching, the same at index and query time.
 *
 * Orama's default tokenizer splits on a Latin-centred pattern and drops Hangul, Kana and Han entirely.
 * Here `Intl.Segmenter` finds words in every script (ICU dictionaries for Chinese and Japanese), and
 * CJK words longer than two characters also give their character bigrams: a Korean noun with a particle
 * ("연결은") then still meets the bare noun or another particle ("연결을"), and a Chinese compound split
 * differently at query time ("数据|库" vs "数据库") still matches.
 */
export function fullTextTokens(raw: string): string[] {
  const out = new Set<string>();
  for (const { segment, isWordLike } of segmenter.segment(raw.normalize('NFKC').toLowerCase())) {
    if (!isWordLike) continue;
    out.add(segment);
    if (segment.length > 2 && CJK.test(segment)) {
      const chars = Array.from(segment);
      for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i] + chars[i + 1]);
    }
  }
  return [...out];
}

/**
 * The query's last word when the query ends inside it — the word may still be being typed — normalised as
 * {@link fullTextTokens} does; undefined after a space or punctuation, and for CJK words, whose character
 * bigrams already meet the longer word.
 */
export function typedPrefix(query: string): string | undefined {
  let last: { segment: string; isWordLike?: boolean; index: number } | undefined;
  const text = query.normalize('NFKC').toLowerCase();
  for (const s of segmenter.segment(text)) last = s;
  if (!last?.isWordLike || last.index + last.segment.length !== text.length || CJK.test(last.segment)) return undefined;
  return last.segment;
}

/**
 * The form a word is indexed under. Orama keeps its per-word statistics in plain objects, where a word that
 * names a property of Object.prototype finds the prototype's member instead of nothing (`constructor` counts
 * as a string, `__proto__` cannot be stored at all); after lower-casing only those two can occur. They get a
 * suffix no segmented word ends with, at index and query time alike.
 */
export function indexedWord(word: string): string {
  return OBJECT_MEMBERS.has(word) ? `${word}\u0000` : word;
}

/** The names of Object.prototype's members: a Set lookup, where `in` on the prototype costs ~5 times as much per word. */
const OBJECT_MEMBERS: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * An Orama tokenizer component using {@link fullTextTokens}, in the {@link indexedWord} form; a text `known`
 * holds (worked out beforehand, readThread.ts) is looked up instead.
 */
export function createFullTextTokenizer(known: (text: string) => string[] | undefined = () => undefined): Tokenizer {
  return {
    language: 'multilingual',
    normalizationCache: new Map(),
    tokenize: (raw: string) => known(raw) ?? fullTextTokens(raw).map(indexedWord),
  };
}
