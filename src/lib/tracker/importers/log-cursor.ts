/**
 * Reading an append-only agent log from where the last read stopped. A cursor
 * keeps the offset after the last whole line read, a fingerprint of the bytes
 * just before it, and what the log's reader carried over (a response still
 * being written, the prompt of the turn). A log that shrank, or whose bytes
 * before the offset changed, is read again from the start: the id index then
 * keeps what the ledger already holds from being added twice.
 */
import { closeSync, createReadStream, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
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
  /** The log's size and modification time when the cursor was saved or resumed. */
  size: number;
  mtimeMs: number;
  carry: Carry;
}

/** One batch of a log's JSON lines: the lines that parse, and how far the read got. */
export interface JsonLineBatch {
  /** The lines that parse, each parsed as the loop reaches it (so only one line's value is alive at a time); iterate once. */
  entries: Iterable<{ value: unknown; line: number }>;
  /** Offset just after the batch's last line, and that line's number. */
  offset: number;
  lines: number;
  /** The number of the batch's last line that was not blank, or 0. */
  lastLine: number;
}

function isBlank(text: string): boolean {
  return text.trim() === '';
}

/** The lines that parse, counted into `stats` as they are reached. */
function* parsedLines(batch: LineBatch, stats: { lines: number; bad_lines: number }): Generator<{ value: unknown; line: number }> {
  for (let index = 0; index < batch.length; index += 1) {
    const text = batch.text(index);
    if (isBlank(text)) continue;
    stats.lines += 1;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      stats.bad_lines += 1;
      continue;
    }
    yield { value, line: batch.lineAt(index) };
  }
}

/**
 * The JSON lines of a log from `from` on (readLinesFrom), parsed. Blank lines
 * are passed over; the others count in `stats.lines`, and those that do not
 * parse (a torn write) in `stats.bad_lines` too, without stopping the read.
 */
export async function* readJsonLinesFrom(path: string, from: { offset: number; lines: number }, takeUnterminated: boolean, stats: { lines: number; bad_lines: number }): AsyncGenerator<JsonLineBatch> {
  for await (const batch of readLinesFrom(path, from.offset, from.lines, takeUnterminated)) {
    let lastLine = 0;
    for (let index = batch.length - 1; index >= 0 && lastLine === 0; index -= 1) if (!isBlank(batch.text(index))) lastLine = batch.lineAt(index);
    const last = batch.length - 1;
    yield { entries: parsedLines(batch, stats), offset: batch.endAt(last), lines: batch.lineAt(last), lastLine };
  }
}

function cursorDir(ledgerPath: string, source: string): string {
  return join(importStateDir(ledgerPath), 'logs', source);
}

/**
 * Where a log's cursor is kept: one of 256 shard files in the source's
 * cursor folder, keyed by a hash of the log's resolved path. A hook reads the
 * one shard of its session; an import of thousands of logs writes at most
 * 256 files, not one per log.
 */
function cursorSlot(dir: string, path: string): { shard: string; key: string } {
  const hash = sha256Hex(path);
  // Joined by hand: the folder is normalised already, and path.join would build the path again for each of thousands of logs.
  return { shard: `${dir}${sep}${hash.slice(0, 2)}.json`, key: hash.slice(0, 24) };
}

/**
 * A log's path made absolute and normalised, which keys its cursor.
 * resolve() rebuilds a path segment by segment (~0.9 KB of garbage each, for
 * thousands of logs), and the paths an import lists have that form already:
 * absolute, with no empty, `.` or `..` segment and no trailing separator.
 */
function resolvedPath(path: string): string {
  return sep === '/' && path.startsWith('/') && !/\/\.{0,2}(?:\/|$)/.test(path) ? path : resolve(path);
}

type Shard = Record<string, unknown>;

/** A shard's cursors; none when it is missing or torn (its logs are then read again, which the id index makes harmless). */
function readShard(file: string): Shard {
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Shard) : {};
  } catch {
    return {};
  }
}

function writeShard(dir: string, file: string, shard: Shard): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const temp = `${file}.tmp-${process.pid}`;
  writeFileSync(temp, JSON.stringify(shard), { mode: PRIVATE_FILE_MODE });
  renameSync(temp, file);
}

/** A cursor as saved: the fingerprint, size and time of the log when it was written. */
function savedForm<Carry>(cursor: LogCursor<Carry>): LogCursor<Carry> {
  let fingerprint = '';
  if (cursor.offset > 0) {
    const fd = openSync(cursor.path, 'r');
    try {
      fingerprint = fingerprintBefore(fd, cursor.offset);
    } finally {
      closeSync(fd);
    }
  }
  const { size, mtimeMs } = statSync(cursor.path);
  return { ...cursor, fingerprint, size, mtimeMs };
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

/** A log's size and modification time now; zero for a log that is not there. */
function sizeAndTime(path: string): { size: number; mtimeMs: number } {
  try {
    const { size, mtimeMs } = statSync(path);
    return { size, mtimeMs };
  } catch {
    return { size: 0, mtimeMs: 0 };
  }
}

/** Where a reader starts a log: from its cursor when the import keeps cursors, else at the start. */
export function startCursor<Carry>(cursors: CursorBook<Carry> | undefined, logPath: string, initial: Carry, isCarry: (value: unknown) => value is Carry): LogCursor<Carry> {
  if (cursors) return cursors.resume(logPath, initial, isCarry);
  const path = resolvedPath(logPath);
  return { path, offset: 0, lines: 0, fingerprint: '', ...sizeAndTime(path), carry: initial };
}

/**
 * The cursor to resume `logPath` from: the saved one when the file still
 * starts with the bytes it read, else a fresh one (offset 0, `initial` carry).
 * A log whose size and modification time are those saved is unchanged and
 * is not read at all; any other is checked against the fingerprint.
 */
export function resumeCursor<Carry>(
  ledgerPath: string,
  source: string,
  logPath: string,
  initial: Carry,
  isCarry: (value: unknown) => value is Carry,
  shards: Map<string, Shard> = new Map(),
): LogCursor<Carry> {
  return resumeIn(cursorDir(ledgerPath, source), logPath, initial, isCarry, shards);
}

function resumeIn<Carry>(dir: string, logPath: string, initial: Carry, isCarry: (value: unknown) => value is Carry, shards: Map<string, Shard>): LogCursor<Carry> {
  const path = resolvedPath(logPath);
  const now = sizeAndTime(path);
  const fresh: LogCursor<Carry> = { path, offset: 0, lines: 0, fingerprint: '', size: now.size, mtimeMs: now.mtimeMs, carry: initial };
  const { shard: file, key } = cursorSlot(dir, path);
  let shard = shards.get(file);
  if (!shard) {
    shard = readShard(file);
    shards.set(file, shard);
  }
  const saved = shard[key];
  if (saved === null || typeof saved !== 'object') return fresh;
  const { offset, lines, fingerprint, size, mtimeMs, carry } = saved as Partial<LogCursor<unknown>>;
  if (typeof offset !== 'number' || typeof lines !== 'number' || typeof fingerprint !== 'string' || !isCarry(carry)) return fresh;
  const resumed = { path, offset, lines, fingerprint, size: now.size, mtimeMs: now.mtimeMs, carry };
  if (offset === 0 || (size === now.size && mtimeMs === now.mtimeMs && offset <= now.size)) return resumed;
  if (now.size < offset) return fresh;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return fresh;
  }
  try {
    return fingerprintBefore(fd, offset) === fingerprint ? resumed : fresh;
  } finally {
    closeSync(fd);
  }
}

/** Saves one cursor (its shard rewritten). Run under the import lock; an import saves many at once with CursorBook. */
export function saveCursor<Carry>(ledgerPath: string, source: string, cursor: LogCursor<Carry>): void {
  const dir = cursorDir(ledgerPath, source);
  const { shard: file, key } = cursorSlot(dir, resolvedPath(cursor.path));
  writeShard(dir, file, { ...readShard(file), [key]: savedForm(cursor) });
}

export interface LogLine {
  text: string;
  /** 1-based line number in the file. */
  line: number;
  /** Offset just after this line's newline. */
  end: number;
}

/**
 * One chunk's whole lines (a small log's are all in one), each decoded only
 * when asked for: a log's lines need not all be strings at once. Read them
 * before asking for the next batch: the chunk's buffer is then reused.
 */
export class LineBatch implements Iterable<LogLine> {
  private readonly chunk: Buffer;
  /** The first line's text when it began in an earlier chunk (joined), else undefined. */
  private readonly head: string | undefined;
  /** Where each line's bytes start and stop (at its newline) in the chunk. */
  private readonly starts: number[] = [];
  private readonly stops: number[] = [];
  /** The file offset just after each line. */
  private readonly ends: number[] = [];
  private readonly firstLine: number;

  constructor(chunk: Buffer, head: string | undefined, firstLine: number) {
    this.chunk = chunk;
    this.head = head;
    this.firstLine = firstLine;
  }

  add(start: number, stop: number, end: number): void {
    this.starts.push(start);
    this.stops.push(stop);
    this.ends.push(end);
  }

  get length(): number {
    return this.ends.length;
  }

  text(index: number): string {
    if (index === 0 && this.head !== undefined) return this.head;
    return this.chunk.toString('utf8', this.starts[index], this.stops[index]);
  }

  lineAt(index: number): number {
    return this.firstLine + index;
  }

  endAt(index: number): number {
    return this.ends[index] ?? 0;
  }

  *[Symbol.iterator](): Iterator<LogLine> {
    for (let index = 0; index < this.length; index += 1) yield { text: this.text(index), line: this.lineAt(index), end: this.endAt(index) };
  }
}

/** Up to this much of a log is read in one call; a larger rest is streamed (logs over 500 MB exist). */
const READ_WHOLE_BYTES = 1 << 20;
const MIN_READ_BUFFER = 1 << 16;

/**
 * The buffer the last finished read of a small log was done in, for the
 * next one: a fresh buffer per log (an import reads thousands) left a heap
 * of dead ones, over 10 MB per thread, waiting for the garbage collector.
 * A read takes it only while no other read has it.
 */
let spareBuffer: Buffer | undefined;

function takeReadBuffer(size: number): Buffer {
  const spare = spareBuffer;
  if (spare && spare.length >= size) {
    spareBuffer = undefined;
    return spare;
  }
  let length = MIN_READ_BUFFER;
  while (length < size) length *= 2;
  return Buffer.allocUnsafeSlow(length);
}

function giveBackReadBuffer(buffer: Buffer): void {
  if (!spareBuffer || spareBuffer.length < buffer.length) spareBuffer = buffer;
}

/**
 * A log's bytes from `offset`: what is left of a small log in one read (most
 * transcripts are; an import reads thousands, and a stream per file spends
 * more on its set-up than on reading), into a buffer from `buffer.take`; a
 * large one streamed 64 KiB at a time.
 */
function chunksFrom(path: string, offset: number, buffer: { take: (size: number) => Buffer }): AsyncIterable<Buffer> | Buffer[] {
  const fd = openSync(path, 'r');
  try {
    const left = fstatSync(fd).size - offset;
    if (left > READ_WHOLE_BYTES) return createReadStream(path, { start: offset, highWaterMark: 1 << 16 });
    if (left <= 0) return [];
    const bytes = buffer.take(left);
    let read = 0;
    while (read < left) {
      const got = readSync(fd, bytes, read, left - read, offset + read);
      if (got === 0) break;
      read += got;
    }
    return read === 0 ? [] : [bytes.subarray(0, read)];
  } finally {
    closeSync(fd);
  }
}

/**
 * The whole lines of a file from `offset` on, a chunk's worth at a time (one
 * await per 64 KiB, not per line). A last line without its newline may still
 * be being written, so it is left for the next read, unless
 * `takeUnterminated` (the log is finished).
 */
export async function* readLinesFrom(path: string, offset: number, firstLine: number, takeUnterminated: boolean): AsyncGenerator<LineBatch> {
  let pending: Buffer[] = [];
  let pendingStart = offset;
  let position = offset;
  let line = firstLine;
  let buffer: Buffer | undefined;
  try {
    for await (const chunk of chunksFrom(path, offset, { take: (size) => (buffer = takeReadBuffer(size)) })) {
      let from = 0;
      let at = chunk.indexOf(NEWLINE);
      // Most lines lie within one chunk and are decoded in place; only a line across chunks is joined.
      const head = pending.length > 0 && at !== -1 ? Buffer.concat([...pending, chunk.subarray(0, at)]).toString('utf8') : undefined;
      const lines = new LineBatch(chunk, head, line + 1);
      for (; at !== -1; at = chunk.indexOf(NEWLINE, from)) {
        const end = position + at + 1;
        line += 1;
        lines.add(from, at, end);
        pending = [];
        pendingStart = end;
        from = at + 1;
      }
      if (from < chunk.length) pending.push(chunk.subarray(from));
      position += chunk.length;
      if (lines.length > 0) yield lines;
    }
    if (takeUnterminated && pending.length > 0) {
      const tail = new LineBatch(Buffer.alloc(0), Buffer.concat(pending).toString('utf8'), line + 1);
      tail.add(0, 0, pendingStart + pending.reduce((total, part) => total + part.length, 0));
      yield tail;
    }
  } finally {
    // Every batch has been read by now: the next is asked for only once the last is done with.
    if (buffer) giveBackReadBuffer(buffer);
  }
}

/** Where a read stands: what decides whether its cursor needs saving. */
function positionOf(cursor: LogCursor<unknown>): string {
  return JSON.stringify([cursor.offset, cursor.lines, cursor.carry]);
}

/**
 * The cursors one import moves: resumed as files are read, saved together
 * once the rows they stand for are in the ledger (so a crash in between only
 * means reading those bytes again), each shard written once.
 */
export class CursorBook<Carry> {
  private readonly moved: LogCursor<Carry>[] = [];
  /** Each file's cursor as resumed, to save only those that moved. */
  private readonly resumed = new Map<string, LogCursor<Carry>>();
  /** The shards read so far, by file. */
  private readonly shards = new Map<string, Shard>();
  /** The source's cursor folder, found once: an import resumes thousands of cursors. */
  private readonly dir: string;

  constructor(ledgerPath: string, source: string) {
    this.dir = cursorDir(ledgerPath, source);
  }

  resume(logPath: string, initial: Carry, isCarry: (value: unknown) => value is Carry): LogCursor<Carry> {
    const cursor = resumeIn(this.dir, logPath, initial, isCarry, this.shards);
    if (cursor.offset > 0) this.resumed.set(cursor.path, cursor);
    return cursor;
  }

  moveTo(cursor: LogCursor<Carry>): void {
    const before = this.resumed.get(cursor.path);
    // Compared here, not serialised at resume: most resumed logs are never read, and a read that
    // kept offset and line count read no line, so the carry it resumed from is as it was.
    const same = before !== undefined && before.offset === cursor.offset && before.lines === cursor.lines && positionOf(before) === positionOf(cursor);
    if (!same) this.moved.push(cursor);
  }

  save(): void {
    const dirty = new Set<string>();
    for (const cursor of this.moved) {
      const { shard: file, key } = cursorSlot(this.dir, cursor.path);
      let shard = this.shards.get(file);
      if (!shard) {
        shard = readShard(file);
        this.shards.set(file, shard);
      }
      shard[key] = savedForm(cursor);
      dirty.add(file);
    }
    for (const file of dirty) writeShard(this.dir, file, this.shards.get(file) ?? {});
    this.moved.length = 0;
  }
}
