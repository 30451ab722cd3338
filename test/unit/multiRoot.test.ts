import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../../src/node/engine';
import { models, tempDir, writeTree } from './helpers';

// Two workspace folders with a file at the same relative path in each, and settings of their own.
const APP = {
  'docs/guide.md': '# Guide\n\n## Configure the database connection\n\nSet the database connection in the configuration file.\n',
  'generated/api.md': '# API\n\nThe database connection API.\n',
};
const NOTES = {
  'docs/guide.md': '# 가이드\n\n## 서버에 배포\n\n이미지를 서버에 배포합니다.\n',
  'generated/log.md': '# Log\n\nThe deploy log of the server.\n',
};

describe('Engine with several root folders', () => {
  let app: string, notes: string, engine: Engine;
  const at = (root: string, rel: string) => path.join(root, ...rel.split('/'));

  before(async () => {
    app = tempDir();
    notes = tempDir();
    writeTree(app, APP);
    writeTree(notes, NOTES);
    engine = await Engine.open({ modelDir: models.concept, storeDir: path.join(tempDir(), 'store'), threads: 1 });
  });
  after(async () => { await engine.dispose(); });

  it('reads each root with its own options, and tells the roots of same-named files apart', async () => {
    // `generated/` is excluded in the app folder only
    const s = await engine.index({ roots: [app, notes], rootOptions: { [app]: { exclude: ['generated/**'] }, [notes]: {} } });
    assert.equal(s.files, 3);
    const database = (await engine.search('데이터베이스 연결', { minScore: -1, limit: 20 })).hits;
    assert.equal(database[0].root, app);
    assert.equal(database[0].path, 'docs/guide.md');
    assert.ok(!database.some((h) => h.root === app && h.path.startsWith('generated/')), 'app/generated is excluded');
    const deploy = (await engine.search('deploy the image to the server', { limit: 3 })).hits;
    assert.equal(deploy[0].root, notes);
    assert.equal(deploy[0].path, 'docs/guide.md');
    assert.ok(deploy.some((h) => h.root === notes && h.path === 'generated/log.md'), 'notes/generated is read');
  });

  it('limits a search to one root', async () => {
    const hits = (await engine.search('database server deploy', { root: notes, minScore: -1, limit: 20 })).hits;
    assert.ok(hits.length >= 2);
    assert.deepEqual(hits.filter((h) => h.root !== notes), []);
  });

  it('updates a named file in one root without touching the other', async () => {
    writeFileSync(at(notes, 'docs/guide.md'), '# 가이드\n\n## 백업\n\n데이터베이스 백업.\n');
    const s = await engine.index({ roots: [app, notes], rootOptions: { [app]: { exclude: ['generated/**'] }, [notes]: {} }, paths: [at(notes, 'docs/guide.md')] });
    assert.equal(s.read, 1);
    assert.equal(s.files, 3);
    const backup = (await engine.search('database backup', { limit: 1 })).hits[0];
    assert.deepEqual([backup.root, backup.path], [notes, 'docs/guide.md']);
  });

  it('forgets the files of a root that is no longer in the workspace', async () => {
    const s = await engine.index({ roots: [app], rootOptions: { [app]: { exclude: ['generated/**'] } } });
    assert.equal(s.files, 1);
    assert.ok(s.removed >= 2, `removed ${s.removed}`);
    const hits = (await engine.search('database backup deploy', { minScore: -1, limit: 20 })).hits;
    assert.deepEqual(hits.filter((h) => h.root === notes), []);
    rmSync(notes, { recursive: true, force: true });
  });
});
