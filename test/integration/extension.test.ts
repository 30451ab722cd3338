/// <reference types="mocha" />
// The extension in a real VS Code extension host, against the fixture workspace and the concept test model
// (see test/host/fixture.ts for which file answers which query). Only the public surface is used: the API
// that activate() returns, the commands and the settings.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { IndexInfo, IndexSummary, SearchHit, SearchOptions, SearchResult } from '../../src/common/protocol/engine';
import { DATABASE_DOC, DATABASE_QUERY_KO, IGNORED_DOC } from '../host/fixtureFacts';

const EXTENSION_ID = 'semantic-search.multilingual-semantic-search';

/** What activate() returns (the contract of src/vscode/extension.ts). */
interface SemanticSearchApi {
  whenIndexed(): Promise<IndexSummary | undefined>;
  search(query: string, options?: SearchOptions): Promise<SearchResult>;
  info(): Promise<IndexInfo>;
}

const COMMANDS = ['search', 'findSimilar', 'reindex', 'pauseIndexing', 'resumeIndexing', 'clearIndex', 'showIndexInfo']
  .map((c) => `semanticSearch.${c}`);

/** File changes reach the index through a watcher and a debounce: poll for the outcome instead of sleeping. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
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
    await new Promise((r) => setTimeout(r, 250));
  }
}

const paths = (hits: SearchHit[]) => hits.map((h) => h.path);

suite('Multilingual Semantic Search', () => {
  let api: SemanticSearchApi;
  let root: vscode.Uri;
  const uri = (rel: string) => vscode.Uri.joinPath(root, ...rel.split('/'));
  const config = () => vscode.workspace.getConfiguration('semanticSearch');
  /** Hits for a query with no score cut-off, so "not found" means "not in the index". */
  const everything = (query: string) => api.search(query, { minScore: -1, limit: 100 }).then((r) => r.hits);

  suiteSetup(async function () {
    this.timeout(120_000);
    const extension = vscode.extensions.getExtension<SemanticSearchApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not installed`);
    api = await extension.activate();
    root = vscode.workspace.workspaceFolders![0].uri;
    await api.whenIndexed();
  });

  suiteTeardown(async () => {
    for (const key of ['exclude', 'maxResults', 'minScore']) await config().update(key, undefined, vscode.ConfigurationTarget.Workspace);
  });

  test('activates and returns its API', () => {
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID)?.isActive);
    for (const method of ['whenIndexed', 'search', 'info'] as const) assert.equal(typeof api[method], 'function', method);
  });

  test('registers its commands', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(COMMANDS.filter((c) => !registered.has(c)), [], 'missing commands');
  });

  test('indexes the workspace with the configured model', async () => {
    const info = await api.info();
    assert.ok(info.files >= 6, `only ${info.files} files indexed`);
    assert.ok(info.model, 'no model in the index info');
  });

  test('a Korean question finds the English section first', async () => {
    const { hits } = await api.search(DATABASE_QUERY_KO);
    assert.ok(hits.length > 0, 'no hits');
    assert.equal(hits[0].path, DATABASE_DOC, `ranking: ${paths(hits).join(', ')}`);
    assert.match(hits[0].title, /Configure the database connection/);
  });

  test('does not index git-ignored files', async () => {
    await vscode.workspace.fs.stat(uri(IGNORED_DOC)); // it is there…
    const hits = await everything(DATABASE_QUERY_KO);
    assert.ok(!paths(hits).some((p) => p.startsWith('ignored/')), `…but must not be found: ${paths(hits).join(', ')}`);
  });

  test('indexes a new file and forgets a deleted one', async () => {
    const rel = 'docs/network.md';
    const query = '네트워크 타임아웃 때문에 요청이 실패했습니다'; // network, timeout, request: only in the new file
    await vscode.workspace.fs.writeFile(uri(rel), Buffer.from('# Network\n\n## Network timeout\n\nThe request failed because of a network timeout.\n'));
    await eventually(`${rel} found first`, async () => ((await api.search(query)).hits[0]?.path === rel ? true : undefined));
    await vscode.workspace.fs.delete(uri(rel));
    await eventually(`${rel} gone from the index`, async () => (paths(await everything(query)).includes(rel) ? undefined : true));
  });

  test('re-reads a file edited and saved in the editor', async () => {
    const document = await vscode.workspace.openTextDocument(uri(DATABASE_DOC));
    const edit = new vscode.WorkspaceEdit();
    edit.insert(document.uri, document.lineAt(document.lineCount - 1).range.end, '\n\n## Email notification\n\nSend an email notification to the user.\n');
    assert.ok(await vscode.workspace.applyEdit(edit), 'edit not applied');
    assert.ok(await document.save(), 'not saved');
    const hit = await eventually('the new section found', async () => {
      const first = (await api.search('이메일 알림')).hits[0]; // "email notification"
      return first?.path === DATABASE_DOC && /Email notification/.test(first.title) ? first : undefined;
    });
    assert.ok(hit.startLine > 10, `new section at line ${hit.startLine}`);
  });

  test('respects semanticSearch.exclude', async () => {
    const query = '비밀번호 캐시'; // "password cache": src/cache.py
    assert.equal((await api.search(query)).hits[0]?.path, 'src/cache.py');
    await config().update('exclude', ['src/**'], vscode.ConfigurationTarget.Workspace);
    await eventually('no hits under src/', async () => (paths(await everything(query)).some((p) => p.startsWith('src/')) ? undefined : true));
    await config().update('exclude', undefined, vscode.ConfigurationTarget.Workspace);
    await eventually('src/cache.py back', async () => ((await api.search(query)).hits[0]?.path === 'src/cache.py' ? true : undefined));
  });

  test('limits the result count to semanticSearch.maxResults', async () => {
    // (nearly) every chunk scores at least 0 here, so only the setting limits the count
    await config().update('minScore', 0, vscode.ConfigurationTarget.Workspace);
    const before = (await api.search(DATABASE_QUERY_KO)).hits.length;
    assert.ok(before > 2, `only ${before} hits without a limit`);
    await config().update('maxResults', 2, vscode.ConfigurationTarget.Workspace);
    const { hits } = await api.search(DATABASE_QUERY_KO);
    assert.equal(hits.length, 2, `${hits.length} hits with maxResults 2`);
    assert.equal(hits[0].path, DATABASE_DOC);
  });

  test('pauses indexing, and catches up on resume', async () => {
    const rel = 'docs/paused.md';
    const query = '메모리 성능 테스트'; // memory, performance, test: only in the new file
    await vscode.commands.executeCommand('semanticSearch.pauseIndexing');
    try {
      await vscode.workspace.fs.writeFile(uri(rel), Buffer.from('# Memory\n\nThe memory performance test.\n'));
      await new Promise((r) => setTimeout(r, 2000)); // longer than the watcher debounce
      assert.ok(!paths(await everything(query)).includes(rel), 'indexed while paused');
    } finally {
      await vscode.commands.executeCommand('semanticSearch.resumeIndexing');
    }
    await eventually(`${rel} found after resume`, async () => ((await api.search(query)).hits[0]?.path === rel ? true : undefined));
    await vscode.workspace.fs.delete(uri(rel));
    await eventually(`${rel} gone from the index`, async () => (paths(await everything(query)).includes(rel) ? undefined : true));
  });

  test('clears the index and builds it again', async () => {
    await api.whenIndexed();
    const before = await api.info();
    await vscode.commands.executeCommand('semanticSearch.clearIndex');
    await api.whenIndexed();
    const after = await eventually('the index rebuilt', async () => {
      const info = await api.info();
      return info.chunks === before.chunks ? info : undefined;
    });
    assert.equal(after.files, before.files);
    assert.equal((await api.search(DATABASE_QUERY_KO)).hits[0]?.path, DATABASE_DOC);
  });

  test('shows the index info in the output without failing', async () => {
    await vscode.commands.executeCommand('semanticSearch.showIndexInfo');
  });
});
