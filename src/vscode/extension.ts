import * as vscode from 'vscode';
import type { IndexInfo, IndexSummary, SearchOptions, SearchResult } from '../common/protocol/engine';
import { registerCommands, setPausedContext } from './commands';
import { registerAgentTools } from './agentTools';
import { EffortFollower } from './idleEffort';
import { followSettings, followWorkspace } from './liveIndex';
import { MCP_PROVIDER_ID, type McpCommand } from './mcpServer';
import { createParts, useModel, type ExtensionParts } from './parts';
import { SEARCH_VIEW_ID } from './searchView';
import { readSettings, reportSettingProblemsTo, searchMode } from './settings';
import { StatusBar } from './statusBar';

/** What the extension gives other extensions and its integration tests. */
export interface SemanticSearchApi {
  /** Resolves when indexing has caught up with the workspace, with the last run's summary. */
  whenIndexed(): Promise<IndexSummary | undefined>;
  /** Searches with the user's settings (result count, minimum score, ranking); `options` override them. */
  search(query: string, options?: SearchOptions): Promise<SearchResult>;
  info(): Promise<IndexInfo>;
  /** How the MCP server on this index is started (as offered to MCP clients), or undefined without a model. */
  mcpServer(): McpCommand | undefined;
}

export function activate(context: vscode.ExtensionContext): SemanticSearchApi {
  const log = vscode.window.createOutputChannel(vscode.l10n.t('Semantic Search'), { log: true });
  reportSettingProblemsTo(log);
  const parts = createParts(context, log);
  const { models, indexer, view, host, model, mcp } = parts;
  stopHost = () => host.dispose();
  context.subscriptions.push(
    log, models, indexer, view, new StatusBar(indexer, () => model.note()),
    // Before the first worker starts, so that it hears whether the editor is idle.
    new EffortFollower(host, () => readSettings().threads === 'auto', log),
    vscode.window.registerWebviewViewProvider(SEARCH_VIEW_ID, view),
    ...registerCommands(parts),
    ...registerAgentTools(parts),
    mcp, vscode.lm.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, mcp),
    ...followWorkspace(parts),
    ...followSettings(parts),
  );
  setPausedContext(false);
  void start(parts);
  return api(parts);
}

/**
 * The model on disk is found first (a quick check), so the index is opened with the right model; only then,
 * if there is none, is it downloaded while full-text search already works.
 */
async function start(parts: ExtensionParts): Promise<void> {
  const found = await useModel(parts, false);
  parts.indexer.requestFull();
  if ('missing' in found && !readSettings().modelPath) await useModel(parts, true);
}

function api({ host, indexer, mcp }: ExtensionParts): SemanticSearchApi {
  return {
    whenIndexed: async () => {
      await indexer.whenIdle();
      return indexer.summary;
    },
    search: async (query, options) => {
      const s = readSettings();
      return host.client().call('search', { query, options: { limit: s.maxResults, minScore: s.minScore, mode: searchMode(s), ...options } });
    },
    info: async () => host.client().call('info', {}),
    mcpServer: () => mcp.command(),
  };
}

let stopHost: (() => Promise<void>) | undefined;

/** Shuts the worker down by message and waits for it: VS Code awaits this before ending the extension host. */
export async function deactivate(): Promise<void> {
  await stopHost?.();
}
