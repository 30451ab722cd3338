import { createSimdScanner, type SimdScanner } from './simdScan';

/** Vectors by key (the hash of the embedded text), as a save writes them and a load gives them. */
export interface VectorSource {
  /** Calls `fn` for every vector, oldest first; `vector` may be a view that is valid during the call only. */
  forEach(fn: (vector: Float32Array, key: string) => void): void;
  /** The vector of `key`; may be a view that is valid until the source changes. */
  get(key: string): Float32Array | undefined;
}

/**
 * Vectors as a saved index holds them: of unit length already, row `i` the vector of `hashes[i]`, and
 * written straight into the matrix on load (one pass, no second normalisation).
 */
export interface StoredVectors extends VectorSource {
  readonly hashes: readonly string[];
  readRow(i: number, into: Float32Array, offset: number): void;
}

/**
 * The vector index of the Orama database, as one contiguous float32 matrix, and the only copy of the
 * engine's vectors.
 *
 * A row is the vector of one embedded text, keyed by the text's hash; documents (Orama's internal ids) point
 * at rows, so chunks with the same text share a row, and a row no document uses any more (a deleted file's
 * text) stays until it is pruned, so that a branch switch back embeds nothing again.
 *
 * Orama's own vector index keeps a Map of per-document arrays and answers a query by computing every
 * similarity, pushing all of them into an array and sorting it — a full sort per query. This one has the
 * same surface (size, add, remove, find, toJSON), so it is installed in Orama's place and Orama's own
 * vector search still works over it, and adds {@link topK}: one pass over the matrix (in WebAssembly
 * SIMD where available) with a bounded top-k, which is what the engine's queries use. Rows are
 * L2-normalised on the way in, so the dot product is the cosine similarity.
 */
export class FlatVectorIndex implements VectorSource {
  /** Rows × size floats; inside the kernel's memory when SIMD is available (see {@link createSimdScanner}). */
  private matrix: Float32Array;
  private readonly simd: SimdScanner | undefined;
  /** Row of each key; the Map's order is the order rows were added in (oldest first), for pruning. */
  private readonly rowOfKey = new Map<string, number>();
  /** First document of each row; 0: none (an unused vector or a free row; Orama's ids start at 1). */
  private docOfRow: Int32Array;
  /** Further documents of the rows that several documents share. */
  private readonly moreDocs = new Map<number, number[]>();
  private readonly rowOfDoc = new Map<number, number>();
  private readonly freeRows: number[] = [];
  /** Rows ever used: the scan stops here. */
  private rows = 0;

  constructor(readonly size: number, capacity = 1024) {
    this.simd = size % 8 === 0 ? createSimdScanner() : undefined;
    this.docOfRow = new Int32Array(capacity);
    this.matrix = this.allocate(capacity);
  }

  /** Documents with a vector. */
  get count(): number {
    return this.rowOfDoc.size;
  }

  /** Vectors held, used or not. */
  get vectorCount(): number {
    return this.rowOfKey.size;
  }

  has(key: string): boolean {
    return this.rowOfKey.has(key);
  }

  /** Stores the vector of `key` (normalised); a key already present keeps its vector. */
  put(key: string, value: ArrayLike<number>): void {
    if (this.rowOfKey.has(key)) return;
    const row = this.freeRow();
    normaliseInto(value, this.matrix, row * this.size, this.size);
    this.rowOfKey.set(key, row);
  }

  /** Adds every vector of a saved index that is not held yet. */
  putStored(source: StoredVectors): void {
    source.hashes.forEach((key, i) => {
      if (this.rowOfKey.has(key)) return;
      const row = this.freeRow();
      source.readRow(i, this.matrix, row * this.size);
      this.rowOfKey.set(key, row);
    });
  }

  private freeRow(): number {
    const row = this.freeRows.pop();
    if (row !== undefined) return row;
    if (this.rows === this.docOfRow.length) this.grow();
    return this.rows++;
  }

  /** Points document `internalId` at the vector of `key`; false if there is none. */
  attach(internalId: number, key: string): boolean {
    this.remove(internalId);
    const row = this.rowOfKey.get(key);
    if (row === undefined) return false;
    this.rowOfDoc.set(internalId, row);
    if (this.docOfRow[row] === 0) this.docOfRow[row] = internalId;
    else this.moreDocs.set(row, [...(this.moreDocs.get(row) ?? []), internalId]);
    return true;
  }

  /** Orama's interface: the document's own vector (under a key of its own). */
  add(internalId: number, value: ArrayLike<number>): void {
    const key = `\0doc:${internalId}`;
    this.remove(internalId);
    this.drop(key);
    this.put(key, value);
    this.attach(internalId, key);
  }

  /** The document no longer points at a vector (the vector itself stays until {@link prune}). */
  remove(internalId: number): void {
    const row = this.rowOfDoc.get(internalId);
    if (row === undefined) return;
    this.rowOfDoc.delete(internalId);
    const more = this.moreDocs.get(row);
    if (this.docOfRow[row] === internalId) this.docOfRow[row] = more?.shift() ?? 0;
    else if (more) more.splice(more.indexOf(internalId), 1);
    if (more && !more.length) this.moreDocs.delete(row);
  }

  /**
   * Removes vectors no document uses, oldest first, keeping the `keep` most recent of them.
   * Returns how many vectors documents use.
   */
  prune(keep: (used: number) => number): number {
    const unused: string[] = [];
    for (const [key, row] of this.rowOfKey) if (this.docOfRow[row] === 0) unused.push(key);
    const used = this.rowOfKey.size - unused.length;
    for (const key of unused.slice(0, Math.max(0, unused.length - keep(used)))) this.drop(key);
    return used;
  }

  /** Frees the row of an unused key. */
  private drop(key: string): void {
    const row = this.rowOfKey.get(key);
    if (row === undefined || this.docOfRow[row] !== 0) return;
    this.rowOfKey.delete(key);
    this.freeRows.push(row);
  }

  forEach(fn: (vector: Float32Array, key: string) => void): void {
    for (const [key, row] of this.rowOfKey) fn(this.matrix.subarray(row * this.size, (row + 1) * this.size), key);
  }

  get(key: string): Float32Array | undefined {
    const row = this.rowOfKey.get(key);
    return row === undefined ? undefined : this.matrix.subarray(row * this.size, (row + 1) * this.size);
  }

  /** The stored (normalised) vector of a document, or undefined. */
  vectorOf(internalId: number): Float32Array | undefined {
    const row = this.rowOfDoc.get(internalId);
    return row === undefined ? undefined : this.matrix.slice(row * this.size, (row + 1) * this.size);
  }

  /**
   * The `k` documents most similar to `query`, best first, as [internal id, cosine similarity].
   * `accept` filters by internal id (e.g. by kind). Equal similarities (the same text in several places)
   * are ordered by `before` if given, else by internal id, so the answer does not depend on where rows are.
   */
  topK(query: ArrayLike<number>, k: number, accept?: (internalId: number) => boolean, before: (a: number, b: number) => boolean = (a, b) => a < b): [number, number][] {
    const q = new Float32Array(this.size);
    normaliseInto(query, q, 0, this.size);
    const scores = this.scores(q);
    const docs = this.docOfRow;
    const shared = this.moreDocs.size ? this.moreDocs : undefined;
    const topScore = new Float64Array(k).fill(-Infinity);
    const topId = new Int32Array(k);
    let worst = -Infinity;
    const consider = (id: number, s: number) => {
      if (s < worst || (s === worst && !before(id, topId[k - 1])) || (accept && !accept(id))) return;
      // Insertion into the sorted top-k: k is small and most rows never get this far.
      let p = k - 1;
      while (p > 0 && (topScore[p - 1] < s || (topScore[p - 1] === s && before(id, topId[p - 1])))) {
        topScore[p] = topScore[p - 1];
        topId[p] = topId[p - 1];
        p--;
      }
      topScore[p] = s;
      topId[p] = id;
      worst = topScore[k - 1];
    };
    for (let row = 0; row < this.rows; row++) {
      const s = scores[row];
      if (s < worst || docs[row] === 0) continue;
      consider(docs[row], s);
      const more = shared?.get(row);
      if (more) for (const id of more) consider(id, s);
    }
    const out: [number, number][] = [];
    for (let i = 0; i < k && topScore[i] > -Infinity; i++) out.push([topId[i], topScore[i]]);
    return out;
  }

  /** The dot product of `q` with every row (free rows included; the caller skips them). */
  private scores(q: Float32Array): Float32Array {
    const dim = this.size, n = this.rows;
    if (this.simd) {
      const layout = this.layout(this.docOfRow.length);
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
    const capacity = this.docOfRow.length * 2;
    const docs = new Int32Array(capacity);
    docs.set(this.docOfRow);
    this.docOfRow = docs;
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

function normaliseInto(v: ArrayLike<number>, out: Float32Array, offset: number, dim: number): void {
  let norm = 0;
  for (let j = 0; j < dim; j++) norm += v[j] * v[j];
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let j = 0; j < dim; j++) out[offset + j] = v[j] * scale;
}
