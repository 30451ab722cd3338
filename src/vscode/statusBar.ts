import * as vscode from 'vscode';
import { formatCount, formatSize } from './format';
import type { IndexProgress } from '../common/protocol/engine';
import type { Indexer, IndexerState } from './indexer';
import { viewStateOf } from './viewState';

/** Changes that come within this long of each other give one tooltip. */
const TOOLTIP_DELAY_MS = 100;

interface TooltipContent {
  message: string;
  counts: string | undefined;
  paused: boolean;
}

function tooltip(t: TooltipContent): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = { enabledCommands: ['semanticSearch.pauseIndexing', 'semanticSearch.resumeIndexing', 'semanticSearch.reindex', 'semanticSearch.showIndexInfo'] };
  md.appendMarkdown(`**${vscode.l10n.t('Semantic Search')}**\n\n`);
  md.appendText(t.message);
  if (t.counts) {
    md.appendMarkdown('\n\n');
    md.appendText(t.counts);
  }
  const pauseOrResume = t.paused
    ? `[$(debug-start) ${vscode.l10n.t('Resume')}](command:semanticSearch.resumeIndexing)`
    : `[$(debug-pause) ${vscode.l10n.t('Pause')}](command:semanticSearch.pauseIndexing)`;
  md.appendMarkdown(`\n\n${pauseOrResume} · [$(refresh) ${vscode.l10n.t('Re-index')}](command:semanticSearch.reindex) · [$(info) ${vscode.l10n.t('Index info')}](command:semanticSearch.showIndexInfo)`);
  return md;
}

/** The index state at a glance; the tooltip has the counts and the actions. */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('semanticSearch.status', vscode.StatusBarAlignment.Left, 50);
  private readonly sub: vscode.Disposable;
  private shownError = false;
  /** What the tooltip shows (or is about to), to rebuild it only when that changes. */
  private tooltipKey: string | undefined;
  private pendingTooltip: TooltipContent | undefined;
  private tooltipTimer: NodeJS.Timeout | undefined;

  constructor(indexer: Indexer, private readonly modelNote: () => string | undefined) {
    this.item.name = vscode.l10n.t('Semantic Search');
    this.item.command = 'semanticSearch.focus';
    this.sub = indexer.onDidChange((s) => this.update(s, indexer.paused));
    this.update(indexer.state, false);
    this.item.show();
  }

  private update(s: IndexerState, paused: boolean): void {
    const view = viewStateOf(s, this.modelNote());
    const icon = {
      starting: '$(loading~spin)', 'no-folder': '$(search)', indexing: '$(sync~spin)', ready: '$(search)', paused: '$(debug-pause)',
      'model-missing': '$(cloud-download)', error: '$(error)',
    }[view.phase];
    const text = s.kind === 'indexing' && s.progress.total
      ? `${icon} ${progressCounts(s.progress)}`
      : `${s.kind === 'read-only' ? '$(lock)' : icon} ${vscode.l10n.t('Semantic')}`;
    // Each assignment is a message to the workbench: send only what changed.
    if (text !== this.item.text) this.item.text = text;
    const error = s.kind === 'error';
    if (error !== this.shownError) {
      this.shownError = error;
      this.item.backgroundColor = error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    }
    const counts = 'info' in s && s.info
      ? vscode.l10n.t('{0} files · {1} passages · {2} on disk', formatCount(s.info.files), formatCount(s.info.chunks), formatSize(s.info.bytesOnDisk))
      : undefined;
    const key = JSON.stringify([view.message, counts, paused]);
    if (key === this.tooltipKey) return;
    this.tooltipKey = key;
    // The tooltip is a MarkdownString, which VS Code parses on the extension host's thread each time it is
    // set (20–40 ms the first time): build it in a task of its own, once for a burst of changes.
    this.pendingTooltip = { message: view.message, counts, paused };
    this.tooltipTimer ??= setTimeout(() => {
      this.tooltipTimer = undefined;
      if (this.pendingTooltip) this.item.tooltip = tooltip(this.pendingTooltip);
      this.pendingTooltip = undefined;
    }, TOOLTIP_DELAY_MS);
  }

  dispose(): void {
    if (this.tooltipTimer) clearTimeout(this.tooltipTimer);
    this.sub.dispose();
    this.item.dispose();
  }
}

/** The counts a run shows in the status bar: passages with a meaning of all passages once every file is searchable by words, else done/total. */
function progressCounts(p: IndexProgress): string {
  const s = p.searchable;
  return s ? `${formatCount(s.embeddedChunks)}/${formatCount(s.chunks)}` : `${formatCount(p.done)}/${formatCount(p.total)}`;
}
