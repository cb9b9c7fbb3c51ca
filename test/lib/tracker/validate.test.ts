import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { V2_COLUMNS, checkRecord, columnsFor } from '../../../src/lib/tracker/index.ts';
import { cellPositions, cellsToCandidate, recordToCells, rowToCandidate } from '../../../src/lib/tracker/ledger/row.ts';
import { NOW, validRecordArbitrary } from '../../helpers/records.ts';

/** Row cells as a ledger holds them, some with a cell replaced by text that breaks a rule or is not a number. */
const candidates = fc.array(
  fc.tuple(validRecordArbitrary, fc.option(fc.tuple(fc.constantFrom(...V2_COLUMNS), fc.constantFrom('', '-5', 'x', '1.5', 'true', '9'.repeat(20), 'a/b', '"')), { nil: undefined })).map(([record, broken]) => {
    const cells = Object.fromEntries(V2_COLUMNS.map((column, index) => [column, recordToCells(record, V2_COLUMNS)[index]!]));
    if (broken) cells[broken[0]] = broken[1];
    return cellsToCandidate(cells);
  }),
  { minLength: 600, maxLength: 600 },
);

describe('checkRecord', () => {
  it('gives the same verdicts, records and messages once it checks with the generated parser as before', () => {
    fc.assert(
      fc.property(candidates, (rows) => {
        // One context for all rows: past a few hundred checks its schema is compiled.
        const shared = { now: NOW, maxAgeDays: null };
        for (const candidate of rows) {
          // A fresh context each time: zod's runtime parser only.
          expect(checkRecord(candidate, shared)).toEqual(checkRecord(candidate, { now: NOW, maxAgeDays: null }));
        }
      }),
      { numRuns: 3 },
    );
  });
});

/** The calendar rule as first written: every part through Date.UTC and back, for every row. */
function isRealTimestampReference(value: string): boolean {
  const [year, month, day, hour, minute, second] = [[0, 4], [5, 7], [8, 10], [11, 13], [14, 16], [17, 19]].map(([from, to]) => Number(value.slice(from, to))) as [number, number, number, number, number, number];
  const time = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return time.getUTCFullYear() === year && time.getUTCMonth() === month - 1 && time.getUTCDate() === day && time.getUTCHours() === hour && minute < 60 && second < 60;
}

describe('the timestamp calendar rule', () => {
  const field = (digits: number, max: number) => fc.integer({ min: 0, max }).map((value) => String(value).padStart(digits, '0'));
  // Shaped like a ledger timestamp with any two-digit fields (30 February, hour 24, minute 60), or that shape with one character changed.
  const shaped = fc
    .tuple(field(4, 9999), field(2, 19), field(2, 39), field(2, 29), field(2, 99), field(2, 99), field(3, 999))
    .map(([year, month, day, hour, minute, second, ms]) => `${year}-${month}-${day}T${hour}:${minute}:${second}.${ms}Z`);
  const timestamp = fc.oneof(
    shaped,
    fc.tuple(shaped, fc.nat(23), fc.constantFrom('-', ' ', '.', '/', 'x', '')).map(([text, at, char]) => text.slice(0, at) + char + text.slice(at + 1)),
  );

  it('rejects exactly what a round trip of every part through Date.UTC rejects, however many rows share an hour', () => {
    const context = { now: new Date('9999-12-31T00:00:00.000Z'), maxAgeDays: null };
    fc.assert(
      fc.property(fc.array(timestamp, { minLength: 1, maxLength: 300 }), validRecordArbitrary, (timestamps, record) => {
        for (const value of timestamps) {
          const check = checkRecord({ ...record, timestamp: value }, context);
          const calendarIssue = !check.ok && check.issues.some((issue) => issue.field === 'timestamp' && issue.rule === 'is not a real calendar date and time');
          expect(calendarIssue).toBe(!isRealTimestampReference(value));
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('rowToCandidate', () => {
  it('builds from cells by position the candidate that cellsToCandidate builds from cells by name, in every schema version', () => {
    fc.assert(
      fc.property(validRecordArbitrary, fc.constantFrom(1, 2, 3) as fc.Arbitrary<1 | 2 | 3>, (record, version) => {
        const columns = columnsFor(version);
        const cells = recordToCells(record, columns);
        const named = Object.fromEntries(columns.map((column, index) => [column, cells[index]!]));
        expect(rowToCandidate(cells, cellPositions(columns))).toEqual(cellsToCandidate(named));
      }),
      { numRuns: 200 },
    );
  });
});

describe('number cells', () => {
  // The rules as first written: a regex per cell.
  const INTEGER = /^-?\d+$/;
  const DECIMAL = /^-?\d+(?:\.\d+)?$/;
  const cellText = fc.oneof(
    fc.string({ unit: fc.constantFrom(...'0123456789-.+e x٣'.split('')), maxLength: 8 }),
    fc.double().map(String),
    fc.integer().map(String),
    fc.constantFrom('', '-', '.', '1.', '.5', '-0', '1.2.3', '--1', '1e3', ' 1', '1 ', 'Infinity', 'NaN', '0x1f'),
  );

  it('reads a cell as a number exactly when the integer or decimal pattern accepts it, else keeps its text', () => {
    const record = fc.sample(validRecordArbitrary, { numRuns: 1, seed: 3 })[0]!;
    fc.assert(
      fc.property(cellText, (text) => {
        const cells = recordToCells(record, columnsFor(3));
        const at = cellPositions(columnsFor(3));
        cells[at.tokens_used] = text;
        cells[at.input_tokens] = text;
        cells[at.elapsed_time] = text;
        cells[at.cost_usd] = text;
        const candidate = rowToCandidate(cells, at);
        const integer = INTEGER.test(text) ? Number(text) : text;
        const decimal = DECIMAL.test(text) ? Number(text) : text;
        expect(candidate.tokens_used).toBe(integer);
        expect(candidate.input_tokens).toBe(text === '' ? null : integer);
        expect(candidate.elapsed_time).toBe(decimal);
        expect(candidate.cost_usd).toBe(text === '' ? null : decimal);
      }),
      { numRuns: 2000 },
    );
  });
});
