/// <reference types="mocha" />
// Search for agents in the real VS Code: the chat tools through vscode.lm (listed, invoked as a chat would), and
// the MCP server the extension offers to MCP clients, started as VS Code starts it and asked through the MCP
// SDK's own client. Both answer from the index the panel uses.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { TOOL_NAMES } from '../../src/common/agentTools';
import { DATABASE_DOC, DATABASE_QUERY_KO, DEPLOY_COMMENT, DEPLOY_DOC_KO, DEPLOY_SECTION_LINE } from '../host/fixtureFacts';
import { activateAndIndex, type SemanticSearchApi } from './support';

/** The text of a tool's result (its text parts, joined). */
function textOf(result: vscode.LanguageModelToolResult): string {
  return result.content.map((part) => (part instanceof vscode.LanguageModelTextPart ? part.value : '')).join('');
}

const invoke = async (name: string, input: object) =>
  textOf(await vscode.lm.invokeTool(name, { input, toolInvocationToken: undefined }, new vscode.CancellationTokenSource().token));

/** The place of the first passage of an answer: "1. [path:lines](…)". */
const firstPlace = (text: string) => text.match(/^1\. \[([^\]:]+):/m)?.[1];

suite('Search for agents', () => {
  let api: SemanticSearchApi;

  suiteSetup(async function () {
    this.timeout(120_000);
    api = await activateAndIndex();
  });

  test('lists its chat tools, referencable as #semanticSearch', () => {
    const tools = vscode.lm.tools.filter((t) => t.name.startsWith('semanticSearch_'));
    assert.deepEqual(tools.map((t) => t.name).sort(), [TOOL_NAMES.findSimilar, TOOL_NAMES.search].sort());
    const search = tools.find((t) => t.name === TOOL_NAMES.search)!;
    assert.match(search.description, /across languages/);
    assert.deepEqual((search.inputSchema as { required: string[] }).required, ['query']);
  });

  test('the search tool answers a Korean question with the English section first, linked to its file and line', async () => {
    const text = await invoke(TOOL_NAMES.search, { query: DATABASE_QUERY_KO, limit: 3 });
    assert.equal(firstPlace(text), DATABASE_DOC, text);
    const url = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, DATABASE_DOC).toString();
    assert.ok(text.includes(`](${url}#L`) || text.includes(`](${decodeURI(url)}#L`), text);
    assert.match(text, /similarity 0\.\d\d/);
  });

  test('the find-similar tool finds the Japanese comment for the Korean section, not the section itself', async () => {
    const text = await invoke(TOOL_NAMES.findSimilar, { file: DEPLOY_DOC_KO, startLine: DEPLOY_SECTION_LINE, endLine: DEPLOY_SECTION_LINE + 2, limit: 3 });
    assert.equal(firstPlace(text), DEPLOY_COMMENT, text);
    assert.ok(!text.includes(`[${DEPLOY_DOC_KO}:`), text);
  });

  test('bad input gets a sentence, not an exception', async () => {
    assert.match(await invoke(TOOL_NAMES.search, { query: '' }), /"query" is empty/);
    assert.match(await invoke(TOOL_NAMES.search, { query: 'x', limit: 'ten' }), /"limit" must be a number/);
    assert.match(await invoke(TOOL_NAMES.findSimilar, { file: '../../etc/passwd', startLine: 1 }), /is not a file of this workspace/);
    assert.match(await invoke(TOOL_NAMES.findSimilar, { file: 'no/such/file.md', startLine: 1 }), /no/);
  });

  test('offers an MCP server whose command exists and answers from the same index', async function () {
    this.timeout(60_000);
    const server = api.mcpServer();
    assert.ok(server, 'no MCP server offered while the model is there');
    assert.ok(existsSync(server.command), server.command);
    assert.ok(existsSync(server.args[0]), server.args[0]);
    const client = new Client({ name: 'integration-test', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: server.command, args: server.args, env: { ...process.env, ...server.env } as Record<string, string>, stderr: 'pipe' }));
    try {
      const result = await client.callTool({ name: 'search', arguments: { query: DATABASE_QUERY_KO, limit: 3 } });
      const text = (result.content as { type: string; text: string }[]).map((c) => c.text).join('');
      assert.match(text, new RegExp(`^1\\. ${DATABASE_DOC.replace('.', '\\.')}:`, 'm'), text);
    } finally {
      await client.close();
    }
  });

  test('says the index is empty while it is cleared and paused, then answers again', async function () {
    this.timeout(120_000);
    await vscode.commands.executeCommand('semanticSearch.pauseIndexing');
    try {
      await vscode.commands.executeCommand('semanticSearch.clearIndex');
      assert.match(await invoke(TOOL_NAMES.search, { query: DATABASE_QUERY_KO }), /The index is empty and indexing is paused/);
    } finally {
      await vscode.commands.executeCommand('semanticSearch.resumeIndexing');
    }
    await api.whenIndexed();
    assert.equal(firstPlace(await invoke(TOOL_NAMES.search, { query: DATABASE_QUERY_KO })), DATABASE_DOC);
  });
});
