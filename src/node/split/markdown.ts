import type { Unit } from '../../common/types';
import { indentOf, parseFrontmatter } from './frontmatter';

/*
 * A line-oriented Markdown/MDX sectioniser, not a full CommonMark parser: search only needs the prose of
 * each section and roughly where it is, and a single linear pass keeps a 1 MB document well under 100 ms.
 * Choices worth knowing:
 * - Heading paths are the chain of enclosing headings. When the document has no H1, the frontmatter title
 *   stands in as the root ("Deploy to Netlify › Static site"), since Astro/Starlight-style pages render it as
 *   the H1; when there is an H1 the paths stay pure headings.
 * - JSX/HTML tags are removed but their inner text is kept; the values of `title`, `description` and `alt`
 *   attributes are kept too, because components such as `<LinkCard title=… description=…/>` carry prose there.
 * - An admonition marker (`:::note[Label]`) is dropped, its bracketed label kept as a line of prose.
 * - MDX ESM (`import`/`export`) is removed per MDX rules: it starts a block at the top level and runs to the
 *   next blank line (with balanced brackets, for multi-line statements). Indented code blocks do not exist
 *   in MDX, so they are only recognised in plain Markdown.
 */

const SEP = ' › ';
const FENCE_OPEN = /^(?:[ \t]*>)*[ \t]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^(?:[ \t]*>)*[ \t]*(`{3,}|~{3,})[ \t]*$/;
const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const THEMATIC = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const LIST_ITEM = /^[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)/;
const BLOCKQUOTE = /^[ \t]*(?:>[ \t]?)+/;
const TASK = /^\[[ xX]\][ \t]+/;
const REF_DEF = /^ {0,3}\[(?!\^)[^\]]+\]:[ \t]*\S+[ \t]*(?:"[^"]*"|'[^']*'|\([^)]*\))?[ \t]*$/;
const FOOTNOTE_DEF = /^ {0,3}\[\^[^\]]+\]:[ \t]*/;
const TABLE_DELIM = /^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;
const ADMONITION = /^[ \t]*:{3,}[ \t]*[^\s[{]*[ \t]*(?:\[([^\]]*)\])?[ \t]*(?:\{[^}]*\})?[ \t]*$/;
const RAW_OPEN = /^[ \t]*<(script|style|pre)\b/i;
const TAG_SRC =
  String.raw`<\/?[A-Za-z][\w.:-]*(?:\s(?:[^<>"'{}]|"[^"]*"|'[^']*'|\{(?:[^{}]|\{[^{}]*\})*\})*)?\/?>|<\/?>`;
const TAG = new RegExp(TAG_SRC, 'g');
const TAG_AT_START = new RegExp(String.raw`^\s*(?:${TAG_SRC})`);
const TAG_START = /^[ \t]*<[A-Za-z]/;
const ATTR = /\b(?:alt|title|description)\s*=\s*(?:"([^"]*)"|'([^']*)'|\{\s*["'`]([^"'`]*)["'`]\s*\})/g;
const LINK_TEXT = String.raw`\[((?:[^\[\]\\]|\\.|\[(?:[^\[\]\\]|\\.)*\])*)\]`;
const LINK = new RegExp(
  String.raw`!?${LINK_TEXT}\((?:<[^>]*>|(?:[^()\s\\]|\\.|\([^()]*\))*)(?:\s+(?:"[^"]*"|'[^']*'|\([^()]*\)))?\s*\)`,
  'g',
);
const REF_LINK = new RegExp(String.raw`!?${LINK_TEXT}\[[^\[\]]*\]`, 'g');
const AUTOLINK = /<((?:https?|ftp|mailto):[^\s<>]*|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)>/g;
const CODE_SPAN = /(?<!`)(`+)(?!`)(.*?[^`])\1(?!`)/g;
const STRICT_ESM =
  /^(?:import\s+(?:[\w$*{][^'"]*?\s+from\s+)?['"][^'"]+['"]\s*;?\s*$|import\s*\{\s*$|import\s+type\s|export\s+(?:const|let|var|function|async\s+function|default|\{))/;
const ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', mdash: '—', ndash: '–', hellip: '…',
  copy: '©', reg: '®', trade: '™', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', laquo: '«', raquo: '»',
  middot: '·', times: '×', rarr: '→', larr: '←', zwj: '\u200d', shy: '', colon: ':', lbrace: '{', rbrace: '}', num: '#', excl: '!', vert: '|',
};

interface Section {
  title: string;
  /** 1-based first line, 0 until something non-blank is seen (the preamble starts unset). */
  start: number;
  end: number;
  out: string[];
}

type CommentState = { open: '-->' | '*/}' | null };

/** Sections of a Markdown/MDX document as prose units (kind 'markdown'). */
export function splitMarkdown(text: string, options?: { mdx?: boolean }): Unit[] {
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split(/\r\n?|\n/);
  const fm = parseFrontmatter(lines);
  const { mdx, hasH1 } = prescan(lines, fm.lines, options?.mdx);
  const units: Unit[] = [];
  if (fm.title || fm.description) {
    const fmText = [fm.title, fm.description].filter(Boolean).join('\n');
    pushUnit(units, { title: fm.title, start: 1, end: fm.lines, out: fmText.split('\n') });
  }
  const root = !hasH1 && fm.title ? [fm.title] : [];
  const stack: { level: number; text: string }[] = [];
  let sec: Section = { title: fm.title, start: 0, end: 0, out: [] };
  const touch = (idx: number): void => {
    if (sec.start === 0) sec.start = idx + 1;
    sec.end = idx + 1;
  };
  const comment: CommentState = { open: null };
  let fence: { ch: string; len: number } | null = null;
  let rawClose: string | null = null;
  let esmDepth = -1; // ≥ 0 while inside an MDX ESM block
  let pendingTag: string[] | null = null;
  let indentedCode = false;
  let inList = false;
  let prevBlank = true;
  // The open paragraph, so that a setext underline can turn it into a heading after the fact.
  let paraStart = -1;
  let paraPlain = false;
  let paraOut = 0;
  let paraRaw: string[] = [];
  let endBeforePara = 0;

  const emit = (cleaned: string): void => {
    for (const part of cleaned.split('\n')) {
      const t = part.trim();
      if (t) {
        sec.out.push(t);
        paraOut++;
      }
    }
  };
  const startSection = (level: number, heading: string, line: number): void => {
    pushUnit(units, sec);
    while (stack.length > 0 && stack[stack.length - 1]!.level >= level) stack.pop();
    stack.push({ level, text: heading });
    const path = [...root, ...stack.map((h) => h.text)].filter(Boolean);
    sec = { title: path.join(SEP), start: line, end: line, out: [] };
    paraStart = -1;
    inList = false;
    prevBlank = true; // a heading ends its block, like a blank line: ESM or indented code may follow
  };
  const flushPendingTag = (): void => {
    // An unclosed tag is not markup after all: keep its lines as prose.
    for (const l of pendingTag ?? []) emit(cleanLine(l, comment));
    pendingTag = null;
  };

  for (let idx = fm.lines; idx < lines.length; idx++) {
    const line = lines[idx]!;
    if (fence) {
      const m = FENCE_CLOSE.exec(line);
      if (m && m[1]![0] === fence.ch && m[1]!.length >= fence.len) fence = null;
      touch(idx);
      continue;
    }
    if (rawClose !== null) {
      if (line.toLowerCase().includes(rawClose)) rawClose = null;
      touch(idx);
      continue;
    }
    const blank = line.trim() === '';
    if (esmDepth >= 0) {
      if (blank && esmDepth === 0) esmDepth = -1;
      else esmDepth = Math.max(0, esmDepth + bracketDelta(line));
      continue;
    }
    if (blank) {
      if (pendingTag) flushPendingTag();
      if (!indentedCode) sec.out.push('');
      prevBlank = true;
      paraStart = -1;
      continue;
    }
    if (mdx && prevBlank && !pendingTag && !comment.open && /^(?:import|export)[\s{*]/.test(line)) {
      esmDepth = Math.max(0, bracketDelta(line));
      continue;
    }
    const endBefore = sec.end;
    touch(idx);
    if (pendingTag) {
      pendingTag.push(line);
      const joined = line.includes('>') ? pendingTag.join('\n') : '';
      if (joined && TAG_AT_START.test(joined)) {
        pendingTag = null;
        emit(cleanLine(joined, comment));
      } else if (pendingTag.length > 60) flushPendingTag();
      continue;
    }
    const wasBlank = prevBlank;
    prevBlank = false;
    if (comment.open) {
      // Inside a multi-line comment no block structure applies.
      emit(cleanLine(line, comment));
      continue;
    }
    const indent = indentOf(line);
    if (indentedCode) {
      if (indent >= 4) continue;
      indentedCode = false;
    }
    const fo = FENCE_OPEN.exec(line);
    if (fo && !(fo[1]![0] === '`' && fo[2]!.includes('`'))) {
      fence = { ch: fo[1]![0]!, len: fo[1]!.length };
      paraStart = -1;
      continue;
    }
    if (indent >= 4 && wasBlank && !inList && !mdx) {
      indentedCode = true;
      continue;
    }
    const atx = ATX.exec(line);
    if (atx) {
      sec.end = endBefore;
      startSection(atx[1]!.length, cleanHeading((atx[2] ?? '').replace(/(?:^|[ \t]+)#+$/, '')), idx + 1);
      continue;
    }
    const setext = SETEXT.exec(line);
    if (setext && paraStart >= 0 && paraPlain) {
      sec.out.length -= paraOut;
      sec.end = endBeforePara;
      const heading = cleanHeading(paraRaw.map((l) => l.trim()).join(' '));
      startSection(setext[1]![0] === '=' ? 1 : 2, heading, paraStart + 1);
      sec.end = idx + 1;
      continue;
    }
    if (THEMATIC.test(line)) {
      paraStart = -1;
      continue;
    }
    const raw = RAW_OPEN.exec(line);
    if (raw && !line.toLowerCase().includes(`</${raw[1]!.toLowerCase()}>`)) {
      rawClose = `</${raw[1]!.toLowerCase()}>`;
      continue;
    }
    const listItem = LIST_ITEM.test(line);
    const tagLine = TAG_START.test(line) || /^\s*:::/.test(line);
    if (listItem) inList = true;
    else if (indent === 0 && (wasBlank || tagLine)) inList = false;
    if (paraStart < 0) {
      paraStart = idx;
      paraOut = 0;
      paraRaw = [];
      endBeforePara = endBefore;
      paraPlain = indent < 4 && !listItem;
    }
    if (listItem || tagLine || BLOCKQUOTE.test(line) || line.trimStart().startsWith('|')) paraPlain = false;
    paraRaw.push(line);
    if (TAG_START.test(line) && !TAG_AT_START.test(line)) {
      pendingTag = [line];
      continue;
    }
    emit(cleanLine(line, comment));
  }
  if (pendingTag) flushPendingTag();
  pushUnit(units, sec);
  return units;
}

function pushUnit(units: Unit[], sec: Section): void {
  const text = sec.out.join('\n').replace(/\n{3,}/g, '\n\n').trim();
  if (!text || sec.start === 0) return;
  units.push({ kind: 'markdown', title: sec.title, text, startLine: sec.start, endLine: Math.max(sec.start, sec.end) });
}

function bracketDelta(line: string): number {
  let d = 0;
  for (const ch of line.replace(/(["'`])(?:\\.|(?!\1).)*\1/g, '')) {
    if (ch === '{' || ch === '(' || ch === '[') d++;
    else if (ch === '}' || ch === ')' || ch === ']') d--;
  }
  return d;
}

/** Fence-aware look at the whole document: is it MDX, and does it have its own H1? */
function prescan(lines: string[], from: number, mdxOption: boolean | undefined): { mdx: boolean; hasH1: boolean } {
  let mdx = mdxOption ?? false;
  let hasH1 = false;
  let fence: { ch: string; len: number } | null = null;
  let prevBlank = true;
  for (let i = from; i < lines.length; i++) {
    const line = lines[i]!;
    if (fence) {
      const m = FENCE_CLOSE.exec(line);
      if (m && m[1]![0] === fence.ch && m[1]!.length >= fence.len) fence = null;
      continue;
    }
    const fo = FENCE_OPEN.exec(line);
    if (fo && !(fo[1]![0] === '`' && fo[2]!.includes('`'))) fence = { ch: fo[1]![0]!, len: fo[1]!.length };
    else if (/^ {0,3}#(?:[ \t]|$)/.test(line) || (!prevBlank && /^ {0,3}=+[ \t]*$/.test(line))) hasH1 = true;
    else if (mdxOption === undefined && !mdx && STRICT_ESM.test(line)) mdx = true;
    prevBlank = line.trim() === '';
  }
  return { mdx, hasH1 };
}

function cleanHeading(text: string): string {
  return cleanLine(text.replace(/[ \t]*\{#[^}\s]*\}[ \t]*$/, ''), { open: null });
}

/** One line (or a joined multi-line tag) of prose with Markdown/HTML/JSX markup stripped to plain text. */
function cleanLine(line: string, comment: CommentState): string {
  let s = line;
  if (comment.open) {
    const k = s.indexOf(comment.open);
    if (k < 0) return '';
    s = s.slice(k + comment.open.length);
    comment.open = null;
  }
  // Each rule is guarded by a cheap character test: most lines have no markup, and this keeps 1 MB fast.
  s = s.replace(BLOCKQUOTE, '').replace(LIST_ITEM, '');
  if (s.includes('[')) {
    s = s.replace(TASK, '').replace(FOOTNOTE_DEF, '');
    if (REF_DEF.test(s)) return '';
  }
  if (s.includes('-') && TABLE_DELIM.test(s)) return '';
  if (s.includes(':::')) {
    const adm = ADMONITION.exec(s);
    if (adm) return adm[1] ?? '';
  }
  const table = s.trimStart().startsWith('|');
  const codes: string[] = [];
  if (s.includes('`')) {
    // Code spans are masked so that no later rule touches their content.
    s = s.replace(CODE_SPAN, (_m, _ticks: string, body: string) => {
      codes.push(/^ .*[^ ].* $/.test(body) ? body.slice(1, -1) : body);
      return `\uE000${codes.length - 1}\uE001`;
    });
  }
  if (s.includes('<!--') || s.includes('{/*')) {
    s = s.replace(/<!--[\s\S]*?-->|\{\/\*[\s\S]*?\*\/\}/g, '');
    const html = s.indexOf('<!--');
    const jsx = s.indexOf('{/*');
    if (html >= 0 || jsx >= 0) {
      const k = html >= 0 && (jsx < 0 || html < jsx) ? html : jsx;
      comment.open = k === html ? '-->' : '*/}';
      s = s.slice(0, k);
    }
  }
  if (s.includes('[')) {
    for (let pass = 0; pass < 3; pass++) {
      const before = s;
      s = s.replace(LINK, '$1').replace(REF_LINK, '$1');
      if (s === before) break;
    }
    s = s.replace(/\[\^[^\]\s]+\]/g, '');
  }
  if (s.includes('<')) {
    s = s.replace(AUTOLINK, '$1').replace(TAG, (tag) => {
      if (/^<br\b/i.test(tag)) return ' ';
      const values = [...tag.matchAll(ATTR)].map((m) => m[1] ?? m[2] ?? m[3] ?? '').filter(Boolean);
      return values.length > 0 ? `\n${values.join('\n')}\n` : '';
    });
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
    if (name !== undefined) return Object.hasOwn(ENTITIES, name) ? ENTITIES[name] : m; // `&valueOf;` is no entity
    const cp = dec !== undefined ? Number(dec) : parseInt(hex!, 16);
    return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : m;
  });
}
