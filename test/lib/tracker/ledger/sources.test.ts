import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ledgerNames, namesSeveralLedgers, resolveLedgers, splitLedgerList } from '../../../../src/lib/tracker/index.ts';

describe('ledger lists', () => {
  it('splits on commas outside braces, trimming and dropping empty entries', () => {
    expect(splitLedgerList(' a.csv, b/{x,y}.csv ,,c.csv')).toEqual(['a.csv', 'b/{x,y}.csv', 'c.csv']);
    expect(namesSeveralLedgers('.kiro/token_transactions.csv')).toBe(false);
    expect(['a.csv,b.csv', 'ledgers/*.csv', 'l/{a,b}.csv'].map(namesSeveralLedgers)).toEqual([true, true, true]);
  });

  it('expands globs (sorted), maps a matched rotated part to its ledger, keeps each ledger once and a plain path as given', () => {
    const base = mkdtempSync(join(tmpdir(), 'tl-sources-'));
    mkdirSync(join(base, 'ledgers'));
    for (const name of ['bob.csv', 'alice.csv', 'alice.part-20260101T000000000Z.csv', 'carol.part-20260101T000000000Z.csv', 'notes.txt']) writeFileSync(join(base, 'ledgers', name), '');
    const folder = join(base, 'ledgers');
    expect(resolveLedgers('ledgers/*.csv, ledgers/bob.csv, missing.csv', base, '--csv')).toEqual([
      join(folder, 'alice.csv'),
      join(folder, 'bob.csv'),
      // Only its part is left: the ledger is still read through it.
      join(folder, 'carol.csv'),
      join(base, 'missing.csv'),
    ]);
    expect(() => resolveLedgers('ledgers/*.tsv', base, 'TOKEN_LEDGER_CSV')).toThrow(/TOKEN_LEDGER_CSV: "ledgers\/\*\.tsv" matches no file/);
    expect(() => resolveLedgers(' , ', base, '--csv')).toThrow(/--csv: " , " names no ledger/);
  });

  it('names ledgers by file name, with the folder when two share one', () => {
    expect(ledgerNames(['/x/alice/ledger.csv', '/x/bob/ledger.csv', '/x/carol.csv'])).toEqual(['alice/ledger.csv', 'bob/ledger.csv', 'carol.csv']);
  });
});
