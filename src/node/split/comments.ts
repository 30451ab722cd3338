import type { Unit } from '../../common/types';
import { commentSyntaxFor } from './codeLanguages';
import type { CommentSyntax } from './commentSyntax';
import { onlySpaceBefore, scanFile, withoutComments } from './commentLexer';
import type { LexedComment } from './commentLexer';
import { PRAGMA, SOLO_PRAGMA, isCommentedOutCode, isLicenceHeader } from './commentFilters';
import { unlimited } from './budget';
import type { SplitBudget } from './budget';

/*
 * Comments of a source file as search units, from one linear pass of a table-driven lexer (commentLexer.ts,
 * with the rules of commentSyntax.ts).
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

const NON_SPACE = /[^ \t\f\n]/g;
const ANNOTATION = /^(?:@[\w.]+(?:\(.*\))?|#!?\[.*\]|\[[\w.]+(?:\(.*\))?\])$/;
/** Has a letter or digit: names something. */
const NAMED = /[\p{L}\p{N}]/u;
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
function lineBody(text: string, r: LexedComment, spec: CommentSyntax): string {
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
function blockBody(text: string, r: LexedComment, spec: CommentSyntax): string[] {
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

/** The code of one line (comments removed), and what the titles ask of it, worked out once. */
interface LineCode {
  text: string;
  named: boolean;
  annotation: boolean;
}

interface Group {
  raws: LexedComment[];
  startLine: number;
  endLine: number;
  style: string;
  own: boolean;
}

/** All comment units of a source file. Units have kind 'comment'. */
export function extractComments(text: string, languageId: string, budget: SplitBudget = unlimited()): Unit[] {
  const spec = commentSyntaxFor(languageId);
  if (!spec) return [];
  let src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (src.includes('\r')) src = src.replace(/\r\n?/g, '\n');
  budget.spend(src.length);
  const raws = scanFile(src, spec, budget);

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
      const found = NON_SPACE.test(src);
      budget.spend((found ? NON_SPACE.lastIndex : src.length) - k);
      if (!found || NON_SPACE.lastIndex > b) return;
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
  // Once per line: a minified file has thousands of comments on one line, each titled by that line's code.
  const lineCode = new Map<number, LineCode>();
  const codeOf = (l: number): LineCode => {
    let c = lineCode.get(l);
    if (!c) {
      const ls = starts[l - 1] ?? 0;
      const le = l < lineCount ? (starts[l] ?? 1) - 1 : src.length;
      budget.spend(2 * (le - ls));
      const t = withoutComments(src, ls, le, raws);
      c = { text: t, named: NAMED.test(t), annotation: ANNOTATION.test(t) };
      lineCode.set(l, c);
    }
    return c;
  };
  const codeText = (l: number): string => codeOf(l).text;
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
    const r0 = g.raws[0] as LexedComment;
    budget.spend((g.raws[g.raws.length - 1] as LexedComment).end - r0.start);
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
    if (!NAMED.test(body)) continue;
    if (!doc && isCommentedOutCode(lines)) continue;
    if ((firstCode === 0 || g.endLine < firstCode) && isLicenceHeader(full)) continue;
    const title = titleOf(g, r0);
    // A title without a letter or digit (`}`, `{ }`) names nothing.
    units.push({ kind: 'comment', title: title.named ? wellFormed(clip(title.text)) : '', text: wellFormed(body), startLine: g.startLine, endLine: g.endLine });
  }
  return units;

  function titleOf(g: Group, r0: LexedComment): { text: string; named: boolean } {
    if (r0.header !== undefined) return { text: r0.header, named: NAMED.test(r0.header) };
    if (!r0.doc) {
      // Trailing: the code on its line. Only punctuation there (JSX `{/* … */}`): what follows, as for own-line ones.
      const same = codeOf(g.own ? g.endLine : g.startLine);
      if (same.named) return same;
    }
    let l = nextCode[g.endLine + 1] ?? 0;
    // Decorators and attributes sit between a doc comment and what it documents.
    for (let hops = 0; l; hops++) {
      const c = codeOf(l);
      const next = nextCode[l + 1] ?? 0;
      if (hops < 5 && next && next - l <= 3 && c.annotation) { l = next; continue; }
      return c;
    }
    return { text: '', named: false };
  }
}
