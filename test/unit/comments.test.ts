import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Unit } from '../../src/common/types';
import { unlimited } from '../../src/node/split/budget';
import { extractComments } from '../../src/node/split/comments';
import { isLicenceHeader } from '../../src/node/split/commentFilters';
import { codeLanguageIds, codeLanguageForPath } from '../../src/node/split/codeLanguages';
import { seededRandom } from '../../scripts/models/seededRandom.mjs';

const texts = (units: Unit[]): string[] => units.map((u) => u.text);
const only = (src: string, lang: string): Unit => {
  const units = extractComments(src, lang);
  assert.equal(units.length, 1, `expected one unit, got ${JSON.stringify(units, null, 1)}`);
  return units[0] as Unit;
};

/** One real-looking snippet per language: a documented declaration next to a literal that holds a comment marker. */
const SAMPLES: { lang: string; src: string; text: string; title: string; line?: number }[] = [
  { lang: 'typescript', src: 'const url = "http://example.com/*x*/";\n/** Opens a pooled connection. */\nexport function connect(url: string): Conn {}\n', text: 'Opens a pooled connection.', title: 'export function connect(url: string): Conn {}' },
  { lang: 'typescriptreact', src: 'const s = `// ${a}`;\n// Renders the user badge.\nexport const Badge = () => <b>hi</b>;\n', text: 'Renders the user badge.', title: 'export const Badge = () => <b>hi</b>;' },
  { lang: 'javascript', src: "const re = /\\/\\/+/g; const q = '/*';\n// Splits a path into segments.\nfunction split(p) {}\n", text: 'Splits a path into segments.', title: 'function split(p) {}' },
  { lang: 'javascriptreact', src: "const a = '//';\n/* Layout root for every page. */\nexport default function App() {}\n", text: 'Layout root for every page.', title: 'export default function App() {}' },
  { lang: 'python', src: "s = '# not a comment'\n# Retries the request with backoff.\ndef retry(fn, times=3):\n    pass\n", text: 'Retries the request with backoff.', title: 'def retry(fn, times=3):' },
  { lang: 'go', src: 'var p = `raw // string`\n\n// Dial opens a connection to the server.\nfunc Dial(addr string) (*Conn, error) {\n}\n', text: 'Dial opens a connection to the server.', title: 'func Dial(addr string) (*Conn, error) {' },
  { lang: 'rust', src: 'let s = "// no";\n/// Parses the configuration file.\npub fn parse(path: &Path) -> Config {}\n', text: 'Parses the configuration file.', title: 'pub fn parse(path: &Path) -> Config {}' },
  { lang: 'java', src: 'String s = "/* no */";\n/**\n * Returns the cached value.\n */\npublic Value get(String key) {\n', text: 'Returns the cached value.', title: 'public Value get(String key) {', line: 2 },
  { lang: 'kotlin', src: 'val s = "// \\${x}"\n/* outer /* nested */ still comment */\nfun main() {}\n', text: 'outer /* nested */ still comment', title: 'fun main() {}' },
  { lang: 'c', src: '#include <stdio.h>\nchar *s = "// not";\n/* Frees the buffer. */\nvoid buf_free(struct buf *b);\n', text: 'Frees the buffer.', title: 'void buf_free(struct buf *b);' },
  { lang: 'cpp', src: 'auto s = R"(// raw)";\nint n = 1\'000;\n// Computes the checksum.\nuint32_t crc(const char* p);\n', text: 'Computes the checksum.', title: 'uint32_t crc(const char* p);' },
  { lang: 'objective-c', src: '@interface Foo : NSObject\nNSString *s = @"// no";\n/// The cached view controller.\n@property UIViewController *vc;\n', text: 'The cached view controller.', title: '@property UIViewController *vc;' },
  { lang: 'csharp', src: 'var p = @"C:\\temp\\";\n/// <summary>Loads the user profile.</summary>\npublic Profile Load(int id) {}\n', text: 'Loads the user profile.', title: 'public Profile Load(int id) {}' },
  { lang: 'swift', src: 'let s = "// \\(x)"\nlet r = #"raw // "quoted" "#\n/// Fetches the feed.\nfunc fetch() async throws {}\n', text: 'Fetches the feed.', title: 'func fetch() async throws {}' },
  { lang: 'php', src: "<?php\n$u = 'http://x'; $c = \"#x\";\n#[Attribute]\n/** Saves the order. */\nfunction save($o) {}\n", text: 'Saves the order.', title: 'function save($o) {}' },
  { lang: 'ruby', src: "s = \"#{x} # not\"\n# Sends the welcome email.\ndef welcome(user)\nend\n", text: 'Sends the welcome email.', title: 'def welcome(user)' },
  { lang: 'shellscript', src: 'echo "# not" $# ${#arr[@]}\n# Installs the dependencies.\ninstall_deps() {\n}\n', text: 'Installs the dependencies.', title: 'install_deps() {' },
  { lang: 'sql', src: "SELECT '-- not' FROM t;\n-- Active users only.\nCREATE VIEW active AS SELECT 1;\n", text: 'Active users only.', title: 'CREATE VIEW active AS SELECT 1;' },
  { lang: 'lua', src: 'local s = "-- no"\n--[[ Builds the\n     lookup table. ]]\nlocal function build() end\n', text: 'Builds the\nlookup table.', title: 'local function build() end' },
  { lang: 'scala', src: 'val s = s"// ${x}"\n/** Immutable point. */\ncase class Point(x: Int, y: Int)\n', text: 'Immutable point.', title: 'case class Point(x: Int, y: Int)' },
  { lang: 'groovy', src: "def s = '// no'\n// Applies the plugin.\napply plugin: 'java'\n", text: 'Applies the plugin.', title: "apply plugin: 'java'" },
  { lang: 'dart', src: "var s = r'// raw';\n/// Builds the home screen.\nWidget build(BuildContext context) {}\n", text: 'Builds the home screen.', title: 'Widget build(BuildContext context) {}' },
  { lang: 'html', src: '<a href="http://x">x</a>\n<!-- Main navigation -->\n<nav class="top"></nav>\n', text: 'Main navigation', title: '<nav class="top"></nav>' },
  { lang: 'xml', src: '<?xml version="1.0"?>\n<!-- Build settings for release. -->\n<PropertyGroup>\n', text: 'Build settings for release.', title: '<PropertyGroup>' },
  { lang: 'vue', src: '<template><div/></template>\n<script setup lang="ts">\nconst u = "http://x";\n// Loads the profile on mount.\nonMounted(load);\n</script>\n', text: 'Loads the profile on mount.', title: 'onMounted(load);' },
  { lang: 'svelte', src: '<script>\n/** Count of clicks so far. */\nlet count = 0;\n</script>\n<button>+</button>\n', text: 'Count of clicks so far.', title: 'let count = 0;' },
  { lang: 'css', src: 'a { background: url("//cdn/x.png"); }\n/* Primary button colours. */\n.btn-primary { color: red; }\n', text: 'Primary button colours.', title: '.btn-primary { color: red; }' },
  { lang: 'scss', src: '.a { background: url(http://cdn/x.png); }\n// Card shadow depth.\n$shadow: 2px;\n', text: 'Card shadow depth.', title: '$shadow: 2px;' },
  { lang: 'less', src: '@u: "//x";\n// Base font size.\n@size: 14px;\n', text: 'Base font size.', title: '@size: 14px;' },
  { lang: 'yaml', src: 'color: "#fff"\nurl: http://x#frag\n# Number of worker replicas.\nreplicas: 3\n', text: 'Number of worker replicas.', title: 'replicas: 3' },
  { lang: 'toml', src: 'color = "#fff"\n# Crate edition used by every member.\nedition = "2021"\n', text: 'Crate edition used by every member.', title: 'edition = "2021"' },
  { lang: 'ini', src: 'url = http://x#y\n; Database section for the app.\n[database]\n', text: 'Database section for the app.', title: '[database]' },
  { lang: 'properties', src: '# Greeting shown on the home page.\ngreeting=Hello # world\n', text: 'Greeting shown on the home page.', title: 'greeting=Hello # world' },
  { lang: 'haskell', src: 'arrow = a --> b\n-- | Sums the list.\nsumAll :: [Int] -> Int\n', text: 'Sums the list.', title: 'sumAll :: [Int] -> Int' },
  { lang: 'elm', src: 'url = "-- no"\n{-| The page model. -}\ntype alias Model = {}\n', text: 'The page model.', title: 'type alias Model = {}' },
  { lang: 'r', src: "s <- '# no'\n#' Fits the model.\nfit <- function(x) {}\n", text: 'Fits the model.', title: 'fit <- function(x) {}' },
  { lang: 'perl', src: 'my $n = $#list; my $s = "# no";\n# Reads the config file.\nsub read_config {\n', text: 'Reads the config file.', title: 'sub read_config {' },
  { lang: 'powershell', src: '$s = "C:\\path\\"\n<# Restarts the service. #>\nfunction Restart-App {}\n', text: 'Restarts the service.', title: 'function Restart-App {}' },
  { lang: 'elixir', src: 'x = ?#\n@doc """\nCreates a user.\n"""\ndef create(attrs) do\n', text: 'Creates a user.', title: 'def create(attrs) do', line: 2 },
  { lang: 'erlang', src: "C = $%,\n% Starts the supervisor.\nstart_link() -> ok.\n", text: 'Starts the supervisor.', title: 'start_link() -> ok.' },
  { lang: 'clojure', src: '(def c \\;)\n;; Adds two numbers.\n(defn add [a b] (+ a b))\n', text: 'Adds two numbers.', title: '(defn add [a b] (+ a b))' },
  { lang: 'lisp', src: '(setq s "; no")\n#| Block comment\n   here. |#\n(defun f () nil)\n', text: 'Block comment\nhere.', title: '(defun f () nil)' },
  { lang: 'fsharp', src: 'let s = "// no"\n(* Computes the total. *)\nlet total xs = List.sum xs\n', text: 'Computes the total.', title: 'let total xs = List.sum xs' },
  { lang: 'ocaml', src: 'let s = "(* no *)"\n(** Maps over a tree. *)\nlet rec map f t = t\n', text: 'Maps over a tree.', title: 'let rec map f t = t' },
  { lang: 'julia', src: 's = "# no"\n#= Solves the\n   system. =#\nfunction solve(A) end\n', text: 'Solves the\nsystem.', title: 'function solve(A) end' },
  { lang: 'zig', src: 'const s = "// no";\n/// Allocates a buffer.\npub fn alloc(n: usize) ![]u8 {}\n', text: 'Allocates a buffer.', title: 'pub fn alloc(n: usize) ![]u8 {}' },
  { lang: 'solidity', src: 'string s = "// no";\n/// @notice Transfers tokens.\nfunction transfer(address to) public {}\n', text: '@notice Transfers tokens.', title: 'function transfer(address to) public {}' },
  { lang: 'proto', src: 'option go_package = "x//y";\n// A user account.\nmessage User {\n', text: 'A user account.', title: 'message User {' },
  { lang: 'terraform', src: 'url = "http://x # no"\n# The main VPC.\nresource "aws_vpc" "main" {\n', text: 'The main VPC.', title: 'resource "aws_vpc" "main" {' },
  { lang: 'graphql', src: 'query Q { a(s: "# no") }\n# Fetches a user by id.\ntype Query {\n', text: 'Fetches a user by id.', title: 'type Query {' },
  { lang: 'cmake', src: 'set(S "# no")\n# Builds the core library.\nadd_library(core src.c)\n', text: 'Builds the core library.', title: 'add_library(core src.c)' },
  { lang: 'makefile', src: 'X = a\\#b\n# Runs the unit tests.\ntest:\n', text: 'Runs the unit tests.', title: 'test:' },
  { lang: 'dockerfile', src: 'RUN echo "# no" # still no\n# Install runtime deps.\nRUN apt-get install -y curl\n', text: 'Install runtime deps.', title: 'RUN apt-get install -y curl' },
  { lang: 'nix', src: 'url = "http://x";\n# Pins nixpkgs.\nnixpkgs = import <nixpkgs> {};\n', text: 'Pins nixpkgs.', title: 'nixpkgs = import <nixpkgs> {};' },
  { lang: 'vb', src: 'Dim s = "\'no"\n\'\'\' <summary>Loads data.</summary>\nPublic Sub Load()\n', text: 'Loads data.', title: 'Public Sub Load()' },
];

describe('extractComments: one snippet per language', () => {
  for (const s of SAMPLES) {
    it(s.lang, () => {
      const u = only(s.src, s.lang);
      assert.equal(u.kind, 'comment');
      assert.equal(u.text, s.text);
      assert.equal(u.title, s.title);
      const line = s.line ?? s.src.split('\n').findIndex((l) => l.includes(s.text.split('\n')[0] ?? '')) + 1;
      assert.equal(u.startLine, line);
    });
  }
  it('covers every language codeLanguageForPath returns', () => {
    const sampled = new Set(SAMPLES.map((s) => s.lang));
    const missing = codeLanguageIds().filter((id) => !sampled.has(id) && id !== 'objective-cpp');
    assert.deepEqual(missing, []);
    assert.ok(codeLanguageIds().length >= 40);
  });
  it('returns nothing for an unknown language', () => {
    assert.deepEqual(extractComments('// hello world\n', 'markdown'), []);
  });
});

describe('extractComments: literals that merely contain comment markers', () => {
  const none: [string, string][] = [
    ['typescript', 'const url = "http://x/*y*/";\nconst s = \'// no\';\n'],
    ['typescript', 'const t = `a ${f(`//x`)} /* b */ ${"c" + \'//\'}`;\nconst u = `line1\n// line2`;\n'],
    ['javascript', 'const r = /[/*]+/; const q = x.split(/"/); const z = a / b / c;\n'],
    ['python', "s = '# not a comment'\nf = f\"{d['#']}\"\ng = f\"{d[\"#\"]}\"\nt = '''\n# inside\n'''\n"],
    ['python', 'x = r"\\"# still string"\n'],
    ['go', 'var s = `\n// raw string line\n`\n'],
    ['rust', 'let s = r#"a "// quoted" b"#;\nlet b = br"/*";\n'],
    ['cpp', 'auto s = R"sep(// )" /* still raw )sep";\n'],
    ['csharp', 'var s = $"{(a ? "//" : "x")}";\nvar r = """\n// raw\n""";\n'],
    ['shellscript', 'echo $# ${#var} ${x#prefix} "a # b" \'# c\' a#b\n'],
    ['shellscript', 'cat <<EOF\n# inside heredoc\nEOF\ncat <<-\'END\'\n\t# also inside\n\tEND\n'],
    ['scss', '.a { background: url(http://cdn.example/x.png); }\n'],
    ['yaml', 'script: |\n  # shell comment in a literal\n  echo hi\nurl: http://x#frag\nq: "# quoted"\n'],
    ['sql', "SELECT 'it''s -- not', \"a--b\" FROM t;\n"],
    ['lua', 'local s = [[\n-- not a comment\n]]\nlocal t = [==[ ]] -- ]==]\n'],
    ['powershell', '$s = "a`"b # no"\n$t = \'it\'\'s # no\'\n$h = @"\n# here-string\n"@\n'],
    ['ruby', 'x = "#{y} # no"\nc = ?#\ns = <<~EOS\n  # heredoc\nEOS\n'],
    ['php', "<?php\n$s = <<<EOT\n# heredoc\nEOT;\n$a = '// no';\n"],
    ['perl', 'my $n = $#items; my $s = "# no"; $x =~ s#a#b#;\n'],
    ['elixir', 'c = ?#\ns = "#{x} # no"\n'],
    ['clojure', '(def semi \\;)\n(str "; no")\n'],
    ['erlang', 'C = $%, S = "% no".\n'],
    ['haskell', 'x = a --> b\nc = \'"\'\ns = "-- no"\n'],
    ['terraform', 'user_data = <<-EOT\n  # not a comment\nEOT\n'],
    ['html', '<pre><![CDATA[ <!-- no --> ]]></pre>\n'],
  ];
  for (const [lang, src] of none) {
    it(`${lang}: ${JSON.stringify(src.slice(0, 40))}`, () => {
      assert.deepEqual(extractComments(src, lang), []);
    });
  }

  it('finds the comment right after a tricky literal', () => {
    assert.deepEqual(texts(extractComments('var p = @"C:\\dir\\"; // real note\n', 'csharp')), ['real note']);
    assert.deepEqual(texts(extractComments('s = x.replace(/"/g, \'\'); // strip quotes here\n', 'javascript')), ['strip quotes here']);
    assert.deepEqual(texts(extractComments("fn f<'a>(s: &'a str) { let q = '\"'; } // borrowed slice\n", 'rust')), ['borrowed slice']);
    assert.deepEqual(texts(extractComments("let c = '\\''; // escaped quote char\n", 'rust')), ['escaped quote char']);
    assert.deepEqual(texts(extractComments("int n = 1'000'000; // one million\n", 'cpp')), ['one million']);
    assert.deepEqual(texts(extractComments('echo "a" # the real comment\n', 'shellscript')), ['the real comment']);
  });

  it('lexes script and style blocks of HTML, and HTML around PHP', () => {
    const html = '<!-- Page header -->\n<script>\nconst u = "<!-- no -->";\n// Boot the app.\nboot();\n</script>\n<style>\n/* Reset margins. */\nbody { margin: 0 }\n</style>\n';
    assert.deepEqual(texts(extractComments(html, 'html')), ['Page header', 'Boot the app.', 'Reset margins.']);
    const php = '<!-- Layout start -->\n<div>\n<?php // Render the menu.\nrender(); ?>\n<p>Don\'t panic</p>\n<!-- Layout end -->\n';
    assert.deepEqual(texts(extractComments(php, 'php')), ['Layout start', 'Render the menu.', 'Layout end']);
  });
});

describe('extractComments: block comments and docstrings', () => {
  it('nests block comments where the language does, and not where it does not', () => {
    assert.equal(only('/* a /* b */ c */\nfn x() {}\n', 'rust').text, 'a /* b */ c');
    assert.equal(only('{- a {- b -} c -}\nf = 1\n', 'haskell').text, 'a {- b -} c');
    assert.equal(only('/* outer /* inner */ still */\nfunc x() {}\n', 'swift').text, 'outer /* inner */ still');
    // C does not nest: the first `*/` closes the comment.
    assert.equal(only('/* a /* b */\nint c;\n', 'c').text, 'a /* b');
  });

  it('strips JSDoc markers and the star gutter, keeps tags and indentation inside', () => {
    const u = only('  /**\n   * Connects to the database.\n   *\n   * @param url the connection string\n   * @example\n   *   connect("db://x")\n   */\n  connect(url) {}\n', 'typescript');
    assert.equal(u.text, 'Connects to the database.\n\n@param url the connection string\n@example\n  connect("db://x")');
    assert.equal(u.startLine, 1);
    assert.equal(u.endLine, 7);
    assert.equal(u.title, 'connect(url) {}');
  });

  it('finds module, class and function docstrings with their def/class line as title', () => {
    const src = [
      '"""Utilities for the database layer."""', // 1
      'import os', // 2
      '', // 3
      'class Pool(Base):', // 4
      "    '''A pool of connections.'''", // 5
      '', // 6
      '    @staticmethod', // 7
      '    async def connect(', // 8
      '        url: str,  # the DSN', // 9
      '    ) -> Conn:', // 10
      '        """Open a connection.', // 11
      '', // 12
      '        Args:', // 13
      '            url: where to connect', // 14
      '        """', // 15
      '        x = """not a docstring"""', // 16
      '        return x', // 17
    ].join('\n');
    const units = extractComments(src, 'python');
    assert.deepEqual(units.map((u) => [u.title, u.text, u.startLine, u.endLine]), [
      ['', 'Utilities for the database layer.', 1, 1],
      ['class Pool(Base):', 'A pool of connections.', 5, 5],
      ['url: str,', 'the DSN', 9, 9],
      ['async def connect(url: str,) -> Conn:', 'Open a connection.\n\nArgs:\n    url: where to connect', 11, 15],
    ]);
  });

  it('does not take a string after other code for a docstring', () => {
    assert.deepEqual(extractComments('import os\n"""Not a module docstring."""\ndef f():\n    x = 1\n    """Not a docstring either."""\n', 'python'), []);
  });

  it('reads GraphQL descriptions, Ruby =begin and Perl POD as documentation', () => {
    assert.deepEqual(texts(extractComments('"""\nA registered user.\n"""\ntype User {\n  id: ID!\n}\n', 'graphql')), ['A registered user.']);
    const jl = only('x = 1\n"""\n    solve(A)\n\nSolves the system.\n"""\nfunction solve(A) end\nprintln("not a doc")\n', 'julia');
    assert.deepEqual([jl.text, jl.title, jl.startLine, jl.endLine], ['    solve(A)\n\nSolves the system.', 'function solve(A) end', 2, 6]);
    assert.equal(only('=begin\nLegacy importer, kept for old dumps.\n=end\ndef import; end\n', 'ruby').text, 'Legacy importer, kept for old dumps.');
    const pod = only('my $x = 1;\n\n=head1 NAME\n\nParser - reads config files\n\n=cut\n\nsub parse {}\n', 'perl');
    assert.equal(pod.text, 'NAME\n\nParser - reads config files');
    assert.equal(pod.title, 'sub parse {}');
  });

  it('strips Rust inner doc markers and keeps //! and /// apart', () => {
    const units = extractComments('//! Crate for parsing configs.\n//! Second line.\n\n/// Item doc.\npub fn f() {}\n', 'rust');
    assert.deepEqual(units.map((u) => [u.text, u.startLine, u.endLine]), [['Crate for parsing configs.\nSecond line.', 1, 2], ['Item doc.', 4, 4]]);
  });

  it('turns C# XML documentation into prose', () => {
    const u = only('/// <summary>\n/// Loads the <see cref="User"/> by id.\n/// </summary>\n/// <param name="id">The user id.</param>\npublic User Load(int id) {}\n', 'csharp');
    assert.equal(u.text, 'Loads the User by id.\nid: The user id.');
  });
});

describe('extractComments: grouping, lines and titles', () => {
  it('merges consecutive own-line comments and splits at a blank line', () => {
    const src = '// First part of the\n// explanation.\n\n// A separate note.\nint x;\n';
    const units = extractComments(src, 'c');
    assert.deepEqual(units.map((u) => [u.text, u.startLine, u.endLine, u.title]), [
      ['First part of the\nexplanation.', 1, 2, 'int x;'],
      ['A separate note.', 4, 4, 'int x;'],
    ]);
  });

  it('keeps // and /// groups apart, and trailing comments on their own', () => {
    const src = '// Plain note about the module.\n/// Doc of the struct.\nstruct S {\n  a: u8, // first field note\n  b: u8, // second field note\n  // Own-line note.\n  c: u8,\n}\n';
    const units = extractComments(src, 'rust');
    assert.deepEqual(units.map((u) => [u.text, u.title, u.startLine]), [
      ['Plain note about the module.', 'struct S {', 1],
      ['Doc of the struct.', 'struct S {', 2],
      ['first field note', 'a: u8,', 4],
      ['second field note', 'b: u8,', 5],
      ['Own-line note.', 'c: u8,', 6],
    ]);
  });

  it('skips decorators and attributes to the declaration, and gives no title at the end of a file', () => {
    assert.equal(only('/** Says hello. */\n@Override\n@Deprecated(since = "2")\npublic String toString() {}\n', 'java').title, 'public String toString() {}');
    assert.equal(only('/// A point.\n#[derive(Debug)]\nstruct P;\n', 'rust').title, 'struct P;');
    assert.equal(only('x = 1\n# Nothing follows this note.\n', 'python').title, '');
    assert.equal(only('if (a) {\n  run();\n  // Fall through to the cleanup.\n}\n', 'c').title, '');
    assert.equal(only('return (\n  <div>\n    {/* The page header. */}\n    <Header title="x" />\n', 'typescriptreact').title, '<Header title="x" />');
  });

  it('cuts long titles to about 120 characters without splitting a surrogate pair', () => {
    const decl = `const x = "${'😀'.repeat(100)}";`;
    const u = only(`// Emoji table for the picker.\n${decl}\n`, 'typescript');
    assert.ok(u.title.length <= 121 && u.title.endsWith('…'));
    assert.ok(!/[\uD800-\uDBFF]…$/.test(u.title));
  });

  it('handles CRLF line breaks and a BOM', () => {
    const u = only('\uFEFF// Line one of the\r\n// explanation.\r\nint x;\r\n', 'c');
    assert.equal(u.text, 'Line one of the\nexplanation.');
    assert.equal(u.title, 'int x;');
    assert.deepEqual([u.startLine, u.endLine], [1, 2]);
    const b = only('x = 1;\r\n/* Block\r\n   comment. */\r\ny = 2;\r\n', 'c');
    assert.deepEqual([b.text, b.startLine, b.endLine], ['Block\ncomment.', 2, 3]);
  });

  it('reports 1-based inclusive lines of multi-line blocks', () => {
    const u = only('package a\n\nimport "fmt"\n\n/*\nRun starts the loop\nand never returns.\n*/\nfunc Run() {}\n', 'go');
    assert.deepEqual([u.startLine, u.endLine, u.text], [5, 8, 'Run starts the loop\nand never returns.']);
  });
});

describe('extractComments: what is not prose', () => {
  it('skips pragmas and directives', () => {
    const cases: [string, string][] = [
      ['typescript', '// eslint-disable-next-line no-console\n/* eslint-disable */\n// @ts-ignore\n// @ts-expect-error wrong types\n// prettier-ignore\n/* istanbul ignore next */\n/// <reference types="node" />\n// TODO\n// #region Helpers\n// #endregion\nx();\n'],
      ['python', '#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\nimport os  # noqa: F401\nx = f()  # type: ignore[attr]\n# pylint: disable=invalid-name\n# fmt: off\n'],
      ['go', '//go:build linux\n// +build linux\n\npackage x\n\n//go:generate stringer -type=T\nvar x = 1 //nolint:gosec\n'],
      ['rust', '#![allow(dead_code)]\n// clippy::needless_return is fine here\nfn f() {}\n'],
      ['ruby', '# frozen_string_literal: true\n# rubocop:disable Metrics/AbcSize\nx = 1\n'],
      ['java', 'int x = 1; // NOSONAR\n// SPDX-License-Identifier: Apache-2.0\n/*! @license MIT */\n'],
      ['c', '#pragma once\n#include <stdio.h>\n/* -------------------- */\n/*****/\n// FIXME:\nint x;\n'],
      ['shellscript', '#!/bin/bash\n# shellcheck disable=SC2086\necho hi\n'],
      ['haskell', '{-# LANGUAGE OverloadedStrings #-}\nmodule Main where\n'],
    ];
    for (const [lang, src] of cases) assert.deepEqual(extractComments(src, lang), [], `${lang}: ${src}`);
  });

  it('skips directives that read like prose only when they are the whole comment', () => {
    assert.deepEqual(texts(extractComments('/* global window, $ */\n// @flow\nx = 1;\n', 'javascript')), []);
    assert.deepEqual(texts(extractComments('# encoding: utf-8\n# vim: set ts=4 sw=4:\nx = 1\n', 'python')), []);
    assert.equal(only('def read(path):\n    """Read a file.\n\n    encoding: utf-8 unless told otherwise\n    """\n', 'python').text, 'Read a file.\n\nencoding: utf-8 unless told otherwise');
    assert.equal(only('/* global state is shared by every worker */\nlet state;\n', 'javascript').text, 'global state is shared by every worker');
  });

  it('removes pragma lines from a comment but keeps its prose, and keeps TODOs with text', () => {
    assert.equal(only('// Logging is the point of this tool.\n// eslint-disable-next-line no-console\nconsole.log(x);\n', 'javascript').text, 'Logging is the point of this tool.');
    assert.equal(only('// TODO: retry on timeout\nfetch();\n', 'javascript').text, 'TODO: retry on timeout');
  });

  it('skips commented-out code but keeps prose with code-like punctuation', () => {
    const src = [
      '// foo(bar);', '', '// const x = computeTotal(items);', '// if (x > 10) {', '//   return x;', '// }', '',
      '# return result', '', '/* old: items.forEach(i => i.save()); */', '',
      '// Returns the user (or null).', '', '// See connect(url) for the options, e.g. timeout = 30.', '',
      '// 사용자를 반환합니다 (없으면 null)', '', '// Fallback for old browsers:', '// polyfill();', 'x();',
    ].join('\n');
    assert.deepEqual(texts(extractComments(src, 'typescript')), [
      'Returns the user (or null).',
      'See connect(url) for the options, e.g. timeout = 30.',
      '사용자를 반환합니다 (없으면 null)',
      'Fallback for old browsers:\npolyfill();',
    ]);
    assert.deepEqual(extractComments('# x = compute(a, b)\n# print(x)\ny = 1\n', 'python'), []);
    assert.deepEqual(extractComments('<!-- <div class="old">Old banner</div> -->\n<p>x</p>\n', 'html'), []);
  });

  it('never treats a doc comment as commented-out code', () => {
    assert.equal(only('/**\n * connect(url);\n */\nfunction connect(url) {}\n', 'javascript').text, 'connect(url);');
  });

  it('skips a licence header before the first line of code, and only there', () => {
    const src = '/*\n * Copyright (c) 2024 Example Corp.\n * Licensed under the Apache License, Version 2.0.\n */\n\n// Package-level helpers.\npackage helpers;\n\n// Copyright check for uploaded files.\nvoid check() {}\n';
    assert.deepEqual(texts(extractComments(src, 'java')), ['Package-level helpers.', 'Copyright check for uploaded files.']);
    const php = '<?php\n/**\n * This file is part of Foo.\n * (c) Jane <j@x.org> For the full copyright and license information, see LICENSE.\n */\n\nnamespace Foo;\n';
    assert.deepEqual(extractComments(php, 'php'), []);
    assert.deepEqual(extractComments('# Copyright 2020 The Authors. All rights reserved.\n"""Module doc."""\n', 'python').map((u) => u.text), ['Module doc.']);
  });

  it('recognises licence headers', () => {
    assert.equal(isLicenceHeader('Copyright 2021 Google LLC'), true);
    assert.equal(isLicenceHeader('SPDX-License-Identifier: MIT'), true);
    assert.equal(isLicenceHeader('Licensed under the Apache License, Version 2.0 (the "License")'), true);
    assert.equal(isLicenceHeader('Permission is hereby granted, free of charge, to any person'), true);
    assert.equal(isLicenceHeader('This program is free software under the GNU General Public License'), true);
    assert.equal(isLicenceHeader('Parses the licence file list of a package.'), false);
    assert.equal(isLicenceHeader('Connects to the database and retries on failure.'), false);
  });
});

describe('extractComments: text fidelity', () => {
  it('keeps Korean, Japanese and Chinese prose exactly', () => {
    const ko = '데이터베이스 연결을 설정합니다. 😀';
    const ja = 'データベース接続を初期化する（再試行あり）。';
    const zh = '初始化数据库连接，失败时重试。';
    const src = `// ${ko}\nfn a() {}\n/* ${ja} */\nfn b() {}\n/// ${zh}\nfn c() {}\n`;
    const units = extractComments(src, 'rust');
    assert.deepEqual(units.map((u) => [u.text, u.title]), [[ko, 'fn a() {}'], [ja, 'fn b() {}'], [zh, 'fn c() {}']]);
    assert.equal(only(`def f():\n    """${ja}\n    ${zh}\n    """\n`, 'python').text, `${ja}\n${zh}`);
  });

  it('replaces lone surrogates instead of emitting invalid text', () => {
    const u = only('// bad \uD800 half\nint x;\n', 'c');
    assert.equal(u.text, 'bad \uFFFD half');
  });
});

describe('codeLanguageForPath', () => {
  it('maps extensions and well-known file names', () => {
    const cases: [string, string | undefined][] = [
      ['src/a.ts', 'typescript'], ['a.d.ts', 'typescript'], ['a.mts', 'typescript'], ['A.TSX', 'typescriptreact'],
      ['x/y.js', 'javascript'], ['a.mjs', 'javascript'], ['a.cjs', 'javascript'], ['a.jsx', 'javascriptreact'],
      ['a.py', 'python'], ['a.pyi', 'python'], ['main.go', 'go'], ['lib.rs', 'rust'], ['A.java', 'java'], ['b.kt', 'kotlin'],
      ['build.gradle.kts', 'kotlin'], ['x.c', 'c'], ['x.h', 'c'], ['x.cpp', 'cpp'], ['x.hpp', 'cpp'], ['x.cc', 'cpp'],
      ['P.cs', 'csharp'], ['v.swift', 'swift'], ['i.php', 'php'], ['r.rb', 'ruby'], ['s.sh', 'shellscript'],
      ['s.bash', 'shellscript'], ['s.zsh', 'shellscript'], ['q.sql', 'sql'], ['l.lua', 'lua'], ['s.scala', 'scala'],
      ['d.dart', 'dart'], ['i.html', 'html'], ['c.xml', 'xml'], ['App.vue', 'vue'], ['A.svelte', 'svelte'], ['s.css', 'css'],
      ['s.scss', 'scss'], ['s.less', 'less'], ['c.yaml', 'yaml'], ['c.yml', 'yaml'], ['Cargo.toml', 'toml'], ['M.hs', 'haskell'],
      ['a.R', 'r'], ['a.pl', 'perl'], ['a.ps1', 'powershell'], ['a.ex', 'elixir'], ['a.exs', 'elixir'], ['a.clj', 'clojure'],
      ['a.jl', 'julia'], ['main.tf', 'terraform'], ['s.graphql', 'graphql'], ['Dockerfile', 'dockerfile'],
      ['docker/Dockerfile.dev', 'dockerfile'], ['Makefile', 'makefile'], ['GNUmakefile', 'makefile'], ['CMakeLists.txt', 'cmake'],
      ['Gemfile', 'ruby'], ['C:\\proj\\src\\main.rs', 'rust'],
      ['README.md', undefined], ['notes.txt', undefined], ['image.png', undefined], ['data.json', undefined], ['.gitignore', undefined], ['LICENSE', undefined],
    ];
    for (const [path, id] of cases) assert.equal(codeLanguageForPath(path), id, path);
  });

  it('returns ids extractComments understands', () => {
    for (const id of codeLanguageIds()) assert.ok(Array.isArray(extractComments('', id)));
    assert.equal(extractComments('// The answer.\nx = 42;\n', codeLanguageForPath('x.mjs') ?? '').length, 1);
  });
});

describe('extractComments: robustness', () => {
  const PIECES = ['//', '/*', '*/', '#', '--', ';', '%', '"', "'", '`', '"""', "'''", '${', '}', '{', '(', ')', '[[', ']]', '<!--', '-->',
    '\n', '\r\n', '\r', ' ', '\t', 'a', 'def f():\n', 'r#"', '"#', '<<EOF\n', 'EOF\n', '=begin\n', '=end\n', '{-', '-}', '\\', '$',
    '?', 'x = 1', '한국어', '日本', '😀', '\uD800', '\uDC00', '<script>', '</script>', '<?php', '?>', 'url(', ': |\n', '@"', '\uFEFF'];
  const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
  const ids = [...codeLanguageIds(), 'shell', 'bash'];

  it('never throws and always returns well-formed units within the file', () => {
    const next = seededRandom(12345);
    for (let round = 0; round < 40; round++) {
      for (const lang of ids) {
        let src = '';
        const n = Math.floor(next() * 60);
        for (let k = 0; k < n; k++) src += PIECES[Math.floor(next() * PIECES.length)];
        const lines = src.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/).length;
        let units: Unit[] = [];
        assert.doesNotThrow(() => { units = extractComments(src, lang); }, `${lang}: ${JSON.stringify(src)}`);
        for (const u of units) {
          const where = `${lang}: ${JSON.stringify(src)} -> ${JSON.stringify(u)}`;
          assert.ok(u.startLine >= 1 && u.startLine <= u.endLine && u.endLine <= lines, where);
          assert.ok(!LONE.test(u.text) && !LONE.test(u.title), where);
          assert.ok(!u.text.includes('\r') && u.text.trim() !== '', where);
        }
      }
    }
  });

  it('reads a 1 MB source file in one pass', () => {
    const chunk = '/**\n * Loads the user (or null).\n */\nexport async function load(id: string) {\n  const url = `https://x/${id}?q=${"//"}`; // cache key\n  return fetch(url); /* no retry */\n}\n';
    const copies = Math.ceil(1_000_000 / chunk.length);
    const src = chunk.repeat(copies);
    const budget = unlimited();
    const units = extractComments(src, 'typescript', budget);
    assert.equal(units.length, copies * 3);
    assert.deepEqual(units.slice(-3).map((u) => u.text), ['Loads the user (or null).', 'cache key', 'no retry']);
    assert.equal(units[units.length - 1]?.startLine, copies * 7 - 1);
    // Work is counted, not timed: ~4 steps per character here; a rescan per comment would cost thousands.
    assert.ok(budget.steps < 10 * src.length, `${budget.steps} steps for ${src.length} characters`);
  });

  it('stays linear on adversarial input (no quadratic scans)', () => {
    const pieces = ['/*', '"', "'", '#', '<<EOF\n', '--[[', '`${', 'r#"', '(', '"""', '\\', '<!--', '=pod\n', ': |\n', 'url(', '$', '?'];
    for (const lang of ids) {
      for (const p of pieces) {
        const input = p.repeat(Math.ceil(20_000 / p.length));
        const budget = unlimited();
        extractComments(input, lang, budget);
        // A quadratic scan of 20,000 characters would take ~10^8 steps.
        assert.ok(budget.steps < 8 * input.length, `${lang}, ${JSON.stringify(p)}: ${budget.steps} steps for ${input.length} characters`);
      }
    }
  });
});
