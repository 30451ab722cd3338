import { decodeHalf, dotHalf, encodeHalf, halfTable } from './float16';
import { createSimdScanner, type SimdScanner } from './simdScan';

/** Vectors by key (the hash of the embedded text), as a save writes them and a load gives them. */
export interface VectorSource {
  /** Calls `fn` for every vector, oldest first; `vector` may be a view that is valid during the call only. */
  forEach(fn: (vector: Float32Array, key: string) => void): void;
  /** The vector of `key`; may be a view that is valid until the source changes. */
  get(key: string): Float32Array | undefined;
  /** The vector of `key` in half precision, when the source holds it so (a view valid until it changes). */
  halvesOf?(key: string): Uint16Array | undefined;
}

/**
 * Vectors as a saved index holds them: unit vectors in half precision, row `i` (the index's size of values
 * from `i · size`) the vector of `hashes[i]`, copied into the index as they are on load.
 */
export interface StoredVectors extends VectorSource {
  readonly hashes: readonly string[];
  readonly halves: Uint16Array;
}

/**
 * How many rows the approximate scan hands to the exact one, for a top `k`: int8 quantisation moves a
 * cosine by about 0.001, so the true top k is all but certainly among the first 4k (or k + 64) by the
 * approximation.
 */
const candidateRows = (k: number) => Math.max(4 * k, k + 64);

/**
 * The vector index of the Orama database, and the only copy of the engine's vectors.
 *
 * A row is the vector of one embedded text, keyed by the text's hash; documents (Orama's internal ids) point
 * at rows, so chunks with the same text share a row, and a row no document uses any more (a deleted file's
 * text) stays until it is pruned, so that a branch switch back embeds nothing again.
 *
 * Each row is held twice: in half precision (the exact value, as it is saved, so a similarity is the same
 * before and after a reload) and quantised to int8 with a scale of its own. A query scans the int8 matrix —
 * a quarter of the bytes of float32, which is what bounds a scan over tens of thousands of rows — in
 * WebAssembly SIMD where available, keeps the best rows by that approximation, and ranks them by their
 * exact similarity (see {@link candidateRows}). Rows are L2-normalised on the way in, so the dot product is
 * the cosine similarity.
 *
 * Orama's own vector index keeps a Map of per-document arrays and answers a query by computing every
 * similarity, pushing all of them into an array and sorting it — a full sort per query. This one has the
 * same surface (size, add, remove, find, toJSON), so it is installed in Orama's place and Orama's own
 * vector search still works over it, and adds {@link topK}, which is what the engine's queries use.
 */
export class FlatVectorIndex implements VectorSource {
  /** Rows × size half-precision values: the vectors. */
  private halves: Uint16Array;
  /** Rows × size int8 codes, inside the kernel's memory when SIMD is available (see {@link createSimdScanner}). */
  private codes: Int8Array;
  /** The value of one int8 step in each row. */
  private scales: Float32Array;
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
  private readonly unit: Float32Array;

  constructor(readonly size: number, capacity = 1024) {
    this.simd = size % 16 === 0 ? createSimdScanner() : undefined;
    this.unit = new Float32Array(size);
    this.docOfRow = new Int32Array(capacity);
    this.halves = new Uint16Array(capacity * size);
    this.scales = new Float32Array(capacity);
    this.codes = this.allocateCodes(capacity);
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
    normaliseInto(value, this.unit);
    encodeHalf(this.unit, this.halves, row * this.size);
    this.storeRow(row, this.halves, row * this.size);
    this.rowOfKey.set(key, row);
  }

  /** Adds every vector of a saved index that is not held yet. */
  putStored(source: StoredVectors): void {
    const { hashes, halves } = source;
    for (let i = 0; i < hashes.length; i++) {
      if (this.rowOfKey.has(hashes[i])) continue;
      const row = this.freeRow();
      this.storeRow(row, halves, i * this.size);
      this.rowOfKey.set(hashes[i], row);
    }
  }

  /** Writes the half-precision vector at `from[offset…]` into `row`, and its int8 codes. */
  private storeRow(row: number, from: Uint16Array, offset: number): void {
    const t = halfTable(), halves = this.halves, codes = this.codes, size = this.size, at = row * size;
    let max = 0;
    for (let j = 0; j < size; j++) {
      const h = from[offset + j];
      halves[at + j] = h;
      const a = t[h & 0x7fff]; // the magnitude: the same bits without the sign
      if (a > max) max = a;
    }
    this.scales[row] = max / 127;
    const inv = max ? 127 / max : 0;
    // Math.floor(x + 0.5) is Math.round, and here about twice as fast for the negative half of the values.
    for (let j = 0; j < size; j++) codes[at + j] = Math.floor(t[halves[at + j]] * inv + 0.5);
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
    const v = new Float32Array(this.size);
    for (const [key, row] of this.rowOfKey) {
      decodeHalf(this.halves, row * this.size, v);
      fn(v, key);
    }
  }

  get(key: string): Float32Array | undefined {
    const row = this.rowOfKey.get(key);
    return row === undefined ? undefined : this.rowVector(row);
  }

  halvesOf(key: string): Uint16Array | undefined {
    const row = this.rowOfKey.get(key);
    return row === undefined ? undefined : this.halves.subarray(row * this.size, (row + 1) * this.size);
  }

  /** The stored (normalised) vector of a document, or undefined. */
  vectorOf(internalId: number): Float32Array | undefined {
    const row = this.rowOfDoc.get(internalId);
    return row === undefined ? undefined : this.rowVector(row);
  }

  private rowVector(row: number): Float32Array {
    const v = new Float32Array(this.size);
    decodeHalf(this.halves, row * this.size, v);
    return v;
  }

  /**
   * The `k` documents most similar to `query`, best first, as [internal id, cosine similarity].
   * `accept` filters by internal id (e.g. by kind). Equal similarities (the same text in several places)
   * are ordered by `before` if given, else by internal id, so the answer does not depend on where rows are.
   */
  topK(query: ArrayLike<number>, k: number, accept?: (internalId: number) => boolean, before: (a: number, b: number) => boolean = (a, b) => a < b): [number, number][] {
    const q = new Float32Array(this.size);
    normaliseInto(query, q);
    const docs = this.docOfRow;
    const shared = this.moreDocs.size ? this.moreDocs : undefined;
    const usable = (row: number) => {
      if (docs[row] === 0) return false;
      if (!accept || accept(docs[row])) return true;
      return shared?.get(row)?.some(accept) ?? false;
    };

    // 1. The best rows by the int8 approximation.
    const raw = this.approximate(q);
    const scales = this.scales;
    const r = Math.min(this.rows, candidateRows(k));
    const rowScore = new Float64Array(r).fill(-Infinity);
    const rowId = new Int32Array(r);
    // Equal approximations go by the rows' first documents, as equal similarities do below: identical
    // vectors then give the same candidates whatever order their rows are in.
    const ahead = (s: number, row: number, p: number) => rowScore[p] < s || (rowScore[p] === s && before(docs[row], docs[rowId[p]]));
    for (let row = 0; row < this.rows; row++) {
      const s = raw[row] * scales[row]; // the approximate similarity × the query's own int8 step
      if (!ahead(s, row, r - 1) || !usable(row)) continue;
      let p = r - 1;
      while (p > 0 && ahead(s, row, p - 1)) {
        rowScore[p] = rowScore[p - 1];
        rowId[p] = rowId[p - 1];
        p--;
      }
      rowScore[p] = s;
      rowId[p] = row;
    }

    // 2. Their documents by exact similarity.
    const topScore = new Float64Array(k).fill(-Infinity);
    const topId = new Int32Array(k);
    const consider = (id: number, s: number) => {
      if (s < topScore[k - 1] || (s === topScore[k - 1] && !before(id, topId[k - 1])) || (accept && !accept(id))) return;
      let p = k - 1;
      while (p > 0 && (topScore[p - 1] < s || (topScore[p - 1] === s && before(id, topId[p - 1])))) {
        topScore[p] = topScore[p - 1];
        topId[p] = topId[p - 1];
        p--;
      }
      topScore[p] = s;
      topId[p] = id;
    };
    for (let i = 0; i < r && rowScore[i] > -Infinity; i++) {
      const row = rowId[i];
      const s = dotHalf(q, this.halves, row * this.size);
      consider(docs[row], s);
      for (const id of shared?.get(row) ?? []) consider(id, s);
    }
    const out: [number, number][] = [];
    for (let i = 0; i < k && topScore[i] > -Infinity; i++) out.push([topId[i], topScore[i]]);
    return out;
  }

  /**
   * The int8 dot product of the quantised `q` with every row (free rows included): row r's similarity is
   * about raw[r] · scales[r] · the query's own int8 step (the same for every row, so left out).
   */
  private approximate(q: Float32Array): Int32Array {
    const dim = this.size, n = this.rows;
    let max = 0;
    for (let j = 0; j < dim; j++) max = Math.max(max, Math.abs(q[j]));
    const step = max / 127 || 1;
    if (this.simd) {
      const layout = this.layout(this.docOfRow.length);
      const qi = new Int16Array(this.simd.memory.buffer, 0, dim);
      for (let j = 0; j < dim; j++) qi[j] = Math.round(q[j] / step);
      this.simd.scan(0, layout.codes, n, dim, layout.scores);
      return new Int32Array(this.simd.memory.buffer, layout.scores, n);
    }
    const qi = new Int16Array(dim);
    for (let j = 0; j < dim; j++) qi[j] = Math.round(q[j] / step);
    const codes = this.codes, raw = new Int32Array(n);
    for (let row = 0, off = 0; row < n; row++, off += dim) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += qi[j] * codes[off + j];
      raw[row] = s;
    }
    return raw;
  }

  /** Byte offsets in the kernel's memory: the int16 query, then the int8 codes, then one int32 score per row. */
  private layout(capacity: number) {
    const codes = Math.ceil((this.size * 2) / 16) * 16;
    return { codes, scores: codes + capacity * this.size, end: codes + capacity * (this.size + 4) };
  }

  /** The int8 matrix for `capacity` rows, holding the current rows. */
  private allocateCodes(capacity: number): Int8Array {
    if (!this.simd) {
      const codes = new Int8Array(capacity * this.size);
      if (this.codes) codes.set(this.codes);
      return codes;
    }
    // Growing the kernel's memory keeps its bytes in place, so the rows stay where they are.
    const { memory } = this.simd;
    const { codes, end } = this.layout(capacity);
    const pages = Math.ceil((end - memory.buffer.byteLength) / 65536);
    if (pages > 0) memory.grow(pages);
    return new Int8Array(memory.buffer, codes, capacity * this.size);
  }

  private grow(): void {
    const capacity = this.docOfRow.length * 2;
    const grown = <T extends Int32Array | Uint16Array | Float32Array>(a: T, make: (n: number) => T, per: number) => {
      const b = make(capacity * per);
      b.set(a);
      return b;
    };
    this.docOfRow = grown(this.docOfRow, (n) => new Int32Array(n), 1);
    this.scales = grown(this.scales, (n) => new Float32Array(n), 1);
    this.halves = grown(this.halves, (n) => new Uint16Array(n), this.size);
    this.codes = this.allocateCodes(capacity);
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

function normaliseInto(v: ArrayLike<number>, out: Float32Array): void {
  let norm = 0;
  for (let j = 0; j < out.length; j++) norm += v[j] * v[j];
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let j = 0; j < out.length; j++) out[j] = v[j] * scale;
}
