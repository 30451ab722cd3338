import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import {
  answerSearch, answerSimilar, answerStatus, INPUT_SCHEMAS, MCP_NAMES, TOOL_DESCRIPTIONS, type AgentAnswer,
} from '../common/agentTools';
import { EngineError } from '../common/errors';
import type { IndexOptions } from '../common/protocol/engine';
import type { WorkerClient } from '../common/protocol/workerClient';
import { WorkerAgentWorkspace } from './agentWorkspace';

/*
 * The MCP server (`semantic-search mcp`): the agent tools of src/common/agentTools.ts over stdio, for any MCP
 * client (a terminal coding agent, another editor). It serves the index of one store through the same engine
 * worker as the CLI and the extension. Stdout carries the protocol and nothing else; logs go to stderr.
 *
 * - Before each tool call the worker takes up a newer index another process saved (`refresh`: one read of
 *   the manifest when nothing changed), so an editor's or a CLI run's saves are answered from without a restart.
 * - With folders to keep current, it runs `index` on them at start and then every `intervalMs`, as the store's
 *   writer when it can take the lock, and lets the lock go between runs so that an editor opened on the same
 *   store becomes its writer (the server then only reads that editor's saves). Searches are answered during a
 *   run (the worker never queues them behind one).
 */

/** How often the folders are indexed again, by default. */
export const DEFAULT_INTERVAL_MS = 30_000;

declare const __SEMANTIC_SEARCH_VERSION__: string | undefined;
/** Defined by the build (esbuild.mjs) from package.json. */
const VERSION = typeof __SEMANTIC_SEARCH_VERSION__ === 'string' ? __SEMANTIC_SEARCH_VERSION__ : '0.0.0-dev';

export interface McpOptions {
  /** Folders to index and keep current (absolute); none: the server never writes the store. */
  folders: string[];
  /** Which files of the folders to read. */
  indexOptions?: IndexOptions;
  /** How often to index the folders again (ms). */
  intervalMs?: number;
  /** Where to say what happens (stderr). */
  log: (message: string) => void;
}

/** What tools/list gives: the names, descriptions and input schemas every agent tool of this project shares. */
const TOOLS: Tool[] = [
  { name: MCP_NAMES.search, title: 'Semantic search', description: TOOL_DESCRIPTIONS.search, inputSchema: INPUT_SCHEMAS.search },
  { name: MCP_NAMES.findSimilar, title: 'Find similar passages', description: TOOL_DESCRIPTIONS.findSimilar, inputSchema: INPUT_SCHEMAS.findSimilar },
  { name: MCP_NAMES.status, title: 'Semantic index status', description: TOOL_DESCRIPTIONS.status, inputSchema: INPUT_SCHEMAS.status },
].map((t) => ({ ...structuredClone(t) as Tool, annotations: { readOnlyHint: true, openWorldHint: false } }));

/**
 * Serves MCP over stdio with the engine worker behind `client` until stdin ends or the process is asked to stop
 * (SIGTERM, SIGINT); resolves then, once the transport is closed. The caller stops the worker.
 */
export async function serveMcp(client: WorkerClient, o: McpOptions): Promise<void> {
  const keeper = o.folders.length ? new FolderKeeper(client, o) : undefined;
  const ws = new WorkerAgentWorkspace(client, () => keeper?.running ?? false, o.folders);
  let syncing: Promise<void> | undefined;
  // Concurrent calls share one refresh and one info: ten parallel calls cost the worker one manifest read.
  const sync = () => (syncing ??= (async () => {
    await client.call('refresh', {});
    await ws.update();
  })().finally(() => { syncing = undefined; }));

  const server = new Server(
    { name: 'semantic-search', title: 'Multilingual Semantic Search', version: VERSION },
    { capabilities: { tools: {} }, jsonSchemaValidator: noSchemaValidator },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: TOOLS }));
  server.setRequestHandler(CallToolRequestSchema, async ({ params }) => {
    const run = toolOf(params.name);
    // The model loads once; a server whose model cannot load still answers, with the reason.
    try {
      await client.ready;
      await sync();
      return toResult(await run(ws, params.arguments));
    } catch (e) {
      if (e instanceof McpError) throw e;
      if (!(e instanceof EngineError)) o.log(`Unexpected error in ${params.name}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      return { content: [{ type: 'text', text: e instanceof EngineError ? e.message : 'The search failed unexpectedly; the server log (stderr) has the details.' }], isError: true };
    }
  });
  server.onerror = (e) => o.log(`MCP: ${e.message}`);

  const transport = new StdioServerTransport();
  const ended = new Promise<void>((resolve) => {
    // The transport does not watch for the end of stdin itself: a client that goes away closes it.
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
    server.onclose = resolve;
  });
  await server.connect(transport);
  client.ready.catch((e: Error) => o.log(`${e.message} Every tool call answers with this until the server is started again.`));
  keeper?.start();
  await ended;
  keeper?.stop();
  await server.close().catch(() => undefined);
}

/**
 * The SDK validates JSON Schema only for what a server asks its client to fill in (elicitation), which this one
 * never does; its default validator (Ajv) is left out of the bundle (esbuild.mjs).
 */
const noSchemaValidator: jsonSchemaValidator = {
  getValidator: () => () => ({ valid: false, data: undefined, errorMessage: 'This server asks its client for no input.' }),
};

type ToolRun = (ws: WorkerAgentWorkspace, input: unknown) => Promise<AgentAnswer>;

/** The tool named `name`, or the MCP error for a name this server does not have. */
function toolOf(name: string): ToolRun {
  switch (name) {
    case MCP_NAMES.search: return answerSearch;
    case MCP_NAMES.findSimilar: return answerSimilar;
    case MCP_NAMES.status: return (ws, input) => {
      if (input !== undefined && (typeof input !== 'object' || input === null || Object.keys(input).length)) {
        throw new McpError(ErrorCode.InvalidParams, `${MCP_NAMES.status} takes no input.`);
      }
      return answerStatus(ws);
    };
    default: throw new McpError(ErrorCode.InvalidParams, `Unknown tool "${name}": this server has ${Object.values(MCP_NAMES).join(', ')}.`);
  }
}

/**
 * An answer as MCP gives it: its text for the model. Malformed input is the caller's mistake (an MCP error);
 * an index that cannot answer yet is a result the model reads (isError). The hits are not sent as
 * `structuredContent`: there is no output schema for them, and clients that prefer structured content would
 * then show the model the bare list instead of the text with its snippets and notes.
 */
function toResult(answer: AgentAnswer): CallToolResult {
  if (answer.problem === 'input') throw new McpError(ErrorCode.InvalidParams, answer.text);
  return { content: [{ type: 'text', text: answer.text }], ...(answer.problem === 'index' ? { isError: true } : {}) };
}

/**
 * Keeps the index of the folders current when no editor does: a run at start, then one every interval. A timer
 * rather than a file watcher: the editor, when one is open on the store, watches already, and a run on an
 * unchanged tree only compares sizes and times (recursive fs.watch costs a watch per folder on Linux and misses
 * events under load anyway, so a periodic scan would still be needed).
 */
class FolderKeeper {
  running = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private toldLocked = false;

  constructor(private readonly client: WorkerClient, private readonly o: McpOptions) {}

  start(): void {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    this.running = true;
    try {
      await this.client.ready;
      const s = await this.client.call('index', { roots: this.o.folders, options: this.o.indexOptions ?? {} });
      this.toldLocked = false;
      if (s.read || s.removed) this.o.log(`Indexed ${s.files} files (${s.read} read, ${s.removed} removed), ${s.chunks} passages, in ${(s.ms / 1000).toFixed(1)} s.`);
    } catch (e) {
      const code = e instanceof EngineError ? e.code : undefined;
      if (code === 'store-locked') {
        if (!this.toldLocked) this.o.log(`${(e as Error).message} This server answers from its saves, and indexes again once it ends.`);
        this.toldLocked = true;
      } else if (code !== 'cancelled' && code !== 'worker-exited') {
        this.o.log(`Indexing failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    } finally {
      this.running = false;
    }
    // Between runs an editor opened on the same store may become its writer.
    await this.client.call('releaseLock', {}).catch(() => undefined);
    if (!this.stopped) this.timer = setTimeout(() => void this.run(), this.o.intervalMs ?? DEFAULT_INTERVAL_MS);
  }
}
