import fc from 'fast-check';
import { appendFileSync, closeSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import {
  GROUP_KEYS,
  SCAN_CACHE_DIR,
  aggregateLedger,
  formatRows,
  headerLine,
  type AggregateOptions,
  type LedgerRecord,
  type LedgerScanOptions,
} from '../../../../src/lib/tracker/index.ts';
import { MINUTE, appendedText, applyStep, ledgerFolders, step } from '../../../helpers/ledger-growth.ts';
import { NOW, validRecord, validRecordArbitrary } from '../../../helpers/records.ts';

const { freshLedger } = ledgerFolders('scan-cache');

/** Every --by on its own, and date windows over every key at once. */
const QUERIES: AggregateOptions[] = [
  ...GROUP_KEYS.map((by) => ({ groupBy: [by] })),
  { groupBy: GROUP_KEYS, since: new Date(NOW.getTime() - 100 * 86_400_000).toISOString() },
  { groupBy: GROUP_KEYS, since: new Date(NOW.getTime() - 200 * 86_400_000).toISOString(), until: new Date(NOW.getTime() - 30 * 86_400_000).toISOString() },
  { groupBy: ['error'], recentErrors: 3 },
  // The site's queries (src/site/usage-data.ts): cells by day and dimension, groups without percentiles, and the rows of chosen sessions.
  { groupBy: ['model', 'session', 'error'], groupPercentiles: false, recentErrors: 3, timeZone: 'Asia/Kathmandu', cellsBy: ['day', 'model', 'workspace', 'hook', 'trigger', 'user'] },
  { sessionRows: { sessions: ['site-a', 'site-b', 'site-c'], limit: 2 } },
];

async function expectCacheChangesNothing(ledgers: string | string[], now: Date, options: LedgerScanOptions = {}, queries = QUERIES): Promise<void> {
  for (const aggregate of queries) {
    const full = await aggregateLedger(ledgers, { aggregate, now, cache: false });
    expect(await aggregateLedger(ledgers, { ...options, aggregate, now })).toEqual(full);
  }
}

describe('report cache', () => {
  it('reports after each append, rotation and clock step exactly what a read without the cache reports', async () => {
    await fc.assert(
      fc.asyncProperty(appendedText, fc.array(step, { minLength: 1, maxLength: 3 }), async (first, steps) => {
        // One copy of the ledger per query: a ledger keeps the caches of its 8 latest queries, fewer than are checked here.
        const copies = QUERIES.map((aggregate) => ({ aggregate, ledger: freshLedger() }));
        const check = async (now: Date) => {
          for (const { aggregate, ledger } of copies) await expectCacheChangesNothing(ledger, now, {}, [aggregate]);
        };
        for (const { ledger } of copies) writeFileSync(ledger, headerLine(2) + first.join(''));
        let now = NOW;
        await check(now);
        for (const [index, next] of steps.entries()) {
          now = new Date(now.getTime() + next.clockMinutes * MINUTE);
          for (const { ledger } of copies) applyStep(ledger, next, index);
          await check(now);
        }
      }),
      { numRuns: 10 },
    );
  });

  it('reads the appended rows on worker threads when they are worth it, with the same figures', async () => {
    const ledger = freshLedger();
    const records = fc.sample(validRecordArbitrary, { numRuns: 400, seed: 11 });
    writeFileSync(ledger, headerLine(2) + formatRows(records.slice(0, 100), 2));
    const queries = QUERIES.slice(-3);
    await expectCacheChangesNothing(ledger, NOW, {}, queries);
    appendFileSync(ledger, formatRows(records.slice(100), 2));
    await expectCacheChangesNothing(ledger, NOW, { threads: 2, minPieceBytes: 2048 }, queries);
  });
});

/** Ledger rows whose every figure is in the cached state: a cache used when it should not be shows up as wrong totals. */
function rows(count: number, tokens: number): LedgerRecord[] {
  return Array.from({ length: count }, (_, index) =>
    validRecord({
      transaction_id: `tx-${index}`,
      timestamp: new Date(NOW.getTime() - (index + 1) * 3_600_000).toISOString(),
      tokens_used: tokens,
      input_tokens: null,
      output_tokens: null,
      cache_creation_tokens: null,
      cache_read_tokens: null,
    }),
  );
}

const aggregate = { groupBy: GROUP_KEYS };

/** A report with the cache after a first one filled it, checked against a read without it. */
async function expectFallback(ledger: string, change: () => void): Promise<void> {
  await aggregateLedger(ledger, { aggregate, now: NOW });
  change();
  const full = await aggregateLedger(ledger, { aggregate, now: NOW, cache: false });
  expect(await aggregateLedger(ledger, { aggregate, now: NOW })).toEqual(full);
}

function cacheFiles(ledger: string): string[] {
  const folder = join(ledger, '..', SCAN_CACHE_DIR);
  return readdirSync(folder).map((name) => join(folder, name));
}

/** Rewrites a cache file's payload (checksum made to match unless `keepChecksum`). */
function editCache(file: string, edit: (payload: { format: number; files: { summary: { state: { totals: { rows: Float64Array } } } }[] }) => void, keepChecksum = false): void {
  const bytes = readFileSync(file);
  const payload = deserialize(bytes.subarray(32));
  edit(payload);
  const serialized = serialize(payload);
  writeFileSync(file, Buffer.concat([keepChecksum ? bytes.subarray(0, 32) : createHash('sha256').update(serialized).digest(), serialized]));
}

describe('report cache fallbacks', () => {
  // Over 8 KiB, so a change in the middle is outside both fingerprint windows: only the file's identity tells.
  const text = headerLine(2) + formatRows(rows(60, 1000), 2);

  it('reads only the rows appended since: the cached rows are summed from the cache', async () => {
    const ledger = freshLedger();
    writeFileSync(ledger, text);
    await aggregateLedger(ledger, { aggregate, now: NOW });
    for (const file of cacheFiles(ledger)) editCache(file, (payload) => (payload.files[0]!.summary.state.totals.rows[1]! += 7));
    const cached = await aggregateLedger(ledger, { aggregate, now: NOW });
    expect(cached.report.totals.tokens_used).toBe(60 * 1000 + 7);
  });

  it('reads the whole file when it was replaced by rename (a rewrite), even with the same size and ends', async () => {
    const ledger = freshLedger();
    writeFileSync(ledger, text);
    const middle = text.indexOf(',1000,', text.length / 2) + 1;
    await expectFallback(ledger, () => {
      writeFileSync(`${ledger}.new`, `${text.slice(0, middle)}9${text.slice(middle + 1)}`);
      renameSync(`${ledger}.new`, ledger);
    });
  });

  it('reads the whole file when it was truncated, and when it grew back past the cached offset', async () => {
    const ledger = freshLedger();
    writeFileSync(ledger, text);
    await expectFallback(ledger, () => truncateSync(ledger, text.length - 500));
    writeFileSync(ledger, text);
    await expectFallback(ledger, () => {
      truncateSync(ledger, text.length - 500);
      appendFileSync(ledger, formatRows(rows(8, 5), 2));
    });
    expect(statSync(ledger).size).toBeGreaterThan(text.length);
  });

  it('reads the whole file when bytes before the offset changed in place', async () => {
    const ledger = freshLedger();
    writeFileSync(ledger, text);
    await expectFallback(ledger, () => {
      const fd = openSync(ledger, 'r+');
      writeSync(fd, '9', text.lastIndexOf(',1000,') + 1);
      closeSync(fd);
      appendFileSync(ledger, formatRows(rows(2, 9), 2));
    });
  });

  it('ignores a damaged cache, a cache of another format and a cache made with a later clock', async () => {
    const ledger = freshLedger();
    // Dated ahead of NOW, not of the later clock: a cache made then counts it, a report at NOW must not.
    writeFileSync(ledger, text + formatRows([validRecord({ transaction_id: 'ahead', timestamp: new Date(NOW.getTime() + 7_200_000).toISOString() })], 2));
    const damage = [
      (file: string) => editCache(file, (payload) => (payload.files[0]!.summary.state.totals.rows[1]! += 7), true),
      (file: string) => writeFileSync(file, readFileSync(file).subarray(0, 100)),
      (file: string) => writeFileSync(file, 'not a cache'),
      (file: string) => editCache(file, (payload) => ((payload.format += 1), (payload.files[0]!.summary.state.totals.rows[1]! += 7))),
    ];
    for (const change of damage) await expectFallback(ledger, () => cacheFiles(ledger).forEach(change));
    await aggregateLedger(ledger, { aggregate, now: new Date(NOW.getTime() + 86_400_000) });
    const full = await aggregateLedger(ledger, { aggregate, now: NOW, cache: false });
    expect(await aggregateLedger(ledger, { aggregate, now: NOW })).toEqual(full);
  });

  it('is written 0600 in a 0700 folder, and deleting it changes no figure', async () => {
    const ledger = freshLedger();
    writeFileSync(ledger, text);
    const first = await aggregateLedger(ledger, { aggregate, now: NOW });
    const [file] = cacheFiles(ledger);
    expect(statSync(file!).mode & 0o777).toBe(0o600);
    expect(statSync(join(ledger, '..', SCAN_CACHE_DIR)).mode & 0o777).toBe(0o700);
    rmSync(join(ledger, '..', SCAN_CACHE_DIR), { recursive: true });
    expect(await aggregateLedger(ledger, { aggregate, now: NOW })).toEqual(first);
  });
});

describe('several ledgers', () => {
  const records = fc.sample(validRecordArbitrary, { numRuns: 90, seed: 3 });

  it('adds up ledgers that share no transaction id, from their caches, as a read without the cache does', async () => {
    const [alice, bob] = [freshLedger(), freshLedger()];
    writeFileSync(alice, headerLine(2) + formatRows(records.slice(0, 40), 2));
    writeFileSync(bob, headerLine(2) + formatRows(records.slice(40, 80), 2));
    await expectCacheChangesNothing([alice, bob], NOW);
    appendFileSync(bob, formatRows(records.slice(80), 2));
    await expectCacheChangesNothing([alice, bob], NOW);
    const scan = await aggregateLedger([alice, bob], { now: NOW });
    expect(scan).toMatchObject({ duplicateRows: 0, files: [alice, bob] });
    expect(scan.report.totals.transactions).toBe(90);
  });

  it('counts a transaction id found in two ledgers once, the first ledger\'s row, with the cache and without', async () => {
    const [alice, bob] = [freshLedger(), freshLedger()];
    writeFileSync(alice, headerLine(2) + formatRows(records.slice(0, 50), 2));
    // Bob's copies of alice's rows 40-49 carry other figures: only alice's may count.
    const copies = records.slice(40, 50).map((record) => ({ ...record, tokens_used: 1, input_tokens: null, output_tokens: null }));
    writeFileSync(bob, headerLine(2) + formatRows([...copies, ...records.slice(50)], 2));
    const alone = await aggregateLedger(alice, { now: NOW, cache: false });
    const bobsOwn = await aggregateLedger(bob, { now: NOW, cache: false });
    const bobsCopies = copies.reduce((sum, record) => sum + record.tokens_used, 0);
    for (const cache of [false, true, true]) {
      const both = await aggregateLedger([alice, bob], { now: NOW, cache });
      expect(both.duplicateRows).toBe(10);
      expect(both.report.totals.transactions).toBe(records.length);
      expect(both.report.totals.tokens_used).toBe(alone.report.totals.tokens_used + bobsOwn.report.totals.tokens_used - bobsCopies);
    }
  });
});
