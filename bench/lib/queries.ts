import { readFileSync } from 'node:fs';
import path from 'node:path';
import { listPages } from './corpus';
import { readFrontmatter } from './frontmatter';

/** Questions a user might type, in the corpus' four languages. */
const QUESTIONS = [
  'How do I deploy my site to Netlify?',
  '데이터베이스 연결은 어떻게 설정하나요?',
  '환경 변수를 사용하는 방법',
  'コンテンツコレクションの使い方',
  '如何添加 Tailwind CSS？',
  'configure image optimization',
  'server-side rendering adapter',
  'ミドルウェアでリクエストを処理する',
];

/**
 * A fixed, mixed set of search queries for the latency figures: the questions above plus page titles drawn
 * evenly from each language of the corpus (short keyword queries and longer sentences, in four scripts).
 */
export function latencyQueries(corpus: string, count: number): string[] {
  const langs = ['en', 'ko', 'ja', 'zh-cn'];
  const titles: string[][] = langs.map((lang) => {
    const pages = listPages(corpus, lang);
    const picked: string[] = [];
    const step = Math.max(1, Math.floor(pages.length / Math.ceil(count / langs.length)));
    for (let i = Math.floor(step / 2); i < pages.length && picked.length < count; i += step) {
      const fm = readFrontmatter(readFileSync(path.join(corpus, lang, pages[i]), 'utf8'));
      if (fm.title) picked.push(fm.title);
    }
    return picked;
  });
  const out = [...QUESTIONS];
  for (let i = 0; out.length < count; i++) {
    const t = titles[i % langs.length][Math.floor(i / langs.length)];
    if (t) out.push(t);
    if (i > count * langs.length) break;
  }
  return out.slice(0, count);
}
