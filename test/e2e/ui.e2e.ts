// The extension's UI in a real VS Code, clicked through with headless chromium: the sidebar search view,
// the quick pick, opening results, workspace text shown as text, Find Similar from the editor's context
// menu, and the panel in dark and high-contrast themes. Run it with
// `node scripts/vscodeHost/runE2e.mjs` (which builds first); it reads:
//   E2E_VSIX   a .vsix to install; otherwise the repository is loaded as the development extension
// Screenshots go to test-results/ (panel*.png, quickpick.png, markup.png, similar.png, and
// e2e-failure-*.png when a step fails).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { firstPage, launchChromium } from '../host/browser';
import { prepareWorkspace, testSettings } from '../host/fixture';
import { backdrop, contrastRatio, parseColor, type Rgba } from '../host/contrast';
import { DATABASE_DOC, DATABASE_QUERY_KO, DATABASE_SECTION_LINE, DEPLOY_COMMENT, DEPLOY_DOC_KO, DEPLOY_QUERY_EN, DEPLOY_SECTION_LINE, XSS_DOC, XSS_QUERY } from '../host/fixtureFacts';
import { stopwatch } from '../host/log';
import { printHostLogs } from '../host/logs';
import { repoRoot, resultsDir } from '../host/paths';
import { makeRunDirs, startVsCodeHost, type VsCodeHost } from '../host/server';
import { activeEditorTitle, contextMenu, cursorLine, openFile, openWorkbench, quickInput, quickPickRows, runCommand, setColorTheme, until, webview, webviewFrame } from '../host/workbench';

const EXTENSION_ID = 'semantic-search.multilingual-semantic-search';
const VIEW_CONTAINER_TITLE = 'Semantic Search';
const FOCUS_VIEW_COMMAND = 'Semantic Search: Focus on Search View';
const SEARCH_COMMAND = 'Semantic Search: Search Workspace…';
const CLOSE_EDITORS_COMMAND = 'View: Close All Editors';

const lap = stopwatch('e2e');
let host: VsCodeHost | undefined;
let browser: BrowserContext | undefined;
let page: Page;
const browserErrors: string[] = [];
let logsPrinted = false;
/** Errors of an offline workbench that say nothing about the extension (gallery lookups, service worker). */
const OFFLINE_NOISE = /open-vsx|ENOTFOUND|ERR_NAME_NOT_RESOLVED|ServiceWorker|Service Worker|fetching the script|manifest\.json|favicon|vsda|update\/check/;
const noteError = (text: string) => { if (!OFFLINE_NOISE.test(text)) browserErrors.push(text.split('\n')[0].slice(0, 300)); };

/** Runs a test body; on failure saves a screenshot and prints the logs that explain it. */
async function step(name: string, body: () => Promise<void>): Promise<void> {
  const t0 = performance.now();
  try {
    await body();
    lap(`${name} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    mkdirSync(resultsDir, { recursive: true });
    const shot = path.join(resultsDir, `e2e-failure-${name.replace(/\W+/g, '-').toLowerCase()}.png`);
    await page?.screenshot({ path: shot }).catch(() => undefined);
    console.error(`\n✖ ${name}: screenshot ${path.relative(repoRoot, shot)}`);
    if (host && !logsPrinted) printHostLogs(host, EXTENSION_ID); // once: later failures usually share the cause
    logsPrinted = true;
    if (browserErrors.length) console.error(`\n--- browser errors\n${browserErrors.splice(0).slice(-20).join('\n')}`);
    throw e;
  }
}

/** Types a query into the search view and waits until `firstPath` is the first result. */
async function searchInPanel(query: string, firstPath: string): Promise<void> {
  const view = webview(page);
  const input = view.locator('#query');
  await input.waitFor({ timeout: 30_000 });
  let probes = 0;
  // Right after start the index may still be building: type the query again now and then until it answers.
  await until(`"${firstPath}" as the first result for "${query}"`, async () => {
    if (probes++ % 12 === 0) {
      await input.fill('');
      await input.fill(query);
    }
    return (await view.locator('#results li.result').first().getAttribute('data-path', { timeout: 500 })) === firstPath;
  }, 60_000);
}

/** Parts of the panel whose text must be readable in every theme (WCAG AA: contrast of at least 4.5). */
const TEXT_PARTS = ['#query', '#status', '.result-file', '.result-line', '.result-folder', '.result-title', '.result-snippet', '.result-score', '.result-lang'];

interface PartColors { selector: string; color: string; layers: string[]; outline: string }

/**
 * The computed text color of each part (in the first result, which is selected) and the backgrounds
 * beneath it, innermost first, read in the webview's document. Browser code as a string: the tests are
 * type-checked for Node, without DOM types.
 */
async function panelColors(): Promise<PartColors[]> {
  const frame = await webviewFrame(page);
  return frame.evaluate<PartColors[]>(`${JSON.stringify(TEXT_PARTS)}.map((selector) => {
    const scope = selector.startsWith('.result') ? document.querySelector('#results li.result') : document;
    const el = scope && scope.querySelector(selector);
    if (!el) return { selector, color: '', layers: [], outline: '' };
    const layers = [];
    for (let e = el; e; e = e.parentElement) layers.push(getComputedStyle(e).backgroundColor);
    const row = el.closest('li.result');
    const outline = row ? getComputedStyle(row).outlineStyle + ' ' + getComputedStyle(row).outlineColor : '';
    return { selector, color: getComputedStyle(el).color, layers, outline };
  })`);
}

/** What shows through the webview: the side bar's own background. */
async function sideBarBackground(): Promise<Rgba> {
  const css = await page.evaluate<string>(`getComputedStyle(document.querySelector('.part.sidebar')).backgroundColor`);
  const color = parseColor(css);
  assert.ok(color && color.a === 1, `side bar background: ${css}`);
  return color;
}

/** Contrast of each part's text on what lies beneath it. */
async function panelContrast(): Promise<{ selector: string; color: string; ratio: number; outline: string }[]> {
  const base = await sideBarBackground();
  return (await panelColors()).map(({ selector, color, layers, outline }) => {
    const fg = parseColor(color);
    assert.ok(fg, `${selector} has no text color (missing from the panel?)`);
    const bg = backdrop(layers.map((l) => parseColor(l) ?? { r: 0, g: 0, b: 0, a: 0 }), base);
    return { selector, color, ratio: contrastRatio(fg, bg), outline };
  });
}

describe('Semantic Search UI', () => {
  before(async () => {
    const vsix = process.env.E2E_VSIX;
    const dirs = makeRunDirs('e2e'); // the workspace copy stays beside the logs, for a look after a failure
    host = await startVsCodeHost({
      tag: 'e2e',
      dirs,
      workspace: prepareWorkspace(dirs.root),
      settings: testSettings(),
      ...(vsix ? { vsix: [vsix] } : { extensionDevelopmentPath: [repoRoot] }),
    });
    lap(`server on 127.0.0.1:${host.port} with the extension ${vsix ? `from ${vsix}` : 'in development mode'} (logs: ${path.relative(repoRoot, host.dirs.root)})`);
    browser = await launchChromium(host.dirs);
    page = await firstPage(browser);
    page.on('pageerror', (e) => noteError(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') noteError(`console: ${m.text()} (${m.location().url})`); });
    page.on('dialog', (d) => { browserErrors.push(`dialog: ${d.message()}`); void d.dismiss(); });
    await step('workbench loaded', () => openWorkbench(page, host!.url));
  }, { timeout: 180_000 });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await host?.stop();
    lap('host stopped');
  });

  test('the search view finds the English section for a Korean question', { timeout: 120_000 }, () => step('panel search', async () => {
    await page.locator(`.part.activitybar .action-item a[aria-label^="${VIEW_CONTAINER_TITLE}"]`).first().click({ timeout: 15_000 });
    await searchInPanel(DATABASE_QUERY_KO, DATABASE_DOC);
    const first = webview(page).locator('#results li.result').first();
    for (const part of ['.result-file', '.result-title', '.result-snippet', '.result-score', '.result-lang']) {
      assert.equal(await first.locator(part).count(), 1, `${part} in the first result`);
    }
    assert.match(await first.locator('.result-title').innerText(), /Configure the database connection/);
    assert.equal(await first.getAttribute('data-line'), String(DATABASE_SECTION_LINE));
    mkdirSync(resultsDir, { recursive: true });
    await page.mouse.move(700, 500); // no tooltip over the panel
    await page.screenshot({ path: path.join(resultsDir, 'panel.png') });
  }));

  test('choosing a result opens the file at its section', { timeout: 60_000 }, () => step('panel open result', async () => {
    await webview(page).locator('#results li.result').first().click();
    await until(`database.md active at line ${DATABASE_SECTION_LINE}`, async () =>
      (await activeEditorTitle(page)) === 'database.md' && (await cursorLine(page)) === DATABASE_SECTION_LINE);
  }));

  test('the search view finds the Korean section for an English question', { timeout: 60_000 }, () => step('panel search en→ko', async () => {
    await searchInPanel(DEPLOY_QUERY_EN, DEPLOY_DOC_KO);
    const first = webview(page).locator('#results li.result').first();
    assert.equal(await first.getAttribute('data-line'), String(DEPLOY_SECTION_LINE));
    assert.equal(await first.locator('.result-lang').innerText(), 'KO');
    // The keyboard: ↓ selects the first result, Enter opens it at its section.
    const name = path.posix.basename(DEPLOY_DOC_KO);
    await webview(page).locator('#query').press('ArrowDown');
    assert.equal(await first.getAttribute('aria-selected'), 'true');
    await webview(page).locator('#query').press('Enter');
    await until(`${name} active at line ${DEPLOY_SECTION_LINE}`, async () => (await activeEditorTitle(page)) === name && (await cursorLine(page)) === DEPLOY_SECTION_LINE);
    await runCommand(page, FOCUS_VIEW_COMMAND);
  }));

  test('the Markdown and Comments filters narrow the results to one kind', { timeout: 60_000 }, () => step('filters', async () => {
    const view = webview(page);
    const paths = async () => (await webviewFrame(page)).evaluate<string[]>(`[...document.querySelectorAll('#results li.result')].map((r) => r.dataset.path)`);
    await view.locator('#kind-markdown').uncheck();
    await until(`${DEPLOY_COMMENT} first with comments only`, async () => (await paths())[0] === DEPLOY_COMMENT);
    assert.ok((await paths()).every((p) => !p.endsWith('.md')), `only comments: ${(await paths()).join(', ')}`);
    await view.locator('#kind-markdown').check();
    await view.locator('#kind-comment').uncheck();
    await until(`${DEPLOY_DOC_KO} first with Markdown only`, async () => (await paths())[0] === DEPLOY_DOC_KO);
    assert.ok((await paths()).every((p) => p.endsWith('.md')), `only Markdown: ${(await paths()).join(', ')}`);
    await view.locator('#kind-comment').check();
  }));

  test('a question nothing answers says so and suggests what to try', { timeout: 60_000 }, () => step('no results', async () => {
    const view = webview(page);
    await view.locator('#query').fill('xylophone quartz');
    await until('the no-results hint', async () => /No results\. Try other words/.test(await view.locator('#status').innerText({ timeout: 500 })));
    assert.equal(await view.locator('#results li.result').count(), 0);
  }));

  test('the status bar item shows the index and opens the panel', { timeout: 60_000 }, () => step('status bar', async () => {
    await runCommand(page, 'View: Show Explorer');
    await until('the search view hidden', async () => !(await webview(page).locator('#query').isVisible({ timeout: 200 }).catch(() => false)));
    const item = page.locator('.part.statusbar .statusbar-item', { hasText: 'Semantic' }).first();
    await item.hover();
    // (the tooltip is Markdown: its spaces arrive as no-break spaces)
    await page.getByText(/\d+\sfiles\s·\s\d+\spassages\s·\s\d+\sKB\son\sdisk/).first().waitFor({ timeout: 15_000 });
    await item.click();
    const view = webview(page);
    await until('the search view shown', async () => view.locator('#query').isVisible({ timeout: 500 }));
    // Shown again, the panel is a new document whose requests count from 1 again: they must be answered.
    await view.locator('#query').fill(DATABASE_QUERY_KO);
    await until('an answer in the panel shown again', async () =>
      (await view.locator('#results li.result').first().getAttribute('data-path', { timeout: 500 })) === DATABASE_DOC, 10_000);
  }));

  /** Searches in the quick pick, waits for `firstRow` as the first item, and accepts it. */
  async function quickPickSearch(query: string, firstRow: RegExp, previewFile: string, shot?: string): Promise<void> {
    await runCommand(page, CLOSE_EDITORS_COMMAND);
    await until('no editor open', async () => (await page.locator('.part.editor .tab').count()) === 0);
    await runCommand(page, SEARCH_COMMAND);
    const input = quickInput(page).locator('input.input');
    await until('the search quick pick', async () => !(await input.inputValue()).startsWith('>'), 10_000);
    await input.fill(query);
    await until(`${firstRow} as the first quick pick item`, async () => firstRow.test(await quickPickRows(page).first().innerText({ timeout: 500 })), 30_000);
    if (shot) await page.screenshot({ path: path.join(resultsDir, shot) });
    // The focused result is previewed in the editor while the quick pick stays open.
    await until(`${previewFile} previewed`, async () => (await quickInput(page).isVisible()) && (await activeEditorTitle(page)) === previewFile);
    await page.keyboard.press('Enter');
  }

  test('the quick pick lists the English section first and opens it', { timeout: 60_000 }, () => step('quick pick', async () => {
    await quickPickSearch(DATABASE_QUERY_KO, /Configure the database connection/, 'database.md', 'quickpick.png');
    await until(`database.md active at line ${DATABASE_SECTION_LINE}`, async () =>
      !(await quickInput(page).isVisible()) && (await activeEditorTitle(page)) === 'database.md' && (await cursorLine(page)) === DATABASE_SECTION_LINE);
  }));

  test('the quick pick finds the Korean section for an English question and opens it', { timeout: 60_000 }, () => step('quick pick en→ko', async () => {
    const name = path.posix.basename(DEPLOY_DOC_KO);
    await quickPickSearch(DEPLOY_QUERY_EN, /서버에 이미지 배포/, name);
    await until(`${name} active at line ${DEPLOY_SECTION_LINE}`, async () =>
      !(await quickInput(page).isVisible()) && (await activeEditorTitle(page)) === name && (await cursorLine(page)) === DEPLOY_SECTION_LINE);
  }));

  test('workspace markup is shown as text and never runs', { timeout: 60_000 }, () => step('markup as text', async () => {
    await runCommand(page, FOCUS_VIEW_COMMAND);
    const view = webview(page);
    // Record every title the webview document ever gets, so a script that ran and was undone is caught too.
    // (Browser code as strings: the tests are type-checked for Node, without DOM types.)
    const frame = await webviewFrame(page);
    await frame.evaluate(`window.titles = [document.title];
      new MutationObserver(() => window.titles.push(document.title)).observe(document, { subtree: true, childList: true, characterData: true })`);
    await searchInPanel(XSS_QUERY, XSS_DOC);
    const snippet = view.locator('#results li.result').first().locator('.result-snippet');
    const text = await snippet.innerText();
    assert.ok(text.includes('<img src=x onerror='), `snippet shows the markup as text: ${text}`);
    assert.ok(text.includes('<script>'), `snippet shows the script tag as text: ${text}`);
    assert.ok(await snippet.locator('mark').count() > 0, 'query words are highlighted with <mark>');
    assert.equal(await view.locator('#results img, #results script').count(), 0, 'no element made from workspace text');
    const titles = await frame.evaluate<string[]>('window.titles');
    assert.ok(!titles.includes('pwned'), `webview title changed: ${titles.join(' | ')}`);
    assert.notEqual(await page.title(), 'pwned');
    assert.ok(!browserErrors.some((e) => e.startsWith('dialog')), 'no dialog opened');
    await page.screenshot({ path: path.join(resultsDir, 'markup.png') });
  }));

  test('Find Similar on an editor selection lists passages like it, in other languages, not itself', { timeout: 90_000 }, () => step('find similar', async () => {
    await runCommand(page, CLOSE_EDITORS_COMMAND);
    await openFile(page, path.posix.basename(DEPLOY_DOC_KO));
    const line = page.locator('.part.editor .view-line', { hasText: '이미지를 서버에' }).first();
    await line.click();
    await page.keyboard.press('Home');
    await page.keyboard.press('Shift+End');
    const selected = (await line.innerText()).replace(/\s+/g, ' ').trim();
    await contextMenu(page, line, 'Find Similar');
    const view = webview(page);
    await until('the selection in the query box', async () => (await view.locator('#query').inputValue({ timeout: 500 })) === selected, 15_000);
    await until(`${DEPLOY_COMMENT} as the first result`, async () =>
      (await view.locator('#results li.result').first().getAttribute('data-path', { timeout: 500 })) === DEPLOY_COMMENT, 30_000);
    const shown = await (await webviewFrame(page)).evaluate<string[]>(`[...document.querySelectorAll('#results li.result')].map((r) => r.dataset.path + ':' + r.dataset.line)`);
    assert.ok(!shown.includes(`${DEPLOY_DOC_KO}:${DEPLOY_SECTION_LINE}`), `the selected passage itself is not a result: ${shown.join(', ')}`);
    await page.screenshot({ path: path.join(resultsDir, 'similar.png') });
  }));

  test('the panel follows the color theme and its text stays readable', { timeout: 120_000 }, () => step('themes', async () => {
    await runCommand(page, FOCUS_VIEW_COMMAND);
    await searchInPanel(DATABASE_QUERY_KO, DATABASE_DOC);
    await webview(page).locator('#query').press('ArrowDown'); // select the first result
    const colorsOf = async () => Object.fromEntries((await panelContrast()).map((p) => [p.selector, p]));
    const themes = [
      { label: 'Dark Modern', workbenchClass: 'vs-dark', shot: 'panel-dark.png', highContrast: false },
      { label: 'Dark High Contrast', workbenchClass: 'hc-black', shot: 'panel-high-contrast.png', highContrast: true },
      { label: 'Light High Contrast', workbenchClass: 'hc-light', shot: 'panel-high-contrast-light.png', highContrast: true },
    ];
    const seen = [await colorsOf()]; // the default (light) theme
    for (const theme of themes) {
      await setColorTheme(page, theme.label, theme.workbenchClass);
      const previous = seen[seen.length - 1];
      let colors = previous;
      // the webview gets the new theme's variables a moment after the workbench
      await until(`the panel in ${theme.label}`, async () => {
        colors = await colorsOf();
        return colors['.result-title'].color !== previous['.result-title'].color;
      }, 10_000);
      seen.push(colors);
      const poor = Object.values(colors).filter((p) => p.ratio < 4.5).map((p) => `${p.selector} ${p.color} ${p.ratio.toFixed(2)}`);
      assert.deepEqual(poor, [], `text below contrast 4.5 in ${theme.label}`);
      if (theme.highContrast) {
        const outline = colors['.result-title'].outline;
        assert.match(outline, /^solid rgb\(/, `the selected result has a visible outline in ${theme.label}: ${outline}`);
      }
      await page.mouse.move(700, 500);
      await page.screenshot({ path: path.join(resultsDir, theme.shot) });
    }
  }));
});
