import * as v from 'valibot';
import type { IndexInfo, SearchHit, SearchOptions, SearchResult } from './protocol/engine';
import type { ChunkKind } from './types';

/*
 * Search for chat agents: the tools the extension gives VS Code's chat (src/vscode/agentTools.ts) and the MCP
 * server gives any MCP client (src/node/mcp.ts), with one description, one input schema and one answer format.
 * Answers are plain text sized for a model's context: one line per passage (where it is, what it is about, its
 * language and similarity) and a short snippet, within about ANSWER_TOKENS. Bad input and an index that cannot
 * answer yet give a sentence, never an exception.
 */

/** Passages an answer gives when the agent does not say. */
export const DEFAULT_LIMIT = 8;
/** The most passages one answer gives. */
export const MAX_LIMIT = 30;
/** About how many tokens of a model's context an answer may take. */
export const ANSWER_TOKENS = 2000;
/** Characters of a passage shown under its location. */
const SNIPPET_CHARS = 240;
/** Characters of a query (or of the lines Find Similar starts from) that are searched; the model reads ~128 tokens. */
const MAX_QUERY_CHARS = 2000;
/** What the line that says how many passages were left out takes, at most. */
const LEFT_OUT_TOKENS = 30;
/** Lines Find Similar takes from a file at most. */
const MAX_SIMILAR_LINES = 200;
/** More passages a Find Similar search asks for, to make up for those of its own lines. */
const SIMILAR_SOURCE_HITS = 5;

/** The tools, by the names VS Code knows them (package.json `languageModelTools`); MCP names are in {@link MCP_NAMES}. */
export const TOOL_NAMES = { search: 'semanticSearch_search', findSimilar: 'semanticSearch_findSimilar' } as const;
export const MCP_NAMES = { search: 'search', findSimilar: 'find_similar', status: 'index_status' } as const;

/** What a model reads to decide when to call each tool (package.json repeats the same text; a unit test keeps them equal). */
export const TOOL_DESCRIPTIONS = {
  search:
    "Searches this workspace's documentation (Markdown sections) and code comments by meaning, across languages, offline: " +
    'a question in Korean, Japanese, Chinese, English or 50+ other languages finds the passages that answer it whatever ' +
    'language they are written in. Use it for questions about what the docs and comments say (how to set something up, ' +
    'why code does what it does, where a topic is explained), especially when the question and the docs may be in ' +
    'different languages. Do not use it to find exact identifiers, file names or strings: use text search for those. ' +
    'Gives file:line ranges, each with its heading path or documented symbol, language, similarity and a snippet.',
  findSimilar:
    'Finds the documentation sections and code comments of this workspace closest in meaning to given lines of a ' +
    'workspace file, in any language: e.g. the docs that explain a commented function, or the translations and ' +
    'near-duplicates of a section. The passages of those lines themselves are left out.',
  status:
    "Says what the workspace's semantic index holds: files and passages, how many can be found by meaning yet, " +
    'the model, and whether it is being built.',
} as const;

const KIND_SCHEMA = { type: 'string', enum: ['markdown', 'comment'], description: 'Only Markdown sections, or only code comments.' } as const;
const LIMIT_SCHEMA = { type: 'integer', minimum: 1, maximum: MAX_LIMIT, description: `How many passages to give (default ${DEFAULT_LIMIT}).` } as const;

/** The tools' inputs as JSON Schema (package.json and MCP's tools/list); {@link parseSearchInput} and {@link parseSimilarInput} check them. */
export const INPUT_SCHEMAS = {
  search: {
    type: 'object',
    properties: {
      query: { type: 'string', description: 'The question or topic, in any language.' },
      limit: LIMIT_SCHEMA,
      kind: KIND_SCHEMA,
      folder: { type: 'string', description: "Only passages under this folder: a workspace folder's name, or a path relative to the workspace (e.g. docs/ko)." },
    },
    required: ['query'],
    additionalProperties: false,
  },
  findSimilar: {
    type: 'object',
    properties: {
      file: { type: 'string', description: 'A file of the workspace: its path relative to the workspace, or absolute.' },
      startLine: { type: 'integer', minimum: 1, description: 'The first line (1-based).' },
      endLine: { type: 'integer', minimum: 1, description: 'The last line (1-based, inclusive; default startLine).' },
      limit: LIMIT_SCHEMA,
      kind: KIND_SCHEMA,
    },
    required: ['file', 'startLine'],
    additionalProperties: false,
  },
  status: { type: 'object', properties: {}, additionalProperties: false },
} as const;

const limit = v.optional(v.pipe(v.number('"limit" must be a number.'), v.integer('"limit" must be a whole number.'),
  v.minValue(1, '"limit" must be at least 1.'), v.maxValue(MAX_LIMIT, `"limit" must be at most ${MAX_LIMIT}.`)));
const kind = v.optional(v.picklist(['markdown', 'comment'], '"kind" must be "markdown" or "comment".'));
const line = (name: string) => v.pipe(v.number(`"${name}" must be a line number.`), v.integer(`"${name}" must be a whole number.`), v.minValue(1, `"${name}" must be 1 or more.`));

const searchInput = v.strictObject({
  query: v.pipe(v.string('"query" must be a string.'), v.trim(), v.minLength(1, '"query" is empty: say what to search for.')),
  limit,
  kind,
  folder: v.optional(v.pipe(v.string('"folder" must be a string.'), v.trim())),
}, (issue) => unexpectedKey(issue, 'query, limit, kind, folder'));

const similarInput = v.strictObject({
  file: v.pipe(v.string('"file" must be a string.'), v.trim(), v.minLength(1, '"file" is empty: name a file of the workspace.')),
  startLine: line('startLine'),
  endLine: v.optional(line('endLine')),
  limit,
  kind,
}, (issue) => unexpectedKey(issue, 'file, startLine, endLine, limit, kind'));

/** The sentence for an input that is not an object, lacks a field the tool needs, or has one it does not take. */
function unexpectedKey(issue: v.BaseIssue<unknown>, known: string): string {
  const key = issue.path?.map((p) => `"${String(p.key)}"`).join('.');
  if (key && issue.expected === 'never') return `Unknown input ${key}: the tool takes ${known}.`;
  if (key && issue.received === 'undefined') return `Missing input ${key}: the tool takes ${known}.`;
  return `The input must be an object with ${known}.`;
}

export type SearchInput = v.InferOutput<typeof searchInput>;
export type SimilarInput = v.InferOutput<typeof similarInput>;

/** A checked input, or the sentence that says what is wrong with it. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

function parse<T>(schema: v.GenericSchema<unknown, T>, input: unknown): Parsed<T> {
  const r = v.safeParse(schema, input);
  return r.success ? { ok: true, value: r.output } : { ok: false, problem: r.issues[0].message };
}

export const parseSearchInput = (input: unknown): Parsed<SearchInput> => parse(searchInput, input);
export const parseSimilarInput = (input: unknown): Parsed<SimilarInput> => parse(similarInput, input);

/** What an agent may be told about the index besides what it holds. */
export interface AgentIndexState {
  info: IndexInfo;
  /** An indexing run is going on now (in this process, or in the writer this one reads from). */
  indexing?: boolean;
  /** Indexing was paused by the user. */
  paused?: boolean;
  /** Why the index cannot be searched at all (the model failed to load, no workspace is open…). */
  unavailable?: string;
}

/** What the tools need of a workspace and its index; the extension and the MCP server each give one. */
export interface AgentWorkspace {
  /** The indexed folders (absolute). */
  roots(): readonly string[];
  search(query: string, options: SearchOptions): Promise<SearchResult>;
  state(): Promise<AgentIndexState>;
  /** Lines `start`..`end` (1-based, inclusive) of a file inside `root`, or the sentence that says why they cannot be read. */
  readLines(root: string, rel: string, start: number, end: number): Promise<string | { problem: string }>;
}

/** A tool's answer: text for the model, the passages it names, and whether the call itself was wrong. */
export interface AgentAnswer {
  text: string;
  hits: AgentHit[];
  /** 'input': the input was malformed or named nothing usable; 'index': the index cannot answer now. */
  problem?: 'input' | 'index';
}

/** A passage as an answer names it. */
export interface AgentHit {
  /** Absolute path, with the separators of the root it is under. */
  file: string;
  /** The path shown: relative to its workspace folder, prefixed with the folder's name when there are several. */
  label: string;
  startLine: number;
  endLine: number;
  kind: ChunkKind;
  title: string;
  lang: string;
  similarity?: number;
}

/** How answers name places: `links` makes each location a Markdown link to the file and line (chat views render them). */
export interface AnswerStyle {
  links?: boolean;
}

/** The search tool: passages for a question in any language. */
export async function answerSearch(ws: AgentWorkspace, input: unknown, style: AnswerStyle = {}): Promise<AgentAnswer> {
  const parsed = parseSearchInput(input);
  if (!parsed.ok) return inputProblem(parsed.problem);
  const { query, folder } = parsed.value;
  const roots = ws.roots();
  const scope = folder === undefined || folder === '' || folder === '.' ? {} : folderScope(roots, folder);
  if (!scope) return inputProblem(`"${folder}" is not a folder of this workspace (${describeRoots(roots)}).`);
  return answerQuery(ws, query.slice(0, MAX_QUERY_CHARS), parsed.value, scope, `"${oneLine(query, 120)}"`, style);
}

/** The find-similar tool: passages closest in meaning to lines of a workspace file, leaving out those lines' own. */
export async function answerSimilar(ws: AgentWorkspace, input: unknown, style: AnswerStyle = {}): Promise<AgentAnswer> {
  const parsed = parseSimilarInput(input);
  if (!parsed.ok) return inputProblem(parsed.problem);
  const { file, startLine } = parsed.value;
  const endLine = parsed.value.endLine ?? startLine;
  if (endLine < startLine) return inputProblem(`"endLine" (${endLine}) comes before "startLine" (${startLine}).`);
  const roots = ws.roots();
  const at = locate(roots, file);
  if (!at) return inputProblem(`"${file}" is not a file of this workspace (${describeRoots(roots)}).`);
  const lines = await ws.readLines(at.root, at.rel, startLine, Math.min(endLine, startLine + MAX_SIMILAR_LINES - 1));
  if (typeof lines !== 'string') return inputProblem(lines.problem);
  const query = lines.replace(/\s+/g, ' ').trim().slice(0, MAX_QUERY_CHARS);
  if (!query) return inputProblem(`Lines ${startLine}–${endLine} of ${file} are empty: there is nothing to compare.`);
  const isSource = (h: SearchHit) => h.root === at.root && h.path === at.rel && h.startLine <= endLine && h.endLine >= startLine;
  const asked = startLine === endLine ? `${startLine}` : `${startLine}–${endLine}`;
  return answerQuery(ws, query, parsed.value, {}, `${at.rel}:${asked}`, style, isSource);
}

/** The status tool: what the index holds and whether it can answer. */
export async function answerStatus(ws: AgentWorkspace): Promise<AgentAnswer> {
  const state = await ws.state();
  const { info } = state;
  const lines = [
    `Indexed folders: ${describeRoots(ws.roots())}.`,
    `${info.files} files, ${info.chunks} passages; ${info.model && info.model.dim > 0 ? `${info.embeddedChunks} of them searchable by meaning (model ${info.model.id.slice(0, 12)}, ${info.model.dim} dimensions)` : 'searchable by words only (no model)'}.`,
    info.savedAt ? `Last saved ${info.savedAt}.` : 'Not saved yet.',
  ];
  const note = stateNote(state, undefined);
  if (note) lines.push(note);
  return { text: lines.join('\n'), hits: [], ...(state.unavailable ? { problem: 'index' as const } : {}) };
}

async function answerQuery(
  ws: AgentWorkspace, query: string, input: { limit?: number; kind?: ChunkKind }, scope: Pick<SearchOptions, 'root' | 'pathPrefix'>,
  asked: string, style: AnswerStyle, leaveOut?: (h: SearchHit) => boolean,
): Promise<AgentAnswer> {
  const state = await ws.state();
  if (state.unavailable) return { text: state.unavailable, hits: [], problem: 'index' };
  if (state.info.files === 0) return { text: emptyIndexNote(state), hits: [], problem: 'index' };
  const wanted = input.limit ?? DEFAULT_LIMIT;
  const result = await ws.search(query, {
    ...scope, limit: wanted + (leaveOut ? SIMILAR_SOURCE_HITS : 0), mode: 'hybrid', ...(input.kind ? { kinds: [input.kind] } : {}),
  });
  const hits = (leaveOut ? result.hits.filter((h) => !leaveOut(h)) : result.hits).slice(0, wanted);
  return formatAnswer(ws.roots(), asked, hits, stateNote(state, result), style);
}

/** The answer's text: a heading line, a note on the index when it has one, then the passages within the budget. */
export function formatAnswer(roots: readonly string[], asked: string, hits: readonly SearchHit[], note: string | undefined, style: AnswerStyle = {}): AgentAnswer {
  const head = hits.length
    ? `Passages for ${asked}, closest in meaning first (similarity: 1 is the same meaning, below 0.3 rarely related):`
    : `No passage found for ${asked}.`;
  const out = [head];
  if (note) out.push(note);
  if (roots.length === 1 && hits.length && !style.links) out.push(`Paths are relative to ${roots[0]}.`);
  // What the note on passages left out takes is kept free from the start.
  let tokens = approxTokens(out.join('\n')) + LEFT_OUT_TOKENS;
  const shown: AgentHit[] = [];
  for (const h of hits) {
    const agentHit = toAgentHit(roots, h);
    const block = describeHit(shown.length + 1, agentHit, h, style);
    const cost = approxTokens(block);
    if (shown.length && tokens + cost > ANSWER_TOKENS) {
      out.push(`(${hits.length - shown.length} more left out to keep this answer short; ask with a smaller "limit" or a narrower "folder".)`);
      break;
    }
    out.push(block);
    shown.push(agentHit);
    tokens += cost;
  }
  return { text: out.join('\n'), hits: shown };
}

function describeHit(n: number, a: AgentHit, h: SearchHit, style: AnswerStyle): string {
  const lines = a.startLine === a.endLine ? `${a.startLine}` : `${a.startLine}-${a.endLine}`;
  const where = style.links ? `[${a.label.replace(/[[\]\\]/g, '\\$&')}:${lines}](${fileUrl(a.file)}#L${a.startLine})` : `${a.label}:${lines}`;
  const what = h.kind === 'markdown' ? 'section' : `comment (${h.fileLanguage})`;
  const closeness = h.similarity !== undefined ? `similarity ${h.similarity.toFixed(2)}` : 'found by its words (meaning not embedded yet)';
  const title = h.title ? ` — ${oneLine(h.title, 120)}` : '';
  return `${n}. ${where}${title} [${what}, ${h.lang}, ${closeness}]\n   ${oneLine(h.snippet.text || h.text, SNIPPET_CHARS)}`;
}

function toAgentHit(roots: readonly string[], h: SearchHit): AgentHit {
  const sep = h.root.includes('\\') && !h.root.includes('/') ? '\\' : '/';
  const file = `${h.root.replace(/[\\/]+$/, '')}${sep}${h.path.split('/').join(sep)}`;
  const label = roots.length > 1 ? `${baseName(h.root)}/${h.path}` : h.path;
  return {
    file, label, startLine: h.startLine, endLine: h.endLine, kind: h.kind, title: h.title, lang: h.lang,
    ...(h.similarity !== undefined ? { similarity: Math.round(h.similarity * 1000) / 1000 } : {}),
  };
}

/** A sentence about what the index can do now, when the answer should carry one. */
export function stateNote(state: AgentIndexState, result: SearchResult | undefined): string | undefined {
  const { info } = state;
  const notes: string[] = [];
  if (info.model && info.model.dim === 0) {
    notes.push('Note: there is no model, so passages are found by their words only; a question in another language than the text will miss it.');
  } else {
    const meanings = result?.meanings ?? (info.embeddedChunks < info.chunks ? { embedded: info.embeddedChunks, total: info.chunks } : undefined);
    if (meanings) {
      const why = state.paused ? 'indexing is paused' : state.indexing ? 'the index is still being built' : 'indexing stopped before it ended and goes on with its next run';
      notes.push(`Note: ${why}: ${meanings.embedded} of ${meanings.total} passages can be found by meaning yet, the others by their words only.`);
    } else if (state.indexing) {
      notes.push('Note: the index is being updated; some recent changes may not be found yet.');
    }
  }
  if (info.readOnly) notes.push('Note: another process writes this index; these results come from its last save.');
  if (info.storeProblem) notes.push(`Note: the stored index could not be used (${info.storeProblem}); it is being rebuilt.`);
  return notes.length ? notes.join(' ') : undefined;
}

function emptyIndexNote(state: AgentIndexState): string {
  if (state.indexing) return 'The index is still being built and holds no passage yet: try again in a few seconds.';
  if (state.paused) return 'The index is empty and indexing is paused: nothing can be found until it is resumed.';
  return 'The index is empty: no Markdown file or code comment of this workspace has been indexed.';
}

function inputProblem(problem: string): AgentAnswer {
  return { text: problem, hits: [], problem: 'input' };
}

/**
 * Restricts a search to `folder`: a root (by name or path), or a folder under one; a relative path that names no
 * root, under every root. Undefined when it leads outside the roots.
 */
export function folderScope(roots: readonly string[], folder: string): Pick<SearchOptions, 'root' | 'pathPrefix'> | undefined {
  const byName = roots.filter((r) => baseName(r) === folder);
  if (byName.length === 1) return { root: byName[0] };
  const at = locate(roots, folder);
  if (!at) return undefined;
  if (roots.length > 1 && !isAbsolute(folder) && !folder.replace(/\\/g, '/').startsWith(`${baseName(at.root)}/`)) return { pathPrefix: at.rel };
  return at.rel === '' ? { root: at.root } : { root: at.root, pathPrefix: at.rel };
}

/**
 * Where a path an agent gave lies: its root and its path relative to it ('/' separators, '' for the root
 * itself). A relative path is taken under each root in turn (under the root it names first, when it starts with
 * a root's name and there are several), `.` and `..` are resolved, and nothing outside the roots is found.
 * The files' own links are not followed here: reading does that, and refuses links out of their root.
 */
export function locate(roots: readonly string[], p: string): { root: string; rel: string } | undefined {
  const input = p.replace(/\\/g, '/');
  if (isAbsolute(input)) {
    const target = normalise(decodeFileUrl(input));
    if (target === undefined) return undefined;
    for (const root of roots) {
      const r = normalise(root.replace(/\\/g, '/'))!;
      const caseless = /^[A-Za-z]:/.test(r);
      const [t, rr] = caseless ? [target.toLowerCase(), r.toLowerCase()] : [target, r];
      if (t === rr) return { root, rel: '' };
      if (t.startsWith(`${rr}/`)) return { root, rel: target.slice(r.length + 1) };
    }
    return undefined;
  }
  const rel = normalise(input);
  if (rel === undefined || rel.startsWith('/')) return undefined;
  const [first, ...rest] = rel === '' ? [''] : rel.split('/');
  const named = roots.length > 1 ? roots.find((r) => baseName(r) === first) : undefined;
  if (named) return { root: named, rel: rest.join('/') };
  return roots.length ? { root: roots[0], rel } : undefined;
}

function isAbsolute(p: string): boolean {
  return /^([\\/]|[A-Za-z]:[\\/])/.test(p) || p.startsWith('file://');
}

/** `p` ('/' separators) with `.`, `..` and repeated separators resolved; undefined when `..` leads above its start. */
function normalise(p: string): string | undefined {
  const lead = p.match(/^(\/|[A-Za-z]:\/)/)?.[0] ?? '';
  const parts: string[] = [];
  for (const s of p.slice(lead.length).split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') {
      if (!parts.length) return undefined;
      parts.pop();
    } else {
      parts.push(s);
    }
  }
  return lead + parts.join('/');
}

function decodeFileUrl(p: string): string {
  if (!p.startsWith('file://')) return p;
  try {
    const path = decodeURIComponent(new URL(p).pathname);
    return /^\/[A-Za-z]:\//.test(path) ? path.slice(1) : path;
  } catch {
    return '';
  }
}

/** A file: URL for an absolute path (POSIX or Windows). */
export function fileUrl(abs: string): string {
  const slashed = abs.replace(/\\/g, '/');
  // `?`, `#` and parentheses are encoded too: they would end the path, or a Markdown link around it.
  return `file://${slashed.startsWith('/') ? '' : '/'}${encodeURI(slashed).replace(/[?#()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

function baseName(p: string): string {
  return p.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? p;
}

function describeRoots(roots: readonly string[]): string {
  return roots.length ? roots.join(', ') : 'no folder is open';
}

/** `text` on one line, cut to `max` characters. */
function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** About how many tokens a chat model's tokenizer makes of `text`: Han, Kana and Hangul ~1 a character, others ~4 characters a token. */
export function approxTokens(text: string): number {
  let wide = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x1100) wide++;
  return wide + Math.ceil((text.length - wide) / 4);
}
