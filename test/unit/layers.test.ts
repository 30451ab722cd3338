import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';
import { repoRoot } from './helpers';

/** The lint configuration enforces the layers: each case is [file, source, allowed]. */
const CASES: [string, string, boolean][] = [
  ['src/common/x.ts', "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n", false],
  ['src/common/x.ts', "import type { Uri } from 'vscode';\nexport type U = Uri;\n", true],
  ['src/node/x.ts', "import * as vscode from 'vscode';\nexport const v = vscode;\n", false],
  ['src/node/x.ts', "import { create } from '@orama/orama';\nexport const c = create;\n", true],
  ['src/vscode/x.ts', "import { Engine } from '../node/engine';\nexport const e = Engine;\n", false],
  ['src/vscode/x.ts', "import * as ort from 'onnxruntime-node';\nexport const o = ort;\n", false],
  ['src/vscode/x.ts', "import { WorkerClient } from '../common/protocol/workerClient';\nexport const w = WorkerClient;\n", true],
  ['src/node/x.ts', "import { openResponse } from '../net/httpGet';\nexport const o = openResponse;\n", true],
  ['src/vscode/x.ts', "import { openResponse } from '../net/httpGet';\nexport const o = openResponse;\n", true],
  ['src/net/x.ts', "import * as vscode from 'vscode';\nexport const v = vscode;\n", false],
  ['src/net/x.ts', "import { Engine } from '../node/engine';\nexport const e = Engine;\n", false],
  ['src/net/x.ts', "import { createHash } from 'node:crypto';\nexport const h = createHash;\n", true],
  ['webview-ui/x.ts', "import { Engine } from '../src/node/engine';\nexport const e = Engine;\n", false],
  ['webview-ui/x.ts', "import type { SearchHit } from '../src/common/protocol/engine';\nexport type H = SearchHit;\n", true],
];

describe('layer rules', () => {
  const eslint = new ESLint({ cwd: repoRoot });
  for (const [file, code, allowed] of CASES) {
    it(`${allowed ? 'allows' : 'rejects'} ${code.split('\n')[0]} in ${file}`, async () => {
      const [result] = await eslint.lintText(code, { filePath: `${repoRoot}/${file}` });
      const layerErrors = result.messages.filter((m) => m.ruleId === 'no-restricted-imports');
      assert.equal(layerErrors.length === 0, allowed, JSON.stringify(result.messages));
    });
  }
});
