/// <reference types="mocha" />
// With threads 'auto', what the search worker is told about the editor in a real extension host: half the cores
// while someone types or moves the selection, all of them once the editor has been idle for a while, the
// current effort again to a restarted worker, and nothing at all with a fixed thread count. The worker is the
// real one, started through a file that also writes down each setEffort request it receives.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { Threads } from '../../src/common/protocol/worker';
import { EngineHost } from '../../src/vscode/engineHost';
import { EffortFollower } from '../../src/vscode/idleEffort';
import { EXTENSION_ID, eventually, sleep } from './support';

/** Shortened from IDLE_AFTER_MS (5 s) so that the suite does not wait. */
const IDLE_AFTER_MS = 600;

suite('Idle effort', () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'semantic-search-idle-'));
  const log = vscode.window.createOutputChannel('Semantic Search (idle effort test)', { log: true });
  const extensionPath = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
  const modelDir = vscode.workspace.getConfiguration('semanticSearch').get<string>('modelPath')!;

  suiteTeardown(() => {
    log.dispose();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** An extension folder whose dist/worker.js is the real worker, writing each effort it is told into `told`. */
  function recordingWorker(name: string): { extension: string; told: () => string[] } {
    const extension = path.join(scratch, name);
    const file = path.join(scratch, `${name}.told`);
    mkdirSync(path.join(extension, 'dist'), { recursive: true });
    writeFileSync(path.join(extension, 'dist', 'worker.js'), [
      `require('node:worker_threads').parentPort.on('message', (m) => {`,
      `  if (m && m.method === 'setEffort') require('node:fs').appendFileSync(${JSON.stringify(file)}, String(m.params && m.params.effort) + '\\n');`,
      `});`,
      `require(${JSON.stringify(path.join(extensionPath, 'dist', 'worker.js'))});`,
    ].join('\n'));
    return { extension, told: () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []) };
  }

  /** A host and its follower on a recording worker, with `threads`. */
  async function following(name: string, threads: Threads, body: (w: { host: EngineHost; told: () => string[] }) => Promise<void>): Promise<void> {
    const { extension, told } = recordingWorker(name);
    const host = new EngineHost(extension, path.join(scratch, `${name}-store`), log, () => ({ model: { dir: modelDir, source: 'setting' }, threads }));
    const follower = new EffortFollower(host, () => threads === 'auto', log, IDLE_AFTER_MS);
    try {
      await body({ host, told });
    } finally {
      follower.dispose();
      await host.dispose();
    }
  }

  /** Types into an editor of an untitled document (the workspace's files stay as they are). */
  async function typeSomething(editor: vscode.TextEditor): Promise<void> {
    await editor.edit((edit) => edit.insert(editor.document.positionAt(editor.document.getText().length), 'x'));
  }

  test('typing says half the cores, an idle editor all of them, and a restarted worker hears the current effort', async function () {
    this.timeout(60_000);
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ content: 'notes\n' }));
    assert.ok(vscode.window.state.focused, 'the test window has the focus (typing in an unfocused window is not activity)');
    await following('auto', 'auto', async ({ host, told }) => {
      await typeSomething(editor);
      await host.client().ready;
      // The new worker hears the effort at once: someone just typed, so half.
      await eventually('the new worker told half the cores', async () => (told()[0] === 'half' ? true : undefined));
      await eventually('all the cores once nobody has typed for a while', async () => (told().at(-1) === 'all' ? true : undefined));
      await typeSomething(editor);
      await eventually('half the cores again at the first keystroke', async () => (told().at(-1) === 'half' ? true : undefined));
      await eventually('all the cores again after the wait', async () => (told().at(-1) === 'all' ? true : undefined));
      editor.selection = new vscode.Selection(0, 0, 0, 1);
      await eventually('half the cores when the selection moves', async () => (told().at(-1) === 'half' ? true : undefined));
      await eventually('then all of them', async () => (told().at(-1) === 'all' ? true : undefined));
      // Only changes are sent: every message differs from the one before.
      const sent = told();
      assert.ok(sent.every((effort, i) => i === 0 || effort !== sent[i - 1]), sent.join(' '));
      const before = sent.length;
      await host.restart();
      await host.client().ready;
      await eventually('the restarted worker told all the cores', async () => (told().length > before ? told().at(-1) : undefined))
        .then((effort) => assert.equal(effort, 'all'));
    });
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  test('with a fixed thread count, the worker is told nothing', async function () {
    this.timeout(60_000);
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ content: 'notes\n' }));
    await following('fixed', 1, async ({ host, told }) => {
      await host.client().ready;
      await typeSomething(editor);
      await sleep(IDLE_AFTER_MS * 3); // idle, then typing again: each would have been sent
      await typeSomething(editor);
      assert.equal((await host.client().call('info', {})).chunks, 0, 'the worker is up and answering');
      assert.deepEqual(told(), []);
    });
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
