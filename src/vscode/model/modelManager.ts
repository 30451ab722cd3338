import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { reportError, showError } from '../errors';
import { readSettings } from '../settings';
import { checkModelFolder, DEFAULT_ENDPOINT, downloadModel, MODEL, MODEL_FILES_AT_REVISION, type DownloadProgress } from './download';
import { DownloadError } from '../../net/httpGet';

/** Where the model in use came from. */
export type ModelSource = 'setting' | 'bundled' | 'cache' | 'download';

/** A model folder to load, or why there is none (a sentence for the user). */
export type ModelResolution = { dir: string; source: ModelSource } | { missing: string };

/** The model's state for the status bar and the panel. */
export interface ModelState {
  kind: 'ready' | 'downloading' | 'missing' | 'failed';
  /** While downloading, when the total size is known. */
  percent?: number;
  message?: string;
  /** When ready. */
  dir?: string;
  source?: ModelSource;
}

export interface ResolveOptions {
  /** False on paths that must stay offline (e.g. activation before the user asked for anything). */
  allowDownload: boolean;
  token?: vscode.CancellationToken;
}

/** The cache folder's name in the extension's global storage. */
export const CACHE_FOLDER = 'paraphrase-multilingual-MiniLM-L12-v2';

const MB = 1024 * 1024;

/**
 * Finds the model folder in the order the user expects: the `semanticSearch.modelPath` setting, a model bundled
 * in the VSIX, the download cache, then a download (with a cancellable progress notification). Runs in the
 * extension host so VS Code's proxy and certificate settings apply to the download.
 */
export class ModelManager implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<ModelState>();
  /** Fires on every state change, including download progress (at most once per percent). */
  readonly onDidChangeState: vscode.Event<ModelState> = this.emitter.event;
  private current: ModelState = { kind: 'missing' };
  private download?: Promise<ModelResolution>;
  private readonly disposeController = new AbortController();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  get state(): ModelState {
    return this.current;
  }

  /** `<globalStorage>/models/paraphrase-multilingual-MiniLM-L12-v2`. */
  get cacheDir(): string {
    return path.join(this.context.globalStorageUri.fsPath, 'models', CACHE_FOLDER);
  }

  async resolve(options: ResolveOptions): Promise<ModelResolution> {
    const modelPath = expandHome(readSettings().modelPath);
    if (modelPath) {
      if (looksLikeModel(modelPath)) return this.ready(modelPath, 'setting');
      return this.missing(vscode.l10n.t('The folder in the setting semanticSearch.modelPath is not a model folder (it needs config.json, tokenizer.json and onnx/): {0}', modelPath));
    }
    const bundled = path.join(this.context.extensionPath, 'model');
    if (existsSync(path.join(bundled, 'download.json')) ? checkModelFolder(bundled).ok : looksLikeModel(bundled)) {
      return this.ready(bundled, 'bundled');
    }
    const source = this.source();
    const cached = checkModelFolder(this.cacheDir, { repo: source.repo, revision: source.revision, files: MODEL.files });
    if (cached.ok) return this.ready(this.cacheDir, 'cache');
    if (existsSync(this.cacheDir)) this.log.warn(`Model cache at ${this.cacheDir} is not usable, it will be fetched again: ${cached.reason}`);
    if (!options.allowDownload) {
      return this.missing(vscode.l10n.t('The search model is not downloaded yet. Full-text search works meanwhile.'));
    }
    this.download ??= this.runDownload(source, options.token).finally(() => (this.download = undefined));
    return this.download;
  }

  /**
   * "Choose Model Folder…": the folder goes into `semanticSearch.modelPath`. The setting is machine-scoped and
   * written as a user setting, which a remote window (SSH, WSL, containers, code-server) keeps in the remote
   * machine's settings: where this extension, running on that machine, reads it. A folder that is not a model
   * is refused with a sentence.
   */
  async chooseFolder(): Promise<void> {
    const current = readSettings().modelPath;
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: vscode.l10n.t('Use this model folder'),
      ...(current ? { defaultUri: vscode.Uri.file(expandHome(current)) } : {}),
    });
    const dir = picked?.[0]?.fsPath;
    if (!dir) return;
    if (!looksLikeModel(dir)) {
      void vscode.window.showErrorMessage(vscode.l10n.t('{0} is not a model folder: it needs config.json, tokenizer.json and onnx/.', dir));
      return;
    }
    try {
      await vscode.workspace.getConfiguration('semanticSearch').update('modelPath', dir, vscode.ConfigurationTarget.Global);
      this.log.info(`Model folder chosen: ${dir}`);
    } catch (e) {
      showError(this.log, 'The model folder could not be saved in the settings', e,
        vscode.l10n.t('The model folder could not be saved in the settings: check that the settings file is valid. See the "Semantic Search" output for details.'));
    }
  }

  private source(): { endpoint: string; repo: string; revision: string } {
    const s = readSettings();
    return { endpoint: s.modelEndpoint || DEFAULT_ENDPOINT, repo: MODEL.repo, revision: s.modelRevision || MODEL.revision };
  }

  private async runDownload(source: { endpoint: string; repo: string; revision: string }, token?: vscode.CancellationToken): Promise<ModelResolution> {
    const dest = this.cacheDir;
    this.log.info(`Downloading ${source.repo}@${source.revision} from ${source.endpoint} into ${dest}`);
    this.setState({ kind: 'downloading', message: vscode.l10n.t('Model not ready (downloading)') });
    const started = Date.now();
    try {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Semantic Search'), cancellable: true },
        async (progress, progressToken) => {
          const controller = new AbortController();
          const abort = () => controller.abort();
          const subscriptions = [progressToken.onCancellationRequested(abort), token?.onCancellationRequested(abort)];
          this.disposeController.signal.addEventListener('abort', abort);
          let reported = 0;
          let lastKey = '';
          try {
            await downloadModel({
              ...source,
              files: MODEL.files,
              dest,
              signal: controller.signal,
              // The pinned table is only true for the pinned commit; other revisions are checked against the
              // hashes the hub's API lists for them (and refused where it lists none).
              expected: source.revision === MODEL.revision ? MODEL_FILES_AT_REVISION : undefined,
              onProgress: (p) => {
                const percent = percentOf(p);
                const key = percent === undefined ? String(Math.floor(p.overallReceived / MB)) : String(percent);
                if (key === lastKey) return;
                lastKey = key;
                const message = progressMessage(p, percent);
                progress.report({ message, increment: percent === undefined ? undefined : percent - reported });
                if (percent !== undefined) reported = percent;
                this.setState({ kind: 'downloading', percent, message: percent === undefined
                  ? vscode.l10n.t('Model not ready (downloading {0} MB)', (p.overallReceived / MB).toFixed(0))
                  : vscode.l10n.t('Model not ready (downloading {0} %)', percent) });
              },
            });
          } finally {
            for (const s of subscriptions) s?.dispose();
            this.disposeController.signal.removeEventListener('abort', abort);
          }
        },
      );
    } catch (e) {
      return this.downloadFailed(e);
    }
    this.log.info(`Model downloaded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return this.ready(dest, 'download');
  }

  private downloadFailed(e: unknown): ModelResolution {
    if (e instanceof DownloadError && e.code === 'aborted') {
      this.log.info('Model download cancelled; the partial download is kept for the next attempt.');
      return this.missing(vscode.l10n.t('The model download was cancelled. Full-text search works meanwhile.'));
    }
    const why = reportError(this.log, 'Model download failed', e);
    const message = vscode.l10n.t('The search model could not be downloaded: {0} Full-text search works meanwhile.', why);
    this.setState({ kind: 'failed', message });
    if (!this.disposeController.signal.aborted) void this.offerWaysOut(message);
    return { missing: message };
  }

  /** The two ways out of an offline or refused download: point at a local folder, or try again. */
  private async offerWaysOut(message: string): Promise<void> {
    const choose = vscode.l10n.t('Choose Model Folder…');
    const retry = vscode.l10n.t('Retry');
    const picked = await vscode.window.showErrorMessage(message, choose, retry);
    if (picked === choose) await vscode.commands.executeCommand('semanticSearch.selectModelFolder');
    else if (picked === retry) await this.resolve({ allowDownload: true });
  }

  private ready(dir: string, source: ModelSource): ModelResolution {
    this.setState({ kind: 'ready', dir, source });
    return { dir, source };
  }

  private missing(message: string): ModelResolution {
    this.setState({ kind: 'missing', message });
    return { missing: message };
  }

  private setState(state: ModelState): void {
    this.current = state;
    this.emitter.fire(state);
  }

  dispose(): void {
    this.disposeController.abort();
    this.emitter.dispose();
  }
}

function percentOf(p: DownloadProgress): number | undefined {
  return p.overallTotal ? Math.min(100, Math.floor((p.overallReceived / p.overallTotal) * 100)) : undefined;
}

function progressMessage(p: DownloadProgress, percent: number | undefined): string {
  const mb = (bytes: number) => (bytes / MB).toFixed(0);
  return percent === undefined || p.overallTotal === undefined
    ? vscode.l10n.t('Downloading the model: {0} MB', mb(p.overallReceived))
    : vscode.l10n.t('Downloading the model: {0} % ({1} / {2} MB)', percent, mb(p.overallReceived), mb(p.overallTotal));
}

/** A folder the worker can load: the configs, the tokenizer and an onnx/ folder. */
function looksLikeModel(dir: string): boolean {
  return ['config.json', 'tokenizer.json', 'onnx'].every((f) => existsSync(path.join(dir, f)));
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') || p.startsWith('~\\') ? path.join(os.homedir(), p.slice(1)) : p;
}
