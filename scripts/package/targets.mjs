// The platforms a VSIX is built for, and which onnxruntime-node files each one needs.
// onnxruntime-node ships its native binaries for every platform in one npm package
// (bin/napi-v6/<os>/<arch>/); each VSIX keeps only its own.

const BINARIES = {
  linux: ['onnxruntime_binding.node', 'libonnxruntime.so.1'],
  darwin: ['onnxruntime_binding.node', 'libonnxruntime.1.dylib'],
  win32: ['onnxruntime_binding.node', 'onnxruntime.dll'],
};

/** VS Code target → the onnxruntime-node folder and the files that must be in it. */
export const TARGETS = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64'].map((target) => {
  const [os, arch] = target.split('-');
  return { target, os, arch, binDir: `node_modules/onnxruntime-node/bin/napi-v6/${os}/${arch}`, binaries: BINARIES[os] };
});

/** Files every VSIX must hold (paths inside the VSIX's extension/ folder). */
export const REQUIRED_FILES = [
  'package.json', 'package.nls.json', 'package.nls.ko.json', 'package.nls.ja.json', 'package.nls.zh-cn.json',
  'l10n/bundle.l10n.ko.json', 'l10n/bundle.l10n.ja.json', 'l10n/bundle.l10n.zh-cn.json',
  'dist/extension.js', 'dist/worker.js', 'dist/cli.js', 'dist/readThread.js', 'dist/webview/webview.js', 'dist/webview/webview.css',
  'dist/webview/codicon.css', 'dist/webview/codicon.ttf', 'media/icon.png', 'media/activity.svg',
  'readme.md', 'changelog.md', 'LICENSE.txt',
  'node_modules/onnxruntime-node/package.json', 'node_modules/onnxruntime-node/dist/index.js',
  'node_modules/onnxruntime-common/package.json', 'node_modules/onnxruntime-common/dist/cjs/index.js',
  // Marks dist/cjs as CommonJS inside a package of "type": "module"; without it the worker cannot load.
  'node_modules/onnxruntime-common/dist/cjs/package.json',
];

/**
 * What is wrong with a VSIX's file list for `target` (empty when nothing is): a missing required file or
 * binary, another platform's binary, or files that only belong in the repository.
 */
export function checkEntries(target, names, { model = false } = {}) {
  const t = TARGETS.find((x) => x.target === target);
  const inside = new Set(names.filter((n) => n.startsWith('extension/')).map((n) => n.slice('extension/'.length)));
  const problems = [];
  for (const f of [...REQUIRED_FILES, ...t.binaries.map((b) => `${t.binDir}/${b}`)]) {
    if (!inside.has(f)) problems.push(`missing ${f}`);
  }
  for (const other of TARGETS) {
    if (other.binDir === t.binDir) continue;
    const stray = [...inside].find((f) => f.startsWith(other.binDir + '/'));
    if (stray) problems.push(`holds ${other.target} binaries (${stray})`);
  }
  for (const f of inside) {
    if (/^(src|test|scripts|bench|webview-ui|\.vscode)\//.test(f) || /\.map$|\.ts$/.test(f) || f.startsWith('node_modules/.bin/')) {
      problems.push(`holds a file that does not belong in a package: ${f}`);
    }
  }
  if (model && !inside.has('model/onnx/model_quantized.onnx')) problems.push('the bundled model is missing');
  if (!model && [...inside].some((f) => f.startsWith('model/'))) problems.push('holds model files without --bundle-model');
  return problems;
}
