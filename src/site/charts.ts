/**
 * What a usage chart plots, as plain data: built at build time from the same
 * rows as the table beside the chart, embedded in the page as JSON, and
 * drawn in the browser by draw-charts.ts.
 */
import { costCoverage, type UsageGroup } from '../lib/tracker/index.ts';

export const CHART_METRICS = ['tokens_used', 'cost_usd', 'errors'] as const;
export type ChartMetric = (typeof CHART_METRICS)[number];

export interface ChartSeries {
  metric: ChartMetric;
  label: string;
  /** null where the value is unknown (cost of unpriced transactions), drawn as a gap. */
  values: (number | null)[];
}

export interface ChartSpec {
  /** Bars along the y axis: for named groups, whose labels need room. */
  horizontal: boolean;
  labels: string[];
  series: ChartSeries[];
}

const SERIES_LABELS: Record<ChartMetric, string> = {
  tokens_used: 'Tokens',
  cost_usd: 'Cost (USD)',
  errors: 'Errors',
};

/** One series per metric; a cost series with no priced value at all is left out. */
export function chartSpec(rows: readonly UsageGroup[], metrics: readonly ChartMetric[], horizontal: boolean): ChartSpec {
  const series = metrics
    .map((metric) => ({
      metric,
      label: SERIES_LABELS[metric],
      values: rows.map((row) => (metric === 'cost_usd' && costCoverage(row) === 'unpriced' ? null : row[metric])),
    }))
    .filter((entry) => entry.values.some((value) => value !== null));
  return { horizontal, labels: rows.map((row) => row.key), series };
}

/**
 * Serialises a spec for a `<script type="application/json">` element. Every
 * `<` is escaped, so a label holding `</script>` cannot end the element.
 */
export function chartSpecJson(spec: ChartSpec): string {
  return JSON.stringify(spec).replaceAll('<', '\\u003c');
}
