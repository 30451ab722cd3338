import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  answerSearch, answerSimilar, answerStatus, approxTokens, ANSWER_TOKENS, fileUrl, folderScope, INPUT_SCHEMAS, locate, MAX_LIMIT, parseSearchInput,
  parseSimilarInput, TOOL_DESCRIPTIONS, TOOL_NAMES, type AgentIndexState, type AgentWorkspace,
} from '../../src/common/agentTools';
import type { SearchOptions } from '../../src/common/protocol/engine';
import { Engine } from '../../src/node/engine';
import { models, repoRoot, tempDir, writeTree } from './helpers';

describe('agent tools: inputs', () => {
  it('takes a query, and the optional limit, kind and folder', () => {
    assert.deepEqual(parseSearchInput({ query: '  데이터베이스 ', limit: 3, kind: 'comment', folder: 'docs' }),
      { ok: true, value: { query: '데이터베이스', limit: 3, kind: 'comment', folder: 'docs' } });
    assert.deepEqual(parseSimilarInput({ file: 'a.md', startLine: 2 }), { ok: true, value: { file: 'a.md', startLine: 2 } });
  });

  it('answers malformed input with one sentence that names the field', () => {
    const problems: [unknown, RegExp][] = [
      [undefined, /must be an object/],
      ['query', /must be an object/],
      [{}, /Missing input "query": the tool takes query, limit, kind, folder\./],
      [{ query: '   ' }, /"query" is empty/],
      [{ query: 1 }, /"query" must be a string/],
      [{ query: 'x', limit: 0 }, /"limit" must be at least 1/],
      [{ query: 'x', limit: MAX_LIMIT + 1 }, new RegExp(`at most ${MAX_LIMIT}`)],
      [{ query: 'x', limit: 2.5 }, /whole number/],
      [{ query: 'x', kind: 'code' }, /"kind" must be "markdown" or "comment"/],
      [{ query: 'x', colour: 'red' }, /Unknown input "colour"/],
      [JSON.parse('{"query":"x","__proto__":{"limit":0}}'), /Unknown input "__proto__"/],
    ];
    for (const [input, problem] of problems) {
      const r = parseSearchInput(input);
      assert.ok(!r.ok, JSON.stringify(input));
      assert.match(r.problem, problem);
    }
    const similar = parseSimilarInput({ file: 'a.md', startLine: 0 });
    assert.ok(!similar.ok && /"startLine" must be 1 or more/.test(similar.problem));
  });

  it('declares the same descriptions and input schemas in package.json as the tools use', () => {
    const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    const tools = manifest.contributes.languageModelTools as { name: string; modelDescription: string; inputSchema: unknown }[];
    assert.deepEqual(tools.map((t) => t.name), [TOOL_NAMES.search, TOOL_NAMES.findSimilar]);
    assert.equal(tools[0].modelDescription, TOOL_DESCRIPTIONS.search);
    assert.deepEqual(tools[0].inputSchema, INPUT_SCHEMAS.search);
    assert.equal(tools[1].modelDescription, TOOL_DESCRIPTIONS.findSimilar);
    assert.deepEqual(tools[1].inputSchema, INPUT_SCHEMAS.findSimilar);
  });
});

describe('agent tools: paths', () => {
  const one = ['/w/app'];
  const two = ['/w/app', '/w/docs'];

  it('finds a path relative to the workspace, absolute, or as a file: URL, and nothing outside', () => {
    assert.deepEqual(locate(one, 'src/a.ts'), { root: '/w/app', rel: 'src/a.ts' });
    assert.deepEqual(locate(one, './src/../src/a.ts'), { root: '/w/app', rel: 'src/a.ts' });
    assert.deepEqual(locate(one, '/w/app/src/a.ts'), { root: '/w/app', rel: 'src/a.ts' });
    assert.deepEqual(locate(one, 'file:///w/app/%EB%AC%B8%EC%84%9C.md'), { root: '/w/app', rel: '문서.md' });
    assert.deepEqual(locate(one, '/w/app'), { root: '/w/app', rel: '' });
    for (const outside of ['../etc/passwd', 'src/../../x', '/w/application/a.ts', '/etc/passwd', '/proc/self/environ', 'file:///etc/passwd']) {
      assert.equal(locate(one, outside), undefined, outside);
    }
    assert.equal(locate([], 'a.md'), undefined);
  });

  it('takes a multi-root path by its folder name, and Windows paths case-insensitively', () => {
    assert.deepEqual(locate(two, 'docs/ko/a.md'), { root: '/w/docs', rel: 'ko/a.md' });
    assert.deepEqual(locate(two, 'src/a.ts'), { root: '/w/app', rel: 'src/a.ts' });
    assert.deepEqual(locate(['C:\\w\\app'], 'c:\\W\\App\\src\\a.ts'), { root: 'C:\\w\\app', rel: 'src/a.ts' });
  });

  it('scopes a search to a root, a folder under one, or a folder under every root', () => {
    assert.deepEqual(folderScope(two, 'docs'), { root: '/w/docs' });
    assert.deepEqual(folderScope(two, 'docs/ko'), { root: '/w/docs', pathPrefix: 'ko' });
    assert.deepEqual(folderScope(two, 'guides'), { pathPrefix: 'guides' });
    assert.deepEqual(folderScope(one, 'guides/'), { root: '/w/app', pathPrefix: 'guides' });
    assert.deepEqual(folderScope(one, '/w/app'), { root: '/w/app' });
    assert.equal(folderScope(one, '../other'), undefined);
  });
});

describe('agent tools: answers from a real index', () => {
  const root = tempDir('ss agent ');
  writeTree(root, {
    'docs/database.md': '# Database\n\n## Configure the database connection\n\nSet the database connection in the configuration file.\n',
    'docs/deploy.md': '# Deploy\n\n## Deploy the image to the server\n\nDeploy the image to the server before the release.\n',
    'src/cache.py': '# 비밀번호 캐시: 비밀번호를 캐시에 오래 두지 않습니다.\ndef clear_password_cache(store):\n    store.clear()\n',
    ...Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`notes/n${i}.md`, `# Note ${i}\n\n${'The database connection and the server image. '.repeat(12)}\n`])),
  });
  let engine: Engine;
  let extra: Partial<AgentIndexState> = {};
  const ws: AgentWorkspace = {
    roots: () => [root],
    search: (q: string, o: SearchOptions) => engine.search(q, o),
    state: async () => ({ info: engine.info(), ...extra }),
    readLines: async (r, rel, start, end) => readFileSync(path.join(r, rel), 'utf8').split('\n').slice(start - 1, end).join('\n'),
  };

  before(async () => {
    engine = await Engine.open({ modelDir: models.concept, storeDir: tempDir(), threads: 1 });
    await engine.index({ roots: [root] });
  });
  after(() => engine.dispose());

  it('answers a Korean question with the English section first, its place, heading, language and similarity', async () => {
    const a = await answerSearch(ws, { query: '데이터베이스 연결 설정', limit: 2, folder: 'docs' });
    assert.equal(a.problem, undefined);
    assert.equal(a.hits[0].label, 'docs/database.md');
    assert.match(a.text, new RegExp(`Paths are relative to ${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.`));
    assert.match(a.text, /^1\. docs\/database\.md:3-5 — Database › Configure the database connection \[section, en, similarity 0\.\d\d\]\n {3}Set the database connection/m);
    assert.equal(a.hits.length, 2);
    assert.ok(a.hits.every((h) => h.label.startsWith('docs/')), 'only under the folder asked for');
  });

  it('finds a Korean comment for an English question, only among comments when asked', async () => {
    const a = await answerSearch(ws, { query: 'password cache', kind: 'comment', limit: 1 });
    assert.deepEqual(a.hits.map((h) => [h.label, h.kind, h.lang]), [['src/cache.py', 'comment', 'ko']]);
    assert.match(a.text, /\[comment \(python\), ko, similarity/);
  });

  it('links each place to its file and line when asked to', async () => {
    const a = await answerSearch(ws, { query: 'deploy the image', limit: 1 }, { links: true });
    const url = `file://${encodeURI(path.join(root, 'docs/deploy.md'))}#L3`;
    assert.ok(a.text.includes(`1. [docs/deploy.md:3-5](${url})`), a.text);
    assert.doesNotMatch(a.text, /Paths are relative/);
  });

  it('keeps an answer within its token budget, and says how many it left out', async () => {
    const a = await answerSearch(ws, { query: 'database connection server image', limit: MAX_LIMIT });
    assert.ok(approxTokens(a.text) <= ANSWER_TOKENS, `${approxTokens(a.text)} tokens`);
    assert.ok(a.hits.length < MAX_LIMIT);
    assert.match(a.text, new RegExp(`\\(${MAX_LIMIT - a.hits.length} more left out`));
  });

  it('finds passages like given lines of a file, without their own', async () => {
    const a = await answerSimilar(ws, { file: path.join(root, 'docs/database.md'), startLine: 3, endLine: 5, limit: 3 });
    assert.equal(a.problem, undefined, a.text);
    assert.ok(a.hits.length > 0);
    assert.ok(!a.hits.some((h) => h.label === 'docs/database.md'), a.text);
    assert.match(a.text, /^Passages for docs\/database\.md:3–5/);
  });

  it('refuses a file outside the workspace, and lines in the wrong order, with a sentence', async () => {
    for (const [input, problem] of [
      [{ file: '/etc/passwd', startLine: 1 }, /is not a file of this workspace/],
      [{ file: '../x.md', startLine: 1 }, /is not a file of this workspace/],
      [{ file: 'docs/database.md', startLine: 5, endLine: 3 }, /comes before/],
    ] as const) {
      const a = await answerSimilar(ws, input);
      assert.equal(a.problem, 'input');
      assert.match(a.text, problem);
    }
  });

  it('says when the index is being built, paused, or empty', async () => {
    extra = { indexing: true, info: { ...engine.info(), embeddedChunks: 3 } };
    let a = await answerSearch(ws, { query: 'database' });
    assert.match(a.text, /the index is still being built: \d+ of \d+ passages can be found by meaning yet/);
    extra = { paused: true, info: { ...engine.info(), files: 0, chunks: 0 } };
    a = await answerSearch(ws, { query: 'database' });
    assert.deepEqual([a.problem, a.text], ['index', 'The index is empty and indexing is paused: nothing can be found until it is resumed.']);
    extra = { unavailable: 'The model could not be loaded.' };
    a = await answerSearch(ws, { query: 'database' });
    assert.deepEqual([a.problem, a.text], ['index', 'The model could not be loaded.']);
    extra = {};
    const s = await answerStatus(ws);
    assert.match(s.text, /43 files, \d+ passages; \d+ of them searchable by meaning/);
  });
});

describe('agent tools: links', () => {
  it('make file: URLs that survive Markdown and URL syntax in a path', () => {
    assert.equal(fileUrl('/w/a (1)/b#c?.md'), 'file:///w/a%20%281%29/b%23c%3F.md');
    assert.equal(fileUrl('C:\\w\\문서.md'), 'file:///C:/w/%EB%AC%B8%EC%84%9C.md');
  });
});
