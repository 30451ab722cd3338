import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IndexProgress } from '../../src/common/protocol/engine';
import { throttleProgress } from '../../src/node/progress';

describe('progress throttle', () => {
  it('passes the first report of each phase, the final count, and one report per interval between', () => {
    let clock = 0;
    const seen: IndexProgress[] = [];
    const report = throttleProgress((p) => seen.push(p), 250, () => clock)!;
    report({ phase: 'scanning', done: 0, total: 0 });
    report({ phase: 'reading', done: 0, total: 100 });
    clock = 10;
    report({ phase: 'reading', done: 50, total: 100 }); // too soon
    report({ phase: 'reading', done: 100, total: 100 }); // final: always
    for (let i = 0; i < 20; i++) {
      report({ phase: 'embedding', done: i * 32, total: 640 });
      clock += 50;
    }
    report({ phase: 'embedding', done: 640, total: 640 });
    report({ phase: 'saving', done: 0, total: 1 });
    assert.deepEqual(seen.map((p) => `${p.phase} ${p.done}`), [
      'scanning 0', 'reading 0', 'reading 100',
      'embedding 0', 'embedding 160', 'embedding 320', 'embedding 480', 'embedding 640',
      'saving 0',
    ]);
  });

  it('is undefined without a listener', () => {
    assert.equal(throttleProgress(undefined), undefined);
  });
});
