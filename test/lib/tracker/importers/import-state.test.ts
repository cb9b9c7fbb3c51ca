import { existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatRows, headerLine } from '../../../../src/lib/tracker/index.ts';
import { buildIdIndex, forgetStateOfMissingLedger, hasIdIndex, ImportedIds, importStateDir } from '../../../../src/lib/tracker/importers/import-state.ts';
import { partPathFor } from '../../../../src/lib/tracker/ledger/parts.ts';
import { validRecord } from '../../../helpers/records.ts';

function ledgerWithParts(): string {
  const folder = mkdtempSync(join(tmpdir(), 'tl-ids-'));
  const ledger = join(folder, 'token_transactions.csv');
  const row = (id: string, timestamp: string) => validRecord({ transaction_id: id, timestamp });
  writeFileSync(partPathFor(ledger, new Date('2026-01-01T00:00:00.000Z')), headerLine(2) + formatRows([row('claude:old:part', '2025-12-31T23:59:59.000Z')], 2));
  writeFileSync(ledger, headerLine(2) + formatRows([row('codex:live:1', '2026-06-10T12:00:00.000Z'), row('0191d0a2-0000-7000-8000-000000000000', '2026-06-10T12:00:00.000Z')], 2));
  return ledger;
}

describe('the id index of imported rows', () => {
  it('is built from every part and the live file, and holds only imported ids', async () => {
    const ledger = ledgerWithParts();
    expect(hasIdIndex(ledger)).toBe(false);
    await buildIdIndex(ledger);
    expect(hasIdIndex(ledger)).toBe(true);
    const ids = new ImportedIds(ledger);
    expect(ids.has('claude:old:part', '2025-12-31T23:59:59.000Z')).toBe(true);
    expect(ids.has('codex:live:1', '2026-06-10T12:00:00.000Z')).toBe(true);
    expect(ids.has('claude:never:seen', '2026-06-10T12:00:00.000Z')).toBe(false);
    // Recorded rows have UUIDs that never repeat; they are not indexed.
    expect(ids.has('0191d0a2-0000-7000-8000-000000000000', '2026-06-10T12:00:00.000Z')).toBe(false);
  });

  it('finds an id timed a day apart (a response straddling midnight), not two days apart', async () => {
    const ledger = ledgerWithParts();
    await buildIdIndex(ledger);
    const ids = new ImportedIds(ledger);
    expect(ids.has('claude:old:part', '2026-01-01T00:00:01.000Z')).toBe(true);
    expect(ids.has('claude:old:part', '2026-01-02T00:00:01.000Z')).toBe(false);
  });

  it('keeps added ids across instances once flushed', async () => {
    const ledger = ledgerWithParts();
    await buildIdIndex(ledger);
    const writer = new ImportedIds(ledger);
    writer.add('claude:new:1', '2026-07-01T10:00:00.000Z');
    expect(new ImportedIds(ledger).has('claude:new:1', '2026-07-01T10:00:00.000Z')).toBe(false);
    writer.flush();
    expect(new ImportedIds(ledger).has('claude:new:1', '2026-07-01T10:00:00.000Z')).toBe(true);
  });

  it('tells apart ids whose hashes are equal, written or not, and answers for ids added before a hash matched', async () => {
    const ledger = ledgerWithParts();
    await buildIdIndex(ledger);
    // Two ids with the same 32-bit FNV-1a hash, which is all the index holds until a hash matches.
    const [held, twin] = ['claude:msg_3uzx:req', 'claude:msg_a2ad:req'];
    const at = '2026-07-01T10:00:00.000Z';
    const writer = new ImportedIds(ledger);
    writer.add(held, at);
    expect(writer.has(twin, at)).toBe(false);
    expect(writer.has(held, at)).toBe(true);
    writer.add('claude:after:match', at);
    expect(writer.has('claude:after:match', at)).toBe(true);
    writer.flush();
    const reader = new ImportedIds(ledger);
    expect(reader.has(twin, at)).toBe(false);
    expect(reader.has(held, at)).toBe(true);
    expect(reader.has('claude:after:match', at)).toBe(true);
  });

  it('is forgotten when the ledger is deleted, so a re-import starts over', async () => {
    const ledger = ledgerWithParts();
    await buildIdIndex(ledger);
    forgetStateOfMissingLedger(ledger);
    expect(existsSync(importStateDir(ledger))).toBe(true);
    for (const file of [ledger, partPathFor(ledger, new Date('2026-01-01T00:00:00.000Z'))]) rmSync(file);
    forgetStateOfMissingLedger(ledger);
    expect(existsSync(importStateDir(ledger))).toBe(false);
  });
});
