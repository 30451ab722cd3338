/**
 * IEEE 754 half precision, for vectors on disk and in the vector index: half the bytes of float32, and for unit
 * vectors of a few hundred dimensions a cosine changes by about 1e-4 — far below the differences ranking depends on.
 * Node 20 has no Float16Array, so the conversion is done here (round to nearest, ties to even).
 */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The half-precision bits of `value`. */
export function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 112; // rebias 127 → 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal in half precision: the value is m · 2^-24.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rest = mant & ((1 << shift) - 1), half = 1 << (shift - 1);
    if (rest > half || (rest === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++; // a carry into the exponent is the right rounding
  return sign | h;
}

let table: Float32Array | undefined;

/** The value of every half-precision bit pattern. */
export function halfTable(): Float32Array {
  if (table) return table;
  table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    table[h] = exp === 0 ? sign * mant * 2 ** -24
      : exp === 0x1f ? (mant ? NaN : sign * Infinity)
        : sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  return table;
}

/** Encodes `from` into `to` (same length). */
export function encodeHalf(from: ArrayLike<number>, to: Uint16Array, offset = 0): void {
  for (let i = 0; i < from.length; i++) to[offset + i] = toHalf(from[i]);
}

/** Decodes `to.length` halves of `from`, starting at `offset`, into `to`. */
export function decodeHalf(from: Uint16Array, offset: number, to: Float32Array): void {
  const t = halfTable();
  for (let i = 0; i < to.length; i++) to[i] = t[from[offset + i]];
}

/** The dot product of `q` with the `q.length` halves of `from` that start at `offset`. */
export function dotHalf(q: Float32Array, from: Uint16Array, offset: number): number {
  const t = halfTable();
  let s = 0;
  for (let i = 0; i < q.length; i++) s += q[i] * t[from[offset + i]];
  return s;
}
