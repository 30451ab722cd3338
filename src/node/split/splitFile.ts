import type { ChunkText, TokenCounter } from '../../common/types';
import { SplitBudget } from './budget';
import { chunkUnit } from './chunker';
import { extractComments } from './comments';
import { splitMarkdown } from './markdown';

/**
 * The chunks of one file, each fitting `maxTokens` of the model: Markdown sections, or code comments.
 * `language` is 'markdown' or a code language id from codeLanguageForPath. Throws SplitTimeout (message "took
 * too long to split") when the work runs past `budget` (DEFAULT_SPLIT_BUDGET_MS from now, by default).
 */
export function splitFile(
  text: string, language: string, fileName: string, countTokens: TokenCounter, maxTokens: number, budget = new SplitBudget(),
): ChunkText[] {
  const units = language === 'markdown'
    ? splitMarkdown(text, { mdx: fileName.toLowerCase().endsWith('.mdx'), budget })
    : extractComments(text, language, budget);
  return units.flatMap((u) => chunkUnit(u, countTokens, maxTokens, budget));
}
