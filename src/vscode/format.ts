import * as vscode from 'vscode';
import type { IndexProgress } from '../common/protocol/engine';

let numberFormat: Intl.NumberFormat | undefined;
/** A count in the UI language; one formatter for all (`toLocaleString` sets up ICU's formatter on each call). */
export function formatCount(count: number): string {
  return (numberFormat ??= new Intl.NumberFormat(vscode.env.language)).format(count);
}

/** A size on disk, in KB below a megabyte. */
export function formatSize(bytes: number): string {
  return bytes < 1024 * 1024 ? `${formatCount(Math.ceil(bytes / 1024))} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** 0..1 over a whole run: reading is the first fifth, embedding most of the rest. */
export function overallProgress(p: IndexProgress): number {
  const f = p.total ? p.done / p.total : 0;
  switch (p.phase) {
    case 'scanning': return 0;
    case 'reading': return 0.2 * f;
    case 'embedding': return 0.2 + 0.75 * f;
    case 'saving': return 0.95;
  }
}

/** Where a run is, in words ("Reading 120 / 340 files"). */
export function progressMessage(p: IndexProgress, leftMs?: number): string {
  switch (p.phase) {
    case 'scanning': return vscode.l10n.t('Looking for files…');
    case 'reading': return vscode.l10n.t('Reading {0} / {1} files', formatCount(p.done), formatCount(p.total));
    case 'embedding': return withTimeLeft(meaningsMessage(p), leftMs);
    case 'saving': return vscode.l10n.t('Saving the index…');
  }
}

/** What a first index can be searched for while its meanings are embedded. */
function meaningsMessage(p: IndexProgress): string {
  const s = p.searchable;
  if (!s) return vscode.l10n.t('Embedding {0} / {1} passages', formatCount(p.done), formatCount(p.total));
  return vscode.l10n.t('All {0} files searchable by words · meanings for {1} of {2} passages', formatCount(s.files), formatCount(s.embeddedChunks), formatCount(s.chunks));
}

function withTimeLeft(message: string, leftMs: number | undefined): string {
  if (leftMs === undefined) return message;
  const minutes = Math.round(leftMs / 60_000);
  const left = minutes < 1
    ? vscode.l10n.t('less than a minute left')
    : minutes < 90 ? vscode.l10n.t('about {0} min left', formatCount(minutes)) : vscode.l10n.t('about {0} h left', formatCount(Math.round(minutes / 60)));
  return `${message} · ${left}`;
}
