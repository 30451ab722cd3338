// What the integration suites share: the extension's API as they see it, and polling for outcomes.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { IndexInfo, IndexSummary, SearchHit, SearchOptions, SearchResult } from '../../src/common/protocol/engine';

export const EXTENSION_ID = 'semantic-search.multilingual-semantic-search';

/** What activate() returns (the contract of src/vscode/extension.ts). */
export interface SemanticSearchApi {
  whenIndexed(): Promise<IndexSummary | undefined>;
  search(query: string, options?: SearchOptions): Promise<SearchResult>;
  info(): Promise<IndexInfo>;
  mcpServer(): { command: string; args: string[]; env: Record<string, string> } | undefined;
}

/** Activates the extension (if the workspace has not already) and waits for its first index. */
export async function activateAndIndex(): Promise<SemanticSearchApi> {
  const extension = vscode.extensions.getExtension<SemanticSearchApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not installed`);
  const api = await extension.activate();
  await api.whenIndexed();
  return api;
}

/** File changes reach the index through a watcher and a debounce: poll for the outcome instead of sleeping. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`not seen within ${timeoutMs / 1000} s: ${what}${last ? ` (last error: ${last})` : ''}`);
    await sleep(250);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const paths = (hits: SearchHit[]) => hits.map((h) => h.path);
