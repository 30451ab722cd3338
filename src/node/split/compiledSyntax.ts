import type { CommentSyntax, Special, StringRule } from './commentSyntax';

/*
 * A language's rules compiled once for the comment lexer (commentLexer.ts): which characters may start a
 * token, as one regex the lexer skips plain code with, and its string rules indexed by first character.
 */

/** A CommentSyntax prepared for the lexer. */
export interface CompiledSyntax {
  spec: CommentSyntax;
  /** String rules by the char code of their first character (ASCII), longest opener first. */
  strings: (StringRule[] | undefined)[];
  specials: Special[];
  /** Finds the next character that may start a token, so plain code is skipped by the regex engine, not a JS loop. */
  skip: RegExp;
  /** The same while inside a string interpolation, where brackets must be counted. */
  skipInterp: RegExp;
}

const compiled = new Map<CommentSyntax, CompiledSyntax>();
/** The compiled form of `spec`, built on first use and cached for the life of the process. */
export function compileSyntax(spec: CommentSyntax): CompiledSyntax {
  let c = compiled.get(spec);
  if (c) return c;
  const singles = new Set<string>();
  // A letter starts a token only when the rest of an opener follows (`r"`, `url(`): one lookahead for all of them
  // keeps identifiers from stopping the skip without making the regex an alternation per opener.
  const letters = new Set<string>();
  const rests = new Set<string>();
  const opener = (s: string): void => {
    const f = s[0] ?? '';
    if (/[A-Za-z]/.test(f)) {
      letters.add(f);
      rests.add(s.slice(1));
    } else if (f) singles.add(f);
  };
  const specials = spec.specials ?? [];
  for (const sp of specials) {
    if (sp.openers) sp.openers.forEach(opener);
    else for (const ch of sp.first) singles.add(ch);
  }
  spec.block.forEach((b) => opener(b.open));
  spec.line.forEach((l) => opener(l.marker));
  spec.strings.forEach((r) => opener(r.open));
  const extra = `${spec.chars ? "'" : ''}${spec.regex ? '/' : ''}${spec.heredoc ? '<\n' : ''}${spec.charPrefix ?? ''}`
    + `${spec.docstrings === 'python' ? '\n()[]{}' : ''}${spec.host === 'php' ? '?' : ''}`;
  for (const ch of extra) singles.add(ch);
  const esc = (x: string): string => x.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
  const cls = (chars: Iterable<string>): string => [...chars].map((ch) => ch.replace(/[\\\]^-]/g, '\\$&')).join('');
  // Rests that extend a shorter rest add nothing to a lookahead.
  const minimal = [...rests].filter((r) => ![...rests].some((o) => o !== r && r.startsWith(o)));
  const ahead = letters.size > 0 ? [`[${cls(letters)}](?=${minimal.map(esc).join('|')})`] : [];
  const build = (more: string): RegExp => {
    const all = cls([...singles, ...more]);
    return new RegExp([all ? `[${all}]` : '(?!)', ...ahead].join('|'), 'g');
  };
  // Longest opener first, so `"""` wins over `"` and `rb"` over `"`.
  const strings: (StringRule[] | undefined)[] = [];
  for (const r of [...spec.strings].sort((x, y) => y.open.length - x.open.length)) (strings[r.open.charCodeAt(0)] ??= []).push(r);
  c = { spec, strings, specials, skip: build(''), skipInterp: build('(){}') };
  compiled.set(spec, c);
  return c;
}
