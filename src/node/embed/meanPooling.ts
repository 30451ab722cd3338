/**
 * The mean of each row's unmasked token vectors ([batch, seq, dim] → [batch, dim]), L2-normalised: the
 * sentence vector of paraphrase-multilingual-MiniLM-L12-v2. transformers.js's own pooling converts every mask
 * entry from BigInt once per dimension and walks the hidden states across rows — about 4 % of each indexing
 * batch; this reads each mask entry once and each row in order.
 */
export function meanPoolNormalised(hidden: Float32Array, mask: BigInt64Array, batch: number, seq: number, dim: number): Float32Array {
  const out = new Float32Array(batch * dim);
  const sum = new Float64Array(dim);
  for (let b = 0; b < batch; b++) {
    sum.fill(0);
    let tokens = 0;
    for (let t = 0; t < seq; t++) {
      if (mask[b * seq + t] === 0n) continue;
      tokens++;
      const off = (b * seq + t) * dim;
      for (let i = 0; i < dim; i++) sum[i] += hidden[off + i];
    }
    let norm = 0;
    for (let i = 0; i < dim; i++) norm += sum[i] * sum[i];
    // The mean's direction is the sum's: dividing by the token count first would not change the unit vector.
    const scale = tokens && norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let i = 0; i < dim; i++) out[b * dim + i] = sum[i] * scale;
  }
  return out;
}
