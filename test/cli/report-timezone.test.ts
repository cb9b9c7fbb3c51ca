import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION, formatRows, headerLine, type LedgerRecord } from '../../src/lib/tracker/index.ts';
import { runCli, tempWorkspace } from '../helpers/cli.ts';
import { validRecord } from '../helpers/records.ts';

interface DayGroup {
  key: string;
  transactions: number;
  tokens_used: number;
}

/** Rows every 37 minutes over the 2026 spring DST change in Europe and the US (and past Kathmandu's +05:45 midnights). */
const records: LedgerRecord[] = Array.from({ length: 900 }, (_, index) =>
  validRecord({
    timestamp: new Date(Date.parse('2026-03-07T00:00:00.000Z') + index * 37 * 60_000 + (index % 7) * 1000).toISOString(),
    tokens_used: 1250 + (index % 13),
    output_tokens: 250 + (index % 13),
    transaction_id: `tz-${index}`,
  }),
);

/** Tokens and rows per local day, each row's day asked of Intl directly. */
function expectedDays(zone: string, rows: readonly LedgerRecord[] = records): DayGroup[] {
  const format = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const days = new Map<string, DayGroup>();
  for (const record of rows) {
    const key = format.format(Date.parse(record.timestamp));
    const day = days.get(key) ?? { key, transactions: 0, tokens_used: 0 };
    day.transactions += 1;
    day.tokens_used += record.tokens_used;
    days.set(key, day);
  }
  return [...days.values()].sort((a, b) => a.key.localeCompare(b.key));
}

async function reportByDay(root: string, args: readonly string[]): Promise<{ groups: DayGroup[]; time_zone: string; totals: { transactions: number } }> {
  const result = await runCli(['report', '--by', 'day', '--json', '--csv', 'ledger.csv', ...args], { cwd: root });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as { groups: DayGroup[]; time_zone: string; totals: { transactions: number } };
}

const days = (groups: readonly DayGroup[]) => groups.map(({ key, transactions, tokens_used }) => ({ key, transactions, tokens_used }));

describe('report --timezone', () => {
  let root: string;
  beforeAll(() => {
    root = tempWorkspace('tl-tz-');
    writeFileSync(join(root, 'ledger.csv'), headerLine(LATEST_SCHEMA_VERSION) + formatRows(records, LATEST_SCHEMA_VERSION));
  });

  it('sums each day of the zone, and a zone after another gets its own figures, not the cached ones', async () => {
    // Same ledger, zone after zone: each run's cache entry is of its zone only.
    for (const zone of ['Europe/Berlin', 'America/New_York', 'Asia/Kathmandu', 'UTC', 'Europe/Berlin']) {
      const report = await reportByDay(root, ['--timezone', zone]);
      expect(report.time_zone).toBe(zone);
      expect(days(report.groups)).toEqual(expectedDays(zone));
    }
  });

  it('defaults to the timezone setting, else the machine zone (TZ)', async () => {
    const machine = await runCli(['report', '--by', 'day', '--json', '--csv', 'ledger.csv'], { cwd: root, env: { TZ: 'America/New_York' } });
    expect(days((JSON.parse(machine.stdout) as { groups: DayGroup[] }).groups)).toEqual(expectedDays('America/New_York'));
    const configured = await runCli(['report', '--by', 'day', '--json', '--csv', 'ledger.csv'], { cwd: root, env: { TZ: 'America/New_York', TOKEN_LEDGER_TIMEZONE: 'Asia/Kathmandu' } });
    expect(days((JSON.parse(configured.stdout) as { groups: DayGroup[] }).groups)).toEqual(expectedDays('Asia/Kathmandu'));
  });

  it('starts --since DAY at midnight in the zone', async () => {
    const report = await reportByDay(root, ['--since', '2026-03-29', '--timezone', 'Europe/Berlin']);
    // Berlin is at +01:00 until 01:00 UTC that day, so its 2026-03-29 starts at 23:00 UTC the day before.
    const from = Date.parse('2026-03-28T23:00:00.000Z');
    expect(report.totals.transactions).toBe(records.filter((record) => Date.parse(record.timestamp) >= from).length);
    expect(report.groups[0]?.key).toBe('2026-03-29');
    expect(days(report.groups)).toEqual(expectedDays('Europe/Berlin', records.filter((record) => Date.parse(record.timestamp) >= from)));
  });

  it('refuses an unknown zone as a usage error naming it', async () => {
    const result = await runCli(['report', '--timezone', 'Europe/Berln', '--csv', 'ledger.csv'], { cwd: root });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"Europe/Berln" is not a time zone');
  });
});
