/**
 * Usage aggregation: totals and groups (by day, week, month, session, hook,
 * trigger, workspace, model, error message) over a stream of records.
 * `track report` and the site's usage pages both use this module, so their
 * numbers agree.
 */
import { TrackerError } from './errors.ts';
import { COST_DECIMALS, roundTo, type LedgerRecord } from './schema.ts';

export const GROUP_KEYS = ['day', 'week', 'month', 'session', 'hook', 'trigger', 'workspace', 'model', 'error'] as const;
export type GroupKey = (typeof GROUP_KEYS)[number];

export interface UsageStats {
  transactions: number;
  tokens_used: number;
  input_tokens: number;
  output_tokens: number;
  cache_creation_tokens: number;
  cache_read_tokens: number;
  /** Sum of priced rows only; rows without a price are counted in unpriced_transactions. */
  cost_usd: number;
  unpriced_transactions: number;
  errors: number;
  /** errors / transactions, or null when there are no transactions. */
  error_rate: number | null;
  elapsed_p50: number | null;
  elapsed_p95: number | null;
  /** cache_read_tokens / input_tokens, or null when no input tokens are known. */
  cache_read_share: number | null;
  first_timestamp: string | null;
  last_timestamp: string | null;
}

export interface UsageGroup extends UsageStats {
  key: string;
}

export interface UsageReport {
  totals: UsageStats;
  groups: Partial<Record<GroupKey, UsageGroup[]>>;
}

const TIME_KEYS: ReadonlySet<GroupKey> = new Set(['day', 'week', 'month']);

/** The ISO 8601 week of a UTC timestamp, like 2026-W05. */
export function isoWeek(timestamp: string): string {
  const date = new Date(timestamp.slice(0, 10));
  const weekday = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${date.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

export function groupKeyOf(record: LedgerRecord, by: GroupKey): string {
  switch (by) {
    case 'day':
      return record.timestamp.slice(0, 10);
    case 'week':
      return isoWeek(record.timestamp);
    case 'month':
      return record.timestamp.slice(0, 7);
    case 'session':
      return record.session_id;
    case 'hook':
      return record.hook_name;
    case 'trigger':
      return record.hook_trigger_type;
    case 'workspace':
      return record.workspace_folder;
    case 'model':
      return record.model === '' ? '(unknown)' : record.model;
    case 'error':
      if (!record.error_occurred) return NO_ERROR_KEY;
      return record.error_message === '' ? '(no message)' : record.error_message;
  }
}

/** The `error` group of rows that did not fail. */
export const NO_ERROR_KEY = '(no error)';

/**
 * How much of a cost figure is known: every transaction priced, some, or
 * none. An unpriced transaction adds nothing to cost_usd, so a total over
 * unpriced rows must be shown as unpriced, never as $0.
 */
export function costCoverage(stats: Pick<UsageStats, 'transactions' | 'unpriced_transactions'>): 'priced' | 'partial' | 'unpriced' {
  if (stats.unpriced_transactions === 0) return 'priced';
  return stats.unpriced_transactions === stats.transactions ? 'unpriced' : 'partial';
}

/** Nearest-rank percentile of ascending values. */
export function percentile(sorted: ArrayLike<number>, fraction: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil(fraction * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? null;
}

class StatsAccumulator {
  private transactions = 0;
  private tokens = 0;
  private input = 0;
  private output = 0;
  private cacheCreation = 0;
  private cacheRead = 0;
  private inputForShare = 0;
  private cacheReadForShare = 0;
  private cost = 0;
  private unpriced = 0;
  private errors = 0;
  private readonly elapsed: number[] = [];
  private first: string | null = null;
  private last: string | null = null;

  add(record: LedgerRecord): void {
    this.transactions += 1;
    this.tokens += record.tokens_used;
    this.input += record.input_tokens ?? 0;
    this.output += record.output_tokens ?? 0;
    this.cacheCreation += record.cache_creation_tokens ?? 0;
    this.cacheRead += record.cache_read_tokens ?? 0;
    if (record.input_tokens !== null && record.input_tokens > 0) {
      this.inputForShare += record.input_tokens;
      this.cacheReadForShare += record.cache_read_tokens ?? 0;
    }
    if (record.cost_usd === null) this.unpriced += 1;
    else this.cost += record.cost_usd;
    if (record.error_occurred) this.errors += 1;
    this.elapsed.push(record.elapsed_time);
    if (this.first === null || record.timestamp < this.first) this.first = record.timestamp;
    if (this.last === null || record.timestamp > this.last) this.last = record.timestamp;
  }

  stats(): UsageStats {
    const elapsed = Float64Array.from(this.elapsed).sort();
    return {
      transactions: this.transactions,
      tokens_used: this.tokens,
      input_tokens: this.input,
      output_tokens: this.output,
      cache_creation_tokens: this.cacheCreation,
      cache_read_tokens: this.cacheRead,
      cost_usd: roundTo(this.cost, COST_DECIMALS),
      unpriced_transactions: this.unpriced,
      errors: this.errors,
      error_rate: this.transactions === 0 ? null : this.errors / this.transactions,
      elapsed_p50: percentile(elapsed, 0.5),
      elapsed_p95: percentile(elapsed, 0.95),
      cache_read_share: this.inputForShare === 0 ? null : this.cacheReadForShare / this.inputForShare,
      first_timestamp: this.first,
      last_timestamp: this.last,
    };
  }
}

export interface AggregateOptions {
  groupBy?: readonly GroupKey[];
  /** Inclusive lower bound, an ISO timestamp. */
  since?: string;
  /** Exclusive upper bound, an ISO timestamp. */
  until?: string;
}

export class UsageAggregator {
  private readonly totals = new StatsAccumulator();
  // An array, not a Map: add() walks it for every row, and a Map iterator allocates each time.
  private readonly groups: { by: GroupKey; accumulators: Map<string, StatsAccumulator> }[];
  private readonly options: AggregateOptions;

  constructor(options: AggregateOptions = {}) {
    this.options = options;
    this.groups = (options.groupBy ?? []).map((by) => ({ by, accumulators: new Map() }));
  }

  /** Adds a record; returns false when the date range leaves it out. */
  add(record: LedgerRecord): boolean {
    if (this.options.since !== undefined && record.timestamp < this.options.since) return false;
    if (this.options.until !== undefined && record.timestamp >= this.options.until) return false;
    this.totals.add(record);
    for (const { by, accumulators } of this.groups) {
      const key = groupKeyOf(record, by);
      let accumulator = accumulators.get(key);
      if (!accumulator) {
        accumulator = new StatsAccumulator();
        accumulators.set(key, accumulator);
      }
      accumulator.add(record);
    }
    return true;
  }

  report(): UsageReport {
    const groups: Partial<Record<GroupKey, UsageGroup[]>> = {};
    for (const { by, accumulators } of this.groups) {
      const list = [...accumulators].map(([key, accumulator]) => ({ key, ...accumulator.stats() }));
      list.sort(TIME_KEYS.has(by) ? (a, b) => a.key.localeCompare(b.key) : (a, b) => b.tokens_used - a.tokens_used || a.key.localeCompare(b.key));
      groups[by] = list;
    }
    return { totals: this.totals.stats(), groups };
  }
}

/**
 * Reads a date bound given by a user: a calendar day (YYYY-MM-DD, UTC) or a
 * full ISO timestamp. An end bound given as a day includes that whole day.
 */
export function parseDateBound(text: string, bound: 'since' | 'until'): string {
  const dayOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const time = Date.parse(dayOnly ? `${text}T00:00:00.000Z` : text);
  if (Number.isNaN(time)) {
    throw new TrackerError('INVALID_INPUT', `--${bound}: ${JSON.stringify(text)} is not a date`, {
      hint: 'Give a day like 2026-01-31 or a timestamp like 2026-01-31T12:00:00Z.',
    });
  }
  return new Date(dayOnly && bound === 'until' ? time + 86_400_000 : time).toISOString();
}
