#!/usr/bin/env node
// Runs extension tests in the VS Code server of .vscode-host/ (see test/host/extensionTests.ts).
// Usage: node scripts/vscodeHost/runTests.mjs --extensionDevelopmentPath=DIR --extensionTestsPath=FILE [FOLDER]
// Normally reached through code-shim from `npx vscode-test`; runIntegration.mjs is the one-command way.
import { createRequire } from 'node:module';
import { register } from 'tsx/cjs/api';

// The harness is TypeScript (type-checked with the tests); tsx compiles it on the fly.
register();
const { main } = createRequire(import.meta.url)('../../test/host/extensionTests.ts');
process.exitCode = await main(process.argv.slice(2));
