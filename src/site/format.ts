/**
 * How usage numbers read on the site. Cost over unpriced transactions is
 * shown as "unpriced", never as $0; a partly priced figure carries a mark.
 */
import { costCoverage, type UsageStats } from '../lib/tracker/index.ts';

const integerFormat = new Intl.NumberFormat('en-US');
const dollarFormat = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 4 });

export const NOT_AVAILABLE = '–';
/** Marks a cost that leaves out unpriced transactions. */
export const PARTIAL_COST_MARK = '*';

export function formatInteger(value: number): string {
  return integerFormat.format(value);
}

export function formatCost(stats: Pick<UsageStats, 'cost_usd' | 'transactions' | 'unpriced_transactions'>): string {
  const coverage = costCoverage(stats);
  if (coverage === 'unpriced') return 'unpriced';
  return `${dollarFormat.format(stats.cost_usd)}${coverage === 'partial' ? PARTIAL_COST_MARK : ''}`;
}

export function formatShare(value: number | null): string {
  return value === null ? NOT_AVAILABLE : `${(value * 100).toFixed(1)}%`;
}

export function formatSeconds(value: number | null): string {
  return value === null ? NOT_AVAILABLE : `${value.toFixed(3)} s`;
}

/** A ledger timestamp without its milliseconds, still UTC. */
export function formatTimestamp(value: string | null): string {
  return value === null ? NOT_AVAILABLE : `${value.slice(0, 10)} ${value.slice(11, 19)} UTC`;
}

/** Table columns over usage stats, by the stat they show. */
export const STAT_COLUMNS = {
  transactions: { label: 'Transactions', format: (stats: UsageStats) => formatInteger(stats.transactions) },
  tokens_used: { label: 'Tokens', format: (stats: UsageStats) => formatInteger(stats.tokens_used) },
  input_tokens: { label: 'Input', format: (stats: UsageStats) => formatInteger(stats.input_tokens) },
  output_tokens: { label: 'Output', format: (stats: UsageStats) => formatInteger(stats.output_tokens) },
  cache_creation_tokens: { label: 'Cache write', format: (stats: UsageStats) => formatInteger(stats.cache_creation_tokens) },
  cache_read_tokens: { label: 'Cache read', format: (stats: UsageStats) => formatInteger(stats.cache_read_tokens) },
  cost_usd: { label: 'Cost', format: formatCost },
  errors: { label: 'Errors', format: (stats: UsageStats) => formatInteger(stats.errors) },
  error_rate: { label: 'Error rate', format: (stats: UsageStats) => formatShare(stats.error_rate) },
  elapsed_p50: { label: 'p50 elapsed', format: (stats: UsageStats) => formatSeconds(stats.elapsed_p50) },
  elapsed_p95: { label: 'p95 elapsed', format: (stats: UsageStats) => formatSeconds(stats.elapsed_p95) },
  first_timestamp: { label: 'First', format: (stats: UsageStats) => formatTimestamp(stats.first_timestamp) },
  last_timestamp: { label: 'Last', format: (stats: UsageStats) => formatTimestamp(stats.last_timestamp) },
} as const;

export type StatColumn = keyof typeof STAT_COLUMNS;
