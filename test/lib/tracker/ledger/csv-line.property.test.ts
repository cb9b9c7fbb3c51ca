import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvLine } from '../../../../src/lib/tracker/ledger/csv-line.ts';

/** Text rich in what quoting turns on: quotes, commas, CR, LF, CRLF, plus any Unicode. */
const cell = fc.oneof(
  fc.string({ unit: fc.constantFrom('"', ',', '\r', '\n', 'a', ' ', '\t', '=', "'") }),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', '"', ',', '\n', '\r', '\r\n', '""', 'a"b', ' ,', '\u2028', '\uFEFF'),
);

describe('csvLine', () => {
  it('writes any row of text cells exactly as csv-stringify does with the ledger options', () => {
    fc.assert(
      fc.property(fc.array(cell, { minLength: 1, maxLength: 24 }), (cells) => {
        expect(csvLine(cells)).toBe(stringify([cells], { record_delimiter: '\n', eof: true }));
      }),
      { numRuns: 5000 },
    );
  });

  it('quotes a cell with a quote, comma or line feed, and leaves a lone carriage return bare', () => {
    expect(csvLine(['a"b', 'c,d', 'e\nf', 'g\rh', ''])).toBe('"a""b","c,d","e\nf",g\rh,\n');
  });
});
