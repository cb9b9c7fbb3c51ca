/**
 * Seed properties 1, 2, 7 and 8: round trip, append safety, special
 * characters, and rejection of invalid input with nothing written.
 */
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import {
  appendRecords,
  readLedger,
  recordTransaction,
  V2_COLUMNS,
  V3_COLUMNS,
  ValidationError,
  headerLine,
  inspectLedger,
  DEFAULT_CONFIG,
  type LedgerRecord,
  type LedgerRow,
  type LoadedConfig,
} from '../../../../src/lib/tracker/index.ts';
import { NOW, promptText, validRecord, validRecordArbitrary } from '../../../helpers/records.ts';

const folder = mkdtempSync(join(tmpdir(), 'tl-prop-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
let counter = 0;
const freshLedger = () => join(folder, `ledger-${(counter += 1)}.csv`);
const LOCK = { lockTimeoutMs: 2000 };

async function readAll(path: string): Promise<LedgerRow[]> {
  const rows: LedgerRow[] = [];
  for await (const row of readLedger(path, { now: NOW })) rows.push(row);
  return rows;
}

function okRecords(rows: LedgerRow[]): LedgerRecord[] {
  return rows.map((row) => {
    if (!row.ok) throw new Error(`line ${row.line}: ${JSON.stringify(row.issues)}`);
    return row.record;
  });
}

describe('property 1: any valid record written then read back is identical', () => {
  it('holds for generated records (schema v3, the 1-hour cache writes and the user included)', async () => {
    await fc.assert(
      fc.asyncProperty(validRecordArbitrary, async (record) => {
        const path = freshLedger();
        await appendRecords(path, [record], LOCK);
        expect(okRecords(await readAll(path))).toEqual([record]);
      }),
      { numRuns: 200 },
    );
  });

  it('creates the ledger with the exact v3 header and mode 0600', async () => {
    const path = freshLedger();
    await appendRecords(path, [validRecord()], LOCK);
    expect(readFileSync(path, 'utf8').split('\n')[0]).toBe(V3_COLUMNS.join(','));
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('keeps a v2 ledger v2: its rows read back with the v3 columns unknown', async () => {
    await fc.assert(
      fc.asyncProperty(validRecordArbitrary, async (record) => {
        const path = freshLedger();
        writeFileSync(path, headerLine(2));
        expect(await appendRecords(path, [record], LOCK)).toBe(2);
        expect(readFileSync(path, 'utf8').split('\n')[0]).toBe(V2_COLUMNS.join(','));
        expect(inspectLedger(path).version).toBe(2);
        expect(okRecords(await readAll(path))).toEqual([{ ...record, cache_creation_1h_tokens: null, user: '' }]);
      }),
      { numRuns: 100 },
    );
  });
});

describe('property 2: appends preserve existing rows, in order', () => {
  it('holds for generated batches', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(validRecordArbitrary, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 5 }), async (batches) => {
        const path = freshLedger();
        const written: LedgerRecord[] = [];
        for (const batch of batches) {
          const before = existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
          await appendRecords(path, batch, LOCK);
          written.push(...batch);
          // The bytes already there are never rewritten: the file only grows at its end.
          expect(readFileSync(path).subarray(0, before.length).equals(before)).toBe(true);
        }
        expect(okRecords(await readAll(path))).toEqual(written);
      }),
      { numRuns: 60 },
    );
  });
});

describe('property 7: any text survives and the file stays readable by csv-parse', () => {
  it('holds for prompts and error messages with quotes, commas, newlines, emoji, RTL', async () => {
    await fc.assert(
      fc.asyncProperty(promptText, promptText, async (prompt, message) => {
        const path = freshLedger();
        const record = validRecord({ prompt_text: prompt, error_occurred: true, error_message: message.slice(0, 500) });
        await appendRecords(path, [record], LOCK);
        const table = parse(readFileSync(path), { columns: true }) as Record<string, string>[];
        expect(table).toHaveLength(1);
        expect(table[0]?.prompt_text).toBe(prompt);
        expect(table[0]?.error_message).toBe(record.error_message);
      }),
      { numRuns: 300 },
    );
  });
});

describe('property 8: any invalid field is rejected, naming it, and nothing is written', () => {
  const loaded: LoadedConfig = { config: DEFAULT_CONFIG, root: folder, ledgerPath: join(folder, 'never.csv'), sources: [] };
  const invalidField = fc.oneof(
    fc.record({ field: fc.constant('tokens_used'), value: fc.oneof(fc.integer({ max: -1 }), fc.integer({ min: 1_000_001 }), fc.constant('many'), fc.double({ min: 0.1, max: 0.9 })) }),
    fc.record({ field: fc.constant('elapsed_time'), value: fc.oneof(fc.double({ min: 3600.001, max: 1e9, noNaN: true }), fc.constant(-1), fc.constant('soon')) }),
    fc.record({ field: fc.constant('session_id'), value: fc.oneof(fc.string({ minLength: 51, maxLength: 2000 }), fc.constant('a b'), fc.constant('')) }),
    fc.record({ field: fc.constant('hook_trigger_type'), value: fc.string().filter((text) => !['agentExecutionCompleted', 'agentExecutionStarted', 'fileEdited', 'userMessage', 'manual', 'scheduled'].includes(text)) }),
    fc.record({ field: fc.constant('hook_name'), value: fc.string({ minLength: 1 }).filter((text) => !/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(text)) }),
    fc.record({ field: fc.constant('timestamp'), value: fc.oneof(fc.constant('2027-01-01T00:00:00.000Z'), fc.constant('yesterday'), fc.constant('2026-06-15T10:00:00Z')) }),
    fc.record({ field: fc.constant('error_occurred'), value: fc.oneof(fc.constant('yes'), fc.constant(1)) }),
    fc.record({ field: fc.constant('workspace_folder'), value: fc.constant('/abs/path') }),
    fc.record({ field: fc.constant('user'), value: fc.oneof(fc.constant('a\nb'), fc.string({ minLength: 255, maxLength: 400 }), fc.constant(7)) }),
    fc.record({ field: fc.constant('cache_creation_1h_tokens'), value: fc.oneof(fc.integer({ min: 101, max: 10_000 }), fc.constant(-1), fc.constant('1h')) }),
  );
  it('holds for generated invalid values', async () => {
    await fc.assert(
      fc.asyncProperty(invalidField, async ({ field, value }) => {
        const path = freshLedger();
        const input = { ...validRecord({ input_tokens: null, output_tokens: null, cache_creation_tokens: 100, cache_read_tokens: null }), [field]: value };
        const attempt = recordTransaction(input, { loaded, csvPath: path, now: NOW });
        await expect(attempt).rejects.toBeInstanceOf(ValidationError);
        const error = (await attempt.catch((caught: unknown) => caught)) as ValidationError;
        expect(error.issues.map((issue) => issue.field)).toContain(field);
        expect(existsSync(path)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves an existing ledger byte-for-byte unchanged', async () => {
    const path = freshLedger();
    await appendRecords(path, [validRecord()], LOCK);
    const before = readFileSync(path);
    await expect(recordTransaction({ ...validRecord(), tokens_used: -5 }, { loaded, csvPath: path, now: NOW })).rejects.toThrow(/tokens_used/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });
});
