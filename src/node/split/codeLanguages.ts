import { COMMENT_SYNTAX } from './commentSyntax';
import type { CommentSyntax } from './commentSyntax';

/*
 * Programming languages: which one a file is written in (by its name), and that language's comment syntax
 * from commentSyntax.ts. Human languages are another matter (src/common/writingScript.ts).
 */

const ALIASES: Record<string, string> = {
  typescriptreact: 'typescript', javascriptreact: 'javascript', 'objective-cpp': 'objective-c', vue: 'html',
  svelte: 'html', sass: 'scss', shell: 'shellscript', bash: 'shellscript', sh: 'shellscript', zsh: 'shellscript',
  scheme: 'lisp', racket: 'lisp', hcl: 'terraform', proto3: 'proto', starlark: 'python',
};

/** The lexical rules for a language id from codeLanguageForPath (VS Code ids and a few aliases), or undefined. */
export function commentSyntaxFor(languageId: string): CommentSyntax | undefined {
  return ownValue(COMMENT_SYNTAX, ownValue(ALIASES, languageId) ?? languageId);
}

const BY_EXTENSION: Record<string, string> = {};
const addExt = (id: string, exts: string): void => {
  for (const e of exts.split(' ')) BY_EXTENSION[e] = id;
};
addExt('typescript', 'ts mts cts');
addExt('typescriptreact', 'tsx');
addExt('javascript', 'js mjs cjs');
addExt('javascriptreact', 'jsx');
addExt('python', 'py pyi pyw bzl');
addExt('go', 'go');
addExt('rust', 'rs');
addExt('java', 'java');
addExt('kotlin', 'kt kts');
addExt('c', 'c h');
addExt('cpp', 'cc cpp cxx c++ hpp hh hxx h++ ino cu cuh');
addExt('objective-c', 'm');
addExt('objective-cpp', 'mm');
addExt('csharp', 'cs csx');
addExt('swift', 'swift');
addExt('php', 'php phtml');
addExt('ruby', 'rb rake gemspec ru');
addExt('shellscript', 'sh bash zsh ksh');
addExt('sql', 'sql');
addExt('lua', 'lua');
addExt('scala', 'scala sc sbt');
addExt('groovy', 'groovy gradle');
addExt('dart', 'dart');
addExt('html', 'html htm xhtml');
addExt('xml', 'xml xsd xsl xslt xaml csproj fsproj vbproj props targets');
addExt('vue', 'vue');
addExt('svelte', 'svelte');
addExt('css', 'css');
addExt('scss', 'scss sass');
addExt('less', 'less');
addExt('yaml', 'yaml yml');
addExt('toml', 'toml');
addExt('ini', 'ini cfg');
addExt('properties', 'properties');
addExt('haskell', 'hs');
addExt('elm', 'elm');
addExt('r', 'r');
addExt('perl', 'pl pm');
addExt('powershell', 'ps1 psm1 psd1');
addExt('elixir', 'ex exs');
addExt('erlang', 'erl hrl');
addExt('clojure', 'clj cljs cljc edn');
addExt('lisp', 'lisp lsp cl el scm ss rkt');
addExt('fsharp', 'fs fsi fsx');
addExt('ocaml', 'ml mli');
addExt('julia', 'jl');
addExt('zig', 'zig');
addExt('solidity', 'sol');
addExt('proto', 'proto');
addExt('terraform', 'tf tfvars hcl');
addExt('graphql', 'graphql gql');
addExt('cmake', 'cmake');
addExt('makefile', 'mk mak');
addExt('dockerfile', 'dockerfile containerfile');
addExt('nix', 'nix');
addExt('vb', 'vb vbs bas');

const BY_NAME: Record<string, string> = {
  dockerfile: 'dockerfile', containerfile: 'dockerfile', makefile: 'makefile', gnumakefile: 'makefile',
  'cmakelists.txt': 'cmake', gemfile: 'ruby', rakefile: 'ruby', podfile: 'ruby', vagrantfile: 'ruby',
  jenkinsfile: 'groovy', build: 'python', workspace: 'python', '.bashrc': 'shellscript', '.zshrc': 'shellscript',
  '.profile': 'shellscript', '.bash_profile': 'shellscript',
};

/** Language id (e.g. 'typescript', 'python') for a file path by extension/basename, or undefined if not a code file we read comments from. */
export function codeLanguageForPath(filePath: string): string | undefined {
  const base = (filePath.split(/[\\/]/).pop() ?? '').toLowerCase();
  const named = ownValue(BY_NAME, base);
  if (named) return named;
  // `Dockerfile.dev`, `Makefile.inc`: the kind is in the name, not the extension.
  if (/^(?:docker|container)file\./.test(base)) return 'dockerfile';
  if (/^(?:gnu)?makefile\./.test(base)) return 'makefile';
  const dot = base.lastIndexOf('.');
  return dot > 0 ? ownValue(BY_EXTENSION, base.slice(dot + 1)) : undefined;
}

/** `table[key]` when it is the table's own entry: a file named `constructor` is not the Object function's language. */
function ownValue<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Every language id codeLanguageForPath can return (for tests and settings). */
export function codeLanguageIds(): string[] {
  return [...new Set(Object.values(BY_EXTENSION).concat(Object.values(BY_NAME)))];
}
