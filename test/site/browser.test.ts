/**
 * The usage pages in a real browser (Debian's headless Chromium through
 * playwright-core): every chart is drawn, nothing logs an error, and hostile
 * prompts appear as text without running.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_PROMPTS, hostileLedger } from './ledgers.ts';
import { USAGE_ROUTES } from './pages.ts';
import { SAMPLE_LEDGER, buildSite } from './site-build.ts';
import { serveStatic, type StaticServer } from './static-server.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

interface Visit {
  problems: string[];
  /** Non-blank pixel count of each chart canvas, in page order. */
  drawnPixels: number[];
}

/** Opens a page and collects console errors, page errors and dialogs (a dialog means injected script ran). */
async function visit(page: Page, url: string): Promise<Visit> {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
  const response = await page.goto(url, { waitUntil: 'load' });
  expect(response?.status(), url).toBe(200);
  const drawnPixels = await page.$$eval('[data-usage-chart] canvas', (elements) =>
    (elements as HTMLCanvasElement[]).map((canvas) => {
      const context = canvas.getContext('2d');
      if (!context || canvas.width === 0 || canvas.height === 0) return 0;
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      let drawn = 0;
      for (let index = 3; index < data.length; index += 4) if ((data[index] ?? 0) > 0) drawn += 1;
      return drawn;
    }),
  );
  return { problems, drawnPixels };
}

describe('usage pages in headless Chromium', () => {
  let browser: Browser;
  const servers: Record<'sample' | 'hostile', StaticServer | undefined> = { sample: undefined, hostile: undefined };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium (\`apt-get install chromium\`; scripts/bootstrap.sh test does it)`);
    }
    const [sample, hostile] = [await buildSite('sample', SAMPLE_LEDGER), await buildSite('hostile', hostileLedger())];
    servers.sample = await serveStatic(sample.outDir);
    servers.hostile = await serveStatic(hostile.outDir);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(Object.values(servers).map((server) => server?.close()));
  });

  async function open(site: 'sample' | 'hostile', route: string): Promise<{ visit: Visit; page: Page }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    return { visit: await visit(page, `${servers[site]?.origin}${route}`), page };
  }

  it('opens the main page without errors', async () => {
    const { visit: result, page } = await open('sample', '/');
    expect(result.problems).toEqual([]);
    expect(await page.title()).toContain('Token Ledger');
    await page.close();
  });

  for (const route of USAGE_ROUTES) {
    it(`draws every chart of ${route} with no console error`, async () => {
      const { visit: result, page } = await open('sample', route);
      expect(result.problems).toEqual([]);
      expect(result.drawnPixels.length).toBeGreaterThan(0);
      for (const [index, pixels] of result.drawnPixels.entries()) expect(pixels, `chart ${index + 1}`).toBeGreaterThan(500);
      await page.close();
    });
  }

  it('shows hostile prompts as text and runs none of them', async () => {
    for (const route of USAGE_ROUTES) {
      const { visit: result, page } = await open('hostile', route);
      expect(result.problems, route).toEqual([]);
      expect(result.drawnPixels.every((pixels) => pixels > 500), route).toBe(true);
      if (route.endsWith('/errors/')) {
        const prompts = await page.$$eval('.recent-error-prompt', (cells) => cells.map((cell) => cell.textContent));
        for (const prompt of HOSTILE_PROMPTS) expect(prompts).toContain(prompt);
        expect(await page.$$eval('main img, main script:not([type])', (elements) => elements.length)).toBe(0);
      }
      await page.close();
    }
  });
});
