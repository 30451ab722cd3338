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

/** A top-level YAML string value: plain, quoted, or a `|`/`>` block scalar. Enough for frontmatter. */
function yamlValue(body: string[], key: string): string {
  const keyRe = new RegExp(`^(["']?)${key}\\1[ \\t]*:(?:[ \\t]+(.*?))?[ \\t]*$`);
  for (let i = 0; i < body.length; i++) {
    const m = keyRe.exec(body[i]!);
    if (!m) continue;
    const v = m[2] ?? '';
    const rest = body.slice(i + 1);
    const more = (): string[] => {
      const taken: string[] = [];
      for (const l of rest) {
        if (l.trim() !== '' && !/^[ \t]/.test(l)) break;
        taken.push(l);
      }
      return taken;
    };
    const block = /^([|>])[-+]?\d?[-+]?[ \t]*(?:#.*)?$/.exec(v);
    if (block) {
      const ls = more();
      const ind = Math.min(...ls.filter((l) => l.trim()).map(indentOf), Infinity);
      const texts = ls.map((l) => (l.trim() ? l.slice(ind) : ''));
      if (block[1] === '|') return texts.join('\n').trim();
      return texts.reduce((acc, l) => (l === '' ? `${acc}\n` : acc === '' || acc.endsWith('\n') ? acc + l : `${acc} ${l}`), '').trim();
    }
    if (v.startsWith('"') || v.startsWith("'")) {
      const joined = [v, ...more().map((l) => l.trim())].join(' ');
      const q = v[0]!;
      const re = q === '"' ? /^"((?:[^"\\]|\\.)*)"/ : /^'((?:[^']|'')*)'/;
      const qm = re.exec(joined);
      if (!qm) return joined.slice(1);
      return q === '"' ? unescapeDouble(qm[1]!) : qm[1]!.replace(/''/g, "'");
    }
    if (v === '') return '';
    const plain = [v, ...more().map((l) => l.trim())].filter(Boolean).join(' ');
    return plain.replace(/[ \t]+#.*$/, '');
  }
  return '';
}

/** A top-level TOML string value (basic, literal, or multi-line). */
function tomlValue(body: string[], key: string): string {
  const src = body.join('\n');
  const m = new RegExp(
    `^${key}[ \\t]*=[ \\t]*(?:"""([\\s\\S]*?)"""|'''([\\s\\S]*?)'''|"((?:[^"\\\\\\n]|\\\\.)*)"|'([^'\\n]*)')`,
    'm',
  ).exec(src.split(/^\[/m)[0]!);
  if (!m) return '';
  if (m[1] !== undefined) return unescapeDouble(m[1].replace(/^\n/, '').replace(/\\\n\s*/g, ''));
  if (m[3] !== undefined) return unescapeDouble(m[3]);
  return (m[2] ?? m[4] ?? '').replace(/^\n/, '');
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
