import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { checkSetting, MAX_FILE_SIZE_LIMIT, SETTING_NAMES, SettingProblemLog, type SettingName } from '../../src/common/settingsSchema';
import { repoRoot } from './helpers';

describe('settings', () => {
  it('uses valid values as they are, and the default when a setting is not set', () => {
    const valid: [SettingName, unknown][] = [
      ['include', ['docs/**', '*.md']], ['exclude', []], ['useGitignore', false], ['maxFileSize', 2048], ['maxResults', 200],
      ['minScore', -0.25], ['hybrid', true], ['threads', 0], ['threads', 'auto'], ['threads', 12], ['modelPath', '/opt/models/minilm'], ['modelEndpoint', 'https://hf-mirror.example/hf/'],
      ['modelRevision', 'main'], ['modelRevision', 'refs/pr/12'], ['modelRevision', 'v1.0.2'], ['modelRevision', '2c4055b12046f11709e9df2c122e59ffbdc2f900'],
      ['modelEndpoint', ''], ['modelRevision', ''],
    ];
    for (const [name, value] of valid) assert.deepEqual(checkSetting(name, value), { value }, `${name} = ${JSON.stringify(value)}`);
    assert.deepEqual(checkSetting('maxFileSize', undefined), { value: 1024 * 1024 });
    assert.deepEqual(checkSetting('threads', undefined), { value: 'auto' }, 'all the cores while the editor is idle, by default');
    assert.deepEqual(checkSetting('modelPath', '  /opt/model  '), { value: '/opt/model' });
  });

  it('keeps the size limit when maxFileSize is not a number, and names the setting and the value', () => {
    const { value, problem } = checkSetting('maxFileSize', '2000000');
    assert.equal(value, 1024 * 1024);
    assert.deepEqual(problem, { setting: 'semanticSearch.maxFileSize', value: '"2000000"', used: '1048576', expected: `a whole number from 1024 to ${MAX_FILE_SIZE_LIMIT}` });
  });

  it('clamps numbers into their range and rounds those that must be whole', () => {
    const cases: [SettingName, unknown, unknown][] = [
      ['maxFileSize', 10, 1024], ['maxFileSize', 1e12, MAX_FILE_SIZE_LIMIT], ['maxFileSize', 4096.4, 4096], ['maxResults', 0, 1], ['maxResults', 1000, 200],
      ['maxResults', 7.6, 8], ['minScore', 3, 1], ['minScore', -2, -1], ['threads', -1, 0], ['threads', 1000, 64], ['threads', 2.5, 3],
    ];
    for (const [name, set, used] of cases) {
      const r = checkSetting(name, set);
      assert.equal(r.value, used, `${name} = ${set}`);
      assert.equal(r.problem?.value, JSON.stringify(set));
      assert.equal(r.problem?.used, JSON.stringify(used));
    }
  });

  it('falls back to the default for a value of the wrong kind', () => {
    const cases: [SettingName, unknown, unknown][] = [
      ['maxResults', '20', 20], ['minScore', null, 0.2], ['threads', true, 'auto'], ['hybrid', 'yes', true], ['useGitignore', 0, true],
      ['include', 'docs/**', []], ['exclude', { 'node_modules/**': true }, []], ['modelPath', 42, ''], ['modelPath', 'a\nb', ''],
    ];
    for (const [name, set, used] of cases) {
      const r = checkSetting(name, set);
      assert.deepEqual(r.value, used, `${name} = ${JSON.stringify(set)}`);
      assert.ok(r.problem, `${name} = ${JSON.stringify(set)} is reported`);
    }
    assert.deepEqual(checkSetting('exclude', ['dist/**', 3, null, 'out/**']).value, ['dist/**', 'out/**'], 'the strings of a list are kept');
  });

  it('takes "auto" or a number of threads, and falls back to "auto" for anything else', () => {
    for (const bad of ['Auto', 'all', '4', '', null, ['auto'], { auto: true }, Number.NaN]) {
      const { value, problem } = checkSetting('threads', bad);
      assert.equal(value, 'auto', JSON.stringify(bad));
      assert.deepEqual(problem && { used: problem.used, expected: problem.expected }, { used: '"auto"', expected: '"auto" or a whole number from 0 to 64' }, JSON.stringify(bad));
    }
    assert.equal(checkSetting('threads', Infinity).value, 'auto', 'not a count of threads');
  });

  it('accepts only http(s) addresses as the endpoint and plausible refs as the revision', () => {
    for (const bad of ['huggingface.co', 'ftp://mirror.example', 'file:///etc', 'https://', 'javascript:alert(1)', 'https://x.example/?a=1']) {
      assert.deepEqual([checkSetting('modelEndpoint', bad).value, !!checkSetting('modelEndpoint', bad).problem], ['', true], bad);
    }
    for (const bad of ['../../etc', 'main branch', '-rf', 'a..b', 'refs//pr', 'main/', '.hidden', 'refs/.x', 'x.lock', 'v1.', 'a\u202eb', 'x'.repeat(256), 'ma;in', 'a:b', 'a~1']) {
      const r = checkSetting('modelRevision', bad);
      assert.equal(r.value, '', bad);
      assert.ok(r.problem, bad);
    }
  });

  it('takes a shared index at an absolute path or an https address, ${commit} anywhere, and a known device', () => {
    for (const ok of ['', '/srv/index/${commit}.seed', 'C:\\index\\team.seed', 'https://ci.example.com/index/${commit}.seed', 'http://127.0.0.1:8080/i.seed']) {
      assert.deepEqual(checkSetting('sharedIndex', ok), { value: ok }, ok);
    }
    for (const bad of ['index.seed', 'http://ci.example.com/i.seed', 'ftp://x/i.seed', 'file:///srv/i.seed', '/srv/a\nb', 12]) {
      const r = checkSetting('sharedIndex', bad);
      assert.deepEqual([r.value, !!r.problem], ['', true], JSON.stringify(bad));
    }
    for (const ok of ['cpu', 'cuda', 'dml', 'coreml']) assert.deepEqual(checkSetting('device', ok), { value: ok });
    assert.deepEqual(checkSetting('device', undefined), { value: 'cpu' });
    assert.equal(checkSetting('device', 'gpu').value, 'cpu');
    assert.match(checkSetting('device', 'gpu').problem!.expected, /"cuda"/);
  });

  it('shows the bad value safely: short, as JSON, control characters escaped', () => {
    const { problem } = checkSetting('modelRevision', `\x1b[31m${'a'.repeat(200)}`);
    assert.ok(problem!.value.length <= 81 && problem!.value.startsWith('"\\u001b[31maaa') && problem!.value.endsWith('…'), problem!.value);
    assert.doesNotMatch(problem!.value, /\x1b/);
  });

  it('reports a bad value once, again only when it changes or comes back after a fix', () => {
    const log = new SettingProblemLog();
    const read = (value: unknown, scope = '') => {
      const { problem } = checkSetting('maxResults', value);
      return log.fresh(scope, ['semanticSearch.maxResults'], problem ? [problem] : []).map((p) => p.value);
    };
    assert.deepEqual(read('many'), ['"many"']);
    assert.deepEqual(read('many'), [], 'not on every read');
    assert.deepEqual(read(-3), ['-3'], 'a new bad value');
    assert.deepEqual(read(5), []);
    assert.deepEqual(read(-3), ['-3'], 'broken again after a fix');
    assert.deepEqual(read(-3, 'folder b'), ['-3'], 'in another folder');
  });
});

describe('the settings declared in package.json', () => {
  const declared = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).contributes.configuration.properties as
    Record<string, { type: string | string[]; default: unknown; minimum?: number; maximum?: number; pattern?: string; scope?: string }>;

  it('are the settings that are checked, with the same defaults and ranges', () => {
    assert.deepEqual(Object.keys(declared).sort(), SETTING_NAMES.map((n) => `semanticSearch.${n}`).sort());
    for (const name of SETTING_NAMES) {
      const d = declared[`semanticSearch.${name}`];
      const fallback = d.default === 'https://huggingface.co' ? '' : d.default; // the endpoint's '' means the hub
      assert.deepEqual(checkSetting(name, d.default).value, d.default, `${name}: the declared default is valid`);
      assert.deepEqual(checkSetting(name, Symbol('bad')).value, fallback, `${name}: the fallback is the declared default`);
      for (const bound of [d.minimum, d.maximum]) if (bound !== undefined) assert.equal(checkSetting(name, bound).problem, undefined, `${name} ${bound}`);
      if (d.minimum !== undefined) assert.equal(checkSetting(name, d.minimum - 1).value, d.minimum, name);
      if (d.maximum !== undefined) assert.equal(checkSetting(name, d.maximum + 1).value, d.maximum, name);
      if ([d.type].flat().includes('integer')) assert.ok(checkSetting(name, (d.minimum ?? 0) + 0.5).problem, `${name} is whole`);
      // Where a pattern is declared (threads: "auto"), the strings it allows are the strings that are valid.
      for (const s of d.pattern ? ['auto', 'Auto', 'x', '4', ''] : []) assert.equal(!checkSetting(name, s).problem, new RegExp(d.pattern!).test(s), `${name} ${s}`);
    }
  });

  it('keep the model folder in the settings of the machine it is on', () => {
    assert.equal(declared['semanticSearch.modelPath'].scope, 'machine');
  });
});
