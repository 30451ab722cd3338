import { randomBytes } from 'node:crypto';
import path from 'node:path';
import * as vscode from 'vscode';
import type { SearchHit, SearchResult } from '../common/protocol/engine';
import { parseViewMessage, type HostToView, type ViewCommand, type ViewSearch, type ViewStrings } from '../common/protocol/webview';
import type { EngineHost } from './engineHost';
import { reportError, showError, type ErrorLog } from './errors';
import type { Indexer } from './indexer';
import { openHit, resultNote, searchLive, toViewHit } from './search';
import { readSettings } from './settings';
import { viewStateOf } from './viewState';

export const SEARCH_VIEW_ID = 'semanticSearch.searchView';

/** Where the text of a Find Similar query comes from: a file and its 1-based lines. */
export interface SimilarSource {
  file: string;
  startLine: number;
  endLine: number;
}

/** How many more hits a Find Similar search asks for, to make up for the passages of its source. */
const SIMILAR_SOURCE_HITS = 5;

/** Whether a hit is (part of) the passage a Find Similar query was taken from. */
function isFrom(hit: SearchHit, source: SimilarSource): boolean {
  return path.join(hit.root, ...hit.path.split('/')) === source.file && hit.startLine <= source.endLine && hit.endLine >= source.startLine;
}

/**
 * The sidebar panel. The webview only renders; every search runs here through the worker, every message
 * from the webview is checked, and an "open" can only name a result this provider sent.
 */
export class SearchViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private ready = false;
  private queue: HostToView[] = [];
  /** Answers by request id, newest last; only the latest few are kept for "open". */
  private readonly answers = new Map<number, SearchHit[]>();
  private latestRequest = 0;
  private readonly disposables: vscode.Disposable[] = [];
  /** The last Find Similar query and where its text came from. */
  private similarSource: (SimilarSource & { query: string }) | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly host: EngineHost,
    private readonly indexer: Indexer,
    private readonly log: ErrorLog,
    private readonly runCommand: (c: ViewCommand) => void,
    private readonly modelNote: () => string | undefined,
  ) {
    this.disposables.push(indexer.onDidChange((s) => this.post({ type: 'state', state: viewStateOf(s, this.modelNote()) })));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    const root = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    view.webview.options = { enableScripts: true, localResourceRoots: [root] };
    view.webview.html = this.html(view.webview, root);
    view.webview.onDidReceiveMessage((raw) => this.onMessage(raw).catch((e) => showError(this.log, 'Panel action failed', e)), undefined, this.disposables);
    view.onDidDispose(() => { this.view = undefined; this.ready = false; }, undefined, this.disposables);
  }

  /**
   * Shows the panel with `query` in its box, searched. With `source` (Find Similar: the query is text of
   * that file and lines), the passages it came from are left out of that query's results.
   */
  async show(query?: string, source?: SimilarSource): Promise<void> {
    await vscode.commands.executeCommand(`${SEARCH_VIEW_ID}.focus`);
    if (query === undefined) return;
    this.similarSource = source && { ...source, query };
    this.post({ type: 'setQuery', query });
  }

  private post(m: HostToView): void {
    if (!this.view || !this.ready) {
      // Until the webview says it is ready only the newest state matters; results wait for a new query.
      if (m.type === 'setQuery') this.queue = [...this.queue.filter((q) => q.type !== 'setQuery'), m];
      return;
    }
    void this.view.webview.postMessage(m);
  }

  private async onMessage(raw: unknown): Promise<void> {
    const m = parseViewMessage(raw);
    if (!m) return;
    switch (m.type) {
      case 'ready':
        // A new document (the view was hidden and shown again reloads it) numbers its requests from 1 again.
        this.ready = true;
        this.latestRequest = 0;
        this.answers.clear();
        void this.view?.webview.postMessage({ type: 'init', strings: viewStrings(), state: viewStateOf(this.indexer.state, this.modelNote()) } satisfies HostToView);
        for (const q of this.queue.splice(0)) this.post(q);
        break;
      case 'search':
        await this.search(m);
        break;
      case 'open': {
        const hit = this.answers.get(m.requestId)?.[m.index];
        if (hit) await openHit(hit, { preview: m.preview, preserveFocus: m.preview });
        break;
      }
      case 'command':
        this.runCommand(m.command);
        break;
    }
  }

  private async search(m: ViewSearch): Promise<void> {
    this.latestRequest = Math.max(this.latestRequest, m.requestId);
    if (!m.query.trim()) {
      this.post({ type: 'results', requestId: m.requestId, query: m.query, hits: [], ms: 0 });
      return;
    }
    try {
      const similar = this.similarSource?.query === m.query ? this.similarSource : undefined;
      const request = { query: m.query, kinds: m.kinds, folder: m.folder, ...(similar ? { extra: SIMILAR_SOURCE_HITS } : {}) };
      // A newer query is on its way: this answer is not shown.
      await searchLive(this.host, request, () => m.requestId < this.latestRequest, (result) => this.answer(m, result, similar));
    } catch (e) {
      this.post({ type: 'error', requestId: m.requestId, message: reportError(this.log, 'Search failed', e) });
    }
  }

  /** Sends `result` as the answer to `m`, without the passages a Find Similar query came from. */
  private answer(m: ViewSearch, result: SearchResult, similar: SimilarSource | undefined): void {
    const hits = similar ? result.hits.filter((h) => !isFrom(h, similar)).slice(0, readSettings().maxResults) : result.hits;
    this.answers.set(m.requestId, hits);
    for (const id of this.answers.keys()) if (id < m.requestId - 5) this.answers.delete(id);
    this.post({
      type: 'results', requestId: m.requestId, query: m.query, hits: hits.map(toViewHit), ms: result.ms,
      ...(resultNote(result) ? { hint: resultNote(result) } : {}),
    });
  }

  private html(webview: vscode.Webview, root: vscode.Uri): string {
    const nonce = randomBytes(16).toString('base64');
    const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(root, name)).toString();
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `font-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="${vscode.env.language}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${asset('codicon.css')}" rel="stylesheet">
<link href="${asset('webview.css')}" rel="stylesheet">
</head>
<body>
<div id="app"></div>
<script nonce="${nonce}" src="${asset('webview.js')}"></script>
</body>
</html>`;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function viewStrings(): ViewStrings {
  return {
    placeholder: vscode.l10n.t('Ask in any language…'),
    markdown: vscode.l10n.t('Markdown'),
    comments: vscode.l10n.t('Comments'),
    allFolders: vscode.l10n.t('All folders'),
    noResults: vscode.l10n.t('No results. Try other words, a shorter question, or fewer filters.'),
    searching: vscode.l10n.t('Searching…'),
    resultsCount: vscode.l10n.t('{0} results in {1} ms'),
    oneResult: vscode.l10n.t('1 result in {0} ms'),
    resume: vscode.l10n.t('Resume indexing'),
    reindex: vscode.l10n.t('Re-index'),
    chooseModel: vscode.l10n.t('Choose a model folder…'),
  };
}
