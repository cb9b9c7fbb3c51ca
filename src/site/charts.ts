/**
 * What a usage chart plots, as plain data: built from the same rows as the
 * table beside the chart, embedded in the page as JSON, and drawn in the
 * browser by draw-charts.ts (which the overview also hands specs it builds
 * from filtered data). Browser-safe: no library imports.
 */
import { costCoverage } from '../lib/tracker/report/coverage.ts';
import type { StatRow } from './format.ts';
import type { MonthSpend } from './usage-buckets.ts';

export const CHART_METRICS = ['tokens_used', 'cost_usd', 'errors'] as const;
export type ChartMetric = (typeof CHART_METRICS)[number];

export interface ChartSeries {
  metric: ChartMetric;
  label: string;
  /** null where the value is unknown (cost of unpriced transactions), drawn as a gap. */
  values: (number | null)[];
  /** How a line is drawn when it is not the main one: last month's dashed, a budget flat and red. */
  style?: 'previous' | 'budget';
}

export interface ChartSpec {
  /** Bars along the y axis: for named groups, whose labels need room. */
  horizontal: boolean;
  labels: string[];
  series: ChartSeries[];
  /** Every series a line (a cumulative chart), not bars. */
  lines?: boolean;
}

const SERIES_LABELS: Record<ChartMetric, string> = {
  tokens_used: 'Tokens',
  cost_usd: 'Cost (USD)',
  errors: 'Errors',
};

/** One series per metric; a cost series with no priced value at all is left out. */
export function chartSpec(rows: readonly (StatRow & { key: string })[], metrics: readonly ChartMetric[], horizontal: boolean): ChartSpec {
  const series = metrics
    .map((metric) => ({
      metric,
      label: SERIES_LABELS[metric],
      values: rows.map((row) => (metric === 'cost_usd' && costCoverage(row) === 'unpriced' ? null : row[metric])),
    }))
    .filter((entry) => entry.values.some((value) => value !== null));
  return { horizontal, labels: rows.map((row) => row.key), series };
}

/** Cumulative spend by day of month: this month so far, last month, and the monthly budget when one is set. */
export function spendChartSpec(spend: MonthSpend): ChartSpec {
  const length = Math.max(spend.daysInMonth, spend.cumulative.lastMonth.length);
  const labels = Array.from({ length }, (_, index) => String(index + 1));
  const series: ChartSeries[] = [
    { metric: 'cost_usd', label: `This month (${spend.month})`, values: spend.cumulative.thisMonth },
    { metric: 'cost_usd', label: 'Last month', values: spend.cumulative.lastMonth, style: 'previous' },
  ];
  if (spend.budgetUsdMonth !== null) series.push({ metric: 'cost_usd', label: 'Monthly budget', values: labels.map(() => spend.budgetUsdMonth), style: 'budget' });
  return { horizontal: false, labels, series, lines: true };
}
