/** A short passage of a chunk with the ranges that match the query. */
export interface Snippet {
  text: string;
  /** [start, end) offsets into text of words that match the query, sorted, not overlapping. */
  highlights: [number, number][];
}

/**
 * The part of `text` worth showing for a query: a window of about `width` characters around the densest
 * run of matching words (or the start, when nothing matches — the usual case across languages), with the
 * matches marked. Whitespace is collapsed so the snippet fits one or two lines of a result list.
 * `terms` are lower-case query words (the full-text tokens of the query).
 */
export function buildSnippet(text: string, terms: readonly string[], width = 220): Snippet {
  const flat = text.replace(/\s+/g, ' ').trim();
  const lower = flat.toLowerCase();
  const found: [number, number][] = [];
  for (const term of new Set(terms)) {
    if (!term) continue;
    for (let at = lower.indexOf(term); at !== -1; at = lower.indexOf(term, at + term.length)) found.push([at, at + term.length]);
  }
  found.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: [number, number][] = [];
  for (const r of found) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  if (flat.length <= width) return { text: flat, highlights: merged };

  // Start the window shortly before the match that has the most other matches within reach.
  let bestStart = 0, bestCount = 0;
  for (let i = 0; i < merged.length; i++) {
    let count = 0;
    for (let j = i; j < merged.length && merged[j][1] - merged[i][0] <= width; j++) count++;
    if (count > bestCount) [bestStart, bestCount] = [merged[i][0], count];
  }
  let start = Math.max(0, bestStart - Math.floor(width / 4));
  if (start > 0) {
    // Begin at a word, unless that would skip past the match (text without spaces, like Chinese).
    const space = flat.indexOf(' ', start);
    if (space !== -1 && space < bestStart) start = space + 1;
  }
  let end = Math.min(flat.length, start + width);
  if (end < flat.length) {
    const space = flat.lastIndexOf(' ', end);
    if (space > start + width / 2) end = space;
  }
  // Never cut a surrogate pair in half.
  if (start > 0 && isLowSurrogate(flat.charCodeAt(start))) start--;
  if (end < flat.length && isLowSurrogate(flat.charCodeAt(end))) end++;
  const prefix = start > 0 ? '…' : '';
  const suffix = end < flat.length ? '…' : '';
  const shift = prefix.length - start;
  const highlights = merged
    .filter(([s, e]) => s >= start && e <= end)
    .map(([s, e]): [number, number] => [s + shift, e + shift]);
  return { text: prefix + flat.slice(start, end) + suffix, highlights };
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
