import * as vscode from 'vscode';
import { EngineError } from '../common/errors';
import { errorSentence } from './errorSentences';
import { DownloadError } from '../net/httpGet';

/** Where the details of an error go: the "Semantic Search" log. */
export type ErrorLog = Pick<vscode.LogOutputChannel, 'error'>;

/**
 * The one way an error reaches the user: `what` failed and the error's own message (or its stack, for an
 * error nobody expected) go to the log; the user reads a localised sentence, the one for the error's code
 * (errorSentences.ts) unless the caller has a more telling one. It is returned for the caller to show where
 * the user is looking (the panel, the quick pick, the status).
 */
export function reportError(log: ErrorLog, what: string, error: unknown, sentence = errorSentence(error, vscode.l10n)): string {
  log.error(`${what}: ${details(error)}`);
  return sentence;
}

/** {@link reportError}, with the sentence shown in an error notification (for commands). */
export function showError(log: ErrorLog, what: string, error: unknown, sentence?: string): string {
  const shown = reportError(log, what, error, sentence);
  void vscode.window.showErrorMessage(shown);
  return shown;
}

function details(error: unknown): string {
  if (error instanceof EngineError || error instanceof DownloadError) return `${error.message} (${error.code})`;
  if (error instanceof Error) return error.stack ?? error.message;
  return String(error);
}
