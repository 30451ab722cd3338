import path from 'node:path';
import * as vscode from 'vscode';
import type { Indexer } from './indexer';
import { restartWorker, useModel, type ExtensionParts } from './parts';
import { MODEL_SETTINGS, RESCAN_SETTINGS, RESTART_SETTINGS } from './settings';

/** After a crash, the rescan that catches up on what the crash interrupted waits this long. */
const CRASH_RESCAN_DELAY_MS = 2000;
/** A branch switch rewrites many files at once: the rescan waits for the checkout to settle. */
const BRANCH_SWITCH_DELAY_MS = 1000;
const SETTINGS_RESCAN_DELAY_MS = 300;

/**
 * Keeps the index in step with the workspace: watcher events and saves name the files to look at again; a
 * branch switch, other folders, a crashed worker or trust granted rescan everything.
 */
export function followWorkspace(parts: ExtensionParts): vscode.Disposable[] {
  const { indexer, host } = parts;
  const watcher = vscode.workspace.createFileSystemWatcher('**/*');
  const onPath = (uri: vscode.Uri) => lookAgain(indexer, uri);
  return [
    watcher,
    watcher.onDidCreate(onPath),
    watcher.onDidChange(onPath),
    watcher.onDidDelete(onPath),
    vscode.workspace.onDidSaveTextDocument((doc) => onPath(doc.uri)),
    vscode.workspace.onDidChangeWorkspaceFolders(() => indexer.requestFull()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void restartWorker(parts)),
    // A crashed worker is started again by the next request: catch up on what the crash interrupted.
    host.onDidCrash(() => indexer.requestFull(CRASH_RESCAN_DELAY_MS)),
  ];
}

function lookAgain(indexer: Indexer, uri: vscode.Uri): void {
  if (uri.scheme !== 'file') return;
  const p = uri.fsPath;
  if (!p.includes(`${path.sep}.git${path.sep}`)) {
    indexer.requestPaths([p]);
  } else if (p.endsWith(`${path.sep}.git${path.sep}HEAD`)) {
    indexer.requestFull(BRANCH_SWITCH_DELAY_MS);
  }
}

/** Settings and the model: another model means a new worker, other threads too, other files a new scan. */
export function followSettings(parts: ExtensionParts): vscode.Disposable[] {
  const { models, model, indexer } = parts;
  return [
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (MODEL_SETTINGS.some((k) => e.affectsConfiguration(k))) await useModel(parts, true);
      else if (RESTART_SETTINGS.some((k) => e.affectsConfiguration(k))) await restartWorker(parts);
      else if (RESCAN_SETTINGS.some((k) => e.affectsConfiguration(k))) indexer.requestFull(SETTINGS_RESCAN_DELAY_MS);
    }),
    // A model found outside useModel (a Retry from the error message) is taken up; useModel's own resolutions
    // are handled where they return.
    models.onDidChangeState((state) => {
      if (model.isNewlyFound(state)) void useModel(parts, false);
      else indexer.refresh();
    }),
  ];
}
