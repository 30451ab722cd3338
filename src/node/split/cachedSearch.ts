import type { SplitBudget } from './budget';

/**
 * `indexOf` and regex search over one text, remembering the last answer for each needle: a search that
 * starts where an earlier one already looked is answered without looking again. A lexer that searches
 * for the same closer from many places (an unclosed `<!--`, a `<script` without `>`, one script block after
 * another in PHP) so reads each character once instead of rescanning the rest of the file every time.
 */
export class CachedSearch {
  /** Per needle: no match starts in [from, at), and one starts at `at` (-1: none at all from `from` on). */
  private readonly last = new Map<string, { from: number; at: number; end: number }>();

  constructor(readonly text: string, private readonly budget: SplitBudget) {}

  /** The first index ≥ from at which `needle` occurs, or -1. */
  indexOf(needle: string, from: number): number {
    return this.find(needle, from, () => {
      const at = this.text.indexOf(needle, from);
      return { at, end: at < 0 ? -1 : at + needle.length };
    }).at;
  }

  /** The first match of `re` (a regex with the g flag) at or after `from`: [start, end), or null. */
  search(re: RegExp, from: number): { at: number; end: number } | null {
    const found = this.find(`${re.flags}/${re.source}`, from, () => {
      re.lastIndex = from;
      const m = re.exec(this.text);
      return m ? { at: m.index, end: m.index + m[0].length } : { at: -1, end: -1 };
    });
    return found.at < 0 ? null : found;
  }

  private find(key: string, from: number, look: () => { at: number; end: number }): { at: number; end: number } {
    const c = this.last.get(key);
    if (c && c.from <= from && (c.at < 0 || from <= c.at)) {
      this.budget.spend(1);
      return c;
    }
    const r = look();
    this.budget.spend((r.at < 0 ? this.text.length : r.end) - from + 1);
    this.last.set(key, { from, ...r });
    return r;
  }
}
