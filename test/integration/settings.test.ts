/// <reference types="mocha" />
// Settings as a user may get them wrong in settings.json: a value of the wrong kind or out of range is
// replaced by the default or clamped (src/common/settingsSchema.ts), never passed on as it is.
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { activateAndIndex, eventually, type SemanticSearchApi } from './support';

suite('Settings with invalid values', () => {
  let api: SemanticSearchApi;
  const config = () => vscode.workspace.getConfiguration('semanticSearch');
  let big: vscode.Uri;
  const NAME = 'big-settings-test.md';

  suiteSetup(async function () {
    this.timeout(120_000);
    api = await activateAndIndex();
    big = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, NAME);
  });

  suiteTeardown(async () => {
    await config().update('maxFileSize', undefined, vscode.ConfigurationTarget.Workspace);
    await rm(big.fsPath, { force: true });
  });

  test('a size limit that is not a number keeps the default limit instead of none', async function () {
    this.timeout(90_000);
    await config().update('maxFileSize', 'unlimited', vscode.ConfigurationTarget.Workspace);
    // Just over the default 1 MB limit (one sentence over and over: embedded once).
    await writeFile(big.fsPath, `# Big\n\n${'The database connection is configured here. '.repeat(25_000)}\n`);
    const outcome = await eventually('the big file skipped or indexed', async () => {
      await api.whenIndexed();
      if ((await api.info()).skipped.some((s) => s.path === NAME)) return 'skipped';
      return (await api.search('database connection', { minScore: -1, limit: 200 })).hits.some((h) => h.path === NAME) ? 'indexed' : undefined;
    }, 60_000);
    assert.equal(outcome, 'skipped');
  });
});
