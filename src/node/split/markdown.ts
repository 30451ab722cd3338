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
/** Lines a tag may run over before it is taken for a stray `<` and its lines for prose. */
const MAX_TAG_LINES = 60;
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
const ADMONITION_START = /^\s*:::/;
const ESM_START = /^(?:import|export)[\s{*]/;
const STRICT_ESM =
  /^(?:import\s+(?:[\w$*{][^'"]*\sfrom\s+)?['"][^'"]+['"]\s*(?:;\s*)?$|import\s*\{\s*$|import\s+type\s|export\s+(?:const|let|var|function|async\s+function|default|\{))/;

interface Section {
  title: string;
  /** 1-based first line, 0 until something non-blank is seen (the preamble starts unset). */
  start: number;
  end: number;
  out: string[];
}

/** A fenced code block, closed by a fence of the same character at least as long. */
interface Fence {
  kind: 'fence';
  ch: string;
  len: number;
}

/**
 * A block whose lines are not read as Markdown: a code fence; `<script>`, `<style>` or `<pre>` up to its
 * closing tag (`close`); MDX ESM up to a blank line outside brackets (`depth`: brackets still open);
 * indented code, up to a line indented less.
 */
type Block = Fence | { kind: 'raw'; close: string } | { kind: 'esm'; depth: number } | { kind: 'indented' };

/** The open paragraph, kept so that a setext underline can turn it into a heading after the fact. */
interface Paragraph {
  /** 0-based index of its first line. */
  start: number;
  /** Only plain lines so far (no list item, tag, quote, table row or indent): only those can be a heading. */
  plain: boolean;
  /** Lines it added to the section's output, taken back if it becomes a heading. */
  out: number;
  /** Its lines as written, the heading's text if it becomes one. */
  raw: string[];
  /** The section's end before the paragraph began: where the section ends if the paragraph becomes a heading. */
  endBefore: number;
}

/** A tag opened on one line and not closed on it (`<Card title="…"` then more lines). */
interface OpenTag {
  /** Its lines so far, cleaned as one text once the tag closes. */
  lines: string[];
  /** The scan of the tag, fed each line as it comes. */
  scan: TagAtStart;
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
  const sectioner = new Sectioner(units, fmTitle, hasH1, mdx, budget);
  for (let idx = fm.lines; idx < lines.length; idx++) sectioner.feed(lines[idx]!, idx);
  sectioner.finish();
  return units;
}

/**
 * One pass over a document's lines, after its frontmatter: `feed` each line in order, then `finish`.
 * Each kind of line has its step below; the state they share is the section being written, the block
 * the line is inside, and the paragraph and tag still open.
 */
class Sectioner {
  /** Root of every heading path: the frontmatter title when the document has no H1 of its own. */
  private readonly root: string[];
  /** Headings enclosing the current section, outermost first. */
  private readonly stack: { level: number; text: string }[] = [];
  /** The section the lines go to now. */
  private sec: Section;
  /** The block the line is inside, null outside any. */
  private block: Block | null = null;
  /** An HTML/JSX comment left open by an earlier line. */
  private readonly comment: CommentState = { open: null };
  /** A tag left open by an earlier line, null for none. */
  private tag: OpenTag | null = null;
  /** The open paragraph, null between paragraphs. */
  private para: Paragraph | null = null;
  /** Inside a list: an indented line continues an item, it does not start indented code. */
  private inList = false;
  /** The line before was blank or a heading (or there was none): ESM or indented code may start here. */
  private prevBlank = true;

  /**
   * @param units where each finished section goes
   * @param fmTitle the frontmatter title ('' for none), the title of the text before the first heading
   */
  constructor(
    private readonly units: Unit[],
    fmTitle: string,
    hasH1: boolean,
    private readonly mdx: boolean,
    private readonly budget: SplitBudget,
  ) {
    this.root = !hasH1 && fmTitle ? [fmTitle] : [];
    this.sec = { title: fmTitle, start: 0, end: 0, out: [] };
  }

  /** Reads line `idx` (0-based) of the document. */
  feed(line: string, idx: number): void {
    // Each line is read by a fixed number of anchored patterns in the steps below, and by cleanLine (which
    // counts its own).
    this.budget.spend(4 * line.length + 1);
    const block = this.block;
    if (block?.kind === 'fence') this.inFence(block, line, idx);
    else if (block?.kind === 'raw') this.inRaw(block.close, line, idx);
    else if (block?.kind === 'esm') this.inEsm(block, line);
    else if (line.trim() === '') this.blankLine();
    else if (!this.esmStart(line)) this.textLine(line, idx);
  }

  /** Ends the document: a tag still open is prose after all, and the last section is done. */
  finish(): void {
    if (this.tag) this.flushTag();
    pushUnit(this.units, this.sec);
  }

  /** A non-blank line outside fences, raw HTML and ESM. */
  private textLine(line: string, idx: number): void {
    const endBefore = this.sec.end;
    this.touch(idx);
    if (this.tag) {
      this.continueTag(this.tag, line);
      return;
    }
    const wasBlank = this.prevBlank;
    this.prevBlank = false;
    if (this.comment.open) {
      this.inComment(line);
      return;
    }
    const indent = indentOf(line);
    if (this.inIndentedCode(indent)) return;
    if (this.fenceOpen(line)) return;
    if (this.indentedCodeStart(indent, wasBlank)) return;
    if (this.atxHeading(line, idx, endBefore)) return;
    if (this.setextUnderline(line, idx)) return;
    if (this.thematicBreak(line)) return;
    if (this.rawOpen(line)) return;
    this.paragraphLine(line, idx, indent, wasBlank, endBefore);
  }

  /** Inside a code fence only the closing fence matters. */
  private inFence(fence: Fence, line: string, idx: number): void {
    if (closesFence(line, fence)) this.block = null;
    this.touch(idx);
  }

  /** Inside `<script>`, `<style>` or `<pre>` only the closing tag matters. */
  private inRaw(close: string, line: string, idx: number): void {
    if (line.toLowerCase().includes(close)) this.block = null;
    this.touch(idx);
  }

  /** ESM is dropped, up to a blank line with no bracket left open. */
  private inEsm(esm: { depth: number }, line: string): void {
    if (line.trim() === '' && esm.depth === 0) this.block = null;
    else esm.depth = Math.max(0, esm.depth + bracketDelta(line, this.budget));
  }

  /** A blank line ends the paragraph, and a tag still open (it is prose after all). */
  private blankLine(): void {
    if (this.tag) this.flushTag();
    // A blank line within indented code is part of the code, which is not kept.
    if (this.block?.kind !== 'indented') this.sec.out.push('');
    this.prevBlank = true;
    this.para = null;
  }

  /** True if the line starts MDX ESM: `import`/`export` at the top level, where a block may start. */
  private esmStart(line: string): boolean {
    if (!this.mdx || !this.prevBlank || this.tag || this.comment.open || !ESM_START.test(line)) return false;
    this.block = { kind: 'esm', depth: Math.max(0, bracketDelta(line, this.budget)) };
    return true;
  }

  /** The next line of an open tag: held back until the tag closes, then cleaned as one text. */
  private continueTag(tag: OpenTag, line: string): void {
    tag.lines.push(line);
    if (tag.scan.feed(`\n${line}`)) {
      this.tag = null;
      this.emit(cleanLine(tag.lines.join('\n'), this.comment, this.budget));
    } else if (tag.lines.length > MAX_TAG_LINES) this.flushTag();
  }

  /** Inside a multi-line comment no block structure applies. */
  private inComment(line: string): void {
    this.emit(cleanLine(line, this.comment, this.budget));
  }

  /** True if the line is indented code, as the lines before it; a line indented less ends the code. */
  private inIndentedCode(indent: number): boolean {
    if (this.block?.kind !== 'indented') return false;
    if (indent >= 4) return true;
    this.block = null;
    return false;
  }

  /** True if the line opens a code fence. */
  private fenceOpen(line: string): boolean {
    const fence = openedFence(line);
    if (!fence) return false;
    this.block = fence;
    this.para = null;
    return true;
  }

  /** True if the line starts indented code: after a blank line or a heading, outside a list, and not in MDX. */
  private indentedCodeStart(indent: number, wasBlank: boolean): boolean {
    if (indent < 4 || !wasBlank || this.inList || this.mdx) return false;
    this.block = { kind: 'indented' };
    return true;
  }

  /** True if the line is an ATX heading (`## Title`), which starts a section. */
  private atxHeading(line: string, idx: number, endBefore: number): boolean {
    const atx = ATX.exec(line);
    if (!atx) return false;
    // The heading's line belongs to the section it starts, not to the one it ends.
    this.sec.end = endBefore;
    this.startSection(atx[1]!.length, cleanHeading(withoutClosingHashes(atx[2] ?? ''), this.budget), idx + 1);
    return true;
  }

  /** True if the line underlines a plain paragraph (`===`, `---`), which becomes the heading of a new section. */
  private setextUnderline(line: string, idx: number): boolean {
    const setext = SETEXT.exec(line);
    const para = this.para;
    if (!setext || !para?.plain) return false;
    this.sec.out.length -= para.out;
    this.sec.end = para.endBefore;
    const heading = cleanHeading(para.raw.map((l) => l.trim()).join(' '), this.budget);
    this.startSection(setext[1]![0] === '=' ? 1 : 2, heading, para.start + 1);
    this.sec.end = idx + 1;
    return true;
  }

  /** True if the line is a thematic break (`***`), which ends the paragraph. */
  private thematicBreak(line: string): boolean {
    if (!isThematicBreak(line)) return false;
    this.para = null;
    return true;
  }

  /** True if the line opens `<script>`, `<style>` or `<pre>` and does not close it. */
  private rawOpen(line: string): boolean {
    const raw = RAW_OPEN.exec(line);
    if (!raw) return false;
    const close = `</${raw[1]!.toLowerCase()}>`;
    if (line.toLowerCase().includes(close)) return false;
    this.block = { kind: 'raw', close };
    return true;
  }

  /** A line of prose, a list, a quote, a table or tags: its text goes to the section, as part of the paragraph. */
  private paragraphLine(line: string, idx: number, indent: number, wasBlank: boolean, endBefore: number): void {
    const listItem = LIST_ITEM.test(line);
    const tagStart = TAG_START.test(line);
    const tagLine = tagStart || ADMONITION_START.test(line);
    if (listItem) this.inList = true;
    else if (indent === 0 && (wasBlank || tagLine)) this.inList = false;
    this.para ??= { start: idx, plain: indent < 4 && !listItem, out: 0, raw: [], endBefore };
    if (listItem || tagLine || BLOCKQUOTE.test(line) || line.trimStart().startsWith('|')) this.para.plain = false;
    this.para.raw.push(line);
    if (tagStart && this.tagOpen(line)) return;
    this.emit(cleanLine(line, this.comment, this.budget));
  }

  /** True if the line starts with a tag it does not close: the line is held back until the tag closes. */
  private tagOpen(line: string): boolean {
    const scan = new TagAtStart();
    if (scan.feed(line)) return false;
    this.tag = { lines: [line], scan };
    return true;
  }

  /** Marks line `idx` as part of the current section. */
  private touch(idx: number): void {
    if (this.sec.start === 0) this.sec.start = idx + 1;
    this.sec.end = idx + 1;
  }

  /** Adds the non-blank lines of cleaned text to the section, counting them for the open paragraph. */
  private emit(cleaned: string): void {
    for (const part of cleaned.split('\n')) {
      const t = part.trim();
      if (!t) continue;
      this.sec.out.push(t);
      if (this.para) this.para.out++;
    }
  }

  /** Ends the current section and starts the one of a heading of `level` on (1-based) `line`. */
  private startSection(level: number, heading: string, line: number): void {
    pushUnit(this.units, this.sec);
    const stack = this.stack;
    while (stack.length > 0 && stack[stack.length - 1]!.level >= level) stack.pop();
    stack.push({ level, text: clipHeading(heading) });
    const path = [...this.root, ...stack.map((h) => h.text)].filter(Boolean);
    this.sec = { title: path.join(SEP), start: line, end: line, out: [] };
    this.para = null;
    this.inList = false;
    this.prevBlank = true; // a heading ends its block, like a blank line: ESM or indented code may follow
  }

  /** An unclosed tag is not markup after all: its lines are kept as prose. */
  private flushTag(): void {
    for (const l of this.tag?.lines ?? []) this.emit(cleanLine(l, this.comment, this.budget));
    this.tag = null;
  }
}

/** The fence a line opens, or null (a backtick fence's info string may not hold a backtick). */
function openedFence(line: string): Fence | null {
  const fo = FENCE_OPEN.exec(line);
  if (!fo || (fo[1]![0] === '`' && fo[2]!.includes('`'))) return null;
  return { kind: 'fence', ch: fo[1]![0]!, len: fo[1]!.length };
}

/** True if the line closes `fence`. */
function closesFence(line: string, fence: Fence): boolean {
  const m = FENCE_CLOSE.exec(line);
  return m !== null && m[1]![0] === fence.ch && m[1]!.length >= fence.len;
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
  let fence: Fence | null = null;
  let prevBlank = true;
  for (let i = from; i < lines.length; i++) {
    const line = lines[i]!;
    budget.spend(2 * line.length + 1);
    if (fence) {
      if (closesFence(line, fence)) fence = null;
      continue;
    }
    const opened = openedFence(line);
    if (opened) fence = opened;
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
