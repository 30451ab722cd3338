import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { EngineError, OutOfMemoryError } from '../../src/common/errors';
import { DOWNLOAD_ERROR_SENTENCES, ENGINE_ERROR_SENTENCES, errorSentence, WordedError, type L10n } from '../../src/vscode/errorSentences';
import { DownloadError, type DownloadErrorCode } from '../../src/net/httpGet';
import { repoRoot } from './helpers';

/** `vscode.l10n.t` as VS Code runs it in `lang`: the bundle's translation with the arguments filled in. */
function l10nIn(lang: string): L10n {
  const file = lang === 'en' ? 'l10n/bundle.l10n.json' : `l10n/bundle.l10n.${lang}.json`;
  const bundle = JSON.parse(readFileSync(path.join(repoRoot, file), 'utf8')) as Record<string, string>;
  return {
    t: (message: unknown, ...args: unknown[]) => {
      assert.ok(typeof message === 'string' && Object.hasOwn(bundle, message), `${file} has no "${message}"`);
      return bundle[message].replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)]));
    },
  };
}

const LANGUAGES = ['en', 'ko', 'ja', 'zh-cn'];
/** An engine's own message, with what a user must not be shown as the only explanation. */
const RAW = 'EACCES: permission denied, open \'/home/u/.cache/x\'';

describe('error sentences', () => {
  const engineCodes = Object.keys(ENGINE_ERROR_SENTENCES) as (keyof typeof ENGINE_ERROR_SENTENCES)[];
  const downloadCodes = Object.keys(DOWNLOAD_ERROR_SENTENCES) as DownloadErrorCode[];

  for (const lang of LANGUAGES) {
    it(`words every code of the engine and of the download in ${lang}, each its own way, never with the raw message`, () => {
      const l10n = l10nIn(lang);
      const engine = engineCodes.map((code) => errorSentence(new EngineError(code, RAW), l10n));
      const download = downloadCodes.map((code) => errorSentence(new DownloadError(code, RAW), l10n));
      for (const sentence of [...engine, ...download]) {
        assert.ok(sentence.trim(), 'an empty sentence');
        assert.ok(!sentence.includes('EACCES') && !sentence.includes('/home/u'), `"${sentence}" repeats the raw message`);
      }
      assert.equal(new Set(engine).size, engine.length, `two engine codes share a sentence: ${engine.join(' | ')}`);
      assert.equal(new Set(download).size, download.length, `two download codes share a sentence: ${download.join(' | ')}`);
    });
  }

  it('translates each sentence (none is left in English)', () => {
    const english = l10nIn('en');
    for (const lang of LANGUAGES.filter((l) => l !== 'en')) {
      const l10n = l10nIn(lang);
      for (const code of engineCodes) assert.notEqual(errorSentence(new EngineError(code, RAW), l10n), errorSentence(new EngineError(code, RAW), english), `${lang} ${code}`);
      for (const code of downloadCodes) assert.notEqual(errorSentence(new DownloadError(code, RAW), l10n), errorSentence(new DownloadError(code, RAW), english), `${lang} ${code}`);
    }
  });

  it('says what a locked store means, in the words the user reads', () => {
    assert.equal(errorSentence(new EngineError('store-locked', RAW), l10nIn('en')),
      'Another window or process is updating this index: this window searches its last saved copy and cannot change it until that one is done.');
  });

  it('keeps a sentence the host worded itself, and tells running out of memory from another exit', () => {
    const l10n = l10nIn('en');
    assert.equal(errorSentence(new WordedError('worker-exited', 'Already localised.'), l10n), 'Already localised.');
    const oom = errorSentence(new OutOfMemoryError(RAW), l10n);
    assert.match(oom, /ran out of memory/);
    assert.notEqual(oom, errorSentence(new EngineError('worker-exited', RAW), l10n));
  });

  it('words anything without a known code as an internal error', () => {
    const l10n = l10nIn('en');
    const internal = errorSentence(new EngineError('internal', RAW), l10n);
    assert.equal(errorSentence(new Error(RAW), l10n), internal);
    assert.equal(errorSentence(RAW, l10n), internal);
    assert.equal(errorSentence(undefined, l10n), internal);
    assert.equal(errorSentence(EngineError.fromPayload({ code: 'no-such-code' as never, message: RAW }), l10n), internal);
  });
});
