import * as vscode from 'vscode';
import type { IndexOptions, SearchMode } from '../common/protocol/engine';
import type { Device, Threads } from '../common/protocol/worker';
import { checkSetting, SettingProblemLog, type SettingName, type SettingProblem, type SettingValue } from '../common/settingsSchema';

/** The extension's settings (`semanticSearch.*`) for the workspace as a whole, read fresh each time and validated. */
export interface Settings {
  maxResults: number;
  minScore: number;
  hybrid: boolean;
  /** 'auto': all the cores while the editor is idle, half while you work; a number: that many (0: half the cores). */
  threads: Threads;
  modelPath: string;
  /** '' for the default (the hub). */
  modelEndpoint: string;
  /** '' for the commit this version was tested with. */
  modelRevision: string;
  /** '' for none; otherwise a path or address of an exported index, `${commit}` standing for the HEAD commit. */
  sharedIndex: string;
  device: Device;
}

const problems = new SettingProblemLog();
let log: vscode.LogOutputChannel | undefined;

/** Where a bad setting is reported: a log line, and a warning the first time each bad value is read. */
export function reportSettingProblemsTo(channel: vscode.LogOutputChannel): void {
  log = channel;
}

/** Reads `names` from `config`, each checked (see settingsSchema.ts); bad values are reported once per change. */
function read<K extends SettingName>(config: vscode.WorkspaceConfiguration, names: readonly K[], scope: vscode.WorkspaceFolder | undefined): { [P in K]: SettingValue<P> } {
  const found: SettingProblem[] = [];
  const out = {} as { [P in K]: SettingValue<P> };
  for (const name of names) {
    const { value, problem } = checkSetting(name, config.get(name));
    out[name] = value;
    if (problem) found.push(problem);
  }
  const fresh = problems.fresh(scope?.uri.toString() ?? '', names.map((n) => `semanticSearch.${n}`), found);
  for (const p of fresh) {
    const where = scope ? ` (folder ${scope.name})` : '';
    log?.warn(`Setting ${p.setting}${where} is ${p.value}, which is not ${p.expected}: ${p.used} is used instead.`);
    if (log) void vscode.window.showWarningMessage(vscode.l10n.t('The setting {0} has an invalid value, {1}: {2} is used instead.', p.setting, p.value, p.used));
  }
  return out;
}

/** Reads the settings of the workspace as a whole (a folder's own file settings: {@link indexOptions}). */
export function readSettings(): Settings {
  const names = ['maxResults', 'minScore', 'hybrid', 'threads', 'modelPath', 'modelEndpoint', 'modelRevision', 'sharedIndex', 'device'] as const;
  return read(vscode.workspace.getConfiguration('semanticSearch'), names, undefined);
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
  const c = read(vscode.workspace.getConfiguration('semanticSearch', folder.uri), ['include', 'exclude', 'maxFileSize', 'useGitignore'], folder);
  const editorExcludes = ['files.exclude', 'search.exclude'].flatMap((key) => {
    const value = vscode.workspace.getConfiguration(undefined, folder.uri).get<unknown>(key);
    return value && typeof value === 'object' ? Object.entries(value).filter(([, on]) => on === true).map(([glob]) => glob) : [];
  });
  return { include: c.include, exclude: [...c.exclude, ...editorExcludes], maxFileSize: c.maxFileSize, useGitignore: c.useGitignore };
}

/** Settings whose change means a new scan of the workspace. */
export const RESCAN_SETTINGS = ['semanticSearch.include', 'semanticSearch.exclude', 'semanticSearch.maxFileSize', 'semanticSearch.useGitignore', 'files.exclude', 'search.exclude', 'semanticSearch.sharedIndex'];
/** Settings that say where the model comes from: a change resolves the model again. */
export const MODEL_SETTINGS = ['semanticSearch.modelPath', 'semanticSearch.modelEndpoint', 'semanticSearch.modelRevision'];
/** Settings whose change means a new worker. */
export const RESTART_SETTINGS = ['semanticSearch.threads', 'semanticSearch.device'];
