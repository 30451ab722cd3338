// Builds the four bundles into dist/: the extension host entry, the engine worker, the CLI (all Node,
// CommonJS) and the webview script (browser, IIFE). onnxruntime-node and sharp carry native binaries:
// they stay external and ship in node_modules beside the bundle, one platform's binaries per VSIX.
// Usage: node esbuild.mjs [--production] [--watch]
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Prints "[watch] build started/finished" for the VS Code problem matcher, and errors as file:line:col. */
const problemMatcher = {
  name: 'problem-matcher',
  setup(build) {
    build.onStart(() => { if (watch) console.log('[watch] build started'); });
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      if (watch) console.log('[watch] build finished');
    });
  },
};

const common = {
  bundle: true,
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'warning',
  plugins: [problemMatcher],
};

const node = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode', 'onnxruntime-node', 'sharp'],
  // transformers.js: pick its Node build, which loads onnxruntime-node.
  conditions: ['node', 'require'],
  mainFields: ['main', 'module'],
};

const builds = [
  { ...node, entryPoints: { extension: 'src/vscode/extension.ts', worker: 'src/worker/worker.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { cli: 'src/node/cli.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  // The webview folder is the panel's only local resource root: its script, its styles and the codicons.
  { ...common, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: [{ in: 'webview-ui/main.ts', out: 'webview' }, { in: 'webview-ui/style.css', out: 'webview' }], outdir: 'dist/webview' },
];

mkdirSync('dist/webview', { recursive: true });
for (const f of ['codicon.css', 'codicon.ttf']) copyFileSync(`node_modules/@vscode/codicons/dist/${f}`, `dist/webview/${f}`);

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
