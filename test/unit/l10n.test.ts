import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from './helpers';

const read = (f: string) => JSON.parse(readFileSync(path.join(repoRoot, f), 'utf8')) as Record<string, string>;
const placeholders = (s: string) => (s.match(/\{\d+\}/g) ?? []).sort().join(',');

describe('localisation', () => {
  const manifest = readFileSync(path.join(repoRoot, 'package.json'), 'utf8');
  const nls = read('package.nls.json');
  const bundle = read('l10n/bundle.l10n.json');

  it('names every %key% of package.json in package.nls.json', () => {
    const used = new Set([...manifest.matchAll(/"%([\w.]+)%"/g)].map((m) => m[1]));
    assert.deepEqual([...used].filter((k) => !(k in nls)), []);
    assert.deepEqual(Object.keys(nls).filter((k) => !used.has(k)), []);
  });

  for (const lang of ['ko', 'ja', 'zh-cn']) {
    it(`translates every string into ${lang}, with the same placeholders`, () => {
      const nlsLang = read(`package.nls.${lang}.json`);
      assert.deepEqual(Object.keys(nlsLang).sort(), Object.keys(nls).sort());
      const bundleLang = read(`l10n/bundle.l10n.${lang}.json`);
      assert.deepEqual(Object.keys(bundleLang).sort(), Object.keys(bundle).sort());
      for (const [key, value] of Object.entries(bundleLang)) {
        assert.equal(placeholders(value), placeholders(key), `${lang}: ${key}`);
        assert.ok(value.trim(), `${lang}: ${key} is empty`);
      }
    });
  }

  it('has every vscode.l10n.t string of the code in the bundle', () => {
    const sources = readdirSync(path.join(repoRoot, 'src/vscode'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    for (const f of sources) {
      const text = readFileSync(path.join(repoRoot, 'src/vscode', f), 'utf8');
      for (const m of text.matchAll(/l10n\.t\(\s*'((?:[^'\\]|\\.)*)'/g)) {
        const key = m[1].replace(/\\'/g, "'").replace(/\\"/g, '"');
        assert.ok(key in bundle, `${f}: "${key}" is missing from l10n/bundle.l10n.json (run npx @vscode/l10n-dev export -o l10n src/vscode)`);
      }
    }
  });
});
