import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeHalf, encodeHalf, toHalf } from '../../src/node/index/float16';

const roundTrip = (xs: number[]) => {
  const h = new Uint16Array(xs.length);
  encodeHalf(xs, h);
  const out = new Float32Array(xs.length);
  decodeHalf(h, 0, out);
  return [...out];
};

describe('float16', () => {
  it('keeps exactly what half precision can hold, and the special values', () => {
    const exact = [0, 1, -1, 3, -0.125, 0.5, 65504, -65504, 2 ** -14, 2 ** -24, 1 + 2 ** -10, 1024];
    assert.deepEqual(roundTrip(exact), exact);
    assert.deepEqual(roundTrip([Infinity, -Infinity, 1e6, -1e6, 2 ** -26]), [Infinity, -Infinity, Infinity, -Infinity, 0]);
    assert.ok(Number.isNaN(roundTrip([NaN])[0]));
    assert.equal(toHalf(-0), 0x8000);
  });

  it('rounds to the nearest half, ties to even', () => {
    assert.equal(toHalf(1 + 2 ** -11), toHalf(1), 'a tie rounds to the even mantissa');
    assert.equal(toHalf(1 + 3 * 2 ** -11), toHalf(1 + 2 * 2 ** -10), 'a tie rounds up to the even mantissa');
    assert.equal(toHalf(1 + 2 ** -11 + 2 ** -20), toHalf(1 + 2 ** -10), 'above the tie rounds up');
    assert.equal(toHalf(2047.5), toHalf(2048), 'a carry into the exponent');
    assert.equal(toHalf(3 * 2 ** -25), 2, 'subnormals round too');
  });

  it('changes a unit vector component by less than 2^-11 of its size', () => {
    let seed = 7;
    const next = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
    const v = Array.from({ length: 384 }, next);
    const norm = Math.hypot(...v);
    const unit = v.map((x) => x / norm);
    const back = roundTrip(unit);
    unit.forEach((x, i) => assert.ok(Math.abs(back[i] - x) <= Math.max(Math.abs(x) * 2 ** -11, 2 ** -25), `${x} → ${back[i]}`));
  });
});
