import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortAscending } from '../../../../src/lib/tracker/report/sort-ascending.ts';

/** Whether two arrays hold the same doubles in the same order, -0 and NaN told apart as Object.is tells them. */
const sameDoubles = (left: Float64Array, right: Float64Array) => left.length === right.length && left.every((value, index) => Object.is(value, right[index]));

describe('sortAscending', () => {
  it('orders doubles as Float64Array.prototype.sort does, from a handful to past the thresholds of both radix sorts', () => {
    const elapsedLike = fc.integer({ min: 1, max: 3_600_000 }).map((ms) => ms / 1000);
    const anyDouble = fc.oneof(elapsedLike, fc.double(), fc.constantFrom(0, -0, Number.POSITIVE_INFINITY, Number.NaN, Number.MIN_VALUE, 2 ** 52, 2 ** 53 + 2));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(elapsedLike, { maxLength: 300 }),
          fc.array(anyDouble, { minLength: 250, maxLength: 3000 }),
          fc.array(fc.double({ min: 0, noNaN: true }), { minLength: 250, maxLength: 3000 }),
          // Past the 16-bit digits' threshold.
          fc.array(elapsedLike, { minLength: 65_536, maxLength: 70_000 }),
        ),
        (values) => {
          const expected = Float64Array.from(values).sort();
          const sorted = Float64Array.from(values);
          expect(sortAscending(sorted)).toBe(sorted);
          expect(sameDoubles(sorted, expected)).toBe(true);
        },
      ),
      { numRuns: 120 },
    );
  });

  it('sorts a view into a larger buffer in place, leaving the rest of the buffer alone', () => {
    const buffer = new Float64Array(10_002).map((_, index) => ((index * 7919) % 10_007) / 1000);
    const view = buffer.subarray(1, 10_001);
    const expected = Float64Array.from(view).sort();
    const [first, last] = [buffer[0], buffer[10_001]];
    sortAscending(view);
    expect(sameDoubles(view, expected)).toBe(true);
    expect([buffer[0], buffer[10_001]]).toEqual([first, last]);
  });
});
