import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageAggregator, ZoneCalendar, groupKeyOf, isoWeek, parseDateBound } from '../../../../src/lib/tracker/index.ts';
import { validRecord } from '../../../helpers/records.ts';

/** Zones with DST at whole hours (Berlin, New York), a +05:45 offset (Kathmandu), half-hour DST (Lord Howe), a DST start at midnight (Santiago); UTC by both its names. */
const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'America/Santiago', 'UTC', 'Etc/UTC'] as const;

/** 2026 offset changes of those zones, so the timestamps crowd around them. */
const TRANSITIONS = [
  '2026-03-29T01:00:00Z',
  '2026-10-25T01:00:00Z',
  '2026-03-08T07:00:00Z',
  '2026-11-01T06:00:00Z',
  '2026-04-04T15:00:00Z',
  '2026-10-03T15:30:00Z',
  '2026-04-05T03:00:00Z',
  '2026-09-06T04:00:00Z',
].map((text) => Date.parse(text));

const HOUR = 3_600_000;
const YEAR_START = Date.parse('2026-01-01T00:00:00Z');
const YEAR_END = Date.parse('2027-01-01T00:00:00Z');

const instant = fc.oneof(
  fc.integer({ min: YEAR_START, max: YEAR_END }),
  fc.tuple(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -3 * HOUR, max: 3 * HOUR })).map(([at, shift]) => at + shift),
  // Around local midnights of +05:45 and the half-hour zones: any instant near :15, :30, :45 past the hour.
  fc.tuple(fc.integer({ min: YEAR_START / HOUR, max: YEAR_END / HOUR }), fc.constantFrom(0, 15, 30, 45), fc.integer({ min: -2000, max: 2000 })).map(
    ([hour, minute, shift]) => hour * HOUR + minute * 60_000 + shift,
  ),
);

/** The local day of an instant, asked of Intl directly (en-CA writes YYYY-MM-DD). */
function intlDay(zone: string, time: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(time);
}

describe('days in a time zone', () => {
  it('groups by the day, ISO week and month Intl gives each row, across DST changes and odd offsets', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.array(instant, { minLength: 1, maxLength: 60 }), (zone, times) => {
        // One calendar for every row, so rows of one hour share its cached offset.
        const calendar = new ZoneCalendar(zone);
        for (const time of times) {
          const record = validRecord({ timestamp: new Date(time).toISOString() });
          const day = intlDay(zone, time);
          expect(groupKeyOf(record, 'day', calendar)).toBe(day);
          expect(groupKeyOf(record, 'week', calendar)).toBe(isoWeek(day));
          expect(groupKeyOf(record, 'month', calendar)).toBe(day.slice(0, 7));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('starts a day at its first instant there, midnight or the end of a gap over it', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: 0, max: 364 }), (zone, index) => {
        const day = new Date(YEAR_START + index * 86_400_000).toISOString().slice(0, 10);
        const start = new ZoneCalendar(zone).startOfDay(day);
        expect(intlDay(zone, start)).toBe(day);
        expect(intlDay(zone, start - 1) < day).toBe(true);
      }),
      { numRuns: 300 },
    );
    // Santiago's clock goes from 2026-09-05 24:00 straight to 01:00: that day starts at 01:00.
    const gapStart = new ZoneCalendar('America/Santiago').startOfDay('2026-09-06');
    expect([intlDay('America/Santiago', gapStart - 1), intlDay('America/Santiago', gapStart)]).toEqual(['2026-09-05', '2026-09-06']);
  });

  it('aggregates by day in the zone it is given', () => {
    const aggregator = new UsageAggregator({ groupBy: ['day'], timeZone: 'America/New_York' });
    aggregator.add(validRecord({ timestamp: '2026-06-02T03:00:00.000Z' }));
    aggregator.add(validRecord({ timestamp: '2026-06-02T05:00:00.000Z' }));
    expect(aggregator.report().groups.day?.map((group) => [group.key, group.transactions])).toEqual([
      [intlDay('America/New_York', Date.parse('2026-06-02T03:00:00.000Z')), 1],
      [intlDay('America/New_York', Date.parse('2026-06-02T05:00:00.000Z')), 1],
    ]);
  });

  it('reads plain dates and times as wall-clock times in the zone', () => {
    const since = parseDateBound('2026-03-29', 'since', 'Europe/Berlin');
    const until = parseDateBound('2026-03-29', 'until', 'Europe/Berlin');
    // The first and the last instants of 2026-03-29 in Berlin, which is 23 hours long (the clock skips 02:00-03:00).
    expect(intlDay('Europe/Berlin', Date.parse(since))).toBe('2026-03-29');
    expect(intlDay('Europe/Berlin', Date.parse(since) - 1)).toBe('2026-03-28');
    expect(intlDay('Europe/Berlin', Date.parse(until))).toBe('2026-03-30');
    expect(intlDay('Europe/Berlin', Date.parse(until) - 1)).toBe('2026-03-29');
    expect(Date.parse(until) - Date.parse(since)).toBe(23 * HOUR);
    expect(parseDateBound('2026-01-31T12:00', 'since', 'Asia/Kathmandu')).toBe('2026-01-31T06:15:00.000Z');
    expect(parseDateBound('2026-01-31T12:00:00+01:00', 'since', 'Asia/Kathmandu')).toBe('2026-01-31T11:00:00.000Z');
    expect(parseDateBound('2026-06-01', 'since')).toBe('2026-06-01T00:00:00.000Z');
  });
});
