import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Embedder } from '../../src/node/embed/embedder';
import { splitFile } from '../../src/node/split/splitFile';
import { CORPUS, models } from './helpers';


function sample(lang: string, every: number): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.mdx?$/.test(e.name)) out.push(p);
    }
  };
  walk(path.join(CORPUS, lang));
  return out.sort().filter((_, i) => i % every === 0);
}

describe('splitFile with the model tokenizer', () => {
  let embedder: Embedder;
  before(async () => { embedder = await Embedder.load(models.concept, 1); });
  after(async () => { await embedder.dispose(); });

  it('cuts real documents in four languages into chunks that fit 128 model tokens, title included', { skip: !existsSync(CORPUS) && `no corpus at ${CORPUS}` }, () => {
    let chunks = 0, long = 0;
    for (const lang of ['en', 'ko', 'ja', 'zh-cn']) {
      for (const file of sample(lang, 25)) {
        for (const c of splitFile(readFileSync(file, 'utf8'), 'markdown', file, embedder.countTokens, embedder.maxTokens)) {
          chunks++;
          assert.ok(c.tokens <= 128, `${file}:${c.startLine} has ${c.tokens} tokens`);
          assert.equal(embedder.countTokens(c.embedText), c.tokens);
          if (c.title) assert.ok(c.embedText.startsWith(c.title.slice(0, 20)), 'the heading path is embedded');
          if (c.tokens > 100) long++;
        }
      }
    }
    assert.ok(chunks > 500, `${chunks} chunks`);
    assert.ok(long > 20, 'long sections are packed close to the limit, not cut into crumbs');
  });

  it('cuts a long comment into chunks that fit, each with the documented declaration', () => {
    const sentences = Array.from({ length: 40 }, (_, i) => `Step ${i}: the connection pool retries the database call and logs the error.`).join(' ');
    const source = `/**\n * ${sentences}\n */\nexport async function connect(url: string): Promise<void> {}\n`;
    const chunks = splitFile(source, 'typescript', 'db.ts', embedder.countTokens, embedder.maxTokens);
    assert.ok(chunks.length > 1);
    for (const c of chunks) {
      assert.equal(c.title, 'export async function connect(url: string): Promise<void> {}');
      assert.ok(c.tokens <= 128);
      assert.ok(!c.text.includes('*'), 'comment markers are removed');
    }
    assert.equal(chunks.map((c) => c.text).join(' ').replace(/\s+/g, ' '), sentences);
  });
});
