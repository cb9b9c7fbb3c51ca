import fc from 'fast-check';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aggregateLedger, formatRows, headerLine, readSessionRows, type AggregateOptions, type LedgerScanOptions } from '../../../../src/lib/tracker/index.ts';
import { sessionHash } from '../../../../src/lib/tracker/report/row-locations.ts';
import { MINUTE, appendedText, applyStep, ledgerFolders, step } from '../../../helpers/ledger-growth.ts';
import { NOW, validRecord, validRecordArbitrary } from '../../../helpers/records.ts';

const { work, freshLedger } = ledgerFolders('session-rows');

/** The site's kind of scan: groups by session, so the sessions can be ranked, and the rows located. */
const aggregate: AggregateOptions = { groupBy: ['session', 'model'], groupPercentiles: false, cellsBy: ['day', 'model'] };

/** The query the site would make after the scan: the costliest sessions, and the ones the generated rows share. */
function queryAfter(scan: Awaited<ReturnType<typeof aggregateLedger>>, limit: number) {
  const ranked = [...(scan.report.groups.session ?? [])].sort((a, b) => b.cost_usd - a.cost_usd).map((group) => group.key);
  return { sessions: [...new Set([...ranked.slice(0, 3), 'site-a', 'site-b', 'no-such-session'])], limit };
}

/**
 * readSessionRows after a scan with `options`, against a read of every row that keeps only those sessions.
 * When the scan located the rows, they alone must give the answer: the ledger it may fall back on is then one that does not exist.
 */
async function expectSessionRowsExact(ledger: string, options: LedgerScanOptions, limit = 2): Promise<boolean> {
  const scanOptions = { ...options, locateSessions: true, aggregate };
  const scan = await aggregateLedger(ledger, scanOptions);
  const query = queryAfter(scan, limit);
  const everyRow = await aggregateLedger(ledger, { now: options.now, cache: false, aggregate: { sessionRows: query } });
  expect(await readSessionRows(scan.located ? join(work, 'absent.csv') : ledger, scan, query, scanOptions)).toEqual(everyRow.report.sessions);
  return scan.located !== undefined;
}

describe('readSessionRows', () => {
  it('gives after each append, rotation and clock step, with the cache and without, on threads too, exactly the rows a read of every row keeps', async () => {
    let locatedScans = 0;
    await fc.assert(
      fc.asyncProperty(appendedText, fc.array(step, { minLength: 1, maxLength: 3 }), async (first, steps) => {
        const ledger = freshLedger();
        writeFileSync(ledger, headerLine(2) + first.join(''));
        const check = async (now: Date) => {
          if (await expectSessionRowsExact(ledger, { now })) locatedScans += 1;
          if (await expectSessionRowsExact(ledger, { now, cache: false, threads: 2, minPieceBytes: 512 })) locatedScans += 1;
          // The cached state's row places are those a fresh read finds.
          const fresh = await aggregateLedger(ledger, { now, cache: false, locateSessions: true, aggregate });
          expect(await aggregateLedger(ledger, { now, locateSessions: true, aggregate })).toEqual(fresh);
        };
        let now = NOW;
        await check(now);
        for (const [index, next] of steps.entries()) {
          now = new Date(now.getTime() + next.clockMinutes * MINUTE);
          applyStep(ledger, next, index);
          await check(now);
        }
      }),
      { numRuns: 15 },
    );
    // Text that is not CSV leaves a file unlocated; most generated ledgers have none.
    expect(locatedScans).toBeGreaterThan(10);
  });

  const records = fc.sample(validRecordArbitrary, { numRuns: 120, seed: 3 }).map((record, index) => ({ ...record, session_id: `s${index % 4}`, transaction_id: `tx-${index}` }));

  it('reads only the rows it located: with no ledger left to read whole it still answers, and keeps the newest of each session', async () => {
    const ledger = freshLedger();
    writeFileSync(ledger, headerLine(2) + formatRows(records, 2));
    const options = { now: NOW, cache: false, locateSessions: true, aggregate };
    const scan = await aggregateLedger(ledger, options);
    expect(scan.located?.[0]?.rows.session).toHaveLength(records.length);
    const query = { sessions: ['s1', 's3'], limit: 5 };
    const expected = (await aggregateLedger(ledger, { now: NOW, cache: false, aggregate: { sessionRows: query } })).report.sessions;
    expect(expected.map((detail) => detail.rows.length)).toEqual([5, 5]);
    expect(await readSessionRows(join(work, 'absent.csv'), scan, query, options)).toEqual(expected);
  });

  it('leaves out the rows of a session whose hash is that of a named one', async () => {
    // Two ids with one FNV-1a hash (found by search): the places of both are read, the rows of the one not named are not kept.
    expect(sessionHash('sess-990918')).toBe(sessionHash('sess-2221474'));
    const ledger = freshLedger();
    writeFileSync(ledger, headerLine(2) + formatRows(records.map((record, index) => ({ ...record, session_id: index % 2 === 0 ? 'sess-990918' : 'sess-2221474' })), 2));
    const options = { now: NOW, cache: false, locateSessions: true, aggregate };
    const scan = await aggregateLedger(ledger, options);
    const query = { sessions: ['sess-990918'], limit: 1000 };
    const sessions = await readSessionRows(join(work, 'absent.csv'), scan, query, options);
    expect(sessions.map((detail) => detail.rows.length)).toEqual([records.length / 2]);
    expect(sessions).toEqual((await aggregateLedger(ledger, { now: NOW, cache: false, aggregate: { sessionRows: query } })).report.sessions);
  });

  it('reads every row again when a located row is not the row the scan counted there, or the file was replaced', async () => {
    const query = { sessions: ['s0', 's2'], limit: 50 };
    const options = { now: NOW, cache: false, locateSessions: true, aggregate };
    const text = headerLine(2) + formatRows(records, 2);
    const changes: ((ledger: string) => void)[] = [
      // Same bytes elsewhere, a new file: another identity.
      (ledger) => {
        writeFileSync(`${ledger}.new`, text);
        renameSync(`${ledger}.new`, ledger);
      },
      // In place, same size: a row of s0 now says s1.
      (ledger) => writeFileSync(ledger, readFileSync(ledger, 'utf8').replace(',s0,', ',s1,')),
      // In place, same size: a row of s2 loses its closing newline to a space, so two rows run together.
      (ledger) => {
        const current = readFileSync(ledger, 'utf8');
        const at = current.indexOf('\n', current.indexOf(',s2,'));
        writeFileSync(ledger, `${current.slice(0, at)} ${current.slice(at + 1)}`);
      },
    ];
    for (const change of changes) {
      const ledger = freshLedger();
      writeFileSync(ledger, text);
      const scan = await aggregateLedger(ledger, options);
      change(ledger);
      const everyRow = await aggregateLedger(ledger, { now: NOW, cache: false, aggregate: { sessionRows: query } });
      expect(await readSessionRows(ledger, scan, query, options)).toEqual(everyRow.report.sessions);
    }
  });

  it('reads ledgers that share a transaction id whole, counting the id once, and keeps the date range of the scan', async () => {
    const alice = freshLedger();
    const bob = freshLedger();
    writeFileSync(alice, headerLine(2) + formatRows(records.slice(0, 70), 2));
    writeFileSync(bob, headerLine(2) + formatRows([...records.slice(50, 70), ...records.slice(70)], 2));
    const query = { sessions: ['s0', 's1', 's2', 's3'], limit: 200 };
    const options = { now: NOW, locateSessions: true, aggregate };
    const scan = await aggregateLedger([alice, bob], options);
    expect(scan.duplicateRows).toBe(20);
    expect(scan.located).toBeUndefined();
    const sessions = await readSessionRows([alice, bob], scan, query, options);
    expect(sessions.reduce((sum, detail) => sum + detail.rows.length, 0)).toBe(records.length);

    const since = records.map((record) => record.timestamp).sort()[60]!;
    const ranged = { ...options, aggregate: { ...aggregate, since } };
    const rangedScan = await aggregateLedger(alice, ranged);
    const inRange = records.slice(0, 70).filter((record) => record.timestamp >= since).length;
    const rows = await readSessionRows(alice, rangedScan, query, ranged);
    expect(rows.reduce((sum, detail) => sum + detail.rows.length, 0)).toBe(inRange);
    expect(rows).toEqual((await aggregateLedger(alice, { now: NOW, cache: false, aggregate: { since, sessionRows: query } })).report.sessions);
  });

  it('locates rows of every schema version, with prompts full of quotes and newlines', async () => {
    for (const version of [1, 2, 3] as const) {
      const ledger = freshLedger();
      const tricky = records.slice(0, 30).map((record, index) => (index % 3 === 0 ? validRecord({ ...record, prompt_text: 'a "b",\nc\r\n""' }) : record));
      writeFileSync(ledger, headerLine(version) + formatRows(tricky, version));
      expect(await expectSessionRowsExact(ledger, { now: NOW, cache: false }, 100)).toBe(true);
      expect(await expectSessionRowsExact(ledger, { now: NOW, cache: false, threads: 2, minPieceBytes: 512 }, 100)).toBe(true);
    }
  });
});
