/*
 * The lexical table behind the comment lexer (commentLexer.ts): for each programming language, what opens a
 * comment and what opens a literal whose text must NOT be read as a comment. It only has to be right about
 * where comments are, not about the whole grammar, so literals that cannot contain a comment marker (numbers,
 * most regexes) are ignored.
 */

/** A string-like literal: everything up to its closer is literal text, never a comment. */
export interface StringRule {
  /** Opener including any prefix (`r"`, `@"`, `"""`). A prefix that starts with a letter needs a non-identifier before it. */
  open: string;
  close: string;
  /** Escape character inside the literal, '' for none. */
  escape: string;
  /** A doubled closer is a literal closer ('' in SQL, "" in C# verbatim strings). */
  doubled?: boolean;
  /** Single-line literals stop at the line end, so a quote we misread costs one line, not the rest of the file. */
  multiline?: boolean;
  /** Opener of an embedded expression, which may itself hold strings: `${`, `#{`, `\(`, `$(`, `{`. */
  interp?: string;
  /** Only where a YAML quoted scalar can start: after whitespace, line start or `[{,:-`. */
  scalarStart?: boolean;
  /** Not a literal when directly after this character (Perl's `$'`/`$"` variables). */
  notAfter?: string;
}

/** A block comment with fixed delimiters. */
export interface BlockRule {
  open: string;
  close: string;
  nests?: boolean;
}

/** A line comment marker and where it may start. */
export interface LineRule {
  marker: string;
  /** any: anywhere outside literals; ws: after whitespace or at line start (YAML); word: also after `;&|()` (shells); line: first on its line. */
  at?: 'any' | 'ws' | 'word' | 'line';
  /** Extra veto, e.g. PHP's `#[Attribute]`, Perl's `$#array`, Haskell's `-->` operator. */
  reject?: (text: string, i: number) => boolean;
}

/** Where a literal or comment with computed delimiters (raw strings, Lua long brackets) lies. */
export interface Span {
  end: number;
  bodyStart: number;
  bodyEnd: number;
}

/** A literal or comment whose closer depends on its opener; tried before every other rule. */
export interface Special {
  /** Characters the match can start with (a cheap filter before `match`). */
  first: string;
  /** Literal beginnings of the opener, so the lexer can skip identifiers quickly (needed when `first` has letters). */
  openers?: string[];
  /** Set when the span is a comment: the marker reported for it. */
  comment?: string;
  match(text: string, i: number): Span | undefined;
}

/** Everything the comment lexer knows about one programming language. */
export interface CommentSyntax {
  line: LineRule[];
  block: BlockRule[];
  strings: StringRule[];
  specials?: Special[];
  /** Char literals: c = `'x'` always (C digit separators excepted); short = only `'x'`/`'\…'` (Rust lifetimes, Scala symbols); prime = short, and never right after an identifier (Haskell `x'`, Julia transpose). */
  chars?: 'c' | 'short' | 'prime';
  /** JavaScript regex literals, which may contain `//` or quotes. */
  regex?: boolean;
  /** Heredoc opener (sticky); the first defined group is the terminator. */
  heredoc?: RegExp;
  /** A character literal prefix whose next character is literal (Clojure `\;`, Erlang `$%`, Ruby `?#`). */
  charPrefix?: string;
  /** Literal statements that document code: Python docstrings, or strings alone on a line (GraphQL, Julia). */
  docstrings?: 'python' | 'statement';
  /** For 'statement' docstrings: the next non-blank line must match. */
  docNext?: RegExp;
  /** A string is documentation when the text before it on its line matches (Elixir `@doc """`). */
  docAttr?: RegExp;
  /** Removed from the start of each line after the marker (Haddock `|`, roxygen `'`). */
  docPrefix?: RegExp;
  /** `///` comments are XML documentation (C#, F#, VB): tags are markup, not prose. */
  xmlDoc?: boolean;
  /** Files that embed other languages: HTML-like (script/style blocks), PHP (`<?php … ?>` in HTML). */
  host?: 'html' | 'php';
}

/** An identifier character (non-ASCII counts, so prefixes are never read inside a Unicode identifier). */
export const isIdent = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c >= 128;
const afterIdent = (text: string, i: number): boolean => i > 0 && isIdent(text.charCodeAt(i - 1));

/** A Special for a literal/comment whose opener is `re` (sticky) and whose closer is computed from the match. */
function bracketed(first: string, re: RegExp, closer: (m: RegExpExecArray) => string, opts: { comment?: string; word?: boolean; openers?: string[] } = {}): Special {
  return {
    first,
    openers: opts.openers,
    comment: opts.comment,
    match(text, i) {
      if (opts.word && afterIdent(text, i)) return undefined;
      re.lastIndex = i;
      const m = re.exec(text);
      if (!m) return undefined;
      const bodyStart = i + m[0].length;
      const close = closer(m);
      const k = text.indexOf(close, bodyStart);
      return k < 0 ? { end: text.length, bodyStart, bodyEnd: text.length } : { end: k + close.length, bodyStart, bodyEnd: k };
    },
  };
}

const lineEnd = (text: string, i: number): number => {
  const k = text.indexOf('\n', i);
  return k < 0 ? text.length : k;
};
const atLineStart = (text: string, i: number): boolean => i === 0 || text.charCodeAt(i - 1) === 10;

/** A comment that opens with a directive line and ends at a closing directive line (Ruby `=begin`, Perl POD). */
function directiveBlock(open: RegExp, close: RegExp, marker: string, keepOpenLine: boolean): Special {
  return {
    first: '=',
    comment: marker,
    match(text, i) {
      open.lastIndex = i;
      if (!atLineStart(text, i) || !open.test(text)) return undefined;
      const bodyStart = keepOpenLine ? i : Math.min(text.length, lineEnd(text, i) + 1);
      close.lastIndex = i;
      const m = close.exec(text);
      if (!m) return { end: text.length, bodyStart, bodyEnd: text.length };
      return { end: lineEnd(text, m.index), bodyStart, bodyEnd: m.index };
    },
  };
}

const luaLong = (first: string, prefix: string, comment?: string): Special =>
  bracketed(first, new RegExp(`${prefix}\\[(={0,64})\\[`, 'y'), (m) => `]${m[1]}]`, { comment });
const rustRaw = bracketed('rbc', /[bc]?r(#{0,255})"/y, (m) => `"${m[1]}`, { word: true, openers: ['r"', 'r#', 'br', 'cr'] });
const cppRaw = bracketed('uULR', /(?:u8|[uUL])?R"([^()\\\s]{0,16})\(/y, (m) => `)${m[1]}"`, { word: true, openers: ['R"', 'u8R', 'uR', 'UR', 'LR'] });
const swiftRaw = bracketed('#', /(#{1,16})("""|")/y, (m) => m[2] + m[1]);
const csRaw = bracketed('"$', /\${0,8}("{3,64})/y, (m) => m[1] ?? '"""');
const rRaw = bracketed('rR', /[rR](["'])(-{0,64})([([{])/y, (m) => ({ '(': ')', '[': ']', '{': '}' })[m[3] as '('] + m[2] + m[1], { word: true, openers: ['r"', "r'", 'R"', "R'"] });
const cdata = bracketed('<', /<!\[CDATA\[/y, () => ']]>');
const zigMultiline: Special = {
  first: '\\',
  match: (text, i) => (text.startsWith('\\\\', i) ? { end: lineEnd(text, i), bodyStart: i, bodyEnd: i } : undefined),
};
/** SCSS/Less treat `//` as a comment, but not inside an unquoted `url(http://…)`. */
const cssUrl: Special = {
  first: 'uU',
  openers: ['url(', 'URL(', 'Url('],
  match(text, i) {
    if (afterIdent(text, i) || !/^url\([ \t]*[^"'\s]/i.test(text.slice(i, i + 6))) return undefined;
    let end = i + 4;
    while (end < text.length && text[end] !== ')' && text[end] !== '\n') end++;
    if (text[end] === ')') end++;
    return { end, bodyStart: i, bodyEnd: end };
  },
};
const YAML_HEADER = /[|>][-+0-9]{0,3}[ \t]*(?:\n|$)/y;
/** A YAML block scalar (`key: |`): the more-indented lines below it are literal text, `#` included. */
const yamlBlock: Special = {
  first: '|>',
  match(text, i) {
    let p = i - 1;
    while (p >= 0 && (text[p] === ' ' || text[p] === '\t')) p--;
    if (p >= 0 && !':-?\n'.includes(text[p] ?? '')) return undefined;
    YAML_HEADER.lastIndex = i;
    if (!YAML_HEADER.test(text)) return undefined;
    const e = lineEnd(text, i);
    const ls = text.lastIndexOf('\n', i) + 1;
    const indent = /^[ \t]*/.exec(text.slice(ls, i))?.[0].length ?? 0;
    let end = e;
    let k = e + 1;
    while (k < text.length) {
      const le = lineEnd(text, k);
      const line = text.slice(k, le);
      if (line.trim() !== '') {
        if (line.length - line.trimStart().length <= Math.min(indent, line.length)) break;
        end = le;
      }
      k = le + 1;
    }
    return { end, bodyStart: i, bodyEnd: end };
  },
};

const dq: StringRule = { open: '"', close: '"', escape: '\\' };
const sq: StringRule = { open: "'", close: "'", escape: '\\' };
const ml = (r: StringRule, extra: Partial<StringRule> = {}): StringRule => ({ ...r, multiline: true, ...extra });
const tq = (q: string, escape = '\\', interp?: string): StringRule => ({ open: q, close: q, escape, multiline: true, interp });
const block = (open: string, close: string, nests = false): BlockRule => ({ open, close, nests });
const slash: LineRule[] = [{ marker: '//' }];
const hash: LineRule[] = [{ marker: '#' }];
const cBlock = [block('/*', '*/')];
const cNested = [block('/*', '*/', true)];

/** C, C++, Java, C#, Go and friends share this shape. */
const cLike = (extra: Partial<CommentSyntax> = {}): CommentSyntax => ({
  line: slash,
  block: cBlock,
  strings: [dq],
  chars: 'c',
  ...extra,
});

/** Every case variant of Python's string prefixes, crossed with its four quotes. */
function pythonStrings(): StringRule[] {
  const out: StringRule[] = [];
  for (const p of ['', 'r', 'u', 'b', 'f', 'rb', 'br', 'fr', 'rf']) {
    const variants = new Set<string>();
    for (let mask = 0; mask < 1 << p.length; mask++) {
      variants.add([...p].map((ch, k) => (mask & (1 << k) ? ch.toUpperCase() : ch)).join(''));
    }
    const interp = p.includes('f') ? '{' : undefined;
    for (const v of variants) {
      for (const q of ['"""', "'''"]) out.push(tq(v + q, '\\', interp));
      for (const q of ['"', "'"]) out.push({ open: v + q, close: q, escape: '\\', interp });
    }
  }
  return out;
}

const js: CommentSyntax = {
  ...cLike(),
  chars: undefined,
  strings: [dq, sq, { open: '`', close: '`', escape: '\\', multiline: true, interp: '${' }],
  regex: true,
};
const shell: CommentSyntax = {
  line: [{ marker: '#', at: 'word' }],
  block: [],
  strings: [
    { open: "$'", close: "'", escape: '\\', multiline: true },
    { open: "'", close: "'", escape: '', multiline: true },
    ml(dq, { interp: '$(' }),
    { open: '`', close: '`', escape: '\\', multiline: true },
  ],
  heredoc: /<<-?[ \t]*(?:'([A-Za-z_][\w-]*)'|"([A-Za-z_][\w-]*)"|\\?([A-Za-z_][\w-]*))/y,
};
const haskellDash = (text: string, i: number): boolean => {
  // Inside a run of dashes: the lexer asked at the run's first dash, and got "operator" (a comment would have
  // taken the rest of the line). Answering again by measuring the run would be quadratic in its length.
  if (text.charCodeAt(i - 1) === 45) return true;
  let j = i;
  while (text[j] === '-') j++;
  return '!#$%&*+./<=>?@\\^|~:'.includes(text[j] ?? ' ') && j < text.length;
};
const haskell: CommentSyntax = {
  line: [{ marker: '--', reject: haskellDash }],
  block: [block('{-', '-}', true)],
  strings: [dq],
  chars: 'prime',
  docPrefix: /^\s?[|^$]/,
};
const html: CommentSyntax = { line: [], block: [block('<!--', '-->')], strings: [], specials: [cdata], host: 'html' };
const css: CommentSyntax = { line: [], block: cBlock, strings: [dq, sq] };
const scss: CommentSyntax = { ...css, line: slash, specials: [cssUrl] };
const lisp: CommentSyntax = { line: [{ marker: ';' }], block: [block('#|', '|#', true)], strings: [ml(dq)], charPrefix: '\\' };
const kotlinLike: CommentSyntax = cLike({
  block: cNested,
  strings: [tq('"""', '', '${'), { ...dq, interp: '${' }],
});

/** The rules of each language, by VS Code language id (aliases are resolved by commentSyntaxFor in codeLanguages.ts). */
export const COMMENT_SYNTAX: Record<string, CommentSyntax> = {
  javascript: js,
  typescript: js,
  c: cLike(),
  cpp: cLike({ specials: [cppRaw] }),
  'objective-c': cLike({ specials: [cppRaw] }),
  java: cLike({ strings: [tq('"""'), dq] }),
  csharp: cLike({
    xmlDoc: true,
    specials: [csRaw],
    strings: [
      ...['@"', '$@"', '@$"'].map((open) => ({ open, close: '"', escape: '', doubled: true, multiline: true })),
      { open: '$"', close: '"', escape: '\\', interp: '{' },
      dq,
    ],
  }),
  go: cLike({ strings: [dq, { open: '`', close: '`', escape: '', multiline: true }] }),
  rust: cLike({ block: cNested, strings: [ml(dq)], specials: [rustRaw], chars: 'short' }),
  kotlin: kotlinLike,
  scala: { ...kotlinLike, strings: [tq('"""', '', '${'), { ...dq, interp: '${' }], chars: 'short' },
  groovy: cLike({ chars: undefined, strings: [tq('"""', '\\', '${'), tq("'''"), { ...dq, interp: '${' }, sq] }),
  swift: cLike({ block: cNested, chars: undefined, specials: [swiftRaw], strings: [tq('"""', '\\', '\\('), { ...dq, interp: '\\(' }] }),
  dart: cLike({
    block: cNested,
    chars: undefined,
    strings: [tq("r'''", ''), tq('r"""', ''), { open: "r'", close: "'", escape: '' }, { open: 'r"', close: '"', escape: '' },
      tq("'''", '\\', '${'), tq('"""', '\\', '${'), { ...sq, interp: '${' }, { ...dq, interp: '${' }],
  }),
  php: {
    line: [{ marker: '//' }, { marker: '#', reject: (t, i) => t[i + 1] === '[' }],
    block: cBlock,
    strings: [ml(dq), ml(sq)],
    heredoc: /<<<[ \t]*(?:'(\w+)'|"(\w+)"|([A-Za-z_]\w*))/y,
    host: 'php',
  },
  solidity: cLike({ chars: undefined, strings: [dq, sq] }),
  proto: cLike({ chars: undefined, strings: [dq, sq] }),
  zig: cLike({ block: [], specials: [zigMultiline], chars: 'short' }),
  fsharp: { xmlDoc: true, line: slash, block: [block('(*', '*)', true)], strings: [tq('"""', ''), { open: '@"', close: '"', escape: '', doubled: true, multiline: true }, ml(dq)], chars: 'prime' },
  ocaml: { line: [], block: [block('(*', '*)', true)], strings: [ml(dq)], chars: 'prime' },
  python: { line: hash, block: [], strings: pythonStrings(), docstrings: 'python' },
  ruby: {
    line: hash,
    block: [],
    strings: [ml(dq, { interp: '#{' }), ml(sq), { open: '`', close: '`', escape: '\\', multiline: true, interp: '#{' }],
    specials: [directiveBlock(/=begin\b/y, /^=end\b/gm, '=begin', false)],
    heredoc: /<<(?:[~-](?:'(\w+)'|"(\w+)"|`(\w+)`|([A-Za-z_]\w*))|'(\w+)'|"(\w+)"|([A-Z_][A-Z0-9_]*)\b)/y,
    charPrefix: '?',
  },
  perl: {
    line: [{ marker: '#', reject: (t, i) => t[i - 1] === '$' || /(?:^|[^\w$@%])(?:s|m|y|q|qq|qw|qr|tr)$/.test(t.slice(Math.max(0, i - 3), i)) }],
    block: [],
    strings: [ml(dq, { notAfter: '$' }), ml(sq, { notAfter: '$' })],
    specials: [directiveBlock(/=[a-zA-Z]\w*/y, /^=cut\b/gm, '=', true)],
    heredoc: /<<~?(?:"(\w+)"|'(\w+)'|([A-Z_]\w*))/y,
  },
  shellscript: shell,
  powershell: {
    line: [{ marker: '#', at: 'word' }],
    block: [block('<#', '#>')],
    strings: [
      { open: '@"', close: '"@', escape: '`', multiline: true },
      { open: "@'", close: "'@", escape: '', multiline: true },
      { open: '"', close: '"', escape: '`', multiline: true, interp: '$(' },
      { open: "'", close: "'", escape: '', doubled: true, multiline: true },
    ],
  },
  sql: { line: [{ marker: '--' }], block: cBlock, strings: [{ ...sq, doubled: true, multiline: true }, { ...dq, escape: '', doubled: true }, { open: '`', close: '`', escape: '' }] },
  lua: { line: [{ marker: '--' }], block: [], strings: [dq, sq], specials: [luaLong('-', '--', '--[['), luaLong('[', '')] },
  haskell,
  elm: { ...haskell, strings: [tq('"""'), dq] },
  html,
  xml: { ...html, host: undefined },
  css,
  scss,
  less: scss,
  yaml: {
    line: [{ marker: '#', at: 'ws' }],
    block: [],
    strings: [{ ...dq, scalarStart: true }, { open: "'", close: "'", escape: '', doubled: true, scalarStart: true }],
    specials: [yamlBlock],
  },
  toml: { line: hash, block: [], strings: [tq('"""'), tq("'''", ''), dq, { open: "'", close: "'", escape: '' }] },
  ini: { line: [{ marker: ';', at: 'line' }, { marker: '#', at: 'line' }], block: [], strings: [] },
  properties: { line: [{ marker: '#', at: 'line' }, { marker: '!', at: 'line' }], block: [], strings: [] },
  dockerfile: { line: [{ marker: '#', at: 'line' }], block: [], strings: [] },
  makefile: { line: [{ marker: '#', reject: (t, i) => t[i - 1] === '\\' }], block: [], strings: [dq, sq] },
  cmake: { line: hash, block: [], strings: [ml(dq)], specials: [luaLong('#', '#', '#[['), luaLong('[', '')] },
  nix: { line: hash, block: cBlock, strings: [ml(dq, { interp: '${' }), { open: "''", close: "''", escape: '', multiline: true, interp: '${' }] },
  terraform: { line: [...hash, ...slash], block: cBlock, strings: [{ ...dq, interp: '${' }], heredoc: /<<-?([A-Za-z_]\w*)/y },
  graphql: { line: hash, block: [], strings: [tq('"""'), dq], docstrings: 'statement' },
  r: { line: hash, block: [], strings: [ml(dq), ml(sq), { open: '`', close: '`', escape: '' }], specials: [rRaw], docPrefix: /^'/ },
  julia: {
    line: hash,
    block: [block('#=', '=#', true)],
    strings: [tq('"""', '\\', '$('), ml(dq, { interp: '$(' }), { open: '`', close: '`', escape: '\\' }],
    chars: 'prime',
    docstrings: 'statement',
    docNext: /^\s*(?:@\w+\s+)*(?:function|macro|struct|mutable|abstract|primitive|const|module|baremodule|[\w.!]+(?:\{[^}]*\})?\(.*\)\s*=)/,
  },
  elixir: {
    line: hash,
    block: [],
    strings: [tq('"""', '\\', '#{'), tq("'''", '\\', '#{'), ml(dq, { interp: '#{' }), ml(sq, { interp: '#{' })],
    charPrefix: '?',
    docAttr: /^\s*@(?:module|type)?doc\s+$/,
  },
  erlang: { line: [{ marker: '%' }], block: [], strings: [ml(dq), sq], charPrefix: '$' },
  clojure: { ...lisp, block: [] },
  lisp,
  vb: { xmlDoc: true, line: [{ marker: "'" }], block: [], strings: [{ open: '"', close: '"', escape: '', doubled: true }] },
};
