import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TupleSums } from '../../../../src/lib/tracker/report/tuple-sums.ts';

describe('TupleSums', () => {
  it('sums per key exactly as a Map of the keys would, rows in first-seen order, through every growth of the table', () => {
    const additions = fc.integer({ min: 1, max: 4 }).chain((width) =>
      fc.tuple(
        fc.constant(width),
        // Few distinct numbers per place, so keys share prefixes and slots; thousands of additions, past the first rows the table holds.
        fc.array(fc.tuple(fc.array(fc.noBias(fc.integer({ min: 0, max: 40 })), { minLength: width, maxLength: width }), fc.integer({ min: -1000, max: 1000 })), { minLength: 2000, maxLength: 5000 }),
      ),
    );
    fc.assert(
      fc.property(additions, ([width, added]) => {
        const table = new TupleSums(width, 2);
        const expected = new Map<string, { key: number[]; count: number; total: number }>();
        for (const [key, value] of added) {
          const at = table.rowOf(key);
          table.sums[at]! += 1;
          table.sums[at + 1]! += value;
          const entry = expected.get(key.join(',')) ?? { key, count: 0, total: 0 };
          entry.count += 1;
          entry.total += value;
          expected.set(key.join(','), entry);
        }
        const { keys, sums } = table.columns();
        expect(table.rows).toBe(expected.size);
        if (width > 1) expect(table.rows).toBeGreaterThan(1024);
        expect([...expected.values()].map(({ key, count, total }) => [...key, count, total])).toEqual(
          Array.from({ length: table.rows }, (_, row) => [...keys.subarray(row * width, (row + 1) * width), sums[row * 2], sums[row * 2 + 1]]),
        );
      }),
      { numRuns: 30 },
    );
  });

  it('loads another table\'s columns into an empty one, then sums on as if it had summed them itself', () => {
    const keys = fc.array(fc.tuple(fc.noBias(fc.integer({ min: 0, max: 60 })), fc.noBias(fc.integer({ min: 0, max: 60 }))), { minLength: 1, maxLength: 3000 });
    fc.assert(
      fc.property(keys, keys, (first, then) => {
        const summed = new TupleSums(2, 1);
        const source = new TupleSums(2, 1);
        for (const key of first) {
          summed.sums[summed.rowOf(key)]! += 1;
          source.sums[source.rowOf(key)]! += 1;
        }
        const loaded = new TupleSums(2, 1);
        const columns = source.columns();
        loaded.load(columns.keys, columns.sums);
        for (const [index, key] of then.entries()) {
          summed.sums[summed.rowOf(key)]! += index;
          loaded.sums[loaded.rowOf(key)]! += index;
        }
        expect(loaded.rows).toBe(summed.rows);
        expect(loaded.columns()).toEqual(summed.columns());
      }),
      { numRuns: 30 },
    );
  });
});
