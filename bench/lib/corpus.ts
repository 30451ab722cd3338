import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

/** Page paths (relative to the language folder, '/' separators) of one language of the corpus, sorted. */
export function listPages(corpus: string, lang: string): string[] {
  const root = path.join(corpus, lang);
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const abs = path.join(dir, name);
      if (statSync(abs).isDirectory()) walk(abs);
      else if (/\.mdx?$/.test(name)) out.push(path.relative(root, abs).split(path.sep).join('/'));
    }
  };
  walk(root);
  return out;
}

/**
 * Copies every `every`-th page of each language (sorted by path, starting at the first) into `dest`,
 * keeping the folder layout: a fixed, reproducible slice of the corpus with all its languages.
 */
export function sampleCorpus(corpus: string, languages: readonly string[], every: number, dest: string): { files: number } {
  rmSync(dest, { recursive: true, force: true });
  let files = 0;
  for (const lang of languages) {
    listPages(corpus, lang).forEach((rel, i) => {
      if (i % every !== 0) return;
      const to = path.join(dest, lang, rel);
      mkdirSync(path.dirname(to), { recursive: true });
      copyFileSync(path.join(corpus, lang, rel), to);
      files++;
    });
  }
  return { files };
}
