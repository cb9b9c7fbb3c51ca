/**
 * The usage pages in a real browser (Debian's headless Chromium through
 * playwright-core): every chart is drawn, nothing logs an error, and hostile
 * prompts appear as text without running.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { HOSTILE_MODEL, HOSTILE_PROMPTS, hostileLedger, recentLedger, todayMidnight } from './ledgers.ts';
import { USAGE_ROUTES } from './pages.ts';
import { SAMPLE_LEDGER, buildSite } from './site-build.ts';
import { serveStatic, type StaticServer } from './static-server.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

/** What draw-charts.ts records on a canvas after drawing it. */
interface DrawnChart {
  theme: string;
  ticks: Record<string, string[]>;
  tooltip: string[];
}

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
  const servers: Record<'sample' | 'hostile' | 'recent', StaticServer | undefined> = { sample: undefined, hostile: undefined, recent: undefined };
  let recent = '';

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium (\`apt-get install chromium\`; scripts/bootstrap.sh test does it)`);
    }
    const [sample, hostile] = [await buildSite('sample', SAMPLE_LEDGER), await buildSite('hostile', hostileLedger())];
    servers.sample = await serveStatic(sample.outDir);
    servers.hostile = await serveStatic(hostile.outDir);
    recent = recentLedger();
    servers.recent = await serveStatic((await buildSite('recent', recent)).outDir);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(Object.values(servers).map((server) => server?.close()));
  });

  async function open(site: 'sample' | 'hostile' | 'recent', route: string): Promise<{ visit: Visit; page: Page }> {
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

  /** What each chart of a page drew (draw-charts.ts writes it on the canvas), in page order. */
  async function drawn(page: Page): Promise<DrawnChart[]> {
    return page.$$eval('[data-usage-chart] canvas', (canvases) => canvases.map((canvas) => JSON.parse((canvas as HTMLCanvasElement).dataset.drawn ?? '{}') as DrawnChart));
  }

  async function canvasPixels(page: Page): Promise<string[]> {
    return page.$$eval('[data-usage-chart] canvas', (canvases) => canvases.map((canvas) => (canvas as HTMLCanvasElement).toDataURL()));
  }

  it('redraws every chart in the new colours when the theme is switched', async () => {
    const { page } = await open('sample', '/runbook/usage/');
    const before = await canvasPixels(page);
    const theme = await page.evaluate(() => document.documentElement.dataset.theme);
    await page.locator('starlight-theme-select select').first().selectOption(theme === 'dark' ? 'light' : 'dark');
    await page.waitForTimeout(300);
    const after = await canvasPixels(page);
    const newTheme = await page.evaluate(() => document.documentElement.dataset.theme);
    expect(newTheme).not.toBe(theme);
    for (const [index, pixels] of after.entries()) expect(pixels === before[index], `chart ${index + 1} unchanged`).toBe(false);
    for (const chart of await drawn(page)) expect(chart.theme).toBe(newTheme);
    await page.close();
  });

  it('names every model on the by-model chart', async () => {
    const { page } = await open('sample', '/runbook/usage/');
    const models = await page.$$eval('#by-model + [data-usage-chart] tbody th', (cells) => cells.map((cell) => cell.textContent?.trim() ?? ''));
    const byModel = (await drawn(page)).find((chart) => Object.values(chart.ticks).some((labels) => labels.includes(models[0] ?? '')));
    expect(models.length).toBe(6);
    expect(Object.values(byModel?.ticks ?? {}).find((labels) => labels.includes(models[0] ?? ''))?.sort()).toEqual([...models].sort());
    await page.close();
  });

  it('counts errors per day in whole numbers on the axis', async () => {
    const { page } = await open('sample', '/runbook/usage/errors/');
    const [perDay] = await drawn(page);
    const numericTicks = Object.values(perDay?.ticks ?? {}).flat().filter((label) => /^[\d.,]+$/.test(label) && !/^\d{4}-/.test(label));
    expect(numericTicks.length).toBeGreaterThan(1);
    for (const label of numericTicks) expect(label).toMatch(/^[\d,]+$/);
    await page.close();
  });

  it('shows the day\u2019s cost in dollars when hovering the per-day chart', async () => {
    const { page } = await open('sample', '/runbook/usage/');
    const canvas = page.locator('#per-day + [data-usage-chart] canvas').first();
    await canvas.scrollIntoViewIfNeeded();
    const box = await canvas.boundingBox();
    const tooltips: string[] = [];
    for (let step = 1; step < 20 && box; step += 1) {
      await page.mouse.move(box.x + (box.width * step) / 20, box.y + box.height / 2);
      tooltips.push(...((JSON.parse((await canvas.getAttribute('data-drawn')) ?? '{}') as DrawnChart).tooltip ?? []));
    }
    expect(tooltips.some((line) => /Cost.*\$\d[\d,]*\.\d\d$/.test(line)), tooltips.join(' | ')).toBe(true);
    await page.close();
  });

  it('writes every dollar figure with exactly two decimals', async () => {
    const figures: string[] = [];
    for (const route of USAGE_ROUTES) {
      const { page } = await open('sample', route);
      figures.push(...((await page.locator('main').innerText()).match(/\$[\d,]+(\.\d+)?/g) ?? []));
      await page.close();
    }
    expect(figures.length).toBeGreaterThan(20);
    for (const figure of figures) expect(figure).toMatch(/^\$[\d,]+\.\d\d$/);
  });

  it('lists days newest first in the per-day table', async () => {
    const { page } = await open('sample', '/runbook/usage/');
    const days = await page.$$eval('#per-day + [data-usage-chart] tbody th', (cells) => cells.map((cell) => cell.textContent?.trim() ?? ''));
    expect(days.length).toBeGreaterThan(30);
    expect(days).toEqual([...days].sort().reverse());
    await page.close();
  });

  it('keeps a space between sentences on the sessions page', async () => {
    const { page } = await open('sample', '/runbook/usage/sessions/');
    const text = await page.locator('main').innerText();
    expect(text).toMatch(/\. pnpm track report --by session/);
    await page.close();
  });

  it('fits the sessions table in its column on a desktop screen', async () => {
    const { page } = await open('sample', '/runbook/usage/sessions/');
    const sizes = await page.$$eval('main .usage-table', (regions) => regions.map((region) => ({ table: region.querySelector('table')?.scrollWidth ?? 0, column: region.parentElement?.clientWidth ?? 0 })));
    expect(sizes.length).toBeGreaterThan(0);
    for (const size of sizes) expect(size.table).toBeLessThanOrEqual(size.column);
    await page.close();
  });

  it('says in every chart box that the table has the numbers when JavaScript is off', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    for (const route of USAGE_ROUTES) {
      const page = await context.newPage();
      await page.goto(`${servers.sample?.origin}${route}`);
      const boxes = await page.$$eval('[data-usage-chart] .usage-chart-canvas', (elements) => elements.map((element) => (element as HTMLElement).innerText.trim()));
      expect(boxes.length, route).toBeGreaterThan(0);
      for (const text of boxes) expect(text, route).toMatch(/needs JavaScript; the (table below|figures above) ha(s|ve) the same numbers/);
      await page.close();
    }
    await context.close();
  });

  it('filters to the last 30 days and one model, totals as `track report --since` gives them, and reopens the same from the URL', async () => {
    const since = new Date(todayMidnight().getTime() - 29 * 86_400_000).toISOString().slice(0, 10);
    const result = await runCli(['report', '--csv', recent, '--since', since, '--by', 'model', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { totals: Record<string, number>; groups: (Record<string, number> & { key: string })[] };
    const [model] = report.groups;
    expect(model && model.transactions).toBeGreaterThan(0);
    const { page } = await open('recent', '/runbook/usage/');
    const allTransactions = await page.getAttribute('[data-total="transactions"]', 'data-value');
    await page.selectOption('form[data-usage-filters] select[name="range"]', '30d');
    await page.selectOption('form[data-usage-filters] select[name="model"]', model?.key ?? '');
    const keys = ['transactions', 'tokens_used', 'input_tokens', 'output_tokens', 'cache_creation_tokens', 'cache_read_tokens', 'cost_usd', 'errors'] as const;
    const totalsOn = (target: Page) => target.$$eval('[data-total]:not([data-fixed])', (elements) => Object.fromEntries(elements.map((element) => [(element as HTMLElement).dataset.total, (element as HTMLElement).dataset.value])));
    const filtered = await totalsOn(page);
    expect(filtered.transactions).not.toBe(allTransactions);
    for (const key of keys) expect(filtered[key], key).toBe(String(model?.[key]));
    const byModelRows = await page.$$eval('.usage-table[data-part="by-model"] tbody th', (cells) => cells.map((cell) => cell.textContent));
    expect(byModelRows).toEqual([model?.key]);
    const url = page.url();
    expect(url).toContain('range=30d');
    const reopened = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await reopened.goto(url);
    expect(await totalsOn(reopened)).toEqual(filtered);
    expect(await reopened.inputValue('form[data-usage-filters] select[name="model"]')).toBe(model?.key);
    await reopened.close();
    await page.close();
  });

  it('downloads as CSV the day × model rows the filtered page shows', async () => {
    const { page } = await open('hostile', '/runbook/usage/?model=%3Csvg+onload%3Dalert(4)%3E');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-download-csv]')]);
    const rows = parse(readFileSync((await download.path()) ?? ''), { columns: true }) as Record<string, string>[];
    const shown = await page.$$eval('.usage-table[data-part="day-model"] tbody tr', (lines) => lines.map((line) => [...line.children].slice(0, 2).map((cell) => cell.textContent)));
    expect(rows.map((row) => [row.day, row.model])).toEqual(shown);
    expect(rows.length).toBe(2);
    expect(rows.every((row) => row.model === HOSTILE_MODEL)).toBe(true);
    await page.close();
  });
});

