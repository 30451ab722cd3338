// Tests of the generated test models (scripts/makeModels.mjs): they load offline through transformers.js
// exactly as the extension loads the real model, the tiny model's pipeline output matches an independent
// onnxruntime computation, the concept model gives the promised cross-language similarities, and
// regeneration is byte-identical.
//
// Loading: transformers.js treats a string that looks like a hub id ("name" or "org/name") as relative to
// env.localModelPath, and anything else (an absolute path, "a/b/c", "./x") as a file-system path. An
// absolute folder path therefore always works; so does env.localModelPath = <parent> + the folder name.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AutoTokenizer, env, pipeline } from '@huggingface/transformers';
import type { FeatureExtractionPipeline, PreTrainedTokenizer } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { CONCEPTS, LANGUAGES, PARALLEL_SENTENCES, conceptById } from '../../scripts/models/concepts.mjs';
import type { Language } from '../../scripts/models/concepts.mjs';
import { generateModels } from '../../scripts/models/generate.mjs';

const REPO = path.resolve(import.meta.dirname, '../..');
const MODELS = path.join(REPO, 'test/models');
const TINY = path.join(MODELS, 'tiny');
const CONCEPT = path.join(MODELS, 'concept');

env.allowRemoteModels = false;

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
const norm = (a: number[]) => Math.sqrt(dot(a, a));

async function load(dir: string, dtype: 'fp32' | 'q8'): Promise<FeatureExtractionPipeline> {
  return pipeline('feature-extraction', dir, { local_files_only: true, dtype });
}

async function embed(fe: FeatureExtractionPipeline, texts: string[]): Promise<number[][]> {
  const out = await fe(texts, { pooling: 'mean', normalize: true });
  return out.tolist() as number[][];
}

before(() => {
  // npm test generates the models first; this keeps the file runnable on its own (a no-op when current)
  generateModels({ out: MODELS, models: ['tiny', 'concept'] });
});

describe('tiny model', () => {
  const texts = [
    'Hello world, this is a test of the semantic search engine.',
    '이것은 의미 검색 엔진의 테스트입니다.',
    'これは意味検索エンジンのテストです。',
    '这是语义搜索引擎的测试。',
    'unknown ✨ 𝔘𝔫𝔦 characters',
  ];
  let fp32: FeatureExtractionPipeline;
  let q8: FeatureExtractionPipeline;
  before(async () => {
    fp32 = await load(TINY, 'fp32');
    q8 = await load(TINY, 'q8');
  });
  after(async () => {
    await fp32?.dispose();
    await q8?.dispose();
  });

  test('has the Hugging Face layout transformers.js loads', () => {
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json',
      'onnx/model.onnx', 'onnx/model_quantized.onnx', 'generator.json']) {
      assert.ok(fs.existsSync(path.join(TINY, f)), f);
    }
    const config = JSON.parse(fs.readFileSync(path.join(TINY, 'config.json'), 'utf8'));
    assert.equal(config.model_type, 'bert');
    assert.equal(config.hidden_size, 32);
    assert.equal(config.num_hidden_layers, 2);
  });

  test('loads by env.localModelPath + folder name as well as by absolute path', async () => {
    const saved = env.localModelPath;
    env.localModelPath = MODELS;
    try {
      const fe = await load('tiny', 'q8');
      const [byName] = await embed(fe, [texts[0]]);
      await fe.dispose();
      const [byPath] = await embed(q8, [texts[0]]);
      assert.ok(Math.abs(dot(byName, byPath) - 1) < 1e-6);
    } finally {
      env.localModelPath = saved;
    }
  });

  test('gives unit vectors of dimension 32 (fp32 and q8)', async () => {
    for (const fe of [fp32, q8]) {
      const out = await fe(texts, { pooling: 'mean', normalize: true });
      assert.deepEqual(out.dims, [texts.length, 32]);
      for (const v of out.tolist() as number[][]) assert.ok(Math.abs(norm(v) - 1) < 1e-5, `norm ${norm(v)}`);
    }
  });

  test('fp32 pipeline equals onnxruntime + mean pooling + L2 normalisation computed here', async () => {
    const tokenizer = fp32.tokenizer;
    const session = await ort.InferenceSession.create(path.join(TINY, 'onnx/model.onnx'));
    try {
      const expected: number[][] = [];
      for (const text of texts) {
        const ids = tokenizer.encode(text); // with <s> … </s>
        const n = ids.length;
        const feeds = {
          input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, n]),
          attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
          token_type_ids: new ort.Tensor('int64', new BigInt64Array(n), [1, n]),
        };
        const hidden = (await session.run(feeds)).last_hidden_state;
        assert.deepEqual(hidden.dims, [1, n, 32]);
        const data = hidden.data as Float32Array;
        const mean = Array.from({ length: 32 }, (_, d) => {
          let s = 0;
          for (let t = 0; t < n; t++) s += data[t * 32 + d];
          return s / n;
        });
        const length = norm(mean);
        expected.push(mean.map((x) => x / length));
      }
      // the pipeline pads the batch; padding must not change any text's vector
      const actual = await embed(fp32, texts);
      for (let i = 0; i < texts.length; i++) {
        const diff = Math.max(...actual[i].map((x, d) => Math.abs(x - expected[i][d])));
        assert.ok(diff < 1e-5, `text ${i}: max |diff| ${diff}`);
      }
    } finally {
      await session.release();
    }
  });

  test('q8 agrees with fp32: cosine > 0.99, and each q8 vector is nearest to its own text', async () => {
    const a = await embed(fp32, texts);
    const b = await embed(q8, texts);
    for (let i = 0; i < texts.length; i++) {
      const own = dot(a[i], b[i]);
      assert.ok(own > 0.99, `text ${i}: cos(fp32, q8) = ${own}`); // seen: > 0.9995
      for (let j = 0; j < texts.length; j++) {
        if (j !== i) assert.ok(dot(b[i], a[j]) < own, `q8 text ${i} is closer to fp32 text ${j}`);
      }
    }
  });

  test('q8 vectors barely depend on the batch (dynamic quantisation)', async () => {
    const batch = await embed(q8, texts);
    for (let i = 0; i < texts.length; i++) {
      const [single] = await embed(q8, [texts[i]]);
      assert.ok(dot(single, batch[i]) > 0.999, `text ${i}`);
    }
  });
});

describe('concept model', () => {
  let q8: FeatureExtractionPipeline;
  let fp32: FeatureExtractionPipeline;
  let tokenizer: PreTrainedTokenizer;
  before(async () => {
    q8 = await load(CONCEPT, 'q8');
    fp32 = await load(CONCEPT, 'fp32');
    tokenizer = await AutoTokenizer.from_pretrained(CONCEPT, { local_files_only: true });
  });
  after(async () => {
    await q8?.dispose();
    await fp32?.dispose();
  });

  const strip = (pieces: string[]) => pieces.map((p) => p.replace(/^\u2581/, ''));

  test('keeps concept words whole inside Korean, Japanese and Chinese sentences', () => {
    const cases: [string, string[]][] = [
      ['데이터베이스 연결은 어떻게 설정하나요?', ['데이터베이스', '연결', '설정']],
      ['データベース接続はどのように設定しますか？', ['データベース', '接続', '設定']],
      ['数据库连接怎么配置？', ['数据库', '连接', '配置']],
      ['How do I configure the database connection?', ['configure', 'database', 'connection']],
    ];
    for (const [text, words] of cases) {
      const pieces = strip(tokenizer.tokenize(text));
      for (const w of words) assert.ok(pieces.includes(w), `${text}: ${pieces.join(' | ')} lacks ${w}`);
    }
  });

  test('keeps every concept word whole inside a sentence of its language', () => {
    const templates: Record<Language, (w: string) => string> = {
      en: (w) => `Please read about ${w} first.`,
      ko: (w) => `먼저 ${w}에 대해 읽어 주세요.`,
      ja: (w) => `まず${w}についての説明を読んでください。`,
      zh: (w) => `请先阅读关于${w}的说明。`,
    };
    for (const c of CONCEPTS) {
      for (const lang of LANGUAGES) {
        for (const w of c[lang]) {
          const text = templates[lang](w);
          const pieces = strip(tokenizer.tokenize(text));
          assert.ok(pieces.includes(w.normalize('NFKC')), `${c.id}/${lang}: ${pieces.join(' | ')} lacks ${w}`);
        }
      }
    }
  });

  test('maps all words of a concept to one vector, and different concepts to orthogonal ones', async () => {
    const base = await embed(q8, CONCEPTS.map((c) => c.en[0]));
    for (let i = 0; i < CONCEPTS.length; i++) {
      const c = CONCEPTS[i];
      const words = [...c.en.slice(1), c.en[0].toUpperCase(), c.en[0][0].toUpperCase() + c.en[0].slice(1), ...c.ko, ...c.ja, ...c.zh];
      for (const [j, v] of (await embed(q8, words)).entries()) assert.ok(dot(v, base[i]) > 0.99, `${c.id}: ${words[j]}`);
      for (let j = 0; j < i; j++) assert.ok(Math.abs(dot(base[i], base[j])) < 0.05, `${c.id} vs ${CONCEPTS[j].id}`);
    }
  });

  test('the same question in four languages embeds almost identically (cos > 0.95)', async () => {
    for (const fe of [q8, fp32]) {
      const [en, ko, ja, zh] = await embed(fe, [
        'How do I configure the database connection?',
        '데이터베이스 연결은 어떻게 설정하나요?',
        'データベース接続はどのように設定しますか？',
        '数据库连接怎么配置？',
      ]);
      for (const [lang, v] of [['ko', ko], ['ja', ja], ['zh', zh]] as const) {
        assert.ok(dot(en, v) > 0.95, `${lang}: ${dot(en, v)}`);
      }
      const [unrelated] = await embed(fe, ['deploy the image to the server']);
      for (const v of [en, ko, ja, zh]) assert.ok(dot(v, unrelated) < 0.5, `unrelated: ${dot(v, unrelated)}`);
    }
  });

  test('every parallel sentence agrees across languages, and similarity follows concept overlap', async () => {
    const vectors = await Promise.all(PARALLEL_SENTENCES.map((s) => embed(q8, LANGUAGES.map((l) => s[l]))));
    PARALLEL_SENTENCES.forEach((s, i) => {
      for (let l = 1; l < LANGUAGES.length; l++) {
        assert.ok(dot(vectors[i][0], vectors[i][l]) > 0.95, `${s.en} / ${s[LANGUAGES[l]]}`);
      }
      for (let j = 0; j < i; j++) {
        const shared = s.concepts.filter((c) => PARALLEL_SENTENCES[j].concepts.includes(c)).length;
        const expected = shared / Math.sqrt(s.concepts.length * PARALLEL_SENTENCES[j].concepts.length);
        for (let l = 0; l < LANGUAGES.length; l++) {
          const cos = dot(vectors[i][l], vectors[j][(l + 1) % LANGUAGES.length]);
          assert.ok(Math.abs(cos - expected) < 0.05, `${s.en} vs ${PARALLEL_SENTENCES[j].en}: ${cos}, expected ${expected}`);
        }
      }
    });
    // sanity check of the fixture itself: every listed concept id exists
    for (const s of PARALLEL_SENTENCES) for (const id of s.concepts) conceptById(id);
  });

  test('embeds any text without crashing: unknown characters, empty, very long', async () => {
    const long = 'The server cache stores files. '.repeat(100) + '서버 캐시 파일 '.repeat(100);
    const texts = ['🎉🎉 ✨ \u0000\u0007 \t\n', '', 'x', 'ꙮ 𓀀 ', long, 'plain words without any concept'];
    const out = await embed(q8, texts);
    for (const [i, v] of out.entries()) {
      assert.equal(v.length, 64);
      assert.ok(v.every(Number.isFinite), `text ${i} gives a finite vector`);
      assert.ok(Math.abs(norm(v) - 1) < 1e-4, `text ${i}: norm ${norm(v)}`);
    }
    // the long text is truncated to 128 tokens, which still hold server + cache + file
    const [expected] = await embed(q8, ['server cache file']);
    assert.ok(dot(out[4], expected) > 0.95);
  });
});

describe('generator', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'makeModels-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const cli = (...args: string[]) =>
    execFileSync(process.execPath, [path.join(REPO, 'scripts/makeModels.mjs'), ...args], { encoding: 'utf8', stdio: 'pipe' });

  /** Relative path → contents of every file under dir. */
  const readTree = (dir: string): Map<string, Buffer> => new Map(
    (fs.readdirSync(dir, { recursive: true }) as string[])
      .filter((f) => fs.statSync(path.join(dir, f)).isFile())
      .sort()
      .map((f) => [f, fs.readFileSync(path.join(dir, f))]),
  );

  test('regeneration is byte-identical', () => {
    cli('--out', path.join(tmp, 'a'), '--quiet');
    cli('--out', path.join(tmp, 'b'), '--quiet', '--only', 'concept,tiny');
    for (const name of ['tiny', 'concept']) {
      const a = readTree(path.join(tmp, 'a', name));
      const b = readTree(path.join(tmp, 'b', name));
      assert.deepEqual([...a.keys()], [...b.keys()]);
      assert.ok(a.has('onnx/model.onnx') && a.has('onnx/model_quantized.onnx') && a.has('generator.json'));
      for (const [f, bytes] of a) assert.ok(bytes.equals(b.get(f)!), `${name}/${f} differs`);
    }
  });

  test('skips current output unless --force', () => {
    const file = path.join(tmp, 'a', 'tiny', 'onnx', 'model.onnx');
    const before = fs.statSync(file).mtimeMs;
    assert.match(cli('--out', path.join(tmp, 'a'), '--only', 'tiny'), /tiny: up to date/);
    assert.equal(fs.statSync(file).mtimeMs, before);
    assert.doesNotMatch(cli('--out', path.join(tmp, 'a'), '--only', 'tiny', '--force'), /up to date/);
    // a damaged folder (a file's size no longer matches the stamp) is rebuilt
    fs.writeFileSync(file, 'truncated');
    assert.doesNotMatch(cli('--out', path.join(tmp, 'a'), '--only', 'tiny'), /up to date/);
    assert.ok(fs.statSync(file).size > 100_000);
  });

  test('rejects unknown model names', () => {
    assert.throws(() => cli('--out', path.join(tmp, 'c'), '--only', 'huge', '--quiet'));
  });
});
