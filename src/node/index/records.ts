import type { ChunkKind } from '../../common/types';

// The records the index keeps of the workspace, in memory and on disk (see persist.ts and storeSchema.ts).

/** What the index knows of a file, to tell later whether it changed. */
export interface FileRecord {
  root: string;
  rel: string;
  size: number;
  mtimeMs: number;
  /** sha256 of the bytes. */
  contentHash: string;
  language: string;
  chunkIds: string[];
}

/** A chunk as the index keeps it: where it is, what it says, and the hash of its embedded text. */
export interface ChunkRecord {
  id: string;
  /** Absolute path of the root folder the file was found under. */
  root: string;
  /** Path relative to root, '/' separators. */
  rel: string;
  kind: ChunkKind;
  title: string;
  text: string;
  startLine: number;
  endLine: number;
  /** Script language of the text ('en', 'ko', 'ja', 'zh', …). */
  lang: string;
  /** 'markdown' or the file's code language. */
  fileLanguage: string;
  /** sha256 of the embedded text: the key of its vector. */
  hash: string;
  /**
   * The text embedded, only when it is not the title and text joined (a long title cut short to fit the
   * model): the text a chunk waiting for its vector is embedded from, in a later run too.
   */
  embedText?: string;
}
