import { describe, expect, it } from 'vitest';
import { UsageAggregator, isoWeek, parseDateBound, percentile } from '../../../../src/lib/tracker/index.ts';
import { validRecord } from '../../../helpers/records.ts';

describe('aggregation', () => {
  const records = [
    validRecord({ timestamp: '2026-06-01T10:00:00.000Z', tokens_used: 100, input_tokens: 80, output_tokens: 20, cache_read_tokens: 40, cache_creation_tokens: 0, cost_usd: 0.5, elapsed_time: 1, model: 'a' }),
    validRecord({ timestamp: '2026-06-01T11:00:00.000Z', tokens_used: 300, input_tokens: 200, output_tokens: 100, cache_read_tokens: 0, cache_creation_tokens: 50, cost_usd: null, elapsed_time: 3, model: 'b' }),
    validRecord({ timestamp: '2026-06-08T09:00:00.000Z', tokens_used: 0, input_tokens: null, output_tokens: null, cache_read_tokens: null, cache_creation_tokens: null, cost_usd: 0.25, elapsed_time: 2, model: '', error_occurred: true, error_message: 'boom' }),
  ];

  it('totals every kind of token, cost, errors and elapsed percentiles', () => {
    const aggregator = new UsageAggregator();
    for (const record of records) aggregator.add(record);
    const { totals } = aggregator.report();
    expect(totals).toMatchObject({
      transactions: 3,
      tokens_used: 400,
      input_tokens: 280,
      output_tokens: 120,
      cache_creation_tokens: 50,
      cache_read_tokens: 40,
      cost_usd: 0.75,
      unpriced_transactions: 1,
      errors: 1,
      elapsed_p50: 2,
      elapsed_p95: 3,
      first_timestamp: '2026-06-01T10:00:00.000Z',
      last_timestamp: '2026-06-08T09:00:00.000Z',
    });
    expect(totals.error_rate).toBeCloseTo(1 / 3);
    expect(totals.cache_read_share).toBeCloseTo(40 / 280);
  });

  it('groups by time keys in time order and other keys by tokens', () => {
    const aggregator = new UsageAggregator({ groupBy: ['day', 'week', 'model'] });
    for (const record of records) aggregator.add(record);
    const { groups } = aggregator.report();
    expect(groups.day?.map((group) => [group.key, group.transactions])).toEqual([
      ['2026-06-01', 2],
      ['2026-06-08', 1],
    ]);
    expect(groups.week?.map((group) => group.key)).toEqual(['2026-W23', '2026-W24']);
    expect(groups.model?.map((group) => group.key)).toEqual(['b', 'a', '(unknown)']);
  });

  it('filters by date range, the until day included', () => {
    const aggregator = new UsageAggregator({ since: parseDateBound('2026-06-01', 'since'), until: parseDateBound('2026-06-01', 'until') });
    expect(records.map((record) => aggregator.add(record))).toEqual([true, true, false]);
    expect(() => parseDateBound('last week', 'since')).toThrow(/--since: "last week" is not a date/);
  });

  it('keeps one cell per combination of 100,000 and more, added or merged', () => {
    const sessions = Array.from({ length: 0x10000 + 2 }, (_, index) => `s${index}`);
    const options = { cellsBy: ['session', 'model'] } as const;
    const added = new UsageAggregator(options);
    const halves = [new UsageAggregator(options), new UsageAggregator(options)];
    sessions.forEach((session_id, index) => {
      for (const model of index % 2 === 0 ? ['a', 'b'] : ['b']) {
        const record = validRecord({ session_id, model, tokens_used: index });
        added.add(record);
        halves[index % 2]!.add(record);
      }
    });
    const merged = new UsageAggregator(options);
    for (const half of halves) merged.merge(half.state());
    for (const { cells } of [added.report(), merged.report()]) {
      const rows = sessions.length + sessions.length / 2;
      expect(cells.keys.length / 2).toBe(rows);
      const combinations = new Set<string>();
      for (let cell = 0; cell < rows; cell += 1) combinations.add(`${cells.values[0]![cells.keys[cell * 2]!]}/${cells.values[1]![cells.keys[cell * 2 + 1]!]}`);
      expect(combinations.size).toBe(rows);
    }
  });

  it('has no NaN on an empty ledger', () => {
    const { totals } = new UsageAggregator().report();
    expect(totals).toMatchObject({ transactions: 0, error_rate: null, elapsed_p50: null, cache_read_share: null });
  });

  it('computes ISO weeks and nearest-rank percentiles', () => {
    expect(isoWeek('2026-01-01T00:00:00.000Z')).toBe('2026-W01');
    expect(isoWeek('2027-01-01T00:00:00.000Z')).toBe('2026-W53');
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(percentile([1, 2, 3, 4], 0.95)).toBe(4);
    expect(percentile([], 0.5)).toBeNull();
  });
});
