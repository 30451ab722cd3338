// "Semantic Search: Choose Model Folder…" in a remote window. The test host is a VS Code server opened in a
// browser: the extension runs on the server's machine, so the model folder it needs is a folder of that
// machine, and `semanticSearch.modelPath` (machine-scoped) must land in the server's machine settings, where the
// extension reads it. The window starts with no model at all (its download fails: the endpoint is a closed
// port; the workspace's own settings name a folder that is no model, which a machine-scoped setting ignores),
// the command is run from the command palette, and VS Code's own (simple) folder dialog is answered by typing
// the path of the concept test model. Then the extension must use that model: the index info names it, and a
// Korean question finds the English section, which words alone cannot do.
// Run with `node scripts/vscodeHost/runE2e.mjs` (with the other e2e suites); E2E_VSIX installs a .vsix as there.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { firstPage, launchChromium } from '../host/browser';
import { prepareUntrustedWorkspace } from '../host/fixture';
import { DATABASE_DOC, DATABASE_QUERY_KO, UNWATCHED_DIR } from '../host/fixtureFacts';
import { stopwatch } from '../host/log';
import { printHostLogs } from '../host/logs';
import { conceptModel, repoRoot, resultsDir } from '../host/paths';
import { makeRunDirs, startVsCodeHost, type VsCodeHost } from '../host/server';
import { openWorkbench, quickInput, quickPickRows, runCommand, until, webview } from '../host/workbench';

const EXTENSION_ID = 'semantic-search.multilingual-semantic-search';
const lap = stopwatch('e2e model folder');
let host: VsCodeHost | undefined;
let browser: BrowserContext | undefined;
let page: Page;

/** `semanticSearch.modelPath` in a settings file of the run (`User` or `Machine`), if set there. */
function modelPathIn(which: 'User' | 'Machine'): unknown {
  const file = path.join(host!.dirs.userData, which, 'settings.json');
  if (!existsSync(file)) return undefined;
  // (VS Code keeps the file JSON with comments allowed; the test host writes plain JSON and VS Code edits it in place)
  return (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)['semanticSearch.modelPath'];
}

/** The extension's own output channel, as VS Code writes it under the run's user data. */
function extensionLog(): string {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of existsSync(dir) ? readdirSync(dir, { withFileTypes: true }) : []) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (p.includes(`${path.sep}${EXTENSION_ID}${path.sep}`)) found.push(readFileSync(p, 'utf8'));
    }
  };
  walk(path.join(host!.dirs.userData, 'logs'));
  return found.join('\n');
}

describe('Choose Model Folder in a remote window', () => {
  before(async () => {
    const vsix = process.env.E2E_VSIX;
    const dirs = makeRunDirs('e2e-model-folder');
    host = await startVsCodeHost({
      tag: 'e2e-model-folder',
      dirs,
      workspace: prepareUntrustedWorkspace(dirs.root), // (trusted here: the test host turns workspace trust off)
      // No model path: the user has no model yet, and the download has nowhere to go.
      settings: { 'semanticSearch.modelEndpoint': 'http://127.0.0.1:9', 'files.watcherExclude': { [`**/${UNWATCHED_DIR}/**`]: true } },
      ...(vsix ? { vsix: [vsix] } : { extensionDevelopmentPath: [repoRoot] }),
    });
    lap(`server on 127.0.0.1:${host.port} (logs: ${path.relative(repoRoot, host.dirs.root)})`);
    browser = await launchChromium(host.dirs);
    page = await firstPage(browser);
    await openWorkbench(page, host.url);
  }, { timeout: 180_000 });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await host?.stop();
    lap('host stopped');
  });

  test('writes the folder typed into the dialog to the machine settings, and the extension uses it', { timeout: 180_000 }, async () => {
    try {
      await until('the extension without a model', async () => /Search worker started without a model/.test(extensionLog()), 60_000);
      lap('started without a model');
      await runCommand(page, 'Semantic Search: Choose Model Folder…');
      const input = quickInput(page).locator('input.input');
      await until('the folder dialog', async () => !(await input.inputValue()).startsWith('>') && (await input.inputValue()).startsWith('/'), 15_000);
      // The simple dialog lists the folder typed, then Enter accepts it ("Use this model folder").
      // The dialog may still rewrite the box while it lists a folder: typed again until it holds the model folder.
      await until('the model folder listed in the dialog', async () => {
        if ((await input.inputValue()) !== `${conceptModel}/`) await input.fill(`${conceptModel}/`);
        return (await input.inputValue()) === `${conceptModel}/` && await quickPickRows(page).filter({ hasText: /^onnx$/ }).first().isVisible();
      }, 15_000, 250);
      await page.screenshot({ path: path.join(resultsDir, 'model-folder-dialog.png') });
      await input.press('Enter');
      await until('the model path in the machine settings', async () => modelPathIn('Machine') === conceptModel, 15_000);
      assert.equal(modelPathIn('User'), undefined, 'a remote window keeps a machine setting out of the user settings');
      lap('modelPath written to the machine settings');

      await page.locator('.part.activitybar .action-item a[aria-label^="Semantic Search"]').first().click({ timeout: 15_000 });
      const view = webview(page);
      const query = view.locator('#query');
      await query.waitFor({ timeout: 30_000 });
      let probes = 0;
      await until(`${DATABASE_DOC} first for the Korean question`, async () => {
        if (probes++ % 12 === 0) {
          await query.fill('');
          await query.fill(DATABASE_QUERY_KO);
        }
        return (await view.locator('#results li.result').first().getAttribute('data-path', { timeout: 500 })) === DATABASE_DOC;
      }, 60_000);
      assert.match(await view.locator('#results li.result').first().locator('.result-score').innerText(), /^\d+ %$/, 'ranked by meaning');
      await runCommand(page, 'Semantic Search: Show Index Info');
      await until('the index info naming the model', async () => /Model: concept@[0-9a-f]{16} \(64 dimensions/.test(extensionLog()), 15_000);
      assert.ok(extensionLog().includes(`with the model in ${conceptModel} (setting)`), 'the worker runs the chosen model');
      await page.screenshot({ path: path.join(resultsDir, 'model-folder.png') });
    } catch (e) {
      await page.screenshot({ path: path.join(resultsDir, 'e2e-failure-model-folder.png') }).catch(() => undefined);
      if (host) printHostLogs(host, EXTENSION_ID);
      throw e;
    }
  });
});
