import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import {
  answerSearch, answerSimilar, parseSearchInput, parseSimilarInput, TOOL_NAMES, type AgentAnswer, type AgentIndexState, type AgentWorkspace,
} from '../common/agentTools';
import { reportError } from './errors';
import type { ExtensionParts } from './parts';
import { indexOptions, readSettings } from './settings';

/**
 * The search as tools of VS Code's chat (`contributes.languageModelTools`): `#semanticSearch` and Find Similar,
 * answered by the same worker and index as the panel, in the format of src/common/agentTools.ts.
 */
export function registerAgentTools(parts: Pick<ExtensionParts, 'host' | 'indexer' | 'log'>): vscode.Disposable[] {
  const ws = workspaceOf(parts);
  return [
    vscode.lm.registerTool<unknown>(TOOL_NAMES.search, {
      prepareInvocation: ({ input }) => {
        const parsed = parseSearchInput(input);
        return { invocationMessage: parsed.ok ? vscode.l10n.t('Searching the workspace by meaning for "{0}"', parsed.value.query) : vscode.l10n.t('Searching the workspace by meaning') };
      },
      invoke: ({ input }) => answer(parts, () => answerSearch(ws, input, { links: true })),
    }),
    vscode.lm.registerTool<unknown>(TOOL_NAMES.findSimilar, {
      prepareInvocation: ({ input }) => {
        const parsed = parseSimilarInput(input);
        return { invocationMessage: parsed.ok ? vscode.l10n.t('Finding passages similar to {0}:{1}', parsed.value.file, parsed.value.startLine) : vscode.l10n.t('Finding similar passages') };
      },
      invoke: ({ input }) => answer(parts, () => answerSimilar(ws, input, { links: true })),
    }),
  ];
}

/** The tool's result: the answer's text, or, when the engine fails, the sentence the user would see. Never a throw. */
async function answer(parts: Pick<ExtensionParts, 'log'>, run: () => Promise<AgentAnswer>): Promise<vscode.LanguageModelToolResult> {
  let text: string;
  try {
    text = (await run()).text;
  } catch (e) {
    text = reportError(parts.log, 'A chat tool search failed', e);
  }
  return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(text)]);
}

/** The workspace and its index as the tools see them. */
function workspaceOf({ host, indexer }: Pick<ExtensionParts, 'host' | 'indexer'>): AgentWorkspace {
  return {
    roots: () => (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath),
    search: (query, options) => {
      const s = readSettings();
      return host.client().call('search', { query, options: { minScore: s.minScore, ...options } });
    },
    state: async (): Promise<AgentIndexState> => {
      const state = indexer.state;
      if (state.kind === 'no-folder') {
        return { info: emptyInfo(), unavailable: vscode.l10n.t('No folder is open in this window, so there is nothing to search.') };
      }
      const info = await host.client().call('info', {});
      return { info, indexing: state.kind === 'indexing' || state.kind === 'starting', paused: state.kind === 'paused' };
    },
    readLines,
  };
}

function emptyInfo(): AgentIndexState['info'] {
  return { files: 0, chunks: 0, embeddedChunks: 0, vectors: 0, bytesOnDisk: 0, model: undefined, roots: [], skipped: [] };
}

/**
 * Lines of a workspace file: from its editor when it is open (with unsaved edits), otherwise from disk, where
 * only a regular file whose real path is inside its folder, within the size limit, is read.
 */
async function readLines(root: string, rel: string, start: number, end: number): Promise<string | { problem: string }> {
  const abs = path.join(root, ...rel.split('/'));
  const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === abs);
  let text: string;
  if (open) {
    text = open.getText();
  } else {
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(root));
    const read = await readInside(root, abs, (folder && indexOptions(folder).maxFileSize) ?? 1024 * 1024);
    if (typeof read !== 'string') return { problem: vscode.l10n.t('{0} cannot be read: {1}.', rel, read.reason) };
    text = read;
  }
  const lines = text.split(/\r?\n/);
  if (start > lines.length) return { problem: vscode.l10n.t('{0} has only {1} lines.', rel, lines.length) };
  return lines.slice(start - 1, end).join('\n');
}

async function readInside(root: string, abs: string, maxBytes: number): Promise<string | { reason: string }> {
  try {
    const [realRoot, real] = await Promise.all([fs.realpath(root), fs.realpath(abs)]);
    if (!real.startsWith(realRoot + path.sep)) return { reason: vscode.l10n.t('it links outside its workspace folder') };
    const st = await fs.stat(real);
    if (!st.isFile()) return { reason: vscode.l10n.t('it is not a file') };
    if (st.size > maxBytes) return { reason: vscode.l10n.t('it is larger than the size limit') };
    return await fs.readFile(real, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { reason: code === 'ENOENT' ? vscode.l10n.t('there is no such file') : String(code ?? (e as Error).message) };
  }
}
