import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadTokenizer } from '../../src/node/embed/transformersJs';
import { SplitBudget } from '../../src/node/split/budget';
import { extractComments } from '../../src/node/split/comments';
import { splitMarkdown } from '../../src/node/split/markdown';
import { splitFile } from '../../src/node/split/splitFile';
import { repoRoot } from '../lib/paths';
import { note, runPhase } from '../lib/phase';
import { round } from '../lib/stats';

export interface SplitArgs {
  model: string;
  corpus: string;
  /** Size of the smaller input; each input is also split at ten times this size. */
  bytes: number;
  reps: number;
}

/** One input at one size: MB/s of the splitter alone and of splitFile (the splitter, then chunking with the model's tokenizer). */
export interface SplitFigure {
  chars: number;
  bytes: number;
  splitterMBps: number;
  splitFileMBps: number;
  /** SplitBudget steps per input character (machine-independent; equal at n and 10n when the work is linear). */
  stepsPerChar: number;
  chunks: number;
  /** splitFile's time, which the default per-file budget (10 s) would have cut short above 10,000. */
  splitFileMs: number;
}

export interface SplitCase {
  language: string;
  input: string;
  kind: 'normal' | 'pathological';
  sizes: SplitFigure[];
}

const rep = (fragment: string, n: number): string => fragment.repeat(Math.max(1, Math.ceil(n / fragment.length))).slice(0, n);
/**
 * A normal file at n characters: its first base characters (whole lines), repeated. The same text at both
 * sizes, so that MB/s compares the work per character and not two parts of a file that differ in comments.
 */
const normal = (text: string, base: number) => (n: number): string => {
  const cut = text.lastIndexOf('\n', base);
  return `${text.slice(0, cut > 0 ? cut : base)}\n`.repeat(Math.max(1, Math.round(n / base)));
};
const filesUnder = (dir: string, re: RegExp): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' })
  .filter((f) => re.test(f)).sort().map((f) => path.join(dir, f));

/**
 * Splitting throughput on the inputs that were quadratic (issue 9) and on a normal file of the same
 * language, each at n and 10n characters: linear work keeps the same MB/s at both sizes. Token counting
 * uses the model's own tokenizer, as the engine does (Embedder.countTokens is tokenizer.encode().length).
 */
runPhase(async (a: SplitArgs): Promise<{ cases: SplitCase[] }> => {
  const tokenizer = await loadTokenizer(a.model);
  const countTokens = (s: string): number => tokenizer.encode(s).length;
  const read = (files: string[]): string => files.map((f) => readFileSync(f, 'utf8')).join('\n');
  const docs = read(['en', 'ko', 'ja', 'zh-cn'].flatMap((l) => filesUnder(path.join(a.corpus, l), /\.mdx?$/).filter((_, i) => i % 20 === 0)));
  const js = readFileSync(path.join(repoRoot, 'node_modules/typescript/lib/typescript.js'), 'utf8');
  const ts = read(filesUnder(path.join(repoRoot, 'src'), /\.ts$/));
  const py = read([path.join(repoRoot, 'test/fixtures/workspace/src/cache.py'), path.join(repoRoot, 'node_modules/flatted/python/flatted.py')]);
  const html = readFileSync(path.join(repoRoot, 'node_modules/@vscode/codicons/dist/codicon.html'), 'utf8');

  const head = (text: string) => normal(text, a.bytes);
  const inputs: [string, string, SplitCase['kind'], (n: number) => string][] = [
    ['markdown', 'Astro docs pages (en, ko, ja, zh-cn)', 'normal', head(docs)],
    ['markdown', '":" repeated, then "[" (issue 9)', 'pathological', (n) => `${':'.repeat(n - 1)}[`],
    ['markdown', 'one line of "word " (the 20 MB line of issue 9)', 'pathological', (n) => rep('word ', n)],
    ['markdown', 'unclosed quoted attributes "<a \\""', 'pathological', (n) => rep('<a "', n)],
    ['markdown', 'backtick runs that never close', 'pathological', (n) => { let s = ''; for (let k = 1; s.length < n; k++) s += `${'`'.repeat(k)}a`; return s; }],
    ['markdown', 'nested "[" and "](a b)" links', 'pathological', (n) => `${'['.repeat(n / 12)}x${rep('](a b)', n)}`],
    ['markdown', 'HTML comments that never close', 'pathological', (n) => rep('<!--', n)],
    ['html', 'codicon.html (node_modules)', 'normal', head(html)],
    ['html', '"<script " repeated (issue 9)', 'pathological', (n) => rep('<script ', n)],
    ['html', 'script blocks with unclosed block comments', 'pathological', (n) => rep('<script>/*</script>', n)],
    ['javascript', 'typescript.js (node_modules)', 'normal', head(js)],
    ['javascript', 'minified, one comment per 15 characters (issue 9)', 'pathological', (n) => rep('/*c1*/ab12();', n)],
    ['javascript', 'regex literals that never close', 'pathological', (n) => rep('=/[', n)],
    ['typescript', "this project's src/", 'normal', head(ts)],
    ['python', 'cache.py + flatted.py', 'normal', head(py)],
    ['python', 'a def header over many lines', 'pathological', (n) => `def f(\n${rep('    a,  # note\n', n)}):\n    """Doc."""\n`],
  ];

  const time = (f: () => void, reps: number): number => {
    let best = Infinity;
    for (let r = 0; r < reps; r++) {
      const t = performance.now();
      f();
      best = Math.min(best, performance.now() - t);
    }
    return best;
  };
  const file = (language: string) => (language === 'markdown' ? 'a.md' : 'a');
  const splitter = (text: string, language: string) => (language === 'markdown' ? splitMarkdown(text) : extractComments(text, language));
  // Warm up the JIT and the tokenizer (its vocabulary trie is filled as texts need it) on every input first.
  for (const [language, , , make] of inputs) splitFile(make(a.bytes), language, file(language), countTokens, 128, new SplitBudget(Infinity));
  const cases: SplitCase[] = [];
  for (const [language, input, kind, make] of inputs) {
    const sizes: SplitFigure[] = [];
    for (const n of [a.bytes, 10 * a.bytes]) {
      const text = make(n);
      const splitterMs = time(() => splitter(text, language), a.reps);
      const budget = new SplitBudget(Infinity);
      const t = performance.now();
      const chunks = splitFile(text, language, file(language), countTokens, 128, budget).length;
      const splitFileMs = performance.now() - t;
      const mb = Buffer.byteLength(text) / 1e6;
      sizes.push({
        chars: text.length, bytes: Buffer.byteLength(text), splitterMBps: round(mb / (splitterMs / 1000), 2), splitFileMBps: round(mb / (splitFileMs / 1000), 2),
        stepsPerChar: round(budget.steps / text.length, 1), chunks, splitFileMs: round(splitFileMs, 0),
      });
    }
    note(`${language}: ${input}: ${sizes.map((s) => `${s.splitterMBps} / ${s.splitFileMBps} MB/s`).join(' → ')}`);
    cases.push({ language, input, kind, sizes });
  }
  return { cases };
});
