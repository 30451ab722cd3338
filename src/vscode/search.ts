import path from 'node:path';
import * as vscode from 'vscode';
import type { SearchHit, SearchResult } from '../common/protocol/engine';
import type { ViewHit } from '../common/protocol/webview';
import type { ChunkKind } from '../common/types';
import type { EngineHost } from './engineHost';
import { formatCount } from './format';
import { readSettings, searchMode } from './settings';

export interface SearchRequest {
  query: string;
  kinds?: ChunkKind[];
  /** Name of a workspace folder to search in, or '' / undefined for all. */
  folder?: string;
  limit?: number;
  /** Hits to ask for beyond the result count (the caller filters some out). */
  extra?: number;
}

/** Searches through the worker with the user's settings (result count, minimum score, hybrid ranking). */
export async function searchWorkspace(host: EngineHost, req: SearchRequest, partialWords = false): Promise<SearchResult> {
  const s = readSettings();
  const root = req.folder ? vscode.workspace.workspaceFolders?.find((f) => f.name === req.folder)?.uri.fsPath : undefined;
  return host.client().call('search', {
    query: req.query,
    options: {
      limit: (req.limit ?? s.maxResults) + (req.extra ?? 0),
      mode: searchMode(s),
      minScore: s.minScore,
      ...(req.kinds?.length ? { kinds: req.kinds } : {}),
      ...(root ? { root } : {}),
      ...(partialWords ? { partialWords } : {}),
    },
  });
}

/**
 * A live search (the panel, the quick pick): answered at once, even while a loaded index's words are still
 * being indexed. `show` gets that answer and, if its word ranking was partial, the complete one after it,
 * unless `stale()` says a newer query came first.
 */
export async function searchLive(host: EngineHost, req: SearchRequest, stale: () => boolean, show: (result: SearchResult) => void): Promise<void> {
  const first = await searchWorkspace(host, req, true);
  if (stale()) return;
  show(first);
  if (!first.wordsPartial) return;
  const complete = await searchWorkspace(host, req);
  if (!stale()) show(complete);
}

/** What a result list says while its word ranking is partial. */
const partialWordsNote = (): string => vscode.l10n.t('Word matches are still being loaded: the order may change in a moment.');

/** What the panel says beside results that are not yet the complete ranking, if anything. */
export function resultNote(result: SearchResult): string | undefined {
  if (result.meanings) {
    return vscode.l10n.t('Meanings are still being embedded ({0} of {1} passages): the others are found by their words.', formatCount(result.meanings.embedded), formatCount(result.meanings.total));
  }
  return result.wordsPartial ? partialWordsNote() : undefined;
}

const LANG_LABELS: Record<string, string> = { en: 'EN', ko: 'KO', ja: 'JA', zh: 'ZH', ru: 'RU' };

/** A hit worded for people: file, folder, line, a percentage that says how close in meaning. */
export function toViewHit(hit: SearchHit): ViewHit {
  const rel = hit.path;
  const folder = path.posix.dirname(rel);
  const similarity = hit.similarity;
  return {
    fileName: path.posix.basename(rel),
    folder: folder === '.' ? '' : folder,
    line: hit.startLine,
    title: hit.title,
    snippet: hit.snippet,
    kind: hit.kind,
    lang: Object.hasOwn(LANG_LABELS, hit.lang) ? LANG_LABELS[hit.lang] : hit.lang.toUpperCase(),
    scoreLabel: similarity !== undefined ? `${Math.round(Math.max(0, similarity) * 100)} %` : vscode.l10n.t('word match'),
    scoreTitle: similarity !== undefined
      ? vscode.l10n.t('Closeness in meaning to your query (cosine similarity): 100 % is the same meaning, below 30 % is rarely related.')
      : vscode.l10n.t('Found by the words of your query: its meaning is not embedded yet, or there is no model.'),
    path: rel,
  };
}

/**
 * Opens a hit at its lines. Only hits the engine returned are ever passed here, and the file must still
 * lie inside a workspace folder: the panel cannot make the editor open arbitrary paths.
 */
export async function openHit(hit: SearchHit, options: { preview?: boolean; preserveFocus?: boolean } = {}): Promise<vscode.TextEditor | undefined> {
  const uri = vscode.Uri.file(path.join(hit.root, ...hit.path.split('/')));
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  const rel = folder && path.relative(folder.uri.fsPath, uri.fsPath);
  // Only a `..` segment leads out of the folder: `..docs` is a folder inside it.
  if (!rel || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) return undefined;
  const start = new vscode.Position(Math.max(0, hit.startLine - 1), 0);
  const editor = await vscode.window.showTextDocument(uri, {
    preview: options.preview ?? false,
    preserveFocus: options.preserveFocus ?? false,
    selection: new vscode.Range(start, start),
  });
  const end = new vscode.Position(Math.max(0, hit.endLine - 1), 0);
  editor.revealRange(new vscode.Range(start, end), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return editor;
}
