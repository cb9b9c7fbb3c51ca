/**
 * How the id index (import-state.ts) finds an imported transaction id: by
 * a 32-bit hash of the id, and by the key of its source and day. Both are
 * computed where rows are made (a worker thread, in a large import), so
 * the thread that writes looks ids up without making strings of them.
 */

/** Ids of imported rows are `<source>:<stable part>`; ids of recorded rows are UUIDs and never repeat. */
export const IMPORTED_ID = /^([a-z][a-z0-9-]*):./;
const LEDGER_TIME = /^\d{4}-\d{2}-\d{2}T.*Z$/;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const FIRST_SLOTS = 64;

/** FNV-1a over the id's UTF-16 code units; never 0, which marks an empty slot. */
export function idHash(id: string): number {
  let hash = FNV_OFFSET;
  for (let index = 0; index < id.length; index += 1) hash = Math.imul(hash ^ id.charCodeAt(index), FNV_PRIME);
  return hash === 0 ? 1 : hash;
}

/**
 * `<source>/<day>` for an imported id at `timestamp`: the day file it goes
 * in, the days either side being where it may also be found. A ledger time
 * (ISO 8601 UTC) gives its first ten characters; any other text is kept
 * whole, to be parsed as a date. Undefined for an id that is not imported.
 */
export function indexKeyOf(id: string, timestamp: string): string | undefined {
  const source = IMPORTED_ID.exec(id)?.[1];
  if (source === undefined) return undefined;
  return `${source}/${LEDGER_TIME.test(timestamp) ? timestamp.slice(0, 10) : timestamp}`;
}

/**
 * A set of id hashes in an open-addressing table: a compact "surely not"
 * for an index asked about every imported response. A hash that is there
 * only says "maybe": the caller then checks the ids themselves.
 */
export class IdHashes {
  private slots = new Int32Array(FIRST_SLOTS);
  private filled = 0;

  mayHold(hash: number): boolean {
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const found = this.slots[slot];
      if (found === hash) return true;
      if (found === 0) return false;
    }
  }

  /** Notes a hash (once: another id with the same hash shares it). */
  add(hash: number): void {
    if (this.mayHold(hash)) return;
    // At most half full, so a probe meets an empty slot soon.
    if ((this.filled + 1) * 2 > this.slots.length) {
      const old = this.slots;
      this.slots = new Int32Array(old.length * 2);
      for (const kept of old) if (kept !== 0) this.place(kept);
    }
    this.place(hash);
    this.filled += 1;
  }

  private place(hash: number): void {
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = hash;
  }

  clear(): void {
    if (this.filled === 0) return;
    this.slots = new Int32Array(FIRST_SLOTS);
    this.filled = 0;
  }
}

/** Ids as UTF-8 text, one a line, appended as bytes: what a day file gets at the next flush. */
export class IdLines {
  private buffer = Buffer.allocUnsafe(0);
  private used = 0;

  get bytes(): Buffer {
    return this.buffer.subarray(0, this.used);
  }

  /** Appends the id held in `source` from `start` to `end`, and its newline. */
  append(source: Uint8Array, start: number, end: number): void {
    const needed = this.used + end - start + 1;
    if (needed > this.buffer.length) {
      const larger = Buffer.allocUnsafe(Math.max(256, needed, this.buffer.length * 2));
      this.buffer.copy(larger, 0, 0, this.used);
      this.buffer = larger;
    }
    // Byte by byte: an id is a few dozen bytes, and a view per id would be garbage per row.
    for (let index = start; index < end; index += 1) this.buffer[this.used++] = source[index] ?? 0;
    this.buffer[this.used] = 0x0a;
    this.used += 1;
  }

  ids(): string[] {
    return idsOfText(this.buffer.toString('utf8', 0, this.used));
  }

  clear(): void {
    this.buffer = Buffer.allocUnsafe(0);
    this.used = 0;
  }
}

/** Ids, one a line, from the text of a day file or of IdLines. */
export function idsOfText(text: string): string[] {
  return text.split('\n').filter((id) => id !== '');
}
