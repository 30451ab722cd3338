import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { AgentIndexState, AgentWorkspace } from '../common/agentTools';
import type { IndexInfo, SearchOptions, SearchResult } from '../common/protocol/engine';
import type { WorkerClient } from '../common/protocol/workerClient';
import { decodeText } from './files/decode';
import { readFileCapped } from './files/readFile';

/** The most a file read for Find Similar may hold: the indexing default, so any indexed file can be read. */
const MAX_READ_BYTES = 1024 * 1024;

/**
 * The agent tools' view (src/common/agentTools.ts) of an index served by an engine worker, for the MCP server:
 * the roots are those the index was built from, searches go to the worker, and files are read with the same
 * checks as indexing (inside their root, regular files, capped in size).
 */
export class WorkerAgentWorkspace implements AgentWorkspace {
  private info: IndexInfo | undefined;

  /**
   * `indexing()` tells whether an indexing run of this process is going on now; `folders` are the folders it
   * indexes, if any (the roots until its first run has saved them in the index).
   */
  constructor(
    private readonly client: WorkerClient,
    private readonly indexing: () => boolean = () => false,
    private readonly folders: readonly string[] = [],
  ) {}

  /** Reads what the index holds again; the tools' answers describe the index as of the last call. */
  async update(): Promise<IndexInfo> {
    this.info = await this.client.call('info', {});
    return this.info;
  }

  roots(): readonly string[] {
    return this.info?.roots.length ? this.info.roots : this.folders;
  }

  // partialWords stays unset: right after a load a search waits for the words, so an answer is the same every time.
  search(query: string, options: SearchOptions): Promise<SearchResult> {
    return this.client.call('search', { query, options });
  }

  async state(): Promise<AgentIndexState> {
    const info = this.info ?? (await this.update());
    return { info, ...(this.indexing() ? { indexing: true } : {}) };
  }

  async readLines(root: string, rel: string, start: number, end: number): Promise<string | { problem: string }> {
    const shown = rel || '.';
    const abs = path.join(root, ...rel.split('/'));
    if ((await fs.stat(abs).catch(() => undefined))?.isDirectory()) return { problem: `${shown} is a folder: name a file and its lines.` };
    const read = await readFileCapped(abs, root, MAX_READ_BYTES);
    if ('reason' in read) return { problem: `${shown} is not a readable file of this workspace (${read.reason}).` };
    const decoded = decodeText(read.bytes);
    if ('reason' in decoded) return { problem: `${shown} is not a readable file of this workspace (${decoded.reason}).` };
    const lines = decoded.text.split(/\r\n|\r|\n/);
    if (start > lines.length) return { problem: `${shown} has ${lines.length} lines: line ${start} is past its end.` };
    return lines.slice(start - 1, end).join('\n');
  }
}
