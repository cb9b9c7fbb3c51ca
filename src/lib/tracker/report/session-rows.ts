/**
 * The rows of sessions picked after a read (the site's costliest, which only
 * the read's totals rank): their stats by model and newest rows, exactly as
 * an `aggregateLedger` query with `sessionRows` gives them. When the read
 * located its rows (`locateSessions`), only the picked sessions' rows are
 * read again, back to back, each checked to be one whole valid row;
 * otherwise, or when a check fails (a file changed since), the ledgers are
 * read in full.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { UsageAggregator, type AggregateOptions, type SessionDetail } from './aggregate.ts';
import { aggregateLedger, type LedgerScan, type LedgerScanOptions, type LocatedFile } from './ledger-scan.ts';
import { rowsOfSessions } from './row-locations.ts';
import { snapshotOf } from './scan-cache.ts';
import { forEachLedgerRow } from '../ledger/ledger.ts';

type SessionRowsQuery = NonNullable<AggregateOptions['sessionRows']>;

/** Reads at most this many bytes of rows at a time, so a session that holds most of the ledger is streamed. */
const READ_BYTES = 1 << 20;

/**
 * The named sessions that have rows, in the order named, as a read of
 * `ledgers` with `aggregate: { sessionRows: query }` (and the scan's date
 * range) gives them. `scan` is the read of the same ledgers with `options`.
 */
export async function readSessionRows(ledgers: string | readonly string[], scan: LedgerScan, query: SessionRowsQuery, options: LedgerScanOptions): Promise<SessionDetail[]> {
  const located = scan.located && (await readLocated(scan.located, query, options.now ?? new Date()));
  if (located) return located;
  const { since, until } = options.aggregate ?? {};
  // Written to no cache: this read happens only when a file could not be located or changed since, and it is then read whole anyway.
  const full = await aggregateLedger(ledgers, { ...options, cache: false, locateSessions: false, aggregate: { since, until, sessionRows: query } });
  return full.report.sessions;
}

/** The sessions' rows read from where the scan found them; undefined when one is not there any more. */
async function readLocated(files: readonly LocatedFile[], query: SessionRowsQuery, now: Date): Promise<SessionDetail[] | undefined> {
  const aggregator = new UsageAggregator({ sessionRows: query });
  for (const file of files) {
    const rows = rowsOfSessions(file.rows, query.sessions);
    if (rows.length === 0) continue;
    if (!stillHolds(file)) return undefined;
    // Back to back the rows are CSV on their own: each started a record and ended with its newline (or the file).
    let expected = 0;
    let streamEnd = 0;
    let matches = true;
    await forEachLedgerRow(
      file.file,
      { now, source: Readable.from(bytesOf(file.file, rows)), range: { start: rows[0]!.start, end: rows.at(-1)!.end, firstLine: 1, columns: file.columns } },
      (row, _start, end) => {
        const want = rows[expected];
        streamEnd += want ? want.end - want.start : 0;
        expected += 1;
        // Each range must be one whole valid row; the aggregator keeps only the named sessions' rows itself.
        if (!want || !row.ok || end !== streamEnd) matches = false;
        else aggregator.add(row.record);
      },
    );
    if (!matches || expected !== rows.length) return undefined;
  }
  return aggregator.report().sessions;
}

/** The file is the one read (a rewrite renames another into place) and has not shrunk. */
function stillHolds(file: LocatedFile): boolean {
  try {
    const current = snapshotOf(file.file);
    return current.identity === file.identity && current.size >= file.size;
  } catch {
    return false;
  }
}

/**
 * The rows' bytes in order, gathered into chunks of about READ_BYTES (a longer row is a chunk of its own). Read
 * synchronously: the rows are scattered and few, and an awaited read per row cost ~0.25 ms of round trip each.
 */
function* bytesOf(path: string, rows: readonly { start: number; end: number }[]): Generator<Buffer> {
  const fd = openSync(path, 'r');
  try {
    let index = 0;
    while (index < rows.length) {
      let size = 0;
      let last = index;
      while (last < rows.length && (last === index || size + rows[last]!.end - rows[last]!.start <= READ_BYTES)) {
        size += rows[last]!.end - rows[last]!.start;
        last += 1;
      }
      const chunk = Buffer.allocUnsafe(size);
      let at = 0;
      for (; index < last; index += 1) {
        const { start, end } = rows[index]!;
        // A short read (the file shrank) leaves a row torn, which the parse then finds.
        at += readSync(fd, chunk, at, end - start, start);
      }
      yield chunk.subarray(0, at);
    }
  } finally {
    closeSync(fd);
  }
}
