// Builds the four bundles into dist/: the extension host entry, the engine worker, the CLI (all Node,
// CommonJS) and the webview script (browser, IIFE). onnxruntime-node carries native binaries: it stays
// external (with onnxruntime-common, so there is one copy of its backend registry) and ships in
// node_modules beside the bundle, one platform's binaries per VSIX (scripts/package.mjs).
// sharp, transformers.js's image library, stays out of the bundle too, but it is never shipped: a text
// model never decodes an image, so a stub takes its place that fails loudly if it is ever called. That
// keeps libvips (and its own per-platform binaries and load failures) out of every VSIX.
// Usage: node esbuild.mjs [--production] [--watch]
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';

const production = process.argv.includes('--production');
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
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

const noSharp = {
  name: 'no-sharp',
  setup(build) {
    build.onResolve({ filter: /^sharp$/ }, () => ({ path: 'sharp', namespace: 'no-sharp' }));
    build.onLoad({ filter: /.*/, namespace: 'no-sharp' }, () => ({
      contents: "module.exports = () => { throw new Error('Image processing (sharp) is not part of Semantic Search.'); };",
      loader: 'js',
    }));
  },
};

// The MCP server (in the CLI) asks its clients for no input, which is all the SDK's JSON Schema validator checks
// (elicitation answers; the tools' inputs are checked with valibot, src/common/agentTools.ts): src/node/mcp.ts
// gives the Server a validator that refuses, and the SDK's default one (Ajv with its formats, ~130 KB minified)
// stays out of the bundle.
const noAjv = {
  name: 'no-ajv',
  setup(build) {
    build.onResolve({ filter: /\/validation\/ajv-provider\.js$/ }, (args) =>
      (args.importer.includes('@modelcontextprotocol') ? { path: 'ajv-provider', namespace: 'no-ajv' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'no-ajv' }, () => ({
      contents: "exports.AjvJsonSchemaValidator = class { constructor() { throw new Error('JSON Schema validation is not part of Semantic Search.'); } };",
      loader: 'js',
    }));
  },
};

const node = {
  ...common,
  plugins: [...common.plugins, noSharp],
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode', 'onnxruntime-node', 'onnxruntime-common'],
  // transformers.js: pick its Node build, which loads onnxruntime-node.
  conditions: ['node', 'require'],
  mainFields: ['main', 'module'],
};

const builds = [
  { ...node, entryPoints: { extension: 'src/vscode/extension.ts', worker: 'src/worker/worker.ts', readThread: 'src/node/readThreadEntry.ts' }, outdir: 'dist' },
  // The CLI holds the MCP server (src/node/mcp.ts), which tells clients its version.
  { ...node, plugins: [...node.plugins, noAjv], entryPoints: { cli: 'src/node/cli.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' }, define: { __SEMANTIC_SEARCH_VERSION__: JSON.stringify(version) } },
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
