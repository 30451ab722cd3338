// Builds one VSIX per platform: node scripts/package.mjs [--target linux-x64[,…]] [--bundle-model <dir>] [--out <dir>]
//
// Each VSIX is packed from a staging folder holding only what the extension runs: the production bundles,
// the manifest and its translations, the icon, and onnxruntime-node with just that platform's binaries
// (onnxruntime-common beside it). Then the VSIX's file list is checked: a missing file or binary, or another
// platform's binary, fails the build. --bundle-model adds a model folder for air-gapped installs.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkEntries, TARGETS } from './package/targets.mjs';
import { zipEntries } from './package/zipEntries.mjs';

const root = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { target: { type: 'string' }, 'bundle-model': { type: 'string' }, out: { type: 'string' } } });
const outDir = path.resolve(values.out ?? path.join(root, 'vsix'));
const modelDir = values['bundle-model'] && path.resolve(values['bundle-model']);
const wanted = values.target ? values.target.split(',') : TARGETS.map((t) => t.target);
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const MODEL_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'onnx/model_quantized.onnx'];

const log = (m) => console.log(`[package] ${m}`);
const copy = (from, to) => cpSync(path.join(root, from), to, { recursive: true, filter: (src) => !/\.(map|d\.ts)$/.test(src) });

for (const t of wanted) if (!TARGETS.some((x) => x.target === t)) throw new Error(`Unknown target ${t}; known: ${TARGETS.map((x) => x.target).join(', ')}`);
if (modelDir) for (const f of MODEL_FILES) if (!existsSync(path.join(modelDir, f))) throw new Error(`--bundle-model: ${f} is missing in ${modelDir}`);

log('production build');
execFileSync(process.execPath, [path.join(root, 'esbuild.mjs'), '--production'], { cwd: root, stdio: 'inherit' });
mkdirSync(outDir, { recursive: true });

const results = [];
for (const t of TARGETS.filter((x) => wanted.includes(x.target))) {
  if (!existsSync(path.join(root, t.binDir))) {
    results.push({ target: t.target, skipped: `onnxruntime-node ${readVersion('onnxruntime-node')} ships no ${t.os}/${t.arch} binaries` });
    continue;
  }
  const stage = path.join(root, '.package', t.target);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  for (const f of ['dist', 'l10n', 'media', 'package.nls.json', 'package.nls.ko.json', 'package.nls.ja.json', 'package.nls.zh-cn.json', 'CHANGELOG.md', 'LICENSE', '.vscodeignore']) {
    copy(f, path.join(stage, f));
  }
  cpSync(path.join(root, 'docs/marketplace.md'), path.join(stage, 'README.md'));
  const manifest = { ...pkg, dependencies: { 'onnxruntime-node': pkg.dependencies['onnxruntime-node'] } };
  for (const k of ['devDependencies', 'scripts', 'bin', 'private']) delete manifest[k];
  writeFileSync(path.join(stage, 'package.json'), JSON.stringify(manifest, null, 2));
  const ort = path.join(stage, 'node_modules/onnxruntime-node');
  for (const f of ['LICENSE', 'README.md', 'dist']) if (existsSync(path.join(root, 'node_modules/onnxruntime-node', f))) copy(`node_modules/onnxruntime-node/${f}`, path.join(ort, f));
  // Its other dependencies and its install script only download binaries at install time; the VSIX has them.
  const ortManifest = JSON.parse(readFileSync(path.join(root, 'node_modules/onnxruntime-node/package.json'), 'utf8'));
  ortManifest.dependencies = { 'onnxruntime-common': ortManifest.dependencies['onnxruntime-common'] };
  delete ortManifest.scripts;
  writeFileSync(path.join(ort, 'package.json'), JSON.stringify(ortManifest, null, 2));
  copy(t.binDir, path.join(stage, t.binDir));
  for (const f of ['package.json', 'LICENSE', 'dist/cjs']) {
    if (existsSync(path.join(root, 'node_modules/onnxruntime-common', f))) copy(`node_modules/onnxruntime-common/${f}`, path.join(stage, 'node_modules/onnxruntime-common', f));
  }
  if (modelDir) for (const f of MODEL_FILES) cpSync(path.join(modelDir, f), path.join(stage, 'model', f));

  const file = path.join(outDir, `${pkg.name}-${pkg.version}-${t.target}${modelDir ? '-with-model' : ''}.vsix`);
  log(`${t.target}: vsce package`);
  execFileSync(process.execPath, [path.join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--target', t.target, '--out', file],
    { cwd: stage, stdio: ['ignore', 'inherit', 'inherit'] });
  const entries = zipEntries(file);
  const problems = checkEntries(t.target, entries.map((e) => e.name), { model: !!modelDir });
  results.push({ target: t.target, file, bytes: statSync(file).size, files: entries.length, problems });
}
if (!process.env.KEEP_STAGE) rmSync(path.join(root, '.package'), { recursive: true, force: true });

console.log('\ntarget          size       files  check');
for (const r of results) {
  if (r.skipped) console.log(`${r.target.padEnd(15)} —          —      skipped: ${r.skipped}`);
  else console.log(`${r.target.padEnd(15)} ${(r.bytes / 1024 / 1024).toFixed(1).padStart(6)} MB  ${String(r.files).padStart(5)}  ${r.problems.length ? 'FAILED' : 'ok'}  ${path.relative(root, r.file)}`);
  for (const p of r.problems ?? []) console.log(`    ${p}`);
}
if (results.some((r) => r.problems?.length)) process.exitCode = 1;

function readVersion(name) {
  return JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
}
