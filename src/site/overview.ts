/**
 * The parts of the usage overview — which rows each table and chart shows —
 * for one view of the buckets. The page renders them at build time
 * (unfiltered) and the browser renders them again when a filter changes,
 * so both always show the same thing. Browser-safe.
 */
import { chartSpec, type ChartMetric, type ChartSpec } from './charts.ts';
import { STAT_COLUMNS, formatCost, formatInteger, formatShare, formatUsd, type StatColumn, type StatRow } from './format.ts';
import { DIMENSIONS, type BucketStats, type DimensionKey, type KeyedStats, type MonthSpend, type UsageView } from './usage-buckets.ts';

/** Named groups beyond this many are left out of a chart and its table (`pnpm track report --by KEY` lists all). */
export const TOP_GROUPS = 20;

export interface TableRow {
  /** The key cells: one for a group, two (day, model) for the day × model table. */
  keys: string[];
  stats: StatRow;
  /** A page about the row (a session's own page). */
  href?: string;
}

export type OverviewPart = 'per-day' | 'day-model' | `by-${DimensionKey}`;

export const GROUP_COLUMNS: StatColumn[] = ['transactions', 'tokens_used', 'cache_read_tokens', 'saved_usd', 'cost_usd', 'errors'];

interface PartSpec {
  keyLabels: string[];
  columns: StatColumn[];
  /** The chart beside the table, if any. */
  chart?: { metrics: ChartMetric[]; horizontal: boolean };
}

export const OVERVIEW_PARTS: Record<OverviewPart, PartSpec> = {
  'per-day': {
    keyLabels: ['Day'],
    columns: ['transactions', 'tokens_used', 'input_tokens', 'output_tokens', 'cost_usd', 'errors'],
    chart: { metrics: ['tokens_used', 'cost_usd'], horizontal: false },
  },
  'day-model': { keyLabels: ['Day', 'Model'], columns: ['input_tokens', 'output_tokens', 'cache_creation_tokens', 'cache_read_tokens', 'cost_usd'] },
  ...(Object.fromEntries(
    DIMENSIONS.map((dimension) => [`by-${dimension.key}`, { keyLabels: [dimension.label], columns: GROUP_COLUMNS, chart: { metrics: ['cost_usd', 'tokens_used'], horizontal: true } }]),
  ) as Record<`by-${DimensionKey}`, PartSpec>),
};

/** The rows of a part's table (per day: newest first). */
export function partRows(view: UsageView, part: OverviewPart): TableRow[] {
  if (part === 'per-day') return groupRows([...view.days].reverse());
  if (part === 'day-model') return view.dayModel.map((row) => ({ keys: [row.day, row.model], stats: row }));
  return groupRows(view.byDimension[part.slice(3) as DimensionKey].slice(0, TOP_GROUPS));
}

/** The chart of a part (per day: oldest first, along a time axis), or undefined when it has none. */
export function partChart(view: UsageView, part: OverviewPart): ChartSpec | undefined {
  const chart = OVERVIEW_PARTS[part].chart;
  if (!chart) return undefined;
  const rows = part === 'per-day' ? view.days : view.byDimension[part.slice(3) as DimensionKey].slice(0, TOP_GROUPS);
  return chartSpec(rows, chart.metrics, chart.horizontal);
}

/** The day × model table as CSV cells, header first: what the download and the static CSV file hold. */
export function dayModelCells(view: UsageView): string[][] {
  return [
    ['day', 'model', 'transactions', 'input_tokens', 'output_tokens', 'cache_creation_tokens', 'cache_read_tokens', 'cost_usd', 'unpriced_transactions'],
    ...view.dayModel.map((row) => [
      row.day,
      row.model,
      String(row.transactions),
      String(row.input_tokens),
      String(row.output_tokens),
      String(row.cache_creation_tokens),
      String(row.cache_read_tokens),
      row.unpriced_transactions === row.transactions ? '' : String(row.cost_usd),
      String(row.unpriced_transactions),
    ]),
  ];
}

/** Rows of a table of `track report` groups (or bucket sums), one key each. */
export function groupRows(rows: readonly (StatRow & { key: string })[], hrefOf?: (key: string) => string | undefined): TableRow[] {
  return rows.map((row) => {
    const href = hrefOf?.(row.key);
    return href === undefined ? { keys: [row.key], stats: row } : { keys: [row.key], stats: row, href };
  });
}

export interface Figure {
  key: string;
  label: string;
  /** The raw number, for data-value (tests compare it with `track report --json`). */
  value: string;
  text: string;
}

/** The totals a filter changes, in the order shown; percentiles need the rows and stay whole-ledger figures. */
const FILTERED_TOTALS: { key: keyof BucketStats & StatColumn | 'unpriced_transactions'; label: string }[] = [
  { key: 'cost_usd', label: 'Cost' },
  { key: 'saved_usd', label: 'Saved by cache reads' },
  { key: 'transactions', label: 'Transactions' },
  { key: 'tokens_used', label: 'Tokens' },
  { key: 'input_tokens', label: 'Input tokens' },
  { key: 'output_tokens', label: 'Output tokens' },
  { key: 'cache_creation_tokens', label: 'Cache write tokens' },
  { key: 'cache_read_tokens', label: 'Cache read tokens' },
  { key: 'unpriced_transactions', label: 'Unpriced transactions' },
  { key: 'errors', label: 'Errors' },
  { key: 'error_rate', label: 'Error rate' },
];

export function totalFigures(totals: BucketStats): Figure[] {
  return FILTERED_TOTALS.map(({ key, label }) => ({
    key,
    label,
    value: String(totals[key]),
    text: key === 'unpriced_transactions' ? formatInteger(totals[key]) : STAT_COLUMNS[key].format(totals),
  }));
}

/** The month's spend in figures: to date, last month's same days, projection, budget. */
export function spendFigures(spend: MonthSpend): Figure[] {
  const budget = spend.budgetUsdMonth;
  const figures: Figure[] = [
    { key: 'month_to_date', label: `Spent in ${spend.month} (${spend.daysElapsed} of ${spend.daysInMonth} days)`, value: String(spend.monthToDate.cost_usd), text: formatCost(spend.monthToDate) },
    { key: 'last_month_same_days', label: spend.daysElapsed === 1 ? 'The 1st of last month' : `Days 1–${spend.daysElapsed} of last month`, value: String(spend.lastMonthSameDays.cost_usd), text: formatCost(spend.lastMonthSameDays) },
    // Projected from the days so far, so it is as priced (or unpriced) as they are.
    { key: 'projected', label: 'Projected for the month', value: String(spend.projectedUsd), text: formatCost({ ...spend.monthToDate, cost_usd: spend.projectedUsd }) },
  ];
  if (budget !== null) {
    figures.push({ key: 'budget', label: `Monthly budget (projection: ${formatShare(spend.projectedUsd / budget)} of it)`, value: String(budget), text: formatUsd(budget) });
  }
  return figures;
}
