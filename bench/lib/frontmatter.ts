/**
 * The `title` and `description` of a Markdown/MDX page's YAML frontmatter. Only the scalar forms the docs
 * use are read: plain (possibly folded over indented lines), 'single' and "double" quoted, and block
 * scalars (`|`, `|-`, `>`, `>-`). Other keys and nested maps are skipped.
 */
export function readFrontmatter(text: string): { title?: string; description?: string } {
  const m = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text);
  if (!m) return {};
  const lines = m[1].split(/\r?\n/);
  const out: Record<string, string> = {};
  for (let i = 0; i < lines.length; i++) {
    const km = /^(title|description):\s*(.*)$/.exec(lines[i]);
    if (!km) continue;
    const [, key, rest] = km;
    // Continuation lines: indented (or blank) lines that follow.
    const cont: string[] = [];
    while (i + 1 < lines.length && (/^\s+\S/.test(lines[i + 1]) || lines[i + 1].trim() === '')) cont.push(lines[++i]);
    while (cont.length && cont[cont.length - 1].trim() === '') cont.pop();
    out[key] = scalar(rest.trim(), cont);
  }
  return { title: out.title, description: out.description };
}

function scalar(first: string, cont: string[]): string {
  if (/^[|>][+-]?$/.test(first)) {
    const indent = Math.min(...cont.filter((l) => l.trim()).map((l) => /^\s*/.exec(l)![0].length));
    const body = cont.map((l) => l.slice(indent));
    if (first.startsWith('|')) return body.join('\n').trim();
    return fold(body);
  }
  const joined = fold([first, ...cont.map((l) => l.trim())]);
  if (joined.startsWith("'") && joined.endsWith("'")) return joined.slice(1, -1).replace(/''/g, "'");
  if (joined.startsWith('"') && joined.endsWith('"')) {
    try {
      return JSON.parse(joined) as string;
    } catch {
      return joined.slice(1, -1);
    }
  }
  return joined;
}

/** YAML folding: single line breaks become spaces, blank lines become line breaks. */
function fold(lines: string[]): string {
  let s = '';
  for (const l of lines) {
    const t = l.trim();
    if (!t) s += '\n';
    else s += s && !s.endsWith('\n') ? ` ${t}` : t;
  }
  return s.trim();
}
