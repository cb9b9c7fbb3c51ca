/**
 * The stats of many groups at once (a report's totals, or one `--by` key's
 * groups) as columns: per group one row of a Float64Array with its counts,
 * token sums, cost and first and last time, and its elapsed times when kept.
 * A state crosses from a worker thread and into a cache file as typed arrays
 * rather than an object per group (a year of a team's ledger has tens of
 * thousands of sessions), and merging two is order-independent, so a ledger
 * read in pieces adds up to exactly the figures of one read.
 */
import { doubled } from './doubled.ts';
import { sortAscending } from './sort-ascending.ts';
import { costUnitsOf, usdOfCostUnits } from '../numbers.ts';
import type { LedgerRecord } from '../schema.ts';
import type { UsageStats } from './aggregate.ts';

// A group's row. Counts and sums are integers (cost in 1e-8 USD, the ledger's precision), so the order of adding
// does not matter; first and last are times in ms, ±Infinity while the group has no row. The ledger's timestamps
// are ISO 8601 UTC with milliseconds, which Date.parse and toISOString carry over exactly.
const TRANSACTIONS = 0;
const TOKENS = 1;
const INPUT = 2;
const OUTPUT = 3;
const CACHE_CREATION = 4;
const CACHE_READ = 5;
/** Input and cache reads of the rows that know their input, for the cache-read share. */
const INPUT_FOR_SHARE = 6;
const CACHE_READ_FOR_SHARE = 7;
const COST_UNITS = 8;
const UNPRICED = 9;
const ERRORS = 10;
const FIRST = 11;
const LAST = 12;
const STRIDE = 13;

export interface GroupsState {
  keys: string[];
  /** Group i's row starts at rows[i × 13]. */
  rows: Float64Array;
  /**
   * Per group every elapsed time (seconds), ascending: the percentiles need the
   * whole distribution, and sorted runs merge linearly. Null when not kept.
   */
  elapsed: Float64Array[] | null;
}

/** Nearest-rank percentile of ascending values. */
export function percentile(sorted: ArrayLike<number>, fraction: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil(fraction * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? null;
}

/**
 * Two ascending arrays as one. One loop to the end, the rest of either array included: with the rest copied after
 * the loop, V8 optimized the function within its first long loop and deoptimized it at the copy (~25 times a report).
 */
function mergeSorted(left: Float64Array, right: Float64Array): Float64Array {
  const merged = new Float64Array(left.length + right.length);
  let from = 0;
  let to = 0;
  for (let at = 0; at < merged.length; at += 1) merged[at] = to === right.length || (from < left.length && left[from]! <= right[to]!) ? left[from++]! : right[to++]!;
  return merged;
}

/** A group's elapsed times: sorted runs (merged states' as they came, so merging copies nothing), and added rows' in a plain array. */
interface Elapsed {
  runs: Float64Array[];
  added: number[];
}

export class GroupStats {
  private readonly indexes = new Map<string, number>();
  private readonly keys: string[] = [];
  private rows = new Float64Array(STRIDE * 16);
  /** Null: no elapsed times are kept, and the percentiles are null. */
  private readonly elapsed: Elapsed[] | null;

  constructor(keepElapsed: boolean) {
    this.elapsed = keepElapsed ? [] : null;
  }

  /** The groups' keys, in first-seen order. */
  get groupKeys(): readonly string[] {
    return this.keys;
  }

  /** A group's index, a new group with nothing in it if the key has none yet. */
  indexOf(key: string): number {
    let group = this.indexes.get(key);
    if (group === undefined) {
      group = this.keys.length;
      this.indexes.set(key, group);
      this.keys.push(key);
      if ((group + 1) * STRIDE > this.rows.length) this.rows = doubled(this.rows);
      this.rows[group * STRIDE + FIRST] = Number.POSITIVE_INFINITY;
      this.rows[group * STRIDE + LAST] = Number.NEGATIVE_INFINITY;
      this.elapsed?.push({ runs: [], added: [] });
    }
    return group;
  }

  /** `time` is timestampMs of the record's timestamp, taken once for all the groups a row is in. */
  add(group: number, record: LedgerRecord, time: number): void {
    const rows = this.rows;
    const at = group * STRIDE;
    rows[at + TRANSACTIONS]! += 1;
    rows[at + TOKENS]! += record.tokens_used;
    rows[at + INPUT]! += record.input_tokens ?? 0;
    rows[at + OUTPUT]! += record.output_tokens ?? 0;
    rows[at + CACHE_CREATION]! += record.cache_creation_tokens ?? 0;
    rows[at + CACHE_READ]! += record.cache_read_tokens ?? 0;
    if (record.input_tokens !== null && record.input_tokens > 0) {
      rows[at + INPUT_FOR_SHARE]! += record.input_tokens;
      rows[at + CACHE_READ_FOR_SHARE]! += record.cache_read_tokens ?? 0;
    }
    if (record.cost_usd === null) rows[at + UNPRICED]! += 1;
    else rows[at + COST_UNITS]! += costUnitsOf(record.cost_usd);
    if (record.error_occurred) rows[at + ERRORS]! += 1;
    if (time < rows[at + FIRST]!) rows[at + FIRST] = time;
    if (time > rows[at + LAST]!) rows[at + LAST] = time;
    this.elapsed?.[group]!.added.push(record.elapsed_time);
  }

  /** Adds what another GroupStats gathered (over other rows, keeping elapsed times alike). */
  merge(other: GroupsState): void {
    if (this.keys.length === 0 && other.keys.length > 0) {
      this.adopt(other);
      return;
    }
    for (let from = 0; from < other.keys.length; from += 1) {
      const group = this.indexOf(other.keys[from]!);
      const at = group * STRIDE;
      const source = from * STRIDE;
      const rows = this.rows;
      for (let field = 0; field < FIRST; field += 1) rows[at + field]! += other.rows[source + field]!;
      rows[at + FIRST] = Math.min(rows[at + FIRST]!, other.rows[source + FIRST]!);
      rows[at + LAST] = Math.max(rows[at + LAST]!, other.rows[source + LAST]!);
      const runs = other.elapsed?.[from];
      if (this.elapsed && runs && runs.length > 0) this.elapsed[group]!.runs.push(runs);
    }
  }

  /** Into nothing (the first piece of a read, a cached state): the other's groups become ours whole, with no sum per field. */
  private adopt(other: GroupsState): void {
    for (const key of other.keys) {
      this.indexes.set(key, this.keys.length);
      this.keys.push(key);
    }
    this.rows = other.rows.slice();
    if (this.elapsed) for (const [group] of other.keys.entries()) this.elapsed.push({ runs: other.elapsed?.[group]?.length ? [other.elapsed[group]!] : [], added: [] });
  }

  state(): GroupsState {
    return {
      keys: [...this.keys],
      rows: this.rows.slice(0, this.keys.length * STRIDE),
      elapsed: this.elapsed ? this.elapsed.map((_, group) => this.sortedElapsed(group)) : null,
    };
  }

  stats(group: number): UsageStats {
    const rows = this.rows;
    const at = group * STRIDE;
    const elapsed = this.elapsed ? this.sortedElapsed(group) : new Float64Array(0);
    const transactions = rows[at + TRANSACTIONS]!;
    const errors = rows[at + ERRORS]!;
    const inputForShare = rows[at + INPUT_FOR_SHARE]!;
    return {
      transactions,
      tokens_used: rows[at + TOKENS]!,
      input_tokens: rows[at + INPUT]!,
      output_tokens: rows[at + OUTPUT]!,
      cache_creation_tokens: rows[at + CACHE_CREATION]!,
      cache_read_tokens: rows[at + CACHE_READ]!,
      cost_usd: usdOfCostUnits(rows[at + COST_UNITS]!),
      unpriced_transactions: rows[at + UNPRICED]!,
      errors,
      error_rate: transactions === 0 ? null : errors / transactions,
      elapsed_p50: percentile(elapsed, 0.5),
      elapsed_p95: percentile(elapsed, 0.95),
      cache_read_share: inputForShare === 0 ? null : rows[at + CACHE_READ_FOR_SHARE]! / inputForShare,
      first_timestamp: timestampOf(rows[at + FIRST]!),
      last_timestamp: timestampOf(rows[at + LAST]!),
    };
  }

  /** A group's elapsed times, ascending; kept as its one run, so asking again costs nothing. Callers must not change it. */
  private sortedElapsed(group: number): Float64Array {
    const elapsed = this.elapsed![group]!;
    if (elapsed.added.length > 0) {
      elapsed.runs.push(sortAscending(Float64Array.from(elapsed.added)));
      elapsed.added = [];
    }
    // Merge neighbours pairwise until one run is left: log2(runs) linear passes.
    while (elapsed.runs.length > 1) {
      const merged: Float64Array[] = [];
      for (let index = 0; index < elapsed.runs.length; index += 2) {
        const next = elapsed.runs[index + 1];
        merged.push(next ? mergeSorted(elapsed.runs[index]!, next) : elapsed.runs[index]!);
      }
      elapsed.runs = merged;
    }
    return elapsed.runs[0] ?? new Float64Array(0);
  }
}

function timestampOf(time: number): string | null {
  return Number.isFinite(time) ? new Date(time).toISOString() : null;
}
