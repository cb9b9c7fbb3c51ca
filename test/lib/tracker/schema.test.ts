import { describe, expect, it } from 'vitest';
import { checkRecord, validateRecord, ValidationError, type LedgerRecord, type RecordRuleContext } from '../../../src/lib/tracker/index.ts';
import { RULES, validRecord } from '../../helpers/records.ts';

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
