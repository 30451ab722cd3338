import { rmSync } from 'node:fs';
import path from 'node:path';
import { Embedder, defaultThreads } from '../../src/node/embed/embedder';
import { Engine } from '../../src/node/engine';
import { corpusLanguages } from '../lib/paths';
import { note, runPhase } from '../lib/phase';
import { withContamination } from '../lib/proc';
import { median, round } from '../lib/stats';
import { textVector } from '../lib/vectors';
import { readThreadBundle } from '../lib/workerBundle';

export interface CorpusArgs {
  model: string;
  corpus: string;
  /** Where the whole-corpus index is left for the later phases. */
  store: string;
  /** Embed with the model (the real whole-corpus time, ~10-17 min here); otherwise the model is replaced by a stub. */
  realEmbedding: boolean;
  reindexReps: number;
  /** Language folders to index (default: all four). */
  languages?: string[];
}

/**
 * The whole corpus through the engine: first index and unchanged re-index.
 *
 * Without `realEmbedding` the model's forward pass is replaced by a stub that returns a unit vector per
 * text (Embedder.prototype.embed, in this process only): everything else — discovery, reading, splitting
 * with the model's real tokenizer, hashing, Orama inserts, saving — is the product's code. That gives the
 * pipeline's own cost on the whole corpus in about a minute; the model's cost is measured on the sample
 * (indexing phase) with the real forward pass. The re-index runs with the real model restored: it must
 * embed nothing, so the model cannot enter its time.
 */
runPhase(async (a: CorpusArgs) => {
  rmSync(a.store, { recursive: true, force: true });
  const readThreadScript = await readThreadBundle();
  const roots = (a.languages ?? [...corpusLanguages]).map((l) => path.join(a.corpus, l));
  const open0 = performance.now();
  const engine = await Engine.open({ modelDir: a.model, storeDir: a.store, threads: defaultThreads(), readThreadScript });
  const modelLoadMs = performance.now() - open0;
  const realEmbed = Embedder.prototype.embed;
  let stubCalls = 0;
  if (!a.realEmbedding) {
    Embedder.prototype.embed = async function stub(this: Embedder, texts: string[]) {
      stubCalls++;
      const out = new Float32Array(texts.length * this.dim);
      texts.forEach((t, i) => out.set(textVector(t, this.dim), i * this.dim));
      return out;
    };
  }
  note(`whole corpus (${roots.length} languages), ${a.realEmbedding ? 'real model forward pass' : 'model forward pass stubbed'}…`);
  const first = await withContamination(() => engine.index({ roots }));
  Embedder.prototype.embed = realEmbed;
  const s = first.value;
  note(`indexed ${s.files} files, ${s.chunks} chunks (${s.embedded} embedded) in ${(first.wallMs / 1000).toFixed(1)} s`);

  const reMs: number[] = [];
  let reEmbedded = 0, reRead = 0;
  for (let r = 0; r < a.reindexReps; r++) {
    const re = await engine.index({ roots });
    reMs.push(re.ms);
    reEmbedded = Math.max(reEmbedded, re.embedded);
    reRead = Math.max(reRead, re.read);
  }
  const info = engine.info();
  await engine.dispose();

  // An unchanged re-index right after a restart: open (model + stored index), then index.
  const t0 = performance.now();
  const again = await Engine.open({ modelDir: a.model, storeDir: a.store, threads: defaultThreads(), readThreadScript });
  const reopenMs = performance.now() - t0;
  const afterRestart = await again.index({ roots });
  await again.dispose();
  return {
    files: s.files, chunks: s.chunks, embedded: s.embedded, skipped: s.skipped.length,
    realEmbedding: a.realEmbedding, stubCalls,
    firstIndexMs: round(first.wallMs, 0),
    paddingWaste: round(s.paddingWaste, 4),
    modelLoadMs: round(modelLoadMs, 0),
    reindexEmbedded: reEmbedded, reindexRead: reRead,
    reindexMs: round(median(reMs), 0), reindexSamplesMs: reMs,
    reopenMs: round(reopenMs, 0),
    reindexAfterRestartMs: afterRestart.ms, reindexAfterRestartEmbedded: afterRestart.embedded,
    bytesOnDisk: info.bytesOnDisk,
    otherCores: round(first.otherCores, 2),
  };
});
