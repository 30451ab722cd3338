// Lint, and the layers of the codebase (CONTRIBUTING.md, "Layers, and why"): a wrong-layer import fails the build.
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'crypto', 'worker_threads', 'child_process', 'util', 'stream'];
const engine = ['@huggingface/transformers', 'onnxruntime-node', '@orama/orama', '@orama/*'];
const restrict = (groups, message) => ({
  'no-restricted-imports': ['error', { patterns: groups.map((group) => ({ group, message, allowTypeImports: true })) }],
});

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'test/models/**', '.vscode-test/**', '.vscode-host/**', '.semantic-search/**', '**/*.mjs', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/common/**/*.ts'],
    rules: restrict([['vscode'], nodeBuiltins, engine, ['**/node/**', '**/worker/**', '**/vscode/**', '**/net/**']],
      'src/common runs everywhere: no VS Code, Node or engine imports (type-only imports are fine).'),
  },
  {
    files: ['src/node/**/*.ts', 'src/worker/**/*.ts'],
    rules: restrict([['vscode'], ['**/vscode/**', '../vscode/*']],
      'The engine runs in plain Node (worker, CLI, tests): it never imports the VS Code API.'),
  },
  {
    files: ['src/vscode/**/*.ts'],
    rules: restrict([engine, ['**/node/**', '../node/*', '**/worker/**', '../worker/*']],
      'The extension host talks to the engine only through the worker protocol in src/common/protocol.'),
  },
  {
    files: ['src/net/**/*.ts'],
    rules: restrict([['vscode'], engine, ['**/common/**', '../common/*', '**/node/**', '../node/*', '**/worker/**', '../worker/*', '**/vscode/**', '../vscode/*']],
      'src/net is shared by the extension host and the engine: Node built-ins only.'),
  },
  {
    files: ['webview-ui/**/*.ts'],
    rules: restrict([['vscode'], nodeBuiltins, engine, ['**/src/node/**', '**/src/worker/**', '**/src/vscode/**', '**/src/net/**']],
      'The webview only renders: it may import src/common types, nothing else of the extension.'),
  },
);
