import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, TrackerError, completeRecord, loadConfig } from '../../../../src/lib/tracker/index.ts';
import { Pricing, parsePriceTable, pricingFor, shippedPriceTable } from '../../../../src/lib/tracker/pricing/pricing.ts';

const shipped = new Pricing([shippedPriceTable()]);

// input_tokens includes both cache parts, as in the ledger.
const usage = { input_tokens: 1_000_000 + 200_000 + 3_000_000, output_tokens: 100_000, cache_creation_tokens: 200_000, cache_read_tokens: 3_000_000 };

describe('shipped price table', () => {
  it('prices each part of the input at its own rate (pinned figures)', () => {
    // Sonnet 4.5: 1M fresh x $3 + 0.2M write x $3.75 + 3M read x $0.30 + 0.1M out x $15
    expect(shipped.cost('claude-sonnet-4-5-20250929', usage)).toBe(3 + 0.75 + 0.9 + 1.5);
    // Opus 4: 15 + 3.75 + 4.5 + 7.5
    expect(shipped.cost('claude-opus-4-20250514', usage)).toBe(30.75);
    // Haiku 3.5: 0.8 + 0.2 + 0.24 + 0.4
    expect(shipped.cost('claude-3-5-haiku-20241022', usage)).toBeCloseTo(1.64, 10);
    // GPT-5, counts as Codex gives them: 1M fresh x $1.25 + 1M cached x $0.125 + 0.5M out x $10
    expect(shipped.cost('gpt-5', { input_tokens: 2_000_000, output_tokens: 500_000, cache_creation_tokens: 0, cache_read_tokens: 1_000_000 })).toBe(1.25 + 0.125 + 5);
    expect(shipped.cost('gemini-2.5-flash', { input_tokens: 1_000_000, output_tokens: 1_000_000, cache_creation_tokens: null, cache_read_tokens: null })).toBe(2.8);
  });

  it('finds models by alias, dated id and provider-prefixed id', () => {
    expect(shipped.lookup('claude-sonnet-4-5')?.model).toBe('claude-sonnet-4-5-20250929');
    expect(shipped.lookup('Claude-Sonnet-4-5-20250929')?.model).toBe('claude-sonnet-4-5-20250929');
    expect(shipped.lookup('anthropic/claude-haiku-4-5')?.model).toBe('claude-haiku-4-5-20251001');
    expect(shipped.lookup('us.anthropic.claude-opus-4-1-20250805-v1:0')?.model).toBe('claude-opus-4-1-20250805');
    expect(shipped.lookup('claude-sonnet-4-5@20250929')?.model).toBe('claude-sonnet-4-5-20250929');
    expect(shipped.lookup('gpt-5-2025-08-07')?.model).toBe('gpt-5');
    expect(shipped.lookup('gpt-5-mini-2025-08-07')?.model).toBe('gpt-5-mini');
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

  it('rejects a bad file with the field and the rule', () => {
    expect(() => parsePriceTable({ models: { x: { input: -1, output: 1, cache_write: 1, cache_read: 1 } } }, 'prices.json')).toThrow(/models\.x\.input: -1 must not be negative/);
    const root = workspaceWith('{ not json');
    expect(() => pricingFor({ root, config: { ...DEFAULT_CONFIG, pricing: { file: 'prices.json' } } })).toThrow(TrackerError);
    expect(() => pricingFor({ root, config: { ...DEFAULT_CONFIG, pricing: { file: 'missing.json' } } })).toThrow(/Cannot read the pricing override file/);
  });
});

describe('completeRecord', () => {
  const loaded = loadConfig({ cwd: mkdtempSync(join(tmpdir(), 'tl-pricing-')), env: {} });
  const now = new Date('2026-06-15T12:00:00.000Z');

  it('fills cost_usd from the counts when none is given', () => {
    const record = completeRecord({ model: 'claude-sonnet-4-5-20250929', ...usage, elapsed_time: 1 }, loaded, now, {});
    expect(record.cost_usd).toBe(6.15);
  });

  it('keeps a given cost, even 0, and leaves unknown models empty', () => {
    expect(completeRecord({ model: 'claude-sonnet-4-5', ...usage, cost_usd: 0 }, loaded, now, {}).cost_usd).toBe(0);
    expect(completeRecord({ model: 'mystery-model', ...usage }, loaded, now, {}).cost_usd).toBeNull();
    expect(completeRecord({ tokens_used: 10 }, loaded, now, {}).cost_usd).toBeNull();
  });
});
