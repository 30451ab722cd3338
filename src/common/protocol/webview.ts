import type { Snippet } from '../snippet';
import type { ChunkKind } from '../types';

/** A result as the panel shows it: everything is display-ready text; nothing is HTML. */
export interface ViewHit {
  fileName: string;
  /** Folder of the file relative to its workspace folder ('' at the top). */
  folder: string;
  line: number;
  title: string;
  snippet: Snippet;
  kind: ChunkKind;
  /** Language badge, e.g. 'EN', 'KO'. */
  lang: string;
  /** The score as a person reads it, e.g. '87 %'. */
  scoreLabel: string;
  /** What the score means, for the tooltip. */
  scoreTitle: string;
  /** Path relative to the workspace folder, '/' separators (also used by tests as data-path). */
  path: string;
}

/** Everything the panel needs to say about the model and the index, already worded for the user. */
export interface ViewState {
  phase: 'starting' | 'model-missing' | 'indexing' | 'paused' | 'ready' | 'error' | 'no-folder';
  /** One sentence describing the state, e.g. "Indexing 1,204 / 3,380 files". */
  message: string;
  /** How far indexing is, 0..1, while it runs. */
  progress?: number;
  /** Whether the index holds any chunk at all (an empty ready index has its own hint). */
  hasChunks: boolean;
  /** Searching works by words only (the model is not available). */
  fullTextOnly: boolean;
  /** Workspace folders, for the folder filter. */
  folders: string[];
}

/** UI strings the webview shows, localised by the host (the webview has no access to vscode.l10n). */
export interface ViewStrings {
  placeholder: string;
  markdown: string;
  comments: string;
  allFolders: string;
  noResults: string;
  searching: string;
  resultsCount: string;
  /** The count line for exactly one result. */
  oneResult: string;
  resume: string;
  reindex: string;
  chooseModel: string;
}

export type HostToView =
  | { type: 'init'; strings: ViewStrings; state: ViewState }
  | { type: 'state'; state: ViewState }
  /** `hint`: a note on these results, e.g. that their word ranking is partial and a complete one follows. */
  | { type: 'results'; requestId: number; query: string; hits: ViewHit[]; ms: number; hint?: string }
  /** A search failed: `message` is a localised sentence (the details are in the extension's log). */
  | { type: 'error'; requestId: number; message: string }
  | { type: 'setQuery'; query: string };

export interface ViewSearch {
  type: 'search';
  requestId: number;
  query: string;
  kinds: ChunkKind[];
  /** A workspace folder name, or '' for all. */
  folder: string;
}

export type ViewToHost =
  | { type: 'ready' }
  | ViewSearch
  /** Open result `index` of the answer to `requestId` (the host only opens what it sent). */
  | { type: 'open'; requestId: number; index: number; preview: boolean }
  | { type: 'command'; command: ViewCommand };

/** The only commands the panel may run. */
export const VIEW_COMMANDS = ['reindex', 'resumeIndexing', 'openSettings', 'selectModelFolder', 'downloadModel'] as const;
export type ViewCommand = (typeof VIEW_COMMANDS)[number];

const KINDS: readonly string[] = ['markdown', 'comment'];
const isInt = (v: unknown): v is number => Number.isSafeInteger(v);

/** Checks a message from the webview field by field: anything malformed is dropped. */
export function parseViewMessage(m: unknown): ViewToHost | undefined {
  if (typeof m !== 'object' || m === null) return undefined;
  const o = m as Record<string, unknown>;
  switch (o.type) {
    case 'ready':
      return { type: 'ready' };
    case 'search':
      if (!isInt(o.requestId) || typeof o.query !== 'string' || o.query.length > 2000 || typeof o.folder !== 'string') return undefined;
      if (!Array.isArray(o.kinds) || !o.kinds.every((k) => KINDS.includes(k as string))) return undefined;
      return { type: 'search', requestId: o.requestId, query: o.query, kinds: o.kinds as ChunkKind[], folder: o.folder };
    case 'open':
      if (!isInt(o.requestId) || !isInt(o.index) || o.index < 0) return undefined;
      return { type: 'open', requestId: o.requestId, index: o.index, preview: o.preview === true };
    case 'command':
      return (VIEW_COMMANDS as readonly unknown[]).includes(o.command) ? { type: 'command', command: o.command as ViewCommand } : undefined;
    default:
      return undefined;
  }
}
