import * as vscode from 'vscode';
import type { IndexOptions, SearchMode } from '../common/protocol/engine';

/** The extension's settings (`semanticSearch.*`) for the workspace as a whole, read fresh each time. */
export interface Settings {
  maxResults: number;
  minScore: number;
  hybrid: boolean;
  threads: number;
  modelPath: string;
}

/** Reads the settings of the workspace as a whole (a folder's own file settings: {@link indexOptions}). */
export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('semanticSearch');
  return {
    maxResults: c.get<number>('maxResults', 20),
    minScore: c.get<number>('minScore', 0.2),
    hybrid: c.get<boolean>('hybrid', true),
    threads: c.get<number>('threads', 0),
    modelPath: c.get<string>('modelPath', ''),
  };
}

export function searchMode(s: Settings): SearchMode {
  return s.hybrid ? 'hybrid' : 'vector';
}

/**
 * Which files to read in `folder`, by the settings that may differ per folder (a folder's own values win
 * there): the extension's include/exclude, size limit and .gitignore choice, plus the editor's own
 * `files.exclude` and `search.exclude` (entries set to true; `when` clauses are not evaluated).
 */
export function indexOptions(folder: vscode.WorkspaceFolder): IndexOptions {
  const c = vscode.workspace.getConfiguration('semanticSearch', folder.uri);
  const editorExcludes = ['files.exclude', 'search.exclude'].flatMap((key) => {
    const value = vscode.workspace.getConfiguration(undefined, folder.uri).get<Record<string, unknown>>(key) ?? {};
    return Object.entries(value).filter(([, on]) => on === true).map(([glob]) => glob.replace(/^\*\*\//, '**/'));
  });
  return {
    include: c.get<string[]>('include', []),
    exclude: [...c.get<string[]>('exclude', []), ...editorExcludes],
    maxFileSize: c.get<number>('maxFileSize', 1024 * 1024),
    useGitignore: c.get<boolean>('useGitignore', true),
  };
}

/** Settings whose change means a new scan of the workspace. */
export const RESCAN_SETTINGS = ['semanticSearch.include', 'semanticSearch.exclude', 'semanticSearch.maxFileSize', 'semanticSearch.useGitignore', 'files.exclude', 'search.exclude'];
/** Settings that say where the model comes from: a change resolves the model again. */
export const MODEL_SETTINGS = ['semanticSearch.modelPath', 'semanticSearch.modelEndpoint', 'semanticSearch.modelRevision'];
/** Settings whose change means a new worker. */
export const RESTART_SETTINGS = ['semanticSearch.threads'];
