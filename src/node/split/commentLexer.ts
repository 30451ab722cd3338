import { commentSyntaxFor } from './codeLanguages';
import { isIdent } from './commentSyntax';
import type { BlockRule, CommentSyntax, StringRule } from './commentSyntax';
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

/**
 * Lexes text[from, to) and appends its comments (and documenting literals) to `out`. With `stopAt`, returns
 * where that string first occurs in code (PHP's `?>`), else `to`.
 */
function scan(find: CachedSearch, budget: SplitBudget, c: CompiledSyntax, from: number, to: number, out: LexedComment[], stopAt = ''): number {
  const text = find.text;
  const spec = c.spec;
  const py = spec.docstrings === 'python';
  const frames: { rule: StringRule; depth: number; open: number; close: number }[] = [];
  const heredocs: string[] = [];
  // Python logical lines, to know when a string literal is the first statement after `def …:`.
  let lastSig = -1, depth = 0, logical = -1, prevLogical = -1, prevColon = -1;
  const mark = (k: number): void => {
    lastSig = k;
    if (!py) return;
    if (logical < 0 && depth === 0) logical = k;
    const ch = text.charCodeAt(k);
    if (ch === 40 || ch === 91 || ch === 123) depth++;
    else if ((ch === 41 || ch === 93 || ch === 125) && depth > 0) depth--;
  };
  const resume = (k: number, rule: StringRule): number => {
    const r = scanString(text, k, rule, to);
    if (r.interp) {
      const paren = rule.interp?.endsWith('(');
      frames.push({ rule, depth: 0, open: paren ? 40 : 123, close: paren ? 41 : 125 });
    }
    lastSig = r.end - 1;
    return r.end;
  };
  const openString = (i: number, r: StringRule): number => {
    const firstToken = logical < 0 && depth === 0 && frames.length === 0;
    mark(i);
    const bodyStart = i + r.open.length;
    const res = scanString(text, bodyStart, r, to);
    if (res.interp) return resume(bodyStart, r);
    lastSig = res.end - 1;
    let header: string | undefined;
    let doc = false;
    if (py) {
      doc = firstToken && restBlank(text, res.end) && (prevLogical < 0 || (prevColon >= 0 && PY_DEF.test(text.slice(prevLogical, prevLogical + 20))));
      if (doc && prevLogical >= 0) budget.spend(prevColon + 1 - prevLogical);
      if (doc) header = prevLogical < 0 ? '' : withoutComments(text, prevLogical, prevColon + 1, out);
    } else if (spec.docstrings === 'statement') {
      if (onlySpaceBefore(text, i) && restBlank(text, res.end)) {
        let k = res.end;
        while (k < text.length && /\s/.test(text[k] ?? '')) k++;
        const e = lineEnd(text, k);
        budget.spend(e - res.end);
        doc = !spec.docNext || spec.docNext.test(text.slice(k, e));
      }
    } else if (spec.docAttr) {
      const before = text.slice(Math.max(0, i - 80), i);
      const nl = before.lastIndexOf('\n');
      doc = (nl >= 0 || i <= 80) && spec.docAttr.test(before.slice(nl + 1));
    }
    if (doc) {
      const closed = res.end - r.close.length >= bodyStart && text.startsWith(r.close, res.end - r.close.length);
      out.push({ start: i, end: res.end, bodyStart, bodyEnd: closed ? res.end - r.close.length : res.end, marker: r.open, line: false, doc, header });
    }
    return res.end;
  };
  /** The position after a token that starts at i, or -1 when text[i] is plain code. */
  const token = (i: number, ch: number): number => {
    for (const s of c.specials) {
      if (!s.first.includes(text[i] ?? '')) continue;
      const m = s.match(text, i);
      if (!m) continue;
      const end = Math.max(i + 1, Math.min(m.end, to));
      if (s.comment) out.push({ start: i, end, bodyStart: m.bodyStart, bodyEnd: Math.min(m.bodyEnd, end), marker: s.comment, line: false });
      else { mark(i); lastSig = end - 1; }
      return end;
    }
    for (const b of spec.block) {
      if (!text.startsWith(b.open, i)) continue;
      const e = blockEnd(find, i + b.open.length, b, to);
      out.push({ start: i, end: e.end, bodyStart: i + b.open.length, bodyEnd: e.bodyEnd, marker: b.open, line: false });
      return e.end;
    }
    const prev = i > from ? text.charCodeAt(i - 1) : 10;
    for (const l of spec.line) {
      if (!text.startsWith(l.marker, i) || l.reject?.(text, i)) continue;
      const at = l.at ?? 'any';
      if (at === 'ws' && !(prev === 32 || prev === 9 || prev === 10)) continue;
      if (at === 'word' && !(prev === 32 || prev === 9 || prev === 10 || ';&|()'.includes(text[i - 1] ?? ''))) continue;
      if (at === 'line' && !onlySpaceBefore(text, i)) continue;
      let e = Math.min(lineEnd(text, i), to);
      const stop = stopAt ? text.slice(i, e).indexOf(stopAt) : -1;
      if (stop >= 0) e = i + stop;
      out.push({ start: i, end: e, bodyStart: Math.min(i + l.marker.length, e), bodyEnd: e, marker: l.marker, line: true });
      return e;
    }
    for (const r of (ch < 128 ? c.strings[ch] : undefined) ?? []) {
      if (!text.startsWith(r.open, i)) continue;
      if (isIdent(r.open.charCodeAt(0)) && i > from && isIdent(prev)) continue;
      if (r.notAfter && text[i - 1] === r.notAfter) continue;
      if (r.scalarStart && i > from && !' \t\n[{,:-'.includes(text[i - 1] ?? '')) continue;
      return openString(i, r);
    }
    if (ch === 39 && spec.chars) {
      if (spec.chars === 'c') {
        if (!numberBefore(text, i)) return openString(i, CHAR);
      } else if (!(spec.chars === 'prime' && i > from && (isIdent(prev) || prev === 41 || prev === 93 || prev === 39))) {
        const n1 = text.charCodeAt(i + 1);
        if (n1 === 92) return openString(i, CHAR);
        const w = (text.codePointAt(i + 1) ?? 0) > 0xffff ? 2 : 1;
        if (n1 !== 10 && n1 !== 39 && text.charCodeAt(i + 1 + w) === 39) { mark(i); lastSig = i + 1 + w; return i + 2 + w; }
      }
    }
    if (ch === 47 && spec.regex) {
      const p = lastSig < from ? '' : text[lastSig] ?? '';
      let word = '';
      if (p && isIdent(text.charCodeAt(lastSig))) {
        let k = lastSig;
        while (k > from && isIdent(text.charCodeAt(k - 1))) k--;
        word = text.slice(k, lastSig + 1);
      }
      if (p === '' || REGEX_BEFORE.includes(p) || REGEX_KEYWORDS.has(word)) {
        const close = regexClose(i);
        if (close >= 0) { mark(i); lastSig = close; return close + 1; }
      }
    }
    if (ch === 60 && spec.heredoc && text.charCodeAt(i - 1) !== 60) {
      spec.heredoc.lastIndex = i;
      const m = spec.heredoc.exec(text);
      const d = m?.slice(1).find((g) => g);
      if (m && d) { heredocs.push(d); mark(i); return i + m[0].length; }
    }
    if (spec.charPrefix && ch === spec.charPrefix.charCodeAt(0)) {
      const n1 = text[i + 1] ?? '\n';
      if (!/\s/.test(n1) && !(spec.charPrefix === '?' && i > from && isIdent(prev))) {
        mark(i);
        return i + 1 + ((text.codePointAt(i + 1) ?? 0) > 0xffff ? 2 : 1);
      }
    }
    return -1;
  };

  /**
   * Where the regex literal that may open at i closes, or -1 (no unescaped `/` outside a class before the
   * line ends). What follows a position depends only on the position and on being in a class or not, so a
   * scan that reaches a (position, state) where an earlier scan failed fails too: `failed` keeps those
   * states (bit 1 outside a class, bit 2 inside), and each is walked at most once.
   */
  let failed: Uint8Array | undefined;
  const regexClose = (i: number): number => {
    const walk = (record: boolean): number => {
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
      budget.spend(j - i);
      return -1;
    };
    const close = walk(false);
    if (close >= 0) return close;
    failed ??= new Uint8Array(to - from);
    walk(true);
    return -1;
  };

  /** Plain code text[a, b): only the last significant character and the start of a Python statement matter. */
  const plain = (a: number, b: number): void => {
    let p = b - 1;
    while (p >= a && isSpace(text.charCodeAt(p))) p--;
    if (p < a) return;
    lastSig = p;
    if (py && logical < 0 && depth === 0) {
      let q = a;
      while (isSpace(text.charCodeAt(q))) q++;
      logical = q;
    }
  };

  let i = from;
  while (i < to) {
    const re = frames.length > 0 ? c.skipInterp : c.skip;
    re.lastIndex = i;
    const j = re.test(text) ? Math.min(re.lastIndex - 1, to) : to;
    budget.spend(j - i + 1);
    if (j > i) plain(i, j);
    if (j >= to) break;
    i = j;
    const ch = text.charCodeAt(i);
    if (ch === 10) {
      if (py && depth === 0 && logical >= 0 && text.charCodeAt(lastSig) !== 92) {
        prevLogical = logical;
        prevColon = text.charCodeAt(lastSig) === 58 ? lastSig : -1;
        logical = -1;
      }
      const next = heredocs.length > 0 ? skipHeredocs(text, i + 1, heredocs, to) : i + 1;
      budget.spend(next - i);
      i = next;
      continue;
    }
    if (ch === 32 || ch === 9 || ch === 12) { i++; continue; }
    if (frames.length > 0) {
      // Index only when non-empty: frames[-1] is a slow dictionary lookup in V8, and this runs per character.
      const f = frames[frames.length - 1] as (typeof frames)[number];
      if (ch === f.open) f.depth++;
      else if (ch === f.close) {
        if (f.depth === 0) {
          frames.pop();
          const next = resume(i + 1, f.rule);
          budget.spend(next - i);
          i = next;
          continue;
        }
        f.depth--;
      }
    } else if (stopAt && ch === stopAt.charCodeAt(0) && text.startsWith(stopAt, i)) return i;
    const next = token(i, ch);
    if (next > i) {
      budget.spend(next - i);
      i = next;
      continue;
    }
    mark(i);
    i++;
  }
  return to;
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
    if (inner) scan(find, budget, compileSyntax(inner), gt + 1, end, out);
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
      i = scan(find, budget, php, start, text.length, out, '?>') + 2;
    }
  } else scan(find, budget, compileSyntax(spec), 0, text.length, out);
  return out;
}
