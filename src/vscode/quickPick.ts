import * as vscode from 'vscode';
import type { SearchHit } from '../common/protocol/engine';
import type { EngineHost } from './engineHost';
import { openHit, partialWordsNote, searchLive, toViewHit } from './search';

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
export async function searchQuickPick(host: EngineHost, note: IndexNote, initialQuery = ''): Promise<void> {
  const qp = vscode.window.createQuickPick<HitItem>();
  const title = vscode.l10n.t('Semantic Search');
  /** Whether the results shown ranked words by part of the index only. */
  let partial = false;
  const showNote = () => {
    const n = note.current() ?? (partial ? partialWordsNote() : undefined);
    qp.title = n ? `${title} — ${n}` : title;
  };
  showNote();
  const noteListener = note.onDidChange(showNote);
  qp.placeholder = vscode.l10n.t('Ask in any language — results in every language');
  qp.matchOnDescription = false;
  qp.matchOnDetail = false;
  qp.value = initialQuery;
  let timer: NodeJS.Timeout | undefined;
  let generation = 0;
  let accepted = false;
  const previewed = vscode.window.activeTextEditor;

  const run = async (query: string) => {
    const mine = ++generation;
    if (!query.trim()) {
      qp.items = [];
      qp.busy = false;
      return;
    }
    qp.busy = true;
    try {
      // (an answer to an older query is not shown)
      await searchLive(host, { query }, () => mine !== generation, ({ hits, wordsPartial }) => {
        partial = !!wordsPartial;
        showNote();
        qp.items = hits.map((hit) => {
          const v = toViewHit(hit);
          return {
            hit,
            // Results are already ranked by meaning: they must not be filtered again by the typed letters.
            alwaysShow: true,
            label: `$(${hit.kind === 'markdown' ? 'markdown' : 'comment'}) ${v.title || v.fileName}`,
            description: `${v.scoreLabel} · ${v.lang}`,
            detail: `${hit.path}:${hit.startLine} — ${v.snippet.text}`,
          };
        });
      });
    } catch (e) {
      if (mine === generation) vscode.window.setStatusBarMessage(`$(error) ${(e as Error).message}`, 5000);
    } finally {
      if (mine === generation) qp.busy = false;
    }
  };

  qp.onDidChangeValue((value) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void run(value), DEBOUNCE_MS);
  });
  qp.onDidChangeActive(([item]) => {
    if (item) void openHit(item.hit, { preview: true, preserveFocus: true });
  });
  qp.onDidAccept(() => {
    const [item] = qp.selectedItems.length ? qp.selectedItems : qp.activeItems;
    if (!item) return;
    accepted = true;
    qp.hide();
    void openHit(item.hit, { preview: false });
  });
  qp.onDidHide(() => {
    if (timer) clearTimeout(timer);
    noteListener.dispose();
    qp.dispose();
    // Closing without choosing returns to where the user was before the previews.
    if (!accepted && previewed) void vscode.window.showTextDocument(previewed.document, { selection: previewed.selection, viewColumn: previewed.viewColumn });
  });
  qp.show();
  if (initialQuery) await run(initialQuery);
}
