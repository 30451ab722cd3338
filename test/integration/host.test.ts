/// <reference types="mocha" />
// Checks the test host itself, independently of the extension: the suites run in a Node extension host, the
// fixture workspace is open and the test settings arrived. If this fails, look at the harness, not the
// extension (test/host/, scripts/vscodeHost/, .vscode-test.mjs).
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import { DATABASE_DOC, IGNORED_DOC } from '../host/fixtureFacts';

suite('Test host', () => {
  test('runs in a Node extension host', () => {
    assert.equal(typeof process.versions.node, 'string');
    assert.equal(typeof Worker, 'function'); // the engine runs in a worker thread
  });

  test('opens a copy of the fixture workspace, with the git-ignored file', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'no workspace folder is open');
    for (const rel of [DATABASE_DOC, IGNORED_DOC, '.gitignore']) {
      await vscode.workspace.fs.stat(vscode.Uri.joinPath(folder.uri, rel)); // throws if missing
    }
  });

  test('points semanticSearch.modelPath at the concept test model', async () => {
    const modelPath = vscode.workspace.getConfiguration('semanticSearch').get<string>('modelPath') ?? '';
    assert.match(modelPath, /test[/\\]models[/\\]concept$/);
    await vscode.workspace.fs.stat(vscode.Uri.file(`${modelPath}/tokenizer.json`));
  });
});
