/// <reference types="mocha" />
// A multi-root workspace (test/host/fixture.ts, prepareMultiRootWorkspace): the fixture folder and `notes`.
// Both folders are indexed, each with its own .gitignore and settings; hits say which folder they are in; a
// search can be limited to one folder; a file created in the second folder is found.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { DATABASE_DOC, DATABASE_QUERY_KO, NOTES_LICENSE_DOC, NOTES_QUERY_JA } from '../../host/fixtureFacts';
import { activateAndIndex, eventually, paths, type SemanticSearchApi } from '../support';

suite('Multi-root workspace', () => {
  let api: SemanticSearchApi;
  let main: vscode.WorkspaceFolder;
  let notes: vscode.WorkspaceFolder;

  suiteSetup(async function () {
    this.timeout(120_000);
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.equal(folders.length, 2, `folders: ${folders.map((f) => f.name).join(', ')}`);
    [main, notes] = folders;
    api = await activateAndIndex();
  });

  test('indexes every folder', async () => {
    const info = await api.info();
    assert.deepEqual([...info.roots].sort(), [main.uri.fsPath, notes.uri.fsPath].sort());
  });

  test('finds answers in either folder and says which one', async () => {
    const license = (await api.search(NOTES_QUERY_JA)).hits[0];
    assert.equal(license?.path, NOTES_LICENSE_DOC);
    assert.equal(license.root, notes.uri.fsPath);
    const database = (await api.search(DATABASE_QUERY_KO)).hits[0];
    assert.equal(database?.path, DATABASE_DOC);
    assert.equal(database.root, main.uri.fsPath);
  });

  test('honours each folder\'s own .gitignore', async () => {
    const hits = (await api.search(NOTES_QUERY_JA, { minScore: -1, limit: 100 })).hits;
    assert.ok(!paths(hits).some((p) => p.startsWith('drafts/')), `notes/drafts/ is git-ignored: ${paths(hits).join(', ')}`);
  });

  test('limits a search to one folder', async () => {
    const hits = (await api.search(DATABASE_QUERY_KO, { root: notes.uri.fsPath, minScore: -1, limit: 100 })).hits;
    assert.ok(hits.length > 0, 'no hits in notes/');
    assert.deepEqual(hits.filter((h) => h.root !== notes.uri.fsPath).map((h) => `${h.root}:${h.path}`), []);
  });

  test('honours a folder\'s own semanticSearch.exclude in that folder only', async () => {
    const config = vscode.workspace.getConfiguration('semanticSearch', notes.uri);
    const inNotes = async () => (await api.search(NOTES_QUERY_JA, { minScore: -1, limit: 100 })).hits.some((h) => h.root === notes.uri.fsPath);
    await config.update('exclude', ['docs/**'], vscode.ConfigurationTarget.WorkspaceFolder);
    try {
      await eventually('notes/docs gone', async () => ((await inNotes()) ? undefined : true));
      assert.equal((await api.search(DATABASE_QUERY_KO)).hits[0]?.path, DATABASE_DOC, 'docs/ of the other folder stays');
    } finally {
      await config.update('exclude', undefined, vscode.ConfigurationTarget.WorkspaceFolder);
    }
    await eventually('notes/docs back', async () => ((await inNotes()) ? true : undefined));
  });

  test('indexes a file created in the second folder', async () => {
    const file = vscode.Uri.joinPath(notes.uri, 'payments.md');
    const query = '결제 마이그레이션'; // payment, migration: only in this file
    await vscode.workspace.fs.writeFile(file, Buffer.from('# Payments\n\n## Payment migration\n\nMigrate the payments table.\n'));
    const hit = await eventually('notes/payments.md found', async () => {
      const first = (await api.search(query)).hits[0];
      return first?.path === 'payments.md' ? first : undefined;
    });
    assert.equal(hit.root, notes.uri.fsPath);
  });
});
