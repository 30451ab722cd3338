import type { l10n } from 'vscode';
import { EngineError, OutOfMemoryError } from '../common/errors';
import type { ErrorCode } from '../common/protocol/worker';
import { DownloadError, type DownloadErrorCode } from '../net/httpGet';

/**
 * What a user reads when something fails: one localised sentence per error code. The engine's own message
 * (English, with paths and system error codes) goes to the log; see errors.ts. The sentences take `l10n` as a
 * parameter (named so that `npx @vscode/l10n-dev export` finds them), which lets the unit tests check each
 * one against the bundles of l10n/ without VS Code.
 */

/** `vscode.l10n`, or the bundles of l10n/ in a unit test. */
export type L10n = Pick<typeof l10n, 't'>;

type Sentence = (l10n: L10n) => string;

/**
 * An error the extension host words itself (its `message` is already a localised sentence), with the code
 * of the engine error it stands for.
 */
export class WordedError extends EngineError {}

/** The sentence for each code of the engine and its worker (src/common/protocol/worker.ts). */
export const ENGINE_ERROR_SENTENCES: Record<ErrorCode, Sentence> = {
  'model-missing': (l10n) => l10n.t('The search model was not found. Choose a model folder with "Semantic Search: Choose Model Folder…".'),
  'model-invalid': (l10n) => l10n.t('The search model could not be loaded: its folder is not a complete model. Choose another model folder.'),
  'store-unreadable': (l10n) => l10n.t('The index could not be read or saved; the last saved index is kept. See the "Semantic Search" output for details.'),
  'store-locked': (l10n) => l10n.t('Another window or process is updating this index: this window searches its last saved copy and cannot change it until that one is done.'),
  cancelled: (l10n) => l10n.t('Cancelled.'),
  'worker-exited': (l10n) => l10n.t('The search worker stopped; it is started again on the next search. See the "Semantic Search" output for details.'),
  'bad-request': (l10n) => l10n.t('The search worker could not read a request. See the "Semantic Search" output for details.'),
  internal: (l10n) => l10n.t('Something went wrong. See the "Semantic Search" output for details.'),
};

/** Why a model download failed, for each code of the download (src/net/httpGet.ts). */
export const DOWNLOAD_ERROR_SENTENCES: Record<DownloadErrorCode, Sentence> = {
  aborted: (l10n) => l10n.t('The download was cancelled.'),
  'not-found': (l10n) => l10n.t('The server does not have the model\'s files.'),
  refused: (l10n) => l10n.t('The server refused access to the model\'s files.'),
  http: (l10n) => l10n.t('The server answered with an error.'),
  unreachable: (l10n) => l10n.t('The server cannot be reached (no network, or a proxy or firewall in the way).'),
  timeout: (l10n) => l10n.t('The server stopped sending data.'),
  interrupted: (l10n) => l10n.t('The connection was interrupted.'),
  redirects: (l10n) => l10n.t('The server redirected the download too many times.'),
  corrupt: (l10n) => l10n.t('A downloaded file did not match its checksum.'),
  unverified: (l10n) => l10n.t('The files of the chosen revision cannot be verified, so none was downloaded.'),
  busy: (l10n) => l10n.t('Another VS Code window is downloading the model; try again when it has finished.'),
  invalid: (l10n) => l10n.t('The model\'s list of files names an invalid file.'),
  io: (l10n) => l10n.t('The model could not be written to disk.'),
};

const outOfMemory: Sentence = (l10n) => l10n.t('The search worker ran out of memory and was stopped; exclude large or generated folders from the index and try again.');

/** The sentence a user reads for `error`: by its code; anything without one is 'internal'. */
export function errorSentence(error: unknown, l10n: L10n): string {
  if (error instanceof WordedError) return error.message;
  if (error instanceof OutOfMemoryError) return outOfMemory(l10n);
  if (error instanceof EngineError && Object.hasOwn(ENGINE_ERROR_SENTENCES, error.code)) return ENGINE_ERROR_SENTENCES[error.code](l10n);
  if (error instanceof DownloadError && Object.hasOwn(DOWNLOAD_ERROR_SENTENCES, error.code)) return DOWNLOAD_ERROR_SENTENCES[error.code](l10n);
  return ENGINE_ERROR_SENTENCES.internal(l10n);
}
