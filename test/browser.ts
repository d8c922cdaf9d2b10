// Headless Chromium for the HTML viewers' tests (playwright-core with Debian's /usr/bin/chromium):
// launching it (for a describe block: useBrowser), and opening a page from file:// with every
// request and console error recorded and every request but the page itself refused.

import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const inCI = process.env.CI === 'true' || process.env.CI === '1';

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Launches Chromium before the tests of the enclosing describe block and closes it after; returns the browser's getter. */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('Chromium is not running (useBrowser launches it in beforeAll)');
    return browser;
  };
}

export interface Watched {
  page: Page;
  url: string;
  requests: string[];
  errors: string[];
}

/** Opens a page from file:// and waits for body[data-ready="1"], recording every request and every console error. */
export async function openPage(browser: Browser, file: string): Promise<Watched & { openMs: number }> {
  const url = pathToFileURL(file).href;
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  // Anything but the page itself is refused (and recorded above).
  await page.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
  const t0 = Date.now();
  await page.goto(url);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
  return { page, url, requests, errors, openMs: Date.now() - t0 };
}
