/**
 * A WebAssembly SIMD kernel for the vector index: for every row of an int8 matrix (the quantised vectors),
 * the integer dot product with a query quantised to int16 — sixteen components a turn, widened to 16 bits
 * and multiplied pairwise into 32-bit lanes. A scan of float32 rows is bound by memory bandwidth (a 50,000 ×
 * 384 matrix is 77 MB); int8 rows are a quarter of that, and the kernel keeps up with them.
 *
 * The module is a few hundred bytes, assembled here rather than shipped as a binary file:
 *   scan(q, m, rows, dim, out): out[r] = Σ_j q[j]·m[r·dim + j]   (byte offsets; q int16, m int8, out int32;
 *   dim a multiple of 16)
 * It owns its memory: the caller keeps the query, the matrix and the scores in `memory`.
 */
export interface SimdScanner {
  memory: WasmMemory;
  scan(q: number, m: number, rows: number, dim: number, out: number): void;
}

/** The parts of the WebAssembly API used here (the project's type libraries do not declare it for Node). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
};

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'utf8')];

// Opcodes (core and SIMD).
const I32 = 0x7f, V128 = 0x7b;
const get = (i: number) => [0x20, i], set = (i: number) => [0x21, i], tee = (i: number) => [0x22, i];
const i32Const = (n: number) => [0x41, ...uleb(n)]; // only small non-negative constants are used
const I32_ADD = 0x6a, I32_SHL = 0x74, I32_GE_U = 0x4f, I32_LT_U = 0x49, I32_MUL = 0x6c;
const i32Store = [0x36, 0x02, 0x00];
const simd = (op: number) => [0xfd, ...uleb(op)];
const v128Load = (offset: number) => [...simd(0x00), 0x04, ...uleb(offset)];
const v128Zero = [...simd(0x0c), ...new Array<number>(16).fill(0)];
const I16X8_EXTEND_LOW_I8X16_S = simd(0x87), I16X8_EXTEND_HIGH_I8X16_S = simd(0x88);
const I32X4_DOT_I16X8_S = simd(0xba), I32X4_ADD = simd(0xae);
const lane = (i: number) => [...simd(0x1b), i];

// params: 0 q, 1 m, 2 rows, 3 dim, 4 out; locals: 5 r, 6 qp, 7 mp, 8 qEnd (i32); 9 acc0, 10 acc1, 11 row (v128)
const Q = 0, M = 1, ROWS = 2, DIM = 3, OUT = 4, R = 5, QP = 6, MP = 7, QEND = 8, ACC0 = 9, ACC1 = 10, ROW = 11;
const body = [
  ...vec([[4, I32], [3, V128]]),
  ...get(M), ...set(MP),
  ...get(Q), ...get(DIM), ...i32Const(2), I32_MUL, I32_ADD, ...set(QEND),
  ...i32Const(0), ...set(R),
  0x02, 0x40, // block $exit
  0x03, 0x40, //   loop $rows
  ...get(R), ...get(ROWS), I32_GE_U, 0x0d, 1, // br_if $exit
  ...v128Zero, ...set(ACC0), ...v128Zero, ...set(ACC1), ...get(Q), ...set(QP),
  0x03, 0x40, //     loop $inner: sixteen int8 components against sixteen int16 ones, in two accumulators
  ...get(MP), ...v128Load(0), ...set(ROW),
  ...get(ACC0), ...get(QP), ...v128Load(0), ...get(ROW), ...I16X8_EXTEND_LOW_I8X16_S, ...I32X4_DOT_I16X8_S, ...I32X4_ADD, ...set(ACC0),
  ...get(ACC1), ...get(QP), ...v128Load(16), ...get(ROW), ...I16X8_EXTEND_HIGH_I8X16_S, ...I32X4_DOT_I16X8_S, ...I32X4_ADD, ...set(ACC1),
  ...get(QP), ...i32Const(32), I32_ADD, ...set(QP),
  ...get(MP), ...i32Const(16), I32_ADD, ...set(MP),
  ...get(QP), ...get(QEND), I32_LT_U, 0x0d, 0, // br_if $inner
  0x0b, //     end
  ...get(OUT), ...get(R), ...i32Const(2), I32_SHL, I32_ADD,
  ...get(ACC0), ...get(ACC1), ...I32X4_ADD, ...tee(ACC0),
  ...lane(0), ...get(ACC0), ...lane(1), I32_ADD, ...get(ACC0), ...lane(2), I32_ADD, ...get(ACC0), ...lane(3), I32_ADD,
  ...i32Store,
  ...get(R), ...i32Const(1), I32_ADD, ...set(R),
  0x0c, 0, // br $rows
  0x0b, //   end
  0x0b, // end block
  0x0b, // end function
];

const MODULE = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), 0x00]])),
  ...section(3, vec([[0]])),
  ...section(5, vec([[0x00, 1]])),
  ...section(7, vec([[...name('memory'), 0x02, 0], [...name('scan'), 0x00, 0]])),
  ...section(10, vec([[...uleb(body.length), ...body]])),
]);

/** The kernel, or undefined where WebAssembly SIMD is not available (the caller scans in JavaScript). */
export function createSimdScanner(): SimdScanner | undefined {
  try {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(MODULE));
    const exports = instance.exports as unknown as SimdScanner;
    return { memory: exports.memory, scan: exports.scan };
  } catch {
    return undefined;
  }
}
