import * as vscode from 'vscode';
import type { IndexOptions, SearchMode } from '../common/protocol/engine';

/** The extension's settings (`semanticSearch.*`), read fresh each time. */
export interface Settings {
  include: string[];
  exclude: string[];
  maxFileSize: number;
  maxResults: number;
  minScore: number;
  hybrid: boolean;
  threads: number;
  modelPath: string;
  useGitignore: boolean;
}

/**
 * Reads the settings for `scope` (a workspace folder's own values win there), or, without one, the
 * values of the workspace as a whole.
 */
export function readSettings(scope: vscode.ConfigurationScope | null = null): Settings {
  const c = vscode.workspace.getConfiguration('semanticSearch', scope);
  return {
    include: c.get<string[]>('include', []),
    exclude: c.get<string[]>('exclude', []),
    maxFileSize: c.get<number>('maxFileSize', 1024 * 1024),
    maxResults: c.get<number>('maxResults', 20),
    minScore: c.get<number>('minScore', 0.2),
    hybrid: c.get<boolean>('hybrid', true),
    threads: c.get<number>('threads', 0),
    modelPath: c.get<string>('modelPath', ''),
    useGitignore: c.get<boolean>('useGitignore', true),
  };
}

export function searchMode(s: Settings, fullTextOnly: boolean): SearchMode {
  return fullTextOnly ? 'fulltext' : s.hybrid ? 'hybrid' : 'vector';
}

/**
 * Which files to read in `folder`: the extension's include/exclude settings plus the editor's own
 * `files.exclude` and `search.exclude` (entries set to true; `when` clauses are not evaluated).
 */
export function indexOptions(folder: vscode.WorkspaceFolder, s: Settings = readSettings(folder.uri)): IndexOptions {
  const editorExcludes = ['files.exclude', 'search.exclude'].flatMap((key) => {
    const value = vscode.workspace.getConfiguration(undefined, folder.uri).get<Record<string, unknown>>(key) ?? {};
    return Object.entries(value).filter(([, on]) => on === true).map(([glob]) => glob.replace(/^\*\*\//, '**/'));
  });
  return {
    include: s.include,
    exclude: [...s.exclude, ...editorExcludes],
    maxFileSize: s.maxFileSize,
    useGitignore: s.useGitignore,
  };
}

/** Settings whose change means a new scan of the workspace. */
export const RESCAN_SETTINGS = ['semanticSearch.include', 'semanticSearch.exclude', 'semanticSearch.maxFileSize', 'semanticSearch.useGitignore', 'files.exclude', 'search.exclude'];
/** Settings that say where the model comes from: a change resolves the model again. */
export const MODEL_SETTINGS = ['semanticSearch.modelPath', 'semanticSearch.modelEndpoint', 'semanticSearch.modelRevision'];
/** Settings whose change means a new worker. */
export const RESTART_SETTINGS = ['semanticSearch.threads'];
