/**
 * What the importers and the agent hooks remember about one ledger, in a
 * folder beside it (`<ledger>.imports/`), so their work grows with what is
 * new and never with the ledger's history:
 *
 * - `ids/<source>/<YYYY-MM-DD>.txt`: the transaction ids of the imported rows
 *   whose event fell on that UTC day. An imported response keeps its time, so
 *   whether the ledger holds it is answered by reading a day or three, not
 *   the ledger. `ids/complete` says the index covers every row of the ledger
 *   (it is built once from the ledger when missing, e.g. for a ledger written
 *   before the index existed).
 * - `logs/<source>/<hash of the log path>.json`: per agent log file, how many
 *   bytes were read, a fingerprint of the bytes before that offset, and what
 *   the reader held back (see log-cursor.ts).
 *
 * Everything here is written under the import lock. It is a cache of what
 * the ledger and the logs say: deleting the folder makes the next import or
 * hook rebuild it from the ledger, with the same result.
 */
import { appendFileSync, createReadStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../ledger/atomic.ts';
import { inspectLedger } from '../ledger/ledger.ts';
import { ledgerFiles } from '../ledger/parts.ts';
import { V2_COLUMNS } from '../schema.ts';

const TRANSACTION_ID_INDEX = V2_COLUMNS.indexOf('transaction_id');
const TIMESTAMP_INDEX = V2_COLUMNS.indexOf('timestamp');
/** Ids of imported rows are `<source>:<stable part>`; ids of recorded rows are UUIDs and never repeat. */
const IMPORTED_ID = /^([a-z][a-z0-9-]*):./;
const DAY_MS = 86_400_000;
const COMPLETE_MARKER = 'complete';

/** The folder of a ledger's import state. */
export function importStateDir(ledgerPath: string): string {
  return `${resolve(ledgerPath)}.imports`;
}

function idsDir(ledgerPath: string): string {
  return join(importStateDir(ledgerPath), 'ids');
}

function dayOf(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/** Whether the id index covers the whole ledger. */
export function hasIdIndex(ledgerPath: string): boolean {
  return existsSync(join(idsDir(ledgerPath), COMPLETE_MARKER));
}

/** Bytes of every file of the ledger: what building the index would read. */
export function ledgerBytes(ledgerPath: string): number {
  return ledgerFiles(ledgerPath).reduce((total, file) => total + statSync(file).size, 0);
}

/** One source-day of the index: its key (`<source>/<day>`) and ids. */
interface DaySet {
  key: string;
  ids: Set<string>;
}

/**
 * The index of imported transaction ids, loaded one source-day at a time.
 * A lookup reads the candidate's day and its neighbours: the lines of one
 * response can straddle midnight, so a re-read may time it a day apart.
 */
export class ImportedIds {
  private readonly days = new Map<string, Set<string>>();
  private readonly pending = new Map<string, string[]>();
  /** A source and a row's day to the id sets of that day and the days either side: an import asks for a few days many times. */
  private readonly around = new Map<string, { own: DaySet; all: readonly Set<string>[] } | null>();

  private readonly ledgerPath: string;

  constructor(ledgerPath: string) {
    this.ledgerPath = ledgerPath;
  }

  private fileOf(source: string, day: string): string {
    return join(idsDir(this.ledgerPath), source, `${day}.txt`);
  }

  private day(key: string, source: string, day: string): Set<string> {
    let ids = this.days.get(key);
    if (!ids) {
      ids = new Set();
      try {
        for (const id of readFileSync(this.fileOf(source, day), 'utf8').split('\n')) if (id !== '') ids.add(id);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      this.days.set(key, ids);
    }
    return ids;
  }

  /** The id sets an imported id at `timestamp` may be in; null when the id is not an imported one or the time is not a date. */
  private setsFor(id: string, timestamp: string) {
    const source = IMPORTED_ID.exec(id)?.[1];
    if (source === undefined) return null;
    // Ledger times are ISO 8601 UTC, so their first ten characters are the day; anything else is parsed.
    const dayKey = /^\d{4}-\d{2}-\d{2}T.*Z$/.test(timestamp) ? timestamp.slice(0, 10) : timestamp;
    const key = `${source}/${dayKey}`;
    let sets = this.around.get(key);
    if (sets === undefined) {
      const time = Date.parse(dayKey.length === 10 ? `${dayKey}T12:00:00.000Z` : dayKey);
      if (Number.isNaN(time)) {
        sets = null;
      } else {
        const [before, own, after] = [dayOf(time - DAY_MS), dayOf(time), dayOf(time + DAY_MS)].map((day) => ({ key: `${source}/${day}`, ids: this.day(`${source}/${day}`, source, day) })) as [DaySet, DaySet, DaySet];
        sets = { own, all: [before.ids, own.ids, after.ids] };
      }
      this.around.set(key, sets);
    }
    return sets;
  }

  has(id: string, timestamp: string): boolean {
    const sets = this.setsFor(id, timestamp);
    return sets !== null && sets.all.some((ids) => ids.has(id));
  }

  /** Notes an id as held by the ledger; written to disk by flush(). */
  add(id: string, timestamp: string): void {
    const sets = this.setsFor(id, timestamp);
    if (sets === null) return;
    sets.own.ids.add(id);
    const waiting = this.pending.get(sets.own.key);
    if (waiting) waiting.push(id);
    else this.pending.set(sets.own.key, [id]);
  }

  /** Appends the ids added since the last flush to their day files. */
  flush(): void {
    for (const [key, ids] of this.pending) {
      const [source = '', day = ''] = key.split('/');
      mkdirSync(join(idsDir(this.ledgerPath), source), { recursive: true, mode: PRIVATE_DIR_MODE });
      appendFileSync(this.fileOf(source, day), `${ids.join('\n')}\n`, { mode: PRIVATE_FILE_MODE });
    }
    this.pending.clear();
  }
}

/**
 * Builds the id index from the ledger: every file, only the id and time
 * columns. Run under the import lock. A build that dies half-way leaves no
 * marker, so the next one starts again from nothing.
 */
export async function buildIdIndex(ledgerPath: string, onProgress?: (bytesRead: number) => void): Promise<void> {
  const dir = idsDir(ledgerPath);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const index = new ImportedIds(ledgerPath);
  let done = 0;
  for (const file of ledgerFiles(ledgerPath)) {
    // A v1 file has no transaction_id column, so it holds no imported ids.
    if (inspectLedger(file).version !== 1) {
      const stream = createReadStream(file);
      const parser = stream.pipe(parse({ from_line: 2, relax_column_count: true, skip_records_with_error: true }));
      let rows = 0;
      for await (const cells of parser as AsyncIterable<string[]>) {
        const id = cells[TRANSACTION_ID_INDEX];
        if (id !== undefined && IMPORTED_ID.test(id)) index.add(id, cells[TIMESTAMP_INDEX] ?? '');
        rows += 1;
        if (rows % 50_000 === 0) {
          index.flush();
          onProgress?.(done + stream.bytesRead);
        }
      }
    }
    done += statSync(file).size;
    index.flush();
    onProgress?.(done);
  }
  writeFileSync(join(dir, COMPLETE_MARKER), `${JSON.stringify({ version: 1, built_at: new Date().toISOString() })}\n`, { mode: PRIVATE_FILE_MODE });
}

/**
 * Drops the state of a ledger that is gone (deleted to start over): its ids
 * would otherwise keep a re-import from adding anything.
 */
export function forgetStateOfMissingLedger(ledgerPath: string): void {
  if (ledgerFiles(ledgerPath).length === 0) rmSync(importStateDir(ledgerPath), { recursive: true, force: true });
}
