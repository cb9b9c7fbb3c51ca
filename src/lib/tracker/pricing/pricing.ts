/**
 * Cost of a record from its token counts: the shipped price table
 * (prices.json, USD per million tokens) with the user's override file
 * (config `pricing.file`) laid over it. A model that no table names has no
 * price: its cost stays empty and reports count it as unpriced, never as $0.
 *
 * Cache writes are priced by how long the entry lives: `cache_write` is the
 * 5-minute rate, and the part written to the 1-hour cache costs
 * `cache_write_1h` (2x the input rate unless the table says otherwise). A
 * model whose price rises with the context (`tier`) is priced at the tier's
 * rates, for every token of the request, when the request's own input (cache
 * parts included) is above `above_input_tokens`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod/mini';
import type { LoadedConfig } from '../config.ts';
import { TrackerError, ValidationError } from '../errors.ts';
import shippedTable from './prices.json' with { type: 'json' };
import { COST_DECIMALS, roundTo } from '../schema.ts';
import { issuesFromZod } from '../validate.ts';

/** 1-hour cache writes cost twice the input rate (Anthropic's list price) unless an entry names its own rate. */
export const ONE_HOUR_CACHE_WRITE_FACTOR = 2;

/**
 * The price table schemas, built on first use: only an override file and the
 * tests validate a table (the shipped one is trusted, see shippedPriceTable),
 * and building them cost every priced hook call ~1 M instructions.
 */
function buildPriceSchemas() {
  const rate = z.number({ error: 'must be a number of USD per million tokens' }).check(z.minimum(0, { error: 'must not be negative' }));
  const rates = {
    input: rate,
    output: rate,
    cache_write: rate,
    cache_write_1h: z.optional(rate),
    cache_read: rate,
  };
  const tier = z.strictObject(
    {
      above_input_tokens: z.int({ error: 'must be a whole number of input tokens' }).check(z.minimum(0, { error: 'must not be negative' })),
      ...rates,
    },
    { error: 'must be {above_input_tokens, input, output, cache_write, cache_read}' },
  );
  const model = z.strictObject({
    ...rates,
    tier: z.optional(tier),
    aliases: z._default(z.array(z.string({ error: 'must be a model id' }).check(z.minLength(1, { error: 'must not be empty' }))), []),
  });
  const table = z.strictObject({
    currency: z._default(z.literal('USD', { error: 'must be "USD"' }), 'USD'),
    unit: z._default(z.literal('per million tokens', { error: 'must be "per million tokens"' }), 'per million tokens'),
    as_of: z.optional(z.string()),
    /** Where the prices come from: the shipped table names the price package and version it was generated from. */
    source: z.optional(z.string()),
    notes: z.optional(z.string()),
    models: z.record(z.string().check(z.minLength(1, { error: 'model ids must not be empty' })), model, {
      error: 'must map model ids to {input, output, cache_write, cache_read}',
    }),
  });
  return { tier, model, table };
}
let priceSchemas: ReturnType<typeof buildPriceSchemas> | undefined;
const schemas = () => (priceSchemas ??= buildPriceSchemas());

/** The zod schema of a price table. */
export function priceTableSchema(): ReturnType<typeof buildPriceSchemas>['table'] {
  return schemas().table;
}

/** The zod schema of one model's prices (USD per million tokens). */
export function modelPriceSchema(): ReturnType<typeof buildPriceSchemas>['model'] {
  return schemas().model;
}

/** The zod schema of a model's long-context `tier`. */
export function priceTierSchema(): ReturnType<typeof buildPriceSchemas>['tier'] {
  return schemas().tier;
}

export type ModelPrice = z.output<ReturnType<typeof modelPriceSchema>>;
export type PriceTier = z.output<ReturnType<typeof priceTierSchema>>;
export type PriceTable = z.output<ReturnType<typeof priceTableSchema>>;

/** Token counts as the ledger keeps them: input_tokens includes both cache parts; cache_creation_1h_tokens is part of cache_creation_tokens. */
export interface TokenCounts {
  input_tokens: number | null;
  output_tokens: number | null;
  cache_creation_tokens: number | null;
  cache_read_tokens: number | null;
  /** Unknown (null or absent): every cache write is priced at the 5-minute rate. */
  cache_creation_1h_tokens?: number | null;
}

/** A snapshot date or `-latest`: the id without it names the same model when no table lists the full id. */
const VERSION_SUFFIX = /-(?:\d{8}|\d{4}-\d{2}-\d{2}|latest)$/;
const PROVIDER_PREFIX = /^(?:[a-z]+\/|(?:[a-z]{2}\.)?anthropic\.)/;

/** The spellings under which a model id may be listed, most specific first. */
function candidateNames(model: string): string[] {
  const name = model.trim().toLowerCase().replace(PROVIDER_PREFIX, '').replace(/-v\d+:\d+$/, '').replace('@', '-');
  const names = [model.trim().toLowerCase(), name];
  if (VERSION_SUFFIX.test(name)) names.push(name.replace(VERSION_SUFFIX, ''));
  return names;
}

export class Pricing {
  private readonly byName = new Map<string, { model: string; price: ModelPrice }>();

  /** Later tables win, so a user's entry replaces the shipped one for the same id or alias. */
  constructor(tables: readonly PriceTable[]) {
    for (const table of tables) {
      for (const [model, price] of Object.entries(table.models)) {
        for (const name of [model, ...price.aliases]) this.byName.set(name.toLowerCase(), { model, price });
      }
    }
  }

  /** The priced entry for a model id, alias, dated or `-latest` id, or provider-prefixed id; null when unknown. */
  lookup(model: string): { model: string; price: ModelPrice } | null {
    if (model.trim() === '') return null;
    for (const name of candidateNames(model)) {
      const entry = this.byName.get(name);
      if (entry) return entry;
    }
    return null;
  }

  /** USD for one record, or null when the model has no price or no token counts are known. */
  cost(model: string, counts: TokenCounts): number | null {
    const entry = this.lookup(model);
    if (!entry || (counts.input_tokens === null && counts.output_tokens === null)) return null;
    const inputTokens = counts.input_tokens ?? 0;
    const { tier } = entry.price;
    const price = tier !== undefined && inputTokens > tier.above_input_tokens ? tier : entry.price;
    const cacheWrite = counts.cache_creation_tokens ?? 0;
    const cacheWrite1h = Math.min(cacheWrite, counts.cache_creation_1h_tokens ?? 0);
    const cacheRead = counts.cache_read_tokens ?? 0;
    const freshInput = Math.max(0, inputTokens - cacheWrite - cacheRead);
    const micro =
      freshInput * price.input +
      (cacheWrite - cacheWrite1h) * price.cache_write +
      cacheWrite1h * (price.cache_write_1h ?? price.input * ONE_HOUR_CACHE_WRITE_FACTOR) +
      cacheRead * price.cache_read +
      (counts.output_tokens ?? 0) * price.output;
    return roundTo(micro / 1_000_000, COST_DECIMALS);
  }
}

export function parsePriceTable(raw: unknown, where: string): PriceTable {
  const result = priceTableSchema().safeParse(raw);
  if (result.success) return result.data;
  throw new ValidationError(
    'INVALID_CONFIG',
    `Invalid price table in ${where}; the ledger was not touched`,
    issuesFromZod(result.error, raw),
    'Each entry needs input, output, cache_write and cache_read in USD per million tokens, plus optional cache_write_1h, tier and aliases; see the agent imports runbook.',
  );
}

function readOverrideFile(path: string): PriceTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TrackerError('INVALID_CONFIG', `Cannot read the pricing override file ${path}: ${(error as Error).message}`, {
      hint: 'Fix pricing.file in .kiro/token-tracker.json (a path relative to the workspace root) or set it to null.',
      cause: error,
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new TrackerError('INVALID_CONFIG', `The pricing override file ${path} is not valid JSON: ${(error as Error).message}`, {
      hint: 'The file holds one JSON object: {"models": {"model-id": {"input": 3, "output": 15, "cache_write": 3.75, "cache_read": 0.3}}}.',
      cause: error,
    });
  }
  return parsePriceTable(raw, path);
}

/**
 * The price table shipped in prices.json. scripts/update-prices.ts writes it
 * in the schema's output form (every default filled in) and a test holds it
 * to priceTableSchema, so it is not validated at run time: doing so cost
 * every hook call that prices a row several milliseconds.
 */
export function shippedPriceTable(): PriceTable {
  return shippedTable as PriceTable;
}

const cache = new Map<string, Pricing>();

/** The pricing a config names, read once per process and override file. */
export function pricingFor(loaded: Pick<LoadedConfig, 'config' | 'root'>): Pricing {
  const overridePath = loaded.config.pricing.file === null ? '' : resolve(loaded.root, loaded.config.pricing.file);
  let pricing = cache.get(overridePath);
  if (!pricing) {
    pricing = new Pricing(overridePath === '' ? [shippedPriceTable()] : [shippedPriceTable(), readOverrideFile(overridePath)]);
    cache.set(overridePath, pricing);
  }
  return pricing;
}

function countOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null;
}

/** The cost of a record candidate that gave none; null when it cannot be priced. */
export function costOfCandidate(candidate: Readonly<Record<string, unknown>>, pricing: Pricing): number | null {
  if (typeof candidate.model !== 'string') return null;
  return pricing.cost(candidate.model, {
    input_tokens: countOrNull(candidate.input_tokens),
    output_tokens: countOrNull(candidate.output_tokens),
    cache_creation_tokens: countOrNull(candidate.cache_creation_tokens),
    cache_read_tokens: countOrNull(candidate.cache_read_tokens),
    cache_creation_1h_tokens: countOrNull(candidate.cache_creation_1h_tokens),
  });
}
