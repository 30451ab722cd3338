import * as vscode from 'vscode';
import type { ModelManager, ModelResolution, ModelState } from './modelManager';

/** The model folder the worker runs with, or why there is none. */
export class ActiveModel {
  private resolution: ModelResolution = { missing: vscode.l10n.t('Looking for the model…') };
  /** Resolutions under way: a model they find is taken up where they return. */
  private resolving = 0;

  constructor(private readonly models: ModelManager) {}

  get current(): ModelResolution {
    return this.resolution;
  }

  /** Why there is no model yet (search then matches words only), for the panel and the status bar. */
  note(): string | undefined {
    if ('dir' in this.resolution) return undefined;
    return this.models.state.kind === 'downloading' ? this.models.state.message : this.resolution.missing;
  }

  /** Looks for the model (downloading it if allowed); `changed` says the worker must restart on another one. */
  async resolve(allowDownload: boolean): Promise<{ resolution: ModelResolution; changed: boolean }> {
    let next: ModelResolution;
    this.resolving++;
    try {
      next = await this.models.resolve({ allowDownload });
    } finally {
      this.resolving--;
    }
    const changed = dirOf(next) !== dirOf(this.resolution);
    this.resolution = next;
    return { resolution: next, changed };
  }

  /** True if `state` is a model found outside {@link resolve} (a Retry from the error message) and not in use yet. */
  isNewlyFound(state: ModelState): boolean {
    return !this.resolving && state.kind === 'ready' && !!state.dir && state.dir !== dirOf(this.resolution);
  }
}

const dirOf = (resolution: ModelResolution): string | undefined => ('dir' in resolution ? resolution.dir : undefined);
