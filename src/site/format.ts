/**
 * How usage numbers read on the site, at build time and in the browser (so
 * no imports that would pull the library into the page's bundle). Cost over
 * unpriced transactions is shown as "unpriced", never as $0; a partly priced
 * figure carries a mark. Every dollar figure goes through formatUsd.
 */
import { costCoverage } from '../lib/tracker/report/coverage.ts';
import type { UsageStats } from '../lib/tracker/report/aggregate.ts';
import type { BucketStats } from './usage-buckets.ts';

const integerFormat = new Intl.NumberFormat('en-US');
const dollarFormat = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });

export const NOT_AVAILABLE = '–';
/** Marks a cost that leaves out unpriced transactions. */
export const PARTIAL_COST_MARK = '*';

export function formatInteger(value: number): string {
  return integerFormat.format(value);
}

/** The one money format of the site: US dollars, two decimals; a cost too small to show a cent is "<$0.01", never "$0.00". */
export function formatUsd(value: number): string {
  return value > 0 && value < 0.005 ? `<${dollarFormat.format(0.01)}` : dollarFormat.format(value);
}

export function formatCost(stats: Pick<UsageStats, 'cost_usd' | 'transactions' | 'unpriced_transactions'>): string {
  // A quiet day has nothing to price; "$0.00" there would read like free usage.
  if (stats.transactions === 0) return NOT_AVAILABLE;
  const coverage = costCoverage(stats);
  if (coverage === 'unpriced') return 'unpriced';
  return `${formatUsd(stats.cost_usd)}${coverage === 'partial' ? PARTIAL_COST_MARK : ''}`;
}

export function formatShare(value: number | null): string {
  return value === null ? NOT_AVAILABLE : `${(value * 100).toFixed(1)}%`;
}

export function formatSeconds(value: number | null | undefined): string {
  return value === null || value === undefined ? NOT_AVAILABLE : `${value.toFixed(3)} s`;
}

/** A ledger timestamp without its milliseconds, still UTC. */
export function formatTimestamp(value: string | null | undefined): string {
  return value === null || value === undefined ? NOT_AVAILABLE : `${value.slice(0, 10)} ${value.slice(11, 19)} UTC`;
}

/**
 * A row of a stats table: a `track report` group, or a sum of buckets (which
 * has the cache savings but no percentiles or timestamps).
 */
export type StatRow = Omit<BucketStats, 'saved_usd'> &
  Partial<Pick<BucketStats, 'saved_usd'> & Pick<UsageStats, 'elapsed_p50' | 'elapsed_p95' | 'first_timestamp' | 'last_timestamp'>>;

/** Table columns over usage stats, by the stat they show. */
export const STAT_COLUMNS = {
  transactions: { label: 'Transactions', format: (stats: StatRow) => formatInteger(stats.transactions) },
  tokens_used: { label: 'Tokens', format: (stats: StatRow) => formatInteger(stats.tokens_used) },
  input_tokens: { label: 'Input', format: (stats: StatRow) => formatInteger(stats.input_tokens) },
  output_tokens: { label: 'Output', format: (stats: StatRow) => formatInteger(stats.output_tokens) },
  cache_creation_tokens: { label: 'Cache write', format: (stats: StatRow) => formatInteger(stats.cache_creation_tokens) },
  cache_read_tokens: { label: 'Cache read', format: (stats: StatRow) => formatInteger(stats.cache_read_tokens) },
  cost_usd: { label: 'Cost', format: formatCost },
  saved_usd: { label: 'Saved by cache', format: (stats: StatRow) => (stats.saved_usd === undefined ? NOT_AVAILABLE : formatCost({ ...stats, cost_usd: stats.saved_usd })) },
  errors: { label: 'Errors', format: (stats: StatRow) => formatInteger(stats.errors) },
  error_rate: { label: 'Error rate', format: (stats: StatRow) => formatShare(stats.error_rate) },
  elapsed_p50: { label: 'p50 elapsed', format: (stats: StatRow) => formatSeconds(stats.elapsed_p50) },
  elapsed_p95: { label: 'p95 elapsed', format: (stats: StatRow) => formatSeconds(stats.elapsed_p95) },
  first_timestamp: { label: 'First', format: (stats: StatRow) => formatTimestamp(stats.first_timestamp) },
  last_timestamp: { label: 'Last', format: (stats: StatRow) => formatTimestamp(stats.last_timestamp) },
} as const;

export type StatColumn = keyof typeof STAT_COLUMNS;
