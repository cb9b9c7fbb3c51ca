/**
 * A team's site: built from three ledgers (two people; one of them records
 * on two machines whose ledgers share rows), it shows the totals
 * `track report --json` gives over the same three files, and per person the
 * figures `report --by user` gives.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatRows, headerLine, type LedgerRecord, type UsageGroup, type UsageStats } from '../../src/lib/tracker/index.ts';
import { usageView, type EmbeddedUsage } from '../../src/site/usage-buckets.ts';
import { runCli } from '../helpers/cli.ts';
import { validRecordArbitrary } from '../helpers/records.ts';
import { pageTotals, readPage } from './pages.ts';
import { buildSite, buildsRoot } from './site-build.ts';

const SUMMED = ['transactions', 'tokens_used', 'input_tokens', 'output_tokens', 'cache_creation_tokens', 'cache_read_tokens', 'cost_usd', 'errors'] as const;

/** Three ledgers: ada's desktop and laptop (20 rows in both) and bo's. */
function teamLedgers(): string {
  const folder = join(buildsRoot(), 'team-ledgers');
  mkdirSync(folder, { recursive: true });
  const now = Date.now();
  const rows: LedgerRecord[] = fc
    .sample(validRecordArbitrary, { numRuns: 150, seed: 21 })
    .map((record, index) => ({ ...record, timestamp: new Date(now - (index + 1) * 3_000_000).toISOString(), user: index < 100 ? 'ada@example.com' : 'bo@example.com' }));
  const write = (name: string, records: readonly LedgerRecord[]) => writeFileSync(join(folder, name), headerLine(3) + formatRows(records, 3));
  write('ada-desktop.csv', rows.slice(0, 60));
  write('ada-laptop.csv', rows.slice(40, 100));
  write('bo.csv', rows.slice(100));
  return join(folder, '*.csv');
}

interface CliReport {
  totals: UsageStats;
  groups: UsageGroup[];
  files: string[];
  duplicate_rows: number;
}

async function cliReport(ledgers: string, by?: string): Promise<CliReport> {
  const result = await runCli(['report', '--json', '--csv', ledgers, ...(by ? ['--by', by] : [])]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as CliReport;
}

describe('the site built from a team\'s three ledgers', () => {
  let html = '';
  let ledgers = '';
  beforeAll(async () => {
    ledgers = teamLedgers();
    const { outDir } = await buildSite('team', ledgers);
    html = readPage(outDir, '/runbook/usage/');
  });

  it('shows the totals `report --json` gives over the same files, each transaction once', async () => {
    const report = await cliReport(ledgers);
    expect(report.files).toHaveLength(3);
    expect(report.duplicate_rows).toBe(20);
    expect(report.totals.transactions).toBe(150);
    const onPage = pageTotals(html);
    for (const key of SUMMED) expect(onPage.get(key), key).toBe(String(report.totals[key]));
    for (const name of ['ada-desktop.csv', 'ada-laptop.csv', 'bo.csv']) expect(html).toContain(`<code>${name}</code>`);
  });

  it('gives each person the figures `report --by user` gives', async () => {
    const byUser = await cliReport(ledgers, 'user');
    expect(byUser.groups.map((group) => group.key).sort()).toEqual(['ada@example.com', 'bo@example.com']);
    const embedded = JSON.parse(/<script type="application\/json" id="usage-buckets">(.*?)<\/script>/s.exec(html)?.[1] ?? 'null') as EmbeddedUsage;
    for (const group of byUser.groups) {
      // What the page shows when its user filter is set: the browser sums the embedded buckets with this code.
      const view = usageView(embedded, { range: 'all', values: { user: group.key } }, new Date().toISOString().slice(0, 10));
      for (const key of SUMMED) expect(view.totals[key], `${group.key} ${key}`).toBe(group[key]);
    }
  });
});
