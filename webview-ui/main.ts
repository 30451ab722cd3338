import type { HostToView, ViewCommand, ViewHit, ViewState, ViewStrings, ViewToHost } from '../src/common/protocol/webview';
import type { ChunkKind } from '../src/common/types';

/**
 * The search panel. It only renders what the extension host sends and reports what the user does;
 * all workspace text is inserted with textContent, never as HTML.
 */
declare function acquireVsCodeApi(): { postMessage(m: ViewToHost): void; getState(): unknown; setState(s: unknown): void };

interface Saved {
  query: string;
  kinds: ChunkKind[];
  folder: string;
}

const vscode = acquireVsCodeApi();
const saved = (vscode.getState() as Saved | undefined) ?? { query: '', kinds: ['markdown', 'comment'], folder: '' };
const post = (m: ViewToHost) => vscode.postMessage(m);
const DEBOUNCE_MS = 200;

let strings: ViewStrings | undefined;
let state: ViewState | undefined;
let requestId = 0;
let shownRequest = 0;
let hits: ViewHit[] = [];
/** The query `hits` answer. */
let shownQuery = '';
let selected = -1;
let timer: number | undefined;
let lastResult: { count: number; ms: number; hint?: string } | undefined;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: { className?: string; text?: string; title?: string } = {}, ...children: Node[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.className) e.className = props.className;
  if (props.text !== undefined) e.textContent = props.text;
  if (props.title) e.title = props.title;
  e.append(...children);
  return e;
}
const icon = (name: string) => el('span', { className: `codicon codicon-${name}` });

// --- layout -------------------------------------------------------------------------------------
const query = el('input');
query.id = 'query';
query.type = 'text';
query.spellcheck = false;
query.setAttribute('role', 'combobox');
query.setAttribute('aria-controls', 'results');
query.setAttribute('aria-autocomplete', 'list');
query.value = saved.query;

const kindBox = (kind: ChunkKind) => {
  const box = el('input');
  box.type = 'checkbox';
  box.checked = saved.kinds.includes(kind);
  box.id = `kind-${kind}`;
  box.addEventListener('change', () => schedule(0));
  return box;
};
const mdBox = kindBox('markdown');
const commentBox = kindBox('comment');
const mdLabel = el('label', {}, mdBox, el('span'));
const commentLabel = el('label', {}, commentBox, el('span'));
const folderSelect = el('select');
folderSelect.id = 'folder';
folderSelect.addEventListener('change', () => schedule(0));

const status = el('div');
status.id = 'status';
status.setAttribute('role', 'status');
const progress = el('div', { className: 'progress' }, el('div', { className: 'progress-bar' }));
const results = el('ul');
results.id = 'results';
results.setAttribute('role', 'listbox');

document.getElementById('app')!.append(
  el('div', { className: 'query-row' }, icon('search'), query),
  el('div', { className: 'filters' }, mdLabel, commentLabel, folderSelect),
  progress,
  status,
  results,
);

// --- behaviour ----------------------------------------------------------------------------------
function kinds(): ChunkKind[] {
  return [...(mdBox.checked ? ['markdown' as const] : []), ...(commentBox.checked ? ['comment' as const] : [])];
}

function save(): void {
  vscode.setState({ query: query.value, kinds: kinds(), folder: folderSelect.value } satisfies Saved);
}

function schedule(delay = DEBOUNCE_MS): void {
  save();
  window.clearTimeout(timer);
  timer = window.setTimeout(search, delay);
}

function search(): void {
  const q = query.value.trim();
  requestId++;
  if (!q) {
    lastResult = undefined;
    showResults([], '');
    return;
  }
  status.textContent = strings?.searching ?? '';
  post({ type: 'search', requestId, query: q, kinds: kinds(), folder: folderSelect.value });
}

function open(index: number, preview = false): void {
  if (index < 0 || index >= hits.length) return;
  post({ type: 'open', requestId: shownRequest, index, preview });
}

function select(index: number): void {
  if (!hits.length) return;
  selected = Math.max(0, Math.min(hits.length - 1, index));
  results.querySelectorAll('li.result').forEach((li, i) => {
    li.setAttribute('aria-selected', String(i === selected));
    if (i === selected) {
      query.setAttribute('aria-activedescendant', li.id);
      li.scrollIntoView({ block: 'nearest' });
    }
  });
}

query.addEventListener('input', () => schedule());
query.addEventListener('keydown', (e) => {
  if (e.key === 'ArrowDown') { select(selected + 1); e.preventDefault(); }
  else if (e.key === 'ArrowUp') { select(selected - 1); e.preventDefault(); }
  else if (e.key === 'Enter') { open(selected >= 0 ? selected : 0); e.preventDefault(); }
  else if (e.key === 'Escape') { query.value = ''; schedule(0); }
});
results.addEventListener('click', (e) => {
  const li = (e.target as HTMLElement).closest('li.result');
  if (!li) return;
  const index = [...results.children].indexOf(li);
  select(index);
  open(index);
});

/** The snippet with the matching words in <mark>, built node by node. */
function snippetNode(hit: ViewHit): HTMLElement {
  const div = el('div', { className: 'result-snippet' });
  let at = 0;
  for (const [start, end] of hit.snippet.highlights) {
    if (start > at) div.append(hit.snippet.text.slice(at, start));
    div.append(el('mark', { text: hit.snippet.text.slice(start, end) }));
    at = end;
  }
  div.append(hit.snippet.text.slice(at));
  return div;
}

function resultNode(hit: ViewHit, i: number): HTMLLIElement {
  const li = el('li', { className: 'result' },
    el('div', { className: 'result-head' },
      icon(hit.kind === 'markdown' ? 'markdown' : 'comment'),
      el('span', { className: 'result-file', text: hit.fileName }),
      el('span', { className: 'result-line', text: `:${hit.line}` }),
      el('span', { className: 'result-folder', text: hit.folder }),
      el('span', { className: 'result-lang', text: hit.lang }),
      el('span', { className: 'result-score', text: hit.scoreLabel, title: hit.scoreTitle }),
    ),
    ...(hit.title ? [el('div', { className: 'result-title', text: hit.title, title: hit.title })] : []),
    snippetNode(hit),
  );
  li.id = `result-${i}`;
  li.setAttribute('role', 'option');
  li.setAttribute('aria-selected', 'false');
  li.dataset.path = hit.path;
  li.dataset.line = String(hit.line);
  li.title = `${hit.folder ? hit.folder + '/' : ''}${hit.fileName}:${hit.line}`;
  return li;
}

function actionButton(label: string, command: ViewCommand): HTMLButtonElement {
  const b = el('button', { text: label });
  b.addEventListener('click', () => post({ type: 'command', command }));
  return b;
}

/**
 * Shows `next` as the results. A refresh of the same query (the index changed) keeps the selected
 * result selected, so keyboard navigation is not lost.
 */
function showResults(next: ViewHit[], forQuery: string): void {
  const key = (h: ViewHit) => `${h.path}:${h.line}`;
  const keep = forQuery === shownQuery && selected >= 0 ? key(hits[selected]) : undefined;
  hits = next;
  shownQuery = forQuery;
  results.replaceChildren(...hits.map(resultNode));
  selected = -1;
  query.removeAttribute('aria-activedescendant');
  const again = keep ? hits.findIndex((h) => key(h) === keep) : -1;
  if (again >= 0) select(again);
  renderStatus();
}

/** The progress bar and the status line: what the results are, and the index state when it matters. */
function renderStatus(): void {
  const s = state;
  const bar = progress.firstElementChild as HTMLElement;
  progress.hidden = s?.progress === undefined;
  bar.style.width = `${Math.round((s?.progress ?? 0) * 100)}%`;
  status.replaceChildren();
  status.className = s?.phase ?? '';
  const q = query.value.trim();
  if (q && lastResult) {
    const { count, ms } = lastResult;
    const line = count === 1
      ? (strings?.oneResult ?? '').replace('{0}', String(Math.round(ms)))
      : (strings?.resultsCount ?? '').replace('{0}', String(count)).replace('{1}', String(Math.round(ms)));
    status.append(count ? line : (strings?.noResults ?? ''));
    if (lastResult.hint) status.append(el('div', { className: 'hint', text: lastResult.hint }));
  }
  // The index state matters whenever it is not simply "ready": say it even beside results.
  if (s && (s.phase !== 'ready' || !s.hasChunks || s.fullTextOnly || !q)) {
    status.append(el('div', { className: 'state', text: s.message }));
    if (s.phase === 'paused') status.append(actionButton(strings?.resume ?? '', 'resumeIndexing'));
    if (s.phase === 'error') status.append(actionButton(strings?.reindex ?? '', 'reindex'));
    if (s.phase === 'model-missing' || s.fullTextOnly) status.append(actionButton(strings?.chooseModel ?? '', 'selectModelFolder'));
  }
}

function applyStrings(s: ViewStrings): void {
  strings = s;
  query.placeholder = s.placeholder;
  (mdLabel.lastChild as HTMLElement).textContent = s.markdown;
  (commentLabel.lastChild as HTMLElement).textContent = s.comments;
}

function applyFolders(folders: string[]): void {
  folderSelect.hidden = folders.length < 2;
  const current = folderSelect.value || saved.folder;
  folderSelect.replaceChildren(el('option', { text: strings?.allFolders ?? '' }), ...folders.map((f) => el('option', { text: f })));
  (folderSelect.firstChild as HTMLOptionElement).value = '';
  folderSelect.value = folders.includes(current) ? current : '';
}

window.addEventListener('message', (event: MessageEvent<HostToView>) => {
  const m = event.data;
  switch (m.type) {
    case 'init':
      applyStrings(m.strings);
      state = m.state;
      applyFolders(m.state.folders);
      renderStatus();
      if (query.value.trim()) search();
      break;
    case 'state': {
      const wasReady = state?.phase === 'ready';
      state = m.state;
      applyFolders(m.state.folders);
      if (!wasReady && m.state.phase === 'ready' && query.value.trim()) search(); // fresh results once indexed
      else renderStatus();
      break;
    }
    case 'results':
      if (m.requestId < requestId) return; // stale: the user typed on
      shownRequest = m.requestId;
      lastResult = { count: m.hits.length, ms: m.ms, hint: m.hint };
      showResults(m.hits, m.query);
      break;
    case 'error':
      if (m.requestId < requestId) return;
      lastResult = undefined;
      showResults([], '');
      status.prepend(el('div', { className: 'error', text: m.message }));
      break;
    case 'setQuery':
      query.value = m.query;
      query.focus();
      schedule(0);
      break;
  }
});

query.focus();
window.addEventListener('focus', () => query.focus());
post({ type: 'ready' });
