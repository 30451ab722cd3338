import * as vscode from 'vscode';
import type { ViewState } from '../common/protocol/webview';
import { formatCount, overallProgress, progressMessage } from './format';
import type { IndexerState } from './indexer';

/**
 * The indexer's state as the panel and the status bar word it. `modelNote` says why there is no model
 * (search then works by words only, and the panel says so).
 */
export function viewStateOf(s: IndexerState, modelNote?: string): ViewState {
  const state = baseState(s);
  if (!vscode.workspace.isTrusted) {
    state.message += ` ${vscode.l10n.t('Restricted Mode: a model folder set in this workspace\'s settings is not used.')}`;
  }
  if (!modelNote || state.phase === 'no-folder') return state;
  return { ...state, fullTextOnly: true, message: `${state.message} ${modelNote} ${vscode.l10n.t('Until then, search matches words only.')}` };
}

function baseState(s: IndexerState): ViewState {
  const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.name);
  const base = { folders, fullTextOnly: false, hasChunks: false };
  switch (s.kind) {
    case 'starting':
      return { ...base, phase: 'starting', message: vscode.l10n.t('Starting…') };
    case 'no-folder':
      return { ...base, phase: 'no-folder', message: vscode.l10n.t('Open a folder to search its Markdown and code comments.') };
    case 'indexing':
      return { ...base, phase: 'indexing', message: progressMessage(s.progress, s.leftMs), progress: overallProgress(s.progress) };
    case 'paused':
      return { ...base, phase: 'paused', hasChunks: !!s.info?.chunks, message: vscode.l10n.t('Indexing is paused.') };
    case 'model-missing':
      return { ...base, phase: 'model-missing', message: s.message };
    case 'error':
      return { ...base, phase: 'error', hasChunks: !!s.info?.chunks, message: s.message };
    case 'read-only':
      // Search works as when ready; the sentence says why the index does not follow this window's changes.
      return {
        ...base,
        phase: 'ready',
        hasChunks: s.info.chunks > 0,
        message: vscode.l10n.t('Another window or process is updating this index, so this window searches its last saved copy ({0} passages) and takes over when it is free.', formatCount(s.info.chunks)),
      };
    case 'ready':
      return {
        ...base,
        phase: 'ready',
        hasChunks: s.info.chunks > 0,
        message: s.info.chunks > 0
          ? vscode.l10n.t('{0} files, {1} passages indexed.', formatCount(s.info.files), formatCount(s.info.chunks))
          : vscode.l10n.t('This folder has no Markdown or code comments to search.'),
      };
  }
}
