/**
 * Where a file's counted rows are, by session: so that once a read has
 * ranked the sessions, the rows of the few it picks can be read again alone
 * (session-rows.ts) instead of the whole ledger a second time.
 */
import { doubled } from './doubled.ts';

/**
 * Columns in typed arrays, as CellTable: a cache file stores them as bytes
 * (16 bytes a row). Rows are in file order. A row names its session by a
 * 32-bit hash, not a string looked up per row: rows of another session
 * that shares the hash are read too and left out by the reader, which keeps
 * only the sessions named.
 */
export interface RowLocations {
  /** Row i's session, as sessionHash gives it. */
  session: Uint32Array;
  /** Row i is the bytes [start[i], start[i] + length[i]) of the file. */
  start: Float64Array;
  length: Uint32Array;
}

/** FNV-1a over a session id's UTF-16 units. */
export function sessionHash(session: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < session.length; index += 1) hash = Math.imul(hash ^ session.charCodeAt(index), 0x01000193);
  return hash >>> 0;
}

/** Places are kept in typed arrays grown by doubling: a piece's 60,000 rows then give the garbage collector nothing to copy. */
export class RowLocator {
  private session = new Uint32Array(1024);
  private start = new Float64Array(1024);
  private length = new Uint32Array(1024);
  private rows = 0;
  /** A row was added whose place is unknown (NaN: the row after text that is not CSV). */
  private lost = false;

  /** A row after every row added so far. */
  add(session: string, start: number, end: number): void {
    if (!(end > start)) this.lost = true;
    if (this.rows === this.session.length) {
      this.session = doubled(this.session);
      this.start = doubled(this.start);
      this.length = doubled(this.length);
    }
    this.session[this.rows] = sessionHash(session);
    this.start[this.rows] = start;
    this.length[this.rows] = end - start;
    this.rows += 1;
  }

  /** None when a row's place is unknown. */
  table(): RowLocations | undefined {
    if (this.lost) return undefined;
    return { session: this.session.slice(0, this.rows), start: this.start.slice(0, this.rows), length: this.length.slice(0, this.rows) };
  }
}

/** Tables of consecutive stretches of a file as one, in order; none when one is missing. */
export function concatLocations(parts: readonly (RowLocations | undefined)[]): RowLocations | undefined {
  if (parts.some((part) => part === undefined)) return undefined;
  const tables = parts as readonly RowLocations[];
  const rows = tables.reduce((sum, table) => sum + table.session.length, 0);
  const all: RowLocations = { session: new Uint32Array(rows), start: new Float64Array(rows), length: new Uint32Array(rows) };
  let at = 0;
  for (const table of tables) {
    all.session.set(table.session, at);
    all.start.set(table.start, at);
    all.length.set(table.length, at);
    at += table.session.length;
  }
  return all;
}

/** The rows of the named sessions (and of any session sharing a hash with one), in file order: each as [start, end). */
export function rowsOfSessions({ session, start, length }: RowLocations, sessions: readonly string[]): { start: number; end: number }[] {
  // As signed 32-bit numbers, which V8 keeps unboxed: a Set of them answers faster over a year's 500,000 rows.
  const wanted = new Set(sessions.map((name) => sessionHash(name) | 0));
  const rows: { start: number; end: number }[] = [];
  for (let row = 0; row < session.length; row += 1) if (wanted.has(session[row]! | 0)) rows.push({ start: start[row]!, end: start[row]! + length[row]! });
  return rows;
}
