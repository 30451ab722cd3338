// The first full index of a workspace, watched in a real VS Code: a progress notification says how far it
// is, its Cancel pauses indexing, the panel says so and offers to resume, and resuming finishes the index.
// Meanwhile every page is searchable by its words: the panel answers with word matches and says how far
// meanings have got, then, once they are all embedded, ranks by meaning.
// The model is the stand-in of the real architecture and size (12 layers, 250,002 pieces, 118 MB int8), so
// this also loads a model of the real size in the extension host, and 300 generated pages take long enough
// to index to be watched. Run with `node scripts/vscodeHost/runE2e.mjs` (with ui.e2e.ts); E2E_VSIX installs a
// .vsix as there.
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { firstPage, launchChromium } from '../host/browser';
import { prepareLargeWorkspace, testSettings } from '../host/fixture';
import { stopwatch } from '../host/log';
import { extensionLog, printHostLogs } from '../host/logs';
import { fullModel, repoRoot, resultsDir } from '../host/paths';
import { makeRunDirs, startVsCodeHost, type VsCodeHost } from '../host/server';
import { openWorkbench, until, webview } from '../host/workbench';

const FILES = 600;
const EXTENSION_ID = 'semantic-search.multilingual-semantic-search';
const lap = stopwatch('e2e first index');
let host: VsCodeHost | undefined;
let browser: BrowserContext | undefined;
let page: Page;

describe('The first full index', () => {
  before(async () => {
    const vsix = process.env.E2E_VSIX;
    const dirs = makeRunDirs('e2e-first-index');
    host = await startVsCodeHost({
      tag: 'e2e-first-index',
      dirs,
      workspace: prepareLargeWorkspace(dirs.root, FILES),
      settings: { ...testSettings(), 'semanticSearch.modelPath': fullModel },
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

  test('shows its progress in a notification whose Cancel pauses it; the panel resumes it', { timeout: 180_000 }, async () => {
    try {
      // The test host's smoke-test driver keeps notifications out of toasts (VS Code shows no toast while it
      // is on), so the notification is looked at in the notification center, where it is the same item.
      // The bell opens the center only when it holds a notification (else it says "No Notifications"), and the
      // notification comes once the model is loaded: open the center until it shows it.
      const note = page.locator('.notifications-center .notification-list-item', { hasText: 'Semantic Search: indexing the workspace' });
      await until('the indexing notification in the notification center', async () => {
        if (await note.isVisible()) return true;
        if (!(await page.locator('.notifications-center.visible').isVisible())) await page.locator('.part.statusbar [id="status.notifications"]').first().click();
        return false;
      }, 60_000, 500);
      await until('the notification says how far indexing is', async () =>
        /Reading [\d,]+ \/ [\d,]+ files|meanings for [\d,]+ of [\d,]+ passages/.test(await note.innerText({ timeout: 500 })), 30_000, 100);
      await page.screenshot({ path: path.join(resultsDir, 'first-index.png') });
      await note.locator('.monaco-button', { hasText: 'Cancel' }).click();
      lap('cancelled from the notification');
      await note.waitFor({ state: 'hidden', timeout: 15_000 });

      await page.locator('.part.activitybar .action-item a[aria-label^="Semantic Search"]').first().click({ timeout: 15_000 });
      const status = webview(page).locator('#status');
      await until('the panel says indexing is paused', async () => /Indexing is paused\./.test(await status.innerText({ timeout: 500 })), 30_000);
      await status.locator('button', { hasText: 'Resume indexing' }).click();
      // While meanings are embedded, a search finds pages by their words, and the panel says how far it is.
      const view = webview(page);
      const results = view.locator('.result');
      const search = async (query: string) => {
        await view.locator('#query').fill('');
        await view.locator('#query').fill(query);
      };
      // Asked again until the pages' words are in (the resumed run may still be reading them). Passages whose
      // meaning is embedded already come first, ranked by it; the others follow as word matches.
      const scores = () => results.locator('.result-score').allInnerTexts();
      await until('word matches while meanings are embedded', async () => {
        if ((await results.count()) === 0) await search('security warning');
        return (await scores()).includes('word match')
          && /All [\d,]+ files searchable by words · meanings for [\d,]+ of [\d,]+ passages/.test(await status.innerText({ timeout: 500 }));
      }, 30_000, 250);
      assert.match(await status.innerText(), /Meanings are still being embedded \([\d,]+ of [\d,]+ passages\)/);
      const shown = await scores();
      const firstWordMatch = shown.indexOf('word match');
      assert.ok(shown.slice(firstWordMatch).every((s) => s === 'word match'), `word matches come after every passage ranked by meaning: ${shown.join(', ')}`);
      assert.ok(shown.slice(0, firstWordMatch).every((s) => /^\d+ %$/.test(s)), shown.join(', '));
      await page.screenshot({ path: path.join(resultsDir, 'first-index-words.png') });
      lap('word matches during the first index');
      // The panel states a ready index's counts when no query is typed.
      await view.locator('#query').fill('');
      await until(`all ${FILES} pages indexed`, async () =>
        new RegExp(`${FILES.toLocaleString('en')} files, [\\d,]+ passages indexed\\.`).test(await status.innerText({ timeout: 500 })), 120_000);
      lap('resumed from the panel and finished');
      const indexed = /([\d,]+) passages/.exec(await status.innerText())![1];
      assert.equal(Number(indexed.replace(/,/g, '')), FILES * 3, 'three sections per page');
      // Every meaning is embedded: the same search now ranks by meaning.
      await search('security warning');
      await until('results ranked by meaning', async () => /^\d+ %$/.test(await results.first().locator('.result-score').innerText({ timeout: 500 }).catch(() => '')), 15_000, 100);
      // 600 files to read: the engine worker shared them out with its reading thread (dist/readThread.js of the
      // installed extension), which says in the log when it cannot.
      const log = extensionLog(host!, EXTENSION_ID);
      assert.match(log, new RegExp(`Indexed: ${FILES} files`));
      assert.doesNotMatch(log, /reading thread/);
    } catch (e) {
      await page.screenshot({ path: path.join(resultsDir, 'e2e-failure-first-index.png') }).catch(() => undefined);
      if (host) printHostLogs(host, EXTENSION_ID);
      throw e;
    }
  });
});
