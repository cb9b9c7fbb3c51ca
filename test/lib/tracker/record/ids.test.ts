import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newExecutionId, newTransactionId } from '../../../../src/lib/tracker/record/ids.ts';
import { ledgerRecordShape } from '../../../../src/lib/tracker/schema.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newTransactionId', () => {
  it('is a UUIDv7 whose first 48 bits are the Unix milliseconds of its time', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date(0), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }), (time) => {
        const id = newTransactionId(time);
        expect(id).toMatch(UUID_V7);
        expect(Number.parseInt(id.replace('-', '').slice(0, 12), 16)).toBe(time.getTime());
      }),
    );
  });

  it('sorts by time, and 100,000 ids made in the same millisecond are distinct', () => {
    const now = new Date('2026-11-25T10:00:00.000Z');
    const ids = new Set(Array.from({ length: 100_000 }, () => newTransactionId(now)));
    expect(ids.size).toBe(100_000);
    expect(newTransactionId(new Date(now.getTime() + 1)) > [...ids].sort().at(-1)!).toBe(true);
  });

  it('passes the ledger schema', () => {
    expect(ledgerRecordShape.shape.transaction_id.safeParse(newTransactionId(new Date())).success).toBe(true);
  });
});

describe('newExecutionId', () => {
  it('is "exec-" and 16 hex digits, and a valid agent_execution_id', () => {
    const id = newExecutionId();
    expect(id).toMatch(/^exec-[0-9a-f]{16}$/);
    expect(ledgerRecordShape.shape.agent_execution_id.safeParse(id).success).toBe(true);
  });
});
