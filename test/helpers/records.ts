/** Builders and fast-check arbitraries for ledger records, shared by the tests. */
import fc from 'fast-check';
import { HOOK_TRIGGER_TYPES, USAGE_SOURCES, type LedgerRecord } from '../../src/lib/tracker/index.ts';

export const NOW = new Date('2026-06-15T12:00:00.000Z');
export const RULES = { now: NOW, maxAgeDays: 365 };

export function validRecord(overrides: Partial<LedgerRecord> = {}): LedgerRecord {
  return {
    timestamp: '2026-06-15T11:00:00.000Z',
    prompt_text: 'Say "hi", then stop',
    tokens_used: 1250,
    elapsed_time: 2.34,
    session_id: 's1',
    workspace_folder: 'demo',
    hook_trigger_type: 'manual',
    agent_execution_id: 'e1',
    file_patterns: '',
    hook_name: 'token-tracker-hook',
    error_occurred: false,
    error_message: '',
    transaction_id: 'tx-1',
    model: 'claude-sonnet-4-5-20250929',
    input_tokens: 1000,
    output_tokens: 250,
    cache_creation_tokens: 100,
    cache_read_tokens: 400,
    cost_usd: 0.0123,
    usage_source: 'reported',
    cache_creation_1h_tokens: null,
    user: 'dev@example.com',
    ...overrides,
  };
}

const SAMPLE_MODELS = ['claude-sonnet-4-5-20250929', 'gpt-5', 'gemini-2.5-pro', ''] as const;

/**
 * `count` valid records with varied models, token counts and cache use, ids
 * `${prefix}-0`...; every fifth has no input/output split (as a v1 or
 * estimated row), every seventh is an error with no tokens.
 */
export function mixedRecords(count: number, prefix = 'tx'): LedgerRecord[] {
  return Array.from({ length: count }, (_, index) => {
    const output = 50 + ((index * 37) % 400);
    const cacheRead = (index * 211) % 900;
    const cacheCreation = (index * 53) % 120;
    const input = 100 + cacheRead + cacheCreation + ((index * 97) % 2000);
    const base = validRecord({
      transaction_id: `${prefix}-${index}`,
      session_id: `s${index % 3}`,
      workspace_folder: index % 2 === 0 ? 'alpha' : 'beta',
      model: SAMPLE_MODELS[index % SAMPLE_MODELS.length] ?? '',
      cost_usd: index % 4 === 3 ? null : Number((0.001 * (index + 1)).toFixed(6)),
    });
    if (index % 7 === 6) {
      return { ...base, tokens_used: 0, error_occurred: true, error_message: 'rate limited', input_tokens: null, output_tokens: null, cache_creation_tokens: null, cache_read_tokens: null, cost_usd: null };
    }
    if (index % 5 === 4) {
      return { ...base, tokens_used: input + output, input_tokens: null, output_tokens: null, cache_creation_tokens: null, cache_read_tokens: null, usage_source: 'estimated' };
    }
    return { ...base, tokens_used: input + output, input_tokens: input, output_tokens: output, cache_creation_tokens: cacheCreation, cache_read_tokens: cacheRead };
  });
}

const idChars = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-'.split(''));
const identifier = fc.string({ unit: idChars, minLength: 1, maxLength: 50 });
const kebab = fc
  .array(fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split('')), minLength: 1, maxLength: 8 }), {
    minLength: 1,
    maxLength: 4,
  })
  .map((parts) => parts.join('-'));
/** Any text without NUL: Unicode, quotes, commas, CR/LF, emoji, RTL. */
export const anyText = fc.string({ unit: 'grapheme', maxLength: 200 }).map((text) => text.replaceAll('\u0000', ''));
const tricky = fc.constantFrom('', ',', '"', '""', '\n', '\r\n', '\r', ' lead', 'trail ', '=1+1', '😀', 'مرحبا', 'a,"b"\nc');
export const promptText = fc.oneof(anyText, tricky, fc.array(fc.oneof(anyText, tricky), { maxLength: 5 }).map((parts) => parts.join('')));

/** Any record that keeps every rule relative to NOW. */
export const validRecordArbitrary: fc.Arbitrary<LedgerRecord> = fc
  .record({
    time: fc.integer({ min: NOW.getTime() - 300 * 86_400_000, max: NOW.getTime() }),
    prompt_text: promptText,
    output: fc.integer({ min: 1, max: 400_000 }),
    cacheCreation: fc.integer({ min: 0, max: 100_000 }),
    oneHourShare: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
    cacheRead: fc.integer({ min: 0, max: 100_000 }),
    fresh: fc.integer({ min: 0, max: 300_000 }),
    knownSplit: fc.boolean(),
    elapsedMs: fc.integer({ min: 1, max: 3_600_000 }),
    session_id: identifier,
    workspace_folder: fc.string({ minLength: 1, maxLength: 40 }).filter((text) => !/[/\\\u0000]/.test(text)),
    hook_trigger_type: fc.constantFrom(...HOOK_TRIGGER_TYPES),
    agent_execution_id: identifier,
    file_patterns: fc.array(fc.constantFrom('src/**/*.ts', '*.md', 'a;b', 'docs/*'), { maxLength: 3 }).map((globs) => globs.join(';')),
    hook_name: kebab,
    error: fc.option(anyText.map((text) => text.slice(0, 500)), { nil: undefined }),
    transaction_id: fc.uuid(),
    model: fc.constantFrom('', 'claude-sonnet-4-5-20250929', 'gpt-5', 'gemini-2.5-pro'),
    cost: fc.option(fc.integer({ min: 0, max: 10_000_000_000 }).map((n) => n / 1e8), { nil: null }),
    usage_source: fc.option(fc.constantFrom(...USAGE_SOURCES), { nil: null }),
    user: fc.oneof(fc.constantFrom('', 'dev@example.com', 'Zoë, "ops"', 'a1b2c3d4e5f60718'), fc.string({ maxLength: 254 }).map((text) => text.replace(/[\u0000-\u001f\u007f]/g, ''))),
  })
  .map((r) => {
    const input = r.fresh + r.cacheCreation + r.cacheRead;
    const total = input + r.output;
    const fits = total <= 1_000_000;
    return {
      timestamp: new Date(r.time).toISOString(),
      prompt_text: r.prompt_text,
      tokens_used: fits ? total : r.output,
      elapsed_time: r.elapsedMs / 1000,
      session_id: r.session_id,
      workspace_folder: r.workspace_folder,
      hook_trigger_type: r.hook_trigger_type,
      agent_execution_id: r.agent_execution_id,
      file_patterns: r.file_patterns,
      hook_name: r.hook_name,
      error_occurred: r.error !== undefined,
      error_message: r.error ?? '',
      transaction_id: r.transaction_id,
      model: r.model,
      input_tokens: r.knownSplit && fits ? input : null,
      output_tokens: r.knownSplit && fits ? r.output : null,
      cache_creation_tokens: r.knownSplit && fits ? r.cacheCreation : null,
      cache_read_tokens: r.knownSplit && fits ? r.cacheRead : null,
      cost_usd: r.cost,
      usage_source: r.usage_source,
      cache_creation_1h_tokens: r.knownSplit && fits && r.oneHourShare !== null ? Math.floor(r.cacheCreation * r.oneHourShare) : null,
      user: r.user,
    } satisfies LedgerRecord;
  });
