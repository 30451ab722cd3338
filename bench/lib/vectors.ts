import { sha256 } from '../../src/node/index/persist';
import { seededRandom } from '../../scripts/models/seededRandom.mjs';

/** A random unit vector (Gaussian coordinates, so directions are uniform on the sphere). */
export function unitVector(dim: number, next: () => number, out = new Float32Array(dim)): Float32Array {
  let norm = 0;
  for (let i = 0; i < dim; i += 2) {
    const r = Math.sqrt(-2 * Math.log(next() + 1e-12));
    const a = 2 * Math.PI * next();
    out[i] = r * Math.cos(a);
    if (i + 1 < dim) out[i + 1] = r * Math.sin(a);
  }
  for (let i = 0; i < dim; i++) norm += out[i] * out[i];
  norm = 1 / Math.sqrt(norm);
  for (let i = 0; i < dim; i++) out[i] *= norm;
  return out;
}

/** A unit vector that depends only on the text (so an unchanged text gets the same vector again). */
export function textVector(text: string, dim: number): Float32Array {
  return unitVector(dim, seededRandom(parseInt(sha256(text).slice(0, 8), 16)));
}
