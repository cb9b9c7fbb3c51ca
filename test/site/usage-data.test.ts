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
});
