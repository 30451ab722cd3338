import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { listPages } from './corpus';
import { readFrontmatter } from './frontmatter';

/** One evaluation query: a page's title and description, and the page in the other language that answers it. */
export interface EvalQuery {
  /** Path of the page, the same in both languages (relative to the language folder). */
  page: string;
  query: string;
  /** The language folder whose page at the same path is the right answer. */
  answerLang: string;
}

/** The query of a page: its title and description, as a user might type a question about it. */
function pageQuery(file: string): { query: string; title: string } | undefined {
  const fm = readFrontmatter(readFileSync(file, 'utf8'));
  if (!fm.title) return undefined;
  return { query: [fm.title, fm.description].filter(Boolean).join('\n'), title: fm.title };
}

/**
 * Queries from every page of `queryLang` that has a page at the same path in `answerLang` (translated pages
 * keep the English page's path), in path order.
 */
export function evalQueries(corpus: string, queryLang: string, answerLang: string): EvalQuery[] {
  const out: EvalQuery[] = [];
  for (const page of listPages(corpus, queryLang)) {
    if (!existsSync(path.join(corpus, answerLang, page))) continue;
    const q = pageQuery(path.join(corpus, queryLang, page));
    if (q) out.push({ page, query: q.query, answerLang });
  }
  return out;
}

/** Title pairs (translated title, English title) of pages present in both languages. */
export function titlePairs(corpus: string, lang: string): { page: string; title: string; english: string }[] {
  const out: { page: string; title: string; english: string }[] = [];
  for (const page of listPages(corpus, lang)) {
    const en = path.join(corpus, 'en', page);
    if (!existsSync(en)) continue;
    const a = readFrontmatter(readFileSync(path.join(corpus, lang, page), 'utf8')).title;
    const b = readFrontmatter(readFileSync(en, 'utf8')).title;
    if (a && b) out.push({ page, title: a, english: b });
  }
  return out;
}
