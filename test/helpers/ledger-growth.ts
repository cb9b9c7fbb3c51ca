/** Ledgers that grow between reads (appends, rotations, clock steps), shared by the report cache's tests. */
import fc from 'fast-check';
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { formatRows, headerLine } from '../../src/lib/tracker/index.ts';
import { partPathFor } from '../../src/lib/tracker/ledger/parts.ts';
import { NOW, anyText, validRecordArbitrary } from './records.ts';

export const MINUTE = 60_000;

/**
 * A test file's ledgers: `freshLedger` gives a path in a folder of its own (so its cache folder is its own too),
 * all under `work`, which is removed after the file's tests.
 */
export function ledgerFolders(name: string): { work: string; freshLedger: () => string } {
  const work = mkdtempSync(join(tmpdir(), `tl-${name}-`));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  let count = 0;
  return {
    work,
    freshLedger: () => {
      count += 1;
      const folder = join(work, `ledger-${count}`);
      mkdirSync(folder);
      return join(folder, 'ledger.csv');
    },
  };
}

/** Text appended to a ledger in one write: valid rows, rows that break a rule, rows dated ahead of the clock, and text that is not CSV at all. */
export const appendedText = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: validRecordArbitrary.map((record) => formatRows([record], 2)) },
    // Rows of the sessions the site keeps rows of, some at one shared time: ties must keep stream order across appends.
    {
      weight: 2,
      arbitrary: fc
        .tuple(validRecordArbitrary, fc.constantFrom('site-a', 'site-b'), fc.boolean())
        .map(([record, session_id, tie]) => formatRows([{ ...record, session_id, ...(tie ? { timestamp: new Date(NOW.getTime() - 3_600_000).toISOString() } : {}) }], 2)),
    },
    { weight: 1, arbitrary: validRecordArbitrary.map((record) => formatRows([{ ...record, tokens_used: -5 }], 2)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(validRecordArbitrary, fc.integer({ min: 6, max: 40 }))
        .map(([record, minutes]) => formatRows([{ ...record, timestamp: new Date(NOW.getTime() + minutes * MINUTE).toISOString() }], 2)),
    },
    { weight: 1, arbitrary: fc.constantFrom('not,a,ledger row\n', '2026-06-15T11:00:00.000Z,"torn\n', '"', 'torn tail without a newline', '\r\n', '\n') },
    { weight: 1, arbitrary: anyText },
  ),
  { minLength: 1, maxLength: 8 },
);

/** What happens to the ledger between two reports: an append, or a rotation that moves the live file to a part. */
export const step = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('append' as const), text: appendedText, clockMinutes: fc.integer({ min: 0, max: 15 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rotate' as const), text: appendedText, clockMinutes: fc.integer({ min: 0, max: 15 }) }) },
);

/** Applies a step (the `index`-th) to a ledger: a rotation moves the live file to a part and starts a new one, then the text is appended. */
export function applyStep(ledger: string, next: { kind: 'append' | 'rotate'; text: string[] }, index: number): void {
  if (next.kind === 'rotate') {
    renameSync(ledger, partPathFor(ledger, new Date(NOW.getTime() + index * MINUTE)));
    writeFileSync(ledger, headerLine(2));
  }
  appendFileSync(ledger, next.text.join(''));
}
