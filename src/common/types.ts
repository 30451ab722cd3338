/** What a search result is made of: a Markdown section or a code comment. */
export type ChunkKind = 'markdown' | 'comment';

/**
 * A unit of prose found in a file, before it is cut to the model's input size.
 * Markdown: one section (text under one heading), or the frontmatter title/description.
 * Comments: one comment block (consecutive line comments merged, a block comment, a docstring).
 */
export interface Unit {
  kind: ChunkKind;
  /** Heading path for Markdown ("Deploy › Netlify"), the documented declaration for comments, or '' */
  title: string;
  /** Prose with markup and comment markers removed; lines joined with '\n'. */
  text: string;
  /** 1-based, inclusive lines of the file that the unit covers. */
  startLine: number;
  endLine: number;
}

/** A piece of a unit that fits the model's input (≤ maxTokens tokens including the title). */
export interface ChunkText {
  kind: ChunkKind;
  title: string;
  text: string;
  startLine: number;
  endLine: number;
  /** What is embedded: title and text joined. */
  embedText: string;
  /** Token count of embedText under the model's tokenizer (special tokens included). */
  tokens: number;
}

/** Counts the tokens the model sees for a text, special tokens included. */
export type TokenCounter = (text: string) => number;
