import { describe, expect, it } from 'vitest';
import { ledgerSessionId, stableTransactionId, workspaceFolderOf } from '../../../../src/lib/tracker/importers/ids.ts';

describe('ids from agent logs', () => {
  it('keeps ids that fit and hashes the rest, never cutting them', () => {
    expect(ledgerSessionId('5b0c7f8e-1d1e-4a8e-9a47-3f1d2c0b9e11')).toBe('5b0c7f8e-1d1e-4a8e-9a47-3f1d2c0b9e11');
    const long = 'a'.repeat(51);
    expect(ledgerSessionId(long)).toMatch(/^h-[0-9a-f]{40}$/);
    expect(ledgerSessionId(`${long}b`)).not.toBe(ledgerSessionId(long));
    expect(ledgerSessionId('with space')).toMatch(/^h-/);
  });

  it('derives the same transaction id from the same parts', () => {
    expect(stableTransactionId('claude', ['msg_1', 'req_1'])).toBe('claude:msg_1:req_1');
    expect(stableTransactionId('claude', ['msg 1', 'req'])).toBe(stableTransactionId('claude', ['msg 1', 'req']));
    expect(stableTransactionId('claude', ['x'.repeat(200), 'r'])).toMatch(/^claude:h-[0-9a-f]{48}$/);
  });

  it('takes the last folder name of a logged path', () => {
    expect(workspaceFolderOf('/home/dev/shop/', 'x')).toBe('shop');
    expect(workspaceFolderOf('C:\\work\\api', 'x')).toBe('api');
    expect(workspaceFolderOf('/', 'x')).toBe('x');
    expect(workspaceFolderOf(undefined, 'x')).toBe('x');
  });
});
