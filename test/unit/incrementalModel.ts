// The model-based test of incremental indexing, shared by test/unit/incremental.test.ts (a fixed seed, a few
// hundred steps) and test/soak/incremental.soak.ts (random seeds, thousands of steps). Random sequences of
// workspace changes are applied to real files and indexed by the real engine, the way the extension does it
// (full scans and watcher paths, runs cancelled or killed halfway, meanings streamed with a checkpoint after
// nearly every batch); after every step the index must equal a fresh index of the same tree (built at once,
// without checkpoints), in memory, on disk and after a reload. What a stopped run left on disk must load, and
// hold every file whole.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import type { SearchHit, SearchOptions } from '../../src/common/protocol/engine';
import type { CancelToken } from '../../src/common/protocol/workerClient';
import { Engine } from '../../src/node/engine';
import { loadSnapshot, type LoadResult, type Snapshot } from '../../src/node/index/persist';
import { ORPHAN_MS } from '../../src/node/index/storeLock';
import { seededRandom } from '../../scripts/models/seededRandom.mjs';
import { cliPath, models } from './helpers';

// ---------------------------------------------------------------------------------------------------------
// The model: what the workspace holds. Files are lists of rendered units (sections or documented functions)
// so that edits can replace, insert or drop one; a file's text is its units joined.

interface FileSpec {
  head: string;
  units: string[];
  /** Written in Latin-1, which is not valid UTF-8. */
  latin1?: boolean;
}

export interface TreeModel {
  files: Map<string, FileSpec>;
  /** The other branch, after a branch switch: switching back restores it. */
  stash?: Map<string, FileSpec>;
  /** Commands run (for the step count), and when to stop running them. */
  steps: number;
  deadline: number;
}

const render = (f: FileSpec) => f.head + f.units.join('');

/** A seeded generator with whole numbers and picks, so a command's content is its seed. */
function prng(seed: number) {
  const next = seededRandom(seed);
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(xs: readonly T[]): T => xs[int(xs.length)] };
}
type Rng = ReturnType<typeof prng>;

const WORDS = [
  ['database', 'connection', 'server', 'cache', 'memory', 'user', 'error', 'parser', 'configure', 'deploy', 'image', 'test', 'install', 'search', 'password', 'network', 'token', 'index', 'query', 'release'],
  ['데이터베이스', '연결', '서버', '캐시', '메모리', '사용자', '오류', '설정', '배포', '검색', '비밀번호', '설치'],
  ['データベース', '接続', 'サーバー', 'キャッシュ', 'ユーザー', 'エラー', '設定', 'デプロイ', '検索', 'テスト'],
  ['数据库', '连接', '服务器', '缓存', '用户', '错误', '配置', '部署', '搜索', '密码'],
];
const SEPARATOR = [' ', ' ', '', ''];

function sentence(rng: Rng, min = 3, max = 12): string {
  const lang = rng.int(WORDS.length);
  const n = min + rng.int(max - min + 1);
  return Array.from({ length: n }, () => rng.pick(WORDS[lang])).join(SEPARATOR[lang]);
}

const CODE = {
  ts: { line: '//', doc: (t: string) => `/** ${t} */\n`, fn: (i: number) => `export function f${i}(): void {}\n` },
  py: { line: '#', doc: (t: string) => `# ${t}\n`, fn: (i: number) => `def f_${i}():\n    pass\n` },
  go: { line: '//', doc: (t: string) => `// ${t}\n`, fn: (i: number) => `func F${i}() {}\n` },
  rs: { line: '//', doc: (t: string) => `/// ${t}\n`, fn: (i: number) => `pub fn f_${i}() {}\n` },
} as const;

/** One unit of a file with extension `ext`: a Markdown section, or a documented function. */
function unit(rng: Rng, ext: string): string {
  if (ext === 'md') {
    const level = rng.pick(['##', '##', '###']);
    const body = Array.from({ length: 1 + rng.int(3) }, () => sentence(rng)).join('. ');
    return `${level} ${sentence(rng, 1, 4)}\n\n${body}.\n\n${rng.int(6) ? '' : '```sh\nmake build\n```\n\n'}`;
  }
  const c = CODE[ext as keyof typeof CODE];
  const i = rng.int(1000);
  const doc = rng.int(4) ? c.doc(sentence(rng)) : `${c.doc(sentence(rng))}${c.line} ${sentence(rng)}\n`;
  return `\n${doc}${c.fn(i)}`;
}

function newFile(rng: Rng, ext: string): FileSpec {
  // Files that are skipped with their reason: binary, or not UTF-8 (Latin-1 bytes read as UTF-8).
  if (!rng.int(10)) return rng.int(2) ? { head: '# broken\u0000\u0001\n', units: [] } : { head: '# café\n', units: [], latin1: true };
  const units = Array.from({ length: 1 + rng.int(5) }, () => unit(rng, ext));
  const head = ext === 'md' ? `${rng.int(5) ? '' : '---\ntitle: notes\n---\n\n'}# ${sentence(rng, 1, 3)}\n\n${sentence(rng)}.\n\n` : '';
  return { head, units };
}

/** A long Markdown file (a CHANGELOG) of `sections` sections. */
function bigFile(seed: number, sections: number): FileSpec {
  const rng = prng(seed);
  return { head: '# Changelog\n\n', units: Array.from({ length: sections }, (_, i) => `## ${i}.${rng.int(100)}.0\n\n${sentence(rng, 2, 8)}.\n\n`) };
}

const DIRS = ['', 'docs', 'docs/guide', 'src', 'src/lib', 'notes 2', '문서'];
const NAMES = ['readme', 'guide', 'api', 'util', 'main', '설정', 'intro'];
const EXTS = ['md', 'md', 'md', 'ts', 'py', 'go', 'rs'];
const BIG = 'CHANGELOG.md';
const extOf = (rel: string) => path.extname(rel).slice(1);
const join = (dir: string, name: string) => (dir ? `${dir}/${name}` : name);

// ---------------------------------------------------------------------------------------------------------
// The real system: a workspace folder, the engine's store and the engine.

export interface World {
  root: string;
  store: string;
  modelDir: string;
  engine: Engine;
  log: (line: string) => void;
}

/** The world's engine saves a checkpoint this often while it embeds (a few ms: after nearly every batch). */
const CHECKPOINT_MS = 5;

const abs = (w: World, rel: string) => path.join(w.root, ...rel.split('/'));

function writeFile(w: World, rel: string, f: FileSpec): void {
  mkdirSync(path.dirname(abs(w, rel)), { recursive: true });
  writeFileSync(abs(w, rel), f.latin1 ? Buffer.from(render(f), 'latin1') : render(f));
}

let fp32Model: string | undefined;
/**
 * The tiny test model with its fp32 weights only. The int8 model quantises activations per batch, so a
 * text's vector depends slightly on the texts embedded with it; with fp32 weights it does not (beyond
 * rounding), and an index built step by step can be compared with a fresh one closely.
 */
export function fp32TinyModel(): string {
  if (fp32Model) return fp32Model;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ss-fp32-'));
  mkdirSync(path.join(dir, 'onnx'));
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'onnx/model.onnx']) {
    copyFileSync(path.join(models.tiny, f), path.join(dir, f));
  }
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return (fp32Model = dir);
}

/**
 * Opens the engine on a store, the way the worker does at start (the full text waited for); `checkpointMs`:
 * how often it saves while it embeds (by default the product's, which these small runs never reach).
 */
async function openEngine(w: Pick<World, 'modelDir' | 'store'>, checkpointMs?: number): Promise<Engine> {
  const engine = await Engine.open({ modelDir: w.modelDir, storeDir: w.store, threads: 1, ...(checkpointMs !== undefined ? { checkpointMs } : {}) });
  await engine.whenLoaded();
  return engine;
}

/** The world's own engine: it streams meanings with checkpoints, where the fresh one it is compared with does not. */
const openWorldEngine = (w: Pick<World, 'modelDir' | 'store'>) => openEngine(w, CHECKPOINT_MS);

/**
 * Opens the engine again after the process that held the store was killed. The one place that knows what
 * a killed writer leaves behind: the store must load as it was last saved, never as damaged.
 */
async function openAfterKill(w: World): Promise<Engine> {
  const engine = await openWorldEngine(w);
  assert.equal(engine.info().storeProblem, undefined, 'the store a killed run left behind loads');
  // A run killed right after it took the lock leaves the lock without an owner file: the engine searches
  // read-only until the lock is ORPHAN_MS old, and takes it at its next run after that.
  if (engine.info().readOnly) await new Promise((resolve) => setTimeout(resolve, ORPHAN_MS + 250));
  return engine;
}

export async function createWorld(log: (line: string) => void): Promise<World> {
  const base = mkdtempSync(path.join(os.tmpdir(), 'ss-incr-'));
  const w = { root: path.join(base, 'workspace'), store: path.join(base, 'store'), modelDir: fp32TinyModel(), log } as World;
  mkdirSync(w.root);
  w.engine = await openWorldEngine(w);
  await w.engine.index({ roots: [w.root] });
  return w;
}

export async function destroyWorld(w: World): Promise<void> {
  await w.engine.dispose();
  rmSync(path.dirname(w.root), { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------------
// How each change is indexed: by a full scan or by the watcher's paths, possibly interrupted first.

type Interrupt = { kind: 'none' } | { kind: 'cancel'; after: number } | { kind: 'kill'; afterMs: number };
interface RunSpec {
  watcher: boolean;
  interrupt: Interrupt;
}

const runSpecArb: fc.Arbitrary<RunSpec> = fc.record({
  watcher: fc.boolean(),
  interrupt: fc.oneof(
    { weight: 16, arbitrary: fc.constant<Interrupt>({ kind: 'none' }) },
    { weight: 3, arbitrary: fc.nat(6).map((after): Interrupt => ({ kind: 'cancel', after })) },
    { weight: 1, arbitrary: fc.integer({ min: 20, max: 1200 }).map((afterMs): Interrupt => ({ kind: 'kill', afterMs })) },
  ),
});

const specText = (s: RunSpec) => `${s.watcher ? 'paths' : 'scan'}${s.interrupt.kind === 'cancel' ? `, cancelled after ${s.interrupt.after} reports` : s.interrupt.kind === 'kill' ? `, killed after ${s.interrupt.afterMs} ms` : ''}`;

const cancelAfter = (predicate: () => boolean): CancelToken => ({
  get isCancellationRequested() { return predicate(); },
  onCancellationRequested: () => ({ dispose() {} }),
});

/**
 * Runs the command line's `index` on the store (the engine in this process closed), saving a checkpoint after
 * every batch it embeds, and kills it after `ms`.
 */
async function killedRun(w: World, ms: number): Promise<string> {
  await w.engine.dispose();
  const child = spawn(process.execPath, [cliPath, 'index', w.root, '--model', w.modelDir, '--store', w.store, '--threads', '1', '--json'], {
    stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SEMANTIC_SEARCH_CHECKPOINT_MS: '0' },
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const early = await Promise.race([exited, new Promise<'timer'>((resolve) => setTimeout(() => resolve('timer'), ms))]);
  if (early === 'timer') child.kill('SIGKILL');
  const code = await exited;
  if (early !== 'timer' && code !== 0) throw new Error(`the command line failed before it was killed (exit ${code}): ${stderr}`);
  w.engine = await openAfterKill(w);
  return early === 'timer' ? 'killed' : 'finished before the kill';
}

async function indexChange(w: World, changed: string[], spec: RunSpec): Promise<string> {
  const paths = [...new Set(changed)].map((rel) => abs(w, rel));
  let request = spec.watcher ? { roots: [w.root], paths } : { roots: [w.root] };
  let note = '';
  /** The index saved before a run that was stopped, and what the stopped run left. */
  let stopped: { before: LoadResult; left: LoadResult } | undefined;
  const manifest = path.join(w.store, 'manifest.json');
  const savedManifest = () => (existsSync(manifest) ? readFileSync(manifest, 'utf8') : undefined);
  if (spec.interrupt.kind === 'cancel') {
    const { after } = spec.interrupt;
    const saved = savedManifest();
    const before = await savedIndex(w);
    let reports = 0;
    try {
      await w.engine.index(request, () => reports++, cancelAfter(() => reports > after));
      note = 'finished before the cancel';
    } catch (e) {
      if ((e as { code?: string }).code !== 'cancelled') throw e;
      stopped = { before, left: await savedIndex(w) };
      note = savedManifest() === saved ? 'cancelled' : `cancelled, its work saved (${meaningsOf(stopped.left)})`;
    }
  } else if (spec.interrupt.kind === 'kill') {
    const before = await savedIndex(w);
    note = await killedRun(w, spec.interrupt.afterMs);
    stopped = { before, left: await savedIndex(w) };
    if (generationOf(stopped.left) !== generationOf(before)) note += `, its work saved (${meaningsOf(stopped.left)})`;
    request = { roots: [w.root] }; // an engine that starts scans everything
  }
  await w.engine.index(request);
  if (stopped) assertStoppedRunLeft(stopped.before, stopped.left, await savedIndex(w));
  return note;
}

const savedIndex = (w: World) => loadSnapshot(w.store, { modelId: w.engine.modelInfo.id });
const generationOf = (r: LoadResult) => (r.status === 'loaded' ? r.generation : undefined);
/** How many of a saved index's passages have their meaning, for the log of a step. */
function meaningsOf(r: LoadResult): string {
  if (r.status !== 'loaded') return r.status;
  const { chunks, vectors } = r.snapshot;
  return `meanings for ${chunks.filter((c) => vectors.has(c.hash)).length} of ${chunks.length} passages`;
}

/**
 * What a run that was cancelled or killed left on disk, once the next complete run has saved `after`: it loads
 * (never damaged); each of its files is whole, with the passages it had before the run or those it has after;
 * each vector it holds is the one its text has before or after, within the rounding of batches.
 */
function assertStoppedRunLeft(before: LoadResult, left: LoadResult, after: LoadResult): void {
  assert.equal(left.status, 'loaded', `what a stopped run left loads (${left.status === 'invalid' ? left.reason : left.status})`);
  assert.equal(after.status, 'loaded');
  if (left.status !== 'loaded' || after.status !== 'loaded') return;
  const passagesOf = (s: Snapshot) => {
    const chunks = new Map(s.chunks.map((c) => [c.id, c]));
    return new Map(s.files.map((f) => [f.rel, JSON.stringify(f.chunkIds.map((id) => {
      const c = chunks.get(id)!;
      return [c.id, c.startLine, c.endLine, c.kind, c.title, c.text, c.hash];
    }))]));
  };
  const [old, now] = [before.status === 'loaded' ? passagesOf(before.snapshot) : new Map<string, string>(), passagesOf(after.snapshot)];
  for (const [rel, passages] of passagesOf(left.snapshot)) {
    assert.ok(passages === old.get(rel) || passages === now.get(rel), `a stopped run left ${rel} whole, as it was before or is after`);
  }
  for (const hash of new Set(left.snapshot.chunks.map((c) => c.hash))) {
    const v = left.snapshot.vectors.get(hash);
    if (!v) continue; // still waiting for its meaning: the next run embedded it
    const want = after.snapshot.vectors.get(hash) ?? (before.status === 'loaded' ? before.snapshot.vectors.get(hash) : undefined);
    assert.ok(want, `the vector a stopped run left for ${hash} is the vector of that text`);
    let worst = 0;
    for (let i = 0; i < v.length; i++) worst = Math.max(worst, Math.abs(v[i] - want[i]));
    assert.ok(worst <= VECTOR_TOLERANCE, `the vector a stopped run left for ${hash} differs by ${worst}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The check: the index built step by step equals a fresh index of the same tree.

/** Vectors are stored in half precision: one rounding step near 1 is 2^-11; batches differ below that. */
const VECTOR_TOLERANCE = 1e-3;
const SCORE_TOLERANCE = 2e-3;
const QUERIES = ['database connection error', '데이터베이스 연결 설정', 'ユーザーのキャッシュ 部署'];
/** A vector search of 200 lists every passage of a small tree with its similarity to the query. */
const SEARCHES: SearchOptions[] = [{ mode: 'vector', limit: 200 }, { mode: 'fulltext', limit: 20 }, { mode: 'hybrid', limit: 10 }];

const hitKey = (h: SearchHit) => `${h.path}:${h.startLine}-${h.endLine} ${h.kind} ${JSON.stringify(h.title)} ${JSON.stringify(h.text)}`;

/**
 * Same ranking, up to ties: the scores rank by rank within the tolerance, and every passage clearly above
 * the last one returned (by more than the tolerance) is in both lists with the same score.
 */
function assertSameRanking(got: SearchHit[], want: SearchHit[], what: string): void {
  const show = (hs: SearchHit[]) => hs.slice(0, 12).map((h) => `${h.path}:${h.startLine} ${h.score.toFixed(4)}`).join(', ');
  const context = `${what}\n  incremental: ${show(got)}\n  fresh:       ${show(want)}`;
  assert.equal(got.length, want.length, `${context}\n  (number of hits)`);
  got.forEach((h, i) => assert.ok(Math.abs(h.score - want[i].score) <= SCORE_TOLERANCE, `${context}\n  (score at rank ${i + 1})`));
  const scores = [new Map(got.map((h) => [hitKey(h), h.score])), new Map(want.map((h) => [hitKey(h), h.score]))];
  for (const [list, other] of [[got, scores[1]], [want, scores[0]]] as const) {
    const floor = list[list.length - 1]?.score ?? 0;
    for (const h of list) {
      if (h.score <= floor + SCORE_TOLERANCE) continue;
      const s = other.get(hitKey(h));
      assert.ok(s !== undefined && Math.abs(s - h.score) <= SCORE_TOLERANCE, `${context}\n  (${hitKey(h).slice(0, 120)} is only in one list)`);
    }
  }
}

async function assertSameSearches(got: Engine, want: Engine, what: string): Promise<void> {
  for (const query of QUERIES) {
    for (const options of SEARCHES) {
      const [a, b] = [await got.search(query, options), await want.search(query, options)];
      assertSameRanking(a.hits, b.hits, `${what}: "${query}" ${options.mode}`);
    }
  }
}

function assertSameStore(got: LoadResult, want: LoadResult): void {
  assert.equal(got.status, 'loaded', `the saved index loads (${got.status === 'invalid' ? got.reason : got.status})`);
  assert.equal(want.status, 'loaded');
  if (got.status !== 'loaded' || want.status !== 'loaded') return;
  const [a, b] = [got.snapshot, want.snapshot];
  assert.deepEqual(a.roots, b.roots, 'saved roots');
  const bySkip = (s: { path: string; reason: string }) => `${s.path}\0${s.reason}`;
  assert.deepEqual(a.skipped.map(bySkip).sort(), b.skipped.map(bySkip).sort(), 'saved skipped files');
  const files = (s: typeof a) => s.files.map((f) => JSON.stringify([f.rel, f.size, f.contentHash, f.language, f.chunkIds])).sort();
  assert.deepEqual(files(a), files(b), 'saved files');
  // A time is recorded only for a file read long enough after it changed (otherwise -1: read it again), so
  // the two may differ in which times they know, never in a time both know.
  const times = new Map(b.files.map((f) => [f.rel, f.mtimeMs]));
  for (const f of a.files) {
    const other = times.get(f.rel);
    if (f.mtimeMs !== -1 && other !== undefined && other !== -1) assert.equal(f.mtimeMs, other, `saved time of ${f.rel}`);
  }
  const chunks = (s: typeof a) => s.chunks.map((c) => JSON.stringify([c.id, c.rel, c.startLine, c.endLine, c.kind, c.title, c.text, c.hash, c.lang, c.fileLanguage])).sort();
  assert.deepEqual(chunks(a), chunks(b), 'saved passages');
  for (const hash of new Set(b.chunks.map((c) => c.hash))) {
    const [u, v] = [a.vectors.get(hash), b.vectors.get(hash)];
    assert.ok(u && v, `a saved vector for every passage (${hash})`);
    let worst = 0;
    for (let i = 0; i < v.length; i++) worst = Math.max(worst, Math.abs(u[i] - v[i]));
    assert.ok(worst <= VECTOR_TOLERANCE, `saved vector of ${hash} differs by ${worst}`);
  }
}

/** The world's engine, in memory and as saved, against a new engine that indexed the same tree from nothing. */
export async function assertSameAsFresh(w: World): Promise<void> {
  const freshStore = mkdtempSync(path.join(os.tmpdir(), 'ss-fresh-'));
  const fresh = await openEngine({ modelDir: w.modelDir, store: freshStore });
  try {
    await fresh.index({ roots: [w.root] });
    const [a, b] = [w.engine.info(), fresh.info()];
    assert.deepEqual([a.files, a.chunks, a.roots], [b.files, b.chunks, b.roots], 'files, passages and roots in memory');
    assert.equal(a.embeddedChunks, a.chunks, 'every passage has its meaning after a complete run');
    assert.deepEqual(a.skipped.map((s) => `${s.path}: ${s.reason}`).sort(), b.skipped.map((s) => `${s.path}: ${s.reason}`).sort(), 'skipped files in memory');
    await assertSameSearches(w.engine, fresh, 'in memory');
    const modelId = fresh.modelInfo.id;
    assertSameStore(await loadSnapshot(w.store, { modelId }), await loadSnapshot(freshStore, { modelId }));
  } finally {
    await fresh.dispose();
    rmSync(freshStore, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------
// The commands. Each changes the tree (model and disk alike), indexes the change as its `spec` says, and checks.

abstract class Step implements fc.AsyncCommand<TreeModel, World> {
  /** What the command did, once run (the paths it picked), for the report of a failing sequence. */
  protected did = '';
  constructor(readonly spec: RunSpec) {}
  abstract describe(): string;
  /** Whether the command applies to this tree. */
  protected abstract applies(m: Readonly<TreeModel>): boolean;
  /** Changes the tree; returns the changed paths (relative), as a watcher reports them. */
  protected abstract change(m: TreeModel, w: World): string[];

  check(m: Readonly<TreeModel>): boolean {
    return Date.now() < m.deadline && this.applies(m);
  }

  async run(m: TreeModel, w: World): Promise<void> {
    m.steps++;
    const changed = this.change(m, w);
    const note = await indexChange(w, changed, this.spec);
    w.log(`step ${m.steps}: ${this.toString()}${note ? ` (${note})` : ''}`);
    await assertSameAsFresh(w);
  }

  toString(): string {
    return `${this.describe()}${this.did ? ` (${this.did})` : ''} [${specText(this.spec)}]`;
  }
}

const sortedFiles = (m: Readonly<TreeModel>, small = false) => [...m.files.keys()].filter((r) => !small || r !== BIG).sort();

class Create extends Step {
  constructor(private readonly dir: number, private readonly name: number, private readonly ext: number, private readonly seed: number, run: RunSpec) { super(run); }
  private get rel() { return join(DIRS[this.dir], `${NAMES[this.name]}.${EXTS[this.ext]}`); }
  describe() { return `create ${this.rel} #${this.seed}`; }
  protected applies() { return true; }
  protected change(m: TreeModel, w: World) {
    const f = newFile(prng(this.seed), EXTS[this.ext]);
    m.files.set(this.rel, f);
    writeFile(w, this.rel, f);
    return [this.rel];
  }
}

type EditKind = 'append' | 'insert' | 'replace' | 'drop' | 'swap' | 'touch' | 'same';
class Edit extends Step {
  constructor(private readonly pick: number, private readonly kind: EditKind, private readonly seed: number, run: RunSpec) { super(run); }
  describe() { return `edit file #${this.pick}: ${this.kind} #${this.seed}`; }
  protected applies(m: Readonly<TreeModel>) { return sortedFiles(m, true).length > 0; }
  protected change(m: TreeModel, w: World) {
    const files = sortedFiles(m, true);
    const rel = files[this.pick % files.length];
    this.did = rel;
    const f = m.files.get(rel)!;
    const rng = prng(this.seed);
    const at = f.units.length ? rng.int(f.units.length) : 0;
    const units = [...f.units];
    if (this.kind === 'append') units.push(unit(rng, extOf(rel)));
    else if (this.kind === 'insert') units.splice(at, 0, unit(rng, extOf(rel)));
    else if (this.kind === 'replace') units.splice(at, 1, unit(rng, extOf(rel)));
    else if (this.kind === 'drop') units.splice(at, 1);
    else if (this.kind === 'swap' && units.length > 1) [units[0], units[units.length - 1]] = [units[units.length - 1], units[0]];
    const next = { ...f, units };
    m.files.set(rel, next);
    if (this.kind === 'touch') {
      const later = new Date(Date.now() + 1000 + rng.int(100_000));
      utimesSync(abs(w, rel), later, later);
    } else {
      writeFile(w, rel, next);
    }
    return [rel];
  }
}

class Delete extends Step {
  constructor(private readonly pick: number, run: RunSpec) { super(run); }
  describe() { return `delete file #${this.pick}`; }
  protected applies(m: Readonly<TreeModel>) { return m.files.size > 0; }
  protected change(m: TreeModel, w: World) {
    const files = sortedFiles(m);
    const rel = files[this.pick % files.length];
    this.did = rel;
    m.files.delete(rel);
    rmSync(abs(w, rel));
    return [rel];
  }
}

class Rename extends Step {
  constructor(private readonly pick: number, private readonly dir: number, private readonly name: number, private readonly ext: number, run: RunSpec) { super(run); }
  private target(m: Readonly<TreeModel>) {
    const files = sortedFiles(m, true);
    const from = files[this.pick % files.length];
    // Mostly the same kind of file; sometimes Markdown becomes code or the other way round.
    const ext = this.ext < EXTS.length ? EXTS[this.ext] : extOf(from);
    return { from, to: join(DIRS[this.dir], `${NAMES[this.name]}-${this.pick % 3}.${ext}`) };
  }
  describe() { return `rename file #${this.pick} to ${join(DIRS[this.dir], `${NAMES[this.name]}-${this.pick % 3}`)}.${this.ext < EXTS.length ? EXTS[this.ext] : '(same)'}`; }
  protected applies(m: Readonly<TreeModel>) {
    if (!sortedFiles(m, true).length) return false;
    const { from, to } = this.target(m);
    return from !== to && !m.files.has(to) && ![...m.files.keys()].some((r) => r.startsWith(`${to}/`) || to.startsWith(`${r}/`));
  }
  protected change(m: TreeModel, w: World) {
    const { from, to } = this.target(m);
    this.did = `${from} → ${to}`;
    m.files.set(to, m.files.get(from)!);
    m.files.delete(from);
    mkdirSync(path.dirname(abs(w, to)), { recursive: true });
    renameSync(abs(w, from), abs(w, to));
    return [from, to];
  }
}

const TARGET_DIRS = ['moved', 'archive/old', 'src/lib2', '移動'];
class MoveFolder extends Step {
  constructor(private readonly pick: number, private readonly target: number, run: RunSpec) { super(run); }
  private source(m: Readonly<TreeModel>) {
    const dirs = [...new Set(sortedFiles(m).flatMap((r) => r.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))))].sort();
    return dirs.length ? dirs[this.pick % dirs.length] : undefined;
  }
  describe() { return `move folder #${this.pick} to ${TARGET_DIRS[this.target]}`; }
  protected applies(m: Readonly<TreeModel>) {
    const from = this.source(m);
    const to = TARGET_DIRS[this.target];
    return !!from && from !== to && !to.startsWith(`${from}/`) && !from.startsWith(`${to}/`)
      && ![...m.files.keys()].some((r) => r === to || r.startsWith(`${to}/`) || to.startsWith(`${r}/`));
  }
  protected change(m: TreeModel, w: World) {
    const from = this.source(m)!;
    const to = TARGET_DIRS[this.target];
    this.did = from;
    for (const rel of sortedFiles(m).filter((r) => r.startsWith(`${from}/`))) {
      m.files.set(to + rel.slice(from.length), m.files.get(rel)!);
      m.files.delete(rel);
    }
    mkdirSync(path.dirname(abs(w, to)), { recursive: true });
    rmSync(abs(w, to), { recursive: true, force: true }); // an empty folder left by earlier steps
    renameSync(abs(w, from), abs(w, to));
    return [from, to];
  }
}

type BigKind = 'create' | 'edit middle' | 'cut short' | 'delete';
/** A command on the CHANGELOG: it is created when there is none, else `kind` is done to it. */
class Big extends Step {
  constructor(private readonly kind: Exclude<BigKind, 'create'>, private readonly size: number, private readonly seed: number, run: RunSpec) { super(run); }
  describe() { return `${this.kind} ${BIG} or create it with ${this.size} sections #${this.seed}`; }
  protected applies() { return true; }
  protected change(m: TreeModel, w: World) {
    const rng = prng(this.seed);
    const kind: BigKind = m.files.has(BIG) ? this.kind : 'create';
    this.did = kind;
    let f: FileSpec;
    if (kind === 'delete') {
      m.files.delete(BIG);
      rmSync(abs(w, BIG));
      return [BIG];
    }
    if (kind === 'create') {
      f = bigFile(this.seed, this.size);
    } else {
      const old = m.files.get(BIG)!;
      const units = [...old.units];
      if (kind === 'edit middle') {
        const at = Math.floor(units.length / 2) + rng.int(11) - 5;
        if (units.length) units.splice(Math.max(0, at), 1, `## edited\n\n${sentence(rng)}.\n\n`);
      } else {
        // To 10–90 % of its sections, the last one cut inside: the file ends mid-sentence.
        const keep = Math.ceil((units.length * (1 + rng.int(9))) / 10);
        units.length = keep;
        if (keep) units[keep - 1] = units[keep - 1].slice(0, 1 + rng.int(units[keep - 1].length - 1));
      }
      f = { ...old, units };
    }
    m.files.set(BIG, f);
    writeFile(w, BIG, f);
    return [BIG];
  }
}

class BranchSwitch extends Step {
  constructor(private readonly back: boolean, private readonly seed: number, run: RunSpec) { super(run); }
  describe() { return this.back ? 'switch back to the other branch' : `switch to a new branch #${this.seed}`; }
  protected applies(m: Readonly<TreeModel>) { return this.back ? !!m.stash : m.files.size > 0; }
  protected change(m: TreeModel, w: World) {
    let next: Map<string, FileSpec>;
    if (this.back) {
      next = m.stash!;
    } else {
      // Most files change or go, and new ones come: what a checkout of a distant branch does.
      const rng = prng(this.seed);
      next = new Map();
      for (const [rel, f] of m.files) {
        const r = rng.int(10);
        if (r < 2) continue;
        next.set(rel, r < 7 && rel !== BIG ? newFile(rng, extOf(rel)) : f);
      }
      for (let i = 3 + rng.int(8); i > 0; i--) {
        const rel = join(rng.pick(DIRS), `${rng.pick(NAMES)}-b${rng.int(4)}.${rng.pick(EXTS)}`);
        if (![...next.keys()].some((r) => r.startsWith(`${rel}/`) || rel.startsWith(`${r}/`))) next.set(rel, newFile(rng, extOf(rel)));
      }
    }
    const changed: string[] = [];
    for (const rel of m.files.keys()) {
      if (!next.has(rel)) { rmSync(abs(w, rel)); changed.push(rel); }
    }
    for (const [rel, f] of next) {
      const old = m.files.get(rel);
      if (!old || render(old) !== render(f) || old.latin1 !== f.latin1) { writeFile(w, rel, f); changed.push(rel); }
    }
    this.did = `${changed.length} files changed`;
    m.stash = m.files;
    m.files = next;
    return changed;
  }
}

/** The tree a sequence starts from: a few files of every kind, indexed by a full scan. */
class Populate extends Step {
  constructor(private readonly seed: number) { super({ watcher: false, interrupt: { kind: 'none' } }); }
  describe() { return `start with files #${this.seed}`; }
  protected applies() { return true; }
  protected change(m: TreeModel, w: World) {
    const rng = prng(this.seed);
    for (let i = 4 + rng.int(6); i > 0; i--) {
      const rel = join(rng.pick(DIRS), `${rng.pick(NAMES)}.${rng.pick(EXTS)}`);
      if ([...m.files.keys()].some((r) => r.startsWith(`${rel}/`) || rel.startsWith(`${r}/`))) continue;
      const f = newFile(rng, extOf(rel));
      m.files.set(rel, f);
      writeFile(w, rel, f);
    }
    return sortedFiles(m);
  }
}

/** Closes the engine and opens it again on its store (a window reload): it must load what it saved. */
class Reopen implements fc.AsyncCommand<TreeModel, World> {
  check(m: Readonly<TreeModel>) { return Date.now() < m.deadline; }
  async run(m: TreeModel, w: World) {
    m.steps++;
    await w.engine.dispose();
    w.engine = await openWorldEngine(w);
    w.log(`step ${m.steps}: ${this.toString()}`);
    assert.equal(w.engine.info().storeProblem, undefined, 'the saved index loads');
    await assertSameAsFresh(w);
  }
  toString() { return 'reopen the engine'; }
}

const nat = (n: number) => fc.nat(n - 1);
const seed = fc.nat();
const editKind = fc.constantFrom<EditKind>('append', 'insert', 'replace', 'drop', 'swap', 'touch', 'same');
/**
 * Each command with how often it is drawn;
 * `big`: the weight of the commands on the long CHANGELOG, whose fresh index is what makes a step slow.
 */
const commandArbs = (big: number) => fc.oneof(...([
  [3, fc.tuple(nat(DIRS.length), nat(NAMES.length), nat(EXTS.length), seed, runSpecArb).map((a) => new Create(...a))],
  [3, fc.tuple(fc.nat(), editKind, seed, runSpecArb).map((a) => new Edit(...a))],
  [1, fc.tuple(fc.nat(), runSpecArb).map((a) => new Delete(...a))],
  [1, fc.tuple(fc.nat(), nat(DIRS.length), nat(NAMES.length), nat(EXTS.length + 4), runSpecArb).map((a) => new Rename(...a))],
  [1, fc.tuple(fc.nat(), nat(TARGET_DIRS.length), runSpecArb).map((a) => new MoveFolder(...a))],
  [big, fc.tuple(fc.constantFrom<Exclude<BigKind, 'create'>>('edit middle', 'edit middle', 'cut short', 'delete'), fc.integer({ min: 1000, max: 3000 }), seed, runSpecArb).map((a) => new Big(...a))],
  [1, fc.tuple(fc.boolean(), seed, runSpecArb).map((a) => new BranchSwitch(...a))],
  [1, fc.constant(new Reopen())],
] as const).filter(([weight]) => weight > 0).map(([weight, arbitrary]) => ({ weight, arbitrary: arbitrary as fc.Arbitrary<fc.AsyncCommand<TreeModel, World>> })));

/** The commands, for sequences written out by hand (regression tests of what a random sequence found). */
export const Commands = { Populate, Create, Edit, Delete, Rename, MoveFolder, Big, BranchSwitch, Reopen };
export type { RunSpec };
export const scan: RunSpec = { watcher: false, interrupt: { kind: 'none' } };
export const watched: RunSpec = { watcher: true, interrupt: { kind: 'none' } };

/** Runs one given sequence of commands on a new workspace and store. */
export async function runSequence(cmds: fc.AsyncCommand<TreeModel, World>[], log: (line: string) => void = () => {}): Promise<void> {
  const model: TreeModel = { files: new Map(), steps: 0, deadline: Infinity };
  const w = await createWorld(log);
  try {
    await fc.asyncModelRun(() => ({ model, real: w }), cmds);
  } finally {
    await destroyWorld(w);
  }
}

const sequenceArb = (o: ModelRunOptions) => fc.noBias(fc.tuple(seed, fc.array(commandArbs(o.bigFiles), { minLength: o.commands, maxLength: o.commands })))
  .map(([start, cmds]) => [new Populate(start), ...cmds]);

export interface ModelRunOptions {
  seed: number;
  /** Command sequences, each on a new workspace and store. */
  runs: number;
  /** Commands in a sequence. */
  commands: number;
  /** How often the commands on a CHANGELOG of 1,000–3,000 sections are drawn, relative to a delete (1). */
  bigFiles: number;
  /** No command starts after this time (ms since the epoch). */
  deadline?: number;
  log?: (line: string) => void;
}

/**
 * Runs random command sequences against the engine; throws fast-check's report (the seed, and the failing
 * sequence of commands) on the first difference. Returns the number of steps run.
 */
export async function runModel(o: ModelRunOptions): Promise<number> {
  let steps = 0;
  const log = o.log ?? (() => {});
  await fc.assert(
    fc.asyncProperty(sequenceArb(o), async (cmds) => {
      const model: TreeModel = { files: new Map(), steps: 0, deadline: o.deadline ?? Infinity };
      const w = await createWorld(log);
      try {
        await fc.asyncModelRun(() => ({ model, real: w }), cmds);
      } finally {
        steps += model.steps;
        await destroyWorld(w);
      }
    }),
    { seed: o.seed, numRuns: o.runs, endOnFailure: true, includeErrorInReport: true },
  );
  return steps;
}
