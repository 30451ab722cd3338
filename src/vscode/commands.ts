import * as vscode from 'vscode';
import type { IndexInfo } from '../common/protocol/engine';
import { showError } from './errors';
import { formatCount, formatSize } from './format';
import type { ExtensionParts } from './parts';
import { searchQuickPick } from './quickPick';
import { viewStateOf } from './viewState';

/** Find Similar searches with at most this much of the selection (the model reads ~128 tokens anyway). */
const MAX_SIMILAR_QUERY = 2000;

type Command = (parts: ExtensionParts) => unknown;

/** The commands of package.json, by id. */
const COMMANDS: Record<string, Command> = {
  'semanticSearch.search': search,
  'semanticSearch.focus': ({ view }) => view.show(),
  'semanticSearch.findSimilar': findSimilar,
  'semanticSearch.reindex': reindex,
  'semanticSearch.pauseIndexing': pauseIndexing,
  'semanticSearch.resumeIndexing': resumeIndexing,
  'semanticSearch.clearIndex': clearIndex,
  'semanticSearch.showIndexInfo': showIndexInfo,
  'semanticSearch.selectModelFolder': ({ models }) => models.chooseFolder(),
};

export function registerCommands(parts: ExtensionParts): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([id, command]) => vscode.commands.registerCommand(id, () => runCommand(parts, id, command)));
}

/**
 * Runs a command. A failure reaches the user as one localised sentence, with the details in the log, never as
 * a failed command: it resolves with the sentence shown then, and with nothing when the command succeeded.
 */
export async function runCommand<P extends Pick<ExtensionParts, 'log'>>(parts: P, id: string, command: (parts: P) => unknown): Promise<string | undefined> {
  try {
    await command(parts);
    return undefined;
  } catch (e) {
    return showError(parts.log, `${id} failed`, e);
  }
}

/** Sets the context key that picks the Pause or the Resume button (package.json, `when` clauses). */
export function setPausedContext(paused: boolean): void {
  void vscode.commands.executeCommand('setContext', 'semanticSearch.paused', paused);
}

function search({ host, indexer, model, log }: ExtensionParts): void {
  searchQuickPick(host, log, {
    current: () => {
      const state = viewStateOf(indexer.state, model.note());
      return state.phase === 'ready' && state.hasChunks && !state.fullTextOnly ? undefined : state.message;
    },
    onDidChange: indexer.onDidChange,
  });
}

/** Searches the panel for the selection (or the current line), leaving out the passage it came from. */
function findSimilar({ view }: ExtensionParts): void {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return;
  const selection = editor.selection;
  const text = selection.isEmpty ? editor.document.lineAt(selection.active.line).text : editor.document.getText(selection);
  const source = editor.document.uri.scheme === 'file'
    ? { file: editor.document.uri.fsPath, startLine: selection.start.line + 1, endLine: selection.end.line + 1 }
    : undefined;
  // one line, as the panel's query box holds it
  const query = text.replace(/\s+/g, ' ').trim().slice(0, MAX_SIMILAR_QUERY);
  if (query) void view.show(query, source);
}

function reindex({ host, indexer }: ExtensionParts): void {
  host.forgetCrashes();
  if (indexer.paused) setPausedContext(false);
  indexer.resume();
}

function pauseIndexing({ indexer }: ExtensionParts): void {
  indexer.pause();
  setPausedContext(true);
}

function resumeIndexing({ indexer }: ExtensionParts): void {
  indexer.resume();
  setPausedContext(false);
}

/** Empties the index and, unless indexing is paused, builds it again. */
export async function clearIndex({ host, indexer, log }: Pick<ExtensionParts, 'host' | 'indexer' | 'log'>): Promise<void> {
  indexer.cancelRun();
  await indexer.whenIdle();
  await host.client().call('clear', {});
  log.info('The index was cleared.');
  if (!indexer.paused) indexer.requestFull();
}

/** Writes what the index holds to the log, and shows the log. */
async function showIndexInfo({ host, indexer, log, mcp }: ExtensionParts): Promise<void> {
  const info = await host.client().call('info', {});
  const mcpLine = mcp.commandLine();
  const where = [
    vscode.l10n.t('Index folder: {0}', host.storeDir),
    ...(mcpLine ? [vscode.l10n.t('MCP server on this index, for other MCP clients (see the README): {0}', mcpLine)] : []),
  ];
  log.info(`${vscode.l10n.t('Index info')}\n${[...indexInfoLines(info, indexer.paused), ...where].join('\n')}`);
  log.show(true);
}

function indexInfoLines(info: IndexInfo, paused: boolean): string[] {
  const model = info.model
    ? vscode.l10n.t('Model: {0} ({1} dimensions, {2})', info.model.id, info.model.dim, info.model.dtype)
    : vscode.l10n.t('Model: {0}', '—');
  const savedAt = info.savedAt ?? vscode.l10n.t('never');
  const counts = [info.files, info.chunks, info.vectors].map(formatCount);
  return [
    vscode.l10n.t('Folders: {0}', info.roots.join(', ') || '—'),
    vscode.l10n.t('Files: {0}, passages: {1}, vectors: {2}, on disk: {3}', ...counts, formatSize(info.bytesOnDisk)),
    ...(info.seeded ? [vscode.l10n.t('Passages whose vectors came from the shared index: {0}', formatCount(info.seeded))] : []),
    model,
    paused ? vscode.l10n.t('Saved: {0} (indexing paused)', savedAt) : vscode.l10n.t('Saved: {0}', savedAt),
    ...(info.storeProblem ? [vscode.l10n.t('Stored index problem: {0}', info.storeProblem)] : []),
    vscode.l10n.t('Skipped files: {0}', formatCount(info.skipped.length)),
    ...info.skipped.map((skipped) => `  ${skipped.path}: ${skipped.reason}`),
  ];
}
