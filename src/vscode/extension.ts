import path from 'node:path';
import * as vscode from 'vscode';
import type { IndexInfo, IndexSummary, SearchOptions, SearchResult } from '../common/protocol/engine';
import type { ViewCommand } from '../common/protocol/webview';
import { EngineHost } from './engineHost';
import { Indexer } from './indexer';
import { ModelManager, type ModelResolution } from './model/modelManager';
import { searchQuickPick } from './quickPick';
import { SEARCH_VIEW_ID, SearchViewProvider } from './searchView';
import { MODEL_SETTINGS, readSettings, reportSettingProblemsTo, RESCAN_SETTINGS, RESTART_SETTINGS, searchMode } from './settings';
import { StatusBar } from './statusBar';
import { viewStateOf } from './viewState';

const CRASH_RESCAN_DELAY_MS = 2000;
/** Find Similar searches with at most this much of the selection (the model reads ~128 tokens anyway). */
const MAX_SIMILAR_QUERY = 2000;

/** What the extension gives other extensions and its integration tests. */
export interface SemanticSearchApi {
  /** Resolves when indexing has caught up with the workspace, with the last run's summary. */
  whenIndexed(): Promise<IndexSummary | undefined>;
  /** Searches with the user's settings (result count, minimum score, ranking); `options` override them. */
  search(query: string, options?: SearchOptions): Promise<SearchResult>;
  info(): Promise<IndexInfo>;
}

export function activate(context: vscode.ExtensionContext): SemanticSearchApi {
  const log = vscode.window.createOutputChannel(vscode.l10n.t('Semantic Search'), { log: true });
  reportSettingProblemsTo(log);
  const storeDir = path.join((context.storageUri ?? context.globalStorageUri).fsPath, 'index');
  const models = new ModelManager(context, log);
  let model: ModelResolution = { missing: vscode.l10n.t('Looking for the model…') };
  const host = new EngineHost(context.extensionPath, storeDir, log, () => ({ model, threads: readSettings().threads }));
  const indexer = new Indexer(host, log);
  /** Why there is no model yet (search then matches words only), for the panel and the status bar. */
  const modelNote = () => ('missing' in model ? (models.state.kind === 'downloading' ? models.state.message : model.missing) : undefined);
  /** Resolves the model (downloading it if allowed) and, when it changed, restarts the worker on it. */
  let resolving = 0;
  const useModel = async (allowDownload: boolean) => {
    let next: ModelResolution;
    resolving++;
    try {
      next = await models.resolve({ allowDownload });
    } finally {
      resolving--;
    }
    const changed = 'dir' in next ? !('dir' in model) || next.dir !== model.dir : 'dir' in model;
    model = next;
    if (changed) {
      indexer.cancelRun();
      await host.restart();
      indexer.requestFull();
    }
    indexer.refresh();
    return next;
  };
  const runViewCommand = (c: ViewCommand) => {
    if (c === 'downloadModel') {
      void useModel(true);
      return;
    }
    const commands: Record<Exclude<ViewCommand, 'downloadModel'>, string> = {
      reindex: 'semanticSearch.reindex',
      resumeIndexing: 'semanticSearch.resumeIndexing',
      openSettings: 'workbench.action.openSettings',
      selectModelFolder: 'semanticSearch.selectModelFolder',
    };
    void vscode.commands.executeCommand(commands[c], ...(c === 'openSettings' ? ['semanticSearch'] : []));
  };
  const view = new SearchViewProvider(context.extensionUri, host, indexer, runViewCommand, modelNote);
  const setPaused = (paused: boolean) => void vscode.commands.executeCommand('setContext', 'semanticSearch.paused', paused);

  stopHost = () => host.dispose();
  context.subscriptions.push(
    log, models, indexer, view, new StatusBar(indexer, modelNote),
    models.onDidChangeState((s) => {
      // A model found outside useModel (a Retry from the error message) is taken up; useModel's own
      // resolutions are handled where they return.
      if (!resolving && s.kind === 'ready' && s.dir && !('dir' in model && model.dir === s.dir)) void useModel(false);
      else indexer.refresh();
    }),
    vscode.window.registerWebviewViewProvider(SEARCH_VIEW_ID, view),
    vscode.commands.registerCommand('semanticSearch.search', () => searchQuickPick(host, {
      current: () => {
        const s = viewStateOf(indexer.state, modelNote());
        return s.phase === 'ready' && s.hasChunks && !s.fullTextOnly ? undefined : s.message;
      },
      onDidChange: indexer.onDidChange,
    })),
    vscode.commands.registerCommand('semanticSearch.focus', () => view.show()),
    vscode.commands.registerCommand('semanticSearch.findSimilar', () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor) return;
      const sel = editor.selection;
      const text = sel.isEmpty ? editor.document.lineAt(sel.active.line).text : editor.document.getText(sel);
      const source = editor.document.uri.scheme === 'file'
        ? { file: editor.document.uri.fsPath, startLine: sel.start.line + 1, endLine: sel.end.line + 1 }
        : undefined;
      // one line, as the panel's query box holds it
      const query = text.replace(/\s+/g, ' ').trim().slice(0, MAX_SIMILAR_QUERY);
      if (query) void view.show(query, source);
    }),
    // A crashed worker is started again by the next request: catch up on what the crash interrupted.
    host.onDidCrash(() => indexer.requestFull(CRASH_RESCAN_DELAY_MS)),
    vscode.commands.registerCommand('semanticSearch.reindex', () => {
      host.forgetCrashes();
      if (indexer.paused) setPaused(false);
      indexer.resume();
    }),
    vscode.commands.registerCommand('semanticSearch.pauseIndexing', () => { indexer.pause(); setPaused(true); }),
    vscode.commands.registerCommand('semanticSearch.resumeIndexing', () => { indexer.resume(); setPaused(false); }),
    vscode.commands.registerCommand('semanticSearch.clearIndex', async () => {
      indexer.cancelRun();
      await indexer.whenIdle();
      await host.client().call('clear', {});
      log.info('The index was cleared.');
      if (!indexer.paused) indexer.requestFull();
    }),
    vscode.commands.registerCommand('semanticSearch.showIndexInfo', async () => showIndexInfo(host, indexer, log)),
    vscode.commands.registerCommand('semanticSearch.selectModelFolder', () => models.chooseFolder()),
  );

  // Live index: watcher events and saves name the files to look at again; a branch switch rescans.
  const watcher = vscode.workspace.createFileSystemWatcher('**/*');
  const onPath = (uri: vscode.Uri) => {
    if (uri.scheme !== 'file') return;
    const p = uri.fsPath;
    if (p.includes(`${path.sep}.git${path.sep}`)) {
      if (p.endsWith(`${path.sep}.git${path.sep}HEAD`)) indexer.requestFull(1000);
      return;
    }
    indexer.requestPaths([p]);
  };
  context.subscriptions.push(
    watcher,
    watcher.onDidCreate(onPath), watcher.onDidChange(onPath), watcher.onDidDelete(onPath),
    vscode.workspace.onDidSaveTextDocument((doc) => onPath(doc.uri)),
    vscode.workspace.onDidChangeWorkspaceFolders(() => indexer.requestFull()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void host.restart().then(() => indexer.requestFull())),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (MODEL_SETTINGS.some((k) => e.affectsConfiguration(k))) {
        await useModel(true);
      } else if (RESTART_SETTINGS.some((k) => e.affectsConfiguration(k))) {
        indexer.cancelRun();
        await host.restart();
        indexer.requestFull();
      } else if (RESCAN_SETTINGS.some((k) => e.affectsConfiguration(k))) {
        indexer.requestFull(300);
      }
    }),
  );
  setPaused(false);
  // The model on disk is found first (a quick check), so the index is opened with the right model; only
  // then, if there is none, is it downloaded while full-text search already works.
  void useModel(false).then((found) => {
    indexer.requestFull();
    if ('missing' in found && !readSettings().modelPath) void useModel(true);
  });

  return {
    whenIndexed: async () => { await indexer.whenIdle(); return indexer.summary; },
    search: async (query, options) => {
      const s = readSettings();
      return host.client().call('search', { query, options: { limit: s.maxResults, minScore: s.minScore, mode: searchMode(s), ...options } });
    },
    info: async () => host.client().call('info', {}),
  };
}

async function showIndexInfo(host: EngineHost, indexer: Indexer, log: vscode.LogOutputChannel): Promise<void> {
  try {
    const info = await host.client().call('info', {});
    const lines = [
      `Folders: ${info.roots.join(', ') || '—'}`,
      `Files: ${info.files}, passages: ${info.chunks}, vectors: ${info.vectors}, on disk: ${(info.bytesOnDisk / 1024 / 1024).toFixed(1)} MB`,
      `Model: ${info.model ? `${info.model.id} (${info.model.dim} dimensions, ${info.model.dtype})` : '—'}`,
      `Saved: ${info.savedAt ?? 'never'}${indexer.paused ? ' (indexing paused)' : ''}`,
      ...(info.storeProblem ? [`Stored index problem: ${info.storeProblem}`] : []),
      `Skipped files: ${info.skipped.length}`,
      ...info.skipped.map((s) => `  ${s.path}: ${s.reason}`),
    ];
    log.info(`Index info\n${lines.join('\n')}`);
  } catch (e) {
    log.error(`Index info is not available: ${(e as Error).message}`);
  }
  log.show(true);
}

let stopHost: (() => Promise<void>) | undefined;

/** Shuts the worker down by message and waits for it: VS Code awaits this before ending the extension host. */
export async function deactivate(): Promise<void> {
  await stopHost?.();
}
