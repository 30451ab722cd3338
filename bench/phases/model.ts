import path from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { Embedder, defaultThreads, resolveModelFiles } from '../../src/node/embed/embedder';
import { loadTokenizer } from '../../src/node/embed/transformersJs';
import { runPhase } from '../lib/phase';
import { gc, peakRssMb, resetPeakRss, rssMb } from '../lib/proc';
import { round } from '../lib/stats';

export type ModelPart = 'embedder' | 'session' | 'sessionNoArena' | 'tokenizer' | 'tokenizerStock';

/**
 * Where model loading spends its time and memory, one part per process: the product's Embedder.load
 * (transformers.js pipeline: session + tokenizer + a probe), or its parts alone — the onnxruntime session
 * (with the product's options, or with the CPU memory arena off), and the tokenizer (the product's
 * loadTokenizer, and transformers.js's AutoTokenizer as the reference).
 */
runPhase(async (a: { model: string; part: ModelPart }) => {
  const files = resolveModelFiles(a.model);
  const onnx = path.join(files.dir, files.subfolder, files.onnxFile);
  gc();
  resetPeakRss();
  const rss0 = rssMb();
  const t0 = performance.now();
  let firstEmbedMs = NaN;
  if (a.part === 'embedder') {
    const e = await Embedder.load(a.model, defaultThreads());
    const t = performance.now();
    await e.embed(['데이터베이스 연결은 어떻게 설정하나요?']);
    firstEmbedMs = performance.now() - t;
  } else if (a.part === 'tokenizer') {
    await loadTokenizer(files.dir);
  } else if (a.part === 'tokenizerStock') {
    env.allowRemoteModels = false;
    await AutoTokenizer.from_pretrained(files.dir, { local_files_only: true });
  } else {
    const s = await ort.InferenceSession.create(onnx, {
      intraOpNumThreads: defaultThreads(), interOpNumThreads: 1,
      ...(a.part === 'sessionNoArena' ? { enableCpuMemArena: false, enableMemPattern: false } : {}),
    });
    const n = 24;
    const t = performance.now();
    await s.run({
      input_ids: new ort.Tensor('int64', new BigInt64Array(32 * n).fill(5n), [32, n]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(32 * n).fill(1n), [32, n]),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(32 * n), [32, n]),
    });
    firstEmbedMs = performance.now() - t;
  }
  const ms = performance.now() - t0;
  return { part: a.part, loadMs: round(ms - (Number.isNaN(firstEmbedMs) ? 0 : firstEmbedMs), 0), firstRunMs: round(firstEmbedMs, 0), rssMb: round(rssMb() - rss0, 0), peakRssMb: round(peakRssMb() - rss0, 0) };
});
