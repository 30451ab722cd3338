/**
 * The vector index of the Orama database, as one contiguous float32 matrix.
 *
 * Orama's own vector index keeps a Map of per-document arrays and answers a query by computing every
 * similarity, pushing all of them into an array and sorting it — a full sort per query. This one has the
 * same surface (size, add, remove, find, toJSON), so it is installed in Orama's place and Orama's own
 * vector search still works over it, and adds {@link topK}: one pass over the matrix with a bounded
 * top-k, which is what the engine's queries use. Rows are L2-normalised on the way in, so the dot
 * product is the cosine similarity.
 */
export class FlatVectorIndex {
  private matrix: Float32Array;
  /** Row of each Orama internal document id. */
  private readonly rowOf = new Map<number, number>();
  /** Internal document id of each row; 0 marks a free row (Orama's ids start at 1). */
  private idOfRow: Int32Array;
  private readonly freeRows: number[] = [];
  /** Rows ever used: the scan stops here. */
  private rows = 0;

  constructor(readonly size: number, capacity = 1024) {
    this.matrix = new Float32Array(capacity * size);
    this.idOfRow = new Int32Array(capacity);
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
    const dim = this.size;
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += value[j] * value[j];
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    const off = row * dim;
    for (let j = 0; j < dim; j++) this.matrix[off + j] = value[j] * scale;
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
    return row === undefined ? undefined : this.matrix.subarray(row * this.size, (row + 1) * this.size);
  }

  /**
   * The `k` documents most similar to `query`, best first, as [internal id, cosine similarity].
   * `accept` filters by internal id (e.g. by kind) during the scan.
   */
  topK(query: ArrayLike<number>, k: number, accept?: (internalId: number) => boolean): [number, number][] {
    const dim = this.size, m = this.matrix, ids = this.idOfRow;
    const q = normalised(query, dim);
    const dim4 = dim - (dim % 4);
    const topScore = new Float64Array(k).fill(-Infinity);
    const topId = new Int32Array(k);
    let worst = -Infinity;
    for (let row = 0, off = 0; row < this.rows; row++, off += dim) {
      const id = ids[row];
      if (id === 0) continue;
      // Four running sums: independent additions the CPU can overlap.
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let j = 0; j < dim4; j += 4) {
        s0 += q[j] * m[off + j];
        s1 += q[j + 1] * m[off + j + 1];
        s2 += q[j + 2] * m[off + j + 2];
        s3 += q[j + 3] * m[off + j + 3];
      }
      for (let j = dim4; j < dim; j++) s0 += q[j] * m[off + j];
      const s = s0 + s1 + s2 + s3;
      if (s <= worst || (accept && !accept(id))) continue;
      // Insertion into the sorted top-k: k is small and most rows never get this far.
      let p = k - 1;
      while (p > 0 && topScore[p - 1] < s) {
        topScore[p] = topScore[p - 1];
        topId[p] = topId[p - 1];
        p--;
      }
      topScore[p] = s;
      topId[p] = id;
      worst = topScore[k - 1];
    }
    const out: [number, number][] = [];
    for (let i = 0; i < k && topScore[i] > -Infinity; i++) out.push([topId[i], topScore[i]]);
    return out;
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

  private grow(): void {
    const capacity = this.idOfRow.length * 2;
    const matrix = new Float32Array(capacity * this.size);
    matrix.set(this.matrix);
    const ids = new Int32Array(capacity);
    ids.set(this.idOfRow);
    this.matrix = matrix;
    this.idOfRow = ids;
  }
}

function normalised(v: ArrayLike<number>, dim: number): Float64Array {
  let norm = 0;
  for (let j = 0; j < dim; j++) norm += v[j] * v[j];
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  const out = new Float64Array(dim);
  for (let j = 0; j < dim; j++) out[j] = v[j] * scale;
  return out;
}
