import * as vscode from 'vscode';
import type { SearchHit } from '../common/protocol/engine';
import type { EngineHost } from './engineHost';
import { reportError, showError, type ErrorLog } from './errors';
import { openHit, resultNote, searchLive, toViewHit } from './search';

interface HitItem extends vscode.QuickPickItem {
  hit: SearchHit;
}

const DEBOUNCE_MS = 150;

/** What the quick pick says beside its title while the index is not simply ready ("Indexing 120 / 340 files"). */
export interface IndexNote {
  current(): string | undefined;
  onDidChange: vscode.Event<unknown>;
}

/**
 * "Semantic Search: Search Workspace…": live results while typing, a preview of the focused result in
 * the editor, and the file opened at the passage on Enter.
 */
export function searchQuickPick(host: EngineHost, log: ErrorLog, note: IndexNote): void {
  new SearchQuickPick(host, log, note).show();
}

class SearchQuickPick {
  private readonly qp = vscode.window.createQuickPick<HitItem>();
  private readonly title = vscode.l10n.t('Semantic Search');
  private readonly disposables: vscode.Disposable[] = [];
  /** Whether the results shown ranked words by part of the index only. */
  /** What the last results are not yet (their word ranking partial, or meanings still being embedded). */
  private resultNote: string | undefined;
  /** The sentence saying why the last search failed, until one succeeds. */
  private failure: string | undefined;
  /** Counts the searches started; an answer to an older one is not shown. */
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;
  private accepted = false;
  /** The editor before the previews, shown again when the quick pick closes without a choice. */
  private readonly previewed = vscode.window.activeTextEditor;

  constructor(private readonly host: EngineHost, private readonly log: ErrorLog, private readonly note: IndexNote) {
    this.qp.placeholder = vscode.l10n.t('Ask in any language — results in every language');
    this.qp.matchOnDescription = false;
    this.qp.matchOnDetail = false;
    this.showTitle();
    this.disposables.push(
      note.onDidChange(() => this.showTitle()),
      this.qp.onDidChangeValue((value) => this.schedule(value)),
      this.qp.onDidChangeActive(([item]) => {
        if (item) void openHit(item.hit, { preview: true, preserveFocus: true });
      }),
      this.qp.onDidAccept(() => this.accept()),
      this.qp.onDidHide(() => this.hidden()),
    );
  }

  show(): void {
    this.qp.show();
  }

  /** The title says what the results cannot: why the last search failed, or the index's state. */
  private showTitle(): void {
    const note = this.failure ?? this.note.current() ?? this.resultNote;
    this.qp.title = note ? `${this.title} — ${note}` : this.title;
  }

  private schedule(query: string): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.search(query), DEBOUNCE_MS);
  }

  private async search(query: string): Promise<void> {
    const mine = ++this.generation;
    const stale = () => mine !== this.generation;
    if (!query.trim()) {
      this.qp.items = [];
      this.qp.busy = false;
      return;
    }
    this.qp.busy = true;
    try {
      await searchLive(this.host, { query }, stale, (result) => {
        this.resultNote = resultNote(result);
        this.failure = undefined;
        this.showTitle();
        this.qp.items = result.hits.map(toItem);
      });
    } catch (e) {
      if (stale()) return;
      this.failure = reportError(this.log, 'Search failed', e);
      this.qp.items = [];
      this.showTitle();
    } finally {
      if (!stale()) this.qp.busy = false;
    }
  }

  private accept(): void {
    const [item] = this.qp.selectedItems.length ? this.qp.selectedItems : this.qp.activeItems;
    if (!item) return;
    this.accepted = true;
    this.qp.hide();
    openHit(item.hit, { preview: false }).catch((e) => showError(this.log, 'Opening a result failed', e));
  }

  private hidden(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
    this.qp.dispose();
    const before = this.previewed;
    // Closing without choosing returns to where the user was before the previews.
    if (!this.accepted && before) void vscode.window.showTextDocument(before.document, { selection: before.selection, viewColumn: before.viewColumn });
  }
}

function toItem(hit: SearchHit): HitItem {
  const view = toViewHit(hit);
  return {
    hit,
    // Results are already ranked by meaning: they must not be filtered again by the typed letters.
    alwaysShow: true,
    label: `$(${hit.kind === 'markdown' ? 'markdown' : 'comment'}) ${view.title || view.fileName}`,
    description: `${view.scoreLabel} · ${view.lang}`,
    detail: `${hit.path}:${hit.startLine} — ${view.snippet.text}`,
  };
}
