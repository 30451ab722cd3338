import path from 'node:path';
import * as vscode from 'vscode';
import type { EngineHost } from './engineHost';
import type { Indexer } from './indexer';
import type { ActiveModel } from './model/activeModel';

/** The id of `contributes.mcpServerDefinitionProviders` in package.json. */
export const MCP_PROVIDER_ID = 'semanticSearch.mcp';

/** How to start the MCP server on this workspace's index: the bundled CLI's `mcp` command. */
export interface McpCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/**
 * Offers the MCP server (dist/cli.js mcp, src/node/mcp.ts) to the MCP clients inside VS Code, on the index
 * this window keeps and the model it uses, so they find it without configuration. The server opens the index
 * read-only and takes up this window's saves. There is none to offer while there is no model.
 */
export class McpServerDefinitions implements vscode.McpServerDefinitionProvider<vscode.McpStdioServerDefinition>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeMcpServerDefinitions = this.changed.event;
  private offered: string | undefined;
  private readonly listener: vscode.Disposable;

  constructor(
    private readonly extension: { path: string; version: string },
    private readonly host: EngineHost,
    private readonly model: ActiveModel,
    indexer: Indexer,
  ) {
    this.offered = this.key();
    // The model is resolved, or changed, before the indexer's next state: the definition follows it.
    this.listener = indexer.onDidChange(() => {
      if (this.key() === this.offered) return;
      this.offered = this.key();
      this.changed.fire();
    });
  }

  /** The command that runs the server in the editor (its own Node), or undefined without a model. */
  command(): McpCommand | undefined {
    const model = this.model.current;
    if (!('dir' in model)) return undefined;
    return {
      command: process.execPath,
      args: [path.join(this.extension.path, 'dist', 'cli.js'), 'mcp', '--store', this.host.storeDir, '--model', model.dir],
      // The editor's executable runs scripts as Node with this (the Node of code-server ignores it).
      env: { ELECTRON_RUN_AS_NODE: '1' },
    };
  }

  /** The same command for a terminal or another MCP client's settings, with any Node ≥ 20. */
  commandLine(): string | undefined {
    const c = this.command();
    return c && ['node', ...c.args].map(quote).join(' ');
  }

  provideMcpServerDefinitions(): vscode.McpStdioServerDefinition[] {
    const c = this.command();
    return c ? [new vscode.McpStdioServerDefinition(vscode.l10n.t('Semantic Search'), c.command, c.args, c.env, this.extension.version)] : [];
  }

  private key(): string | undefined {
    return this.command()?.args.join('\0');
  }

  dispose(): void {
    this.listener.dispose();
    this.changed.dispose();
  }
}

/** A word for a POSIX shell or PowerShell: as it is when it needs no quotes, otherwise in double quotes. */
function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `"${word.replace(/(["\\$`])/g, '\\$1')}"`;
}
