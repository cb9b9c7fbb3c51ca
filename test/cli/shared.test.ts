import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCount } from '../../src/cli/_shared.ts';

describe('formatCount', () => {
  it('writes every count as Intl.NumberFormat("en-US") does, without loading it for each command', () => {
    const intl = new Intl.NumberFormat('en-US');
    fc.assert(
      fc.property(fc.oneof(fc.nat(), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.constantFrom(0, 999, 1000, 999_999, 1_000_000)), (count) => {
        expect(formatCount(count)).toBe(intl.format(count));
      }),
      { numRuns: 2000 },
    );
  });
});
