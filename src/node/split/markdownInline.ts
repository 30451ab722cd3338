import type { SplitBudget } from './budget';

/*
 * Markdown/HTML/JSX inline markup stripped from one line of prose (markdown.ts does the blocks).
 * A line can be a whole file (minified HTML, a generated table), so every rule here is linear in the line:
 * - patterns with a group repeated over the line (`(?:[^"\\]|\\.)*`) are avoided: V8 keeps a backtracking
 *   entry per repetition and throws "Maximum call stack size exceeded" past a few million;
 * - a rule tried at every `<`, `[` or backtick that can fail after reading far (an unclosed tag, a link
 *   destination that never closes) is a scanner that remembers where each try ended: a later try that
 *   reaches a position an earlier one passed through gets the same outcome at once (see `Walks`).
 * The results are those of the old patterns on ordinary text; escaped brackets (`\[`) no longer open a link.
 */

/** An HTML or JSX comment left open at the end of a line, carried to the next. */
export type CommentState = { open: '-->' | '*/}' | null };

const TASK = /^\[[ xX]\][ \t]+/;
const LIST_ITEM = /^[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)/;
const REF_DEF = /^ {0,3}\[(?!\^)[^\]]+\]:[ \t]*\S+[ \t]*(?:(?:"[^"]*"|'[^']*'|\([^()]*\))[ \t]*)?$/;
const FOOTNOTE_DEF = /^ {0,3}\[\^[^\]]+\]:[ \t]*/;
const TABLE_CELL = /^[ \t]*:?-+:?[ \t]*$/;
const ADMONITION = /^[ \t]*:{3,}(?!:)[ \t]*(?:[^\s[{]+[ \t]*)?(?:\[([^\]]*)\][ \t]*)?(?:\{[^}]*\}[ \t]*)?$/;
// A URL or an address; the address's domain must be dotted labels, checked in code (a repeated
// `(?:\.[\w-]+)+` group would overflow on a long one).
const AUTOLINK = /<((?:https?|ftp|mailto):[^\s<>]*|[\w.+-]+@([\w.-]+))>/g;
const ATTR = /\b(?:alt|title|description)\s*=\s*(?:"([^"]*)"|'([^']*)'|\{\s*["'`]([^"'`]*)["'`]\s*\})/g;
const ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', mdash: '—', ndash: '–', hellip: '…',
  copy: '©', reg: '®', trade: '™', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', laquo: '«', raquo: '»',
  middot: '·', times: '×', rarr: '→', larr: '←', zwj: '\u200d', shy: '', colon: ':', lbrace: '{', rbrace: '}', num: '#', excl: '!', vert: '|',
};

/** `\s` of a JavaScript regex, for one UTF-16 code unit. */
export function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a)
    || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}
/** `[\w-]+(?:\.[\w-]+)+` for a string of `[\w.-]`: at least two labels, none empty. */
const isDottedName = (d: string): boolean => d.includes('.') && !d.startsWith('.') && !d.endsWith('.') && !d.includes('..');
const isBlank = (ch: string | undefined): boolean => ch === ' ' || ch === '\t';
const isLineEnd = (c: number): boolean => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;

/** s without a blockquote prefix (`> > `: each `>` with at most one blank after it), like `^[ \t]*(?:>[ \t]?)+`. */
export function stripQuotePrefix(s: string): string {
  let i = 0;
  while (isBlank(s[i])) i++;
  if (s[i] !== '>') return s;
  while (s[i] === '>') {
    i++;
    if (isBlank(s[i])) i++;
  }
  return s.slice(i);
}

/** A GFM table delimiter row (`| :-- | --: |`). */
function isTableDelimiter(s: string): boolean {
  let a = 0, b = s.length;
  while (a < b && isBlank(s[a])) a++;
  while (b > a && isBlank(s[b - 1])) b--;
  if (s[a] === '|') a++;
  if (b > a && s[b - 1] === '|') b--;
  return s.slice(a, b).split('|').every((cell) => TABLE_CELL.test(cell));
}

/**
 * Deterministic scans tried from many starting points of one line. `step(p)` is the position the scan
 * moves to from p, or a terminal outcome; every position a scan passes records the outcome it led to,
 * so positions are examined once in all, however many scans run through them.
 */
class Walks {
  /** Per position, the scan that passed it (1-based), 0 for none; a scan's outcome is known once it ends. */
  private by: Int32Array | undefined;
  private readonly outcomes: number[] = [0];
  steps = 0;

  constructor(private readonly length: number) {}

  /** The outcome of the scan from p: `step` returns { next } to go on, or { done } with the outcome. */
  run(p: number, step: (p: number) => { next: number } | { done: number }): number {
    const id = this.outcomes.length;
    // Most lines never need one: made on first use.
    this.by ??= new Int32Array(this.length + 1);
    let outcome: number;
    for (;;) {
      const earlier = this.by[p]!;
      if (earlier !== 0) {
        outcome = this.outcomes[earlier]!;
        break;
      }
      this.by[p] = id;
      this.steps++;
      const r = step(p);
      if ('done' in r) {
        outcome = r.done;
        break;
      }
      p = r.next;
    }
    this.outcomes.push(outcome);
    return outcome;
  }
}

// An HTML/JSX tag `<name attrs>` (or `<>`/`</>`): the states of `<\/?[A-Za-z][\w.:-]*(?:\s(?:[^<>"'{}]|"[^"]*"|'[^']*'|\{(?:[^{}]|\{[^{}]*\})*\})*)?\/?>|<\/?>`.
const enum Tag { Lt, Slash, Name, Close, Attrs, Dq, Sq, Brace, Brace2, Done, Fail }

function tagStep(state: Tag, ch: string): Tag {
  const c = ch.charCodeAt(0);
  const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  switch (state) {
    case Tag.Lt:
      return ch === '/' ? Tag.Slash : letter ? Tag.Name : ch === '>' ? Tag.Done : Tag.Fail;
    case Tag.Slash:
      return letter ? Tag.Name : ch === '>' ? Tag.Done : Tag.Fail;
    case Tag.Name:
      if (letter || (c >= 48 && c <= 57) || ch === '_' || ch === '.' || ch === ':' || ch === '-') return Tag.Name;
      return ch === '/' ? Tag.Close : ch === '>' ? Tag.Done : isSpace(c) ? Tag.Attrs : Tag.Fail;
    case Tag.Close:
      return ch === '>' ? Tag.Done : Tag.Fail;
    case Tag.Attrs:
      return ch === '>' ? Tag.Done : ch === '"' ? Tag.Dq : ch === "'" ? Tag.Sq : ch === '{' ? Tag.Brace : ch === '<' || ch === '}' ? Tag.Fail : Tag.Attrs;
    case Tag.Dq:
      return ch === '"' ? Tag.Attrs : Tag.Dq;
    case Tag.Sq:
      return ch === "'" ? Tag.Attrs : Tag.Sq;
    case Tag.Brace:
      return ch === '}' ? Tag.Attrs : ch === '{' ? Tag.Brace2 : Tag.Brace;
    case Tag.Brace2:
      return ch === '}' ? Tag.Brace : ch === '{' ? Tag.Fail : Tag.Brace2;
    default:
      return state;
  }
}

/**
 * A tag at the start of a text that arrives in pieces (a JSX tag over several lines): fed line by line,
 * it says whether the text so far opens with a complete tag, without reading any line twice.
 */
export class TagAtStart {
  private state: Tag | 'lead' = 'lead';

  /** Feeds the next piece; true once the text so far starts (after white space) with a whole tag. */
  feed(piece: string): boolean {
    for (let i = 0; i < piece.length && this.state !== Tag.Done && this.state !== Tag.Fail; i++) {
      const ch = piece[i]!;
      if (this.state === 'lead') this.state = isSpace(ch.charCodeAt(0)) ? 'lead' : ch === '<' ? Tag.Lt : Tag.Fail;
      else this.state = tagStep(this.state, ch);
    }
    return this.state === Tag.Done;
  }
}

/** s with every tag replaced by `replace(tag)`, leftmost first, as String.replace with the tag pattern would. */
function replaceTags(s: string, replace: (tag: string) => string, budget: SplitBudget): string {
  // Scans meet in the attributes: positions there are memoised (outcome: the tag's end, or -1).
  const walks = new Walks(s.length);
  const attrs = (p: number): number => walks.run(p, (q) => {
    let state = Tag.Attrs;
    let k = q;
    // Quoted values and braces are read through here; the memo is kept at attribute positions only.
    do {
      if (k >= s.length) return { done: -1 };
      state = tagStep(state, s[k]!);
      k++;
    } while (state !== Tag.Attrs && state !== Tag.Done && state !== Tag.Fail);
    walks.steps += k - q;
    return state === Tag.Attrs ? { next: k } : { done: state === Tag.Done ? k : -1 };
  });
  const out: string[] = [];
  let copied = 0;
  let steps = 0;
  for (let lt = s.indexOf('<'); lt >= 0; lt = s.indexOf('<', lt + 1)) {
    let state = Tag.Lt;
    let k = lt + 1;
    while (k < s.length && (state === Tag.Lt || state === Tag.Slash || state === Tag.Name || state === Tag.Close)) state = tagStep(state, s[k++]!);
    steps += k - lt;
    const end = state === Tag.Done ? k : state === Tag.Attrs ? attrs(k) : -1;
    if (end < 0) continue;
    out.push(s.slice(copied, lt), replace(s.slice(lt, end)));
    copied = end;
    lt = end - 1;
  }
  budget.spend(steps + walks.steps);
  if (copied === 0) return s;
  out.push(s.slice(copied));
  return out.join('');
}

/**
 * Code spans (CommonMark: a backtick run closed by the next run of the same length, within the line) replaced
 * by private-use markers, their content pushed to `codes`. Each run length keeps a pointer to its next run.
 */
function maskCodeSpans(s: string, codes: string[]): string {
  const runs: { at: number; len: number }[] = [];
  for (let i = s.indexOf('`'); i >= 0; i = s.indexOf('`', i)) {
    let j = i;
    while (s[j] === '`') j++;
    runs.push({ at: i, len: j - i });
    i = j;
  }
  if (runs.length < 2) return s;
  const byLength = new Map<number, number[]>();
  runs.forEach((r, k) => {
    const list = byLength.get(r.len);
    if (list) list.push(k);
    else byLength.set(r.len, [k]);
  });
  const cursor = new Map<number, number>();
  const out: string[] = [];
  let copied = 0;
  let lineEnd = -1; // the next line terminator (a span does not cross one), looked up as the runs advance
  for (let k = 0; k < runs.length; k++) {
    const open = runs[k]!;
    if (open.at < copied) continue;
    if (lineEnd < open.at) {
      lineEnd = open.at;
      while (lineEnd < s.length && !isLineEnd(s.charCodeAt(lineEnd))) lineEnd++;
    }
    const list = byLength.get(open.len)!;
    let c = cursor.get(open.len) ?? 0;
    while (c < list.length && list[c]! <= k) c++;
    cursor.set(open.len, c);
    const close = c < list.length ? runs[list[c]!]! : undefined;
    if (!close || close.at > lineEnd) continue;
    const body = s.slice(open.at + open.len, close.at);
    const padded = body.length > 2 && body[0] === ' ' && body[body.length - 1] === ' ' && /[^ ]/.test(body);
    codes.push(padded ? body.slice(1, -1) : body);
    out.push(s.slice(copied, open.at), `\uE000${codes.length - 1}\uE001`);
    copied = close.at + close.len;
  }
  if (copied === 0) return s;
  out.push(s.slice(copied));
  return out.join('');
}

const COMMENTS = [['<!--', '-->'], ['{/*', '*/}']] as const;

/** s without its closed HTML and JSX comments, cut at one left open (then noted in `comment`). */
function stripComments(s: string, comment: CommentState): string {
  const next = COMMENTS.map(([open]) => s.indexOf(open));
  const out: string[] = [];
  let copied = 0;
  let at = 0;
  for (;;) {
    for (let k = 0; k < 2; k++) if (next[k]! >= 0 && next[k]! < at) next[k] = s.indexOf(COMMENTS[k]![0], at);
    const k = next[0]! < 0 || (next[1]! >= 0 && next[1]! < next[0]!) ? 1 : 0;
    const p = next[k]!;
    if (p < 0) break;
    const [open, close] = COMMENTS[k]!;
    const e = s.indexOf(close, p + open.length);
    if (e < 0) {
      // Unclosed, and so is every later one of its kind.
      next[k] = -1;
      at = p + 1;
      continue;
    }
    out.push(s.slice(copied, p));
    copied = at = e + close.length;
  }
  out.push(s.slice(copied));
  const r = out.join('');
  const html = r.indexOf('<!--');
  const jsx = r.indexOf('{/*');
  if (html < 0 && jsx < 0) return r;
  const cut = html >= 0 && (jsx < 0 || html < jsx) ? html : jsx;
  comment.open = cut === html ? '-->' : '*/}';
  return r.slice(0, cut);
}

/**
 * Links and images (`[text](dest "title")`, `[text][label]`, `![alt](src)`) replaced by their text, inner
 * ones first, so that `[![alt](img)](href)` gives `alt`.
 */
function replaceLinks(s: string, budget: SplitBudget): string {
  const walks = new Walks(s.length);
  // The destination `(?:[^()\s\\]|\\.|\([^()]*\))*`: where it stops, from each position.
  const destEnd = (j: number): number => walks.run(j, (p) => {
    const c = s.charCodeAt(p);
    if (p >= s.length || isSpace(c) || c === 41) return { done: p };
    if (c === 92) return p + 1 < s.length && !isLineEnd(s.charCodeAt(p + 1)) ? { next: p + 2 } : { done: p };
    if (c !== 40) return { next: p + 1 };
    let k = p + 1;
    while (k < s.length && s[k] !== '(' && s[k] !== ')') k++;
    walks.steps += k - p;
    return s[k] === ')' ? { next: k + 1 } : { done: p };
  });
  // After the destination: an optional title, then `)`. Where the link ends, or -1.
  const tails = new Map<number, number>();
  const tail = (j: number): number => {
    let r = tails.get(j);
    if (r !== undefined) return r;
    let k = j;
    while (k < s.length && isSpace(s.charCodeAt(k))) k++;
    r = s[k] === ')' ? k + 1 : -1;
    const q = s[k];
    if (r < 0 && k > j && (q === '"' || q === "'" || q === '(')) {
      let e = k + 1;
      while (e < s.length && (q === '(' ? s[e] !== '(' && s[e] !== ')' : s[e] !== q)) e++;
      if (e < s.length && (q !== '(' || s[e] === ')')) {
        e++;
        while (e < s.length && isSpace(s.charCodeAt(e))) e++;
        if (s[e] === ')') r = e + 1;
      }
      walks.steps += e - j;
    }
    walks.steps += k - j;
    tails.set(j, r);
    return r;
  };
  let gtFrom = -1, gtAt = -1; // the last `>` looked up, for `<dest>`
  const linkEnd = (c: number): number => {
    if (s[c + 1] === '[') {
      let k = c + 2;
      while (k < s.length && s[k] !== '[' && s[k] !== ']') k++;
      walks.steps += k - c;
      return s[k] === ']' ? k + 1 : -1;
    }
    if (s[c + 1] !== '(') return -1;
    const j = c + 2;
    if (s[j] === '<') {
      if (!(gtFrom >= 0 && gtFrom <= j && (gtAt < 0 || j <= gtAt))) {
        gtFrom = j;
        gtAt = s.indexOf('>', j);
        walks.steps += (gtAt < 0 ? s.length : gtAt) - j;
      }
      const e = gtAt < 0 ? -1 : tail(gtAt + 1);
      if (e >= 0) return e;
    }
    return tail(destEnd(j));
  };

  // Brackets are matched with a stack; the output is built in pieces so that a link can take back its own.
  const out: string[] = [];
  const open: { at: number; piece: number }[] = [];
  let copied = 0;
  const special = /[[\]\\]/g;
  for (let i = 0; i < s.length; i++) {
    special.lastIndex = i;
    if (!special.test(s)) break;
    i = special.lastIndex - 1;
    const ch = s[i];
    if (ch === '\\') i++;
    else if (ch === '[') {
      out.push(s.slice(copied, i), '[');
      copied = i + 1;
      open.push({ at: i, piece: out.length - 1 });
    } else if (ch === ']' && open.length > 0) {
      const o = open.pop()!;
      const end = linkEnd(i);
      out.push(s.slice(copied, i));
      if (end < 0) {
        out.push(']');
        copied = i + 1;
        continue;
      }
      const text = out.splice(o.piece).slice(1).join('');
      const before = out[out.length - 1];
      if (s[o.at - 1] === '!' && before !== undefined && before.endsWith('!')) out[out.length - 1] = before.slice(0, -1);
      out.push(text);
      copied = end;
      i = end - 1;
    }
  }
  budget.spend(s.length + walks.steps);
  if (out.length === 0) return s;
  out.push(s.slice(copied));
  return out.join('');
}

/** s without footnote references (`[^1]`): from each `[^` to the next `]` or white space, which no later try can pass. */
function stripFootnoteRefs(s: string): string {
  const out: string[] = [];
  let copied = 0;
  for (let p = s.indexOf('[^'); p >= 0; p = s.indexOf('[^', p)) {
    let q = p + 2;
    while (q < s.length && s[q] !== ']' && !isSpace(s.charCodeAt(q))) q++;
    if (s[q] === ']' && q > p + 2) {
      out.push(s.slice(copied, p));
      copied = q + 1;
    }
    p = s[q] === ']' ? q + 1 : Math.max(q, p + 1);
  }
  if (copied === 0) return s;
  out.push(s.slice(copied));
  return out.join('');
}

/** A heading's text: the trailing `{#custom-id}` removed, then cleaned as prose. */
export function cleanHeading(text: string, budget: SplitBudget): string {
  // `[ \t]*\{#[^}\s]*\}[ \t]*$`, from the end.
  let e = text.length;
  while (e > 0 && isBlank(text[e - 1])) e--;
  if (text[e - 1] === '}') {
    let w = e - 2;
    while (w >= 0 && text[w] !== '}' && !isSpace(text.charCodeAt(w))) w--;
    const k = text.indexOf('{#', w + 1);
    if (k >= 0 && k + 2 <= e - 1) {
      let b = k;
      while (b > 0 && isBlank(text[b - 1])) b--;
      text = text.slice(0, b);
    }
  }
  return cleanLine(text, { open: null }, budget);
}

/** One line (or a joined multi-line tag) of prose with Markdown/HTML/JSX markup stripped to plain text. */
export function cleanLine(line: string, comment: CommentState, budget: SplitBudget): string {
  let s = line;
  // About one pass over the line per rule below; the scanners add what they read beyond that.
  budget.spend(8 * line.length + 1);
  if (comment.open) {
    const k = s.indexOf(comment.open);
    if (k < 0) return '';
    s = s.slice(k + comment.open.length);
    comment.open = null;
  }
  // Each rule is guarded by a cheap character test: most lines have no markup, and this keeps 1 MB fast.
  s = stripQuotePrefix(s).replace(LIST_ITEM, '');
  if (s.includes('[')) {
    s = s.replace(TASK, '').replace(FOOTNOTE_DEF, '');
    if (REF_DEF.test(s)) return '';
  }
  if (s.includes('-') && isTableDelimiter(s)) return '';
  if (s.includes(':::')) {
    const adm = ADMONITION.exec(s);
    if (adm) return adm[1] ?? '';
  }
  const table = s.trimStart().startsWith('|');
  const codes: string[] = [];
  // Code spans are masked so that no later rule touches their content.
  if (s.includes('`')) s = maskCodeSpans(s, codes);
  if (s.includes('<!--') || s.includes('{/*')) s = stripComments(s, comment);
  if (s.includes('[')) s = stripFootnoteRefs(replaceLinks(s, budget));
  if (s.includes('<')) {
    s = s.replace(AUTOLINK, (m, target: string, domain?: string) => (domain === undefined || isDottedName(domain) ? target : m));
    s = replaceTags(s, (tag) => {
      if (/^<br\b/i.test(tag)) return ' ';
      const values = [...tag.matchAll(ATTR)].map((m) => m[1] ?? m[2] ?? m[3] ?? '').filter(Boolean);
      return values.length > 0 ? `\n${values.join('\n')}\n` : '';
    }, budget);
  }
  if (table) s = s.replace(/(?<!\\)\|/g, ' ');
  if (/[*_~]/.test(s)) s = s.replace(/(?<!\\)(?:\*+|_+|~~)/g, stripEmphasis);
  if (s.includes('\\')) s = s.replace(/\\$/, '').replace(/\\([!-/:-@[-`{-~])/g, '$1');
  s = decodeEntities(s);
  if (codes.length > 0) s = s.replace(/\uE000(\d+)\uE001/g, (_m, n: string) => codes[Number(n)] ?? '');
  return s.replace(/\t|[ \t]{2,}/g, ' ').trim();
}

/** Drops an emphasis delimiter run, but not a lone `*` between spaces or the `_` inside snake_case. */
function stripEmphasis(m: string, off: number, str: string): string {
  const before = str[off - 1] ?? ' ';
  const after = str[off + m.length] ?? ' ';
  if (/\s/.test(before) && /\s/.test(after)) return m;
  if (m[0] === '_' && /[\p{L}\p{N}]/u.test(before) && /[\p{L}\p{N}]/u.test(after)) return m;
  return '';
}

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z]{2,8}));/g, (m, dec?: string, hex?: string, name?: string) => {
    if (name !== undefined) return Object.hasOwn(ENTITIES, name) ? ENTITIES[name]! : m; // `&valueOf;` is no entity
    const cp = dec !== undefined ? Number(dec) : parseInt(hex!, 16);
    return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : m;
  });
}
