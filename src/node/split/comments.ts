import type { Unit } from '../../common/types';
import { isIdent, languageSpec } from './languages';
import type { BlockRule, LanguageSpec, Special, StringRule } from './languages';

/*
 * Comments of a source file as search units, from one linear pass of a table-driven lexer (languages.ts).
 * The lexer knows each language's literals well enough that `"http://x"`, `'# not'`, template literals, raw
 * strings and heredocs never yield comments; it does not parse, so it stays fast on any input.
 * Choices worth knowing:
 * - Consecutive own-line comments with the same marker style (`//` vs `///`) merge into one unit; a blank
 *   line or a code line ends the unit. A trailing comment (`x = 1 // note`) is always a unit of its own,
 *   titled by the code on its line: merging neighbours would blur which line each note is about.
 * - Licence headers are skipped, not returned: every comment that ends before the file's first line of code
 *   and reads as a licence (isLicenceHeader). They match nearly any query about the project and answer none.
 * - Pragmas (lint/format/compiler directives), decoration-only comments and commented-out code are dropped;
 *   doc comments (`/**`, `///`, docstrings…) are never judged to be commented-out code, because examples
 *   inside documentation look like code on purpose.
 */

interface Raw {
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

interface Compiled {
  spec: LanguageSpec;
  /** String rules by the char code of their first character (ASCII), longest opener first. */
  strings: (StringRule[] | undefined)[];
  specials: Special[];
  /** Finds the next character that may start a token, so plain code is skipped by the regex engine, not a JS loop. */
  skip: RegExp;
  /** The same while inside a string interpolation, where brackets must be counted. */
  skipInterp: RegExp;
}

const compiled = new Map<LanguageSpec, Compiled>();
function compile(spec: LanguageSpec): Compiled {
  let c = compiled.get(spec);
  if (c) return c;
  const singles = new Set<string>();
  // A letter starts a token only when the rest of an opener follows (`r"`, `url(`): one lookahead for all of them
  // keeps identifiers from stopping the skip without making the regex an alternation per opener.
  const letters = new Set<string>();
  const rests = new Set<string>();
  const opener = (s: string): void => {
    const f = s[0] ?? '';
    if (/[A-Za-z]/.test(f)) {
      letters.add(f);
      rests.add(s.slice(1));
    } else if (f) singles.add(f);
  };
  const specials = spec.specials ?? [];
  for (const sp of specials) {
    if (sp.openers) sp.openers.forEach(opener);
    else for (const ch of sp.first) singles.add(ch);
  }
  spec.block.forEach((b) => opener(b.open));
  spec.line.forEach((l) => opener(l.marker));
  spec.strings.forEach((r) => opener(r.open));
  const extra = `${spec.chars ? "'" : ''}${spec.regex ? '/' : ''}${spec.heredoc ? '<\n' : ''}${spec.charPrefix ?? ''}`
    + `${spec.docstrings === 'python' ? '\n()[]{}' : ''}${spec.host === 'php' ? '?' : ''}`;
  for (const ch of extra) singles.add(ch);
  const esc = (x: string): string => x.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
  const cls = (chars: Iterable<string>): string => [...chars].map((ch) => ch.replace(/[\\\]^-]/g, '\\$&')).join('');
  // Rests that extend a shorter rest add nothing to a lookahead.
  const minimal = [...rests].filter((r) => ![...rests].some((o) => o !== r && r.startsWith(o)));
  const ahead = letters.size > 0 ? [`[${cls(letters)}](?=${minimal.map(esc).join('|')})`] : [];
  const build = (more: string): RegExp => {
    const all = cls([...singles, ...more]);
    return new RegExp([all ? `[${all}]` : '(?!)', ...ahead].join('|'), 'g');
  };
  // Longest opener first, so `"""` wins over `"` and `rb"` over `"`.
  const strings: (StringRule[] | undefined)[] = [];
  for (const r of [...spec.strings].sort((x, y) => y.open.length - x.open.length)) (strings[r.open.charCodeAt(0)] ??= []).push(r);
  c = { spec, strings, specials, skip: build(''), skipInterp: build('(){}') };
  compiled.set(spec, c);
  return c;
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
const onlySpaceBefore = (text: string, i: number): boolean => {
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

function blockEnd(text: string, j: number, b: BlockRule, to: number): { end: number; bodyEnd: number } {
  if (!b.nests) {
    const k = text.indexOf(b.close, j);
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
function withoutComments(text: string, a: number, b: number, raws: Raw[]): string {
  let k = 0, hi = raws.length;
  while (k < hi) {
    const mid = (k + hi) >> 1;
    if ((raws[mid] as Raw).end <= a) k = mid + 1;
    else hi = mid;
  }
  let s = '';
  for (; k < raws.length && (raws[k] as Raw).start < b; k++) {
    const r = raws[k] as Raw;
    s += `${text.slice(a, r.start)} `;
    a = Math.max(a, r.end);
  }
  if (a < b) s += text.slice(a, b);
  // A declaration broken over lines (`def f(\n    a,\n)`) reads as `def f(a,)`, not `def f( a, )`.
  let joined = '';
  for (const part of s.split('\n')) {
    const p = part.trim();
    if (p) joined += (joined && !/[([{]$/.test(joined) && !/^[)\]}]/.test(p) ? ' ' : '') + p;
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
function scan(text: string, c: Compiled, from: number, to: number, out: Raw[], stopAt = ''): number {
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
      if (doc) header = prevLogical < 0 ? '' : withoutComments(text, prevLogical, prevColon + 1, out);
    } else if (spec.docstrings === 'statement') {
      if (onlySpaceBefore(text, i) && restBlank(text, res.end)) {
        let k = res.end;
        while (k < text.length && /\s/.test(text[k] ?? '')) k++;
        doc = !spec.docNext || spec.docNext.test(text.slice(k, lineEnd(text, k)));
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
      const e = blockEnd(text, i + b.open.length, b, to);
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
        let inClass = false;
        for (let j = i + 1; j < to; j++) {
          const d = text.charCodeAt(j);
          if (d === 10) break;
          if (d === 92) j++;
          else if (d === 91) inClass = true;
          else if (d === 93) inClass = false;
          else if (d === 47 && !inClass) { mark(i); lastSig = j; return j + 1; }
        }
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
      i = heredocs.length > 0 ? skipHeredocs(text, i + 1, heredocs, to) : i + 1;
      continue;
    }
    if (ch === 32 || ch === 9 || ch === 12) { i++; continue; }
    if (frames.length > 0) {
      // Index only when non-empty: frames[-1] is a slow dictionary lookup in V8, and this runs per character.
      const f = frames[frames.length - 1] as (typeof frames)[number];
      if (ch === f.open) f.depth++;
      else if (ch === f.close) {
        if (f.depth === 0) { frames.pop(); i = resume(i + 1, f.rule); continue; }
        f.depth--;
      }
    } else if (stopAt && ch === stopAt.charCodeAt(0) && text.startsWith(stopAt, i)) return i;
    const next = token(i, ch);
    if (next > i) { i = next; continue; }
    mark(i);
    i++;
  }
  return to;
}

const EMBED = /<(script|style)\b([^>]*)>/iy;

/** HTML, Vue, Svelte: `<!-- -->` comments, plus script and style blocks lexed as JavaScript/CSS. */
function scanHtml(text: string, from: number, to: number, out: Raw[]): void {
  let i = from;
  while (i < to) {
    const lt = text.indexOf('<', i);
    if (lt < 0 || lt >= to) return;
    if (text.startsWith('<!--', lt)) {
      const e = blockEnd(text, lt + 4, { open: '<!--', close: '-->' }, to);
      out.push({ start: lt, end: e.end, bodyStart: lt + 4, bodyEnd: e.bodyEnd, marker: '<!--', line: false });
      i = e.end;
      continue;
    }
    if (text.startsWith('<![CDATA[', lt)) {
      const k = text.indexOf(']]>', lt);
      i = k < 0 || k >= to ? to : k + 3;
      continue;
    }
    EMBED.lastIndex = lt;
    const m = EMBED.exec(text);
    if (!m || lt + m[0].length > to) { i = lt + 1; continue; }
    const tag = (m[1] ?? '').toLowerCase();
    const close = new RegExp(`</${tag}\\s*>`, 'gi');
    close.lastIndex = lt + m[0].length;
    const cm = close.exec(text);
    const end = cm && cm.index < to ? cm.index : to;
    const attrs = m[2] ?? '';
    const inner = tag === 'style'
      ? languageSpec(/\blang\s*=\s*["']?(scss|sass|less)/i.exec(attrs)?.[1]?.toLowerCase() ?? 'css')
      : /\btype\s*=\s*["']?text\/(?:x-)?(?:template|html)/i.test(attrs) ? undefined : languageSpec('typescript');
    if (inner) scan(text, compile(inner), lt + m[0].length, end, out);
    i = cm && cm.index < to ? cm.index + cm[0].length : to;
  }
}

function scanFile(text: string, spec: LanguageSpec): Raw[] {
  const out: Raw[] = [];
  if (spec.host === 'html') scanHtml(text, 0, text.length, out);
  else if (spec.host === 'php') {
    // PHP is a template language: only `<?php … ?>` is PHP, the rest is HTML.
    const php = compile(spec);
    let i = 0;
    while (i < text.length) {
      const open = text.indexOf('<?', i);
      scanHtml(text, i, open < 0 ? text.length : open, out);
      if (open < 0) break;
      const start = text.startsWith('<?php', open) ? open + 5 : open + 2;
      i = scan(text, php, start, text.length, out, '?>') + 2;
    }
  } else scan(text, compile(spec), 0, text.length, out);
  return out;
}

// Lint, format and compiler directives and other boilerplate, removed wherever they stand (tested per trimmed line).
const PRAGMA = new RegExp(`^(?:${[
  'eslint(?:-disable|-enable|-env)?\\b', 'jshint\\b', 'jslint\\b', 'tslint:', '@ts-(?:ignore|expect-error|nocheck|check)\\b',
  'prettier-ignore', '(?:istanbul|c8|v8)\\s+ignore\\b', 'biome-ignore', 'deno-lint-ignore', 'stylelint-(?:disable|enable)',
  '<(?:reference|amd-module|amd-dependency)\\b', 'noqa\\b', 'type:\\s*ignore', 'pylint:', 'pyright:', 'mypy:', 'ruff:',
  'fmt:\\s*(?:off|on|skip)', 'isort:', 'pragma:?\\s+no\\s+cover', '-\\*-.*-\\*-$', 'vim?:\\s*(?:set?\\s|[a-z]+=)',
  'frozen_string_literal:', '#(?:end)?region\\b', 'endregion\\b', '</?editor-fold\\b', '(?:TODO|FIXME|XXX|HACK)(?:\\([^)]*\\))?[\\s:.!-]*$',
  'nolint\\b', 'NOLINT', '[\\w#!\\[(]*clippy::', 'rubocop:', 'NOSONAR', 'go:\\w+', '\\+build\\b', 'swiftlint:', 'swift-format-ignore',
  'ktlint-disable', 'clang-format\\s+(?:on|off)', '@formatter:(?:on|off)', 'cspell:', 'spell-checker:', 'phpcs:', '@phpstan-ignore',
  '@psalm-suppress', 'shellcheck\\s', 'hadolint\\s', 'yamllint\\s', 'markdownlint-', 'SPDX-(?:License-Identifier|FileCopyrightText):',
  '@license\\b', '@preserve$', 'Code generated .* DO NOT EDIT\\.?$', '![/[]',
].join('|')})`);
// Directives that read like prose inside a longer comment ("encoding: utf-8 by default"): skipped only as a whole comment.
const SOLO_PRAGMA = /^(?:(?:encoding|coding|typed|warn_indent|shareable_constant_value)\s*[:=]\s*\S+$|(?:syntax|escape|check)=\S+$|@(?:flow|noflow|format|jsx\w*|refresh)\b|webpack[A-Z]\w*\s*:|globals?\s+[\w$]+(?:\s*[:,]\s*[\w$]+)*\s*$)/;

const LICENCE = /\bcopyright\b|©|\bSPDX-License-Identifier\b|\blicen[cs]ed under\b|\bpermission is hereby granted\b|\ball rights reserved\b|\b(?:apache|mit|bsd|isc|mozilla public|(?:gnu )?(?:lesser |affero )?general public) licen[cs]e\b/i;

/** True for a comment that reads as a licence/copyright header (copyright, SPDX, "Licensed under", MIT grant…). */
export function isLicenceHeader(text: string): boolean {
  return LICENCE.test(text);
}

// Commented-out code. Strong shapes count whatever the words; weak ones only without a run of prose words.
const STRONG_CODE = [
  /^[\])}]+[;,)]*$/, /^(?:end|fi|done|esac|else|try|finally|begin|\{)[:;]?$/,
  /^(?:(?:export|pub(?:\([\w ]+\))?|public|private|protected|internal|static|final|async|abstract|override|open|default|unsafe|inline|extern|virtual|readonly)\s+)*(?:const|let|var|val|def|fn|func|function|class|struct|enum|interface|impl|trait|void|int|long|bool|boolean|char|float|double|auto|String|local)\s+[\w$*&<>[\],.]+\s*[(=:{<;]/,
  /^(?:if|for|while|switch|catch|foreach|elif|else\s+if|unless|until)\s*\(.*\)\s*\{?$/,
  /^(?:elif|while|if)\s+[^:]*[=<>()[\].][^:]*:$/, /^except\b[^:]*:$/, /^for\s+[\w, ()]+\s+in\s+[^:]+:$/, /^with\s.*\bas\s+\w+:$/,
  /^return(?:\s+\S+)?;?$/, /^(?:break|continue|pass)\s*;?$/, /^(?:throw|raise)\s+(?:new\s+)?[\w.]+(?:\(.*\))?;?$/,
  /^#include\s*[<"]/, /^import\s+[\w.*]+;?$/, /^import\s.*\bfrom\s+['"]/, /^import\s+['"{*]/, /^from\s+[\w.]+\s+import\s/,
  /^(?:use|using|require|require_once|include)\s+[\w:.\\'"()/]+;$/, /^package\s+[\w.]+;?$/,
  /^<\/?[A-Za-z][\w:.-]*(?:\s[^<>]*)?\/?>(?:.*<\/[\w:.-]+>)?$/,
  // Comment syntax inside a comment: a commented-out block that had its own comments.
  /^(?:\/\/|\/\*\*?(?:\s|$)|\*\/$|\*$|\* @\w)/,
];
const WEAK_CODE = [
  /[;{]$/,
  /^[A-Za-z_$][\w$]*(?:(?:\.|->|::)[A-Za-z_$][\w$]*|\[[^\]]*\])*\s*(?:[-+*/%&|^]|\?\?|\|\||&&|<<|>>)?=(?!=)\s*\S/,
  /^(?:await\s+|new\s+|yield\s+|return\s+)?[A-Za-z_$][\w$]*(?:(?:\.|->|::|\?\.)[A-Za-z_$][\w$]*)*\(.*\)[;,]?$/,
];
const WORDS = /[A-Za-z]{2,} [A-Za-z]{2,} [A-Za-z]{2,}/;
const PROSE = /\p{L}{2,}[ ,]+\p{L}{2,}[ ,]+\p{L}{2,}|[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]/u;

function looksLikeCode(line: string): boolean {
  const s = line.trim().slice(0, 300);
  const bare = s.replace(/"[^"]*"|'[^']*'|`[^`]*`/g, '""');
  // Anything non-ASCII outside quotes is a human language, and a final full stop ends a sentence.
  if (/[^\x00-\x7f]/.test(bare) || /(?:^|[^.])[.?!]$/.test(s)) return false;
  if (STRONG_CODE.some((re) => re.test(s))) return true;
  // Up to six words is a declaration (`public static void main(String[] args) {`), more is a sentence.
  return (s.endsWith('{') ? (bare.match(/[A-Za-z]{2,}/g)?.length ?? 0) <= 6 : !WORDS.test(bare)) && WEAK_CODE.some((re) => re.test(s));
}

function isCommentedOutCode(lines: string[]): boolean {
  let n = 0, code = 0, prose = 0;
  for (const l of lines) {
    if (!l.trim()) continue;
    n++;
    if (looksLikeCode(l)) code++;
    else if (PROSE.test(l.slice(0, 300))) prose++;
  }
  return code > 0 && code * 2 >= n && (prose === 0 || code * 10 >= n * 7);
}

const NON_SPACE = /[^ \t\f\n]/g;
const ANNOTATION = /^(?:@[\w.]+(?:\(.*\))?|#!?\[.*\]|\[[\w.]+(?:\(.*\))?\])$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const wellFormed = (s: string): string => s.replace(LONE_SURROGATE, '\uFFFD');

function clip(s: string): string {
  if (s.length <= 120) return s;
  const cut = /[\uD800-\uDBFF]/.test(s[118] ?? '') ? 118 : 119;
  return `${s.slice(0, cut)}…`;
}

function dedent(lines: string[]): string[] {
  let min = Infinity;
  for (const l of lines) if (l.trim()) min = Math.min(min, l.length - l.trimStart().length);
  return min === Infinity || min === 0 ? lines : lines.map((l) => l.slice(Math.min(min, l.length - l.trimStart().length)));
}

function trimBlankEdges(lines: string[]): string[] {
  let a = 0, b = lines.length;
  while (a < b && !(lines[a] ?? '').trim()) a++;
  while (b > a && !(lines[b - 1] ?? '').trim()) b--;
  return lines.slice(a, b);
}

/** The prose of one line comment, marker and doc sigils (`///`, `//!`, `#'`, `-- |`) removed. */
function lineBody(text: string, r: Raw, spec: LanguageSpec): string {
  let body = text.slice(r.bodyStart, r.bodyEnd);
  const m0 = r.marker[0] ?? '';
  if (/[^\w\s]/.test(m0)) {
    let k = 0;
    while (body[k] === m0) k++;
    body = body.slice(k);
  }
  if (r.marker === '//' && body[0] === '!') body = body.slice(1);
  return spec.docPrefix ? body.replace(spec.docPrefix, '') : body;
}

/** The prose of a block comment or docstring: delimiters, doc stars and the ` * ` gutter removed. */
function blockBody(text: string, r: Raw, spec: LanguageSpec): string[] {
  let body = text.slice(r.bodyStart, r.bodyEnd);
  const oc = r.marker[r.marker.length - 1] ?? '';
  if (!r.doc && '*-#|'.includes(oc)) {
    let a = 0, b = body.length;
    while (body[a] === oc) a++;
    while (b > a && body[b - 1] === oc) b--;
    body = body.slice(body[a] === '!' ? a + 1 : a, b);
  }
  let lines = body.split('\n');
  const rest = lines.slice(1).filter((l) => l.trim());
  // A ` * ` gutter, even when some wrapped lines forgot their star.
  if (rest.length > 0 && rest.filter((l) => /^[ \t]*\*/.test(l)).length * 2 > rest.length) lines = lines.map((l, k) => (k === 0 ? l : l.replace(/^[ \t]*\*(?!\/) ?/, '')));
  if (r.marker === '=') lines = lines.map((l) => l.replace(/^=\w+[ \t]?/, ''));
  const first = (lines[0] ?? '').trimStart();
  return [spec.docPrefix ? first.replace(spec.docPrefix, '').trimStart() : first, ...dedent(lines.slice(1))];
}

function xmlDocText(lines: string[]): string[] {
  return lines
    .map((l) => [l, l.replace(/<(?:see|seealso|paramref|typeparamref)\s+\w+\s*=\s*"([^"]*)"\s*\/>/g, '$1')
      .replace(/<(?:param|typeparam)\s+name\s*=\s*"([^"]*)"\s*>/g, '$1: ')
      .replace(/<\/?[A-Za-z][\w:-]*(?:\s[^<>]*)?\/?>/g, '')] as const)
    .filter(([before, after]) => after.trim() || !before.trim())
    .map(([, after]) => after);
}

interface Group {
  raws: Raw[];
  startLine: number;
  endLine: number;
  style: string;
  own: boolean;
}

/** All comment units of a source file. Units have kind 'comment'. */
export function extractComments(text: string, languageId: string): Unit[] {
  const spec = languageSpec(languageId);
  if (!spec) return [];
  let src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (src.includes('\r')) src = src.replace(/\r\n?/g, '\n');
  const raws = scanFile(src, spec);

  const starts = [0];
  for (let k = src.indexOf('\n'); k >= 0; k = src.indexOf('\n', k + 1)) starts.push(k + 1);
  const lineOf = (off: number): number => {
    let lo = 0, hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= off) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const lineCount = starts.length;

  // Which lines hold code (anything outside comments), and the next such line from each line.
  const hasCode = new Uint8Array(lineCount + 2);
  const markCode = (a: number, b: number): void => {
    for (let k = a; k < b;) {
      NON_SPACE.lastIndex = k;
      if (!NON_SPACE.test(src) || NON_SPACE.lastIndex > b) return;
      const l = lineOf(NON_SPACE.lastIndex - 1);
      hasCode[l] = 1;
      k = starts[l] ?? b;
    }
  };
  let codeFrom = 0;
  for (const r of raws) {
    if (r.start > codeFrom) markCode(codeFrom, r.start);
    codeFrom = Math.max(codeFrom, r.end);
  }
  markCode(codeFrom, src.length);
  const nextCode = new Int32Array(lineCount + 2);
  for (let l = lineCount; l >= 1; l--) nextCode[l] = hasCode[l] ? l : nextCode[l + 1] ?? 0;
  const codeText = (l: number): string => {
    const ls = starts[l - 1] ?? 0;
    return withoutComments(src, ls, l < lineCount ? (starts[l] ?? 1) - 1 : src.length, raws);
  };
  let firstCode = nextCode[1] ?? 0;
  // `<?php` opens the file rather than being code before the licence header.
  while (firstCode && /^<\?(?:php)?$/.test(codeText(firstCode))) firstCode = nextCode[firstCode + 1] ?? 0;

  const groups: Group[] = [];
  for (const r of raws) {
    // Shebangs and Haskell `{-# LANGUAGE … #-}` pragmas are instructions, never prose.
    if ((r.start === 0 && r.marker === '#' && src[1] === '!') || (r.marker === '{-' && src[r.bodyStart] === '#')) continue;
    const startLine = lineOf(r.start);
    const endLine = r.line ? startLine : lineOf(Math.max(r.start, r.end - 1));
    const b0 = src[r.bodyStart] ?? '';
    const style = r.line ? r.marker + ((r.marker === '//' && (b0 === '/' || b0 === '!')) || (r.marker === '#' && b0 === "'") ? b0 : '') : '';
    const own = onlySpaceBefore(src, r.start);
    const g = groups[groups.length - 1];
    if (r.line && own && g && g.own && g.style === style && g.endLine === startLine - 1) {
      g.raws.push(r);
      g.endLine = startLine;
    } else groups.push({ raws: [r], startLine, endLine, style, own });
  }

  const units: Unit[] = [];
  for (const g of groups) {
    const r0 = g.raws[0] as Raw;
    const b0 = src.slice(r0.bodyStart, r0.bodyStart + 3);
    const doc = !!r0.doc || r0.marker === '=' || r0.marker === '=begin' || (r0.line ? g.style !== r0.marker : /^[*!]/.test(b0))
      || (!!spec.docPrefix && spec.docPrefix.test(b0));
    let lines = r0.line ? dedent(g.raws.map((r) => lineBody(src, r, spec))) : blockBody(src, r0, spec);
    if (spec.xmlDoc) lines = xmlDocText(lines);
    lines = lines.map((l) => l.trimEnd());
    const full = trimBlankEdges(lines).join('\n');
    lines = trimBlankEdges(lines.filter((l) => !PRAGMA.test(l.trim())));
    if (lines.length === 1 && SOLO_PRAGMA.test((lines[0] ?? '').trim())) continue;
    const body = lines.join('\n');
    if (!/[\p{L}\p{N}]/u.test(body)) continue;
    if (!doc && isCommentedOutCode(lines)) continue;
    if ((firstCode === 0 || g.endLine < firstCode) && isLicenceHeader(full)) continue;
    const title = titleOf(g, r0);
    // A title without a letter or digit (`}`, `{ }`) names nothing.
    units.push({ kind: 'comment', title: /[\p{L}\p{N}]/u.test(title) ? wellFormed(clip(title)) : '', text: wellFormed(body), startLine: g.startLine, endLine: g.endLine });
  }
  return units;

  function titleOf(g: Group, r0: Raw): string {
    if (r0.header !== undefined) return r0.header;
    if (!r0.doc) {
      // Trailing: the code on its line. Only punctuation there (JSX `{/* … */}`): what follows, as for own-line ones.
      const same = codeText(g.own ? g.endLine : g.startLine);
      if (/[\p{L}\p{N}]/u.test(same)) return same;
    }
    let l = nextCode[g.endLine + 1] ?? 0;
    // Decorators and attributes sit between a doc comment and what it documents.
    for (let hops = 0; l; hops++) {
      const t = codeText(l);
      const next = nextCode[l + 1] ?? 0;
      if (hops < 5 && next && next - l <= 3 && ANNOTATION.test(t)) { l = next; continue; }
      return t;
    }
    return '';
  }
}
