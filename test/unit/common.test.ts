import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { languageByScript } from '../../src/common/writingScript';
import { parseViewMessage } from '../../src/common/protocol/webview';
import { buildSnippet } from '../../src/common/snippet';
import { escapeControl } from '../../src/common/terminalText';
import { fullTextTokens } from '../../src/node/index/fullTextTokenizer';

describe('buildSnippet', () => {
  it('marks every occurrence of the query words, case-insensitively', () => {
    const s = buildSnippet('Connect the Database.\n\nThe database   connection pool.', ['database', 'connection']);
    assert.equal(s.text, 'Connect the Database. The database connection pool.');
    assert.deepEqual(s.highlights.map(([a, b]) => s.text.slice(a, b)), ['Database', 'database', 'connection']);
  });

  it('shows the window with the most matches of a long text, cut on a word and marked with ellipses', () => {
    const text = `${'Intro words here. '.repeat(30)}The cache keeps the password cache warm. ${'Outro words there. '.repeat(30)}`;
    const s = buildSnippet(text, ['cache', 'password'], 120);
    assert.ok(s.text.startsWith('…') && s.text.endsWith('…'));
    assert.ok(s.text.length <= 122);
    assert.deepEqual(s.highlights.map(([a, b]) => s.text.slice(a, b)), ['cache', 'password', 'cache']);
    assert.ok(text.includes(` ${s.text.slice(1, 12)}`), 'starts at a word');
    assert.ok(text.includes(`${s.text.slice(-12, -1)} `), 'ends at a word');
  });

  it('finds Korean, Japanese and Chinese words without spaces and never splits a surrogate pair', () => {
    const s = buildSnippet('데이터베이스 연결을 설정합니다', fullTextTokens('데이터베이스 연결'));
    assert.deepEqual(s.highlights.map(([a, b]) => s.text.slice(a, b)), ['데이터베이스', '연결']);
    const zh = buildSnippet('如何配置数据库连接', fullTextTokens('数据库'));
    assert.ok(zh.highlights.length > 0);
    const emoji = buildSnippet('😀'.repeat(200) + ' cache ' + '😀'.repeat(200), ['cache'], 50);
    assert.doesNotMatch(emoji.text, /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  });

  it('starts at the beginning when nothing matches (the usual cross-language case)', () => {
    const s = buildSnippet('데이터베이스 연결을 설정합니다. '.repeat(20), ['database'], 60);
    assert.ok(s.text.startsWith('데이터베이스'));
    assert.deepEqual(s.highlights, []);
  });
});

describe('languageByScript', () => {
  it('tells the script of a text', () => {
    assert.equal(languageByScript('Configure the database'), 'en');
    assert.equal(languageByScript('데이터베이스 연결 (PostgreSQL)'), 'ko');
    assert.equal(languageByScript('データベースの接続'), 'ja');
    assert.equal(languageByScript('数据库连接 with PostgreSQL'), 'zh');
    assert.equal(languageByScript('Подключение к базе'), 'ru');
    assert.equal(languageByScript('1234 ---'), 'other');
  });
});

describe('parseViewMessage', () => {
  it('accepts well-formed messages and drops everything else', () => {
    assert.deepEqual(parseViewMessage({ type: 'search', requestId: 3, query: 'q', kinds: ['markdown'], folder: '' }),
      { type: 'search', requestId: 3, query: 'q', kinds: ['markdown'], folder: '' });
    assert.deepEqual(parseViewMessage({ type: 'open', requestId: 3, index: 0, preview: 'yes' }), { type: 'open', requestId: 3, index: 0, preview: false });
    for (const bad of [
      null, 'open', { type: 'open', requestId: 1, index: -1 }, { type: 'open', requestId: 1, index: 0.5 },
      { type: 'open', path: '/etc/passwd' }, { type: 'search', requestId: 1, query: 'q', kinds: ['binary'], folder: '' },
      { type: 'search', requestId: 1, query: 'x'.repeat(3000), kinds: [], folder: '' },
      { type: 'command', command: 'workbench.action.terminal.new' }, { type: 'eval', code: '1' },
    ]) {
      assert.equal(parseViewMessage(bad), undefined, JSON.stringify(bad)?.slice(0, 80));
    }
  });
});

describe('escapeControl', () => {
  it('shows what a terminal would act on as escapes and leaves every script as it is', () => {
    assert.equal(escapeControl('데이터베이스 設定 データ Ünïcödé — “quoted” 🚀'), '데이터베이스 設定 データ Ünïcödé — “quoted” 🚀');
    assert.equal(escapeControl('a\x1b[31mb\x07c\bd\re\nf\tg\x7fh\x9bi\u202ej\u2066k\u2028l'),
      'a\\x1b[31mb\\x07c\\x08d\\x0de\\x0af\\x09g\\x7fh\\x9bi\\u202ej\\u2066k\\u2028l');
  });
});
