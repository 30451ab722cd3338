import * as ort from 'onnxruntime-node';

/*
 * Prototype (not product code): the vector scan done by onnxruntime instead of JavaScript. The matrix of
 * unit vectors becomes the initializer of a two-node ONNX graph — Gemm(query, matrixᵀ) → TopK — so each
 * search is one native call (MLAS SIMD kernels) with no per-row JavaScript. The graph is written here
 * with a few protobuf primitives (the same wire format scripts/models/onnxWriter.mjs writes).
 */

const varint = (n: number | bigint): Buffer => {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
};
const field = (no: number, wire: number) => varint((no << 3) | wire);
const int = (no: number, v: number | bigint) => Buffer.concat([field(no, 0), varint(v)]);
const bytes = (no: number, b: Buffer) => Buffer.concat([field(no, 2), varint(b.length), b]);
const str = (no: number, s: string) => bytes(no, Buffer.from(s, 'utf8'));
const msg = (no: number, parts: Buffer[]) => bytes(no, Buffer.concat(parts));

const FLOAT = 1, INT64 = 7;
const tensor = (name: string, type: number, dims: number[], data: ArrayBufferView) =>
  [...dims.map((d) => int(1, d)), int(2, type), str(8, name), bytes(9, Buffer.from(data.buffer, data.byteOffset, data.byteLength))];
const valueInfo = (name: string, type: number, dims: (number | string)[]) => [
  str(1, name),
  msg(2, [msg(1, [int(1, type), msg(2, dims.map((d) => msg(1, [typeof d === 'string' ? str(2, d) : int(1, d)])))])]),
];
const node = (op: string, inputs: string[], outputs: string[], attrs: Buffer[] = []) =>
  [...inputs.map((i) => str(1, i)), ...outputs.map((o) => str(2, o)), str(3, `${op}_node`), str(4, op), ...attrs];
const intAttr = (name: string, v: number) => msg(5, [str(1, name), int(20, 2), int(3, v)]);

/**
 * ONNX bytes of: scores = Gemm(q [1,d], M [n,d], transB) ; values, indices = TopK(scores, k). With a matrix
 * the rows are an initializer (fixed at session creation); without, M is a second input fed on every run.
 */
function scanModel(matrix: Float32Array | undefined, n: number, dim: number, k: number): Buffer {
  const graph = [
    msg(1, node('Gemm', ['q', 'M'], ['scores'], [intAttr('transB', 1)])),
    msg(1, node('TopK', ['scores', 'k'], ['values', 'indices'], [intAttr('axis', 1), intAttr('largest', 1), intAttr('sorted', 1)])),
    str(2, 'flat_scan'),
    ...(matrix ? [msg(5, tensor('M', FLOAT, [n, dim], matrix))] : []),
    msg(5, tensor('k', INT64, [1], BigInt64Array.of(BigInt(k)))),
    msg(11, valueInfo('q', FLOAT, [1, dim])),
    ...(matrix ? [] : [msg(11, valueInfo('M', FLOAT, ['n', dim]))]),
    msg(12, valueInfo('values', FLOAT, [1, k])),
    msg(12, valueInfo('indices', INT64, [1, k])),
  ];
  return Buffer.concat([int(1, 8), str(2, 'semantic-search-bench'), msg(8, [str(1, ''), int(2, 17)]), msg(7, graph)]);
}

export class OrtScan {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly ids: string[],
    readonly dim: number,
    readonly k: number,
    /** Set when the matrix is fed on every run instead of being baked into the session. */
    private readonly fed?: ort.Tensor,
  ) {}

  /**
   * The scan over `matrix` (row i = vector of ids[i]), k results per search. `baked`: the matrix is an
   * initializer (fastest; a changed index needs a new session); otherwise it is an input on every run (the
   * matrix can grow or change between searches without rebuilding anything).
   */
  static async create(matrix: Float32Array, ids: string[], dim: number, k: number, options: { threads?: number; baked?: boolean } = {}): Promise<OrtScan> {
    const baked = options.baked ?? true;
    const kk = Math.min(k, ids.length);
    const model = scanModel(baked ? matrix : undefined, ids.length, dim, kk);
    const session = await ort.InferenceSession.create(model, { intraOpNumThreads: options.threads ?? 1, interOpNumThreads: 1 });
    return new OrtScan(session, ids, dim, kk, baked ? undefined : new ort.Tensor('float32', matrix, [ids.length, dim]));
  }

  async search(q: Float32Array): Promise<{ id: string; score: number }[]> {
    const feeds: Record<string, ort.Tensor> = { q: new ort.Tensor('float32', q, [1, this.dim]) };
    if (this.fed) feeds.M = this.fed;
    const out = await this.session.run(feeds);
    const values = out.values.data as Float32Array;
    const indices = out.indices.data as BigInt64Array;
    return Array.from(values, (score, i) => ({ id: this.ids[Number(indices[i])], score }));
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
