import { createSimdScanner, type SimdScanner } from './simdScan';

/**
 * The vector index of the Orama database, as one contiguous float32 matrix.
 *
 * Orama's own vector index keeps a Map of per-document arrays and answers a query by computing every
 * similarity, pushing all of them into an array and sorting it — a full sort per query. This one has the
 * same surface (size, add, remove, find, toJSON), so it is installed in Orama's place and Orama's own
 * vector search still works over it, and adds {@link topK}: one pass over the matrix (in WebAssembly
 * SIMD where available) with a bounded top-k, which is what the engine's queries use. Rows are
 * L2-normalised on the way in, so the dot product is the cosine similarity.
 */
export class FlatVectorIndex {
  /** Rows × size floats; inside the kernel's memory when SIMD is available (see {@link createSimdScanner}). */
  private matrix: Float32Array;
  private readonly simd: SimdScanner | undefined;
  /** Row of each Orama internal document id. */
  private readonly rowOf = new Map<number, number>();
  /** Internal document id of each row; 0 marks a free row (Orama's ids start at 1). */
  private idOfRow: Int32Array;
  private readonly freeRows: number[] = [];
  /** Rows ever used: the scan stops here. */
  private rows = 0;

  constructor(readonly size: number, capacity = 1024) {
    this.simd = size % 8 === 0 ? createSimdScanner() : undefined;
    this.idOfRow = new Int32Array(capacity);
    this.matrix = this.allocate(capacity);
  }

  get count(): number {
    return this.rowOf.size;
  }

  add(internalId: number, value: ArrayLike<number>): void {
    this.remove(internalId);
    let row = this.freeRows.pop();
    if (row === undefined) {
      if (this.rows === this.idOfRow.length) this.grow();
      row = this.rows++;
    }
    this.matrix.set(normalised(value, this.size), row * this.size);
    this.rowOf.set(internalId, row);
    this.idOfRow[row] = internalId;
  }

  remove(internalId: number): void {
    const row = this.rowOf.get(internalId);
    if (row === undefined) return;
    this.rowOf.delete(internalId);
    this.idOfRow[row] = 0;
    this.freeRows.push(row);
  }

  /** The stored (normalised) vector of a document, or undefined. */
  vectorOf(internalId: number): Float32Array | undefined {
    const row = this.rowOf.get(internalId);
    return row === undefined ? undefined : this.matrix.slice(row * this.size, (row + 1) * this.size);
  }

  /**
   * The `k` documents most similar to `query`, best first, as [internal id, cosine similarity].
   * `accept` filters by internal id (e.g. by kind).
   */
  topK(query: ArrayLike<number>, k: number, accept?: (internalId: number) => boolean): [number, number][] {
    const scores = this.scores(normalised(query, this.size));
    const ids = this.idOfRow;
    const topScore = new Float64Array(k).fill(-Infinity);
    const topId = new Int32Array(k);
    let worst = -Infinity;
    for (let row = 0; row < this.rows; row++) {
      const s = scores[row];
      if (s <= worst || ids[row] === 0 || (accept && !accept(ids[row]))) continue;
      // Insertion into the sorted top-k: k is small and most rows never get this far.
      let p = k - 1;
      while (p > 0 && topScore[p - 1] < s) {
        topScore[p] = topScore[p - 1];
        topId[p] = topId[p - 1];
        p--;
      }
      topScore[p] = s;
      topId[p] = ids[row];
      worst = topScore[k - 1];
    }
    const out: [number, number][] = [];
    for (let i = 0; i < k && topScore[i] > -Infinity; i++) out.push([topId[i], topScore[i]]);
    return out;
  }

  /** The dot product of `q` with every row (free rows included; the caller skips them). */
  private scores(q: Float32Array): Float32Array {
    const dim = this.size, n = this.rows;
    if (this.simd) {
      const layout = this.layout(this.idOfRow.length);
      new Float32Array(this.simd.memory.buffer, 0, dim).set(q);
      this.simd.scan(0, layout.matrix, n, dim, layout.scores);
      return new Float32Array(this.simd.memory.buffer, layout.scores, n);
    }
    const m = this.matrix, out = new Float32Array(n);
    const dim4 = dim - (dim % 4);
    for (let row = 0, off = 0; row < n; row++, off += dim) {
      // Four running sums: independent additions the CPU can overlap.
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let j = 0; j < dim4; j += 4) {
        s0 += q[j] * m[off + j];
        s1 += q[j + 1] * m[off + j + 1];
        s2 += q[j + 2] * m[off + j + 2];
        s3 += q[j + 3] * m[off + j + 3];
      }
      for (let j = dim4; j < dim; j++) s0 += q[j] * m[off + j];
      out[row] = s0 + s1 + s2 + s3;
    }
    return out;
  }

  /** Byte offsets in the kernel's memory: the query, then the matrix, then one score per row. */
  private layout(capacity: number) {
    const matrix = Math.ceil((this.size * 4) / 16) * 16;
    return { matrix, scores: matrix + capacity * this.size * 4, end: matrix + capacity * (this.size + 1) * 4 };
  }

  /** A matrix of `capacity` rows holding the current rows. */
  private allocate(capacity: number): Float32Array {
    if (!this.simd) {
      const m = new Float32Array(capacity * this.size);
      if (this.matrix) m.set(this.matrix);
      return m;
    }
    // Growing the kernel's memory keeps its bytes in place, so the rows stay where they are.
    const { memory } = this.simd;
    const { matrix, end } = this.layout(capacity);
    const pages = Math.ceil((end - memory.buffer.byteLength) / 65536);
    if (pages > 0) memory.grow(pages);
    return new Float32Array(memory.buffer, matrix, capacity * this.size);
  }

  private grow(): void {
    const capacity = this.idOfRow.length * 2;
    const ids = new Int32Array(capacity);
    ids.set(this.idOfRow);
    this.idOfRow = ids;
    this.matrix = this.allocate(capacity);
  }

  /** Orama's interface: every document at or above `threshold`, optionally among `filter` ids (unsorted). */
  find(vector: ArrayLike<number>, threshold: number, filter?: Iterable<number>): [number, number][] {
    const allowed = filter ? new Set(filter) : undefined;
    return this.topK(vector, Math.max(1, this.count), allowed && ((id) => allowed.has(id))).filter(([, s]) => s >= threshold);
  }

  /** Orama serialises its indexes through toJSON; the vectors are persisted as binary by the engine instead. */
  toJSON(): { size: number; vectors: [] } {
    return { size: this.size, vectors: [] };
  }

}

function normalised(v: ArrayLike<number>, dim: number): Float32Array {
  let norm = 0;
  for (let j = 0; j < dim; j++) norm += v[j] * v[j];
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  const out = new Float32Array(dim);
  for (let j = 0; j < dim; j++) out[j] = v[j] * scale;
  return out;
}
