import fc from 'fast-check';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCAN_CACHE_DIR, aggregateLedger, formatRows, headerLine, type LedgerRecord } from '../../src/lib/tracker/index.ts';
import { SESSION_ROW_LIMIT, chooseLedger, firstBy, readUsage } from '../../src/site/usage-data.ts';
import { validRecordArbitrary } from '../helpers/records.ts';

/** A project folder for a test's ledgers (a .git folder marks its root). */
function projectRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'tl-usage-data-'));
  mkdirSync(join(root, '.git'));
  return root;
}

/** `count` valid records, the one at `index` dated `ageMs(index)` before now. */
function recordsAged(count: number, seed: number, ageMs: (index: number) => number): LedgerRecord[] {
  const now = Date.now();
  return fc.sample(validRecordArbitrary, { numRuns: count, seed }).map((record, index) => ({ ...record, timestamp: new Date(now - ageMs(index)).toISOString() }));
}

describe('firstBy', () => {
  it('gives the first items of a stable sort, however many are asked for', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ cost: fc.integer({ min: 0, max: 5 }), tokens: fc.integer({ min: 0, max: 3 }), id: fc.nat() })), fc.integer({ min: -1, max: 30 }), (items, count) => {
        const order = (a: (typeof items)[number], b: (typeof items)[number]) => b.cost - a.cost || b.tokens - a.tokens;
        expect(firstBy(items, count, order)).toEqual([...items].sort(order).slice(0, Math.max(0, count)));
      }),
    );
  });
});

describe('the usage data step', () => {
  it('reads the ledgers a TOKEN_LEDGER_CSV glob names, each transaction once, as `report` does', async () => {
    const root = projectRoot();
    mkdirSync(join(root, 'ledgers'));
    const records = recordsAged(60, 9, (index) => (index + 1) * 3_600_000);
    writeFileSync(join(root, 'ledgers', 'alice.csv'), headerLine(2) + formatRows(records.slice(0, 40), 2));
    writeFileSync(join(root, 'ledgers', 'bob.csv'), headerLine(2) + formatRows(records.slice(30), 2));

    const choice = chooseLedger({ TOKEN_LEDGER_CSV: 'ledgers/*.csv' }, root);
    expect(choice).toMatchObject({ paths: [join(root, 'ledgers', 'alice.csv'), join(root, 'ledgers', 'bob.csv')], source: 'TOKEN_LEDGER_CSV' });
    const usage = await readUsage(choice);
    expect(usage).toMatchObject({ ledgerNames: ['alice.csv', 'bob.csv'], duplicateRows: 10, invalidRows: 0 });
    expect(usage.totals.transactions).toBe(60);
    expect(usage.totals).toEqual((await aggregateLedger(choice.paths, { cache: false })).report.totals);
  });

  it('buckets rows by the days of the timezone setting, and embeds the zone for the browser', async () => {
    const root = projectRoot();
    // Every 5 h 15 min, so rows fall on both sides of Kathmandu's midnight (18:15 UTC).
    const records = recordsAged(40, 11, (index) => (index + 1) * 18_900_000);
    writeFileSync(join(root, 'ledger.csv'), headerLine(2) + formatRows(records, 2));
    const zone = 'Asia/Kathmandu';
    const usage = await readUsage(chooseLedger({ TOKEN_LEDGER_CSV: 'ledger.csv', TOKEN_LEDGER_TIMEZONE: zone }, root));
    const format = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    const expected = [...new Set(records.map((record) => format.format(Date.parse(record.timestamp))))].sort();
    expect(usage.embedded.timeZone).toBe(zone);
    expect(usage.embedded.days).toEqual(expected);
    const byDay = await aggregateLedger(join(root, 'ledger.csv'), { cache: false, aggregate: { groupBy: ['day'], timeZone: zone } });
    expect(byDay.report.groups.day?.map((group) => group.key)).toEqual(expected);
  });

  it('gives from the report cache, after appends, exactly what a read without it gives, and deleting the cache changes nothing', async () => {
    const root = projectRoot();
    // Few sessions, so the top ones have many rows (more than a page keeps), and rows two by two share a time.
    const records = recordsAged(900, 5, (index) => (900 - Math.floor(index / 2)) * 600_000).map((record, index) => ({ ...record, session_id: `s${index % 7}` }));
    const ledger = join(root, 'ledger.csv');
    writeFileSync(ledger, headerLine(2) + formatRows(records.slice(0, 500), 2));
    const choice = chooseLedger({ TOKEN_LEDGER_CSV: 'ledger.csv' }, root);
    const first = await readUsage(choice);
    expect(first).toEqual(await readUsage(choice, { cache: false }));
    // One query: the top sessions' rows are read again from where it found them, not from a query of their own.
    expect(readdirSync(join(root, SCAN_CACHE_DIR))).toHaveLength(1);
    for (const [from, to] of [
      [500, 501],
      [501, 700],
      [700, 900],
    ] as const) {
      appendFileSync(ledger, formatRows(records.slice(from, to), 2));
      const cached = await readUsage(choice);
      expect(cached.totals.transactions).toBe(to);
      expect(cached).toEqual(await readUsage(choice, { cache: false }));
      for (const session of cached.topSessions) expect(session.rows).toHaveLength(Math.min(SESSION_ROW_LIMIT, session.totals.transactions));
      const sessionRows = { sessions: cached.topSessions.map((session) => session.totals.key), limit: SESSION_ROW_LIMIT };
      const everyRow = await aggregateLedger(ledger, { cache: false, aggregate: { sessionRows } });
      expect(cached.topSessions.map(({ byModel, rows }) => ({ byModel, rows }))).toEqual(everyRow.report.sessions.map(({ byModel, rows }) => ({ byModel, rows })));
    }
    const cached = await readUsage(choice);
    expect(cached.topSessions.filter((session) => session.totals.transactions > SESSION_ROW_LIMIT)).not.toHaveLength(0);
    const warm = await readUsage(choice, { threads: 2 });
    rmSync(join(root, SCAN_CACHE_DIR), { recursive: true });
    expect(existsSync(join(root, SCAN_CACHE_DIR))).toBe(false);
    expect(await readUsage(choice)).toEqual(warm);
  });
});
