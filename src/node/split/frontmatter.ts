/*
 * The frontmatter of a Markdown/MDX document, YAML between `---` lines or TOML between `+++` lines, read only
 * as far as markdown.ts needs it: the title and the description.
 */

/** The title and description of a document's frontmatter, '' where absent. */
export interface Frontmatter {
  title: string;
  description: string;
  /** Number of lines the frontmatter takes (0 when there is none). */
  lines: number;
}

/** The column a line's text starts at, a tab advancing to the next multiple of 4. */
export function indentOf(line: string): number {
  let col = 0;
  for (const ch of line) {
    if (ch === ' ') col++;
    else if (ch === '\t') col += 4 - (col % 4);
    else break;
  }
  return col;
}

/** The frontmatter that opens `lines` (a document split into lines), or empty values and `lines: 0`. */
export function parseFrontmatter(lines: string[]): Frontmatter {
  const none: Frontmatter = { title: '', description: '', lines: 0 };
  const open = lines[0]?.trimEnd();
  if (open !== '---' && open !== '+++') return none;
  let close = -1;
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!.trimEnd();
    if (l === open || (open === '---' && l === '...')) {
      close = i;
      break;
    }
  }
  if (close < 0) return none;
  const body = lines.slice(1, close);
  const read = open === '---' ? yamlValue : tomlValue;
  return { title: oneLine(read(body, 'title')), description: read(body, 'description').trim(), lines: close + 1 };
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** s without the spaces and tabs at its ends (other white space stays, as YAML and TOML want). */
function trimBlanks(s: string): string {
  let a = 0, b = s.length;
  while (a < b && (s[a] === ' ' || s[a] === '\t')) a++;
  while (b > a && (s[b - 1] === ' ' || s[b - 1] === '\t')) b--;
  return s.slice(a, b);
}

/*
 * The values are read by hand rather than with patterns such as `"((?:[^"\\]|\\.)*)"`: a group repeated over
 * a long value overflows the regex engine's stack, and a lazy `(.*?)` before `[ \t]*$` is quadratic in a run
 * of blanks. Each reader below looks at every character of its lines a fixed number of times.
 */

/** The body of a quoted YAML scalar that `s` opens (with `"` or `'`), or undefined when it does not close. */
function yamlQuoted(s: string): string | undefined {
  const q = s[0];
  let lastPair = -1;
  for (let j = 1; j < s.length; j++) {
    if (q === '"' && s[j] === '\\') j++;
    else if (s[j] === q) {
      if (q === "'" && s[j + 1] === "'") lastPair = j++;
      else return s.slice(1, j);
    }
  }
  // An unclosed single-quoted value still ends at its last `''`, read as a closing quote and a stray one.
  return lastPair >= 0 ? s.slice(1, lastPair) : undefined;
}

/** A top-level YAML string value: plain, quoted, or a `|`/`>` block scalar. Enough for frontmatter. */
function yamlValue(body: string[], key: string): string {
  const keyRe = new RegExp(`^(["']?)${key}\\1[ \\t]*:(?:[ \\t](.*))?$`);
  for (let i = 0; i < body.length; i++) {
    const m = keyRe.exec(body[i]!);
    if (!m) continue;
    const v = trimBlanks(m[2] ?? '');
    const more = (): string[] => {
      const taken: string[] = [];
      for (let k = i + 1; k < body.length; k++) {
        const l = body[k]!;
        if (l.trim() !== '' && l[0] !== ' ' && l[0] !== '\t') break;
        taken.push(l);
      }
      return taken;
    };
    const block = /^([|>])[-+]?\d?[-+]?[ \t]*(?:#.*)?$/.exec(v);
    if (block) {
      const ls = more();
      let ind = Infinity;
      for (const l of ls) if (l.trim()) ind = Math.min(ind, indentOf(l));
      const texts = ls.map((l) => (l.trim() ? l.slice(ind) : ''));
      if (block[1] === '|') return texts.join('\n').trim();
      // Folded: lines join with a space, a blank line is a line break.
      const out: string[] = [];
      let lineStart = true;
      for (const l of texts) {
        out.push(l === '' ? '\n' : lineStart ? l : ` ${l}`);
        lineStart = l === '';
      }
      return out.join('').trim();
    }
    if (v.startsWith('"') || v.startsWith("'")) {
      const joined = [v, ...more().map((l) => l.trim())].join(' ');
      const inner = yamlQuoted(joined);
      if (inner === undefined) return joined.slice(1);
      return v[0] === '"' ? unescapeDouble(inner) : inner.replace(/''/g, "'");
    }
    if (v === '') return '';
    const plain = [v, ...more().map((l) => l.trim())].filter(Boolean).join(' ');
    // ` #` starts a comment that runs to the end (past a U+2028 or U+2029 it does not: `.` stops there).
    const after = Math.max(plain.lastIndexOf('\u2028'), plain.lastIndexOf('\u2029')) + 1;
    const hash = /[ \t]#/g;
    hash.lastIndex = after;
    const c = hash.exec(plain);
    if (!c) return plain;
    let k = c.index;
    while (k > after && (plain[k - 1] === ' ' || plain[k - 1] === '\t')) k--;
    return plain.slice(0, k);
  }
  return '';
}

/** A top-level TOML string value (basic, literal, or multi-line), from the lines before the first table. */
function tomlValue(body: string[], key: string): string {
  let end = body.findIndex((l) => l.startsWith('['));
  if (end < 0) end = body.length;
  const src = body.slice(0, end).join('\n');
  const keyRe = new RegExp(`${key}[ \\t]*=[ \\t]*`, 'y');
  for (let ls = 0; ; ) {
    keyRe.lastIndex = ls;
    if (keyRe.test(src)) {
      const v = tomlString(src, keyRe.lastIndex);
      if (v !== undefined) return v;
    }
    const nl = src.indexOf('\n', ls);
    if (nl < 0) return '';
    ls = nl + 1;
  }
}

/** The TOML string that starts at src[i], unescaped, or undefined when there is none. */
function tomlString(src: string, i: number): string | undefined {
  for (const q of ['"""', "'''"]) {
    if (!src.startsWith(q, i)) continue;
    const k = src.indexOf(q, i + 3);
    // Unclosed: its first two quotes read as an empty one-line string.
    if (k < 0) return '';
    const inner = src.slice(i + 3, k).replace(/^\n/, '');
    return q === '"""' ? unescapeDouble(inner.replace(/\\\n\s*/g, '')) : inner;
  }
  if (src[i] === "'") {
    const k = src.indexOf("'", i + 1);
    const nl = src.indexOf('\n', i + 1);
    return k < 0 || (nl >= 0 && nl < k) ? undefined : src.slice(i + 1, k);
  }
  if (src[i] !== '"') return undefined;
  for (let j = i + 1; j < src.length; j++) {
    const ch = src[j];
    if (ch === '\n') return undefined;
    if (ch === '"') return unescapeDouble(src.slice(i + 1, j));
    if (ch === '\\') {
      if (j + 1 >= src.length || src[j + 1] === '\n') return undefined;
      j++;
    }
  }
  return undefined;
}

function unescapeDouble(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}|.)/g, (_m, e: string) => {
    if (e.length > 1) {
      const cp = parseInt(e.slice(1), 16);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
    }
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '', '0': '', b: '', f: '', e: '', _: '\u00a0', N: '\u0085' };
    return simple[e] ?? e;
  });
}
