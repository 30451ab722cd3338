import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SplitBudget } from '../../src/node/split/budget';
import { chunkUnit } from '../../src/node/split/chunker';
import { extractComments } from '../../src/node/split/comments';
import { codeLanguageIds } from '../../src/node/split/codeLanguages';
import { splitMarkdown } from '../../src/node/split/markdown';

/*
 * Work must grow linearly with the input, whatever the input. Work is counted, not timed: the splitters
 * spend about one step per character they examine (tokenizer calls included) from their SplitBudget, so
 * a rescan, a re-count of a growing prefix or a search repeated from every delimiter shows as a step count
 * that grows ~100× for a 10× input. Each case is run at n and 10n characters; the ratio must stay ≤ 12.
 * The random cases repeat a short fragment drawn by fast-check with a fixed seed (printed on failure).
 */

const SEED = 9_2026;
const N = 3_000;
const MAX_RATIO = 12;

/** Steps spent on the input of size n and of size 10n (n well past the sizes where a splitter's work changes shape). */
function ratio(run: (budget: SplitBudget, n: number) => void, n = N): { small: number; large: number; ratio: number } {
  const steps = (size: number): number => {
    const budget = new SplitBudget(Infinity);
    run(budget, size);
    return budget.steps;
  };
  const small = steps(n);
  const large = steps(10 * n);
  return { small, large, ratio: (large + 1) / (small + 1) };
}

function assertLinear(name: string, run: (budget: SplitBudget, n: number) => void): void {
  const r = ratio(run);
  assert.ok(r.ratio <= MAX_RATIO, `${name}: ${r.small} steps at n, ${r.large} at 10n (×${r.ratio.toFixed(1)})`);
}

/** `fragment` repeated to n characters. */
const rep = (fragment: string, n: number): string => fragment.repeat(Math.max(1, Math.ceil(n / fragment.length)));
/** Backtick runs of lengths 1, 2, 3, … (no two alike, so none closes), about n characters in all. */
const risingRuns = (ch: string, n: number): string => {
  let s = '';
  for (let k = 1; s.length < n; k++) s += `${ch.repeat(k)}a`;
  return s;
};

/** Markdown that defeated a pattern or a loop, as a function of its size. */
const MARKDOWN: Record<string, (n: number) => string> = {
  'a run of ":" that is not an admonition': (n) => `${':'.repeat(n)}[`,
  'an admonition marker followed by blanks': (n) => `:::note${' '.repeat(n)}x`,
  'an ATX heading with a run of blanks inside': (n) => `# a${' '.repeat(n)}b`,
  'a heading that ends in blanks before #s': (n) => `# a${' #'.repeat(n / 2)}x`,
  'a heading with an unterminated {#id}': (n) => `# x ${'{#a'.repeat(n / 3)}}`,
  'a table delimiter row': (n) => `|${'-|'.repeat(n / 2)}`,
  'a table delimiter row that fails at the end': (n) => `${' '.repeat(n)}x-`,
  'a thematic break': (n) => `${'- '.repeat(n / 2)}x`,
  'a deep blockquote': (n) => `${'> '.repeat(n / 2)}text`,
  'a deep list': (n) => Array.from({ length: Math.sqrt(n) | 0 }, (_, i) => `${'  '.repeat(i)}- item ${i}`).join('\n'),
  'unclosed quoted attributes on one line': (n) => rep('<a "', n),
  'unclosed tags with braces': (n) => rep('<a {{x} ', n),
  'a tag left open over many lines': (n) => `<Card title="x"\n${rep('more text\n', n)}`,
  'backtick runs that never close': (n) => risingRuns('`', n),
  'an unclosed fence': (n) => `\`\`\`js\n${rep('code\n', n)}`,
  'HTML comments that never close': (n) => rep('<!--', n),
  'JSX comments that never close': (n) => rep('{/*', n),
  'nested brackets': (n) => rep('[', n),
  'link destinations that never close': (n) => `${'['.repeat(n / 12)}x${rep('](a b)', n)}`,
  'escaped brackets': (n) => rep('\\[', n),
  'links to <unclosed': (n) => rep('[a](<', n),
  'footnote references that never close': (n) => rep('[^', n),
  'an autolink with a long domain': (n) => `<a@${rep('b.', n)}c>`,
  'reference definitions with unclosed titles': (n) => `[a]: x ${'('.repeat(n)} y`,
  'an unclosed frontmatter': (n) => `---\ntitle: x\n${rep('a: b\n', n)}`,
  'a quoted frontmatter title with escapes': (n) => `---\ntitle: "${rep('\\"', n)}\n---\ntext`,
  'a folded frontmatter description': (n) => `---\ndescription: >\n${rep('  word\n', n)}---\ntext`,
  'a TOML frontmatter with an unclosed string': (n) => `+++\n${rep('title = """x\n', n)}+++\n`,
  'an MDX import with unclosed quotes': (n) => `import {\n${rep('"\\', n)}\n\ntext`,
  'emphasis and entities': (n) => rep('*_~&amp;&#x1F600;', n),
  'CR, CRLF and LF mixed': (n) => rep('a\r\n\rb\r\n\n', n),
  'NUL bytes and lone surrogates': (n) => rep('\0\uD800a\uDC00 ', n),
  'a 20 MB-style single line of prose': (n) => rep('word ', n),
  'raw HTML blocks that never close': (n) => rep('<script>\n', n),
};

/** Source files that defeated the comment lexer, by language. */
const CODE: [string, string, (n: number) => string][] = [
  ['html', '"<script " repeated (issue 9)', (n) => rep('<script ', n)],
  ['html', 'script blocks with unclosed block comments', (n) => rep('<script>/*</script>', n)],
  ['html', 'unclosed CDATA', (n) => rep('<![CDATA[', n)],
  ['php', 'PHP regions with unclosed comments', (n) => rep('<?php /* ?><!--', n)],
  ['vue', 'unclosed style blocks', (n) => rep('<style lang="scss">', n)],
  ['javascript', 'a minified line of 10k comments (issue 9)', (n) => rep('/*c*/ab();', n)],
  ['javascript', 'doc comments on one line before one declaration', (n) => `${rep('/** doc */', n)}\n@x(${'a'.repeat(n)})\nfunction f() {}`],
  ['javascript', 'regex literals that never close', (n) => rep('=/[', n)],
  ['javascript', 'divisions after brackets', (n) => rep('(/', n)],
  ['typescript', 'template literals with interpolation', (n) => rep('`${', n)],
  ['javascript', 'strings of escapes', (n) => rep('"\\', n)],
  ['haskell', 'a run of dashes that is an operator', (n) => `${'-'.repeat(n)}>`],
  ['python', 'a def header over many lines', (n) => `def f(\n${rep('    a,  # note\n', n)}):\n    """Doc."""\n`],
  ['python', 'unclosed triple quotes', (n) => rep('"""', n)],
  ['ruby', 'unclosed =begin', (n) => rep('=begin\nx\n', n)],
  ['shellscript', 'heredocs that never end', (n) => rep('cat <<EOF\n', n)],
  ['perl', 'unclosed POD', (n) => rep('=pod\n', n)],
  ['rust', 'unclosed raw strings', (n) => rep('r#"', n)],
  ['cpp', 'unclosed raw strings', (n) => rep('R"x(', n)],
  ['csharp', 'verbatim strings', (n) => rep('@"', n)],
  ['lua', 'long comments', (n) => rep('--[[', n)],
  ['yaml', 'block scalars with #', (n) => rep('a: |\n  # not a comment\n', n)],
  ['scss', 'url( without )', (n) => rep('url(', n)],
  ['c', 'digit separators', (n) => rep("1'", n)],
  ['julia', 'statement docstrings', (n) => rep('"doc"\n', n)],
  ['javascript', 'commented-out code lines with runs', (n) => rep(`// ${')'.repeat(250)}x\n// for a${' '.repeat(200)} in x\n`, n)],
  ['python', 'long comment lines of one word', (n) => rep(`# ${'a'.repeat(290)}\n`, n)],
  ['javascript', 'CRLF, NUL and lone surrogates', (n) => rep('// a\r\n/*\0\uD800*/\r', n)],
];

/** Units the chunker had to cut: one long word, one character repeated, marks, blanks, many short sentences. */
const UNITS: Record<string, (n: number) => string> = {
  'one long word': (n) => 'a'.repeat(n),
  'one CJK character repeated': (n) => '漢'.repeat(n),
  'a grapheme with thousands of combining marks': (n) => `a${'\u0301'.repeat(n)}`,
  'blanks with a word at the end': (n) => `${' '.repeat(n)}x`,
  'many short sentences': (n) => rep('Go. ', n),
  'one sentence of many words': (n) => rep('word ', n),
  'many lines': (n) => rep('x\n', n),
  'one-character words (":" repeated)': (n) => ':'.repeat(n),
  'emoji sequences': (n) => rep('👩‍💻👍🏽', n),
  'lone surrogates': (n) => rep('\uD800a', n),
};

/** A deterministic, prefix-monotone stand-in for a tokenizer: CJK one token per character, other text one per four. */
function countTokens(s: string): number {
  let n = 0, other = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x3000 && c < 0xa000) n++;
    else if (c > 32) other++;
  }
  return 2 + n + Math.ceil(other / 4);
}

describe('splitters are linear in their input (steps at n and 10n)', () => {
  for (const [name, make] of Object.entries(MARKDOWN)) {
    it(`Markdown: ${name}`, () => assertLinear(name, (budget, n) => splitMarkdown(make(n), { budget })));
  }
  it('MDX: an import line with unclosed quotes and brackets', () => {
    assertLinear('mdx', (budget, n) => splitMarkdown(`import x from ${rep('"\\[', n)}\n\ntext`, { mdx: true, budget }));
  });
  for (const [language, name, make] of CODE) {
    it(`${language}: ${name}`, () => assertLinear(name, (budget, n) => extractComments(make(n), language, budget)));
  }
  for (const [name, make] of Object.entries(UNITS)) {
    it(`chunker: ${name}`, () => {
      assertLinear(name, (budget, n) => {
        const text = make(n);
        chunkUnit({ kind: 'markdown', title: 'Title', text, startLine: 1, endLine: 1 }, countTokens, 32, budget);
      });
    });
  }
  it('chunker: a title far over the budget', () => {
    assertLinear('title', (budget, n) => chunkUnit({ kind: 'markdown', title: 'T'.repeat(n), text: rep('text. ', n), startLine: 1, endLine: 1 }, countTokens, 32, budget));
  });
});

/** Fragments of markup and code that open, close or escape something, and plain text. */
const MARKDOWN_ATOMS = [
  ':', ':::', '`', '```', '~~~', '<!--', '-->', '{/*', '*/}', '<script ', '<a ', '</a>', '<>', '"', "'", '{', '}', '[', ']', '(', ')',
  '![', '](', '][', '\\', '#', '# ', '> ', '- ', '1. ', '|', '-', '*', '_', '~~', '&amp;', '&', '<', '>', ' ', '\t', '\n', '\n\n',
  '\r\n', '\r', '\u2028', '\0', '\uD800', 'a', 'word', '漢', 'import ', 'export ', '---\n', '=', '    ', 'http://x', '@', '.', '[^',
  '{#', '=begin',
];
const CODE_ATOMS = [
  '//', '/*', '*/', '/**', '#', '--', '{-', '-}', '(*', '*)', '<!--', '-->', ';', '%', "'", '"', '`', '"""', "'''", '${', '#{', '\\',
  '/', 'r#"', 'R"x(', ')x"', '@"', '<<EOF\n', 'EOF\n', '=begin\n', '=end\n', '=pod\n', '=cut\n', '--[[', ']]', '<script>', '</script>',
  '<style>', '<?php ', '?>', '<![CDATA[', 'url(', ': |\n', '$', '?', 'x', 'def f():\n', ' ', '    ', '\n', '\r\n', '\t', '{', '}',
  '(', ')', '[', ']', '=', '\0', '\uD800', '漢',
];
const fragment = (atoms: string[]): fc.Arbitrary<string> => fc.array(fc.constantFrom(...atoms), { minLength: 1, maxLength: 8 }).map((a) => a.join(''));

describe('random fragments repeated (fast-check, fixed seed)', () => {
  it('Markdown and MDX', () => {
    fc.assert(fc.property(fragment(MARKDOWN_ATOMS), fc.boolean(), (frag, mdx) => {
      const r = ratio((budget, n) => splitMarkdown(rep(frag, n), { mdx, budget }));
      return r.ratio <= MAX_RATIO;
    }), { seed: SEED, numRuns: 60 });
  });
  it('source code of every language', () => {
    fc.assert(fc.property(fragment(CODE_ATOMS), fc.constantFrom(...codeLanguageIds()), (frag, language) => {
      const r = ratio((budget, n) => extractComments(rep(frag, n), language, budget));
      return r.ratio <= MAX_RATIO;
    }), { seed: SEED, numRuns: 120 });
  });
  it('chunker', () => {
    const atoms = ['a', 'word ', ' ', '.', '. ', '\n', '漢', '。', '\u0301', '😀', '👩‍💻', '\uD800', 'x'.repeat(40), ' '.repeat(40)];
    // n is ten chunks of the longest span ever counted (32 characters per token), so that the last chunk's share is small.
    fc.assert(fc.property(fragment(atoms), fc.integer({ min: 8, max: 32 }), (frag, max) => {
      const r = ratio((budget, n) => chunkUnit({ kind: 'comment', title: '', text: rep(frag, n), startLine: 1, endLine: 1 }, countTokens, max, budget), 320 * max);
      return r.ratio <= MAX_RATIO;
    }), { seed: SEED, numRuns: 40 });
  });
});
