import * as vscode from 'vscode';
import { EngineError } from '../common/errors';
import type { IndexInfo, IndexProgress, IndexRequest, IndexSummary } from '../common/protocol/engine';
import type { EngineHost } from './engineHost';
import { reportError } from './errors';
import { overallProgress, progressMessage } from './format';
import { indexOptions } from './settings';
import { sharedIndexSeed } from './sharedIndex';
import { TimeLeft } from '../common/timeLeft';

/** Where indexing stands, for the status bar, the panel and the API. */
export type IndexerState =
  | { kind: 'starting' }
  | { kind: 'no-folder' }
  /** `leftMs`: the embedding's estimated time left, once it can be told. */
  | { kind: 'indexing'; progress: IndexProgress; leftMs?: number }
  | { kind: 'ready'; info: IndexInfo; summary?: IndexSummary }
  | { kind: 'paused'; info?: IndexInfo }
  /** Another window or process writes the index: the last saved one is searched, and taken over when free. */
  | { kind: 'read-only'; info: IndexInfo }
  | { kind: 'model-missing'; message: string }
  | { kind: 'error'; message: string; info?: IndexInfo };

/** More changed paths than this at once (a branch switch, a big pull) and the whole workspace is scanned. */
const MAX_PATHS_PER_UPDATE = 500;
const UPDATE_DELAY_MS = 400;
/** While another process writes the index, how often this window tries to take it over (and reads its saves). */
const LOCK_RETRY_MS = 10_000;

/**
 * Keeps the index in step with the workspace: a full (incremental) scan at start and on demand, and
 * updates of just the paths a watcher or a save names. Runs one request at a time; what arrives meanwhile
 * is merged into the next run.
 */
export class Indexer implements vscode.Disposable {
  private stateValue: IndexerState = { kind: 'starting' };
  private pendingFull = false;
  private readonly pendingPaths = new Set<string>();
  private running: Promise<void> | undefined;
  private cts: vscode.CancellationTokenSource | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** The next attempt to become the index's writer, while another process is. Idle meanwhile. */
  private lockRetry: NodeJS.Timeout | undefined;
  private pausedByUser = false;
  private notified = false;
  private idleWaiters: (() => void)[] = [];
  private lastSummary: IndexSummary | undefined;
  private readonly onDidChangeEmitter = new vscode.EventEmitter<IndexerState>();
  readonly onDidChange = this.onDidChangeEmitter.event;

  constructor(private readonly host: EngineHost, private readonly log: vscode.LogOutputChannel) {}

  get state(): IndexerState {
    return this.stateValue;
  }

  get paused(): boolean {
    return this.pausedByUser;
  }

  /** The summary of the last completed run. */
  get summary(): IndexSummary | undefined {
    return this.lastSummary;
  }

  private setState(s: IndexerState): void {
    this.stateValue = s;
    this.onDidChangeEmitter.fire(s);
  }

  /** Tells the listeners again (something they show beside the state changed, e.g. the model's). */
  refresh(): void {
    this.onDidChangeEmitter.fire(this.stateValue);
  }

  /** Scan every workspace folder (unchanged files are not read again). */
  requestFull(delayMs = 0): void {
    this.pendingFull = true;
    this.schedule(delayMs);
  }

  /** Look at these files or folders again (created, changed, deleted). */
  requestPaths(paths: readonly string[]): void {
    for (const p of paths) this.pendingPaths.add(p);
    this.schedule(UPDATE_DELAY_MS);
  }

  pause(): void {
    this.pausedByUser = true;
    this.cts?.cancel();
    this.setState({ kind: 'paused', info: 'info' in this.stateValue ? this.stateValue.info : undefined });
  }

  resume(): void {
    this.pausedByUser = false;
    this.requestFull();
  }

  /** Resolves once no run is going and none is waiting (paused counts as idle). */
  whenIdle(): Promise<void> {
    if (!this.running && !this.timer && (this.pausedByUser || (!this.pendingFull && !this.pendingPaths.size))) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, delayMs);
  }

  private drain(): void {
    if (this.running) return;
    if (this.pausedByUser || (!this.pendingFull && !this.pendingPaths.size)) {
      if (!this.timer) for (const w of this.idleWaiters.splice(0)) w();
      return;
    }
    const full = this.pendingFull || this.pendingPaths.size > MAX_PATHS_PER_UPDATE;
    const paths = full ? undefined : [...this.pendingPaths];
    this.pendingFull = false;
    this.pendingPaths.clear();
    this.running = this.run(paths).finally(() => {
      this.running = undefined;
      this.drain();
    });
  }

  private async run(paths: string[] | undefined): Promise<void> {
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
    if (!folders.length) {
      this.setState({ kind: 'no-folder' });
      return;
    }
    clearTimeout(this.lockRetry);
    this.lockRetry = undefined;
    const cts = (this.cts = new vscode.CancellationTokenSource());
    try {
      await this.index(folders, paths, cts.token);
    } catch (e) {
      await this.failed(e, paths);
    } finally {
      cts.dispose();
      if (this.cts === cts) this.cts = undefined;
    }
  }

  /** One run of the worker over `folders` (or only `paths` in them). */
  private async index(folders: vscode.WorkspaceFolder[], paths: string[] | undefined, token: vscode.CancellationToken): Promise<void> {
    const rootOptions = Object.fromEntries(folders.map((f) => [f.uri.fsPath, indexOptions(f)]));
    const client = this.host.client();
    this.setState({ kind: 'indexing', progress: { phase: 'scanning', done: 0, total: 0 } });
    const before = await client.call('info', {});
    // A full run may start from the team's shared index (the engine takes it only when texts wait to be embedded).
    const shared = paths ? undefined : await sharedIndexSeed(folders[0].uri.fsPath);
    if (shared && 'problem' in shared) this.log.warn(`The shared index is not used: ${shared.problem}.`);
    // The files open in editors get their meanings first: they are what the user is most likely to ask about.
    const request: IndexRequest = {
      roots: folders.map((f) => f.uri.fsPath), rootOptions, priorityPaths: openFiles(), ...(paths ? { paths } : {}),
      ...(shared && 'seed' in shared ? { seed: shared.seed } : {}),
    };
    const timeLeft = new TimeLeft();
    const work = (report?: (p: IndexProgress) => void) => client.call('index', request, {
      token,
      onProgress: (progress) => {
        this.setState({ kind: 'indexing', progress, leftMs: timeLeft.update(progress, Date.now()) });
        report?.(progress);
      },
    });
    // The first full index of a workspace can take minutes: say so, and let the user stop it.
    const firstFullIndex = !paths && before.chunks === 0 && !this.notified;
    const summary = firstFullIndex ? await this.withNotification(work) : await work();
    this.lastSummary = summary;
    if (summary.rebuiltBecause) this.log.warn(`The stored index was rebuilt: ${summary.rebuiltBecause}.`);
    this.log.info(`Indexed: ${summary.files} files, ${summary.chunks} chunks (${summary.embedded} embedded, ${summary.seeded} from the shared index, ${summary.reused} reused, ${summary.read} read, ${summary.removed} removed, ${summary.skipped.length} skipped) in ${summary.ms} ms.`);
    const info = await client.call('info', {});
    // A run that ended before it saw the user's pause still leaves indexing paused, as the user asked.
    this.setState(this.pausedByUser ? { kind: 'paused', info } : { kind: 'ready', info, summary });
  }

  /** Runs `work` with a progress notification whose Cancel pauses indexing. */
  private withNotification(work: (report: (p: IndexProgress) => void) => Promise<IndexSummary>): Thenable<IndexSummary> {
    this.notified = true;
    const title = vscode.l10n.t('Semantic Search: indexing the workspace');
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
      token.onCancellationRequested(() => this.pause());
      let shown = 0;
      return work((p) => {
        const fraction = overallProgress(p);
        progress.report({ message: progressMessage(p), increment: Math.max(0, (fraction - shown) * 100) });
        shown = Math.max(shown, fraction);
      });
    });
  }

  private async failed(e: unknown, paths: string[] | undefined): Promise<void> {
    const code = e instanceof EngineError ? e.code : 'internal';
    if (code === 'cancelled') {
      if (!this.pausedByUser) this.requestFull(); // cancelled for a restart: catch up
    } else if (code === 'store-locked') {
      this.log.info(e instanceof Error ? e.message : String(e));
      await this.searchWhileLocked();
    } else {
      if (paths) for (const p of paths) this.pendingPaths.add(p); // retried with the next run
      const message = reportError(this.log, 'Indexing failed', e);
      this.setState(code === 'model-missing' || code === 'model-invalid' ? { kind: 'model-missing', message } : { kind: 'error', message });
    }
  }

  /**
   * Another process writes the index: search goes on with its last save, and this window tries again later to
   * become the writer (it then scans everything anyway).
   */
  private async searchWhileLocked(): Promise<void> {
    const info = await Promise.resolve().then(() => this.host.client().call('info', {})).catch(() => undefined);
    if (info && !this.pausedByUser) this.setState({ kind: 'read-only', info });
    this.lockRetry = setTimeout(() => {
      this.lockRetry = undefined;
      this.requestFull();
    }, LOCK_RETRY_MS);
  }

  /** Stops the run in flight (for a worker restart); the work is requeued. */
  cancelRun(): void {
    this.cts?.cancel();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    clearTimeout(this.lockRetry);
    this.cts?.cancel();
    this.onDidChangeEmitter.dispose();
    for (const w of this.idleWaiters.splice(0)) w();
  }
}

/** The files open in editor tabs, as absolute paths. */
function openFiles(): string[] {
  const uris = vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => (t.input instanceof vscode.TabInputText ? t.input.uri : undefined));
  return [...new Set(uris.filter((u) => u?.scheme === 'file').map((u) => u!.fsPath))];
}
