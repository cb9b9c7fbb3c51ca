import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatRows, headerLine } from '../../../../src/lib/tracker/index.ts';
import { readTransactionIds } from '../../../../src/lib/tracker/importers/writer.ts';
import { partPathFor } from '../../../../src/lib/tracker/ledger/parts.ts';
import { validRecord } from '../../../helpers/records.ts';

describe('transaction ids already in a ledger', () => {
  const folder = mkdtempSync(join(tmpdir(), 'tl-ids-'));
  const ledger = join(folder, 'token_transactions.csv');
  const closedLongAgo = partPathFor(ledger, new Date('2026-01-01T00:00:00.000Z'));
  const closedRecently = partPathFor(ledger, new Date('2026-06-10T00:00:00.000Z'));
  writeFileSync(closedLongAgo, headerLine(2) + formatRows([validRecord({ transaction_id: 'old-part' })], 2));
  writeFileSync(closedRecently, headerLine(2) + formatRows([validRecord({ transaction_id: 'recent-part' })], 2));
  writeFileSync(ledger, headerLine(2) + formatRows([validRecord({ transaction_id: 'live' })], 2));

  it('reads every part and the live file by default', async () => {
    expect([...(await readTransactionIds(ledger))].sort()).toEqual(['live', 'old-part', 'recent-part']);
  });

  it('skips parts closed before the oldest event of the import, and only those', async () => {
    expect([...(await readTransactionIds(ledger, new Date('2026-06-01T00:00:00.000Z')))].sort()).toEqual(['live', 'recent-part']);
    expect([...(await readTransactionIds(ledger, new Date('2026-06-10T00:00:00.000Z')))].sort()).toEqual(['live', 'recent-part']);
    expect([...(await readTransactionIds(ledger, new Date('2026-06-10T00:00:00.001Z')))].sort()).toEqual(['live']);
  });
});
