/// <reference types="mocha" />
// What the panel, the status bar and the quick pick say in each state of the index, worded by the real
// VS Code (its l10n and UI language): the empty states a user meets before the first answer.
import assert from 'node:assert/strict';
import type { IndexInfo } from '../../src/common/protocol/engine';
import { viewStateOf } from '../../src/vscode/viewState';

const info = (files: number, chunks: number): IndexInfo => ({
  files, chunks, embeddedChunks: chunks, vectors: chunks, bytesOnDisk: 0, model: { id: 'm', dim: 64, dtype: 'q8' }, roots: [], skipped: [],
});

suite('Index states as the panel words them', () => {
  test('indexing says how far it is, in counts a person reads', () => {
    const s = viewStateOf({ kind: 'indexing', progress: { phase: 'reading', done: 1204, total: 3380 } });
    assert.equal(s.phase, 'indexing');
    assert.equal(s.message, 'Reading 1,204 / 3,380 files');
    assert.ok(s.progress! > 0 && s.progress! < 0.2, `reading is the first fifth: ${s.progress}`);
    const embedding = viewStateOf({ kind: 'indexing', progress: { phase: 'embedding', done: 500, total: 1000 } });
    assert.equal(embedding.message, 'Embedding 500 / 1,000 passages');
  });

  test('while meanings are embedded, it says what can be searched now and about how long is left', () => {
    const progress = { phase: 'embedding' as const, done: 4000, total: 21000, searchable: { files: 1352, chunks: 22966, embeddedChunks: 8200 } };
    const s = viewStateOf({ kind: 'indexing', progress });
    assert.equal(s.message, 'All 1,352 files searchable by words · meanings for 8,200 of 22,966 passages');
    assert.equal(viewStateOf({ kind: 'indexing', progress, leftMs: 5.4 * 60_000 }).message, `${s.message} · about 5 min left`);
    assert.equal(viewStateOf({ kind: 'indexing', progress, leftMs: 20_000 }).message, `${s.message} · less than a minute left`);
    assert.equal(viewStateOf({ kind: 'indexing', progress, leftMs: 3 * 3_600_000 }).message, `${s.message} · about 3 h left`);
  });

  test('a folder with nothing to search says so, and a ready index gives its counts', () => {
    const empty = viewStateOf({ kind: 'ready', info: info(0, 0) });
    assert.deepEqual([empty.phase, empty.hasChunks, empty.message], ['ready', false, 'This folder has no Markdown or code comments to search.']);
    const ready = viewStateOf({ kind: 'ready', info: info(1352, 22963) });
    assert.deepEqual([ready.hasChunks, ready.message], [true, '1,352 files, 22,963 passages indexed.']);
  });

  test('while the model downloads, search works by words and the panel says both', () => {
    const s = viewStateOf({ kind: 'ready', info: info(3, 9) }, 'Model not ready (downloading 43 %)');
    assert.equal(s.fullTextOnly, true);
    assert.match(s.message, /3 files, 9 passages indexed\. Model not ready \(downloading 43 %\) Until then, search matches words only\./);
  });

  test('paused and failed states keep what the index holds', () => {
    const paused = viewStateOf({ kind: 'paused', info: info(3, 9) });
    assert.deepEqual([paused.phase, paused.hasChunks, paused.message], ['paused', true, 'Indexing is paused.']);
    const failed = viewStateOf({ kind: 'error', message: 'The index folder cannot be written (EACCES).' });
    assert.deepEqual([failed.phase, failed.message], ['error', 'The index folder cannot be written (EACCES).']);
  });

  test('a window whose index another window or process writes says it searches the last saved copy', () => {
    const s = viewStateOf({ kind: 'read-only', info: info(3, 1204) });
    assert.deepEqual([s.phase, s.hasChunks], ['ready', true], 'search works as when ready');
    assert.equal(s.message, 'Another window or process is updating this index, so this window searches its last saved copy (1,204 passages) and takes over when it is free.');
  });
});
