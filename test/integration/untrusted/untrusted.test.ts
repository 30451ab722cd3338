/// <reference types="mocha" />
// Restricted Mode (test/host/fixture.ts, prepareUntrustedWorkspace): the workspace's own settings name a
// model folder inside it. The extension still searches, but only with the model the user's settings name:
// a workspace the user has not trusted cannot choose what onnxruntime loads.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { DATABASE_DOC, DATABASE_QUERY_KO } from '../../host/fixtureFacts';
import { activateAndIndex, EXTENSION_ID, type SemanticSearchApi } from '../support';

suite('Restricted Mode', () => {
  let api: SemanticSearchApi;

  suiteSetup(async function () {
    this.timeout(120_000);
    api = await activateAndIndex();
  });

  test('runs in an untrusted workspace', () => {
    assert.equal(vscode.workspace.isTrusted, false);
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID)?.isActive);
  });

  test('ignores the model folder the workspace settings name', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const own = JSON.parse(Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, '.vscode/settings.json'))).toString());
    assert.match(own['semanticSearch.modelPath'], /[/\\]model$/, 'the workspace does name a model folder');
    assert.match(vscode.workspace.getConfiguration('semanticSearch').get<string>('modelPath') ?? '', /test[/\\]models[/\\]concept$/);
    const info = await api.info();
    assert.ok(info.model && info.model.dim > 0, `model in use: ${JSON.stringify(info.model)}`);
    assert.equal(info.storeProblem, undefined);
  });

  test('finds the English section for a Korean question with the user\'s model', async () => {
    const { hits } = await api.search(DATABASE_QUERY_KO);
    assert.equal(hits[0]?.path, DATABASE_DOC, `ranking: ${hits.map((h) => h.path).join(', ')}`);
    assert.ok(hits[0].similarity !== undefined, 'ranked by meaning, not by words only');
  });
});
