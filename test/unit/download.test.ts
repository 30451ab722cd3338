import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { env, pipeline } from '@huggingface/transformers';
import {
  checkModelFolder, checkModelFolderDeep, downloadModel, fileUrl, MANIFEST_FILE, MODEL, type DownloadManifest,
  type DownloadOptions, type DownloadProgress,
} from '../../src/vscode/model/download';
import { DownloadError, parseContentRange, sha256FromEtag } from '../../src/net/httpGet';
import { HUB_COMMIT, HubServer, readTree, sha256, type Behaviour } from './fixtures/download/hubServer';
import { models, repoRoot, tempDir } from './helpers';

const ONNX = 'onnx/model_quantized.onnx';
const REVISION = '0123456789abcdef0123456789abcdef01234567';

if (!existsSync(path.join(models.tiny, ONNX))) {
  spawnSync(process.execPath, ['scripts/makeModels.mjs', '--only', 'tiny', '--quiet'], { cwd: repoRoot, stdio: 'inherit' });
}
const tiny = readTree(models.tiny);

/** The download's rejection, asserted to be a DownloadError. */
async function failure(p: Promise<unknown>): Promise<DownloadError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof DownloadError, `expected a DownloadError, got ${String(e)}`);
    return e;
  }
  assert.fail('the download should have failed');
}

function assertSameFiles(dest: string): void {
  for (const file of MODEL.files) assert.ok(readFileSync(path.join(dest, file)).equals(tiny.get(file)!), `${file} differs`);
}

describe('downloadModel against a local hub', () => {
  let hub: HubServer;
  let dest: string;
  const options = (extra: Partial<DownloadOptions> = {}): DownloadOptions =>
    ({ endpoint: hub.endpoint, repo: MODEL.repo, revision: REVISION, files: MODEL.files, dest, ...extra });
  const serve = (behaviour: Behaviour) => hub.reset({ linked: true, ...behaviour });
  const part = () => path.join(`${dest}.partial`, `${ONNX}.part`);

  before(async () => { hub = await HubServer.start(MODEL.repo, models.tiny); });
  after(async () => { await hub.close(); });
  beforeEach(() => {
    dest = path.join(tempDir('ss-download-'), 'models', 'paraphrase-multilingual-MiniLM-L12-v2');
    serve({});
  });

  it('downloads byte-identical files and a manifest, and the folder loads and embeds with transformers.js', async () => {
    const progress: DownloadProgress[] = [];
    await downloadModel(options({ onProgress: (p) => progress.push(p) }));
    assertSameFiles(dest);
    const manifest = JSON.parse(readFileSync(path.join(dest, MANIFEST_FILE), 'utf8')) as DownloadManifest;
    assert.equal(manifest.repo, MODEL.repo);
    assert.equal(manifest.revision, REVISION);
    assert.deepEqual(Object.keys(manifest.files), [...MODEL.files]);
    for (const file of MODEL.files) assert.deepEqual(manifest.files[file], { size: tiny.get(file)!.length, sha256: sha256(tiny.get(file)!) });
    assert.ok(!Number.isNaN(Date.parse(manifest.completedAt)));
    assert.ok(!existsSync(`${dest}.partial`) && !existsSync(`${dest}.lock`), 'no staging folder or lock left behind');
    assert.equal(hub.requestsFor(ONNX).length, 1);

    const total = MODEL.files.reduce((n, f) => n + tiny.get(f)!.length, 0);
    const last = progress.at(-1)!;
    assert.equal(last.overallReceived, total);
    assert.equal(last.overallTotal, total);
    assert.ok(progress.every((p, i) => i === 0 || p.overallReceived >= progress[i - 1].overallReceived), 'progress never goes back');
    assert.ok(progress.some((p) => p.file === ONNX && p.totalBytes === tiny.get(ONNX)!.length));

    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    const extractor = await pipeline('feature-extraction', dest, { local_files_only: true, dtype: 'q8', device: 'cpu' });
    try {
      const out = await extractor('데이터베이스 연결은 어떻게 설정하나요?', { pooling: 'mean', normalize: true });
      const v = Array.from(out.data as Float32Array);
      assert.equal(v.length, 32);
      assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5);
    } finally {
      await extractor.dispose();
    }
  });

  it('reports the overall total from the start when the sizes are known in advance', async () => {
    const expected = Object.fromEntries(MODEL.files.map((f) => [f, { size: tiny.get(f)!.length }]));
    const progress: DownloadProgress[] = [];
    await downloadModel(options({ expected, onProgress: (p) => progress.push(p) }));
    const total = MODEL.files.reduce((n, f) => n + tiny.get(f)!.length, 0);
    assert.ok(progress.length > 0 && progress.every((p) => p.overallTotal === total));
  });

  it('resumes an interrupted download with a Range request and verifies the result', async () => {
    serve({ cutOnnxAfter: 50_000 });
    const first = await failure(downloadModel(options()));
    assert.equal(first.code, 'interrupted');
    assert.match(first.message, /interrupted after \d+ bytes/);
    assert.ok(!existsSync(dest), 'nothing at dest after an interruption');
    const kept = statSync(part()).size;
    assert.ok(kept > 0 && kept <= 50_000, `partial file kept (${kept} bytes)`);

    serve({});
    await downloadModel(options());
    assertSameFiles(dest);
    const [resumed] = hub.requestsFor(ONNX);
    assert.equal(resumed.range, `bytes=${kept}-`);
    assert.equal(resumed.status, 206);
    assert.equal(resumed.bytes, tiny.get(ONNX)!.length - kept);
    assert.equal(hub.requestsFor('config.json').length, 0, 'finished files are not fetched again');
    assert.ok(checkModelFolder(dest).ok);
    assert.ok((await checkModelFolderDeep(dest)).ok);
  });

  it('verifies a partial file that is already whole when the server answers 416', async () => {
    const staging = `${dest}.partial`;
    mkdirSync(path.join(staging, 'onnx'), { recursive: true });
    writeFileSync(path.join(staging, 'partial.json'), JSON.stringify({ repo: MODEL.repo, revision: REVISION }));
    writeFileSync(part(), tiny.get(ONNX)!);
    await downloadModel(options());
    assertSameFiles(dest);
    assert.deepEqual(hub.requestsFor(ONNX).map((s) => [s.status, s.bytes]), [[416, 0]]);
  });

  it('starts over when the server ignores Range, and still verifies', async () => {
    serve({ cutOnnxAfter: 40_000 });
    await failure(downloadModel(options()));
    serve({ ignoreRange: true });
    await downloadModel(options());
    assertSameFiles(dest);
    const [again] = hub.requestsFor(ONNX);
    assert.match(again.range ?? '', /^bytes=\d+-$/);
    assert.equal(again.status, 200);
    assert.equal(again.bytes, tiny.get(ONNX)!.length);
  });

  it('discards partial files of another revision', async () => {
    serve({ cutOnnxAfter: 40_000 });
    await failure(downloadModel(options({ revision: 'main' })));
    serve({});
    await downloadModel(options());
    assert.equal(hub.requestsFor(ONNX)[0].range, undefined);
    assert.equal(hub.requestsFor('config.json').length, 1);
    assertSameFiles(dest);
  });

  it('rejects a file whose sha256 differs from the stated one, and keeps nothing of it', async () => {
    serve({ wrongSha: true });
    const e = await failure(downloadModel(options()));
    assert.equal(e.code, 'corrupt');
    assert.match(e.message, new RegExp(`^model_quantized\\.onnx is corrupt: expected sha256 0{64}, got ${sha256(tiny.get(ONNX)!)}\\.$`));
    assert.ok(!existsSync(dest));
    assert.ok(!existsSync(part()), 'the corrupt partial data is deleted');
  });

  it('rejects a file whose size differs from the stated one', async () => {
    serve({ wrongSize: true });
    const e = await failure(downloadModel(options()));
    const size = tiny.get(ONNX)!.length;
    assert.equal(e.message, `model_quantized.onnx is corrupt: expected ${size + 7} bytes, got ${size}.`);
    assert.ok(!existsSync(dest));
  });

  it('lets `expected` win over what the server states', async () => {
    const e = await failure(downloadModel(options({ expected: { 'config.json': { sha256: 'f'.repeat(64) } } })));
    assert.match(e.message, /^config\.json is corrupt: expected sha256 f{64}, got [0-9a-f]{64}\.$/);
    const small = await failure(downloadModel(options({ expected: { [ONNX]: { size: 1000 } } })));
    assert.match(small.message, /model_quantized\.onnx is corrupt: the server sent more than the expected 1000 bytes/);
    assert.ok(!existsSync(dest));
  });

  it('reports a missing file as not found, naming the URL', async () => {
    serve({ notFound: ['tokenizer.json'] });
    const e = await failure(downloadModel(options()));
    assert.equal(e.code, 'not-found');
    assert.equal(e.message, `tokenizer.json was not found at ${hub.endpoint}/${MODEL.repo}/resolve/${REVISION}/tokenizer.json.`);
    assert.ok(!existsSync(dest));
  });

  it('cancels a slow download promptly, keeping the partial file for later', async () => {
    serve({ trickle: { bytes: 2_000, everyMs: 25 } });
    const controller = new AbortController();
    const download = downloadModel(options({ signal: controller.signal }));
    // Wait until the .onnx is flowing, bounded.
    for (let i = 0; i < 100 && !(hub.requestsFor(ONNX)[0]?.bytes > 0); i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    controller.abort();
    const e = await failure(download);
    assert.ok(Date.now() - t0 < 2_000, `rejected after ${Date.now() - t0} ms`);
    assert.equal(e.name, 'AbortError');
    assert.equal(e.code, 'aborted');
    assert.ok(!existsSync(dest));
    assert.ok(statSync(part()).size > 0, 'partial data kept');
    assert.ok(!existsSync(`${dest}.lock`));
  });

  it('gives up on a server that stops sending', async () => {
    serve({ stall: true });
    const t0 = Date.now();
    const e = await failure(downloadModel(options({ idleTimeoutMs: 300 })));
    assert.equal(e.code, 'timeout');
    assert.equal(e.message, `The server at 127.0.0.1:${new URL(hub.endpoint).port} sent nothing for 300 ms, so the download was stopped.`);
    assert.ok(Date.now() - t0 < 3_000);
    assert.ok(!existsSync(dest));
  });

  it('follows a relative redirect, verifying with the X-Linked headers the hub puts on the redirect', async () => {
    serve({ redirect: 'relative' });
    await downloadModel(options());
    assertSameFiles(dest);
    assert.deepEqual(hub.served.filter((s) => s.path.endsWith(ONNX)).map((s) => [s.path.startsWith('/cdn/'), s.status]), [[false, 302], [true, 200]]);
  });

  it("follows an absolute redirect, taking the hub's weak ETag as the sha256 and ignoring the CDN's", async () => {
    serve({ redirect: 'absolute', linked: false });
    await downloadModel(options());
    assertSameFiles(dest);
    rmSync(dest, { recursive: true });
    serve({ redirect: 'absolute', linked: false, wrongSha: true });
    const e = await failure(downloadModel(options()));
    assert.match(e.message, /^model_quantized\.onnx is corrupt: expected sha256 0{64}/);
  });

  it('stops after too many redirects', async () => {
    serve({ redirect: 'loop' });
    const e = await failure(downloadModel(options()));
    assert.equal(e.code, 'redirects');
    assert.ok(hub.requestsFor('config.json').length <= 6);
  });

  it('names the host it cannot reach', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const e = await failure(downloadModel(options({ endpoint: `http://127.0.0.1:${port}` })));
    assert.equal(e.code, 'unreachable');
    assert.match(e.message, /^Cannot reach 127\.0\.0\.1: ECONNREFUSED \(connect ECONNREFUSED 127\.0\.0\.1:\d+\)\.$/);
  });

  it('does nothing when dest already holds the download, and replaces an invalid dest', async () => {
    mkdirSync(dest, { recursive: true });
    writeFileSync(path.join(dest, 'config.json'), 'half a model');
    await downloadModel(options());
    assertSameFiles(dest);
    hub.reset({});
    await downloadModel(options());
    assert.equal(hub.served.length, 0);
  });

  it("verifies every file of a custom revision against the hub API's hashes when the mirror sends no hash headers", async () => {
    serve({ linked: false });
    await downloadModel(options());
    assertSameFiles(dest);
    const apiAt = hub.served.findIndex((r) => r.path === `/api/models/${MODEL.repo}/revision/${REVISION}`);
    assert.equal(apiAt, 0, `the file list with its hashes comes first: ${hub.served.map((r) => r.path).join(', ')}`);
    for (const tampered of [ONNX, 'config.json', 'tokenizer.json']) {
      for (const dir of [dest, `${dest}.partial`]) rmSync(dir, { recursive: true, force: true });
      serve({ linked: false, tamper: [tampered] });
      const e = await failure(downloadModel(options()));
      assert.equal(e.code, 'corrupt', tampered);
      assert.match(e.message, new RegExp(`^${path.posix.basename(tampered).replace('.', '\\.')} is corrupt: expected (sha256|git blob) [0-9a-f]{40,64}, got [0-9a-f]{40,64}\\.$`));
      assert.ok(!existsSync(dest), `nothing kept of a download with a tampered ${tampered}`);
    }
  });

  it('downloads a branch at the commit the hub API resolves it to, whose hashes it gave', async () => {
    serve({ linked: false });
    await downloadModel(options({ revision: 'main' }));
    assertSameFiles(dest);
    assert.ok(hub.requestsFor(ONNX).every((r) => r.path === `/${MODEL.repo}/resolve/${HUB_COMMIT}/${ONNX}`), hub.requestsFor(ONNX)[0].path);
    const manifest = JSON.parse(readFileSync(path.join(dest, MANIFEST_FILE), 'utf8')) as DownloadManifest;
    assert.deepEqual([manifest.revision, manifest.commit], ['main', HUB_COMMIT]);
  });

  it('refuses a custom revision whose hashes the server does not give, before downloading anything', async () => {
    for (const api of ['missing', 'broken', 'no-hashes'] as const) {
      serve({ api });
      const e = await failure(downloadModel(options({ revision: 'refs/pr/1' })));
      assert.equal(e.code, 'unverified', api);
      assert.match(e.message, /^The files of revision refs\/pr\/1 cannot be verified, so none was downloaded: [^.]*\(.+\)\.$/, `${api}: ${e.message}`);
      assert.equal(e.message.split('. ').length, 1, 'one sentence');
      assert.deepEqual(hub.served.map((r) => r.path), [`/api/models/${MODEL.repo}/revision/refs/pr/1`], api);
      assert.ok(!existsSync(dest) && !existsSync(`${dest}.partial`));
    }
  });

  it('needs no hub API for files whose hashes are known in advance (the pinned revision)', async () => {
    serve({ api: 'missing', linked: false });
    const expected = Object.fromEntries(MODEL.files.map((f) => [f, { size: tiny.get(f)!.length, sha256: sha256(tiny.get(f)!) }]));
    await downloadModel(options({ expected }));
    assertSameFiles(dest);
    assert.ok(hub.served.every((r) => !r.path.startsWith('/api/')));
  });

  it('refuses to share the staging folder with a running download, and takes over a stale lock', async () => {
    mkdirSync(path.dirname(dest), { recursive: true });
    writeFileSync(`${dest}.lock`, JSON.stringify({ pid: process.pid }));
    const e = await failure(downloadModel(options()));
    assert.equal(e.code, 'busy');
    writeFileSync(`${dest}.lock`, JSON.stringify({ pid: 2 ** 22 + 1 }));
    await downloadModel(options());
    assertSameFiles(dest);
  });
});

describe('checkModelFolder', () => {
  let hub: HubServer;
  let dest: string;
  before(async () => { hub = await HubServer.start(MODEL.repo, models.tiny); });
  after(async () => { await hub.close(); });
  beforeEach(async () => {
    dest = path.join(tempDir('ss-cache-'), 'model');
    await downloadModel({ endpoint: hub.endpoint, repo: MODEL.repo, revision: REVISION, files: MODEL.files, dest });
  });

  it('accepts a complete download that matches the expectation', async () => {
    assert.ok(checkModelFolder(dest, { repo: MODEL.repo, revision: REVISION, files: MODEL.files }).ok);
    assert.ok((await checkModelFolderDeep(dest)).ok);
  });

  it('reports a truncated or deleted file, and a missing manifest', () => {
    truncateSync(path.join(dest, 'tokenizer.json'), 100);
    assert.deepEqual(checkModelFolder(dest), { ok: false, reason: `tokenizer.json has 100 bytes instead of ${tiny.get('tokenizer.json')!.length}.` });
    rmSync(path.join(dest, ONNX));
    writeFileSync(path.join(dest, 'tokenizer.json'), tiny.get('tokenizer.json')!);
    assert.deepEqual(checkModelFolder(dest), { ok: false, reason: `${ONNX} is missing from the model folder.` });
    rmSync(path.join(dest, MANIFEST_FILE));
    const r = checkModelFolder(dest);
    assert.ok(!r.ok && r.reason.includes('no download.json'));
  });

  it('reports another revision or a missing required file', () => {
    const r = checkModelFolder(dest, { revision: 'other' });
    assert.ok(!r.ok && r.reason.includes('revision'));
    const s = checkModelFolder(dest, { files: [...MODEL.files, 'onnx/model.onnx'] });
    assert.ok(!s.ok && s.reason.includes('onnx/model.onnx'));
  });

  it('finds a flipped byte only in the deep check', async () => {
    const file = path.join(dest, ONNX);
    const bytes = readFileSync(file);
    bytes[1000] ^= 0xff;
    writeFileSync(file, bytes);
    assert.ok(checkModelFolder(dest).ok);
    const deep = await checkModelFolderDeep(dest);
    assert.ok(!deep.ok && deep.reason.startsWith(`${ONNX} is corrupt`));
  });
});

describe('download helpers', () => {
  it('builds hub URLs with encoded segments', () => {
    assert.equal(fileUrl('https://huggingface.co/', 'a b/c', 'refs/pr/1', 'onnx/m q.onnx').href, 'https://huggingface.co/a%20b/c/resolve/refs%2Fpr%2F1/onnx/m%20q.onnx');
    assert.equal(fileUrl('https://mirror.example/hf', MODEL.repo, MODEL.revision, ONNX).href,
      `https://mirror.example/hf/${MODEL.repo}/resolve/${MODEL.revision}/${ONNX}`);
  });

  it('reads a sha256 from an ETag, quoted or weak, and ignores git blob ids', () => {
    const h = 'a'.repeat(64);
    assert.equal(sha256FromEtag(`"${h}"`), h);
    assert.equal(sha256FromEtag(`W/"${h.toUpperCase()}"`), h);
    assert.equal(sha256FromEtag('"0123456789abcdef0123456789abcdef01234567"'), undefined);
    assert.equal(sha256FromEtag(undefined), undefined);
  });

  it('parses Content-Range', () => {
    assert.deepEqual(parseContentRange('bytes 100-199/200'), { start: 100, total: 200 });
    assert.deepEqual(parseContentRange('bytes */200'), { start: undefined, total: 200 });
    assert.deepEqual(parseContentRange(undefined), {});
  });

  it('refuses file paths that leave the folder', async () => {
    const e = await failure(downloadModel({ endpoint: 'http://127.0.0.1:9', repo: 'a/b', revision: 'main', files: ['../x'], dest: tempDir() }));
    assert.equal(e.code, 'invalid');
  });
});
