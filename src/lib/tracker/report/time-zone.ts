/**
 * Calendar days in a time zone (an IANA name like Europe/Berlin, or UTC):
 * which local day a ledger timestamp (always UTC) falls on, and when a local
 * day starts. `report --timezone` and the site's buckets group by these days.
 * No imports: the site bundles this file for the browser.
 *
 * Asking Intl for every row of a 500k-row ledger is slow, so a zone's offset
 * is looked up once per UTC hour (the timestamp's first 13 characters): at
 * the hour's first and last millisecond. Equal offsets mean the whole hour
 * has that offset (no zone changes its offset twice within an hour), and its
 * rows' local times are the UTC time plus it; when the two differ the hour
 * holds a transition (at :00, :30, :45 or any other minute) and its rows are
 * asked of Intl one by one. An hour whose local times all fall on one day
 * (every hour in a zone of whole-hour offsets) keeps that day, so most rows
 * cost one Map lookup. UTC itself (the usual zone of a server) needs no
 * lookup at all: a timestamp's day is its first 10 characters.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The machine's zone, as the runtime reports it (TZ when set). */
export function machineTimeZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Whether Intl knows a zone of that name (IANA names in any case, UTC). Names are kept as given: Intl's canonical ones are legacy spellings such as Asia/Katmandu. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** A UTC time as a day, YYYY-MM-DD. */
function utcDayOf(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

interface HourOffset {
  /** Local minus UTC, in milliseconds; null when the offset changes within the hour. */
  offset: number | null;
  /** The local day of every instant of the hour, when they share one. */
  day: string | null;
}

/** Names of UTC itself, upper-cased: zones whose offset is always zero. */
const UTC_NAMES: ReadonlySet<string> = new Set(['UTC', 'ETC/UTC']);

export class ZoneCalendar {
  readonly timeZone: string;
  private readonly format: Intl.DateTimeFormat | undefined;
  private readonly hours = new Map<string, HourOffset>();

  /** `timeZone` must be one Intl knows (see isTimeZone). */
  constructor(timeZone: string) {
    this.timeZone = timeZone;
    // Building a formatter costs milliseconds, paid by every worker thread of a report.
    this.format = UTC_NAMES.has(timeZone.toUpperCase()) ? undefined : new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** Local minus UTC at an instant, in milliseconds. */
  offsetAt(time: number): number {
    if (this.format === undefined) return 0;
    const fields: Record<string, number> = {};
    for (const part of this.format.formatToParts(time)) if (part.type !== 'literal') fields[part.type] = Number(part.value);
    const wall = Date.UTC(fields.year ?? 0, (fields.month ?? 1) - 1, fields.day ?? 1, fields.hour ?? 0, fields.minute ?? 0, fields.second ?? 0);
    return wall - (time - (((time % 1000) + 1000) % 1000));
  }

  /** The local day (YYYY-MM-DD) of an instant. */
  dayOfTime(time: number): string {
    return utcDayOf(time + this.offsetAt(time));
  }

  /** The local day of a ledger timestamp (ISO 8601 UTC, like 2026-01-31T12:00:00.000Z); Intl is asked once per UTC hour. */
  dayOf(timestamp: string): string {
    if (this.format === undefined) return timestamp.slice(0, 10);
    const hour = timestamp.slice(0, 13);
    let entry = this.hours.get(hour);
    if (entry === undefined) {
      entry = this.hourOffset(hour);
      this.hours.set(hour, entry);
    }
    if (entry.day !== null) return entry.day;
    const time = Date.parse(timestamp);
    return utcDayOf(time + (entry.offset ?? this.offsetAt(time)));
  }

  private hourOffset(hour: string): HourOffset {
    const start = Date.parse(`${hour}:00:00.000Z`);
    const last = start + HOUR_MS - 1;
    const offset = this.offsetAt(start);
    if (this.offsetAt(last) !== offset) return { offset: null, day: null };
    const day = utcDayOf(start + offset);
    return { offset, day: utcDayOf(last + offset) === day ? day : null };
  }

  /**
   * The first instant whose local time is at or after a wall-clock time
   * (given as the UTC milliseconds of those fields): the earlier one when
   * the clock went back over it, the end of the gap when it skipped it.
   */
  instantOfWall(wall: number): number {
    // The instant is within a day of the wall time; one transition at most lies that close.
    const candidates = [...new Set([wall - this.offsetAt(wall - DAY_MS), wall - this.offsetAt(wall + DAY_MS)])].sort((a, b) => a - b);
    const reaches = (time: number) => time + this.offsetAt(time) >= wall;
    const first = candidates.find(reaches);
    if (first === undefined) throw new Error(`No instant reaches ${new Date(wall).toISOString()} in ${this.timeZone}`);
    if (first + this.offsetAt(first) === wall) return first;
    // The wall time fell into a gap: the gap ends at the transition, found by halving (local time rises across it).
    let before = first - DAY_MS;
    let after = first;
    while (after - before > 1) {
      const middle = Math.floor((before + after) / 2);
      if (reaches(middle)) after = middle;
      else before = middle;
    }
    return after;
  }

  /** When a local day (YYYY-MM-DD) starts, as UTC milliseconds. */
  startOfDay(day: string): number {
    return this.instantOfWall(Date.parse(`${day}T00:00:00.000Z`));
  }
}
