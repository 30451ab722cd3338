import type { Unit } from '../../common/types';
import { unlimited } from './budget';
import type { SplitBudget } from './budget';
import { indentOf, parseFrontmatter } from './frontmatter';
import { TagAtStart, cleanHeading, cleanLine } from './markdownInline';
import type { CommentState } from './markdownInline';

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
/** Longest heading kept in a path: every chunk of a section carries its path, so it must not grow with the file. */
const MAX_HEADING = 200;
// Every pattern runs once per line, anchored, and none can share characters between two quantifiers (which
// would make a line that nearly matches quadratic) or repeat a group over the line (which overflows V8's
// regex stack on a long one): `(?:[ \t]*>)*[ \t]*` is written `[ \t>]*`, the same strings.
const FENCE_OPEN = /^[ \t>]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^[ \t>]*(`{3,}|~{3,})[ \t]*$/;
const ATX = /^ {0,3}(#{1,6})(?:[ \t](.*))?$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const LIST_ITEM = /^[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)/;
const BLOCKQUOTE = /^[ \t]*>/;
const RAW_OPEN = /^[ \t]*<(script|style|pre)\b/i;
const TAG_START = /^[ \t]*<[A-Za-z]/;
const STRICT_ESM =
  /^(?:import\s+(?:[\w$*{][^'"]*\sfrom\s+)?['"][^'"]+['"]\s*(?:;\s*)?$|import\s*\{\s*$|import\s+type\s|export\s+(?:const|let|var|function|async\s+function|default|\{))/;

interface Section {
  title: string;
  /** 1-based first line, 0 until something non-blank is seen (the preamble starts unset). */
  start: number;
  end: number;
  out: string[];
}

/** Sections of a Markdown/MDX document as prose units (kind 'markdown'); `budget` bounds the work (none by default). */
export function splitMarkdown(text: string, options?: { mdx?: boolean; budget?: SplitBudget }): Unit[] {
  const budget = options?.budget ?? unlimited();
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split(/\r\n?|\n/);
  budget.spend(text.length + lines.length);
  const fm = parseFrontmatter(lines);
  const { mdx, hasH1 } = prescan(lines, fm.lines, options?.mdx, budget);
  const units: Unit[] = [];
  const fmTitle = clipHeading(fm.title);
  if (fm.title || fm.description) {
    const fmText = [fm.title, fm.description].filter(Boolean).join('\n');
    pushUnit(units, { title: fmTitle, start: 1, end: fm.lines, out: fmText.split('\n') });
  }
  const root = !hasH1 && fmTitle ? [fmTitle] : [];
  const stack: { level: number; text: string }[] = [];
  let sec: Section = { title: fmTitle, start: 0, end: 0, out: [] };
  const touch = (idx: number): void => {
    if (sec.start === 0) sec.start = idx + 1;
    sec.end = idx + 1;
  };
  const comment: CommentState = { open: null };
  let fence: { ch: string; len: number } | null = null;
  let rawClose: string | null = null;
  let esmDepth = -1; // ≥ 0 while inside an MDX ESM block
  // A line that opens a tag left open (`<Card title="…"` then more lines): its lines, and the scan of the tag.
  let pendingTag: string[] | null = null;
  let pendingScan = new TagAtStart();
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
    stack.push({ level, text: clipHeading(heading) });
    const path = [...root, ...stack.map((h) => h.text)].filter(Boolean);
    sec = { title: path.join(SEP), start: line, end: line, out: [] };
    paraStart = -1;
    inList = false;
    prevBlank = true; // a heading ends its block, like a blank line: ESM or indented code may follow
  };
  const flushPendingTag = (): void => {
    // An unclosed tag is not markup after all: keep its lines as prose.
    for (const l of pendingTag ?? []) emit(cleanLine(l, comment, budget));
    pendingTag = null;
  };

  for (let idx = fm.lines; idx < lines.length; idx++) {
    const line = lines[idx]!;
    // Each line is read by a fixed number of anchored patterns below, and by cleanLine (which counts its own).
    budget.spend(4 * line.length + 1);
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
      else esmDepth = Math.max(0, esmDepth + bracketDelta(line, budget));
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
      esmDepth = Math.max(0, bracketDelta(line, budget));
      continue;
    }
    const endBefore = sec.end;
    touch(idx);
    if (pendingTag) {
      pendingTag.push(line);
      if (pendingScan.feed(`\n${line}`)) {
        const joined = pendingTag.join('\n');
        pendingTag = null;
        emit(cleanLine(joined, comment, budget));
      } else if (pendingTag.length > 60) flushPendingTag();
      continue;
    }
    const wasBlank = prevBlank;
    prevBlank = false;
    if (comment.open) {
      // Inside a multi-line comment no block structure applies.
      emit(cleanLine(line, comment, budget));
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
      startSection(atx[1]!.length, cleanHeading(withoutClosingHashes(atx[2] ?? ''), budget), idx + 1);
      continue;
    }
    const setext = SETEXT.exec(line);
    if (setext && paraStart >= 0 && paraPlain) {
      sec.out.length -= paraOut;
      sec.end = endBeforePara;
      const heading = cleanHeading(paraRaw.map((l) => l.trim()).join(' '), budget);
      startSection(setext[1]![0] === '=' ? 1 : 2, heading, paraStart + 1);
      sec.end = idx + 1;
      continue;
    }
    if (isThematicBreak(line)) {
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
    if (TAG_START.test(line)) {
      pendingScan = new TagAtStart();
      if (!pendingScan.feed(line)) {
        pendingTag = [line];
        continue;
      }
    }
    emit(cleanLine(line, comment, budget));
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

/**
 * Brackets opened minus closed in a line, outside quoted strings (a backslash escapes the next character).
 * A quote that is not closed before the line ends is an ordinary character, and so is every later quote of
 * its kind up to where that one's search stopped (they would stop there too): no stretch is searched twice.
 */
function bracketDelta(line: string, budget: SplitBudget): number {
  let d = 0;
  const openUntil: Record<string, number> = { '"': -1, "'": -1, '`': -1 };
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '{' || ch === '(' || ch === '[') d++;
    else if (ch === '}' || ch === ')' || ch === ']') d--;
    else if (openUntil[ch] !== undefined && i > openUntil[ch]!) {
      let j = i + 1;
      while (j < line.length && line[j] !== ch && !isLineTerminator(line.charCodeAt(j))) {
        j += line[j] === '\\' && j + 1 < line.length && !isLineTerminator(line.charCodeAt(j + 1)) ? 2 : 1;
      }
      budget.spend(j - i);
      if (line[j] === ch) i = j;
      else openUntil[ch] = j;
    }
  }
  return d;
}

const isLineTerminator = (c: number): boolean => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;

/** Fence-aware look at the whole document: is it MDX, and does it have its own H1? */
function prescan(lines: string[], from: number, mdxOption: boolean | undefined, budget: SplitBudget): { mdx: boolean; hasH1: boolean } {
  let mdx = mdxOption ?? false;
  let hasH1 = false;
  let fence: { ch: string; len: number } | null = null;
  let prevBlank = true;
  for (let i = from; i < lines.length; i++) {
    const line = lines[i]!;
    budget.spend(2 * line.length + 1);
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

/** An ATX heading's text without its closing `#`s (`## Title ##`) and the blanks around it. */
function withoutClosingHashes(text: string): string {
  let a = 0, b = text.length;
  while (a < b && (text[a] === ' ' || text[a] === '\t')) a++;
  while (b > a && (text[b - 1] === ' ' || text[b - 1] === '\t')) b--;
  let h = b;
  while (h > a && text[h - 1] === '#') h--;
  if (h < b && (h === a || text[h - 1] === ' ' || text[h - 1] === '\t')) {
    b = h;
    while (b > a && (text[b - 1] === ' ' || text[b - 1] === '\t')) b--;
  }
  return text.slice(a, b);
}

/** `***`, `- - -`, `___`: three or more of one of `-*_`, blanks between, up to three spaces before. */
function isThematicBreak(line: string): boolean {
  let i = 0;
  while (i < 3 && line[i] === ' ') i++;
  const c = line[i];
  if (c !== '-' && c !== '*' && c !== '_') return false;
  let n = 0;
  for (; i < line.length; i++) {
    if (line[i] === c) n++;
    else if (line[i] !== ' ' && line[i] !== '\t') return false;
  }
  return n >= 3;
}

function clipHeading(heading: string): string {
  if (heading.length <= MAX_HEADING) return heading;
  const cut = /[\uD800-\uDBFF]/.test(heading[MAX_HEADING - 2] ?? '') ? MAX_HEADING - 2 : MAX_HEADING - 1;
  return `${heading.slice(0, cut)}…`;
}
