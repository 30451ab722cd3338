import * as vscode from 'vscode';
import type { Effort } from '../common/protocol/worker';
import type { WorkerClient } from '../common/protocol/workerClient';
import { IDLE_AFTER_MS, IdleTracker } from './idle';

/**
 * With threads 'auto', tells the search worker how many cores indexing may use: all of them while the editor
 * is idle (idle.ts: the window unfocused, or no typing or selection change for a few seconds), half while
 * someone works. It sends only changes, and the current effort to each worker that starts (the first, and one
 * after a restart); with a fixed thread count it sends nothing. It listens to events that fire on every
 * keystroke, so its listeners only note the time (the tracker's one timer does the rest).
 */
export class EffortFollower implements vscode.Disposable {
  private readonly tracker: IdleTracker;
  private readonly subscriptions: vscode.Disposable[];
  /** The running worker, when it was started with threads 'auto'. */
  private client: WorkerClient | undefined;

  /**
   * @param host what starts the workers (EngineHost)
   * @param isAuto whether a worker starting now runs with threads 'auto' (the setting, read at each start)
   * @param idleAfterMs how long without activity counts as idle (tests shorten it)
   */
  constructor(
    host: { readonly onDidStart: vscode.Event<WorkerClient> },
    private readonly isAuto: () => boolean,
    private readonly log: vscode.LogOutputChannel,
    idleAfterMs = IDLE_AFTER_MS,
  ) {
    this.tracker = new IdleTracker(vscode.window.state.focused, (idle) => this.changed(idle), idleAfterMs);
    this.subscriptions = [
      host.onDidStart((client) => this.started(client)),
      vscode.window.onDidChangeWindowState((state) => this.tracker.focusChanged(state.focused)),
      // Typing is a change in the active editor's document: output channels and files changed on disk are not.
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document === vscode.window.activeTextEditor?.document) this.tracker.activity();
      }),
      vscode.window.onDidChangeTextEditorSelection(() => this.tracker.activity()),
    ];
  }

  /** A new worker: it starts on half the cores, and hears the current effort at once. */
  private started(client: WorkerClient): void {
    this.client = this.isAuto() ? client : undefined;
    if (this.client) this.send(this.client, effortWhen(this.tracker.idle));
  }

  private changed(idle: boolean): void {
    const client = this.client;
    if (client && !client.isDead) this.send(client, effortWhen(idle));
  }

  private send(client: WorkerClient, effort: Effort): void {
    this.log.debug(`Indexing may use ${effort === 'all' ? 'all the cores (the editor is idle)' : 'half the cores (the editor is in use)'}.`);
    // A worker that failed to load or stopped has no run to speed up: its own error is reported elsewhere.
    client.call('setEffort', { effort }).catch((e: Error) => this.log.debug(`The search worker did not take the effort: ${e.message}`));
  }

  dispose(): void {
    this.tracker.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}

function effortWhen(idle: boolean): Effort {
  return idle ? 'all' : 'half';
}
