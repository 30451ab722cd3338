import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../../src/node/engine';
import { sha256 as createHashHex } from '../../src/node/hash';
import { loadSnapshot } from '../../src/node/index/persist';
import { VectorStore } from '../../src/node/index/vectorStore';
import { decodeSeed, encodeSeed } from '../../src/node/team/seedFile';
import { inShard, parseShard, shardOf } from '../../src/node/team/shard';
import { checked, indexParams } from '../../src/worker/params';
import { cliPath, CORPUS, models, tempDir } from './helpers';
import { fp32TinyModel } from './incrementalModel';

// Sharing the index with a team: shards of a CI matrix merged into one store, a store exported as a portable
// seed, a first index that takes its vectors from the seed (a file, or an address served on 127.0.0.1), and a
// device this machine lacks. The CLI is the contract here, so it runs as a child process on real files.

const QUERIES = ['데이터베이스 연결 설정', 'how to deploy the site', 'コンポーネントの書き方', '图片优化'];

/** ~40 pages of the Astro docs, in English, Korean, Japanese and Chinese, dated an hour ago. */
function astroTree(): string {
  const root = tempDir('ss team tree ');
  for (const lang of ['en', 'ko', 'ja', 'zh-cn']) {
    const pages = readdirSync(path.join(CORPUS, lang), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.mdx')).sort().slice(0, 10);
    for (const rel of pages) cpSync(path.join(CORPUS, lang, rel), path.join(root, lang, rel));
  }
  const anHourAgo = new Date(Date.now() - 3600_000);
  for (const rel of readdirSync(root, { recursive: true, encoding: 'utf8' })) utimesSync(path.join(root, rel), anHourAgo, anHourAgo);
  return root;
}

interface Run { code: number | null; stdout: string; stderr: string }

/** The CLI as a child process (asynchronous, so a test's HTTP server in this process can answer it). */
function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function indexJson(...args: string[]) {
  const r = await cli('index', ...args, '--json');
  assert.equal(r.code, 0, r.stderr);
  return { summary: JSON.parse(r.stdout.trim().split('\n').at(-1)!), stderr: r.stderr };
}

/** A vector search that lists most passages with their similarity, and hybrid searches in two languages. */
async function searches(model: string, store: string): Promise<unknown[]> {
  const out = [];
  for (const [q, mode, limit] of [[QUERIES[0], 'vector', '200'], [QUERIES[1], 'hybrid', '10'], [QUERIES[2], 'hybrid', '10']]) {
    {
      const r = await cli('search', q, '--model', model, '--store', store, '--mode', mode, '--limit', limit, '--json');
      assert.equal(r.code, 0, r.stderr);
      out.push(JSON.parse(r.stdout).hits);
    }
  }
  return out;
}

async function loaded(store: string) {
  const manifest = JSON.parse(readFileSync(path.join(store, 'manifest.json'), 'utf8'));
  const r = await loadSnapshot(store, { modelId: manifest.modelId });
  assert.equal(r.status, 'loaded');
  return (r as Extract<typeof r, { status: 'loaded' }>).snapshot;
}

/** Every text's vector in `a` and `b`, bit for bit (half precision as saved), and the same texts. */
async function assertSameVectors(a: string, b: string): Promise<void> {
  const [x, y] = [await loaded(a), await loaded(b)];
  assert.deepEqual(y.chunks, x.chunks, 'the same passages');
  const hashes = new Set(x.chunks.map((c) => c.hash));
  assert.equal(x.vectors.rowCount, hashes.size);
  assert.equal(y.vectors.rowCount, hashes.size);
  for (const h of hashes) assert.deepEqual(y.vectors.halvesOf(h), x.vectors.halvesOf(h), `the vector of ${h}`);
}

describe('shards', () => {
  it('splits text hashes evenly, each in exactly one shard', () => {
    const hashes = Array.from({ length: 20_000 }, (_, i) => createHashHex(`text ${i}`));
    for (const count of [1, 2, 3, 4, 8]) {
      const sizes = new Array(count).fill(0);
      for (const h of hashes) {
        const k = shardOf(h, count);
        sizes[k - 1]++;
        assert.equal([...Array(count).keys()].filter((i) => inShard(h, { index: i + 1, count })).length, 1);
      }
      assert.ok(Math.max(...sizes) / hashes.length * count <= 1.1, `${count} shards: ${sizes.join(', ')}`);
    }
    assert.deepEqual(parseShard('2/4'), { index: 2, count: 4 });
    for (const bad of ['0/4', '5/4', '1/0', 'a/b', '2']) assert.match((parseShard(bad) as { problem: string }).problem, /^--shard must be K\/N/);
    assert.throws(() => checked(indexParams, { roots: ['/x'], shard: { index: 3, count: 2 } }), /A shard must be/);
    assert.throws(() => checked(indexParams, { roots: ['/x'], seed: 3 }), /The index seed must be/);
  });

  const root = astroTree();
  const work = tempDir('ss team ');
  const whole = path.join(work, 'whole');

  for (const [name, model] of [['concept', models.concept], ['tiny fp32', '']] as const) {
    for (const n of name === 'concept' ? [1, 2, 4] : [4]) {
      it(`${n} shard${n > 1 ? 's' : ''} of the Astro pages merged are the unsharded index, bit for bit (${name} model)`, async () => {
        const m = model || fp32TinyModel();
        const single = path.join(work, `${name}-single`);
        const { summary: all } = await indexJson(root, '--model', m, '--store', single);
        assert.equal(all.waiting, 0);
        const texts = new Set((await loaded(single)).chunks.map((c) => c.hash)).size;
        const stores = [];
        for (let k = 1; k <= n; k++) {
          const store = path.join(work, `${name}-${n}-${k}`);
          const { summary } = await indexJson(root, '--model', m, '--store', store, '--shard', `${k}/${n}`);
          assert.equal(summary.chunks, all.chunks, 'every shard reads and splits everything');
          assert.ok(Math.abs(summary.embedded * n / texts - 1) <= 0.25, `shard ${k}/${n} embeds about 1/${n} of ${texts} texts: ${summary.embedded}`);
          if (n > 1) assert.ok(summary.waiting > 0, 'the other shards\' texts wait');
          stores.push(store);
        }
        const merged = path.join(work, `${name}-${n}-merged`);
        const r = await cli('merge', ...stores, '--store', merged, '--json');
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(JSON.parse(r.stdout), { stores: n, files: all.files, chunks: all.chunks, vectors: texts, waiting: 0 });
        await assertSameVectors(single, merged);
        assert.deepEqual(await searches(m, merged), await searches(m, single));
        if (name === 'concept' && n === 1) cpSync(single, whole, { recursive: true });
      });
    }
  }

  it('refuses to merge a store of another model or format, with a sentence, writing nothing', async () => {
    const tiny = path.join(work, 'tiny-single');
    await indexJson(root, '--model', models.tiny, '--store', tiny);
    const out = path.join(work, 'refused');
    const r = await cli('merge', whole, tiny, '--store', out);
    assert.equal(r.code, 1);
    assert.match(r.stderr.trim(), /^The index in .*tiny-single was built with another model \(tiny@\w+, \d+ dimensions\) than the one in .* only stores of one model can be merged\.$/);
    assert.ok(!existsSync(path.join(out, 'manifest.json')));
    const old = path.join(work, 'old-format');
    cpSync(whole, old, { recursive: true });
    const manifest = JSON.parse(readFileSync(path.join(old, 'manifest.json'), 'utf8'));
    writeFileSync(path.join(old, 'manifest.json'), JSON.stringify({ ...manifest, format: 1 }));
    const f = await cli('merge', whole, old, '--store', out);
    assert.equal(f.code, 1);
    assert.match(f.stderr.trim(), /^The index in .*old-format cannot be used: it was written in format 1, this version reads format 2\.$/);
  });
});

describe('seeds', () => {
  const root = astroTree();
  const work = tempDir('ss team seed ');
  const m = models.concept;
  const source = path.join(work, 'source');
  const seed = path.join(work, 'index.seed');
  let texts = 0;
  let server: http.Server;
  let port = 0;
  const requests: { url: string; range?: string }[] = [];
  /** Paths the server cuts off halfway the first time they are asked for. */
  const cutOnce = new Set<string>();

  before(async () => {
    texts = (await indexJson(root, '--model', m, '--store', source)).summary.embedded;
    const r = await cli('export', '--store', source, '--out', seed, '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).vectors, texts);
    server = http.createServer((req, res) => {
      requests.push({ url: req.url!, range: req.headers.range });
      if (!req.url!.startsWith('/seeds/')) return res.writeHead(404).end();
      const bytes = readFileSync(seed);
      const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
      const body = bytes.subarray(start);
      res.writeHead(start ? 206 : 200, {
        'Content-Length': body.length, ...(start ? { 'Content-Range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` } : {}), 'Accept-Ranges': 'bytes',
      });
      if (cutOnce.delete(req.url!)) {
        res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
        return;
      }
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('exports a versioned file with no paths or user names', () => {
    const bytes = readFileSync(seed);
    const text = bytes.toString('latin1');
    for (const secret of [root, work, os.tmpdir(), os.homedir(), os.userInfo().username, process.env.USER, process.env.HOME].filter((s) => s && s.length > 1)) {
      assert.ok(!text.includes(secret!), `the seed holds ${secret}`);
    }
    assert.ok(!/\/(en|ko|ja|zh-cn)\//.test(text), 'no file paths either');
    const header = JSON.parse(text.split('\n')[1]);
    assert.deepEqual(Object.keys(header).sort(), ['bodyBytes', 'count', 'createdAt', 'dim', 'format', 'modelId', 'sha256', 'vectors']);
    assert.equal(header.format, 1);
    assert.equal(header.count, texts);
    assert.ok((bytes.length - 500) / texts <= 32 + header.dim * 2, 'a hash and the half-precision row per text, and a header');
  });

  it('an unchanged tree takes every vector from the seed and embeds nothing; the index is the source\'s', async () => {
    const store = path.join(work, 'unchanged');
    const { summary } = await indexJson(root, '--model', m, '--store', store, '--seed', seed);
    assert.equal(summary.seeded, texts);
    assert.equal(summary.embedded, 0);
    assert.equal(summary.waiting, 0);
    assert.equal(summary.seedProblem, undefined);
    await assertSameVectors(source, store);
    assert.deepEqual(await searches(m, store), await searches(m, source));
  });

  it('a tree with a few changed files embeds only their new texts', async () => {
    const changed = tempDir('ss team changed ');
    cpSync(root, changed, { recursive: true, preserveTimestamps: true });
    appendFileSync(path.join(changed, 'en', readdirSync(path.join(changed, 'en')).find((f) => f.endsWith('.mdx'))!), '\n## A new section\n\nThe build cache is kept between deploys.\n');
    writeFileSync(path.join(changed, 'ko', 'new-page.md'), '# 새 페이지\n\n데이터베이스 연결을 설정합니다.\n\n## 배포\n\n사이트를 배포합니다.\n');
    const store = path.join(work, 'changed');
    const { summary } = await indexJson(changed, '--model', m, '--store', store, '--seed', seed);
    const inSeed = new Set((await loaded(source)).chunks.map((c) => c.hash));
    const now = new Set((await loaded(store)).chunks.map((c) => c.hash));
    const fresh = [...now].filter((h) => !inSeed.has(h)).length;
    assert.ok(fresh >= 3 && fresh < 10, `a few new texts: ${fresh}`);
    assert.equal(summary.embedded, fresh);
    assert.equal(summary.seeded, now.size - fresh);
  });

  /** A run whose seed cannot be used: a sentence on stderr and in the summary, and a complete local index. */
  async function refused(seedArg: string, why: RegExp, model = m): Promise<void> {
    const store = path.join(tempDir(), 'store');
    const { summary, stderr } = await indexJson(root, '--model', model, '--store', store, '--seed', seedArg);
    assert.match(summary.seedProblem, /^The index seed .* was not used: .*; the texts are embedded on this machine\.$/);
    assert.match(summary.seedProblem, why);
    assert.ok(stderr.includes(summary.seedProblem), 'said on stderr');
    assert.equal(summary.seeded, 0);
    assert.equal(summary.waiting, 0);
    assert.equal(summary.embedded, summary.chunks > 0 ? summary.embedded : 0);
    const r = await cli('search', '데이터베이스 연결 설정', '--model', model, '--store', store, '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(JSON.parse(r.stdout).hits.length > 0, 'the local index works');
  }

  it('a seed of another model is refused with a sentence, and the run embeds locally', async () => {
    await refused(seed, /made with another model \(concept@\w+\), not this one \(tiny@\w+\)/, models.tiny);
  });

  it('a truncated seed, a tampered one and an unreachable address are refused with a sentence', async () => {
    const bytes = readFileSync(seed);
    const truncated = path.join(work, 'truncated.seed');
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 1000));
    await refused(truncated, /it is truncated \(\d+ of \d+ bytes\)/);
    const tampered = path.join(work, 'tampered.seed');
    const copy = Buffer.from(bytes);
    copy[copy.length - 5] ^= 0x01;
    writeFileSync(tampered, copy);
    await refused(tampered, /its content does not match its SHA-256/);
    await refused(path.join(work, 'missing.seed'), /there is no such file/);
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await refused(`http://127.0.0.1:${closedPort}/seeds/a.seed`, /Cannot reach 127\.0\.0\.1: ECONNREFUSED/);
    await refused(`http://127.0.0.1:${port}/nothing-here.seed`, /was not found at/);
    await refused('http://example.com/index.seed', /must come from an https address, not http:\/\/example\.com/);
  });

  it('takes a seed served over HTTP on 127.0.0.1, and resumes a download cut off midway', async () => {
    const store = path.join(work, 'http');
    const { summary } = await indexJson(root, '--model', m, '--store', store, '--seed', `http://127.0.0.1:${port}/seeds/main.seed`);
    assert.equal(summary.seeded, texts);
    assert.equal(summary.embedded, 0);
    assert.equal(readdirSync(path.join(store, 'seed-cache')).length, 1, 'kept in the store\'s cache');

    const cut = `/seeds/cut.seed`;
    cutOnce.add(cut);
    requests.length = 0;
    const resumed = path.join(work, 'resumed');
    const r = await indexJson(root, '--model', m, '--store', resumed, '--seed', `http://127.0.0.1:${port}${cut}`);
    assert.equal(r.summary.seedProblem, undefined, r.stderr);
    assert.equal(r.summary.seeded, texts);
    const asked = requests.filter((q) => q.url === cut);
    assert.equal(asked.length, 2, JSON.stringify(asked));
    assert.equal(asked[0].range, undefined);
    // The bytes the server wrote before it cut the connection, less what the connection lost as it was reset.
    const from = Number(/^bytes=(\d+)-$/.exec(asked[1].range ?? '')?.[1]);
    assert.ok(from > 0 && from <= readFileSync(seed).length / 2, `the second request asks for the rest only: ${asked[1].range}`);
    await assertSameVectors(source, resumed);
  });

  it('Show Index Info counts the passages whose vectors came from a seed, after a reload too', async () => {
    const storeDir = path.join(work, 'info');
    let engine = await Engine.open({ modelDir: m, storeDir });
    try {
      const s = await engine.index({ roots: [root], seed });
      assert.equal(s.seeded, texts);
      assert.equal(engine.info().seeded, s.chunks);
    } finally {
      await engine.dispose();
    }
    engine = await Engine.open({ modelDir: m, storeDir });
    try {
      assert.equal(engine.info().seeded, engine.info().chunks);
      assert.equal(engine.info().storeProblem, undefined);
    } finally {
      await engine.dispose();
    }
  });

  it('decodes what it encodes, and names what is wrong with a damaged header', () => {
    const store = new VectorStore(16);
    store.put(createHashHex('a'), Array.from({ length: 16 }, (_, i) => i + 1));
    store.put(createHashHex('b'), Array.from({ length: 16 }, (_, i) => 16 - i));
    const bytes = encodeSeed('m@1', store);
    const seedRead = decodeSeed(bytes, { modelId: 'm@1', dim: 16 });
    assert.ok(!('problem' in seedRead));
    assert.deepEqual(seedRead.hashes, [createHashHex('a'), createHashHex('b')]);
    assert.deepEqual(seedRead.halves.subarray(16, 32), store.halvesOf(createHashHex('b')));
    const problem = (b: Buffer) => (decodeSeed(b, { modelId: 'm@1', dim: 16 }) as { problem: string }).problem;
    assert.match(problem(Buffer.from('not a seed')), /not an index seed/);
    const [magic, header] = bytes.toString('latin1').split('\n');
    const body = bytes.subarray(magic.length + header.length + 2);
    const withHeader = (h: object) => Buffer.concat([Buffer.from(`${magic}\n${JSON.stringify(h)}\n`), body]);
    const parsed = JSON.parse(header);
    assert.match(problem(withHeader({ ...parsed, format: 2 })), /seed format 2, this version reads seed format 1/);
    assert.match(problem(withHeader({ ...parsed, count: 'two' })), /its header is not valid \(count: should be a number\)/);
    assert.match(problem(withHeader({ ...parsed, dim: 8 })), /8-dimensional vectors, the model makes 16/);
    assert.match(problem(withHeader({ ...parsed, count: 3 })), /not consistent/);
  });
});

describe('devices', () => {
  it('--device cuda on a machine without CUDA says so and runs on the CPU, with the CPU\'s results', async () => {
    const root = astroTree();
    const cpu = path.join(tempDir(), 'cpu');
    const cuda = path.join(tempDir(), 'cuda');
    await indexJson(root, '--model', models.concept, '--store', cpu, '--device', 'cpu');
    const { stderr } = await indexJson(root, '--model', models.concept, '--store', cuda, '--device', 'cuda');
    assert.match(stderr, /^The model runs on the CPU, not on CUDA: .+\.$/m);
    await assertSameVectors(cpu, cuda);
    const r = await cli('search', 'x', '--model', models.concept, '--store', cpu, '--device', 'gpu');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^--device must be one of cpu, cuda, dml, coreml, not "gpu"\./);
  });
});
