import type { Tokenizer } from '@orama/orama';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'word' });
/** Hangul, Kana and Han: scripts written without spaces between words (or with particles glued to them). */
const CJK = /[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uf900-\ufaff]/u;

/**
 * Words of a text for full-text matching, the same at index and query time.
 *
 * Orama's default tokenizer splits on a Latin-centred pattern and drops Hangul, Kana and Han entirely.
 * Here `Intl.Segmenter` finds words in every script (ICU dictionaries for Chinese and Japanese; fields of
 * ASCII and Hangul syllables get the same words from a scan, {@link fieldWords}), and
 * CJK words longer than two characters also give their character bigrams: a Korean noun with a particle
 * ("연결은") then still meets the bare noun or another particle ("연결을"), and a Chinese compound split
 * differently at query time ("数据|库" vs "数据库") still matches.
 */
export function fullTextTokens(raw: string): string[] {
  const text = raw.normalize('NFKC').toLowerCase();
  const out = new Set<string>();
  if (!SCAN_AGREES) {
    segmentWords(text, out);
    return [...out];
  }
  // Fields of only ASCII characters and Hangul syllables get their words from fieldWords; each run of other
  // fields, with the white space before it, from the segmenter (which costs ~15 times as much per character).
  let from = -1; // start of the run of other fields not segmented yet
  let i = 0;
  while (i < text.length) {
    const blank = i;
    while (i < text.length && isBlank(text.charCodeAt(i))) i++;
    const start = i;
    let plain = true;
    for (let c; i < text.length && !isBlank((c = text.charCodeAt(i))); i++) if (c > 0x7f && !isHangul(c)) plain = false;
    if (!plain) {
      if (from < 0) from = blank;
      continue;
    }
    if (from >= 0) segmentWords(text.slice(from, blank), out);
    from = -1;
    fieldWords(text, start, i, out);
  }
  if (from >= 0) segmentWords(text.slice(from), out);
  return [...out];
}

/**
 * Adds the words of `text[start, end)`, lower-case ASCII and Hangul syllables, as the segmenter finds them:
 * each run of Hangul syllables is a word (with its bigrams), and the ASCII between them goes to asciiWords.
 */
function fieldWords(text: string, start: number, end: number, out: Set<string>): void {
  for (let i = start; i < end;) {
    const s = i;
    if (isHangul(text.charCodeAt(i))) {
      while (i < end && isHangul(text.charCodeAt(i))) i++;
      out.add(text.slice(s, i));
      if (i - s > 2) for (let k = s; k + 2 <= i; k++) out.add(text.slice(k, k + 2));
    } else {
      while (i < end && !isHangul(text.charCodeAt(i))) i++;
      asciiWords(text, s, i, out);
    }
  }
}

/** Adds the word-like segments of `text`, and the character bigrams of CJK words longer than two. */
function segmentWords(text: string, out: Set<string>): void {
  for (const { segment, isWordLike } of segmenter.segment(text)) {
    if (!isWordLike) continue;
    out.add(segment);
    if (segment.length > 2 && CJK.test(segment)) {
      const chars = Array.from(segment);
      for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i] + chars[i + 1]);
    }
  }
}

/** White space that always ends a word: space, tab, line feed, carriage return. */
const isBlank = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isLetter = (c: number) => c >= 0x61 && c <= 0x7a;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const UNDERSCORE = 0x5f;
const isHangul = (c: number) => c >= 0xac00 && c <= 0xd7a3;

/**
 * Adds the words the segmenter finds in `text[start, end)`, a field of lower-case ASCII, by the rules of
 * Unicode's word boundaries (UAX #29) as ICU applies them to ASCII: letters, digits and underscores run
 * together; a colon, full stop or apostrophe between two letters, or a comma, semicolon, full stop or
 * apostrophe between two digits, joins them; a lone underscore is not a word. Checked against the
 * segmenter when this module loads ({@link SCAN_AGREES}) and by a property test.
 */
function asciiWords(text: string, start: number, end: number, out: Set<string>): void {
  for (let i = start; i < end;) {
    if (!isWordChar(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const s = i++;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (isWordChar(c)) i++;
      else if (i + 1 < end && joins(text.charCodeAt(i - 1), c, text.charCodeAt(i + 1))) i += 2;
      else break;
    }
    if (i - s > 1 || text.charCodeAt(s) !== UNDERSCORE) out.add(text.slice(s, i));
  }
}

const isWordChar = (c: number) => isLetter(c) || isDigit(c) || c === UNDERSCORE;

function joins(before: number, c: number, after: number): boolean {
  if (isLetter(before) && isLetter(after)) return c === 0x3a || c === 0x2e || c === 0x27; // : . '
  if (isDigit(before) && isDigit(after)) return c === 0x2c || c === 0x3b || c === 0x2e || c === 0x27; // , ; . '
  return false;
}

/**
 * Whether {@link fieldWords} finds what the segmenter finds, under this runtime's ICU and default locale,
 * for texts that exercise each of its rules; where it does not (a locale whose rules differ), every text
 * goes to the segmenter.
 */
export const SCAN_AGREES = ((): boolean => {
  const probes = [
    "a:b a.b a'b 1.2 1,2 1;2 1'2 a,b a;b 1:2 a.1 1.a a1 1a e.g. x:y:z a..b a.'b _ __ a_ _a 1_000 ._a a._ -_- $1 a-b a@b",
    'http://x.y/z?q=1&r=2#h, (foo) [bar] {baz} <i> "q" `c` ~t ^x |p| \\s/ +1 -2 *b* =e= !n? %d 0x1f \u0000 \u007f',
    "데이터베이스를 api를 를api 연결1 1연결 연결_x 연결.설정 연결's a.가 가:나 가_ _가 (설정) \"연결\" 가나다라마바사",
  ];
  for (const probe of probes) {
    const fast = new Set<string>();
    fieldWords(probe, 0, probe.length, fast);
    const slow = new Set<string>();
    segmentWords(probe, slow);
    if ([...fast].join('\n') !== [...slow].join('\n')) return false;
  }
  return true;
})();

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
