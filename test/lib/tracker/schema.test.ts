import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkRecord, columnsFor, validateRecord, ValidationError, type LedgerRecord, type RecordRuleContext, type SchemaVersion } from '../../../src/lib/tracker/index.ts';
import { cellPositions, recordToCells, rowToCandidate } from '../../../src/lib/tracker/ledger/row.ts';
import { ledgerRecordSchema, ledgerTimestampMs, recordKeepingEveryRule, timestampMs } from '../../../src/lib/tracker/schema.ts';
import { NOW, RULES, validRecord, validRecordArbitrary } from '../../helpers/records.ts';

function issuesFor(overrides: Partial<Record<keyof LedgerRecord, unknown>>, rules: RecordRuleContext = RULES) {
  const check = checkRecord({ ...validRecord(), ...overrides }, rules);
  return check.ok ? [] : check.issues;
}

describe('ledger record rules', () => {
  it('accepts a valid record unchanged', () => {
    expect(validateRecord(validRecord(), RULES)).toEqual(validRecord());
  });

  it.each([
    ['tokens_used', { tokens_used: -5, input_tokens: null, output_tokens: null }],
    ['tokens_used', { tokens_used: 1_000_001, input_tokens: null, output_tokens: null }],
    ['tokens_used', { tokens_used: 12.5, input_tokens: null, output_tokens: null }],
    ['tokens_used', { tokens_used: 0, input_tokens: null, output_tokens: null }],
    ['tokens_used', { tokens_used: 1251 }],
    ['elapsed_time', { elapsed_time: 0 }],
    ['elapsed_time', { elapsed_time: 3600.5 }],
    ['elapsed_time', { elapsed_time: '2.3s' }],
    ['session_id', { session_id: 'a'.repeat(51) }],
    ['session_id', { session_id: 'has space' }],
    ['session_id', { session_id: '' }],
    ['agent_execution_id', { agent_execution_id: 'e/1' }],
    ['workspace_folder', { workspace_folder: '/home/me/project' }],
    ['hook_trigger_type', { hook_trigger_type: 'nope' }],
    ['hook_name', { hook_name: 'Token_Tracker' }],
    ['error_occurred', { error_occurred: 'yes' }],
    ['error_message', { error_message: 'failed' }],
    ['error_message', { error_occurred: true, error_message: 'x'.repeat(501) }],
    ['timestamp', { timestamp: '2026-06-15 11:00:00' }],
    ['timestamp', { timestamp: '2026-02-30T11:00:00.000Z' }],
    ['timestamp', { timestamp: '2026-06-14T24:00:00.000Z' }],
    ['timestamp', { timestamp: '2026-06-14T10:60:00.000Z' }],
    ['timestamp', { timestamp: '2026-02-29T10:00:00.000Z' }],
    ['timestamp', { timestamp: '2026-06-15T12:06:00.000Z' }],
    ['timestamp', { timestamp: '2025-06-01T00:00:00.000Z' }],
    ['input_tokens', { input_tokens: 100, output_tokens: 1150, cache_read_tokens: 400 }],
    ['input_tokens', { input_tokens: -1 }],
    ['cost_usd', { cost_usd: -0.5 }],
    ['usage_source', { usage_source: 'guessed' }],
    ['prompt_text', { prompt_text: 'nul\u0000byte' }],
    ['model', { model: 'a,b' }],
  ])('rejects a bad %s (%j) naming the field', (field, overrides) => {
    const issues = issuesFor(overrides);
    expect(issues.map((issue) => issue.field)).toContain(field);
    expect(issues.every((issue) => issue.rule.length > 0)).toBe(true);
  });

  it('allows zero tokens only for a failed interaction', () => {
    expect(issuesFor({ tokens_used: 0, input_tokens: null, output_tokens: null, error_occurred: true, error_message: 'rate limited' })).toEqual([]);
  });

  it('accepts a leap day and the last millisecond of a day', () => {
    expect(issuesFor({ timestamp: '2026-06-14T23:59:59.999Z' })).toEqual([]);
    expect(issuesFor({ timestamp: '2024-02-29T12:00:00.000Z' }, { ...RULES, maxAgeDays: null })).toEqual([]);
  });

  it('checks the age rule only when recording live', () => {
    const old = { timestamp: '2024-01-01T00:00:00.000Z' };
    expect(issuesFor(old).map((issue) => issue.field)).toEqual(['timestamp']);
    expect(issuesFor(old, { ...RULES, maxAgeDays: null })).toEqual([]);
  });

  it('rounds elapsed time to milliseconds before checking the range', () => {
    expect(validateRecord(validRecord({ elapsed_time: 2.3456 }), RULES).elapsed_time).toBe(2.346);
  });

  it('throws a ValidationError whose message names field, value and rule', () => {
    const attempt = () => validateRecord({ ...validRecord(), tokens_used: -5, input_tokens: null, output_tokens: null }, RULES);
    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow(/tokens_used: -5 must be from 1 to 1000000/);
  });
});

/** Cell text at and around every limit and character rule of the schema, and text that is no number, boolean or member. */
const edgeCell = fc.oneof(
  fc.constantFrom(
    '', '0', '-0', '1', '-1', '1.5', '12.0', '0.0004', '0.0005', '0.001', '3600', '3600.0004', '3600.0005', '3601', '1000000', '1000001',
    '9007199254740991', '9007199254740992', '1e3', 'NaN', 'Infinity', '0x10', ' 1', '1000000000', '1000000000.000000004', '1000000000.1', '0.000000004', '0.000000005',
    'true', 'false', 'TRUE', 'x', 'a/b', 'a\\b', 'nul\u0000', 'two\nlines', 'cr\r', 'a,b', 'q"', 'del\u007f', 'us\u001f', 'tab\t', 'a b', 'a.b:c-d_e',
    'kebab-case', 'Kebab', 'a--b', '-a', 'manual', 'userMessage', 'reported', 'estimated', 'guessed',
    '2026-02-30T10:00:00.000Z', '2026-06-14T24:00:00.000Z', '2026-06-14T10:60:00.000Z', '2026-06-15T12:04:59.999Z', '2026-06-15T12:05:00.001Z',
    '2025-06-14T00:00:00.000Z', '2024-02-29T12:00:00.000Z', '2026-06-15 11:00:00', '+02026-06-15T11:00:00.000Z',
  ),
  fc.constantFrom(49, 50, 51, 99, 100, 101, 127, 128, 129, 253, 254, 255, 256, 499, 500, 501).chain((length) => fc.constantFrom('a', 'Z', '9', 'é', '-').map((unit) => unit.repeat(length))),
);

/** Cells of a valid record in a schema version, with up to three cells replaced by edge text, read back as a ledger row is. */
const rowCandidate = fc
  .tuple(fc.constantFrom<SchemaVersion>(1, 2, 3), validRecordArbitrary, fc.array(fc.tuple(fc.nat(21), edgeCell), { maxLength: 3 }))
  .map(([version, record, edits]) => {
    const columns = columnsFor(version);
    const cells = recordToCells(record, columns);
    for (const [at, text] of edits) cells[at % columns.length] = text;
    return rowToCandidate(cells, cellPositions(columns));
  });

describe('recordKeepingEveryRule', () => {
  it('accepts exactly the rows zod accepts, as the same records', () => {
    fc.assert(
      fc.property(rowCandidate, fc.constantFrom<RecordRuleContext>(RULES, { now: NOW, maxAgeDays: null }), (candidate, context) => {
        const zod = ledgerRecordSchema(context).safeParse(candidate);
        const fast = recordKeepingEveryRule(candidate, context);
        if (zod.success) expect(fast).toStrictEqual(zod.data);
        else expect(fast).toBeUndefined();
      }),
      { numRuns: 4000 },
    );
  });

  it('judges each row of a run alike whatever rows came before, as a read meets them: values repeat, and a bad one follows a good one', () => {
    // A few rows, each with up to three edge cells, in any order with repeats: the rules remembering the last value they
    // accepted see equal values again and unequal ones right after.
    fc.assert(
      fc.property(fc.array(rowCandidate, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(3), { minLength: 2, maxLength: 12 }), (pool, order) => {
        for (const pick of order) {
          const candidate = pool[pick % pool.length]!;
          const zod = ledgerRecordSchema(RULES).safeParse(candidate);
          const fast = recordKeepingEveryRule(candidate, RULES);
          if (zod.success) expect(fast).toStrictEqual(zod.data);
          else expect(fast).toBeUndefined();
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('leaves a record given with other keys or values of other types to zod', () => {
    const record = validRecord();
    expect(recordKeepingEveryRule({ ...record, extra: 1 }, RULES)).toStrictEqual(ledgerRecordSchema(RULES).parse({ ...record, extra: 1 }));
    for (const column of Object.keys(record)) {
      expect(recordKeepingEveryRule({ ...record, [column]: undefined }, RULES)).toBeUndefined();
      expect(recordKeepingEveryRule({ ...record, [column]: {} }, RULES)).toBeUndefined();
    }
  });
});

describe('ledgerTimestampMs', () => {
  /** The instant, when Date.UTC takes the fields back unchanged (no field rolled over, as Date.UTC rolls 30 February to March), else NaN. */
  const calendarOracle = (text: string) => {
    const field = (from: number, to: number) => Number(text.slice(from, to));
    const [year, month, day, hour, minute, second] = [field(0, 4), field(5, 7), field(8, 10), field(11, 13), field(14, 16), field(17, 19)];
    const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, field(20, 23)));
    const same = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day && date.getUTCHours() === hour && date.getUTCMinutes() === minute && date.getUTCSeconds() === second;
    return same ? date.getTime() : Number.NaN;
  };
  const digits = (length: number, max: number) => fc.integer({ min: 0, max }).map((value) => String(value).padStart(length, '0'));

  it('dates a ledger timestamp as the calendar does, and names no instant for 30 February, hour 24, minute 60 or a year before 0100', () => {
    fc.assert(
      fc.property(digits(4, 9999), digits(2, 19), digits(2, 39), digits(2, 29), digits(2, 69), digits(2, 69), digits(3, 999), (year, month, day, hour, minute, second, ms) => {
        const text = `${year}-${month}-${day}T${hour}:${minute}:${second}.${ms}Z`;
        expect(ledgerTimestampMs(text)).toBe(calendarOracle(text));
      }),
      { numRuns: 5000 },
    );
    expect(ledgerTimestampMs('2024-02-29T23:59:59.999Z')).toBe(Date.parse('2024-02-29T23:59:59.999Z'));
    for (const text of ['2023-02-29T00:00:00.000Z', '1900-02-29T00:00:00.000Z', '2026-04-31T00:00:00.000Z', '0099-12-31T23:59:59.999Z']) expect(ledgerTimestampMs(text)).toBeNaN();
    expect(ledgerTimestampMs('2000-02-29T00:00:00.000Z')).toBe(Date.parse('2000-02-29T00:00:00.000Z'));
  });

  it('names no instant for text of another shape', () => {
    for (const text of ['2026-01-31T12:00:00Z', '2026-01-31 12:00:00.000Z', '2026-01-31T12:00:00.000+', '+02026-01-31T12:00:00.000Z', '2026-0a-31T12:00:00.000Z', '2026-01-31T12:00:00.000Z ', '']) {
      expect(ledgerTimestampMs(text)).toBeNaN();
    }
  });
});

describe('timestampMs', () => {
  it('reads the ledger\'s timestamps to the millisecond as Date.parse does, from year 0000 to 9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.parse('0000-01-01T00:00:00.000Z'), max: Date.parse('9999-12-31T23:59:59.999Z') }), (time) => {
        const timestamp = new Date(time).toISOString();
        expect(timestampMs(timestamp)).toBe(Date.parse(timestamp));
      }),
      { numRuns: 2000 },
    );
    expect(timestampMs('2024-02-29T23:59:59.999Z')).toBe(Date.parse('2024-02-29T23:59:59.999Z'));
    expect(timestampMs('2026-01-31T12:00:00Z')).toBe(Date.parse('2026-01-31T12:00:00Z'));
  });

});
