import path from 'node:path';
import * as vscode from 'vscode';
import type { ViewCommand } from '../common/protocol/webview';
import { EngineHost } from './engineHost';
import { Indexer } from './indexer';
import { ActiveModel } from './model/activeModel';
import { ModelManager, type ModelResolution } from './model/modelManager';
import { McpServerDefinitions } from './mcpServer';
import { SearchViewProvider } from './searchView';
import { readSettings } from './settings';

/** The long-lived parts of the extension, made once by activate() and shared by its commands and listeners. */
export interface ExtensionParts {
  /** The "Semantic Search" log. */
  log: vscode.LogOutputChannel;
  models: ModelManager;
  model: ActiveModel;
  host: EngineHost;
  indexer: Indexer;
  view: SearchViewProvider;
  /** The MCP server on this index, as offered to MCP clients. */
  mcp: McpServerDefinitions;
}

/** The parts that run the engine (all but the panel, which runs some of their commands). */
type EngineParts = Omit<ExtensionParts, 'view' | 'mcp'>;

export function createParts(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): ExtensionParts {
  const storeDir = path.join((context.storageUri ?? context.globalStorageUri).fsPath, 'index');
  const models = new ModelManager(context, log);
  const model = new ActiveModel(models);
  const host = new EngineHost(context.extensionPath, storeDir, log, () => {
    const { threads, device } = readSettings();
    return { model: model.current, threads, device };
  });
  const indexer = new Indexer(host, log);
  const engine: EngineParts = { log, models, model, host, indexer };
  const view = new SearchViewProvider(context.extensionUri, host, indexer, log, (command: ViewCommand) => runViewCommand(engine, command), () => model.note());
  const mcp = new McpServerDefinitions({ path: context.extensionPath, version: String(context.extension.packageJSON.version) }, host, model, indexer);
  return { ...engine, view, mcp };
}

/** Resolves the model (downloading it if allowed) and, when it changed, restarts the worker on it. */
export async function useModel(parts: EngineParts, allowDownload: boolean): Promise<ModelResolution> {
  const { resolution, changed } = await parts.model.resolve(allowDownload);
  if (changed) await restartWorker(parts);
  parts.indexer.refresh();
  return resolution;
}

/** A new worker (another model, other threads, a trusted workspace), which then catches up with the workspace. */
export async function restartWorker({ host, indexer }: EngineParts): Promise<void> {
  indexer.cancelRun();
  await host.restart();
  indexer.requestFull();
}

/** The panel's buttons: the commands it may run (VIEW_COMMANDS), and the model download. */
function runViewCommand(parts: EngineParts, command: ViewCommand): void {
  if (command === 'downloadModel') {
    void useModel(parts, true);
    return;
  }
  const commandIds: Record<Exclude<ViewCommand, 'downloadModel'>, string> = {
    reindex: 'semanticSearch.reindex',
    resumeIndexing: 'semanticSearch.resumeIndexing',
    openSettings: 'workbench.action.openSettings',
    selectModelFolder: 'semanticSearch.selectModelFolder',
  };
  void vscode.commands.executeCommand(commandIds[command], ...(command === 'openSettings' ? ['semanticSearch'] : []));
}
