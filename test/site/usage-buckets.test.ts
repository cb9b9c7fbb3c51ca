/**
 * The overview's buckets: any filter over them gives the figures
 * UsageAggregator (`track report`) gives over the same rows; date presets and
 * the URL form of a filter.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageAggregator, groupKeyOf, loadConfig, readAllParts, type LedgerRecord } from '../../src/lib/tracker/index.ts';
import { DIMENSIONS, MEASURES, RANGE_PRESETS, filtersQuery, foldBuckets, foldHorizon, foldedBefore, monthSpend, rangeStart, readFilters, usageView, type EmbeddedUsage, type Filters } from '../../src/site/usage-buckets.ts';
import { readUsage } from '../../src/site/usage-data.ts';
import { SAMPLE_LEDGER } from './site-build.ts';

async function sampleRecords(): Promise<LedgerRecord[]> {
  const records: LedgerRecord[] = [];
  for await (const row of readAllParts(SAMPLE_LEDGER)) if (row.ok) records.push(row.record);
  return records;
}

const usage = await readUsage({ paths: [SAMPLE_LEDGER], source: 'sample', loaded: loadConfig({ env: {} }) });
const records = await sampleRecords();
const TODAY = '2026-11-20';
const SUMMED = ['transactions', 'tokens_used', 'input_tokens', 'output_tokens', 'cache_creation_tokens', 'cache_read_tokens', 'cost_usd', 'unpriced_transactions', 'errors', 'error_rate'] as const;

/** The buckets of `data` folded as the build folds the cells: one by one, in day order. */
function foldOldDays(data: EmbeddedUsage): EmbeddedUsage {
  return { ...data, ...foldBuckets(data.days, data.buckets.length, (row, into) => data.buckets[row]!.forEach((value, index) => (into[index] = value))) };
}

function aggregatorTotals(filters: Filters) {
  const since = rangeStart(filters.range, TODAY);
  const aggregator = new UsageAggregator(since === null ? {} : { since: `${since}T00:00:00.000Z` });
  for (const record of records) {
    const kept = DIMENSIONS.every(({ key }) => {
      const wanted = filters.values[key];
      return wanted === undefined || groupKeyOf(record, key) === wanted;
    });
    if (kept) aggregator.add(record);
  }
  return aggregator.report().totals;
}

describe('usage buckets', () => {
  it('hold fewer buckets than rows, and every dimension value of the ledger', () => {
    expect(usage.embedded.buckets.length).toBeGreaterThan(0);
    expect(usage.embedded.buckets.length).toBeLessThanOrEqual(records.length);
    expect([...usage.embedded.values.model].sort()).toEqual([...new Set(records.map((record) => groupKeyOf(record, 'model')))].sort());
    expect([...usage.embedded.values.user].sort()).toEqual([...new Set(records.map((record) => groupKeyOf(record, 'user')))].sort());
    expect(usage.embedded.values.user.length).toBeGreaterThan(1);
  });

  it('give the totals UsageAggregator gives for any preset and dimension values', () => {
    const choice = (key: 'model' | 'workspace' | 'hook' | 'trigger' | 'user') => fc.option(fc.constantFrom(...usage.embedded.values[key]), { nil: undefined });
    fc.assert(
      fc.property(fc.constantFrom(...RANGE_PRESETS.map((preset) => preset.key)), choice('model'), choice('workspace'), choice('hook'), choice('trigger'), choice('user'), (range, model, workspace, hook, trigger, user) => {
        const values = Object.fromEntries(Object.entries({ model, workspace, hook, trigger, user }).filter(([, value]) => value !== undefined));
        const filters: Filters = { range, values };
        const view = usageView(usage.embedded, filters, TODAY);
        const expected = aggregatorTotals(filters);
        for (const key of SUMMED) expect(view.totals[key], key).toBe(expected[key]);
        expect(view.byDimension.model.reduce((sum, group) => sum + group.transactions, 0)).toBe(expected.transactions);
        expect(view.dayModel.reduce((sum, row) => sum + row.tokens_used, 0)).toBe(expected.tokens_used);
      }),
      { numRuns: 60 },
    );
  });

  it('count cache savings only for priced rows, never more than the input would have cost', () => {
    const view = usageView(usage.embedded, { range: 'all', values: {} }, TODAY);
    expect(view.totals.saved_usd).toBeGreaterThan(0);
    const unpriced = view.byDimension.model.find((group) => group.key === 'in-house-llm');
    expect(unpriced?.saved_usd).toBe(0);
  });

  it('rank every grouping by cost, most first', () => {
    const view = usageView(usage.embedded, { range: 'all', values: {} }, TODAY);
    for (const { key } of DIMENSIONS) {
      const costs = view.byDimension[key].map((group) => group.cost_usd);
      expect(costs).toEqual([...costs].sort((a, b) => b - a));
    }
  });

  it('start the presets on the ISO week, the month, and 29 or 89 days back', () => {
    expect(rangeStart('all', '2026-11-20')).toBeNull();
    expect(rangeStart('week', '2026-11-20')).toBe('2026-11-16');
    expect(rangeStart('week', '2026-11-16')).toBe('2026-11-16');
    expect(rangeStart('week', '2026-11-22')).toBe('2026-11-16');
    expect(rangeStart('month', '2026-11-20')).toBe('2026-11-01');
    expect(rangeStart('30d', '2026-03-01')).toBe('2026-01-31');
    expect(rangeStart('90d', '2026-11-20')).toBe('2026-08-23');
  });

  it('read back from the URL the filters it wrote', () => {
    fc.assert(
      fc.property(fc.constantFrom(...RANGE_PRESETS.map((preset) => preset.key)), fc.dictionary(fc.constantFrom(...DIMENSIONS.map((dimension) => dimension.key)), fc.string()), (range, values) => {
        const filters: Filters = { range, values };
        expect(readFilters(filtersQuery(filters))).toEqual(filters);
      }),
    );
    expect(filtersQuery({ range: 'all', values: {} })).toBe('');
  });

  it('project the month from its days so far and compare with the same days of last month', () => {
    const spend = monthSpend(usage.embedded, { range: 'all', values: {} }, '2026-11-10');
    const november = aggregatorTotals({ range: 'all', values: {} });
    expect(november.cost_usd).toBeGreaterThan(spend.monthToDate.cost_usd);
    const firstTen = new UsageAggregator({ since: '2026-11-01T00:00:00.000Z', until: '2026-11-11T00:00:00.000Z' });
    const octoberTen = new UsageAggregator({ since: '2026-10-01T00:00:00.000Z', until: '2026-10-11T00:00:00.000Z' });
    for (const record of records) {
      firstTen.add(record);
      octoberTen.add(record);
    }
    expect(spend.monthToDate.cost_usd).toBe(firstTen.report().totals.cost_usd);
    expect(spend.lastMonthSameDays.cost_usd).toBe(octoberTen.report().totals.cost_usd);
    expect(spend.projectedUsd).toBeCloseTo((spend.monthToDate.cost_usd / 10) * 30, 6);
    expect(spend.cumulative.thisMonth).toHaveLength(10);
    expect(spend.cumulative.thisMonth.at(-1)).toBe(spend.monthToDate.cost_usd);
    expect(spend.cumulative.lastMonth).toHaveLength(31);
  });

  it('fold the days before the horizon into months, every preset and the month\u2019s spend unchanged from the newest day on', () => {
    const NEWEST = '2026-11-20';
    const dayBefore = (days: number) => new Date(Date.parse(`${NEWEST}T00:00:00.000Z`) - days * 86_400_000).toISOString().slice(0, 10);
    const values = { model: ['m1', 'm2'], workspace: ['w1'], hook: ['h1', 'h2'], trigger: ['t1'], user: ['u1', 'u2'] };
    const bucket = fc.tuple(
      fc.integer({ min: 0, max: 400 }),
      fc.tuple(...DIMENSIONS.map(({ key }) => fc.nat({ max: values[key].length - 1 }))),
      fc.tuple(...MEASURES.map(() => fc.nat({ max: 1000 }))),
    );
    fc.assert(
      fc.property(fc.array(bucket, { minLength: 1, maxLength: 60 }), fc.integer({ min: 0, max: 40 }), (drawn, viewedAfter) => {
        // The newest day always has data, as the newest day of a ledger does.
        const rows = [[0, drawn[0]![1], drawn[0]![2]] as const, ...drawn];
        const days = [...new Set(rows.map(([back]) => dayBefore(back)))].sort();
        const data: EmbeddedUsage = {
          days,
          timeZone: 'UTC',
          values,
          buckets: rows.map(([back, dimensions, measures]) => [days.indexOf(dayBefore(back)), ...dimensions, ...measures]).sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0)),
          budgetUsdMonth: 100,
        };
        const folded = foldOldDays(data);
        expect(folded.buckets.length).toBeLessThanOrEqual(data.buckets.length);
        expect(folded.days.filter((day) => day.length === 10).every((day) => day >= foldHorizon(NEWEST))).toBe(true);
        expect(foldedBefore(folded)).toBe(days[0]! < foldHorizon(NEWEST) ? foldHorizon(NEWEST) : null);
        expect(folded.days).toEqual([...folded.days].sort());
        const today = new Date(Date.parse(`${NEWEST}T00:00:00.000Z`) + viewedAfter * 86_400_000).toISOString().slice(0, 10);
        for (const { key: range } of RANGE_PRESETS) {
          for (const filters of [{ range, values: {} }, { range, values: { model: 'm2', user: 'u1' } }] satisfies Filters[]) {
            const [before, after] = [data, folded].map((embedded) => usageView(embedded, filters, today));
            expect(after?.totals).toEqual(before?.totals);
            expect(after?.byDimension).toEqual(before?.byDimension);
            expect(monthSpend(folded, filters, today)).toEqual(monthSpend(data, filters, today));
          }
        }
        // All time by month: what the folded months show is what their days add up to.
        const all = usageView(data, { range: 'all', values: {} }, today);
        for (const month of usageView(folded, { range: 'all', values: {} }, today).days.filter((entry) => entry.key.length === 7)) {
          const inMonth = all.days.filter((day) => day.key.startsWith(month.key));
          expect(month.transactions).toBe(inMonth.reduce((sum, day) => sum + day.transactions, 0));
          expect(month.cost_usd).toBe(usageView({ ...data, buckets: data.buckets.filter((entry) => data.days[entry[0] ?? 0]?.startsWith(month.key)) }, { range: 'all', values: {} }, today).totals.cost_usd);
        }
      }),
      { numRuns: 100 },
    );
    expect(foldHorizon('2026-11-20')).toBe('2026-08-01');
    expect(foldHorizon('2026-03-31')).toBe('2026-01-01');
  });
});
