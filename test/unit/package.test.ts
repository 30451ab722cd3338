import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkEntries, REQUIRED_FILES, TARGETS } from '../../scripts/package/targets.mjs';

const complete = (target: string) => {
  const t = TARGETS.find((x) => x.target === target)!;
  return [...REQUIRED_FILES, ...t.binaries.map((b) => `${t.binDir}/${b}`)].map((f) => `extension/${f}`);
};

describe('VSIX content check', () => {
  it('passes a complete package for each platform', () => {
    for (const { target } of TARGETS) assert.deepEqual(checkEntries(target, complete(target)), [], target);
  });

  it('fails on a missing binary, another platform binary, repository files and a stray model', () => {
    const names = complete('linux-x64').filter((n) => !n.endsWith('libonnxruntime.so.1'));
    names.push('extension/node_modules/onnxruntime-node/bin/napi-v6/win32/x64/onnxruntime.dll', 'extension/src/node/engine.ts', 'extension/dist/worker.js.map', 'extension/model/config.json');
    assert.deepEqual(checkEntries('linux-x64', names), [
      'missing node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1',
      'holds win32-x64 binaries (node_modules/onnxruntime-node/bin/napi-v6/win32/x64/onnxruntime.dll)',
      'holds a file that does not belong in a package: src/node/engine.ts',
      'holds a file that does not belong in a package: dist/worker.js.map',
      'holds model files without --bundle-model',
    ]);
  });

  it('requires the model files in a bundled-model build', () => {
    assert.deepEqual(checkEntries('darwin-arm64', complete('darwin-arm64'), { model: true }), ['the bundled model is missing']);
  });
});
