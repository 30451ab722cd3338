import { commentSyntaxFor } from './codeLanguages';
import { isIdent } from './commentSyntax';
import type { BlockRule, CommentSyntax, LineRule, StringRule } from './commentSyntax';
import { compileSyntax } from './compiledSyntax';
import type { CompiledSyntax } from './compiledSyntax';
import { unlimited } from './budget';
import type { SplitBudget } from './budget';
import { CachedSearch } from './cachedSearch';

/*
 * The comment lexer behind comments.ts: one linear pass over a file with its language's rules (commentSyntax.ts).
 * It knows each language's literals well enough that `"http://x"`, `'# not'`, template literals, raw strings
 * and heredocs never yield comments; it does not parse, so it stays fast on any input.
 * Linear means every character is examined a bounded number of times, whatever the input: searches for a
 * closer go through a CachedSearch (an unclosed `<!--` or `<script` is not searched for again from the next `<`),
 * and a regex literal that finds no closing `/` leaves marks that end any later attempt on the same line
 * as soon as it joins the failed one. The work is spent from the file's SplitBudget as it goes.
 */

/** One comment (or documenting literal) as the lexer found it: offsets into the file's text. */
export interface LexedComment {
  start: number;
  end: number;
  bodyStart: number;
  bodyEnd: number;
  /** The opener as written: `//`, `/*`, `#`, `"""`, `--[[` … */
  marker: string;
  line: boolean;
  /** A literal that documents code (docstring); `header` is the Python def/class it belongs to. */
  doc?: boolean;
  header?: string;
}

const CHAR: StringRule = { open: "'", close: "'", escape: '\\' };
const REGEX_BEFORE = '(,=:[!&|?{};+-*%<>~^';
const REGEX_KEYWORDS = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await']);
const PY_DEF = /^(?:async\s+)?(?:def|class)\b/;

const lineEnd = (text: string, i: number): number => {
  const k = text.indexOf('\n', i);
  return k < 0 ? text.length : k;
};
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 12 || c === 13;
/** Only blanks between the start of text[i]'s line and i. */
export const onlySpaceBefore = (text: string, i: number): boolean => {
  let p = i - 1;
  while (p >= 0 && (text[p] === ' ' || text[p] === '\t')) p--;
  return p < 0 || text[p] === '\n';
};
/** Nothing but blanks or a `#` comment after a literal: it is a whole statement. */
const restBlank = (text: string, i: number): boolean => {
  let p = i;
  while (text[p] === ' ' || text[p] === '\t') p++;
  return p >= text.length || text[p] === '\n' || text[p] === '#';
};

function scanString(text: string, j: number, r: StringRule, to: number): { end: number; interp: boolean } {
  const c0 = r.close.charCodeAt(0);
  const e0 = r.escape ? r.escape.charCodeAt(0) : -1;
  const i0 = r.interp ? r.interp.charCodeAt(0) : -1;
  while (j < to) {
    const ch = text.charCodeAt(j);
    if (ch === i0 && text.startsWith(r.interp ?? '', j)) {
      if (r.interp === '{' && text.charCodeAt(j + 1) === 123) { j += 2; continue; }
      return { end: j + (r.interp?.length ?? 0), interp: true };
    }
    if (ch === e0) { j += 2; continue; }
    if (ch === c0 && text.startsWith(r.close, j)) {
      if (r.doubled && text.startsWith(r.close, j + r.close.length)) { j += 2 * r.close.length; continue; }
      return { end: j + r.close.length, interp: false };
    }
    if (ch === 10 && !r.multiline) return { end: j, interp: false };
    j++;
  }
  return { end: to, interp: false };
}

function blockEnd(find: CachedSearch, j: number, b: BlockRule, to: number): { end: number; bodyEnd: number } {
  const text = find.text;
  if (!b.nests) {
    const k = find.indexOf(b.close, j);
    return k < 0 || k + b.close.length > to ? { end: to, bodyEnd: to } : { end: k + b.close.length, bodyEnd: k };
  }
  let depth = 1;
  while (j < to) {
    if (text.startsWith(b.close, j)) {
      if (--depth === 0) return { end: j + b.close.length, bodyEnd: j };
      j += b.close.length;
    } else if (text.startsWith(b.open, j)) {
      depth++;
      j += b.open.length;
    } else j++;
  }
  return { end: to, bodyEnd: to };
}

function skipHeredocs(text: string, i: number, pending: string[], to: number): number {
  for (const d of pending) {
    while (i < to) {
      const e = Math.min(lineEnd(text, i), to);
      const t = text.slice(i, e).trim();
      i = e + 1;
      if (t.startsWith(d) && !isIdent(t.charCodeAt(d.length))) break;
    }
  }
  pending.length = 0;
  return Math.min(i, to);
}

/** text[a, b) minus the comments in `raws` (sorted), on one line: a declaration that spans lines, as a title. */
export function withoutComments(text: string, a: number, b: number, raws: LexedComment[]): string {
  let k = 0, hi = raws.length;
  while (k < hi) {
    const mid = (k + hi) >> 1;
    if ((raws[mid] as LexedComment).end <= a) k = mid + 1;
    else hi = mid;
  }
  let s = '';
  for (; k < raws.length && (raws[k] as LexedComment).start < b; k++) {
    const r = raws[k] as LexedComment;
    s += `${text.slice(a, r.start)} `;
    a = Math.max(a, r.end);
  }
  if (a < b) s += text.slice(a, b);
  // A declaration broken over lines (`def f(\n    a,\n)`) reads as `def f(a,)`, not `def f( a, )`.
  let joined = '';
  for (const part of s.split('\n')) {
    const p = part.trim();
    // The last character, not a regex on `joined`: that would rescan the whole growing string for every line.
    if (p) joined += (joined && !'([{'.includes(joined.charAt(joined.length - 1)) && !')]}'.includes(p.charAt(0)) ? ' ' : '') + p;
  }
  return joined.replace(/\s+/g, ' ');
}

/** A `'` after a number is a C++14 digit separator (`1'000`), not a char literal. */
function numberBefore(text: string, i: number): boolean {
  let p = i - 1;
  while (p >= 0 && isIdent(text.charCodeAt(p)) && text.charCodeAt(p) < 128) p--;
  const c = text.charCodeAt(p + 1);
  return p + 1 < i && c >= 48 && c <= 57;
}

/** Whether a line comment whose rule says `at` may start at i, after the character code `prev`. */
function lineCommentMayStart(at: LineRule['at'], text: string, i: number, prev: number): boolean {
  if (at === 'ws') return prev === 32 || prev === 9 || prev === 10;
  if (at === 'word') return prev === 32 || prev === 9 || prev === 10 || ';&|()'.includes(text[i - 1] ?? '');
  if (at === 'line') return onlySpaceBefore(text, i);
  return true;
}

/** A string whose interpolation (`${`, `#{`, `\(` …) is open: code until the bracket that closes it. */
interface Frame {
  /** The string's rule: it resumes after the closing bracket. */
  rule: StringRule;
  /** Brackets of the `open` kind opened inside the interpolation and not yet closed. */
  depth: number;
  /** The char codes of the bracket pair that delimits the interpolation: `(` and `)` or `{` and `}`. */
  open: number;
  close: number;
}

/**
 * Lexes text[from, to) and appends its comments (and documenting literals) to `out`. One Lexer per range:
 * `run` is the pass, the fields are what it remembers of the code behind it, and each kind of token has
 * its own method, which returns the position after the token or -1 when it is not that kind.
 */
class Lexer {
  /** The file's text; the lexer reads text[from, to). */
  private readonly text: string;
  /** The language's rules. */
  private readonly spec: CommentSyntax;
  /** Python docstrings: logical lines and bracket depth are tracked only for them. */
  private readonly py: boolean;
  /** The last significant character of code: whether a `/` after it opens a regex literal. */
  private lastSig = -1;
  // Python logical lines, to know when a string literal is the first statement after `def …:`.
  /** Python: open brackets, inside which a newline does not end the logical line. */
  private depth = 0;
  /** Python: where the current logical line starts, or -1 until its first significant character. */
  private logical = -1;
  /** Python: where the previous logical line starts, or -1 before the first line ends. */
  private prevLogical = -1;
  /** Python: the `:` that ends the previous logical line, or -1 when it does not end with one. */
  private prevColon = -1;
  /** The strings whose interpolation the lexer is in, innermost last. */
  private readonly frames: Frame[] = [];
  /** Heredoc terminators opened on the current line: their bodies start at the next newline. */
  private readonly heredocs: string[] = [];
  /** Regex scan states known to fail, per position from `from` (see regexClose); made on the first failure. */
  private failed: Uint8Array | undefined;

  constructor(
    /** The file's text and its cached searches for closers (an unclosed one is not searched for again). */
    private readonly find: CachedSearch,
    /** The file's budget: every step of work is spent from it where it happens. */
    private readonly budget: SplitBudget,
    /** The language's rules, compiled. */
    private readonly c: CompiledSyntax,
    /** Where the range starts; what precedes it is not this language's code (HTML before a `<script>` block). */
    private readonly from: number,
    /** Where the range ends. */
    private readonly to: number,
    /** Where comments and documenting literals go, in order. */
    private readonly out: LexedComment[],
    /** Where in code to stop (PHP's `?>`), or '' for the end of the range. */
    private readonly stopAt = '',
  ) {
    this.text = find.text;
    this.spec = c.spec;
    this.py = c.spec.docstrings === 'python';
  }

  /** Lexes the range: where `stopAt` first occurs in code, else `to`. */
  run(): number {
    const text = this.text;
    const to = this.to;
    let i = this.from;
    while (i < to) {
      i = this.skipPlain(i);
      if (i >= to) break;
      const ch = text.charCodeAt(i);
      if (ch === 10) {
        i = this.newline(i);
        continue;
      }
      if (ch === 32 || ch === 9 || ch === 12) {
        i++;
        continue;
      }
      if (this.frames.length > 0) {
        const next = this.closeInterpolation(i, ch);
        if (next >= 0) {
          i = next;
          continue;
        }
      } else if (this.stopAt && ch === this.stopAt.charCodeAt(0) && text.startsWith(this.stopAt, i)) return i;
      const next = this.token(i, ch);
      if (next > i) {
        this.budget.spend(next - i);
        i = next;
        continue;
      }
      this.mark(i);
      i++;
    }
    return to;
  }

  /** Skips plain code from i with the compiled regex: the next character that may start a token, or `to`. */
  private skipPlain(i: number): number {
    const re = this.frames.length > 0 ? this.c.skipInterp : this.c.skip;
    re.lastIndex = i;
    const j = re.test(this.text) ? Math.min(re.lastIndex - 1, this.to) : this.to;
    this.budget.spend(j - i + 1);
    if (j > i) this.plain(i, j);
    return j;
  }

  /** Plain code text[a, b): only the last significant character and the start of a Python statement matter. */
  private plain(a: number, b: number): void {
    const text = this.text;
    let p = b - 1;
    while (p >= a && isSpace(text.charCodeAt(p))) p--;
    if (p < a) return;
    this.lastSig = p;
    if (this.py && this.logical < 0 && this.depth === 0) {
      let q = a;
      while (isSpace(text.charCodeAt(q))) q++;
      this.logical = q;
    }
  }

  /** Code at k, a character or the first of a token: it is significant, and may open or close a Python bracket. */
  private mark(k: number): void {
    this.lastSig = k;
    if (!this.py) return;
    if (this.logical < 0 && this.depth === 0) this.logical = k;
    const ch = this.text.charCodeAt(k);
    if (ch === 40 || ch === 91 || ch === 123) this.depth++;
    else if ((ch === 41 || ch === 93 || ch === 125) && this.depth > 0) this.depth--;
  }

  /** The newline at i: ends a Python logical line (outside brackets, not after `\`), then skips heredoc bodies. */
  private newline(i: number): number {
    const text = this.text;
    if (this.py && this.depth === 0 && this.logical >= 0 && text.charCodeAt(this.lastSig) !== 92) {
      this.prevLogical = this.logical;
      this.prevColon = text.charCodeAt(this.lastSig) === 58 ? this.lastSig : -1;
      this.logical = -1;
    }
    const next = this.heredocs.length > 0 ? skipHeredocs(text, i + 1, this.heredocs, this.to) : i + 1;
    this.budget.spend(next - i);
    return next;
  }

  /**
   * In an interpolation, the bracket `ch` at i: counted, or, when it closes the interpolation, the string
   * resumes after it and this returns where the string (or its next interpolation) starts code again; else -1.
   */
  private closeInterpolation(i: number, ch: number): number {
    // Called only with frames: frames[-1] is a slow dictionary lookup in V8, and this runs per character.
    const f = this.frames[this.frames.length - 1] as Frame;
    if (ch === f.open) {
      f.depth++;
      return -1;
    }
    if (ch !== f.close) return -1;
    if (f.depth > 0) {
      f.depth--;
      return -1;
    }
    this.frames.pop();
    const next = this.resume(i + 1, f.rule);
    this.budget.spend(next - i);
    return next;
  }

  /** The position after a token that starts at i, or -1 when text[i] is plain code. */
  private token(i: number, ch: number): number {
    const prev = i > this.from ? this.text.charCodeAt(i - 1) : 10;
    let end = this.special(i);
    if (end < 0) end = this.blockComment(i);
    if (end < 0) end = this.lineComment(i, prev);
    if (end < 0) end = this.string(i, ch, prev);
    if (end < 0) end = this.charLiteral(i, ch, prev);
    if (end < 0) end = this.regex(i, ch);
    if (end < 0) end = this.heredoc(i, ch);
    if (end < 0) end = this.charPrefix(i, ch, prev);
    return end;
  }

  /** One of the language's own tokens (Lua long brackets, raw strings, YAML block scalars …): a comment or code. */
  private special(i: number): number {
    const text = this.text;
    for (const s of this.c.specials) {
      if (!s.first.includes(text[i] ?? '')) continue;
      const m = s.match(text, i);
      if (!m) continue;
      const end = Math.max(i + 1, Math.min(m.end, this.to));
      if (s.comment) this.out.push({ start: i, end, bodyStart: m.bodyStart, bodyEnd: Math.min(m.bodyEnd, end), marker: s.comment, line: false });
      else {
        this.mark(i);
        this.lastSig = end - 1;
      }
      return end;
    }
    return -1;
  }

  /** A block comment runs to its closer (nested ones counted where the language nests them), or to `to`. */
  private blockComment(i: number): number {
    for (const b of this.spec.block) {
      if (!this.text.startsWith(b.open, i)) continue;
      const e = blockEnd(this.find, i + b.open.length, b, this.to);
      this.out.push({ start: i, end: e.end, bodyStart: i + b.open.length, bodyEnd: e.bodyEnd, marker: b.open, line: false });
      return e.end;
    }
    return -1;
  }

  /** A line comment runs to the end of the line, or to `stopAt` (`// … ?>` ends the PHP block, not just the comment). */
  private lineComment(i: number, prev: number): number {
    const text = this.text;
    for (const l of this.spec.line) {
      if (!text.startsWith(l.marker, i) || l.reject?.(text, i)) continue;
      if (!lineCommentMayStart(l.at ?? 'any', text, i, prev)) continue;
      let e = Math.min(lineEnd(text, i), this.to);
      const stop = this.stopAt ? text.slice(i, e).indexOf(this.stopAt) : -1;
      if (stop >= 0) e = i + stop;
      this.out.push({ start: i, end: e, bodyStart: Math.min(i + l.marker.length, e), bodyEnd: e, marker: l.marker, line: true });
      return e;
    }
    return -1;
  }

  /** A string literal, unless an opener that starts with a letter ends a word (`r"` in `bar"`) or its rule rejects what precedes. */
  private string(i: number, ch: number, prev: number): number {
    const rules = ch < 128 ? this.c.strings[ch] : undefined;
    if (!rules) return -1;
    const text = this.text;
    const from = this.from;
    for (const r of rules) {
      if (!text.startsWith(r.open, i)) continue;
      if (isIdent(r.open.charCodeAt(0)) && i > from && isIdent(prev)) continue;
      if (r.notAfter && text[i - 1] === r.notAfter) continue;
      if (r.scalarStart && i > from && !' \t\n[{,:-'.includes(text[i - 1] ?? '')) continue;
      return this.openString(i, r);
    }
    return -1;
  }

  /**
   * A `'` that opens a char literal: any `'` but a C++14 digit separator (`1'000`) in C-like languages;
   * elsewhere only `'x'` or `'\…'`, so that a Rust lifetime or a Haskell prime (`x'`) is code.
   */
  private charLiteral(i: number, ch: number, prev: number): number {
    const chars = this.spec.chars;
    if (ch !== 39 || !chars) return -1;
    const text = this.text;
    if (chars === 'c') return numberBefore(text, i) ? -1 : this.openString(i, CHAR);
    if (chars === 'prime' && i > this.from && (isIdent(prev) || prev === 41 || prev === 93 || prev === 39)) return -1;
    const n1 = text.charCodeAt(i + 1);
    if (n1 === 92) return this.openString(i, CHAR);
    const w = (text.codePointAt(i + 1) ?? 0) > 0xffff ? 2 : 1;
    if (n1 === 10 || n1 === 39 || text.charCodeAt(i + 1 + w) !== 39) return -1;
    this.mark(i);
    this.lastSig = i + 1 + w;
    return i + 2 + w;
  }

  /** A `/` opens a regex literal where an operand may start: at the start, after an operator or a keyword like `return`. */
  private regex(i: number, ch: number): number {
    if (ch !== 47 || !this.spec.regex) return -1;
    const text = this.text;
    const last = this.lastSig;
    const p = last < this.from ? '' : text[last] ?? '';
    let word = '';
    if (p && isIdent(text.charCodeAt(last))) {
      let k = last;
      while (k > this.from && isIdent(text.charCodeAt(k - 1))) k--;
      word = text.slice(k, last + 1);
    }
    if (p !== '' && !REGEX_BEFORE.includes(p) && !REGEX_KEYWORDS.has(word)) return -1;
    const close = this.regexClose(i);
    if (close < 0) return -1;
    this.mark(i);
    this.lastSig = close;
    return close + 1;
  }

  /**
   * Where the regex literal that may open at i closes, or -1 (no unescaped `/` outside a class before the
   * line ends). What follows a position depends only on the position and on being in a class or not, so a
   * scan that reaches a (position, state) where an earlier scan failed fails too: `failed` keeps those
   * states (bit 1 outside a class, bit 2 inside), and each is walked at most once.
   */
  private regexClose(i: number): number {
    const close = this.regexWalk(i, false);
    if (close >= 0) return close;
    this.failed ??= new Uint8Array(this.to - this.from);
    this.regexWalk(i, true);
    return -1;
  }

  /** One scan for regexClose; with `record`, it marks the states it fails through. */
  private regexWalk(i: number, record: boolean): number {
    const text = this.text;
    const from = this.from;
    const to = this.to;
    const failed = this.failed;
    let inClass = false;
    let j = i + 1;
    for (; j < to; j++) {
      const d = text.charCodeAt(j);
      if (d === 10) break;
      const bit = inClass ? 2 : 1;
      if (failed && failed[j - from] & bit) break;
      if (failed && record) failed[j - from] |= bit;
      if (d === 92) j++;
      else if (d === 91) inClass = true;
      else if (d === 93) inClass = false;
      else if (d === 47 && !inClass) return j;
    }
    this.budget.spend(j - i);
    return -1;
  }

  /** A heredoc opener (`<<EOF`, not the second `<` of `<<<`): its body is skipped at the next newline. */
  private heredoc(i: number, ch: number): number {
    const re = this.spec.heredoc;
    if (ch !== 60 || !re || this.text.charCodeAt(i - 1) === 60) return -1;
    re.lastIndex = i;
    const m = re.exec(this.text);
    const d = m?.slice(1).find((g) => g);
    if (!m || !d) return -1;
    this.heredocs.push(d);
    this.mark(i);
    return i + m[0].length;
  }

  /** A char prefix (Ruby `?#`, Erlang `$%`, Clojure `\;`): the character after it is a literal, not code. */
  private charPrefix(i: number, ch: number, prev: number): number {
    const prefix = this.spec.charPrefix;
    if (!prefix || ch !== prefix.charCodeAt(0)) return -1;
    const text = this.text;
    const n1 = text[i + 1] ?? '\n';
    // Right after an identifier, `?` ends a method name (Ruby's `empty?`), it prefixes nothing.
    if (/\s/.test(n1) || (prefix === '?' && i > this.from && isIdent(prev))) return -1;
    this.mark(i);
    return i + 1 + ((text.codePointAt(i + 1) ?? 0) > 0xffff ? 2 : 1);
  }

  /** The string literal that opens at i with rule r: scanned to its end or to its first interpolation. */
  private openString(i: number, r: StringRule): number {
    const firstToken = this.logical < 0 && this.depth === 0 && this.frames.length === 0;
    this.mark(i);
    const bodyStart = i + r.open.length;
    const res = scanString(this.text, bodyStart, r, this.to);
    if (res.interp) return this.resume(bodyStart, r);
    this.lastSig = res.end - 1;
    if (this.documents(i, res.end, firstToken)) this.pushDoc(i, bodyStart, res.end, r);
    return res.end;
  }

  /** Scans a string from k (its body, or after an interpolation): to its end, or into its next interpolation. */
  private resume(k: number, rule: StringRule): number {
    const r = scanString(this.text, k, rule, this.to);
    if (r.interp) {
      const paren = rule.interp?.endsWith('(');
      this.frames.push({ rule, depth: 0, open: paren ? 40 : 123, close: paren ? 41 : 125 });
    }
    this.lastSig = r.end - 1;
    return r.end;
  }

  /** Whether the string literal text[i, end) documents code, by the language's rule. */
  private documents(i: number, end: number, firstToken: boolean): boolean {
    if (this.py) return this.pythonDoc(end, firstToken);
    if (this.spec.docstrings === 'statement') return this.statementDoc(i, end);
    if (this.spec.docAttr) return this.attrDoc(i, this.spec.docAttr);
    return false;
  }

  /** Python: a statement of its own, first in the module or first after a `def …:` or `class …:` line. */
  private pythonDoc(end: number, firstToken: boolean): boolean {
    if (!firstToken || !restBlank(this.text, end)) return false;
    if (this.prevLogical < 0) return true;
    return this.prevColon >= 0 && PY_DEF.test(this.text.slice(this.prevLogical, this.prevLogical + 20));
  }

  /** GraphQL, Julia: alone on its lines, before the declaration it documents (when `docNext` names which). */
  private statementDoc(i: number, end: number): boolean {
    const text = this.text;
    if (!onlySpaceBefore(text, i) || !restBlank(text, end)) return false;
    let k = end;
    while (k < text.length && /\s/.test(text[k] ?? '')) k++;
    const e = lineEnd(text, k);
    this.budget.spend(e - end);
    return !this.spec.docNext || this.spec.docNext.test(text.slice(k, e));
  }

  /** Elixir: after an attribute such as `@doc` on its line (looked for in at most 80 characters back). */
  private attrDoc(i: number, attr: RegExp): boolean {
    const before = this.text.slice(Math.max(0, i - 80), i);
    const nl = before.lastIndexOf('\n');
    return (nl >= 0 || i <= 80) && attr.test(before.slice(nl + 1));
  }

  /** Records the documenting literal text[i, end); an unclosed one documents to `end`. */
  private pushDoc(i: number, bodyStart: number, end: number, r: StringRule): void {
    const header = this.py ? this.pythonHeader() : undefined;
    const closed = end - r.close.length >= bodyStart && this.text.startsWith(r.close, end - r.close.length);
    this.out.push({ start: i, end, bodyStart, bodyEnd: closed ? end - r.close.length : end, marker: r.open, line: false, doc: true, header });
  }

  /** Python: the def or class a docstring belongs to, on one line ('' for a module's docstring). */
  private pythonHeader(): string {
    if (this.prevLogical < 0) return '';
    this.budget.spend(this.prevColon + 1 - this.prevLogical);
    return withoutComments(this.text, this.prevLogical, this.prevColon + 1, this.out);
  }
}

const EMBED = /<(script|style)\b/iy;
const CLOSE: Record<string, RegExp> = { script: /<\/script\s*>/gi, style: /<\/style\s*>/gi };

/** HTML, Vue, Svelte: `<!-- -->` comments, plus script and style blocks lexed as JavaScript/CSS. */
function scanHtml(find: CachedSearch, budget: SplitBudget, from: number, to: number, out: LexedComment[]): void {
  const text = find.text;
  let i = from;
  while (i < to) {
    const lt = find.indexOf('<', i);
    if (lt < 0 || lt >= to) return;
    budget.spend(1);
    if (text.startsWith('<!--', lt)) {
      const e = blockEnd(find, lt + 4, { open: '<!--', close: '-->' }, to);
      out.push({ start: lt, end: e.end, bodyStart: lt + 4, bodyEnd: e.bodyEnd, marker: '<!--', line: false });
      i = e.end;
      continue;
    }
    if (text.startsWith('<![CDATA[', lt)) {
      const k = find.indexOf(']]>', lt);
      i = k < 0 || k >= to ? to : k + 3;
      continue;
    }
    EMBED.lastIndex = lt;
    const m = EMBED.exec(text);
    // The tag ends at the next `>`: looked up once for all the `<script` that may precede it.
    const gt = m ? find.indexOf('>', EMBED.lastIndex) : -1;
    if (!m || gt < 0 || gt + 1 > to) { i = lt + 1; continue; }
    const tag = (m[1] ?? '').toLowerCase();
    const cm = find.search(CLOSE[tag]!, gt + 1);
    const end = cm && cm.at < to ? cm.at : to;
    const attrs = text.slice(EMBED.lastIndex, gt);
    budget.spend(attrs.length);
    const inner = tag === 'style'
      ? commentSyntaxFor(/\blang\s*=\s*["']?(scss|sass|less)/i.exec(attrs)?.[1]?.toLowerCase() ?? 'css')
      : /\btype\s*=\s*["']?text\/(?:x-)?(?:template|html)/i.test(attrs) ? undefined : commentSyntaxFor('typescript');
    if (inner) new Lexer(find, budget, compileSyntax(inner), gt + 1, end, out).run();
    i = cm && cm.at < to ? cm.end : to;
  }
}

/** Every comment and documenting literal of a file, in order (`text` with `\n` line ends). */
export function scanFile(text: string, spec: CommentSyntax, budget: SplitBudget = unlimited()): LexedComment[] {
  const out: LexedComment[] = [];
  const find = new CachedSearch(text, budget);
  if (spec.host === 'html') scanHtml(find, budget, 0, text.length, out);
  else if (spec.host === 'php') {
    // PHP is a template language: only `<?php … ?>` is PHP, the rest is HTML.
    const php = compileSyntax(spec);
    let i = 0;
    while (i < text.length) {
      const open = find.indexOf('<?', i);
      scanHtml(find, budget, i, open < 0 ? text.length : open, out);
      if (open < 0) break;
      const start = text.startsWith('<?php', open) ? open + 5 : open + 2;
      i = new Lexer(find, budget, php, start, text.length, out, '?>').run() + 2;
    }
  } else new Lexer(find, budget, compileSyntax(spec), 0, text.length, out).run();
  return out;
}
