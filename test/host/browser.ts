// Debian's chromium, headless, driven by the project's playwright-core (no browser download needed).
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { chromiumPath } from './paths';
import type { RunDirs } from './server';

/**
 * A fresh headless chromium profile under the run folder. Playwright refuses `--user-data-dir` in `args`;
 * a persistent context passes its own. HOME points into the run folder, or crashpad and the NSS database
 * would be written to the real ~/.config and ~/.pki.
 */
export async function launchChromium(dirs: RunDirs, viewport = { width: 1400, height: 850 }): Promise<BrowserContext> {
  return chromium.launchPersistentContext(path.join(dirs.root, 'chromium-profile'), {
    executablePath: chromiumPath(),
    headless: true,
    viewport,
    env: { ...process.env, HOME: dirs.home },
    args: [
      '--no-sandbox', // runs as root in CI
      '--disable-gpu',
      '--disable-dev-shm-usage', // /dev/shm is small in containers
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-background-networking', // no calls home: the machine has no network besides package registries
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--disable-features=Translate,OptimizationHints,MediaRouter',
    ],
  });
}

/** The first tab of a persistent context (it opens with one). */
export async function firstPage(context: BrowserContext): Promise<Page> {
  return context.pages()[0] ?? (await context.newPage());
}
