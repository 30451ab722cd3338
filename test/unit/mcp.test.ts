import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { INPUT_SCHEMAS, MCP_NAMES, TOOL_DESCRIPTIONS } from '../../src/common/agentTools';
import { Engine } from '../../src/node/engine';
import { cliPath, models, repoRoot, tempDir, writeTree } from './helpers';

/*
 * The MCP server as a client sees it: `node dist/cli.js mcp` started as a real child process by the SDK's own
 * client over stdio, on a store built by the CLI, with the concept model (database = 데이터베이스 = 数据库 …).
 */

const WORKSPACE = {
  'docs/database.md': '# Guide\n\n## Configure the database connection\n\nSet the database connection in the configuration file.\n',
  'src/cache.py': 'import os\n\n# 비밀번호 캐시를 만료합니다\ndef expire(key):\n    return os.remove(key)\n',
  'docs/password.md': '# Passwords\n\nThe password cache expires.\n',
  'src/search.go': 'package search\n\n// 搜索用户时返回错误\nfunc Find(name string) error {\n\treturn nil\n}\n',
};

function cliIndex(root: string, store: string): void {
  const r = spawnSync(process.execPath, [cliPath, 'index', root, '--model', models.concept, '--store', store, '--json'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
}

/** A client connected to `mcp` with these extra arguments; its stderr is collected. */
async function connect(args: string[], env: Record<string, string> = {}): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cliPath, 'mcp', '--model', models.concept, '--threads', '1', ...args],
    env: { ...(process.env as Record<string, string>), ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  const client = new Client({ name: 'mcp-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

/** The text of a tool call's answer. */
async function call(client: Client, name: string, args: Record<string, unknown>): Promise<{ text: string; isError: boolean }> {
  const r = await client.callTool({ name, arguments: args });
  const content = r.content as { type: string; text: string }[];
  assert.equal(content.length, 1);
  assert.equal(content[0].type, 'text');
  assert.equal(r.structuredContent, undefined);
  return { text: content[0].text, isError: r.isError === true };
}

/** The path:lines of the first passage an answer gives. */
const first = (text: string) => text.match(/^1\. (\S+):(\d+)/m)?.slice(1, 3).join(':');

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function rejectsInvalidParams(p: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof McpError, String(e));
    assert.equal(e.code, ErrorCode.InvalidParams);
    assert.match(e.message, message);
    return true;
  });
}

describe('MCP server over stdio', () => {
  const root = tempDir('ss mcp ');
  const store = path.join(tempDir(), 'store');
  let client: Client;
  let stderr: () => string;

  before(async () => {
    writeTree(root, WORKSPACE);
    cliIndex(root, store);
    ({ client, stderr } = await connect(['--store', store]));
  });
  after(async () => { await client?.close(); });

  it('initializes with its name, version and the tools capability', () => {
    const { version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    assert.deepEqual(client.getServerVersion(), { name: 'semantic-search', title: 'Multilingual Semantic Search', version });
    assert.deepEqual(client.getServerCapabilities()?.tools, {});
  });

  it('lists the three tools with the shared descriptions and input schemas', async () => {
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    assert.deepEqual([...byName.keys()], [MCP_NAMES.search, MCP_NAMES.findSimilar, MCP_NAMES.status]);
    for (const key of ['search', 'findSimilar', 'status'] as const) {
      const tool = byName.get(MCP_NAMES[key])!;
      assert.equal(tool.description, TOOL_DESCRIPTIONS[key]);
      assert.deepEqual(tool.inputSchema, JSON.parse(JSON.stringify(INPUT_SCHEMAS[key])));
      assert.equal(tool.annotations?.readOnlyHint, true);
    }
  });

  it('answers a Korean question with the English section, and a Chinese one with the Korean comment', async () => {
    const ko = await call(client, MCP_NAMES.search, { query: '데이터베이스 연결은 어떻게 설정하나요?' });
    assert.equal(ko.isError, false);
    assert.equal(first(ko.text), 'docs/database.md:3');
    assert.match(ko.text, /^Passages for "데이터베이스 연결은 어떻게 설정하나요\?"/);
    assert.match(ko.text, new RegExp(`Paths are relative to ${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.`));
    assert.match(ko.text, /^1\. docs\/database\.md:3-5 — Guide › Configure the database connection \[section, en, similarity 0\.\d\d\]$/m);
    const zh = await call(client, MCP_NAMES.search, { query: '密码缓存', kind: 'comment', limit: 1 });
    assert.equal(first(zh.text), 'src/cache.py:3');
    assert.match(zh.text, /\[comment \(python\), ko, similarity/);
    assert.doesNotMatch(zh.text, /^2\. /m, 'limit 1');
  });

  it('finds the passages similar to lines of a file, leaving those lines out', async () => {
    const r = await call(client, MCP_NAMES.findSimilar, { file: 'src/cache.py', startLine: 3 });
    assert.equal(first(r.text), 'docs/password.md:1');
    assert.match(r.text, /^Passages for src\/cache\.py:3/);
    assert.doesNotMatch(r.text, /^\d+\. src\/cache\.py/m, 'the lines compared are left out');
    const outside = client.callTool({ name: MCP_NAMES.findSimilar, arguments: { file: '../../etc/passwd', startLine: 1 } });
    await rejectsInvalidParams(outside, /is not a file of this workspace/);
  });

  it('says what the index holds', async () => {
    const r = await call(client, MCP_NAMES.status, {});
    assert.equal(r.isError, false);
    assert.match(r.text, new RegExp(`^Indexed folders: ${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.$`, 'm'));
    assert.match(r.text, /^4 files, (\d+) passages; \1 of them searchable by meaning/m);
  });

  it('answers a malformed call with an MCP error and goes on serving', async () => {
    await rejectsInvalidParams(client.callTool({ name: MCP_NAMES.search, arguments: {} }), /The input must be an object with query|"query"/);
    await rejectsInvalidParams(client.callTool({ name: MCP_NAMES.search, arguments: { query: 5 } }), /"query" must be a string\./);
    await rejectsInvalidParams(client.callTool({ name: MCP_NAMES.search, arguments: { query: 'x', limit: 0 } }), /"limit" must be at least 1\./);
    await rejectsInvalidParams(client.callTool({ name: MCP_NAMES.search, arguments: { query: 'x', color: 'red' } }), /Unknown input "color"/);
    await rejectsInvalidParams(client.callTool({ name: 'grep', arguments: { query: 'x' } }), /Unknown tool "grep"/);
    await rejectsInvalidParams(client.callTool({ name: MCP_NAMES.status, arguments: { verbose: true } }), /takes no input/);
    const ok = await call(client, MCP_NAMES.search, { query: 'database connection' });
    assert.equal(first(ok.text), 'docs/database.md:3');
  });

  it('answers ten calls in parallel, each with its own answer', async () => {
    const cases: [string, string][] = [
      ['데이터베이스 연결', 'docs/database.md:3'], ['密码缓存', 'src/cache.py:3'], ['ユーザーの検索エラー', 'src/search.go:3'],
      ['database connection', 'docs/database.md:3'], ['搜索用户', 'src/search.go:3'], ['データベース接続', 'docs/database.md:3'],
      ['사용자 검색 오류', 'src/search.go:3'], ['数据库连接', 'docs/database.md:3'], ['user search error', 'src/search.go:3'],
      ['비밀번호 캐시', 'src/cache.py:3'],
    ];
    const answers = await Promise.all(cases.map(([query]) => call(client, MCP_NAMES.search, { query, limit: 3 })));
    answers.forEach((a, i) => assert.equal(first(a.text), cases[i][1], cases[i][0]));
  });

  it('takes up a store re-saved by another process at the next call, without a restart', async () => {
    writeTree(root, { 'docs/deploy.ja.md': '# デプロイ\n\nイメージをサーバーにデプロイします。\n' });
    const before = await call(client, MCP_NAMES.search, { query: 'deploy the image to the server' });
    assert.notEqual(first(before.text), 'docs/deploy.ja.md:1');
    cliIndex(root, store);
    const after = await call(client, MCP_NAMES.search, { query: 'deploy the image to the server' });
    assert.equal(first(after.text), 'docs/deploy.ja.md:1');
    assert.match((await call(client, MCP_NAMES.status, {})).text, /^5 files/m);
    assert.doesNotMatch(stderr(), /Unexpected/);
  });
});

describe('MCP server that keeps folders indexed (--folder)', () => {
  it('indexes a fresh store by itself, then finds a file created afterwards', async () => {
    const root = tempDir('ss mcp folder ');
    writeTree(root, { 'docs/database.md': WORKSPACE['docs/database.md'] });
    const store = path.join(tempDir(), 'store');
    const { client } = await connect(['--store', store, '--folder', root], { SEMANTIC_SEARCH_MCP_INTERVAL_MS: '300' });
    try {
      await until('the first index', () => call(client, MCP_NAMES.status, {}).then((r) => r.text), (t) => /^1 files, (\d+) passages; \1 of them/m.test(t));
      writeTree(root, { 'src/cache.py': WORKSPACE['src/cache.py'] });
      await until('the new file', () => call(client, MCP_NAMES.search, { query: '密码缓存' }).then((r) => first(r.text)), (p) => p === 'src/cache.py:3');
    } finally {
      await client.close();
    }
  });

  it('says while its own run goes on that the index is still being built, and how far meanings have got', async () => {
    const root = tempDir('ss mcp building ');
    // Enough passages that embedding them takes seconds: the calls below land while the run goes on.
    writeTree(root, Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`docs/page${i}.md`,
      Array.from({ length: 8 }, (_, j) => `## Section ${j} of page ${i}\n\nThe database connection ${i}-${j} is configured in the file number ${j * i}.\n`).join('\n')])));
    const store = path.join(tempDir(), 'store');
    const { client } = await connect(['--store', store, '--folder', root], { SEMANTIC_SEARCH_MCP_INTERVAL_MS: '60000' });
    try {
      const seen: string[] = [];
      const deadline = Date.now() + 90_000;
      for (;;) {
        const { text } = await call(client, MCP_NAMES.search, { query: 'database connection', limit: 1 });
        seen.push(text);
        // Ended: every passage has its meaning and nothing more is going on.
        const status = (await call(client, MCP_NAMES.status, {})).text;
        if (/^300 files, (\d+) passages; \1 of them/m.test(status) && !/Note:/.test(status)) break;
        assert.ok(Date.now() < deadline, `the run did not end: ${seen.at(-1)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const building = seen.filter((t) => /Note: the index is still being built: (\d+) of 2400 passages can be found by meaning yet/.test(t));
      assert.ok(building.length > 0, `no answer during the run said so: ${seen.map((t) => t.split('\n')[0]).join(' | ')}`);
      assert.match(building[0], /^1\. docs\/page\d+\.md:\d+/m, 'it answers meanwhile');
      const final = (await call(client, MCP_NAMES.search, { query: 'database connection', limit: 1 })).text;
      assert.doesNotMatch(final, /Note:/, 'the index is complete');
    } finally {
      await client.close();
    }
  });

  it('answers while another process holds the lock, and takes up that process\'s saves', async () => {
    const root = tempDir('ss mcp locked ');
    writeTree(root, { 'docs/database.md': WORKSPACE['docs/database.md'] });
    const store = path.join(tempDir(), 'store');
    // This test process is the other writer: it holds the store's lock from open to dispose.
    const writer = await Engine.open({ modelDir: models.concept, storeDir: store, threads: 1 });
    try {
      await writer.index({ roots: [root] });
      const { client, stderr } = await connect(['--store', store, '--folder', root], { SEMANTIC_SEARCH_MCP_INTERVAL_MS: '300' });
      try {
        await until('the refused run', async () => stderr(), (s) => /is writing the index in/.test(s));
        const status = await call(client, MCP_NAMES.status, {});
        assert.match(status.text, /another process writes this index/);
        assert.equal(first((await call(client, MCP_NAMES.search, { query: '데이터베이스 연결' })).text), 'docs/database.md:3');
        writeTree(root, { 'src/cache.py': WORKSPACE['src/cache.py'] });
        await writer.index({ roots: [root] });
        assert.equal(first((await call(client, MCP_NAMES.search, { query: '密码缓存' })).text), 'src/cache.py:3');
      } finally {
        await client.close();
      }
    } finally {
      await writer.dispose();
    }
  });

  it('stops cleanly when stdin ends or on SIGTERM', async () => {
    const store = path.join(tempDir(), 'store');
    const root = tempDir('ss mcp stop ');
    writeTree(root, { 'docs/database.md': WORKSPACE['docs/database.md'] });
    for (const how of ['stdin', 'SIGTERM'] as const) {
      const child = spawn(process.execPath, [cliPath, 'mcp', '--model', models.concept, '--store', store, '--folder', root], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on('exit', (code, signal) => r([code, signal])));
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } })}\n`);
      await until('the answer to initialize', async () => out, (o) => o.includes('\n'));
      if (how === 'stdin') child.stdin.end();
      else child.kill('SIGTERM');
      assert.deepEqual(await exited, [0, null], how);
      // Only protocol on stdout: one JSON-RPC message per line.
      for (const line of out.trim().split('\n')) assert.equal(JSON.parse(line).jsonrpc, '2.0');
    }
  });
});
