import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { V2_COLUMNS, checkRecord } from '../../../src/lib/tracker/index.ts';
import { recordToCells, cellsToCandidate } from '../../../src/lib/tracker/ledger/row.ts';
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
