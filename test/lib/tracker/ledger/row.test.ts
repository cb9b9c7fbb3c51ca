import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { V3_COLUMNS } from '../../../../src/lib/tracker/index.ts';
import { cellPositions, recordToCells, rowToCandidate } from '../../../../src/lib/tracker/ledger/row.ts';
import { validRecord } from '../../../helpers/records.ts';

const positions = cellPositions(V3_COLUMNS);

/** Text shaped like a number cell or nearly: minus signs, leading zeros, short runs of digits and runs of 14 to 25 (past what is exact digit by digit), a point, a stray character. */
const numberLike = fc
  .tuple(
    fc.constantFrom('', '-', '+', '--'),
    fc.oneof(fc.array(fc.constantFrom('0', '1', '5', '9'), { maxLength: 4 }), fc.array(fc.constantFrom('0', '1', '3', '7', '9'), { minLength: 14, maxLength: 25 })),
    fc.oneof(
      fc.constantFrom('', '.', '.5', 'e3', ' ', 'x', '..5'),
      // Fractions of every length, up to past what is exact digit by digit.
      fc.array(fc.constantFrom('0', '1', '2', '5', '9'), { minLength: 1, maxLength: 20 }).map((digits) => `.${digits.join('')}`),
    ),
  )
  .map(([sign, digits, tail]) => sign + digits.join('') + tail);

/** The cells of a valid record with one number cell replaced. */
function candidateWith(column: (typeof V3_COLUMNS)[number], text: string): Record<string, unknown> {
  const cells = recordToCells(validRecord(), V3_COLUMNS);
  cells[V3_COLUMNS.indexOf(column)] = text;
  return rowToCandidate(cells, positions);
}

describe('rowToCandidate', () => {
  it('reads an integer cell as Number() reads a numeral, and keeps any other text as it is', () => {
    fc.assert(
      fc.property(numberLike, fc.constantFrom('tokens_used', 'input_tokens', 'cache_creation_1h_tokens'), (text, column) => {
        const expected = column !== 'tokens_used' && text === '' ? null : /^-?\d+$/.test(text) ? Number(text) : text;
        expect(Object.is(candidateWith(column, text)[column], expected)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('reads a decimal cell as Number() reads a numeral with at most one point between digits', () => {
    fc.assert(
      fc.property(numberLike, fc.constantFrom('elapsed_time', 'cost_usd'), (text, column) => {
        const expected = column === 'cost_usd' && text === '' ? null : /^-?\d+(?:\.\d+)?$/.test(text) ? Number(text) : text;
        expect(Object.is(candidateWith(column, text)[column], expected)).toBe(true);
      }),
      { numRuns: 6000 },
    );
  });
});
