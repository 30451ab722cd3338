// A minimal, dependency-free ONNX writer.
//
// ONNX files are protobuf messages (onnx.proto: ModelProto > GraphProto > NodeProto/TensorProto/...).
// We only ever *write* them, and only the handful of fields a BERT encoder needs, so a few protobuf
// primitives are enough; no protobuf library is needed.
//
// Messages are kept as "ropes" (lists of Buffers plus a running length) rather than one growing Buffer:
// a full-size model holds ~470 MB of weights, and a rope lets the raw tensor bytes go straight from the
// Float32Array to the file without ever being copied into an intermediate message buffer.
import fs from 'node:fs';

// ---- protobuf primitives ----------------------------------------------------------------------------

/**
 * Protobuf base-128 varint. Negative numbers are encoded as 64-bit two's complement, like protobuf does.
 * @param {number | bigint} n
 * @returns {Buffer}
 */
function varint(n) {
  let v = BigInt.asUintN(64, BigInt(n));
  const out = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
}

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

/** A protobuf message under construction: an ordered list of encoded fields. */
export class Msg {
  constructor() {
    /** @type {Buffer[]} */
    this.parts = [];
    this.length = 0;
  }
  /** @param {Buffer} b */
  push(b) {
    this.parts.push(b);
    this.length += b.length;
    return this;
  }
  /** @param {number} field @param {number} wireType */
  tag(field, wireType) {
    return this.push(varint((field << 3) | wireType));
  }
  /** @param {number} field @param {number | bigint} v */
  int(field, v) {
    return this.tag(field, WIRE_VARINT).push(varint(v));
  }
  /** @param {number} field @param {number} v */
  float(field, v) {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    return this.tag(field, WIRE_FIXED32).push(b);
  }
  /** @param {number} field @param {Buffer} buf */
  bytes(field, buf) {
    return this.tag(field, WIRE_LEN).push(varint(buf.length)).push(buf);
  }
  /** @param {number} field @param {string} s */
  str(field, s) {
    return this.bytes(field, Buffer.from(s, 'utf8'));
  }
  /** Embeds another message without copying its parts' bytes. @param {number} field @param {Msg} m */
  msg(field, m) {
    this.tag(field, WIRE_LEN).push(varint(m.length));
    for (const p of m.parts) this.push(p);
    return this;
  }
  /** @param {number} field @param {Iterable<number>} values */
  packedInts(field, values) {
    const m = new Msg();
    for (const v of values) m.push(varint(v));
    return this.msg(field, m);
  }
}

// ---- ONNX enums (onnx.proto) ---------------------------------------------------------------------------

/** TensorProto.DataType values used here. */
export const DT = Object.freeze({ FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 });
/** AttributeProto.AttributeType values used here. */
const AT = Object.freeze({ FLOAT: 1, INT: 2, STRING: 3, INTS: 7 });

/**
 * Marks a number as a FLOAT attribute (JS cannot tell 1 from 1.0, and ONNX ops care: `epsilon` must be a
 * float, `axis` an int).
 * @param {number} x
 */
export const f32 = (x) => ({ float: x });

/**
 * TensorProto with raw little-endian data (field 9). The typed array's memory is referenced, not copied.
 * @param {string} name
 * @param {number} dataType one of DT
 * @param {number[]} dims
 * @param {ArrayBufferView} data
 */
export function tensorProto(name, dataType, dims, data) {
  const t = new Msg().packedInts(1, dims).int(2, dataType).str(8, name);
  return t.bytes(9, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}

/**
 * AttributeProto for the value kinds a BERT graph needs.
 * @param {string} name
 * @param {number | string | number[] | {float: number}} v
 */
function attrProto(name, v) {
  const a = new Msg().str(1, name);
  if (typeof v === 'number' && Number.isInteger(v)) return a.int(20, AT.INT).int(3, v);
  if (typeof v === 'object' && !Array.isArray(v) && typeof v.float === 'number') return a.int(20, AT.FLOAT).float(2, v.float);
  if (typeof v === 'string') return a.int(20, AT.STRING).bytes(4, Buffer.from(v, 'utf8'));
  if (Array.isArray(v)) {
    a.int(20, AT.INTS);
    for (const x of v) a.int(8, x);
    return a;
  }
  throw new Error(`unsupported attribute value for ${name}: ${JSON.stringify(v)}`);
}

/**
 * ValueInfoProto for a graph input/output; string dims become symbolic (dynamic) dimensions.
 * @param {string} name
 * @param {number} elemType
 * @param {(number | string)[]} dims
 */
function valueInfo(name, elemType, dims) {
  const shape = new Msg();
  for (const d of dims) shape.msg(1, typeof d === 'string' ? new Msg().str(2, d) : new Msg().int(1, d));
  const tensorType = new Msg().int(1, elemType).msg(2, shape);
  return new Msg().str(1, name).msg(2, new Msg().msg(1, tensorType));
}

// ---- graph builder ---------------------------------------------------------------------------------------

/**
 * Builds a GraphProto node by node. Intermediate value names are generated with a counter, so the same
 * sequence of calls always yields the same bytes (the generated models must be byte-identical on rerun).
 */
export class Graph {
  /** @param {string} name */
  constructor(name) {
    this.name = name;
    /** @type {Msg[]} */ this.nodes = [];
    /** @type {Msg[]} */ this.inits = [];
    /** @type {Msg[]} */ this.inputs = [];
    /** @type {Msg[]} */ this.outputs = [];
    this.counter = 0;
  }
  /** @param {string} prefix */
  uniq(prefix) {
    return `${prefix}_${this.counter++}`;
  }
  /** @param {string} name @param {number} elemType @param {(number | string)[]} dims */
  input(name, elemType, dims) {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }
  /** @param {string} name @param {number} elemType @param {(number | string)[]} dims */
  output(name, elemType, dims) {
    this.outputs.push(valueInfo(name, elemType, dims));
    return name;
  }
  /** Adds a weight (initializer) and returns its name. @param {string} name @param {number} dataType @param {number[]} dims @param {ArrayBufferView} data */
  init(name, dataType, dims, data) {
    this.inits.push(tensorProto(name, dataType, dims, data));
    return name;
  }
  /** @param {number[]} values @param {number[]} [dims] */
  constF(values, dims = [values.length]) {
    return this.init(this.uniq('const'), DT.FLOAT, dims, Float32Array.from(values));
  }
  /** @param {number[]} values @param {number[]} [dims] */
  constI64(values, dims = [values.length]) {
    return this.init(this.uniq('const'), DT.INT64, dims, BigInt64Array.from(values.map(BigInt)));
  }
  /**
   * Adds a node. Returns the output name, or the list of names when `nOut > 1`.
   * @param {string} opType
   * @param {string[]} inputs
   * @param {Record<string, number | string | number[] | {float: number}>} [attrs]
   * @param {{nOut?: number, outNames?: string[], domain?: string}} [opts]
   * @returns {any}
   */
  op(opType, inputs, attrs = {}, { nOut = 1, outNames, domain } = {}) {
    const outs = outNames ?? Array.from({ length: nOut }, () => this.uniq(opType));
    const n = new Msg();
    for (const i of inputs) n.str(1, i);
    for (const o of outs) n.str(2, o);
    n.str(3, this.uniq(`node_${opType}`)).str(4, opType);
    for (const [k, v] of Object.entries(attrs)) n.msg(5, attrProto(k, v));
    if (domain) n.str(7, domain);
    this.nodes.push(n);
    return outs.length === 1 ? outs[0] : outs;
  }
  /**
   * Wraps the graph in a ModelProto. Opset 17 / IR 8 is what current torch exports use and what
   * onnxruntime 1.x loads (LayerNormalization became a standard op in opset 17).
   * @param {{opset?: number, irVersion?: number, producer?: string}} [opts]
   */
  toModel({ opset = 17, irVersion = 8, producer = 'semantic-search-makeModels' } = {}) {
    const g = new Msg();
    for (const n of this.nodes) g.msg(1, n);
    g.str(2, this.name);
    for (const t of this.inits) g.msg(5, t);
    for (const i of this.inputs) g.msg(11, i);
    for (const o of this.outputs) g.msg(12, o);
    const m = new Msg().int(1, irVersion).str(2, producer);
    m.msg(8, new Msg().str(1, '').int(2, opset));
    m.msg(7, g);
    return m;
  }
}

/**
 * Streams a message to a file: small parts are batched into ~4 MB writes, big tensors written directly.
 * @param {Msg} model
 * @param {string} file
 * @returns {number} bytes written
 */
export function writeModel(model, file) {
  const fd = fs.openSync(file, 'w');
  try {
    /** @type {Buffer[]} */
    let pending = [];
    let pendingLength = 0;
    /** @param {Buffer} b */
    const writeAll = (b) => {
      let off = 0;
      while (off < b.length) off += fs.writeSync(fd, b, off, b.length - off);
    };
    const flush = () => {
      if (!pendingLength) return;
      writeAll(Buffer.concat(pending, pendingLength));
      pending = [];
      pendingLength = 0;
    };
    for (const p of model.parts) {
      if (p.length > 1 << 20) {
        flush();
        writeAll(p);
      } else {
        pending.push(p);
        pendingLength += p.length;
        if (pendingLength > 1 << 22) flush();
      }
    }
    flush();
  } finally {
    fs.closeSync(fd);
  }
  return model.length;
}
