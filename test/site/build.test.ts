/**
 * The built site: usage pages built from the sample, a hostile and an empty
 * ledger agree with `track report`, show every text escaped, survive having
 * no data, and leave linkinator no broken link.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { parse } from 'csv-parse/sync';
import { LinkChecker } from 'linkinator';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, NO_ERROR_KEY, type UsageGroup, type UsageStats } from '../../src/lib/tracker/index.ts';
import { formatInteger } from '../../src/site/format.ts';
import { runCli } from '../helpers/cli.ts';
import { FORBIDDEN_MARKUP, HOSTILE_ERROR, HOSTILE_MODEL, HOSTILE_PROMPTS, HOSTILE_WORKSPACE, emptyLedger, hostileLedger } from './ledgers.ts';
import { USAGE_ROUTES, chartSpecs, mainContent, pageTotals, readPage, sidebarLinks } from './pages.ts';
import { SAMPLE_LEDGER, buildSite } from './site-build.ts';

interface CliReport {
  totals: UsageStats;
  groups: UsageGroup[];
  invalid_rows: number;
}

async function cliReport(ledger: string, by?: string): Promise<CliReport> {
  const result = await runCli(['report', '--json', '--csv', ledger, ...(by ? ['--by', by] : [])]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as CliReport;
}

/** Every page of a build, as the route it is served at. */
function builtRoutes(outDir: string): string[] {
  return (readdirSync(outDir, { recursive: true }) as string[])
    .filter((file) => file.endsWith(`${sep}index.html`) || file === 'index.html')
    .map((file) => `/${relative('.', file).split(sep).slice(0, -1).join('/')}${file === 'index.html' ? '' : '/'}`)
    .filter((route) => !route.startsWith('/pagefind'));
}

async function brokenLinks(outDir: string): Promise<{ checked: number; broken: string[] }> {
  const result = await new LinkChecker().check({ path: outDir, recurse: true, checkFragments: true });
  const broken = result.links.filter((link) => link.state === 'BROKEN').map((link) => `${link.url} (from ${link.parent ?? '?'})`);
  return { checked: result.links.length, broken };
}

function expectTotalsMatch(html: string, totals: UsageStats): void {
  const onPage = pageTotals(html);
  const keys = ['transactions', 'tokens_used', 'input_tokens', 'output_tokens', 'cache_creation_tokens', 'cache_read_tokens', 'cost_usd', 'unpriced_transactions', 'errors', 'error_rate', 'elapsed_p50', 'elapsed_p95', 'cache_read_share'] as const;
  for (const key of keys) expect(onPage.get(key), key).toBe(String(totals[key]));
  expect(html).toContain(`>${formatInteger(totals.tokens_used)}<`);
}

/** A chart shows every group, each with the value `track report` gives it (in the chart's own order). */
function expectChartMatchesGroups(spec: { labels: string[]; series: { metric: string; values: (number | null)[] }[] } | undefined, groups: readonly UsageGroup[], metric: 'tokens_used' | 'errors'): void {
  const values = spec?.series.find((series) => series.metric === metric)?.values ?? [];
  expect([...(spec?.labels ?? [])].sort()).toEqual(groups.map((group) => group.key).sort());
  expect(new Map(spec?.labels.map((label, index) => [label, values[index]]))).toEqual(new Map(groups.map((group) => [group.key, group[metric]])));
}

/** The routes of the session pages a build made. */
function sessionRoutes(outDir: string): string[] {
  return builtRoutes(outDir).filter((route) => /^\/runbook\/usage\/sessions\/[^/]+\/$/.test(route));
}

describe('site built from the sample ledger', () => {
  let outDir = '';
  beforeAll(async () => {
    ({ outDir } = await buildSite('sample', SAMPLE_LEDGER));
  });

  it('shows the totals `track report --json` gives for the same ledger', async () => {
    const report = await cliReport(SAMPLE_LEDGER);
    expect(report.totals.transactions).toBeGreaterThan(0);
    expectTotalsMatch(readPage(outDir, '/runbook/usage/'), report.totals);
  });

  it('charts the same groups as `track report --by model` and `--by error`, models ranked by cost', async () => {
    const byModel = await cliReport(SAMPLE_LEDGER, 'model');
    const modelChart = chartSpecs(readPage(outDir, '/runbook/usage/')).find((spec) => spec.labels.includes(byModel.groups[0]?.key ?? ''));
    expectChartMatchesGroups(modelChart, byModel.groups, 'tokens_used');
    const costs = byModel.groups.filter((group) => group.unpriced_transactions < group.transactions).sort((a, b) => b.cost_usd - a.cost_usd);
    expect(modelChart?.labels.slice(0, costs.length)).toEqual(costs.map((group) => group.key));
    const byError = await cliReport(SAMPLE_LEDGER, 'error');
    const errorsCharts = chartSpecs(readPage(outDir, '/runbook/usage/errors/'));
    expectChartMatchesGroups(errorsCharts[1], byError.groups.filter((group) => group.key !== NO_ERROR_KEY), 'errors');
  });

  it('marks unpriced cost as unpriced, never as $0, and names the models without a price as `report --by model` does', async () => {
    const html = readPage(outDir, '/runbook/usage/');
    expect(pageTotals(html).get('unpriced_transactions')).not.toBe('0');
    expect(html).not.toMatch(/>\$0\.00\*?</);
    const { unpriced_models: unpriced } = JSON.parse((await runCli(['report', '--json', '--by', 'model', '--csv', SAMPLE_LEDGER])).stdout) as { unpriced_models: string[] };
    expect(unpriced.length).toBeGreaterThan(0);
    expect([...html.matchAll(/<code data-unpriced-model[^>]*>([^<]*)<\/code>/g)].map((match) => match[1])).toEqual(unpriced);
  });

  it('gives each of the costliest sessions a page, linked from the sessions page', async () => {
    const bySession = (await cliReport(SAMPLE_LEDGER, 'session')).groups.sort((a, b) => b.cost_usd - a.cost_usd || b.tokens_used - a.tokens_used);
    const routes = sessionRoutes(outDir);
    expect(routes.sort()).toEqual(bySession.slice(0, DEFAULT_CONFIG.site.top_sessions).map((group) => `/runbook/usage/sessions/${group.key}/`).sort());
    const sessionsPage = readPage(outDir, '/runbook/usage/sessions/');
    for (const route of routes) expect(sessionsPage, route).toContain(`href="${route}"`);
  });

  it('writes the day × model table as a static CSV that adds up to `track report`', async () => {
    const report = await cliReport(SAMPLE_LEDGER);
    const rows = parse(readFileSync(join(outDir, 'runbook/usage/usage-by-day-and-model.csv')), { columns: true }) as Record<string, string>[];
    expect(rows.length).toBeGreaterThan(60);
    expect(rows.reduce((sum, row) => sum + Number(row.transactions), 0)).toBe(report.totals.transactions);
    expect(rows.reduce((sum, row) => sum + Number(row.cache_read_tokens), 0)).toBe(report.totals.cache_read_tokens);
    expect(rows.reduce((sum, row) => sum + Math.round(Number(row.cost_usd) * 1e8), 0) / 1e8).toBe(report.totals.cost_usd);
    expect(rows.map((row) => row.day)).toEqual(rows.map((row) => row.day).sort().reverse());
  });

  it('lists every built page in the sidebar, in three sections in order', () => {
    const home = readPage(outDir, '/');
    const links = new Set(sidebarLinks(home));
    // Session pages are reached from the sessions page (the test above), not the sidebar.
    const sessions = new Set(sessionRoutes(outDir));
    const pages = builtRoutes(outDir).filter((route) => route !== '/' && route !== '/404/' && !sessions.has(route));
    expect(pages.length).toBeGreaterThan(15);
    for (const route of pages) expect(links, route).toContain(route);
    const sections = ['End user', 'Architecture', 'Runbook'].map((label) => home.indexOf(`>${label}<`));
    expect(sections.every((index) => index > 0)).toBe(true);
    expect([...sections].sort((a, b) => a - b)).toEqual(sections);
  });

  it('gives every page a title and a description', () => {
    for (const route of builtRoutes(outDir)) {
      const html = readPage(outDir, route);
      expect(html, route).toMatch(/<title>[^<]+<\/title>/);
      expect(html, route).toMatch(/<meta name="description" content="[^"]+"/);
    }
  });

  it('has no broken link or fragment (linkinator)', async () => {
    const { checked, broken } = await brokenLinks(outDir);
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(20);
  });
});

describe('site built for a team in another time zone', () => {
  it('names the zone its days are in on every per-day chart and table', async () => {
    const { outDir } = await buildSite('berlin', SAMPLE_LEDGER, { TOKEN_LEDGER_TIMEZONE: 'Europe/Berlin' });
    const overview = readPage(outDir, '/runbook/usage/');
    expect(overview).toContain('Tokens and cost per day (Europe/Berlin), newest first');
    expect(overview).toContain('Tokens and cost by day (Europe/Berlin) and model');
    expect(readPage(outDir, '/runbook/usage/errors/')).toContain('Errors per day (Europe/Berlin), newest first');
    expect(overview).not.toContain('(UTC)');
  });
});

describe('site built from a hostile ledger', () => {
  let outDir = '';
  let ledger = '';
  beforeAll(async () => {
    ledger = hostileLedger();
    ({ outDir } = await buildSite('hostile', ledger));
  });

  it('shows the totals `track report --json` gives, and counts the invalid row', async () => {
    const report = await cliReport(ledger);
    expect(report.invalid_rows).toBe(1);
    const html = readPage(outDir, '/runbook/usage/');
    expectTotalsMatch(html, report.totals);
    expect(html).toContain('Rows left out');
  });

  it('shows prompts, error messages, workspaces and models as text only', () => {
    const sessions = sessionRoutes(outDir);
    expect(sessions.length).toBe(2);
    for (const route of [...USAGE_ROUTES, ...sessions]) {
      const html = readPage(outDir, route);
      for (const markup of FORBIDDEN_MARKUP) expect(html, `${route} holds ${markup}`).not.toContain(markup);
    }
    const errors = readPage(outDir, '/runbook/usage/errors/');
    expect(errors).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(sessions.map((route) => readPage(outDir, route)).join('')).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(errors).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('embeds chart labels as JSON that reads back exactly', () => {
    const labels = USAGE_ROUTES.flatMap((route) => chartSpecs(readPage(outDir, route)).flatMap((spec) => spec.labels));
    expect(labels).toContain(HOSTILE_WORKSPACE);
    expect(labels).toContain(HOSTILE_MODEL);
    expect(labels).toContain(HOSTILE_ERROR);
    expect(HOSTILE_PROMPTS.length).toBe(2);
  });

  it('has no broken link (linkinator)', async () => {
    expect((await brokenLinks(outDir)).broken).toEqual([]);
  });
});

describe('site built from an empty ledger', () => {
  let outDir = '';
  beforeAll(async () => {
    ({ outDir } = await buildSite('empty', emptyLedger()));
  });

  it('says there is no data yet on every usage page, with no NaN and no chart', () => {
    for (const route of USAGE_ROUTES) {
      const html = readPage(outDir, route);
      const main = mainContent(html);
      expect(main.includes('No data yet'), route).toBe(true);
      expect(main.match(/NaN|Infinity|undefined|null/g), route).toBeNull();
      expect(chartSpecs(html), route).toEqual([]);
    }
  });
});

describe('linkinator as set up here', () => {
  it('finds a broken link and a broken fragment', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'tl-linkinator-'));
    mkdirSync(join(folder, 'page'));
    writeFileSync(join(folder, 'index.html'), '<a href="/page/">ok</a> <a href="/missing/">missing</a> <a href="/page/#nowhere">fragment</a>');
    writeFileSync(join(folder, 'page', 'index.html'), '<h1 id="here">page</h1>');
    const { broken } = await brokenLinks(folder);
    expect(broken.map((entry) => entry.split(' ')[0])).toEqual(expect.arrayContaining([expect.stringContaining('/missing/'), expect.stringContaining('#nowhere')]));
  });
});
