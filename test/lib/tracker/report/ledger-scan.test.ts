import fc from 'fast-check';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GROUP_KEYS, aggregateLedger, formatRows, headerLine, readLedger, type LedgerRecord, type LedgerRow } from '../../../../src/lib/tracker/index.ts';
import { planPieces, wholeFile } from '../../../../src/lib/tracker/report/ledger-scan.ts';
import { partPathFor } from '../../../../src/lib/tracker/ledger/parts.ts';
import { NOW, validRecord, validRecordArbitrary } from '../../../helpers/records.ts';

const work = mkdtempSync(join(tmpdir(), 'tl-scan-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A ledger's text: valid rows with, at the given places, a row that breaks a rule or has the wrong cell count. */
const ledgerLines = fc.array(
  fc.oneof(
    { weight: 8, arbitrary: validRecordArbitrary.map((record) => formatRows([record], 2)) },
    { weight: 1, arbitrary: validRecordArbitrary.map((record) => formatRows([{ ...record, tokens_used: -5 }], 2)) },
    { weight: 1, arbitrary: fc.constant('not,a,ledger row\n') },
  ),
  { minLength: 1, maxLength: 40 },
);

async function rowsOf(path: string, options: Parameters<typeof readLedger>[1] = {}): Promise<LedgerRow[]> {
  const rows: LedgerRow[] = [];
  for await (const row of readLedger(path, { now: NOW, ...options })) rows.push(row);
  return rows;
}

let fileNumber = 0;
function writeLedger(text: string): string {
  fileNumber += 1;
  const path = join(work, `ledger-${fileNumber}.csv`);
  writeFileSync(path, text);
  return path;
}

describe('planPieces', () => {
  it('cuts on row boundaries: the pieces read one after another give exactly the rows, lines and issues of one read', async () => {
    await fc.assert(
      fc.asyncProperty(ledgerLines, fc.integer({ min: 1, max: 4000 }), async (lines, pieceBytes) => {
        const path = writeLedger(headerLine(2) + lines.join(''));
        const pieces = planPieces([wholeFile(path)], pieceBytes);
        expect(pieces[0]!.range.start).toBe(0);
        pieces.forEach((piece, index) => expect(piece.range.end).toBe(pieces[index + 1]?.range.start ?? statSync(path).size));
        const pieceRows: LedgerRow[] = [];
        for (const piece of pieces) pieceRows.push(...(await rowsOf(path, { range: piece.range })));
        expect(pieceRows).toEqual(await rowsOf(path));
      }),
      { numRuns: 60 },
    );
  });

  it('does not cut inside a quoted field that holds newlines and quotes', () => {
    const tricky = validRecord({ prompt_text: `${'line\n"quoted"\n'.repeat(200)}end` });
    const path = writeLedger(headerLine(2) + formatRows([tricky, tricky, tricky], 2));
    const pieces = planPieces([wholeFile(path)], 100);
    // The header, then one piece per row: each row is 401 lines long.
    expect(pieces.map((piece) => piece.range.firstLine)).toEqual([1, 2, 2 + 401, 2 + 802]);
  });
});

describe('aggregateLedger', () => {
  const threaded = { threads: 2, minPieceBytes: 2048, now: NOW, cache: false } as const;
  const aggregate = { groupBy: GROUP_KEYS };

  it('reports on worker threads exactly what a read in this thread reports, parts and live file together', async () => {
    const records: LedgerRecord[] = fc.sample(validRecordArbitrary, { numRuns: 300, seed: 7 });
    const ledger = join(work, 'threaded.csv');
    writeFileSync(partPathFor(ledger, new Date('2026-05-01T00:00:00.000Z')), headerLine(2) + formatRows(records.slice(0, 100), 2));
    writeFileSync(ledger, headerLine(2) + formatRows(records.slice(100), 2) + 'not,a,ledger row\n' + formatRows([{ ...records[0]!, tokens_used: -5 }], 2));

    const inThread = await aggregateLedger(ledger, { aggregate, now: NOW, cache: false });
    const onWorkers = await aggregateLedger(ledger, { ...threaded, aggregate });
    expect(inThread.report.totals.transactions).toBe(300);
    expect(inThread.invalidRows).toBe(2);
    expect(onWorkers).toEqual(inThread);
  });

  it('reads a file whose text is not all CSV again whole, so its figures match a read in this thread', async () => {
    const records = Array.from({ length: 60 }, (_, index) => validRecord({ transaction_id: `tx-${index}`, prompt_text: `prompt ${index}, "quoted"` }));
    // An unclosed quote half-way: csv-parse reads on to the next quote, and what it skips depends on where reading starts.
    const ledger = writeLedger(headerLine(2) + formatRows(records.slice(0, 30), 2) + '2026-06-15T11:00:00.000Z,"torn\n' + formatRows(records.slice(30), 2));
    const inThread = await aggregateLedger(ledger, { aggregate, now: NOW, cache: false });
    const onWorkers = await aggregateLedger(ledger, { ...threaded, aggregate });
    expect(inThread.invalidRows).toBeGreaterThan(0);
    expect(onWorkers).toEqual(inThread);
  });

  it('passes a missing ledger on as INVALID_LEDGER', async () => {
    await expect(aggregateLedger(join(work, 'absent.csv'), threaded)).rejects.toMatchObject({ code: 'INVALID_LEDGER' });
  });
});
