// A BERT encoder (the architecture of paraphrase-multilingual-MiniLM-L12-v2) written as ONNX, fp32 and
// int8, in the layout transformers.js loads: <dir>/config.json, <dir>/onnx/model.onnx,
// <dir>/onnx/model_quantized.onnx (the file transformers.js picks for `dtype: 'q8'`).
//
// The graph mirrors what the published export contains, so that the runtime does the same work:
//   embeddings = LayerNorm(word[ids] + position[0..S-1] + token_type[type_ids])
//   L × { self-attention (mask as -10000 bias) → Add & LayerNorm → GELU feed-forward → Add & LayerNorm }
//   output `last_hidden_state` [batch, sequence, hidden]; pooling/normalisation happen in transformers.js.
// The int8 variant follows onnxruntime's `quantize_dynamic` pattern (DynamicQuantizeLinear + MatMulInteger
// for every linear layer, an int8 word-embedding table + DequantizeLinear), hence the real ~118 MB size.
//
// Two deliberate options exist only for the concept model (see conceptModel.mjs): `embeddingLayerNorm: false`
// and `layers: 0`, which turn the network into "output = sum of embeddings", so hand-made embedding rows
// come out unchanged.
import fs from 'node:fs';
import path from 'node:path';
import { DT, Graph, f32, writeModel } from './onnxWriter.mjs';
import { seededRandom } from './seededRandom.mjs';

/**
 * @typedef {object} BertShape
 * @property {number} layers encoder layers (0 = embeddings only)
 * @property {number} hidden hidden size
 * @property {number} heads attention heads (hidden % heads must be 0)
 * @property {number} ffn intermediate (feed-forward) size
 * @property {number} maxPositions position-embedding rows (the real model: 512)
 * @property {number} vocabSize word-embedding rows (= tokenizer pieces)
 * @property {boolean} [embeddingLayerNorm] LayerNorm after the embedding sum (default true, as in BERT)
 */

/**
 * @typedef {object} LayerWeights
 * @property {Float32Array} q @property {Float32Array} k @property {Float32Array} v @property {Float32Array} o
 * @property {Float32Array} i @property {Float32Array} f
 * @property {Float32Array} bq @property {Float32Array} bk @property {Float32Array} bv @property {Float32Array} bo
 * @property {Float32Array} bi @property {Float32Array} bf
 */

/**
 * @typedef {object} BertWeights
 * @property {Float32Array} word [vocabSize, hidden]
 * @property {Float32Array} position [maxPositions, hidden]
 * @property {Float32Array} tokenType [2, hidden]
 * @property {LayerWeights[]} layers
 */

/**
 * Uniform noise with standard deviation `std` (uniform rather than Gaussian: no Math.log/cos, whose last
 * bits may differ between engines, and the distribution does not matter for random test weights).
 * @param {() => number} rand
 * @param {number} n
 * @param {number} std
 */
function noise(rand, n, std) {
  const a = new Float32Array(n);
  const width = std * Math.sqrt(12);
  for (let i = 0; i < n; i++) a[i] = (rand() - 0.5) * width;
  return a;
}

/**
 * Random weights for a shape. Magnitudes are chosen so activations neither vanish nor explode through
 * 12 layers (the outputs of different texts stay distinguishable), not to resemble trained weights.
 * @param {BertShape} shape
 * @param {number} seed
 * @returns {BertWeights}
 */
export function randomBertWeights(shape, seed) {
  const { hidden: H, ffn: FF, vocabSize: V, maxPositions: P } = shape;
  const rand = seededRandom(seed);
  const r = (/** @type {number} */ n, /** @type {number} */ std) => noise(rand, n, std);
  const weights = { word: r(V * H, 0.5), position: r(P * H, 0.1), tokenType: r(2 * H, 0.1), layers: [] };
  for (let l = 0; l < shape.layers; l++) {
    /** @type {LayerWeights} */
    const layer = {
      q: r(H * H, 0.08), k: r(H * H, 0.08), v: r(H * H, 0.08), o: r(H * H, 0.05),
      i: r(H * FF, 0.05), f: r(FF * H, 0.05),
      bq: r(H, 0.02), bk: r(H, 0.02), bv: r(H, 0.02), bo: r(H, 0.02), bi: r(FF, 0.02), bf: r(H, 0.02),
    };
    /** @type {LayerWeights[]} */ (weights.layers).push(layer);
  }
  return /** @type {BertWeights} */ (weights);
}

/**
 * Symmetric per-tensor int8 quantisation (zero point 0), as quantize_dynamic does for weights.
 * @param {Float32Array} w
 */
function quantizeSymmetric(w) {
  let max = 0;
  for (let i = 0; i < w.length; i++) max = Math.max(max, Math.abs(w[i]));
  const scale = max / 127 || 1;
  const q = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) q[i] = Math.max(-127, Math.min(127, Math.round(w[i] / scale)));
  return { q, scale };
}

/**
 * Builds the ONNX model message.
 * @param {BertShape} shape
 * @param {BertWeights} W
 * @param {{quantized: boolean}} opts
 */
export function buildBertModel(shape, W, { quantized }) {
  const { layers: L, hidden: H, heads: NH, ffn: FF, vocabSize: V, maxPositions: P } = shape;
  if (H % NH) throw new Error(`hidden (${H}) must be divisible by heads (${NH})`);
  const HD = H / NH;
  const g = new Graph('bert');
  const B = 'batch_size';
  const S = 'sequence_length';
  const ids = g.input('input_ids', DT.INT64, [B, S]);
  const mask = g.input('attention_mask', DT.INT64, [B, S]);
  const typeIds = g.input('token_type_ids', DT.INT64, [B, S]);

  /** x[.., K] @ w[K, N] + b, fp32 or in the dynamic-quantisation pattern. */
  const linear = (/** @type {string} */ x, /** @type {Float32Array} */ w, /** @type {Float32Array} */ b,
    /** @type {number} */ K, /** @type {number} */ N, /** @type {string} */ name) => {
    const bias = g.init(`${name}.bias`, DT.FLOAT, [N], b);
    if (!quantized) return g.op('Add', [g.op('MatMul', [x, g.init(`${name}.weight`, DT.FLOAT, [K, N], w)]), bias]);
    const { q, scale } = quantizeSymmetric(w);
    const wq = g.init(`${name}.weight_quantized`, DT.INT8, [K, N], q);
    const ws = g.init(`${name}.weight_scale`, DT.FLOAT, [], Float32Array.of(scale));
    const wz = g.init(`${name}.weight_zero_point`, DT.INT8, [], Int8Array.of(0));
    // activations are quantised per call to uint8 (scale + zero point computed from the actual values)
    const [xq, xs, xz] = g.op('DynamicQuantizeLinear', [x], {}, { nOut: 3 });
    const product = g.op('Cast', [g.op('MatMulInteger', [xq, wq, xz, wz])], { to: DT.FLOAT });
    return g.op('Add', [g.op('Mul', [product, g.op('Mul', [xs, ws])]), bias]);
  };
  const layerNorm = (/** @type {string} */ x, /** @type {string} */ name) => g.op('LayerNormalization', [
    x, g.init(`${name}.weight`, DT.FLOAT, [H], new Float32Array(H).fill(1)), g.init(`${name}.bias`, DT.FLOAT, [H], new Float32Array(H)),
  ], { axis: -1, epsilon: f32(1e-12) });

  // --- embeddings
  let word;
  if (!quantized) {
    word = g.op('Gather', [g.init('embeddings.word_embeddings.weight', DT.FLOAT, [V, H], W.word), ids]);
  } else {
    // the word table is most of the model (250k × 384): store int8, dequantise only the gathered rows
    const { q, scale } = quantizeSymmetric(W.word);
    const rows = g.op('Gather', [g.init('embeddings.word_embeddings.weight_quantized', DT.INT8, [V, H], q), ids]);
    word = g.op('DequantizeLinear', [rows,
      g.init('embeddings.word_embeddings.weight_scale', DT.FLOAT, [], Float32Array.of(scale)),
      g.init('embeddings.word_embeddings.weight_zero_point', DT.INT8, [], Int8Array.of(0))]);
  }
  // positions 0..S-1 are the first S rows of the table (broadcast over the batch)
  const seqLen = g.op('Slice', [g.op('Shape', [ids]), g.constI64([1]), g.constI64([2])]);
  const positionTable = g.init('embeddings.position_embeddings.weight', DT.FLOAT, [P, H], W.position);
  const position = g.op('Slice', [positionTable, g.constI64([0]), seqLen, g.constI64([0])]);
  const tokenType = g.op('Gather', [g.init('embeddings.token_type_embeddings.weight', DT.FLOAT, [2, H], W.tokenType), typeIds]);
  let x = g.op('Add', [g.op('Add', [word, position]), tokenType]);
  if (shape.embeddingLayerNorm !== false) x = layerNorm(x, 'embeddings.LayerNorm');

  // the attention mask as floats: the additive attention bias, or (with no layers) a padding multiplier
  const maskF = g.op('Cast', [mask], { to: DT.FLOAT });
  if (L === 0) {
    // No attention means nothing would read the mask, and an unread input may be pruned by onnxruntime,
    // changing the model's input list. Zeroing padded positions keeps all three inputs in use; mean
    // pooling ignores those positions anyway.
    x = g.op('Mul', [x, g.op('Unsqueeze', [maskF, g.constI64([2])])]);
  }
  if (L > 0) encoderLayers(); // post-LayerNorm layers, as in BERT (below; reassigns x)
  g.op('Identity', [x], {}, { outNames: ['last_hidden_state'] });
  g.output('last_hidden_state', DT.FLOAT, [B, S, H]);
  return g.toModel();

  function encoderLayers() {
    // additive attention bias [B, 1, 1, S]: 0 for real tokens, -10000 for padding
    const bias4 = g.op('Mul', [
      g.op('Sub', [g.constF([1], []), g.op('Unsqueeze', [maskF, g.constI64([1, 2])])]), g.constF([-10000], [])]);
    const headShape = g.constI64([0, 0, NH, HD]);
    const mergeShape = g.constI64([0, 0, H]);
    const sqrtHD = g.constF([Math.sqrt(HD)], []);
    const sqrt2 = g.constF([Math.SQRT2], []);
    const one = g.constF([1], []);
    const half = g.constF([0.5], []);
    for (let l = 0; l < L; l++) {
      const w = W.layers[l];
      const p = `encoder.layer.${l}`;
      const heads = (/** @type {string} */ t, /** @type {number[]} */ perm) => g.op('Transpose', [g.op('Reshape', [t, headShape])], { perm });
      const q = heads(linear(x, w.q, w.bq, H, H, `${p}.attention.self.query`), [0, 2, 1, 3]);
      const k = heads(linear(x, w.k, w.bk, H, H, `${p}.attention.self.key`), [0, 2, 3, 1]);
      const v = heads(linear(x, w.v, w.bv, H, H, `${p}.attention.self.value`), [0, 2, 1, 3]);
      const scores = g.op('Add', [g.op('Div', [g.op('MatMul', [q, k]), sqrtHD]), bias4]);
      const probs = g.op('Softmax', [scores], { axis: -1 });
      const context = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: [0, 2, 1, 3] }), mergeShape]);
      const attention = linear(context, w.o, w.bo, H, H, `${p}.attention.output.dense`);
      const x1 = layerNorm(g.op('Add', [attention, x]), `${p}.attention.output.LayerNorm`);
      const mid = linear(x1, w.i, w.bi, H, FF, `${p}.intermediate.dense`);
      // exact GELU in the Div/Erf/Add/Mul/Mul form torch exports (onnxruntime fuses it)
      const gelu = g.op('Mul', [g.op('Mul', [mid, g.op('Add', [g.op('Erf', [g.op('Div', [mid, sqrt2])]), one])]), half]);
      const out = linear(gelu, w.f, w.bf, FF, H, `${p}.output.dense`);
      x = layerNorm(g.op('Add', [out, x1]), `${p}.output.LayerNorm`);
    }
  }
}

/**
 * config.json as transformers.js reads it (model_type selects BertModel; the sizes are informative).
 * @param {BertShape} shape
 */
export function bertConfig(shape) {
  return {
    architectures: ['BertModel'],
    model_type: 'bert',
    hidden_size: shape.hidden,
    num_hidden_layers: shape.layers,
    num_attention_heads: shape.heads,
    intermediate_size: shape.ffn,
    hidden_act: 'gelu',
    max_position_embeddings: shape.maxPositions,
    type_vocab_size: 2,
    vocab_size: shape.vocabSize,
    layer_norm_eps: 1e-12,
    pad_token_id: 1, // XLM-R's <pad>
    position_embedding_type: 'absolute',
    'transformers.js_config': {},
  };
}

/**
 * Writes config.json and the ONNX files into `dir`.
 * @param {string} dir
 * @param {BertShape} shape
 * @param {BertWeights} weights
 * @param {{fp32?: boolean, int8?: boolean}} [which]
 * @returns {string[]} relative paths written
 */
export function writeBert(dir, shape, weights, { fp32 = true, int8 = true } = {}) {
  fs.mkdirSync(path.join(dir, 'onnx'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), `${JSON.stringify(bertConfig(shape), null, 2)}\n`);
  const written = ['config.json'];
  // built one at a time so a full-size fp32 graph can be garbage-collected before the int8 one is built
  if (fp32) {
    writeModel(buildBertModel(shape, weights, { quantized: false }), path.join(dir, 'onnx/model.onnx'));
    written.push('onnx/model.onnx');
  }
  if (int8) {
    writeModel(buildBertModel(shape, weights, { quantized: true }), path.join(dir, 'onnx/model_quantized.onnx'));
    written.push('onnx/model_quantized.onnx');
  }
  return written;
}
