import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, TrackerError, completeRecord, loadConfig } from '../../../../src/lib/tracker/index.ts';
import { Pricing, parsePriceTable, priceTableSchema, pricingFor, shippedPriceTable } from '../../../../src/lib/tracker/pricing/pricing.ts';

const shipped = new Pricing([shippedPriceTable()]);

// input_tokens includes both cache parts, as in the ledger.
const usage = { input_tokens: 1_000_000 + 200_000 + 3_000_000, output_tokens: 100_000, cache_creation_tokens: 200_000, cache_read_tokens: 3_000_000 };

describe('shipped price table', () => {
  it('is already in the schema\'s output form, so reading it needs no validation', () => {
    expect(priceTableSchema().parse(structuredClone(shippedPriceTable()))).toEqual(shippedPriceTable());
  });

  it('prices each part of the input at its own rate (pinned figures)', () => {
    // Sonnet 4.5 below its long-context tier: 0.1M fresh x $3 + 0.02M write x $3.75 + 0.06M read x $0.30 + 0.01M out x $15
    const small = { input_tokens: 180_000, output_tokens: 10_000, cache_creation_tokens: 20_000, cache_read_tokens: 60_000 };
    expect(shipped.cost('claude-sonnet-4-5-20250929', small)).toBeCloseTo(0.3 + 0.075 + 0.018 + 0.15, 10);
    // Opus 4 (no tier): 15 + 3.75 + 4.5 + 7.5
    expect(shipped.cost('claude-opus-4-20250514', usage)).toBe(30.75);
    // Haiku 3.5: 0.8 + 0.2 + 0.24 + 0.4
    expect(shipped.cost('claude-3-5-haiku-20241022', usage)).toBeCloseTo(1.64, 10);
    // GPT-5, counts as Codex gives them: 1M fresh x $1.25 + 1M cached x $0.125 + 0.5M out x $10
    const codex = { input_tokens: 2_000_000, output_tokens: 500_000, cache_creation_tokens: 0, cache_read_tokens: 1_000_000 };
    expect(shipped.cost('gpt-5', codex)).toBe(1.25 + 0.125 + 5);
    expect(shipped.cost('gpt-5-codex', codex)).toBe(1.25 + 0.125 + 5);
    // GPT-5.1 Codex mini: $0.25, $0.025, $2
    expect(shipped.cost('gpt-5.1-codex-mini', codex)).toBeCloseTo(0.25 + 0.025 + 1, 10);
    expect(shipped.cost('gemini-2.5-flash', { input_tokens: 1_000_000, output_tokens: 1_000_000, cache_creation_tokens: null, cache_read_tokens: null })).toBe(2.8);
  });

  it('prices 1-hour cache writes at 2x the input rate and the rest of the writes at the 5-minute rate', () => {
    const counts = { input_tokens: 100_000, output_tokens: 0, cache_creation_tokens: 100_000, cache_read_tokens: 0 };
    // Haiku 4.5: 60k x $1.25 (5 minutes) + 40k x $2 (1 hour)
    expect(shipped.cost('claude-haiku-4-5', { ...counts, cache_creation_1h_tokens: 40_000 })).toBeCloseTo(0.075 + 0.08, 10);
    // Unknown or zero split: all at the 5-minute rate, as before the split existed.
    expect(shipped.cost('claude-haiku-4-5', { ...counts, cache_creation_1h_tokens: null })).toBeCloseTo(0.125, 10);
    expect(shipped.cost('claude-haiku-4-5', counts)).toBe(shipped.cost('claude-haiku-4-5', { ...counts, cache_creation_1h_tokens: 0 }));
  });

  it('prices a whole request at the long-context tier when its input, cache parts included, is above 200k', () => {
    const at = (input: number) => ({ input_tokens: input, output_tokens: 1_000, cache_creation_tokens: 10_000, cache_read_tokens: input - 20_000, cache_creation_1h_tokens: 4_000 });
    // 200,000 exactly is not above the threshold: $3 fresh, $3.75 5m write, $6 1h write, $0.30 read, $15 out.
    expect(shipped.cost('claude-sonnet-4-5', at(200_000))).toBeCloseTo((10_000 * 3 + 6_000 * 3.75 + 4_000 * 6 + 180_000 * 0.3 + 1_000 * 15) / 1e6, 10);
    // 200,001: every token at the tier: $6, $7.50, $12 (2x the tier's input), $0.60, $22.50.
    expect(shipped.cost('claude-sonnet-4-5', at(200_001))).toBeCloseTo((10_000 * 6 + 6_000 * 7.5 + 4_000 * 12 + 180_001 * 0.6 + 1_000 * 22.5) / 1e6, 10);
    // Sonnet 4 has the same tier (the package lacks it; tier-additions.json supplies it), by its dated id too.
    expect(shipped.cost('claude-sonnet-4-20250514', at(200_001))).toBeCloseTo((10_000 * 6 + 6_000 * 7.5 + 4_000 * 12 + 180_001 * 0.6 + 1_000 * 22.5) / 1e6, 10);
    // Gemini 2.5 Pro above 200k (no 1-hour cache there): $2.50 input and writes, which Google charges as input, $0.25 read, $15 out.
    expect(shipped.cost('gemini-2.5-pro', { ...at(200_001), cache_creation_1h_tokens: 0 })).toBeCloseTo((20_000 * 2.5 + 180_001 * 0.25 + 1_000 * 15) / 1e6, 10);
    // Models without a tier keep their rates at any size.
    expect(shipped.cost('claude-opus-4-1', at(300_000))).toBeCloseTo((10_000 * 15 + 6_000 * 18.75 + 4_000 * 30 + 280_000 * 1.5 + 1_000 * 75) / 1e6, 10);
  });

  it('finds models by alias, dated or -latest id and provider-prefixed id', () => {
    expect(shipped.lookup('claude-sonnet-4-5-20250929')?.model).toBe('claude-sonnet-4-5');
    expect(shipped.lookup('Claude-Sonnet-4-5-20250929')?.model).toBe('claude-sonnet-4-5');
    expect(shipped.lookup('claude-opus-4-20250514')?.model).toBe('claude-opus-4-0');
    expect(shipped.lookup('claude-3-5-sonnet-latest')?.model).toBe('claude-3-5-sonnet');
    expect(shipped.lookup('anthropic/claude-haiku-4-5')?.model).toBe('claude-haiku-4-5');
    expect(shipped.lookup('us.anthropic.claude-opus-4-1-20250805-v1:0')?.model).toBe('claude-opus-4-1');
    expect(shipped.lookup('claude-sonnet-4-5@20250929')?.model).toBe('claude-sonnet-4-5');
    expect(shipped.lookup('gpt-5-2025-08-07')?.model).toBe('gpt-5');
    expect(shipped.lookup('gpt-5-mini-2025-08-07')?.model).toBe('gpt-5-mini');
    expect(shipped.lookup('google/gemini-2.5-pro')?.model).toBe('gemini-2.5-pro');
  });

  it('leaves unknown models and unknown counts unpriced (null), never $0', () => {
    expect(shipped.cost('claude-lab-preview-x', usage)).toBeNull();
    expect(shipped.cost('', usage)).toBeNull();
    expect(shipped.cost('claude-sonnet-4-5', { input_tokens: null, output_tokens: null, cache_creation_tokens: null, cache_read_tokens: null })).toBeNull();
  });

  it('does not guess from a prefix', () => {
    expect(shipped.lookup('claude-sonnet-4-5-turbo')).toBeNull();
    expect(shipped.lookup('gpt-5-codex-ultra')).toBeNull();
  });
});

describe('price override file', () => {
  function workspaceWith(table: unknown): string {
    const root = mkdtempSync(join(tmpdir(), 'tl-pricing-'));
    writeFileSync(join(root, 'prices.json'), typeof table === 'string' ? table : JSON.stringify(table));
    return root;
  }

  it('adds models and replaces shipped prices', () => {
    const root = workspaceWith({
      models: {
        'in-house-coder': { input: 1, output: 2, cache_write: 1, cache_read: 0.5 },
        'claude-sonnet-4-5-20250929': { input: 2, output: 10, cache_write: 2.5, cache_read: 0.2, aliases: ['sonnet'] },
      },
    });
    const pricing = pricingFor({ root, config: { ...DEFAULT_CONFIG, pricing: { file: 'prices.json' } } });
    expect(pricing.cost('in-house-coder', { input_tokens: 1_000_000, output_tokens: 1_000_000, cache_creation_tokens: 0, cache_read_tokens: 0 })).toBe(3);
    expect(pricing.cost('sonnet', usage)).toBe(2 + 0.5 + 0.6 + 1);
    expect(pricing.lookup('claude-opus-4-1')?.price.input).toBe(15);
  });

  it('takes a 1-hour write rate and a tier from the file', () => {
    const root = workspaceWith({
      models: {
        'long-coder': { input: 1, output: 2, cache_write: 1.5, cache_write_1h: 3, cache_read: 0.1, tier: { above_input_tokens: 1000, input: 10, output: 20, cache_write: 15, cache_write_1h: 30, cache_read: 1 } },
      },
    });
    const pricing = pricingFor({ root, config: { ...DEFAULT_CONFIG, pricing: { file: 'prices.json' } } });
    const counts = (input: number) => ({ input_tokens: input, output_tokens: 0, cache_creation_tokens: input, cache_read_tokens: 0, cache_creation_1h_tokens: input });
    expect(pricing.cost('long-coder', counts(1000))).toBeCloseTo((1000 * 3) / 1e6, 12);
    expect(pricing.cost('long-coder', counts(2000))).toBeCloseTo((2000 * 30) / 1e6, 12);
  });

  it('rejects a bad file with the field and the rule', () => {
    expect(() =>
      parsePriceTable({ models: { x: { input: 1, output: 1, cache_write: 1, cache_read: 1, tier: { above_input_tokens: 1.5, input: 1, output: 1, cache_write: 1, cache_read: 1 } } } }, 'prices.json'),
    ).toThrow(/models\.x\.tier\.above_input_tokens: 1\.5 must be a whole number/);
    expect(() => parsePriceTable({ models: { x: { input: 1, output: 1, cache_write: 1, cache_read: 1, tier: { input: 1 } } } }, 'prices.json')).toThrow(/models\.x\.tier/);
    expect(() => parsePriceTable({ models: { x: { input: -1, output: 1, cache_write: 1, cache_read: 1 } } }, 'prices.json')).toThrow(/models\.x\.input: -1 must not be negative/);
    const root = workspaceWith('{ not json');
    expect(() => pricingFor({ root, config: { ...DEFAULT_CONFIG, pricing: { file: 'prices.json' } } })).toThrow(TrackerError);
    expect(() => pricingFor({ root, config: { ...DEFAULT_CONFIG, pricing: { file: 'missing.json' } } })).toThrow(/Cannot read the pricing override file/);
  });
});

describe('completeRecord', () => {
  const loaded = loadConfig({ cwd: mkdtempSync(join(tmpdir(), 'tl-pricing-')), env: {} });
  const now = new Date('2026-06-15T12:00:00.000Z');

  it('fills cost_usd from the counts when none is given, the 1-hour writes priced apart', () => {
    const record = completeRecord({ model: 'claude-opus-4-20250514', ...usage, elapsed_time: 1 }, loaded, now, {});
    expect(record.cost_usd).toBe(30.75);
    // 0.1M of the 0.2M writes at the 1-hour rate ($30 instead of $18.75): +$1.125
    expect(completeRecord({ model: 'claude-opus-4-20250514', ...usage, cache_creation_1h_tokens: 100_000 }, loaded, now, {}).cost_usd).toBe(31.875);
  });

  it('keeps a given cost, even 0, and leaves unknown models empty', () => {
    expect(completeRecord({ model: 'claude-sonnet-4-5', ...usage, cost_usd: 0 }, loaded, now, {}).cost_usd).toBe(0);
    expect(completeRecord({ model: 'mystery-model', ...usage }, loaded, now, {}).cost_usd).toBeNull();
    expect(completeRecord({ tokens_used: 10 }, loaded, now, {}).cost_usd).toBeNull();
  });
});
