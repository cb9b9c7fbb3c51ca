/**
 * Where a file's counted rows are, by session: so that once a read has
 * ranked the sessions, the rows of the few it picks can be read again alone
 * (session-rows.ts) instead of the whole ledger a second time.
 */

/**
 * Columns in typed arrays, as CellTable: a cache file stores them as bytes
 * (16 bytes a row). Rows are in file order.
 */
export interface RowLocations {
  /** Sessions in first-seen order. */
  sessions: string[];
  /** Row i's session is sessions[session[i]]. */
  session: Uint32Array;
  /** Row i is the bytes [start[i], start[i] + length[i]) of the file. */
  start: Float64Array;
  length: Uint32Array;
}

export class RowLocator {
  private readonly indexes = new Map<string, number>();
  private readonly sessions: string[] = [];
  private readonly session: number[] = [];
  private readonly start: number[] = [];
  private readonly length: number[] = [];
  /** A row was added whose place is unknown (NaN: the row after text that is not CSV). */
  private lost = false;

  private indexOf(session: string): number {
    let index = this.indexes.get(session);
    if (index === undefined) {
      index = this.sessions.length;
      this.indexes.set(session, index);
      this.sessions.push(session);
    }
    return index;
  }

  /** A row after every row added so far. */
  add(session: string, start: number, end: number): void {
    if (!(end > start)) this.lost = true;
    this.session.push(this.indexOf(session));
    this.start.push(start);
    this.length.push(end - start);
  }

  /** Rows after every row added so far, numbering their sessions as ours. */
  merge(other: RowLocations): void {
    const ours = other.sessions.map((session) => this.indexOf(session));
    for (let row = 0; row < other.session.length; row += 1) {
      this.session.push(ours[other.session[row]!]!);
      this.start.push(other.start[row]!);
      this.length.push(other.length[row]!);
    }
  }

  /** None when a row's place is unknown. */
  table(): RowLocations | undefined {
    if (this.lost) return undefined;
    return { sessions: [...this.sessions], session: Uint32Array.from(this.session), start: Float64Array.from(this.start), length: Uint32Array.from(this.length) };
  }
}

/** The rows of the named sessions, in file order: each as [start, end). */
export function rowsOfSessions({ sessions, session, start, length }: RowLocations, wanted: ReadonlySet<string>): { session: string; start: number; end: number }[] {
  const picked = sessions.map((name) => wanted.has(name));
  const rows: { session: string; start: number; end: number }[] = [];
  for (let row = 0; row < session.length; row += 1) {
    if (picked[session[row]!]) rows.push({ session: sessions[session[row]!]!, start: start[row]!, end: start[row]! + length[row]! });
  }
  return rows;
}
