import type { SplitCase } from '../phases/split';
import { n, table } from './table';

/** The splitting figures as a table: MB/s at n → 10n (the same when the work is linear), splitter alone and splitFile. */
export function splitTable(cases: SplitCase[]): string {
  const [small, large] = cases[0]?.sizes ?? [];
  const size = (c: number | undefined) => (c === undefined ? '—' : `${n(c / 1e3, 0)}k`);
  const pair = (c: SplitCase, f: (s: SplitCase['sizes'][number]) => number, digits: number) => c.sizes.map((s) => n(f(s), digits)).join(' → ');
  return [
    `Splitting throughput, MB/s at ${size(small?.chars)} → ${size(large?.chars)} characters: the splitter alone, then splitFile (the splitter and chunking with the model's tokenizer)`,
    table(['language', 'input', 'kind', 'splitter MB/s', 'splitFile MB/s', 'steps/char', 'splitFile at 10n'], cases.map((c) => [
      c.language, c.input, c.kind, pair(c, (s) => s.splitterMBps, 1), pair(c, (s) => s.splitFileMBps, 2), pair(c, (s) => s.stepsPerChar, 1),
      `${n(c.sizes[1]?.splitFileMs ?? NaN, 0, ' ms')}${(c.sizes[1]?.splitFileMs ?? 0) > 10_000 ? ' (over the 10 s budget)' : ''}`,
    ])),
  ].join('\n');
}
