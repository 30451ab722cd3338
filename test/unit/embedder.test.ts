import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AutoTokenizer } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import type { EngineError } from '../../src/common/errors';
import { ALL_CORES_AFTER_TEXTS, Embedder, resolveModelFiles } from '../../src/node/embed/embedder';
import { models, tempDir } from './helpers';

/** The sentence vector computed without the product's code: onnxruntime, mean over the mask, L2 norm. */
async function independentEmbed(modelDir: string, onnxFile: string, texts: string[]): Promise<number[][]> {
  const tokenizer = await AutoTokenizer.from_pretrained(modelDir, { local_files_only: true });
  const ids = texts.map((t) => tokenizer.encode(t));
  const len = Math.max(...ids.map((x) => x.length));
  const n = texts.length;
  // Padding uses the tokenizer's pad id: int8 dynamic quantisation scales over the whole batch, pads included.
  const inputIds = new BigInt64Array(n * len).fill(BigInt(tokenizer.pad_token_id ?? 0)), mask = new BigInt64Array(n * len);
  ids.forEach((row, i) => row.forEach((id, j) => { inputIds[i * len + j] = BigInt(id); mask[i * len + j] = 1n; }));
  const session = await ort.InferenceSession.create(path.join(modelDir, onnxFile));
  const out = await session.run({
    input_ids: new ort.Tensor('int64', inputIds, [n, len]),
    attention_mask: new ort.Tensor('int64', mask, [n, len]),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(n * len), [n, len]),
  });
  const hidden = out.last_hidden_state;
  const h = hidden.dims[2];
  const data = hidden.data as Float32Array;
  await session.release();
  return ids.map((row, i) => {
    const v = new Array<number>(h).fill(0);
    for (let j = 0; j < row.length; j++) for (let k = 0; k < h; k++) v[k] += data[(i * len + j) * h + k] / row.length;
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
}

const rows = (flat: Float32Array, dim: number) => Array.from({ length: flat.length / dim }, (_, i) => Array.from(flat.subarray(i * dim, (i + 1) * dim)));
const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i])));

describe('Embedder', () => {
  let embedder: Embedder;
  before(async () => { embedder = await Embedder.load(models.tiny, 1); });
  after(async () => { await embedder.dispose(); });

  it('loads the int8 weights and reads the dimension from the model', () => {
    assert.equal(embedder.files.dtype, 'q8');
    assert.equal(embedder.files.onnxFile, 'model_quantized.onnx');
    assert.equal(embedder.dim, 32);
    assert.equal(embedder.maxTokens, 128);
  });

  it('gives the same unit vector as an independent onnxruntime + mean pooling + L2 computation', async () => {
    const texts = ['Hello world, this is a test.', '안녕하세요 세계', '这是语义搜索引擎的测试。 ファイルを開く方法を教えてください。 How do I open a file?'];
    for (let i = 0; i < texts.length; i++) {
      const [got] = rows(await embedder.embed([texts[i]]), embedder.dim);
      const [expected] = await independentEmbed(models.tiny, 'onnx/model_quantized.onnx', [texts[i]]);
      assert.ok(maxDiff(got, expected) < 1e-5, `text ${i}: max diff ${maxDiff(got, expected)}`);
      assert.ok(Math.abs(Math.hypot(...got) - 1) < 1e-5);
    }
    // In a padded batch the mask must keep padding out of the mean.
    const batch = rows(await embedder.embed(texts), embedder.dim);
    const batchExpected = await independentEmbed(models.tiny, 'onnx/model_quantized.onnx', texts);
    batch.forEach((v, i) => assert.ok(maxDiff(v, batchExpected[i]) < 1e-5, `batch row ${i}: ${maxDiff(v, batchExpected[i])}`));
  });

  it('counts tokens with the model tokenizer, special tokens included', () => {
    assert.equal(embedder.countTokens(''), 2);
    assert.ok(embedder.countTokens('Hello world') > 2);
  });
});

describe('Embedder with threads auto', () => {
  const texts = ['Hello world, this is a test.', '안녕하세요 세계', '这是语义搜索引擎的测试。 ファイルを開く方法を教えてください。', 'The database server uses the cache. '.repeat(12)];

  it('embeds the batches of a run on all the cores while the effort is all, with the vectors of half the cores, and releases that session', async (t) => {
    if (os.availableParallelism() < 2) return t.skip('one core: all of them and half of them are the same one session');
    // The log is the seam: it names the session indexing batches run on whenever that changes.
    const lines: string[] = [];
    const e = await Embedder.load(models.tiny, 'auto', (_level, message) => lines.push(message));
    try {
      const onHalf = rows(await e.embed(texts), e.dim);
      assert.deepEqual(lines, [], 'half the cores at first');
      e.setEffort('all');
      // A run's first texts stay on half the cores: a small run would not win back making the second session.
      await e.embed(Array.from({ length: ALL_CORES_AFTER_TEXTS - texts.length }, (_, i) => `passage ${i}`));
      assert.deepEqual(lines, [], 'a small run stays on half the cores');
      const onAll = rows(await e.embed(texts), e.dim);
      assert.deepEqual(lines, [`Indexing on all ${os.availableParallelism()} cores while the editor is idle.`]);
      onAll.forEach((v, i) => assert.ok(maxDiff(v, onHalf[i]) < 1e-5, `row ${i}: ${maxDiff(v, onHalf[i])}`));
      // A query runs on half the cores whatever the effort: no line, and the vector of that text alone on all
      // of them (int8 quantisation scales over the whole batch, so alone is not the same as in a batch).
      const [query] = rows(await e.queries.embed([texts[1]]), e.dim);
      const [alone] = rows(await e.embed([texts[1]]), e.dim);
      assert.ok(maxDiff(query, alone) < 1e-5, `${maxDiff(query, alone)}`);
      assert.equal(lines.length, 1);
      e.setEffort('half');
      const again = rows(await e.embed(texts), e.dim);
      again.forEach((v, i) => assert.ok(maxDiff(v, onHalf[i]) < 1e-5));
      assert.match(lines.at(-1)!, /^Indexing on \d+ of \d+ cores\.$/);
      await e.releaseAllCores();
      assert.match(lines.at(-1)!, /^Released the onnxruntime session on all \d+ cores/);
      await e.releaseAllCores();
      assert.equal(lines.length, 3, 'nothing more to release');
      // The next run that is idle makes the session again, past its first texts.
      e.setEffort('all');
      await e.embed(Array.from({ length: ALL_CORES_AFTER_TEXTS }, (_, i) => `passage ${i}`));
      assert.equal(lines.length, 3);
      const made = rows(await e.embed(texts), e.dim);
      made.forEach((v, i) => assert.ok(maxDiff(v, onHalf[i]) < 1e-5));
      assert.match(lines.at(-1)!, /^Indexing on all/);
    } finally {
      await e.dispose();
    }
  });

  it('with a fixed count of threads, runs everything on that one session whatever the effort', async () => {
    const lines: string[] = [];
    const e = await Embedder.load(models.tiny, 1, (_level, message) => lines.push(message));
    try {
      e.setEffort('all');
      await e.embed(texts);
      await e.releaseAllCores();
      assert.deepEqual(lines, []);
    } finally {
      await e.dispose();
    }
  });
});

describe('resolveModelFiles', () => {
  it('takes fp32 when the folder has no int8 file, and accepts .onnx at the top of the folder', async () => {
    const dir = tempDir();
    const fp32 = path.join(dir, 'fp32');
    cpSync(models.tiny, fp32, { recursive: true, dereference: true });
    rmSync(path.join(fp32, 'onnx/model_quantized.onnx'));
    assert.equal(resolveModelFiles(fp32).dtype, 'fp32');
    const flat = path.join(dir, 'flat');
    mkdirSync(flat);
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) cpSync(path.join(models.tiny, f), path.join(flat, f));
    cpSync(path.join(models.tiny, 'onnx/model.onnx'), path.join(flat, 'model.onnx'));
    const files = resolveModelFiles(flat);
    assert.equal(files.subfolder, '');
    const e = await Embedder.load(flat, 1);
    assert.equal(e.dim, 32);
    const [v] = rows(await e.embed(['안녕하세요 세계']), 32);
    const [w] = await independentEmbed(flat, 'model.onnx', ['안녕하세요 세계']);
    assert.ok(maxDiff(v, w) < 1e-4);
    await e.dispose();
    assert.notEqual(resolveModelFiles(fp32).id, resolveModelFiles(models.tiny).id, 'another weights file is another model');
  });

  it('loads an XLM-R style folder (another model type and config) the same way', async () => {
    const dir = path.join(tempDir(), 'xlmr');
    cpSync(models.tiny, dir, { recursive: true, dereference: true });
    const configPath = path.join(dir, 'config.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8'));
    writeFileSync(configPath, JSON.stringify({ ...config, model_type: 'xlm-roberta', architectures: ['XLMRobertaModel'], pad_token_id: 1, bos_token_id: 0, eos_token_id: 2 }));
    const e = await Embedder.load(dir, 1);
    try {
      const [v] = rows(await e.embed(['데이터베이스 연결']), e.dim);
      const [w] = await independentEmbed(dir, 'onnx/model_quantized.onnx', ['데이터베이스 연결']);
      assert.ok(maxDiff(v, w) < 1e-5);
    } finally {
      await e.dispose();
    }
  });

  it('explains a missing folder and a folder that is not a model', () => {
    const dir = tempDir();
    assert.throws(() => resolveModelFiles(path.join(dir, 'nope')), (e: EngineError) => e.code === 'model-missing' && /not found/.test(e.message));
    assert.throws(() => resolveModelFiles(dir), (e: EngineError) => e.code === 'model-invalid' && /config\.json is missing/.test(e.message));
  });
});
