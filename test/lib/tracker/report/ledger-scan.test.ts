import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { GROUP_KEYS, aggregateLedger, forEachLedgerRow, formatRows, headerLine, readLedger, type AggregateOptions, type CheckedRow, type LedgerRecord, type LedgerRow, type SchemaVersion } from '../../../../src/lib/tracker/index.ts';
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

/** A prompt that quotes ledger rows: lines inside its quotes look like row starts. */
const rowQuotingPrompt = (record: LedgerRecord) => `pasted:\n${formatRows([record], 3)}${record.timestamp},"x""\nend`;

describe('planPieces', () => {
  it('cuts where rows start: the pieces read one after another give exactly the rows and issues of one read', async () => {
    await fc.assert(
      fc.asyncProperty(ledgerLines, fc.integer({ min: 1, max: 4000 }), fc.boolean(), async (lines, pieceBytes, shrinking) => {
        const path = writeLedger(headerLine(2) + lines.join(''));
        // Equal pieces, or each a third of what is left down to pieceBytes.
        const size = shrinking ? (remaining: number) => Math.max(pieceBytes, Math.ceil(remaining / 3)) : () => pieceBytes;
        const pieces = planPieces([wholeFile(path)], size);
        expect(pieces[0]!.range.start).toBe(0);
        pieces.forEach((piece, index) => expect(piece.range.end).toBe(pieces[index + 1]?.range.start ?? statSync(path).size));
        const pieceRows: unknown[] = [];
        for (const piece of pieces) pieceRows.push(...(await rowsOf(path, { range: piece.range })).map(({ line: _line, ...row }) => row));
        expect(pieceRows).toEqual((await rowsOf(path)).map(({ line: _line, ...row }) => row));
      }),
      { numRuns: 60 },
    );
  });

  it('does not cut inside a quoted field that holds newlines and quotes', () => {
    const tricky = validRecord({ prompt_text: `${'line\n"quoted"\n'.repeat(200)}end` });
    const path = writeLedger(headerLine(2) + formatRows([tricky, tricky, tricky], 2));
    const row = formatRows([tricky], 2).length;
    const header = headerLine(2).length;
    expect(planPieces([wholeFile(path)], () => 100).map((piece) => piece.range.start)).toEqual([0, header, header + row, header + 2 * row]);
  });

  it('may cut inside a prompt that quotes ledger rows, and the piece before then reads as text that is not CSV', async () => {
    const quoting = validRecord({ prompt_text: rowQuotingPrompt(validRecord()) });
    const path = writeLedger(headerLine(3) + formatRows([validRecord(), quoting, validRecord()], 3));
    const pieces = planPieces([wholeFile(path)], () => 50);
    const unparsable: boolean[] = [];
    for (const piece of pieces) {
      let notCsv = false;
      await forEachLedgerRow(path, { now: NOW, range: piece.range }, (row) => {
        if (!row.ok && row.unparsable) notCsv = true;
      });
      unparsable.push(notCsv);
    }
    expect(unparsable).toContain(true);
  });
});

/** A ledger of any schema version: valid rows (prompts full of quotes, commas and newlines), rows that break a rule, rows of the wrong width, a torn quote. */
const versionedLedger = fc.constantFrom<SchemaVersion>(1, 2, 3).chain((version) =>
  fc
    .array(
      fc.oneof(
        { weight: 12, arbitrary: validRecordArbitrary.map((record) => formatRows([record], version)) },
        { weight: 1, arbitrary: validRecordArbitrary.map((record) => formatRows([{ ...record, tokens_used: -5, elapsed_time: 0 }], version)) },
        { weight: 1, arbitrary: fc.constant('not,a,ledger row\n') },
        { weight: 1, arbitrary: validRecordArbitrary.map((record) => formatRows([{ ...record, timestamp: '2026-02-30T10:00:00.000Z' }], version)) },
        { weight: 1, arbitrary: validRecordArbitrary.map((record) => formatRows([{ ...record, prompt_text: rowQuotingPrompt(record) }], version)) },
      ),
      { minLength: 1, maxLength: 60 },
    )
    .chain((lines) =>
      fc.option(fc.nat(lines.length), { nil: undefined }).map((tornAt) => {
        // An unclosed quote: csv-parse reads on to the next quote, so what follows depends on where reading starts.
        if (tornAt !== undefined) lines.splice(tornAt, 0, '2026-06-15T11:00:00.000Z,"torn\n');
        return headerLine(version) + lines.join('');
      }),
    ),
);

const dayBound = fc.integer({ min: -300, max: 0 }).map((days) => new Date(NOW.getTime() + days * 86_400_000).toISOString());
const aggregateOptions: fc.Arbitrary<AggregateOptions> = fc.record(
  {
    groupBy: fc.subarray([...GROUP_KEYS]),
    since: dayBound,
    until: dayBound,
    timeZone: fc.constantFrom('UTC', 'Europe/Berlin', 'Asia/Kathmandu', 'America/New_York'),
    recentErrors: fc.integer({ min: 0, max: 5 }),
  },
  { requiredKeys: ['groupBy'] },
);

describe('forEachLedgerRow', () => {
  it('hands over the rows readLedger yields, with the same verdicts and messages, in any schema version', async () => {
    await fc.assert(
      fc.asyncProperty(versionedLedger, async (text) => {
        const path = writeLedger(text);
        const handed: unknown[] = [];
        await forEachLedgerRow(path, { now: NOW }, (row) => handed.push(row));
        const read = (await rowsOf(path)).map(({ line: _line, ...row }) => row);
        const order = (rows: unknown[]) => rows.map((row) => JSON.stringify(row)).sort();
        // Rows that are not CSV come where the parser meets them, not after the next row: compare as sets with counts.
        expect(order(handed.map((row) => (row as { line?: number; unparsable?: true }).unparsable ? { ...(row as object), line: undefined } : row))).toEqual(
          order(read.map((row) => ((row as { unparsable?: true }).unparsable ? { ...row, line: undefined } : row))),
        );
      }),
      { numRuns: 60 },
    );
  });

  it('gives each row its bytes: cut out alone they read as the same row; only text that is not CSV and the row after it have none', async () => {
    await fc.assert(
      fc.asyncProperty(versionedLedger, async (text) => {
        const path = writeLedger(text);
        const bytes = readFileSync(path);
        const columns = wholeFile(path).range.columns;
        const handed: { row: CheckedRow; start: number; end: number }[] = [];
        await forEachLedgerRow(path, { now: NOW }, (row, start, end) => handed.push({ row, start, end }));
        const unplaced = handed.filter(({ start }) => Number.isNaN(start));
        expect(unplaced.length).toBeLessThanOrEqual(2 * handed.filter(({ row }) => !row.ok && row.unparsable).length);
        for (const { row, start, end } of handed.filter((entry) => !Number.isNaN(entry.start))) {
          const alone: CheckedRow[] = [];
          const source = Readable.from([bytes.subarray(start, end)]);
          await forEachLedgerRow(path, { now: NOW, source, range: { start, end, firstLine: 1, columns } }, (again) => alone.push(again));
          expect(alone).toEqual([row]);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('rejects a file whose header is not a ledger header', async () => {
    const path = writeLedger('not,a,header\n1,2,3\n');
    await expect(forEachLedgerRow(path, { now: NOW }, () => {})).rejects.toMatchObject({ code: 'INVALID_LEDGER' });
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

  it('reports in pieces on threads (this one among them or not) exactly what one read in this thread reports: any version, grouping, date range and zone, bad rows and quoted newlines across the cuts', async () => {
    await fc.assert(
      fc.asyncProperty(versionedLedger, aggregateOptions, fc.integer({ min: 200, max: 6000 }), async (text, options, minPieceBytes) => {
        const ledger = writeLedger(text);
        const inThread = await aggregateLedger(ledger, { aggregate: options, now: NOW, cache: false });
        const inPieces = await aggregateLedger(ledger, { aggregate: options, now: NOW, cache: false, threads: 2, minPieceBytes });
        expect(inPieces).toEqual(inThread);
        expect(await aggregateLedger(ledger, { aggregate: options, now: NOW, cache: false, threads: 2, minPieceBytes, workersOnly: true })).toEqual(inThread);
      }),
      { numRuns: 25 },
    );
  });

  it('passes a ledger whose header is not a ledger header on as INVALID_LEDGER, on threads too', async () => {
    const ledger = writeLedger(`not,a,header\n${'1,2,3\n'.repeat(2000)}`);
    await expect(aggregateLedger(ledger, { now: NOW, cache: false })).rejects.toMatchObject({ code: 'INVALID_LEDGER' });
    await expect(aggregateLedger(ledger, threaded)).rejects.toMatchObject({ code: 'INVALID_LEDGER' });
    // Workers only: the header's piece is a worker's, whose error crosses back as the same TrackerError.
    await expect(aggregateLedger(ledger, { ...threaded, workersOnly: true })).rejects.toMatchObject({ code: 'INVALID_LEDGER', message: expect.stringContaining('not a token ledger header') });
  });

  it('passes a missing ledger on as INVALID_LEDGER', async () => {
    await expect(aggregateLedger(join(work, 'absent.csv'), threaded)).rejects.toMatchObject({ code: 'INVALID_LEDGER' });
  });
});
