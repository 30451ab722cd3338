/**
 * Prototype (not product code): vector search as one scan over a row-major Float32Array matrix with a
 * bounded top-k, over the stored vectors decoded to float32. Measured beside Orama's
 * vector search (a Map of per-document Float32Arrays, every similarity pushed to an array, the whole array
 * sorted) to show what the query-latency targets need.
 */
export class FlatVectors {
  private constructor(readonly matrix: Float32Array, readonly ids: string[], readonly dim: number) {}

  static from(entries: Iterable<[string, Float32Array]>, count: number, dim: number): FlatVectors {
    const matrix = new Float32Array(count * dim);
    const ids: string[] = [];
    for (const [id, v] of entries) {
      matrix.set(v, ids.length * dim);
      ids.push(id);
    }
    return new FlatVectors(matrix, ids, dim);
  }

  /** The k rows most similar to `q` (dot product = cosine for unit vectors), best first. */
  search(q: Float32Array, k: number): { id: string; score: number }[] {
    const { matrix, dim } = this;
    const n = this.ids.length;
    const dim4 = dim - (dim % 4);
    const topI = new Int32Array(k).fill(-1);
    const topS = new Float32Array(k).fill(-Infinity);
    let worst = -Infinity;
    for (let i = 0, off = 0; i < n; i++, off += dim) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let j = 0; j < dim4; j += 4) {
        s0 += q[j] * matrix[off + j];
        s1 += q[j + 1] * matrix[off + j + 1];
        s2 += q[j + 2] * matrix[off + j + 2];
        s3 += q[j + 3] * matrix[off + j + 3];
      }
      for (let j = dim4; j < dim; j++) s0 += q[j] * matrix[off + j];
      const s = s0 + s1 + s2 + s3;
      if (s <= worst) continue;
      // Insertion into the sorted top-k: k is small (≤ a few hundred), and most rows never get here.
      let p = k - 1;
      while (p > 0 && topS[p - 1] < s) { topS[p] = topS[p - 1]; topI[p] = topI[p - 1]; p--; }
      topS[p] = s;
      topI[p] = i;
      worst = topS[k - 1];
    }
    const out: { id: string; score: number }[] = [];
    for (let j = 0; j < k && topI[j] >= 0; j++) out.push({ id: this.ids[topI[j]], score: topS[j] });
    return out;
  }
}
