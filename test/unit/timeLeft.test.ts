import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IndexProgress } from '../../src/common/protocol/engine';
import { TimeLeft } from '../../src/common/timeLeft';

const embedding = (done: number, total: number): IndexProgress => ({ phase: 'embedding', done, total });

describe('TimeLeft', () => {
  it('tells the time left from the rate since the embedding began, once 10 s of it have been seen', () => {
    const t = new TimeLeft();
    assert.equal(t.update(embedding(0, 1000), 0), undefined, 'nothing seen yet');
    assert.equal(t.update(embedding(50, 1000), 5_000), undefined, 'too early to tell');
    assert.equal(t.update(embedding(100, 1000), 10_000), 90_000, '100 texts in 10 s: 900 more take 90 s');
    assert.equal(t.update(embedding(500, 1000), 30_000), 30_000, 'the rate since the start, not since the last report');
  });

  it('starts again for another step or another run, and never divides by nothing', () => {
    const t = new TimeLeft();
    t.update(embedding(0, 1000), 0);
    assert.equal(t.update(embedding(0, 1000), 20_000), undefined, 'nothing done in 20 s: no estimate');
    assert.equal(t.update({ phase: 'saving', done: 0, total: 1 }, 21_000), undefined);
    assert.equal(t.update(embedding(10, 200), 22_000), undefined, 'a new step starts the clock again');
    assert.equal(t.update(embedding(110, 200), 32_000), 9_000);
    assert.equal(t.update(embedding(5, 300), 33_000), undefined, 'a new run (another total) starts it again');
  });
});
