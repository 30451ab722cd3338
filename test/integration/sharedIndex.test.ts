/// <reference types="mocha" />
// A team's shared index in the real VS Code: CI's export of the workspace at a commit, served by an HTTP server on
// 127.0.0.1, named by semanticSearch.sharedIndex with ${commit}; a first index then embeds only what changed
// locally since that commit.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { DATABASE_DOC, DATABASE_QUERY_KO } from '../host/fixtureFacts';
import { activateAndIndex, paths, type SemanticSearchApi } from './support';

const COMMIT = 'c0ffee0000000000000000000000000000000001';

suite('Shared index', () => {
  let api: SemanticSearchApi;
  let root: string;
  const config = () => vscode.workspace.getConfiguration('semanticSearch');

  suiteSetup(async function () {
    this.timeout(120_000);
    api = await activateAndIndex();
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
  });

  test('a first index from a shared index on 127.0.0.1 embeds only the passages changed since its commit', async function () {
    this.timeout(240_000);
    // The workspace is at COMMIT: HEAD's branch points at it, as a checkout leaves it.
    const head = (await readFile(path.join(root, '.git/HEAD'), 'utf8')).trim();
    const ref = head.startsWith('ref: ') ? head.slice(5) : 'refs/heads/main';
    await mkdir(path.dirname(path.join(root, '.git', ref)), { recursive: true });
    await writeFile(path.join(root, '.git', ref), `${COMMIT}\n`);

    // CI: the CLI the extension ships indexes the workspace as committed and exports it.
    const server = api.mcpServer();
    assert.ok(server, 'the model is there');
    const [cli] = server.args;
    const model = server.args[server.args.indexOf('--model') + 1];
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'shared-index-'));
    const run = (...args: string[]) => execFileSync(server.command, [cli, ...args], { env: { ...process.env, ...server.env }, encoding: 'utf8' });
    const ci = JSON.parse(run('index', root, '--store', path.join(scratch, 'ci'), '--model', model, '--json'));
    const seedFile = path.join(scratch, 'team.seed');
    run('export', '--store', path.join(scratch, 'ci'), '--out', seedFile);

    const asked: string[] = [];
    const http127 = http.createServer((req, res) => {
      asked.push(req.url ?? '');
      if (req.url !== `/index/${COMMIT}.seed`) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      createReadStream(seedFile).pipe(res);
    });
    await new Promise<void>((resolve) => http127.listen(0, '127.0.0.1', resolve));
    const port = (http127.address() as AddressInfo).port;

    // Locally: one file changed since the commit, and the editor's first index (the index is cleared).
    const changed = path.join(root, DATABASE_DOC);
    const original = await readFile(changed, 'utf8');
    try {
      await appendFile(changed, '\n## Restore a backup\n\nRestore the database tables from the last backup.\n');
      await config().update('sharedIndex', `http://127.0.0.1:${port}/index/\${commit}.seed`, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('semanticSearch.clearIndex');
      const summary = await api.whenIndexed();
      assert.ok(summary, 'a run ended');
      assert.deepEqual(asked, [`/index/${COMMIT}.seed`], 'the seed of the checked-out commit was fetched, once');
      assert.ok(summary.seeded > 0, JSON.stringify(summary));
      // Only the new section's text and the changed neighbour's (its section now ends elsewhere) are embedded.
      assert.ok(summary.embedded > 0 && summary.embedded <= 2, `embedded ${summary.embedded} of ${summary.chunks} passages (CI embedded ${ci.embedded})`);
      const info = await api.info();
      assert.equal(info.seeded, summary.seeded, 'the index says how many passages came from the shared index');
      assert.equal(info.embeddedChunks, info.chunks, 'every passage has its meaning');
      const { hits } = await api.search(DATABASE_QUERY_KO);
      assert.equal(hits[0]?.path, DATABASE_DOC, paths(hits).join(', '));
    } finally {
      await config().update('sharedIndex', undefined, vscode.ConfigurationTarget.Global);
      await writeFile(changed, original);
      http127.close();
      await rm(scratch, { recursive: true, force: true });
      await api.whenIndexed();
    }
  });
});
