/** The overview's parts: the spend figures and chart, with and without a budget, and the money format they share. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/lib/tracker/index.ts';
import { spendChartSpec } from '../../src/site/charts.ts';
import { formatUsd } from '../../src/site/format.ts';
import { partRows, spendFigures } from '../../src/site/overview.ts';
import { monthSpend, usageView } from '../../src/site/usage-buckets.ts';
import { readUsage } from '../../src/site/usage-data.ts';
import { SAMPLE_LEDGER } from './site-build.ts';

const usage = await readUsage({ paths: [SAMPLE_LEDGER], source: 'sample', loaded: loadConfig({ env: {} }) });

describe('usage overview parts', () => {
  it('draws a flat budget line and names the projection’s share of it only when a budget is set', () => {
    const without = monthSpend(usage.embedded, { range: 'all', values: {} }, '2026-11-15');
    expect(spendChartSpec(without).series.map((series) => series.style)).toEqual([undefined, 'previous']);
    expect(spendFigures(without).map((figure) => figure.key)).toEqual(['month_to_date', 'last_month_same_days', 'projected']);
    const withBudget = monthSpend({ ...usage.embedded, budgetUsdMonth: 40 }, { range: 'all', values: {} }, '2026-11-15');
    const budget = spendChartSpec(withBudget).series.find((series) => series.style === 'budget');
    expect(new Set(budget?.values)).toEqual(new Set([40]));
    // November's chart runs to the 31st, as far as October's line goes.
    expect(budget?.values).toHaveLength(31);
    const figure = spendFigures(withBudget).find((entry) => entry.key === 'budget');
    expect(figure?.text).toBe('$40.00');
    expect(figure?.label).toContain(`${((withBudget.projectedUsd / 40) * 100).toFixed(1)}%`);
  });

  it('lists the per-day table newest first and the day × model table newest day first', () => {
    const view = usageView(usage.embedded, { range: 'all', values: {} }, '2026-11-20');
    const days = partRows(view, 'per-day').map((row) => row.keys[0]);
    expect(days).toEqual([...days].sort().reverse());
    const dayModel = partRows(view, 'day-model').map((row) => row.keys[0]);
    expect(dayModel).toEqual([...dayModel].sort().reverse());
  });

  it('writes money with two decimals, and a cost below half a cent as <$0.01', () => {
    expect([0, 0.004, 0.005, 1.5, 1234.567].map(formatUsd)).toEqual(['$0.00', '<$0.01', '$0.01', '$1.50', '$1,234.57']);
  });
});
