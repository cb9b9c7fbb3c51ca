/**
 * The usage overview's data as the browser gets it: the ledger folded at
 * build time into buckets of one day × one value of each dimension (model,
 * workspace, hook, trigger, user), each with its counts, token kinds, cost
 * and cache savings. The page embeds the buckets; filtering and every figure
 * of the page are computed from them, at build time for the page as served
 * and in the browser when a filter changes, by the same functions here.
 * No imports beyond dependency-free modules (and types): this file is bundled for the browser.
 */
import { usdOfCostUnits } from '../lib/tracker/numbers.ts';
import type { UsageStats } from '../lib/tracker/report/aggregate.ts';
import { ZoneCalendar } from '../lib/tracker/report/time-zone.ts';
import { TupleSums } from '../lib/tracker/report/tuple-sums.ts';

/** The filterable dimensions; their keys are group keys of `track report`, and adding one is one entry here. */
export const DIMENSIONS = [
  { key: 'model', label: 'Model', plural: 'models' },
  { key: 'workspace', label: 'Workspace', plural: 'workspaces' },
  { key: 'hook', label: 'Hook', plural: 'hooks' },
  { key: 'trigger', label: 'Trigger', plural: 'triggers' },
  { key: 'user', label: 'User', plural: 'users' },
] as const;
export type DimensionKey = (typeof DIMENSIONS)[number]['key'];

/** A bucket's measures, in this order after its day index and one value index per dimension. */
export const MEASURES = ['transactions', 'errors', 'unpriced', 'tokens', 'input', 'output', 'cacheWrite', 'cacheRead', 'costUnits', 'savedUnits'] as const;
type Measure = (typeof MEASURES)[number];
type Measures = Record<Measure, number>;

export interface EmbeddedUsage {
  /** Days with data, ascending (YYYY-MM-DD in timeZone); those before the fold horizon as their months (YYYY-MM, see foldOldDays). */
  days: string[];
  /** The zone the days are of (the `timezone` setting, else the build machine's); the browser counts "today" in it too. */
  timeZone: string;
  /** Each dimension's values, in first-seen order; buckets hold indexes into them. */
  values: Record<DimensionKey, string[]>;
  /** [day index, one value index per DIMENSIONS entry, ...MEASURES in order]. */
  buckets: number[][];
  budgetUsdMonth: number | null;
}

/** The stats a bucket sum gives: the fields of `track report` that add up, plus the cache savings. */
export type BucketStats = Pick<
  UsageStats,
  'transactions' | 'tokens_used' | 'input_tokens' | 'output_tokens' | 'cache_creation_tokens' | 'cache_read_tokens' | 'cost_usd' | 'unpriced_transactions' | 'errors' | 'error_rate'
> & {
  /** Dollars cache reads saved: cache read tokens × (input rate − cache read rate), priced rows only. */
  saved_usd: number;
};

export interface KeyedStats extends BucketStats {
  key: string;
}

/** The longest date preset, in days. */
const LONGEST_PRESET_DAYS = 90;

/**
 * The first day whose buckets stay by day: the first of the month that holds
 * the day LONGEST_PRESET_DAYS before the newest day with data. Every preset
 * and the month's spend (this month and last) start on or after it for any
 * "today" from that newest day on, so the days before it are only ever summed whole.
 */
export function foldHorizon(newestDay: string): string {
  return `${dayOf(Date.parse(`${newestDay}T00:00:00.000Z`) - (LONGEST_PRESET_DAYS - 1) * DAY_MS).slice(0, 7)}-01`;
}

/**
 * Buckets of ascending days (`days`), given one by one in day order: `read`
 * writes bucket `row`'s numbers (day index, value indexes, measures) into
 * `into`, so the caller keeps no array per bucket. The buckets of days before
 * the fold horizon are folded into one per month and combination of values:
 * a year of a team's ledger embeds about a third as many buckets, every
 * preset's figures unchanged; the per-day chart and the day × model table
 * show those months as months.
 */
export function foldBuckets(days: readonly string[], count: number, read: (row: number, into: number[]) => void): Pick<EmbeddedUsage, 'days' | 'buckets'> {
  const bucketOf = (row: number) => {
    const bucket: number[] = [];
    read(row, bucket);
    return bucket;
  };
  const newest = days.at(-1);
  const horizon = newest === undefined ? '' : foldHorizon(newest);
  if ((days[0] ?? '') >= horizon) return { days: [...days], buckets: Array.from({ length: count }, (_, row) => bucketOf(row)) };
  const label = (day: string) => (day < horizon ? day.slice(0, 7) : day);
  // Labels keep the days' order, so the folded list is ascending too.
  const folded = [...new Set(days.map(label))];
  const foldedIndex = days.map((day) => folded.indexOf(label(day)));
  // Keyed by the folded day and the value indexes, in first-seen order: no key string per bucket (a year has a quarter of a million).
  const merged = new TupleSums(MEASURE_OFFSET, MEASURES.length);
  const key = new Uint32Array(MEASURE_OFFSET);
  const bucket: number[] = [];
  for (let row = 0; row < count; row += 1) {
    read(row, bucket);
    key[0] = foldedIndex[bucket[0] ?? 0] ?? 0;
    for (let position = 1; position < MEASURE_OFFSET; position += 1) key[position] = bucket[position] ?? 0;
    const at = merged.rowOf(key);
    const sums = merged.sums;
    for (let measure = 0; measure < MEASURES.length; measure += 1) sums[at + measure]! += bucket[MEASURE_OFFSET + measure] ?? 0;
  }
  const { keys, sums } = merged.columns();
  const buckets = Array.from({ length: merged.rows }, (_, row) => {
    const bucket: number[] = [];
    for (let position = 0; position < MEASURE_OFFSET; position += 1) bucket.push(keys[row * MEASURE_OFFSET + position] ?? 0);
    for (let measure = 0; measure < MEASURES.length; measure += 1) bucket.push(sums[row * MEASURES.length + measure] ?? 0);
    return bucket;
  });
  return { days: folded, buckets };
}

/** A folded month (YYYY-MM) rather than a day. */
function isMonth(key: string): boolean {
  return key.length === 7;
}

/** The fold horizon of data with folded months; null when every day is a day. */
export function foldedBefore(data: EmbeddedUsage): string | null {
  const newest = data.days.at(-1);
  return newest !== undefined && isMonth(data.days[0] ?? '') ? foldHorizon(newest) : null;
}

// ---- Filters ----

export const RANGE_PRESETS = [
  { key: 'all', label: 'All time' },
  { key: 'week', label: 'This week' },
  { key: 'month', label: 'This month' },
  { key: '30d', label: 'Last 30 days' },
  { key: '90d', label: 'Last 90 days' },
] as const;
export type RangeKey = (typeof RANGE_PRESETS)[number]['key'];

export interface Filters {
  range: RangeKey;
  /** One chosen value per dimension; a dimension not named here is not filtered. */
  values: Partial<Record<DimensionKey, string>>;
}

export const NO_FILTERS: Filters = { range: 'all', values: {} };

/** Filters from a query string (`?range=30d&model=gpt-5`); unknown names and values are ignored. */
export function readFilters(search: string): Filters {
  const params = new URLSearchParams(search);
  const range = RANGE_PRESETS.find((preset) => preset.key === params.get('range'))?.key ?? 'all';
  const values: Partial<Record<DimensionKey, string>> = {};
  for (const { key } of DIMENSIONS) {
    const value = params.get(key);
    if (value !== null) values[key] = value;
  }
  return { range, values };
}

/** The query string of a view: empty for the unfiltered one, so the plain URL stays the default. */
export function filtersQuery(filters: Filters): string {
  const params = new URLSearchParams();
  if (filters.range !== 'all') params.set('range', filters.range);
  for (const { key } of DIMENSIONS) {
    const value = filters.values[key];
    if (value !== undefined) params.set(key, value);
  }
  const query = params.toString();
  return query === '' ? '' : `?${query}`;
}

const DAY_MS = 86_400_000;

/** Today in a zone (YYYY-MM-DD): what the date presets and the month's spend count from. */
export function todayIn(timeZone: string, now: number = Date.now()): string {
  return new ZoneCalendar(timeZone).dayOfTime(now);
}

function dayOf(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/**
 * The first day a range includes, counted from `today` (a day in the data's zone): the ISO week's
 * Monday, the month's first day, or today and the 29 (89) days before it;
 * null for all time.
 */
export function rangeStart(range: RangeKey, today: string): string | null {
  const time = Date.parse(`${today}T00:00:00.000Z`);
  switch (range) {
    case 'all':
      return null;
    case 'week':
      return dayOf(time - ((new Date(time).getUTCDay() + 6) % 7) * DAY_MS);
    case 'month':
      return `${today.slice(0, 7)}-01`;
    case '30d':
      return dayOf(time - 29 * DAY_MS);
    case '90d':
      return dayOf(time - 89 * DAY_MS);
  }
}

// ---- Sums ----

/** Sums in MEASURES order: an array, not an object by measure name, since a view adds a year's 85,000 buckets eight times over. */
type Sums = number[];

/** Each measure's place in a Sums. */
const AT = Object.fromEntries(MEASURES.map((measure, index) => [measure, index])) as Measures;

function emptySums(): Sums {
  return new Array<number>(MEASURES.length).fill(0);
}

const MEASURE_OFFSET = 1 + DIMENSIONS.length;

function addBucket(sums: Sums, bucket: readonly number[]): void {
  for (let index = 0; index < MEASURES.length; index += 1) sums[index]! += bucket[MEASURE_OFFSET + index] ?? 0;
}

export function statsOf(sums: Sums): BucketStats {
  const transactions = sums[AT.transactions]!;
  const errors = sums[AT.errors]!;
  return {
    transactions,
    tokens_used: sums[AT.tokens]!,
    input_tokens: sums[AT.input]!,
    output_tokens: sums[AT.output]!,
    cache_creation_tokens: sums[AT.cacheWrite]!,
    cache_read_tokens: sums[AT.cacheRead]!,
    cost_usd: usdOfCostUnits(sums[AT.costUnits]!),
    saved_usd: usdOfCostUnits(sums[AT.savedUnits]!),
    unpriced_transactions: sums[AT.unpriced]!,
    errors,
    error_rate: transactions === 0 ? null : errors / transactions,
  };
}

/** The buckets a view keeps: those of its days (from `since`, when given) and chosen dimension values. */
function selectBuckets(data: EmbeddedUsage, filters: Filters, since: string | null): number[][] {
  const chosen = DIMENSIONS.map(({ key }) => {
    const value = filters.values[key];
    return value === undefined ? undefined : data.values[key].indexOf(value);
  });
  return data.buckets.filter(
    (bucket) => (since === null || (data.days[bucket[0] ?? 0] ?? '') >= since) && chosen.every((index, position) => index === undefined || bucket[1 + position] === index),
  );
}

function groupSums<Key>(buckets: readonly number[][], keyOf: (bucket: readonly number[]) => Key): Map<Key, Sums> {
  const groups = new Map<Key, Sums>();
  for (const bucket of buckets) {
    const key = keyOf(bucket);
    let sums = groups.get(key);
    if (!sums) {
      sums = emptySums();
      groups.set(key, sums);
    }
    addBucket(sums, bucket);
  }
  return groups;
}

/** Most cost first; unpriced groups by tokens after the priced ones; then by name. */
function byCost(a: KeyedStats, b: KeyedStats): number {
  return b.cost_usd - a.cost_usd || b.tokens_used - a.tokens_used || a.key.localeCompare(b.key);
}

export interface DayModelRow extends BucketStats {
  day: string;
  model: string;
}

export interface UsageView {
  totals: BucketStats;
  /** Every day from the view's first to its last, quiet days included, oldest first (for a time axis). */
  days: KeyedStats[];
  byDimension: Record<DimensionKey, KeyedStats[]>;
  /** Newest day first, most cost first within a day. */
  dayModel: DayModelRow[];
}

export const UNKNOWN_MODEL = '(unknown)';

/** Every figure of the overview for one set of filters; `today` anchors the date presets. */
export function usageView(data: EmbeddedUsage, filters: Filters, today: string): UsageView {
  const buckets = selectBuckets(data, filters, rangeStart(filters.range, today));
  const total = emptySums();
  for (const bucket of buckets) addBucket(total, bucket);
  const perDay = groupSums(buckets, (bucket) => data.days[bucket[0] ?? 0] ?? '');
  const byDimension = Object.fromEntries(
    DIMENSIONS.map(({ key }, position) => {
      const groups = groupSums(buckets, (bucket) => data.values[key][bucket[1 + position] ?? 0] ?? '');
      return [key, [...groups].map(([name, sums]) => ({ key: name, ...statsOf(sums) })).sort(byCost)];
    }),
  ) as Record<DimensionKey, KeyedStats[]>;
  const modelPosition = DIMENSIONS.findIndex((dimension) => dimension.key === 'model');
  // Keyed by day index × model count + model index: a number, not a string per bucket.
  const models = data.values.model.length;
  const dayModel = [...groupSums(buckets, (bucket) => (bucket[0] ?? 0) * models + (bucket[1 + modelPosition] ?? 0))]
    .map(([id, sums]) => ({ day: data.days[Math.floor(id / models)] ?? '', model: data.values.model[id % models] ?? '', key: `${Math.floor(id / models)},${id % models}`, ...statsOf(sums) }))
    .sort((a, b) => b.day.localeCompare(a.day) || byCost(a, b))
    .map(({ key: _id, ...row }) => row);
  return { totals: statsOf(total), days: withQuietDays(perDay), byDimension, dayModel };
}

/** Every month from the first folded one to the last, then every day from the first to the last, with their sums (quiet ones empty). */
function withQuietDays(perDay: Map<string, Sums>): KeyedStats[] {
  const keys = [...perDay.keys()].sort();
  const months = keys.filter(isMonth);
  const days = keys.filter((key) => !isMonth(key));
  const filled: KeyedStats[] = [];
  const fill = (first: string | undefined, last: string | undefined, next: (key: string) => string) => {
    if (first === undefined || last === undefined) return;
    for (let key = first; key <= last; key = next(key)) filled.push({ key, ...statsOf(perDay.get(key) ?? emptySums()) });
  };
  fill(months[0], months.at(-1), (month) => new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 1)).toISOString().slice(0, 7));
  fill(days[0], days.at(-1), (day) => dayOf(Date.parse(`${day}T00:00:00.000Z`) + DAY_MS));
  return filled;
}

// ---- This month's spend ----

export interface MonthSpend {
  month: string;
  /** Days of the month so far, today included. */
  daysElapsed: number;
  daysInMonth: number;
  monthToDate: BucketStats;
  /** The same days (1 to daysElapsed) of the month before. */
  lastMonthSameDays: BucketStats;
  /** Month-to-date cost at this month's daily average so far, over the whole month. */
  projectedUsd: number;
  budgetUsdMonth: number | null;
  /** Cumulative cost by day of month (index 0 = the 1st): this month so far, and the whole month before. */
  cumulative: { thisMonth: number[]; lastMonth: number[] };
}

function daysInMonthOf(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}

/** Spend this month against last month's same days and the budget; the date range filter does not apply, the others do. */
export function monthSpend(data: EmbeddedUsage, filters: Filters, today: string): MonthSpend {
  const year = Number(today.slice(0, 4));
  const monthIndex = Number(today.slice(5, 7)) - 1;
  const previous = new Date(Date.UTC(year, monthIndex - 1, 1)).toISOString().slice(0, 7);
  const month = today.slice(0, 7);
  const daysElapsed = Number(today.slice(8, 10));
  const daysInMonth = daysInMonthOf(year, monthIndex);
  const previousDays = daysInMonthOf(year, monthIndex - 1);
  const sums = { thisMonth: emptySums(), lastMonthSameDays: emptySums() };
  const dailyUnits = { thisMonth: new Array<number>(daysInMonth).fill(0), lastMonth: new Array<number>(previousDays).fill(0) };
  for (const bucket of selectBuckets(data, { ...filters, range: 'all' }, null)) {
    const day = data.days[bucket[0] ?? 0] ?? '';
    // A month folded away is before last month for any day the page can be viewed on (from the ledger's newest day on).
    if (isMonth(day)) continue;
    const dayOfMonth = Number(day.slice(8, 10));
    const units = bucket[MEASURE_OFFSET + MEASURES.indexOf('costUnits')] ?? 0;
    if (day.startsWith(month) && day <= today) {
      addBucket(sums.thisMonth, bucket);
      dailyUnits.thisMonth[dayOfMonth - 1] = (dailyUnits.thisMonth[dayOfMonth - 1] ?? 0) + units;
    } else if (day.startsWith(previous)) {
      if (dayOfMonth <= daysElapsed) addBucket(sums.lastMonthSameDays, bucket);
      dailyUnits.lastMonth[dayOfMonth - 1] = (dailyUnits.lastMonth[dayOfMonth - 1] ?? 0) + units;
    }
  }
  const cumulativeUsd = (units: readonly number[]) => {
    let running = 0;
    return units.map((value) => usdOfCostUnits((running += value)));
  };
  const monthToDate = statsOf(sums.thisMonth);
  return {
    month,
    daysElapsed,
    daysInMonth,
    monthToDate,
    lastMonthSameDays: statsOf(sums.lastMonthSameDays),
    projectedUsd: usdOfCostUnits(Math.round((sums.thisMonth[AT.costUnits]! / daysElapsed) * daysInMonth)),
    budgetUsdMonth: data.budgetUsdMonth,
    cumulative: { thisMonth: cumulativeUsd(dailyUnits.thisMonth.slice(0, daysElapsed)), lastMonth: cumulativeUsd(dailyUnits.lastMonth) },
  };
}

/** JSON for a `<script type="application/json">` element; every `<` escaped, so `</script>` in a value cannot end it. */
export function embedJson(value: unknown): string {
  return JSON.stringify(value).replaceAll('<', '\\u003c');
}
