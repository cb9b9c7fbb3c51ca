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
import { dirname, join, resolve } from 'node:path';
import { parse } from 'csv-parse';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../ledger/atomic.ts';
import { inspectLedger } from '../ledger/ledger.ts';
import { ledgerFiles } from '../ledger/parts.ts';
import { V2_COLUMNS } from '../schema.ts';
import { IdHashes, IdLines, IMPORTED_ID, idHash, idsOfText, indexKeyOf } from './index-keys.ts';

const TRANSACTION_ID_INDEX = V2_COLUMNS.indexOf('transaction_id');
const TIMESTAMP_INDEX = V2_COLUMNS.indexOf('timestamp');
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

function textOf(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8');
}

/**
 * The ids of one source-day of the index. An import asks about every
 * response and adds hundreds of thousands: as strings in Sets they were
 * most of its memory (~40 MB for 300,000 ids). So the day holds each id as
 * a hash (index-keys.ts), and the ids added since the last flush as the
 * bytes its file will get; the first time a hash matches, the day's ids
 * themselves are read (its file and those bytes) and kept for that day, so
 * every answer is exact.
 */
class DayIds {
  private readonly file: string;
  private readonly hashes = new IdHashes();
  /** The day's ids as text, once a hash has matched. */
  private exact: Set<string> | undefined;
  readonly unwritten = new IdLines();

  constructor(file: string) {
    this.file = file;
    for (const id of this.written()) this.hashes.add(idHash(id));
  }

  private written(): string[] {
    try {
      return idsOfText(readFileSync(this.file, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      return [];
    }
  }

  mayHold(hash: number): boolean {
    return this.hashes.mayHold(hash);
  }

  /** Whether the day holds the id, when its hash says it may. */
  holds(id: string): boolean {
    this.exact ??= new Set([...this.written(), ...this.unwritten.ids()]);
    return this.exact.has(id);
  }

  add(hash: number, bytes: Uint8Array, start: number, end: number): void {
    this.hashes.add(hash);
    this.unwritten.append(bytes, start, end);
    this.exact?.add(textOf(bytes, start, end));
  }

  /** Appends the ids added since the last flush to the day's file. */
  flush(): void {
    if (this.unwritten.bytes.length === 0) return;
    mkdirSync(dirname(this.file), { recursive: true, mode: PRIVATE_DIR_MODE });
    appendFileSync(this.file, this.unwritten.bytes, { mode: PRIVATE_FILE_MODE });
    this.unwritten.clear();
  }
}

/**
 * The index of imported transaction ids, loaded one source-day at a time.
 * A lookup reads the candidate's day and its neighbours: the lines of one
 * response can straddle midnight, so a re-read may time it a day apart.
 * An id added since the last flush is found whatever its time: a writer
 * adds each row's id as it takes the row, and flushes once the rows are in
 * the ledger (a crash in between can repeat a row, never lose one).
 *
 * Ids are asked about and added by hash, index key and UTF-8 bytes
 * (index-keys.ts), which a worker thread computes; the id as text is made
 * only when a hash matches.
 */
export class ImportedIds {
  private readonly days = new Map<string, DayIds>();
  /** An index key to the ids of its day and the days either side: an import asks for a few days many times. */
  private readonly around = new Map<string, { own: DayIds; all: readonly DayIds[] } | null>();
  /** Hashes of the ids added since the last flush, and the ids themselves once one matches. */
  private readonly recent = new IdHashes();
  private recentExact: Set<string> | undefined;
  /** Ids added since the last flush that no day file takes (not imported ids, or not timed by a date). */
  private readonly undated = new IdLines();

  private readonly ledgerPath: string;

  constructor(ledgerPath: string) {
    this.ledgerPath = ledgerPath;
  }

  private day(source: string, day: string): DayIds {
    const key = `${source}/${day}`;
    let ids = this.days.get(key);
    if (!ids) {
      ids = new DayIds(join(idsDir(this.ledgerPath), source, `${day}.txt`));
      this.days.set(key, ids);
    }
    return ids;
  }

  /** The days an index key names; null when its day is not a date. */
  private daysOf(key: string) {
    let days = this.around.get(key);
    if (days === undefined) {
      const slash = key.indexOf('/');
      const source = key.slice(0, slash);
      const dayKey = key.slice(slash + 1);
      const time = Date.parse(dayKey.length === 10 ? `${dayKey}T12:00:00.000Z` : dayKey);
      if (Number.isNaN(time)) {
        days = null;
      } else {
        const [before, own, after] = [dayOf(time - DAY_MS), dayOf(time), dayOf(time + DAY_MS)].map((day) => this.day(source, day)) as [DayIds, DayIds, DayIds];
        days = { own, all: [before, own, after] };
      }
      this.around.set(key, days);
    }
    return days;
  }

  /** Whether the ledger holds the id (an imported one, timed about `timestamp`), or it was added since the last flush. */
  has(id: string, timestamp: string): boolean {
    const bytes = Buffer.from(id, 'utf8');
    return this.hasHashed(idHash(id), indexKeyOf(id, timestamp), bytes, 0, bytes.length);
  }

  /** has() for an id given by its hash, index key and UTF-8 bytes (from `start` to `end` in `bytes`), which become text only should a hash match. */
  hasHashed(hash: number, key: string | undefined, bytes: Uint8Array, start: number, end: number): boolean {
    let id: string | undefined;
    if (this.recent.mayHold(hash)) {
      id = textOf(bytes, start, end);
      this.recentExact ??= new Set([...[...this.days.values()].flatMap((ids) => ids.unwritten.ids()), ...this.undated.ids()]);
      if (this.recentExact.has(id)) return true;
    }
    const days = key === undefined ? null : this.daysOf(key);
    if (days === null) return false;
    for (const day of days.all) {
      if (!day.mayHold(hash)) continue;
      id ??= textOf(bytes, start, end);
      if (day.holds(id)) return true;
    }
    return false;
  }

  /** Notes an id as held by the ledger; an imported one's day file gets it at flush(). */
  add(id: string, timestamp: string): void {
    const bytes = Buffer.from(id, 'utf8');
    this.addHashed(idHash(id), indexKeyOf(id, timestamp), bytes, 0, bytes.length);
  }

  /** add() for an id given by its hash, index key and UTF-8 bytes (from `start` to `end` in `bytes`). */
  addHashed(hash: number, key: string | undefined, bytes: Uint8Array, start: number, end: number): void {
    this.recent.add(hash);
    this.recentExact?.add(textOf(bytes, start, end));
    const days = key === undefined ? null : this.daysOf(key);
    if (days === null) this.undated.append(bytes, start, end);
    else days.own.add(hash, bytes, start, end);
  }

  /** Appends the ids added since the last flush to their day files. */
  flush(): void {
    for (const ids of this.days.values()) ids.flush();
    this.recent.clear();
    this.recentExact = undefined;
    this.undated.clear();
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
