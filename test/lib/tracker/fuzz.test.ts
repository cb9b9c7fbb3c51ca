/**
 * 10,000 random `--stdin`-style records and 10,000 random raw CSV rows through
 * the library: nothing crashes, every invalid record is rejected naming a
 * ledger field and writes nothing, and the ledger still validates.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendRecords,
  loadConfig,
  readLedger,
  recordTransactions,
  recordToCells,
  repairLedger,
  V3_COLUMNS,
  ValidationError,
  type RecordInput,
} from '../../../src/lib/tracker/index.ts';
import { NOW, validRecordArbitrary } from '../../helpers/records.ts';

const RUNS = 10_000;
const FIELDS = new Set<string>([...V3_COLUMNS, '(record)']);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tl-fuzz-'));
  mkdirSync(join(dir, '.git'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const anyValue = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.integer({ min: -2_000_000, max: 2_000_000 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(''),
  fc.array(fc.integer(), { maxLength: 2 }),
);

/** Valid records, valid records with one field broken, and free-form objects keyed by ledger columns. */
const stdinRecord: fc.Arbitrary<RecordInput> = fc.oneof(
  validRecordArbitrary.map((record) => ({ ...record, transaction_id: undefined }) as RecordInput),
  fc.tuple(validRecordArbitrary, fc.constantFrom(...V3_COLUMNS), anyValue).map(([record, field, value]) => ({ ...record, transaction_id: undefined, [field]: value }) as RecordInput),
  fc.dictionary(fc.constantFrom(...V3_COLUMNS), anyValue, { maxKeys: 8 }) as fc.Arbitrary<RecordInput>,
);

describe('fuzz', () => {
  it(`${RUNS} random stdin records: valid ones written, invalid ones rejected by field, ledger valid`, async () => {
    const csv = join(dir, 'records.csv');
    const loaded = loadConfig({ cwd: dir, env: {} });
    let written = 0;
    let rejected = 0;
    for (const input of fc.sample(stdinRecord, { numRuns: RUNS, seed: 20261125 })) {
      try {
        await recordTransactions([input], { loaded, csvPath: csv, now: NOW, env: {} });
        written += 1;
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        const issues = (error as ValidationError).issues;
        expect(issues.length).toBeGreaterThan(0);
        for (const issue of issues) expect(FIELDS.has(issue.field.split('.')[0] as string), JSON.stringify(issue)).toBe(true);
        rejected += 1;
      }
    }
    expect(written + rejected).toBe(RUNS);
    expect(written).toBeGreaterThan(RUNS / 4);
    expect(rejected).toBeGreaterThan(RUNS / 4);
    let rows = 0;
    for await (const row of readLedger(csv, { now: NOW })) {
      expect(row.ok, JSON.stringify(row)).toBe(true);
      rows += 1;
    }
    expect(rows).toBe(written);
  }, 120_000);

  it(`${RUNS} random raw CSV rows: every one read back or rejected with a field, and repair leaves a valid ledger`, async () => {
    const csv = join(dir, 'raw.csv');
    await appendRecords(csv, [], { lockTimeoutMs: 1000 });
    const cellsArbitrary = fc.oneof(
      validRecordArbitrary.map((record) => recordToCells(record, V3_COLUMNS)),
      fc.tuple(validRecordArbitrary, fc.nat({ max: 19 }), fc.string({ maxLength: 12 })).map(([record, index, text]) => {
        const cells = recordToCells(record, V3_COLUMNS);
        cells[index] = text;
        return cells;
      }),
      fc.array(fc.string({ maxLength: 10 }), { minLength: 1, maxLength: 25 }),
    );
    const samples = fc.sample(cellsArbitrary, { numRuns: RUNS, seed: 42 });
    appendFileSync(csv, stringify(samples, { record_delimiter: '\n', eof: true }));
    let seen = 0;
    for await (const row of readLedger(csv, { now: NOW })) {
      seen += 1;
      if (!row.ok) for (const issue of row.issues) expect(FIELDS.has(issue.field) || issue.field === '(row)').toBe(true);
    }
    expect(seen).toBe(RUNS);
    const repaired = await repairLedger(csv, { lockTimeoutMs: 1000, backup: { compress: true } });
    expect(repaired.kept + repaired.rejected).toBe(RUNS);
    for await (const row of readLedger(csv, { now: NOW })) expect(row.ok).toBe(true);
  }, 120_000);
});
