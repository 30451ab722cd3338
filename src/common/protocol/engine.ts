import type { Snippet } from '../snippet';
import type { ChunkKind } from '../types';

/** How results are ranked. */
export type SearchMode = 'vector' | 'fulltext' | 'hybrid';

/** A file that was not indexed, and why (shown to the user as is). */
export interface SkippedFile {
  /** Path relative to its root, with '/' separators. */
  path: string;
  reason: string;
}

/** Which files of a root folder to read. */
export interface IndexOptions {
  /** Globs (relative to the root) a file must match to be read; empty = every supported file. */
  include?: string[];
  /** Globs (relative to the root) of files and folders never read, on top of .gitignore and the defaults. */
  exclude?: string[];
  /** Files larger than this many bytes are skipped. Default 1 MB. */
  maxFileSize?: number;
  /** Honour .gitignore files (nested ones too). Default true. */
  useGitignore?: boolean;
}

/** What to bring up to date. */
export interface IndexRequest {
  /** Every root folder of the workspace: files under other roots leave the index. */
  roots: string[];
  /** Which files to read in every root… */
  options?: IndexOptions;
  /** …or in the roots named here (absolute paths): a multi-root workspace's folders have settings of their own. */
  rootOptions?: Record<string, IndexOptions>;
  /**
   * Only look at these files (absolute paths, e.g. from a file watcher): new or changed ones are read,
   * missing or now-excluded ones leave the index, nothing else is scanned. Omitted: scan every root.
   */
  paths?: string[];
  /**
   * Files (absolute paths) whose meaning is embedded before any other's, e.g. those open in editors: after a
   * run has made every file searchable by its words, it embeds these first, then the files changed in the
   * last 7 days, then the rest.
   */
  priorityPaths?: string[];
  /**
   * An index seed (a file made by the CLI's `export`: vectors by the hash of their text), as a local path or an
   * https address: before embedding, every text the index waits for whose vector the seed holds takes it, so
   * only the texts the seed lacks are embedded. An address is fetched into a cache in the store folder,
   * resuming a partial download. A seed that cannot be used (another model, damaged, unreachable) is reported
   * in {@link IndexSummary.seedProblem} and the run embeds everything itself.
   */
  seed?: string;
  /**
   * Embed only the texts of shard `index` (1..count) of `count`, by text hash (a job of a CI matrix); the
   * others stay waiting, as a stopped run leaves them, until the shards' stores are merged.
   */
  shard?: { index: number; count: number };
}

/** What one indexing run did. */
export interface IndexSummary {
  /** Files in the index after the run. */
  files: number;
  /** Chunks in the index after the run. */
  chunks: number;
  /** Texts embedded by the model in this run (each distinct text once), those an earlier run left waiting included. */
  embedded: number;
  /** Chunks of the files read whose vector was reused because their text had been embedded before. */
  reused: number;
  /** Texts whose vectors this run took from the request's seed (each distinct text once) instead of embedding them. */
  seeded: number;
  /** Why the request's seed was not used, as a sentence; the run embedded those texts itself. */
  seedProblem?: string;
  /**
   * Chunks still waiting for their meaning (searchable by their words only): 0 after a complete run with a
   * model; more when it was stopped (the next run embeds them first of all its work).
   */
  waiting: number;
  /** Files read in this run (new or changed). */
  read: number;
  /** Files removed from the index because they are gone or now excluded. */
  removed: number;
  skipped: SkippedFile[];
  /** Share of padding tokens in the embedded batches (0..1). */
  paddingWaste: number;
  /** Why the stored index was discarded and rebuilt, if it was. */
  rebuiltBecause?: string;
  ms: number;
}

/**
 * A progress report while indexing. 'saving' is reported for the save once every file is searchable by its
 * words (when more than one batch of meanings is still to be embedded) and for the run's last save; the
 * checkpoints saved while embedding are not reported. 'embedding' counts texts (each distinct text once).
 */
export interface IndexProgress {
  phase: 'scanning' | 'reading' | 'embedding' | 'saving';
  done: number;
  total: number;
  /**
   * With 'embedding' and 'saving': what can be searched now (every file by its words, and the passages with a
   * meaning). The first report that has it comes once every file is searchable by its words.
   */
  searchable?: Searchable;
}

/** What an index being built can be searched for. */
export interface Searchable {
  files: number;
  chunks: number;
  /** Chunks searchable by meaning (the rest by their words only, until their vectors are embedded). */
  embeddedChunks: number;
}

export interface SearchOptions {
  limit?: number;
  mode?: SearchMode;
  /** Only hits whose similarity is at least this (vector and hybrid modes; hits found by words alone have none and stay). */
  minScore?: number;
  kinds?: ChunkKind[];
  /** Only hits from this root folder (absolute path). */
  root?: string;
  /** Only hits under this folder (relative to a root, '/' separators). */
  pathPrefix?: string;
  /**
   * Answer at once while a stored index's words are still being indexed in the background (right after it is
   * loaded), ranking by the words indexed so far; the result then says so ({@link SearchResult.wordsPartial}).
   * Without it a search waits for the words, so the same query on the same index always gives the same list.
   * For live searches while typing; the CLI and API callers leave it unset.
   */
  partialWords?: boolean;
}

/** One ranked result. */
export interface SearchHit {
  /** Absolute path of the root folder the file was indexed under. */
  root: string;
  /** Path relative to root, with '/' separators. */
  path: string;
  /** 1-based inclusive line range. */
  startLine: number;
  endLine: number;
  kind: ChunkKind;
  /** Heading path for Markdown, documented declaration for comments. */
  title: string;
  text: string;
  /**
   * The ranking score. In vector and hybrid mode: cosine similarity between query and chunk
   * (−1..1; hybrid adds a small full-text bonus that only re-orders near ties). In full-text mode:
   * BM25 relative to the best hit (0..1].
   */
  score: number;
  /**
   * Cosine similarity of query and chunk, when vectors were used. Absent in vector and hybrid mode for a
   * chunk whose meaning is not embedded yet (an index being built): such a hit was found by the query's words
   * alone, comes after every hit ranked by meaning, and its score is BM25 relative to the best of them
   * (0..1], as in full-text mode.
   */
  similarity?: number;
  /** Dominant script/language of the chunk text: 'en' (Latin), 'ko', 'ja', 'zh', 'other'. */
  lang: string;
  /** Source language of the file: 'markdown', 'typescript', 'python', … */
  fileLanguage: string;
  /** A passage of text to show, with the words that match the query marked. */
  snippet: Snippet;
}

export interface SearchResult {
  hits: SearchHit[];
  mode: SearchMode;
  ms: number;
  /** Only with {@link SearchOptions.partialWords}: the words were ranked by the part of the index ready so far. */
  wordsPartial?: true;
  /**
   * Present while some chunks wait for their meaning (a first index under way, or one stopped): how many of
   * the index's chunks can be found by meaning. The others are found by their words only (hits without a
   * similarity). Absent when every chunk has its meaning, and without a model.
   */
  meanings?: { embedded: number; total: number };
}

/** What the index holds (for "show index info"). */
export interface IndexInfo {
  files: number;
  chunks: number;
  /** Chunks searchable by meaning (their text embedded); the rest wait for it and are searchable by words. */
  embeddedChunks: number;
  /** Distinct texts whose vector is held (some no chunk uses any more, kept for reuse). */
  vectors: number;
  /** Chunks whose vector came from an index seed (a shared index) rather than this machine's model; absent when none. */
  seeded?: number;
  bytesOnDisk: number;
  model: { id: string; dim: number; dtype: string } | undefined;
  roots: string[];
  skipped: SkippedFile[];
  savedAt?: string;
  /** Why the stored index could not be used (it is rebuilt by the next indexing run). */
  storeProblem?: string;
  /**
   * Another process (another window on the same workspace, the CLI) holds the store's lock: this index is the
   * last one saved, searched read-only, and indexing waits until the lock is free.
   */
  readOnly?: boolean;
}
