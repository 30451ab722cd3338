import type { ChunkText, TokenCounter } from '../../common/types';
import { chunkUnit } from './chunker';
import { extractComments } from './comments';
import { splitMarkdown } from './markdown';

/**
 * The chunks of one file, each fitting `maxTokens` of the model: Markdown sections, or code comments.
 * `language` is 'markdown' or a code language id from languageForPath.
 */
export function splitFile(text: string, language: string, fileName: string, countTokens: TokenCounter, maxTokens: number): ChunkText[] {
  const units = language === 'markdown'
    ? splitMarkdown(text, { mdx: fileName.toLowerCase().endsWith('.mdx') })
    : extractComments(text, language);
  return units.flatMap((u) => chunkUnit(u, countTokens, maxTokens));
}
