import path from 'node:path';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { resolveModelFiles } from '../../src/node/embed/embedder';
import { loadTokenizer } from '../../src/node/embed/transformersJs';

/**
 * The reference for the indexing figure: the same model file run directly on onnxruntime-node with the
 * same session options as the product (intra-op threads, one inter-op thread), the same tokenizer, and
 * mean pooling + L2 normalisation written out by hand. No pipeline, no engine: what the hardware gives.
 */
export class RawOrtEmbedder {
  private constructor(private readonly session: ort.InferenceSession, private readonly tokenizer: PreTrainedTokenizer, readonly dim: number) {}

  static async load(modelDir: string, threads: number): Promise<RawOrtEmbedder> {
    const files = resolveModelFiles(modelDir);
    const session = await ort.InferenceSession.create(path.join(files.dir, files.subfolder, files.onnxFile), {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
    });
    const tokenizer = await loadTokenizer(files.dir);
    const raw = new RawOrtEmbedder(session, tokenizer, 0);
    const probe = await raw.embedWithTimes(['probe']);
    return new RawOrtEmbedder(session, tokenizer, probe.vectors.length);
  }

  /** Unit vectors of `texts` (rows of dim), and how the time split between tokenising and running. */
  async embedWithTimes(texts: string[]): Promise<{ vectors: Float32Array; tokenizeMs: number; runMs: number; poolMs: number }> {
    const t0 = performance.now();
    const enc = this.tokenizer(texts, { padding: true, truncation: true });
    const ids = enc.input_ids as { data: BigInt64Array; dims: number[] };
    const mask = enc.attention_mask as { data: BigInt64Array; dims: number[] };
    const [batch, seq] = ids.dims;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids.data, ids.dims),
      attention_mask: new ort.Tensor('int64', mask.data, mask.dims),
    };
    if (this.session.inputNames.includes('token_type_ids')) {
      feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(ids.data.length), ids.dims);
    }
    const t1 = performance.now();
    const out = await this.session.run(feeds);
    const t2 = performance.now();
    const hidden = out[this.session.outputNames[0]];
    const h = hidden.dims[2] as number;
    const data = hidden.data as Float32Array;
    const vectors = new Float32Array(batch * h);
    for (let b = 0; b < batch; b++) {
      const row = vectors.subarray(b * h, (b + 1) * h);
      let n = 0;
      for (let t = 0; t < seq; t++) {
        if (mask.data[b * seq + t] === 0n) continue;
        n++;
        const off = (b * seq + t) * h;
        for (let i = 0; i < h; i++) row[i] += data[off + i];
      }
      let norm = 0;
      for (let i = 0; i < h; i++) { row[i] /= n; norm += row[i] * row[i]; }
      norm = Math.sqrt(norm) || 1;
      for (let i = 0; i < h; i++) row[i] /= norm;
    }
    hidden.dispose?.();
    return { vectors, tokenizeMs: t1 - t0, runMs: t2 - t1, poolMs: performance.now() - t2 };
  }

  countTokens(text: string): number {
    return this.tokenizer.encode(text).length;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
