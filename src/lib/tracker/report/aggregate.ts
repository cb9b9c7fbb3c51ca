/**
 * Usage aggregation: totals and groups (by day, week, month, session, hook,
 * trigger, workspace, model, user, error message) over a stream of records.
 * `track report` and the site's usage pages both use this module, so their
 * numbers agree.
 */
import { TrackerError } from '../errors.ts';
import { costUnitsOf } from '../numbers.ts';
import { timestampMs, type LedgerRecord } from '../schema.ts';
import { ZoneCalendar } from './time-zone.ts';
import { GroupStats, type GroupsState } from './group-stats.ts';
import { TupleSums } from './tuple-sums.ts';
export { percentile } from './group-stats.ts';
export { costCoverage } from './coverage.ts';

export const GROUP_KEYS = ['day', 'week', 'month', 'session', 'hook', 'trigger', 'workspace', 'model', 'user', 'error'] as const;
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
  /** The newest failed transactions, newest first: as many as AggregateOptions.recentErrors asks for. */
  recentErrors: RecentError[];
  /** One cell per combination of AggregateOptions.cellsBy values that has a row, in first-seen order; none when not asked for. */
  cells: CellTable;
  /** The sessions AggregateOptions.sessionRows names that have rows, in the order named. */
  sessions: SessionDetail[];
}

/** What a cell sums: the counts and token sums of its rows, cost in 1e-8 USD, and the cache reads of its priced rows (what a saving is priced on). */
export const CELL_MEASURES = ['transactions', 'errors', 'unpriced', 'tokens', 'input', 'output', 'cacheCreation', 'cacheRead', 'pricedCacheRead', 'costUnits'] as const;

/**
 * Cells as columns, not an object each (a year of a team's ledger can have a
 * quarter of a million): each cellsBy key's values once, and per cell its value
 * indexes and sums in typed arrays, which a cache file stores as bytes.
 */
export interface CellTable {
  /** Per AggregateOptions.cellsBy key, its values as groupKeyOf gives them, in first-seen order. */
  values: string[][];
  /** Cell i's value for key j is values[j][keys[i × cellsBy.length + j]]. */
  keys: Uint32Array;
  /** Cell i's sums, in CELL_MEASURES order, start at sums[i × CELL_MEASURES.length]. */
  sums: Float64Array;
}

/** What a session's page shows of one of its transactions. */
export type SessionRow = Pick<
  LedgerRecord,
  'timestamp' | 'model' | 'hook_name' | 'tokens_used' | 'cost_usd' | 'error_occurred' | 'error_message' | 'prompt_text' | 'transaction_id'
>;

export interface SessionDetail {
  session: string;
  byModel: UsageGroup[];
  /** Newest first, at most AggregateOptions.sessionRows.limit. */
  rows: SessionRow[];
}

const TIME_KEYS: ReadonlySet<GroupKey> = new Set(['day', 'week', 'month']);

/** The ISO 8601 week (Monday to Sunday) of a day (YYYY-MM-DD, or a timestamp's first 10 characters), like 2026-W05. */
export function isoWeek(day: string): string {
  const date = new Date(day.slice(0, 10));
  const weekday = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${date.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

const UTC_CALENDAR = new ZoneCalendar('UTC');

/** A record's group; day, week and month are the calendar's (UTC unless given). */
export function groupKeyOf(record: LedgerRecord, by: GroupKey, calendar: ZoneCalendar = UTC_CALENDAR): string {
  switch (by) {
    case 'day':
      return calendar.dayOf(record.timestamp);
    case 'week':
      return isoWeek(calendar.dayOf(record.timestamp));
    case 'month':
      return calendar.dayOf(record.timestamp).slice(0, 7);
    case 'session':
      return record.session_id;
    case 'hook':
      return record.hook_name;
    case 'trigger':
      return record.hook_trigger_type;
    case 'workspace':
      return record.workspace_folder;
    case 'model':
      return record.model === '' ? UNKNOWN_KEY : record.model;
    case 'user':
      return record.user === '' ? UNKNOWN_KEY : record.user;
    case 'error':
      if (!record.error_occurred) return NO_ERROR_KEY;
      return record.error_message === '' ? '(no message)' : record.error_message;
  }
}

/** The `model` or `user` group of rows that name none. */
export const UNKNOWN_KEY = '(unknown)';

/** The `error` group of rows that did not fail. */
export const NO_ERROR_KEY = '(no error)';

export interface AggregateOptions {
  groupBy?: readonly GroupKey[];
  /** Keep the newest this many failed transactions (the site's errors page); none when left out. */
  recentErrors?: number;
  /** Inclusive lower bound, an ISO timestamp. */
  since?: string;
  /** Exclusive upper bound, an ISO timestamp. */
  until?: string;
  /** The zone whose days, weeks and months `day`, `week` and `month` group by (an IANA name; default UTC). */
  timeZone?: string;
  /** False: groups keep no elapsed times and their elapsed_p50/p95 are null (the totals keep theirs); for the site, which shows whole-ledger percentiles only. */
  groupPercentiles?: boolean;
  /** Also sum the rows of each combination of these keys' values (the site's buckets): CELL_MEASURES only, no percentiles. */
  cellsBy?: readonly GroupKey[];
  /** Also keep, for each of these sessions, its stats by model and its newest `limit` rows (the site's session pages). */
  sessionRows?: { sessions: readonly string[]; limit: number };
}

/**
 * What an aggregator has gathered, as plain data: it crosses from a worker
 * thread by structured clone and is what a cache entry holds, and merging two
 * is order-independent, so a ledger read in pieces adds up to exactly the
 * figures of one read.
 */
export interface AggregatorState {
  /** One group, keyed ''. */
  totals: GroupsState;
  groups: { by: GroupKey; stats: GroupsState }[];
  recentErrors: RecentError[];
  cells: CellTable;
  sessions: { session: string; byModel: AggregatorState; rows: SessionRow[] }[];
}

/** What the errors page shows of a failed transaction. */
export type RecentError = Pick<
  LedgerRecord,
  'timestamp' | 'session_id' | 'workspace_folder' | 'hook_name' | 'model' | 'error_message' | 'prompt_text' | 'transaction_id'
>;

/**
 * The newest `limit` entries of a stream, in bounded memory. Ties in time keep
 * the earlier entry, so a list merged from pieces read in order (or from a
 * cached list and the rows appended since) is the list of one read.
 */
class NewestRows<Entry extends { timestamp: string }> {
  private entries: Entry[] = [];
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  add(entry: Entry): void {
    if (this.limit === 0) return;
    this.entries.push(entry);
    // Trim in batches so a long run costs one sort per `limit` entries.
    if (this.entries.length >= this.limit * 2) this.entries = this.newestFirst();
  }

  merge(entries: readonly Entry[]): void {
    for (const entry of entries) this.add(entry);
  }

  /** Newest first; a stable sort, so equal times stay in stream order. */
  newestFirst(): Entry[] {
    return this.entries.sort((a, b) => (a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : 0)).slice(0, this.limit);
  }
}

function recentErrorOf(record: LedgerRecord): RecentError {
  const { timestamp, session_id, workspace_folder, hook_name, model, error_message, prompt_text, transaction_id } = record;
  return { timestamp, session_id, workspace_folder, hook_name, model, error_message, prompt_text, transaction_id };
}

function sessionRowOf(record: LedgerRecord): SessionRow {
  const { timestamp, model, hook_name, tokens_used, cost_usd, error_occurred, error_message, prompt_text, transaction_id } = record;
  return { timestamp, model, hook_name, tokens_used, cost_usd, error_occurred, error_message, prompt_text, transaction_id };
}

/** Sums per combination of group keys' values, kept as a CellTable's columns are. */
class CellAccumulator {
  private readonly by: readonly GroupKey[];
  private readonly values: { indexes: Map<string, number>; list: string[] }[];
  private readonly cells: TupleSums;
  private readonly scratch: Uint32Array;

  constructor(by: readonly GroupKey[]) {
    this.by = by;
    this.values = by.map(() => ({ indexes: new Map(), list: [] }));
    this.cells = new TupleSums(by.length, CELL_MEASURES.length);
    this.scratch = new Uint32Array(by.length);
  }

  private valueIndex(position: number, value: string): number {
    const values = this.values[position]!;
    let index = values.indexes.get(value);
    if (index === undefined) {
      index = values.list.length;
      values.indexes.set(value, index);
      values.list.push(value);
    }
    return index;
  }

  add(record: LedgerRecord, calendar: ZoneCalendar): void {
    for (let position = 0; position < this.by.length; position += 1) this.scratch[position] = this.valueIndex(position, groupKeyOf(record, this.by[position]!, calendar));
    const at = this.cells.rowOf(this.scratch);
    const sums = this.cells.sums;
    const priced = record.cost_usd !== null;
    sums[at]! += 1;
    if (record.error_occurred) sums[at + 1]! += 1;
    if (!priced) sums[at + 2]! += 1;
    sums[at + 3]! += record.tokens_used;
    sums[at + 4]! += record.input_tokens ?? 0;
    sums[at + 5]! += record.output_tokens ?? 0;
    sums[at + 6]! += record.cache_creation_tokens ?? 0;
    sums[at + 7]! += record.cache_read_tokens ?? 0;
    if (priced) {
      sums[at + 8]! += record.cache_read_tokens ?? 0;
      sums[at + 9]! += costUnitsOf(record.cost_usd!);
    }
  }

  merge(other: CellTable): void {
    const empty = this.cells.rows === 0 && this.values.every(({ list }) => list.length === 0);
    // Another table numbers its values in its own first-seen order: translate them to ours.
    const ours = other.values.map((values, position) => values.map((value) => this.valueIndex(position, value)));
    // Into nothing (the first piece of a read, a cached state) the numbers are the other's: its cells are taken whole.
    if (empty) {
      this.cells.load(other.keys, other.sums);
      return;
    }
    const width = this.by.length;
    const stride = CELL_MEASURES.length;
    for (let cell = 0; cell * width < other.keys.length; cell += 1) {
      for (let position = 0; position < width; position += 1) this.scratch[position] = ours[position]![other.keys[cell * width + position]!]!;
      const at = this.cells.rowOf(this.scratch);
      const sums = this.cells.sums;
      for (let measure = 0; measure < stride; measure += 1) sums[at + measure]! += other.sums[cell * stride + measure]!;
    }
  }

  table(): CellTable {
    return { values: this.values.map(({ list }) => [...list]), ...this.cells.columns() };
  }
}

interface SessionAccumulator {
  byModel: UsageAggregator;
  rows: NewestRows<SessionRow>;
}

export class UsageAggregator {
  private readonly totals = new GroupStats(true);
  // An array, not a Map: add() walks it for every row, and a Map iterator allocates each time.
  private readonly groups: { by: GroupKey; stats: GroupStats }[];
  private readonly options: AggregateOptions;
  private readonly recentErrors: NewestRows<RecentError>;
  private readonly calendar: ZoneCalendar;
  private readonly cells: CellAccumulator | undefined;
  private readonly sessions = new Map<string, SessionAccumulator>();

  constructor(options: AggregateOptions = {}) {
    this.options = options;
    this.calendar = options.timeZone === undefined ? UTC_CALENDAR : new ZoneCalendar(options.timeZone);
    this.totals.indexOf('');
    this.groups = (options.groupBy ?? []).map((by) => ({ by, stats: new GroupStats(options.groupPercentiles ?? true) }));
    this.recentErrors = new NewestRows(options.recentErrors ?? 0);
    this.cells = options.cellsBy === undefined || options.cellsBy.length === 0 ? undefined : new CellAccumulator(options.cellsBy);
    for (const session of options.sessionRows?.sessions ?? []) {
      this.sessions.set(session, { byModel: new UsageAggregator({ groupBy: ['model'] }), rows: new NewestRows(options.sessionRows?.limit ?? 0) });
    }
  }

  /** Adds a record; returns false when the date range leaves it out. */
  add(record: LedgerRecord): boolean {
    if (this.options.since !== undefined && record.timestamp < this.options.since) return false;
    if (this.options.until !== undefined && record.timestamp >= this.options.until) return false;
    const time = timestampMs(record.timestamp);
    this.totals.add(0, record, time);
    for (const { by, stats } of this.groups) stats.add(stats.indexOf(groupKeyOf(record, by, this.calendar)), record, time);
    if (record.error_occurred) this.recentErrors.add(recentErrorOf(record));
    this.cells?.add(record, this.calendar);
    // No session kept (every report but the site's): no lookup, which hashes the id anew for every row.
    const session = this.sessions.size === 0 ? undefined : this.sessions.get(record.session_id);
    if (session) {
      session.byModel.add(record);
      session.rows.add(sessionRowOf(record));
    }
    return true;
  }

  /** What this aggregator gathered, for another aggregator with the same options to merge. */
  state(): AggregatorState {
    return {
      totals: this.totals.state(),
      groups: this.groups.map(({ by, stats }) => ({ by, stats: stats.state() })),
      recentErrors: this.recentErrors.newestFirst(),
      cells: this.cellTable(),
      sessions: [...this.sessions].map(([session, { byModel, rows }]) => ({ session, byModel: byModel.state(), rows: rows.newestFirst() })),
    };
  }

  /** Adds what another aggregator gathered (one that read other rows with the same options). */
  merge(other: AggregatorState): void {
    this.totals.merge(other.totals);
    for (const { by, stats } of other.groups) {
      const group = this.groups.find((candidate) => candidate.by === by);
      // Both sides are built from the same options; a mismatch is a bug, not bad input.
      if (!group) throw new Error(`Cannot merge usage grouped by ${by} into a report that does not group by it`);
      group.stats.merge(stats);
    }
    this.recentErrors.merge(other.recentErrors);
    if (other.cells.keys.length > 0) {
      if (!this.cells) throw new Error('Cannot merge cells into a report that does not sum them');
      this.cells.merge(other.cells);
    }
    for (const { session, byModel, rows } of other.sessions) {
      const target = this.sessions.get(session);
      if (!target) throw new Error(`Cannot merge the rows of session ${session} into a report that does not keep them`);
      target.byModel.merge(byModel);
      target.rows.merge(rows);
    }
  }

  report(): UsageReport {
    const groups: Partial<Record<GroupKey, UsageGroup[]>> = {};
    for (const { by, stats } of this.groups) {
      const list = stats.groupKeys.map((key, group) => ({ key, ...stats.stats(group) }));
      list.sort(TIME_KEYS.has(by) ? (a, b) => a.key.localeCompare(b.key) : (a, b) => b.tokens_used - a.tokens_used || a.key.localeCompare(b.key));
      groups[by] = list;
    }
    const sessions = [...this.sessions]
      .map(([session, { byModel, rows }]) => ({ session, byModel: byModel.report().groups.model ?? [], rows: rows.newestFirst() }))
      .filter((detail) => detail.byModel.length > 0);
    return { totals: this.totals.stats(0), groups, recentErrors: this.recentErrors.newestFirst(), cells: this.cellTable(), sessions };
  }

  private cellTable(): CellTable {
    return this.cells?.table() ?? { values: [], keys: new Uint32Array(0), sums: new Float64Array(0) };
  }
}

/** A date and time without a zone designator: a wall-clock time in the report's zone. */
const WALL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/;

/**
 * Reads a date bound given by a user: a calendar day (YYYY-MM-DD), which
 * starts at midnight in `timeZone` (an end bound given as a day includes
 * that whole day), a date and time without a zone (a wall-clock time there),
 * or a timestamp with one (Z or +01:00).
 */
export function parseDateBound(text: string, bound: 'since' | 'until', timeZone = 'UTC'): string {
  const dayOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  if (dayOnly || WALL_TIME.test(text)) {
    const wall = Date.parse(`${dayOnly ? `${text}T00:00` : text}Z`);
    if (!Number.isNaN(wall)) return new Date(new ZoneCalendar(timeZone).instantOfWall(dayOnly && bound === 'until' ? wall + 86_400_000 : wall)).toISOString();
  } else {
    const time = Date.parse(text);
    if (!Number.isNaN(time)) return new Date(time).toISOString();
  }
  throw new TrackerError('INVALID_INPUT', `--${bound}: ${JSON.stringify(text)} is not a date`, {
    hint: 'Give a day like 2026-01-31, a local time like 2026-01-31T12:00 or a timestamp like 2026-01-31T12:00:00Z.',
  });
}
