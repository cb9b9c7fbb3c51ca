/**
 * Reading an append-only agent log from where the last read stopped. A cursor
 * keeps the offset after the last whole line read, a fingerprint of the bytes
 * just before it, and what the log's reader carried over (a response still
 * being written, the prompt of the turn). A log that shrank, or whose bytes
 * before the offset changed, is read again from the start: the id index then
 * keeps what the ledger already holds from being added twice.
 */
import { closeSync, createReadStream, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../ledger/atomic.ts';
import { sha256Hex } from '../sha256.ts';
import { importStateDir } from './import-state.ts';

const FINGERPRINT_BYTES = 4096;
const NEWLINE = 0x0a;

export interface LogCursor<Carry> {
  path: string;
  /** Bytes read: the offset just after the last whole line. */
  offset: number;
  /** Lines read before the offset (line numbers continue from here). */
  lines: number;
  fingerprint: string;
  carry: Carry;
}

function cursorFile(ledgerPath: string, source: string, logPath: string): string {
  return join(importStateDir(ledgerPath), 'logs', source, `${sha256Hex(resolve(logPath)).slice(0, 24)}.json`);
}

function fingerprintBefore(fd: number, offset: number): string {
  const length = Math.min(offset, FINGERPRINT_BYTES);
  const bytes = Buffer.alloc(length);
  let read = 0;
  while (read < length) {
    const got = readSync(fd, bytes, read, length - read, offset - length + read);
    if (got === 0) break;
    read += got;
  }
  return sha256Hex(bytes.subarray(0, read).toString('latin1'));
}

/**
 * The cursor to resume `logPath` from: the saved one when the file still
 * starts with the bytes it read, else a fresh one (offset 0, `initial` carry).
 */
export function resumeCursor<Carry>(ledgerPath: string, source: string, logPath: string, initial: Carry, isCarry: (value: unknown) => value is Carry): LogCursor<Carry> {
  const fresh: LogCursor<Carry> = { path: resolve(logPath), offset: 0, lines: 0, fingerprint: '', carry: initial };
  let saved: Partial<LogCursor<unknown>>;
  try {
    saved = JSON.parse(readFileSync(cursorFile(ledgerPath, source, logPath), 'utf8')) as Partial<LogCursor<unknown>>;
  } catch {
    return fresh;
  }
  const { offset, lines, fingerprint, carry } = saved;
  if (typeof offset !== 'number' || typeof lines !== 'number' || typeof fingerprint !== 'string' || !isCarry(carry)) return fresh;
  if (offset === 0) return { ...fresh, carry };
  let fd: number;
  try {
    fd = openSync(logPath, 'r');
  } catch {
    return fresh;
  }
  try {
    const sameStart = statSync(logPath).size >= offset && fingerprintBefore(fd, offset) === fingerprint;
    return sameStart ? { path: fresh.path, offset, lines, fingerprint, carry } : fresh;
  } finally {
    closeSync(fd);
  }
}

/** Saves a cursor (a small JSON file, replaced by rename). Run under the import lock. */
export function saveCursor<Carry>(ledgerPath: string, source: string, cursor: LogCursor<Carry>): void {
  const file = cursorFile(ledgerPath, source, cursor.path);
  mkdirSync(join(importStateDir(ledgerPath), 'logs', source), { recursive: true, mode: PRIVATE_DIR_MODE });
  let fingerprint = '';
  if (cursor.offset > 0) {
    const fd = openSync(cursor.path, 'r');
    try {
      fingerprint = fingerprintBefore(fd, cursor.offset);
    } finally {
      closeSync(fd);
    }
  }
  const temp = `${file}.tmp-${process.pid}`;
  writeFileSync(temp, JSON.stringify({ ...cursor, fingerprint }), { mode: PRIVATE_FILE_MODE });
  renameSync(temp, file);
}

export interface LogLine {
  text: string;
  /** 1-based line number in the file. */
  line: number;
  /** Offset just after this line's newline. */
  end: number;
}

/**
 * The whole lines of a file from `offset` on. A last line without its
 * newline may still be being written, so it is left for the next read,
 * unless `takeUnterminated` (the log is finished).
 */
export async function* readLinesFrom(path: string, offset: number, firstLine: number, takeUnterminated: boolean): AsyncGenerator<LogLine> {
  let pending: Buffer[] = [];
  let pendingStart = offset;
  let position = offset;
  let line = firstLine;
  for await (const chunk of createReadStream(path, { start: offset, highWaterMark: 1 << 16 }) as AsyncIterable<Buffer>) {
    let from = 0;
    for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, from)) {
      pending.push(chunk.subarray(from, at));
      const end = position + at + 1;
      line += 1;
      yield { text: Buffer.concat(pending).toString('utf8'), line, end };
      pending = [];
      pendingStart = end;
      from = at + 1;
    }
    if (from < chunk.length) pending.push(chunk.subarray(from));
    position += chunk.length;
  }
  if (takeUnterminated && pending.length > 0) {
    yield { text: Buffer.concat(pending).toString('utf8'), line: line + 1, end: pendingStart + pending.reduce((total, part) => total + part.length, 0) };
  }
}

/**
 * The cursors one import moves: resumed as files are read, saved together
 * once the rows they stand for are in the ledger (so a crash in between only
 * means reading those bytes again).
 */
export class CursorBook<Carry> {
  private readonly moved: LogCursor<Carry>[] = [];
  private readonly ledgerPath: string;
  private readonly source: string;

  constructor(ledgerPath: string, source: string) {
    this.ledgerPath = ledgerPath;
    this.source = source;
  }

  resume(logPath: string, initial: Carry, isCarry: (value: unknown) => value is Carry): LogCursor<Carry> {
    return resumeCursor(this.ledgerPath, this.source, logPath, initial, isCarry);
  }

  moveTo(cursor: LogCursor<Carry>): void {
    this.moved.push(cursor);
  }

  save(): void {
    for (const cursor of this.moved) saveCursor(this.ledgerPath, this.source, cursor);
    this.moved.length = 0;
  }
}
