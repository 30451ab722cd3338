import * as vscode from 'vscode';
import type { Indexer, IndexerState } from './indexer';
import { viewStateOf } from './viewState';

const n = (x: number) => x.toLocaleString(vscode.env.language);

function formatSize(bytes: number): string {
  return bytes < 1024 * 1024 ? `${n(Math.ceil(bytes / 1024))} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The index state at a glance; the tooltip has the counts and the actions. */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('semanticSearch.status', vscode.StatusBarAlignment.Left, 50);
  private readonly sub: vscode.Disposable;

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
      'model-missing': '$(cloud-download)', 'model-downloading': '$(cloud-download)', error: '$(error)', untrusted: '$(shield)',
    }[view.phase];
    this.item.text = s.kind === 'indexing' && s.progress.total
      ? `${icon} ${n(s.progress.done)}/${n(s.progress.total)}`
      : `${icon} ${vscode.l10n.t('Semantic')}`;
    this.item.backgroundColor = s.kind === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = { enabledCommands: ['semanticSearch.pauseIndexing', 'semanticSearch.resumeIndexing', 'semanticSearch.reindex', 'semanticSearch.showIndexInfo'] };
    md.appendMarkdown(`**${vscode.l10n.t('Semantic Search')}**\n\n`);
    md.appendText(view.message);
    if ('info' in s && s.info) {
      md.appendMarkdown('\n\n');
      md.appendText(vscode.l10n.t('{0} files · {1} passages · {2} on disk', n(s.info.files), n(s.info.chunks), formatSize(s.info.bytesOnDisk)));
    }
    const pauseOrResume = paused
      ? `[$(debug-start) ${vscode.l10n.t('Resume')}](command:semanticSearch.resumeIndexing)`
      : `[$(debug-pause) ${vscode.l10n.t('Pause')}](command:semanticSearch.pauseIndexing)`;
    md.appendMarkdown(`\n\n${pauseOrResume} · [$(refresh) ${vscode.l10n.t('Re-index')}](command:semanticSearch.reindex) · [$(info) ${vscode.l10n.t('Index info')}](command:semanticSearch.showIndexInfo)`);
    this.item.tooltip = md;
  }

  dispose(): void {
    this.sub.dispose();
    this.item.dispose();
  }
}
