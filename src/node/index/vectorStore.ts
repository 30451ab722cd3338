import { decodeHalf, dotHalf, encodeHalf, halfTable } from './float16';
import { createSimdScanner, type SimdScanner } from './simdScan';

/** Vectors by the hash of their text, as a save writes them (persist.ts). */
export interface VectorSource {
  /** Calls `fn` for every vector, oldest first; `vector` may be a view that is valid during the call only. */
  forEach(fn: (vector: Float32Array, hash: string) => void): void;
  /** The vector of a text; may be a view that is valid until the source changes. */
  get(hash: string): Float32Array | undefined;
  /** The vector of a text in half precision, when the source holds it so (a view valid until it changes). */
  halvesOf?(hash: string): Uint16Array | undefined;
}

/**
 * How many rows the approximate scan hands to the exact one, for a top `k`: int8 quantisation moves a
 * cosine by about 0.001, so the true top k is all but certainly among the first 4k (or k + 64) by the
 * approximation.
 */
const candidateRows = (k: number) => Math.max(4 * k, k + 64);

/**
 * The engine's vectors, and the only copy of them; the query's nearest chunks.
 *
 * A row is the vector of one embedded text, keyed by the text's hash; chunks (by id) point at rows, so chunks
 * with the same text share a row, and a row no chunk uses any more (a deleted file's text) stays until it is
 * pruned, so that a branch switch back embeds nothing again.
 *
 * Each row is held twice: in half precision (the exact value, as it is saved, so a similarity is the same
 * before and after a reload) and quantised to int8 with a scale of its own. A query scans the int8 matrix —
 * a quarter of the bytes of float32, which is what bounds a scan over tens of thousands of rows — in
 * WebAssembly SIMD where available, keeps the best rows by that approximation, and ranks them by their
 * exact similarity (see {@link candidateRows}). Rows are L2-normalised on the way in, so the dot product is
 * the cosine similarity.
 *
 * Inside, each chunk with a vector has a slot (a small number from 1) that the row arrays hold, so the scan
 * reads typed arrays rather than strings; slots are reused, and no order depends on them.
 *
 * A chunk whose text has no vector yet waits for it ("waiting for meaning": its words are searchable, its
 * meaning not yet): the store remembers it by the text's hash, and the moment that vector comes in (a batch
 * of an indexing run, or a row copied back after a failed run) every chunk waiting for it is searchable too.
 * An indexing run embeds what waits; a saved index may hold waiting chunks (a checkpoint, or a run stopped).
 */
export class VectorStore implements VectorSource {
  /** Row-major half-precision values: row r is `dim` values from `r · dim`. */
  private halves: Uint16Array;
  /** The same rows as int8 codes, inside the kernel's memory when SIMD is available (see {@link createSimdScanner}). */
  private codes: Int8Array;
  /** The value of one int8 step in each row. */
  private scales: Float32Array;
  private readonly simd: SimdScanner | undefined;
  /** Row of each text; the Map's order is the order rows were added in (oldest first), for pruning. */
  private readonly rowOfHash = new Map<string, number>();
  private readonly freeRows: number[] = [];
  /** Rows handed out so far, free ones included: the scan stops here. */
  private rowsAllocated = 0;
  /** First chunk (its slot) of each row; 0: none (an unused vector or a free row). */
  private firstSlotOfRow: Int32Array;
  /** Further chunks of the rows that several chunks share. */
  private readonly moreSlotsOfRow = new Map<number, number[]>();
  private readonly slotOfChunk = new Map<string, number>();
  /** Chunk id and row of each slot ('' and -1 when free); slot 0 stands for none. */
  private readonly chunkOfSlot: string[] = [''];
  private readonly rowOfSlot: number[] = [-1];
  private readonly freeSlots: number[] = [];
  /** Chunks whose text has no row yet, by the text's hash, and the hash each of them waits for. */
  private readonly waitingByHash = new Map<string, Set<string>>();
  private readonly hashWaitedBy = new Map<string, string>();
  private readonly unit: Float32Array;

  /** `dim`: the values per vector (0 without a model: the store then holds nothing). */
  constructor(readonly dim: number, rowCapacity = 1024) {
    this.simd = dim > 0 && dim % 16 === 0 ? createSimdScanner() : undefined;
    this.unit = new Float32Array(dim);
    this.firstSlotOfRow = new Int32Array(rowCapacity);
    this.halves = new Uint16Array(rowCapacity * dim);
    this.scales = new Float32Array(rowCapacity);
    this.codes = this.allocateCodes(rowCapacity);
  }

  /**
   * The vectors of a saved index: row i (`dim` half-precision values from `i · dim`) is the vector of
   * `hashes[i]`, copied as it is (it was normalised before it was saved).
   */
  static fromRows(dim: number, hashes: readonly string[], halves: Uint16Array): VectorStore {
    const store = new VectorStore(dim);
    hashes.forEach((hash, i) => store.copyRow(hash, halves, i * dim));
    return store;
  }

  /** Chunks with a vector. */
  get chunkCount(): number {
    return this.slotOfChunk.size;
  }

  /** Vectors held (rows), used by a chunk or not. */
  get rowCount(): number {
    return this.rowOfHash.size;
  }

  /** Chunks waiting for the vector of their text. */
  get waitingChunkCount(): number {
    return this.hashWaitedBy.size;
  }

  /** The texts (by hash) that chunks wait for, each with the chunks that wait for it. */
  get waiting(): ReadonlyMap<string, ReadonlySet<string>> {
    return this.waitingByHash;
  }

  /** Whether a chunk is searchable by its vector (it is attached to one, not waiting). */
  hasVector(chunkId: string): boolean {
    return this.slotOfChunk.has(chunkId);
  }

  has(hash: string): boolean {
    return this.rowOfHash.has(hash);
  }

  /** Stores the vector of a text (normalised); a text already held keeps its vector. */
  put(hash: string, vector: ArrayLike<number>): void {
    if (this.rowOfHash.has(hash)) return;
    const row = this.freeRow();
    normaliseInto(vector, this.unit);
    encodeHalf(this.unit, this.halves, row * this.dim);
    this.storeRow(row, this.halves, row * this.dim);
    this.addRow(hash, row);
  }

  /** Copies every row of `other` whose text this store does not hold, exactly as it is there. */
  copyRowsOf(other: VectorStore): void {
    for (const [hash, row] of other.rowOfHash) this.copyRow(hash, other.halves, row * other.dim);
  }

  /**
   * Stores the half-precision vector at `from[offset…]` (normalised, as saved) as the vector of a text, exactly
   * as it is; false if the text already has one (which it keeps).
   */
  putHalves(hash: string, from: Uint16Array, offset: number): boolean {
    if (this.rowOfHash.has(hash)) return false;
    this.copyRow(hash, from, offset);
    return true;
  }

  /** Calls `fn` for every vector in half precision, oldest first (`halves` is a view valid during the call only). */
  forEachHalves(fn: (halves: Uint16Array, hash: string) => void): void {
    for (const [hash, row] of this.rowOfHash) fn(this.halves.subarray(row * this.dim, (row + 1) * this.dim), hash);
  }

  private copyRow(hash: string, from: Uint16Array, offset: number): void {
    if (this.rowOfHash.has(hash)) return;
    const row = this.freeRow();
    this.storeRow(row, from, offset);
    this.addRow(hash, row);
  }

  /** Makes a stored row the vector of its text: the chunks that waited for it point at it from now on. */
  private addRow(hash: string, row: number): void {
    this.rowOfHash.set(hash, row);
    const waiting = this.waitingByHash.get(hash);
    if (!waiting) return;
    this.waitingByHash.delete(hash);
    for (const chunkId of waiting) {
      this.hashWaitedBy.delete(chunkId);
      this.link(chunkId, row);
    }
  }

  /** Writes the half-precision vector at `from[offset…]` into `row`, and its int8 codes. */
  private storeRow(row: number, from: Uint16Array, offset: number): void {
    const t = halfTable(), halves = this.halves, codes = this.codes, dim = this.dim, at = row * dim;
    let max = 0;
    for (let j = 0; j < dim; j++) {
      const h = from[offset + j];
      halves[at + j] = h;
      const a = t[h & 0x7fff]; // the magnitude: the same bits without the sign
      if (a > max) max = a;
    }
    this.scales[row] = max / 127;
    const inv = max ? 127 / max : 0;
    // Math.floor(x + 0.5) is Math.round, and here about twice as fast for the negative half of the values.
    for (let j = 0; j < dim; j++) codes[at + j] = Math.floor(t[halves[at + j]] * inv + 0.5);
  }

  private freeRow(): number {
    const row = this.freeRows.pop();
    if (row !== undefined) return row;
    if (this.rowsAllocated === this.firstSlotOfRow.length) this.grow();
    return this.rowsAllocated++;
  }

  /**
   * Points a chunk at the vector of its text (instead of any it pointed at); false if there is none yet, and
   * the chunk then waits for it (without a model, dim 0, nothing ever comes, so nothing waits).
   */
  attach(chunkId: string, hash: string): boolean {
    this.detach(chunkId);
    const row = this.rowOfHash.get(hash);
    if (row !== undefined) {
      this.link(chunkId, row);
      return true;
    }
    if (this.dim > 0) this.wait(chunkId, hash);
    return false;
  }

  private wait(chunkId: string, hash: string): void {
    let waiting = this.waitingByHash.get(hash);
    if (!waiting) this.waitingByHash.set(hash, (waiting = new Set()));
    waiting.add(chunkId);
    this.hashWaitedBy.set(chunkId, hash);
  }

  /** Gives a chunk a slot on `row`. */
  private link(chunkId: string, row: number): void {
    const slot = this.freeSlots.pop() ?? this.chunkOfSlot.length;
    this.chunkOfSlot[slot] = chunkId;
    this.rowOfSlot[slot] = row;
    this.slotOfChunk.set(chunkId, slot);
    if (this.firstSlotOfRow[row] === 0) this.firstSlotOfRow[row] = slot;
    else this.moreSlotsOfRow.set(row, [...(this.moreSlotsOfRow.get(row) ?? []), slot]);
  }

  /** The chunk no longer points at a vector, nor waits for one (a vector itself stays until {@link prune}). */
  detach(chunkId: string): void {
    this.stopWaiting(chunkId);
    const slot = this.slotOfChunk.get(chunkId);
    if (slot === undefined) return;
    const row = this.rowOfSlot[slot];
    this.slotOfChunk.delete(chunkId);
    this.chunkOfSlot[slot] = '';
    this.rowOfSlot[slot] = -1;
    this.freeSlots.push(slot);
    const more = this.moreSlotsOfRow.get(row);
    if (this.firstSlotOfRow[row] === slot) this.firstSlotOfRow[row] = more?.shift() ?? 0;
    else if (more) more.splice(more.indexOf(slot), 1);
    if (more && !more.length) this.moreSlotsOfRow.delete(row);
  }

  private stopWaiting(chunkId: string): void {
    const hash = this.hashWaitedBy.get(chunkId);
    if (hash === undefined) return;
    this.hashWaitedBy.delete(chunkId);
    const waiting = this.waitingByHash.get(hash)!;
    waiting.delete(chunkId);
    if (!waiting.size) this.waitingByHash.delete(hash);
  }

  /**
   * Removes vectors no chunk uses, oldest first, keeping the `keep(used)` most recent of them (used: the
   * vectors chunks use). Returns how many vectors chunks use.
   */
  prune(keep: (used: number) => number): number {
    const unused: string[] = [];
    for (const [hash, row] of this.rowOfHash) if (this.firstSlotOfRow[row] === 0) unused.push(hash);
    const used = this.rowOfHash.size - unused.length;
    for (const hash of unused.slice(0, Math.max(0, unused.length - keep(used)))) this.drop(hash);
    return used;
  }

  /** Frees the row of an unused text. */
  private drop(hash: string): void {
    const row = this.rowOfHash.get(hash);
    if (row === undefined || this.firstSlotOfRow[row] !== 0) return;
    this.rowOfHash.delete(hash);
    this.freeRows.push(row);
  }

  forEach(fn: (vector: Float32Array, hash: string) => void): void {
    const v = new Float32Array(this.dim);
    for (const [hash, row] of this.rowOfHash) {
      decodeHalf(this.halves, row * this.dim, v);
      fn(v, hash);
    }
  }

  get(hash: string): Float32Array | undefined {
    const row = this.rowOfHash.get(hash);
    return row === undefined ? undefined : this.rowVector(row);
  }

  halvesOf(hash: string): Uint16Array | undefined {
    const row = this.rowOfHash.get(hash);
    return row === undefined ? undefined : this.halves.subarray(row * this.dim, (row + 1) * this.dim);
  }

  /** The stored (normalised) vector of a chunk, or undefined. */
  vectorOfChunk(chunkId: string): Float32Array | undefined {
    const slot = this.slotOfChunk.get(chunkId);
    return slot === undefined ? undefined : this.rowVector(this.rowOfSlot[slot]);
  }

  private rowVector(row: number): Float32Array {
    const v = new Float32Array(this.dim);
    decodeHalf(this.halves, row * this.dim, v);
    return v;
  }

  /**
   * The `k` chunks most similar to `query`, best first, as [chunk id, cosine similarity], with no similarity
   * cut-off; `accept` filters by chunk id (e.g. by kind). Equal similarities (the same text in several
   * places) go by chunk id, so the answer does not depend on where rows are or the order chunks came in.
   */
  topK(query: ArrayLike<number>, k: number, accept?: (chunkId: string) => boolean): [string, number][] {
    const q = new Float32Array(this.dim);
    normaliseInto(query, q);
    const ids = this.chunkOfSlot;
    const before = (a: number, b: number) => ids[a] < ids[b];
    const acceptSlot = accept && ((slot: number) => accept(ids[slot]));
    const firsts = this.firstSlotOfRow;
    const shared = this.moreSlotsOfRow.size ? this.moreSlotsOfRow : undefined;
    const usable = (row: number) => {
      if (firsts[row] === 0) return false;
      if (!acceptSlot || acceptSlot(firsts[row])) return true;
      return shared?.get(row)?.some(acceptSlot) ?? false;
    };

    // 1. The best rows by the int8 approximation.
    const raw = this.approximate(q);
    const scales = this.scales;
    const r = Math.min(this.rowsAllocated, candidateRows(k));
    const rowScore = new Float64Array(r).fill(-Infinity);
    const rowId = new Int32Array(r);
    // Equal approximations go by the rows' first chunks, as equal similarities do below: identical
    // vectors then give the same candidates whatever order their rows are in.
    const ahead = (s: number, row: number, p: number) => rowScore[p] < s || (rowScore[p] === s && before(firsts[row], firsts[rowId[p]]));
    for (let row = 0; row < this.rowsAllocated; row++) {
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

    // 2. Their chunks by exact similarity.
    const topScore = new Float64Array(k).fill(-Infinity);
    const topSlot = new Int32Array(k);
    const consider = (slot: number, s: number) => {
      if (s < topScore[k - 1] || (s === topScore[k - 1] && !before(slot, topSlot[k - 1])) || (acceptSlot && !acceptSlot(slot))) return;
      let p = k - 1;
      while (p > 0 && (topScore[p - 1] < s || (topScore[p - 1] === s && before(slot, topSlot[p - 1])))) {
        topScore[p] = topScore[p - 1];
        topSlot[p] = topSlot[p - 1];
        p--;
      }
      topScore[p] = s;
      topSlot[p] = slot;
    };
    for (let i = 0; i < r && rowScore[i] > -Infinity; i++) {
      const row = rowId[i];
      const s = dotHalf(q, this.halves, row * this.dim);
      consider(firsts[row], s);
      for (const slot of shared?.get(row) ?? []) consider(slot, s);
    }
    const out: [string, number][] = [];
    for (let i = 0; i < k && topScore[i] > -Infinity; i++) out.push([ids[topSlot[i]], topScore[i]]);
    return out;
  }

  /**
   * The int8 dot product of the quantised `q` with every row (free rows included): row r's similarity is
   * about raw[r] · scales[r] · the query's own int8 step (the same for every row, so left out).
   */
  private approximate(q: Float32Array): Int32Array {
    const dim = this.dim, n = this.rowsAllocated;
    let max = 0;
    for (let j = 0; j < dim; j++) max = Math.max(max, Math.abs(q[j]));
    const step = max / 127 || 1;
    if (this.simd) {
      const layout = this.layout(this.firstSlotOfRow.length);
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
  private layout(rowCapacity: number) {
    const codes = Math.ceil((this.dim * 2) / 16) * 16;
    return { codes, scores: codes + rowCapacity * this.dim, end: codes + rowCapacity * (this.dim + 4) };
  }

  /** The int8 matrix for `rowCapacity` rows, holding the current rows. */
  private allocateCodes(rowCapacity: number): Int8Array {
    if (!this.simd) {
      const codes = new Int8Array(rowCapacity * this.dim);
      if (this.codes) codes.set(this.codes);
      return codes;
    }
    // Growing the kernel's memory keeps its bytes in place, so the rows stay where they are.
    const { memory } = this.simd;
    const { codes, end } = this.layout(rowCapacity);
    const pages = Math.ceil((end - memory.buffer.byteLength) / 65536);
    if (pages > 0) memory.grow(pages);
    return new Int8Array(memory.buffer, codes, rowCapacity * this.dim);
  }

  private grow(): void {
    const rowCapacity = this.firstSlotOfRow.length * 2;
    const grown = <T extends Int32Array | Uint16Array | Float32Array>(a: T, make: (n: number) => T, perRow: number) => {
      const b = make(rowCapacity * perRow);
      b.set(a);
      return b;
    };
    this.firstSlotOfRow = grown(this.firstSlotOfRow, (n) => new Int32Array(n), 1);
    this.scales = grown(this.scales, (n) => new Float32Array(n), 1);
    this.halves = grown(this.halves, (n) => new Uint16Array(n), this.dim);
    this.codes = this.allocateCodes(rowCapacity);
  }
}

function normaliseInto(v: ArrayLike<number>, out: Float32Array): void {
  let norm = 0;
  for (let j = 0; j < out.length; j++) norm += v[j] * v[j];
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let j = 0; j < out.length; j++) out[j] = v[j] * scale;
}
