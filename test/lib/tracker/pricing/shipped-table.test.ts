import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ModelInfo, Provider } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import packageJson from '../../../../package.json' with { type: 'json' };
import { CLAUDE_MODELS, CODEX_MODELS, GEMINI_MODELS, OPENCODE_MODELS } from '../../../../scripts/generate-agent-logs.ts';
import { SHIPPED_TABLE_PATH, formatPriceTable, packageVersion, priceTableFromPackage, priceTableFromProviders } from '../../../../scripts/update-prices.ts';
import { readLedger } from '../../../../src/lib/tracker/index.ts';
import { Pricing, shippedPriceTable } from '../../../../src/lib/tracker/pricing/pricing.ts';

const SAMPLE_LEDGER = fileURLToPath(new URL('../../../../src/data/sample-ledger.csv', import.meta.url));
/** Models the generators name on purpose without a price, to exercise unpriced rows. */
const UNPRICED_ON_PURPOSE = new Set(['claude-lab-preview-x', 'in-house-llm']);

describe('the shipped price table', () => {
  const committed = readFileSync(SHIPPED_TABLE_PATH, 'utf8');
  const shipped = shippedPriceTable();

  it('is what scripts/update-prices.ts writes from the installed price package (run it after bumping the package)', () => {
    expect(shipped.as_of).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(committed).toBe(formatPriceTable(priceTableFromPackage(shipped.as_of ?? '')));
  });

  it('comes from the exact package version package.json pins', () => {
    expect(packageJson.devDependencies['@pydantic/genai-prices']).toBe(packageVersion());
    expect(shipped.source).toBe(`@pydantic/genai-prices ${packageVersion()}`);
  });

  it('prices every model the agent-log generators name', () => {
    const pricing = new Pricing([shipped]);
    const named = [...CLAUDE_MODELS, ...CODEX_MODELS, ...GEMINI_MODELS, ...OPENCODE_MODELS.map((model) => model.modelID)].filter((model) => !UNPRICED_ON_PURPOSE.has(model));
    expect(named.filter((model) => pricing.lookup(model) === null)).toEqual([]);
  });

  it("gives every row of the sample ledger the cost it was generated with (regenerate the sample when prices change)", async () => {
    const pricing = new Pricing([shipped]);
    const models = new Set<string>();
    const differing: string[] = [];
    for await (const row of readLedger(SAMPLE_LEDGER)) {
      if (!row.ok) throw new Error(`sample ledger line ${row.line} is invalid`);
      const { record } = row;
      models.add(record.model);
      if (pricing.cost(record.model, record) !== record.cost_usd) differing.push(`${record.transaction_id} ${record.model}`);
    }
    expect(differing).toEqual([]);
    expect([...models].filter((model) => !UNPRICED_ON_PURPOSE.has(model) && pricing.lookup(model) === null)).toEqual([]);
  });
});

describe('priceTableFromProviders', () => {
  const provider = (models: ModelInfo[]): Provider => ({ id: 'lab', name: 'Lab', api_pattern: 'lab', models });
  const only = (model: ModelInfo, asOf = '2026-01-01') => priceTableFromProviders([provider([model])], asOf, 'test').models;

  it('repeats the input rate for cache parts the provider does not charge apart, and keeps a listed 1-hour rate', () => {
    expect(only({ id: 'plain', match: { equals: 'plain' }, prices: { input_mtok: 2, output_mtok: 8 } })).toEqual({
      plain: { input: 2, output: 8, cache_write: 2, cache_read: 2, aliases: [] },
    });
    expect(only({ id: 'cached', match: { equals: 'cached' }, prices: { input_mtok: 1, output_mtok: 5, cache_write_mtok: 1.25, cache_write_1h_mtok: 2, cache_read_mtok: 0.1 } }).cached).toEqual({
      input: 1,
      output: 5,
      cache_write: 1.25,
      cache_write_1h: 2,
      cache_read: 0.1,
      aliases: [],
    });
  });

  it('takes the prices in force on the as-of date', () => {
    const model: ModelInfo = {
      id: 'dated',
      match: { equals: 'dated' },
      prices: [{ prices: { input_mtok: 10, output_mtok: 40 } }, { constraint: { type: 'start_date', start_date: '2025-06-10' }, prices: { input_mtok: 2, output_mtok: 8, cache_read_mtok: 0.5 } }],
    };
    expect(only(model, '2025-06-09').dated).toMatchObject({ input: 10, output: 40, cache_read: 10 });
    expect(only(model, '2025-06-10').dated).toMatchObject({ input: 2, output: 8, cache_read: 0.5 });
  });

  it('turns rates that rise above one input size into a tier, untiered parts at their base rates', () => {
    const model: ModelInfo = {
      id: 'long',
      match: { equals: 'long' },
      prices: {
        input_mtok: { base: 1.25, tiers: [{ start: 200_000, price: 2.5 }] },
        output_mtok: { base: 10, tiers: [{ start: 200_000, price: 15 }] },
        cache_read_mtok: 0.125,
      },
    };
    expect(only(model).long).toEqual({
      input: 1.25,
      output: 10,
      cache_write: 1.25,
      cache_read: 0.125,
      tier: { above_input_tokens: 200_000, input: 2.5, output: 15, cache_write: 2.5, cache_read: 0.125 },
      aliases: [],
    });
  });

  it('stops on prices the table cannot hold', () => {
    const tiered = (tiers: { start: number; price: number }[], outputStart = 200_000): ModelInfo => ({
      id: 'odd',
      match: { equals: 'odd' },
      prices: { input_mtok: { base: 1, tiers }, output_mtok: { base: 2, tiers: [{ start: outputStart, price: 3 }] } },
    });
    expect(() => only(tiered([{ start: 200_000, price: 2 }, { start: 1_000_000, price: 4 }]))).toThrow(/odd: more than one long-context tier/);
    expect(() => only(tiered([{ start: 200_000, price: 2 }], 128_000))).toThrow(/odd: rates rise at different input sizes/);
    const byHour: ModelInfo = {
      id: 'peak',
      match: { equals: 'peak' },
      prices: [{ prices: { input_mtok: 1, output_mtok: 2 } }, { constraint: { type: 'time_of_date', start_time: '01:00:00Z', end_time: '04:00:00Z' }, prices: { input_mtok: 2, output_mtok: 4 } }],
    };
    expect(() => only(byHour)).toThrow(/peak: prices by time of day/);
    expect(() => only({ id: 'x', match: { equals: 'x' }, prices: { input_mtok: 1, output_mtok: 1 } }, '2026-13-01')).toThrow(/--as-of must be a date/);
  });

  it('lists a model under the whole ids its match names, each id with the first model that matches it, as the package picks', () => {
    const models = priceTableFromProviders(
      [
        provider([
          { id: 'coder-mini', match: { equals: 'coder-mini' }, prices: { input_mtok: 0.25, output_mtok: 2 } },
          { id: 'coder-latest', match: { or: [{ starts_with: 'coder' }, { starts_with: 'coder-v1@' }, { equals: 'coder-2025-01-01' }] }, prices: { input_mtok: 1, output_mtok: 4 } },
          { id: 'coder-pro', match: { equals: 'coder-pro' }, prices: { input_mtok: 5, output_mtok: 20 } },
          { id: 'ft:coder', match: { starts_with: 'ft:coder-' }, prices: { input_mtok: 3, output_mtok: 12 } },
          { id: 'painter', match: { equals: 'painter' }, prices: { output_image_mtok: 30 } },
        ]),
        provider([{ id: 'coder', match: { equals: 'coder' }, prices: { input_mtok: 9, output_mtok: 9 } }]),
      ],
      '2026-01-01',
      'test',
    ).models;
    // The package prices coder-pro as coder-latest (its first match); a fine-tune prefix is no whole id;
    // a model priced per image is not priced by tokens; the second provider's coder is the first's.
    expect(Object.keys(models)).toEqual(['coder-mini', 'coder-latest']);
    expect(models['coder-latest']).toMatchObject({ input: 1, aliases: ['coder', 'coder-2025-01-01'] });
  });
});
