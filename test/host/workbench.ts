// Playwright helpers for the VS Code web workbench: its DOM is not an API, so every selector the tests rely
// on lives here, in one place to fix when a VS Code update moves things.
import type { Frame, FrameLocator, Locator, Page } from 'playwright-core';

/** Opens the workbench URL and waits until the window is usable. */
export async function openWorkbench(page: Page, url: string, timeoutMs = 60_000): Promise<void> {
  await page.goto(url);
  await page.locator('.monaco-workbench').waitFor({ timeout: timeoutMs });
  await page.locator('.part.statusbar').waitFor({ timeout: timeoutMs });
}

/** The quick input box (command palette and extension quick picks share it). */
export function quickInput(page: Page): Locator {
  return page.locator('.quick-input-widget');
}

/** The rows of the open quick pick, in display order. */
export function quickPickRows(page: Page): Locator {
  return quickInput(page).locator('.quick-input-list .monaco-list-row');
}

/**
 * Runs a command by its palette title, e.g. "Semantic Search: Search Workspace…". F1 only reaches the
 * workbench when the focus is not in a webview or dialog, so a second try first clicks the editor area.
 */
export async function runCommand(page: Page, title: string): Promise<void> {
  const input = quickInput(page).locator('input.input');
  for (let attempt = 0; attempt < 3; attempt++) {
    await page.keyboard.press('F1');
    if (await input.waitFor({ state: 'visible', timeout: 3000 }).then(() => true, () => false)) break;
    await page.keyboard.press('Escape');
    await page.locator('.part.editor').click({ position: { x: 200, y: 200 } }).catch(() => undefined);
  }
  await input.fill(`>${title}`);
  // the row with this title, which need not be the first (fuzzy matches and recently used come before)
  await quickPickRows(page).filter({ hasText: title }).first().click({ timeout: 10_000 });
}

/** Opens a workspace file by name through Go to File (the quick open), e.g. "배포.md". */
export async function openFile(page: Page, name: string): Promise<void> {
  await runCommand(page, 'Go to File...');
  const input = quickInput(page).locator('input.input');
  await input.fill(name);
  await quickPickRows(page).filter({ hasText: name }).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
  await until(`${name} open`, async () => (await activeEditorTitle(page)) === name);
}

/** Switches the color theme by its label, e.g. "Dark High Contrast", and waits until the window has it. */
export async function setColorTheme(page: Page, label: string, bodyClass: string): Promise<void> {
  await runCommand(page, 'Preferences: Color Theme');
  const input = quickInput(page).locator('input.input');
  await until('the color theme picker', async () => !(await input.inputValue()).startsWith('>'), 10_000);
  await input.fill(label);
  await until(`"${label}" as the first theme`, async () => (await quickPickRows(page).first().getAttribute('aria-label', { timeout: 500 }))?.startsWith(label) ?? false);
  await page.keyboard.press('Enter');
  await until(`the workbench in ${bodyClass}`, async () => (await page.locator('.monaco-workbench').getAttribute('class'))?.split(' ').includes(bodyClass) ?? false);
}

/** Right-clicks `target` and chooses `item` in the context menu (a workbench menu, not the browser's). */
export async function contextMenu(page: Page, target: Locator, item: string): Promise<void> {
  const menu = page.locator('.context-view .monaco-menu');
  await target.click({ button: 'right' });
  const entry = menu.locator('.action-item', { hasText: item }).first();
  await entry.hover({ timeout: 10_000 });
  await entry.click({ timeout: 10_000 });
  // A click that lands while the menu is still settling is dropped: the item is focused by the hover, so
  // Enter chooses it then.
  if (!(await menu.waitFor({ state: 'hidden', timeout: 2000 }).then(() => true, () => false))) {
    await page.keyboard.press('Enter');
    await menu.waitFor({ state: 'hidden', timeout: 5000 });
  }
}

/**
 * The content of the visible webview view. A webview is an iframe (class `webview`, `ready` once loaded)
 * holding another iframe, `#active-frame`, with the extension's HTML.
 */
export function webview(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready:visible').frameLocator('#active-frame');
}

/** The frame of the visible webview's content, to evaluate scripts in its document. */
export async function webviewFrame(page: Page): Promise<Frame> {
  const frame = await (await webview(page).locator('body').elementHandle())?.ownerFrame();
  if (!frame) throw new Error('no webview frame');
  return frame;
}

/** File name of the active editor tab, e.g. "database.md" (the tab shows it as name + suffix elements). */
export async function activeEditorTitle(page: Page): Promise<string> {
  return (await page.locator('.part.editor .tab.active').first().getAttribute('data-resource-name', { timeout: 1000 })) ?? '';
}

/** 1-based cursor line of the active editor, read from the status bar ("Ln 7, Col 1"). */
export async function cursorLine(page: Page): Promise<number> {
  const text = await page.locator('[id="status.editor.selection"]').innerText();
  const m = /Ln (\d+)/.exec(text);
  if (!m) throw new Error(`no cursor position in the status bar: "${text}"`);
  return Number(m[1]);
}

/** Polls `probe` until it returns true (exceptions count as false), or throws with `what`. */
export async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 15_000, everyMs = 250): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
