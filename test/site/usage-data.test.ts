import fc from 'fast-check';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aggregateLedger, formatRows, headerLine, type LedgerRecord } from '../../src/lib/tracker/index.ts';
import { chooseLedger, readUsage } from '../../src/site/usage-data.ts';
import { validRecordArbitrary } from '../helpers/records.ts';

describe('the usage data step', () => {
  it('reads the ledgers a TOKEN_LEDGER_CSV glob names, each transaction once, as `report` does', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tl-usage-data-'));
    mkdirSync(join(root, '.git'));
    mkdirSync(join(root, 'ledgers'));
    const now = Date.now();
    const records: LedgerRecord[] = fc
      .sample(validRecordArbitrary, { numRuns: 60, seed: 9 })
      .map((record, index) => ({ ...record, timestamp: new Date(now - (index + 1) * 3_600_000).toISOString() }));
    writeFileSync(join(root, 'ledgers', 'alice.csv'), headerLine(2) + formatRows(records.slice(0, 40), 2));
    writeFileSync(join(root, 'ledgers', 'bob.csv'), headerLine(2) + formatRows(records.slice(30), 2));

    const choice = chooseLedger({ TOKEN_LEDGER_CSV: 'ledgers/*.csv' }, root);
    expect(choice).toMatchObject({ paths: [join(root, 'ledgers', 'alice.csv'), join(root, 'ledgers', 'bob.csv')], source: 'TOKEN_LEDGER_CSV' });
    const usage = await readUsage(choice);
    expect(usage).toMatchObject({ ledgerNames: ['alice.csv', 'bob.csv'], duplicateRows: 10, invalidRows: 0 });
    expect(usage.totals.transactions).toBe(60);
    expect(usage.totals).toEqual((await aggregateLedger(choice.paths, { cache: false })).report.totals);
  });

  it('buckets rows by the days of the timezone setting, and embeds the zone for the browser', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tl-usage-zone-'));
    mkdirSync(join(root, '.git'));
    const now = Date.now();
    // Every 5 h 15 min, so rows fall on both sides of Kathmandu's midnight (18:15 UTC).
    const records: LedgerRecord[] = fc
      .sample(validRecordArbitrary, { numRuns: 40, seed: 11 })
      .map((record, index) => ({ ...record, timestamp: new Date(now - (index + 1) * 18_900_000).toISOString() }));
    writeFileSync(join(root, 'ledger.csv'), headerLine(2) + formatRows(records, 2));
    const zone = 'Asia/Kathmandu';
    const usage = await readUsage(chooseLedger({ TOKEN_LEDGER_CSV: 'ledger.csv', TOKEN_LEDGER_TIMEZONE: zone }, root));
    const format = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    const expected = [...new Set(records.map((record) => format.format(Date.parse(record.timestamp))))].sort();
    expect(usage.embedded.timeZone).toBe(zone);
    expect(usage.embedded.days).toEqual(expected);
    const byDay = await aggregateLedger(join(root, 'ledger.csv'), { cache: false, aggregate: { groupBy: ['day'], timeZone: zone } });
    expect(byDay.report.groups.day?.map((group) => group.key)).toEqual(expected);
  });
});
