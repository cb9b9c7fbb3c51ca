/**
 * The CSV ledger on disk: creating it with its header, appending whole rows,
 * and streaming it back as typed records.
 *
 * Every append takes the ledger's lock (about 0.3 ms here): rewrites (purge,
 * erase, migrate, repair) replace the file by rename, and a lock-free append
 * landing in the old file during a rewrite would be lost. Under the lock each
 * batch is one write() on a file opened with O_APPEND, so rows can neither
 * interleave nor overwrite each other, and exactly one writer creates the header.
 */
import { closeSync, createReadStream, fdatasyncSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync, constants } from 'node:fs';
import { dirname } from 'node:path';
import { TrackerError, type FieldIssue } from '../errors.ts';
import { csvLine } from './csv-line.ts';
import { withLock } from './lock.ts';
import { cellPositions, recordToCells, rowToCandidate } from './row.ts';
import { LATEST_SCHEMA_VERSION, V1_COLUMNS, V2_COLUMNS, V3_COLUMNS, columnsFor, type Column, type LedgerRecord, type RecordRuleContext, type SchemaVersion } from '../schema.ts';
import { checkRecord } from '../validate.ts';

export const LEDGER_FILE_MODE = 0o600;
// The v3 header is 304 bytes; a first line longer than this is no ledger header.
// Kept small because every append reads it.
const HEADER_PROBE_BYTES = 4096;
const NEWLINE = Buffer.from('\n');

export function headerLine(version: SchemaVersion): string {
  return `${columnsFor(version).join(',')}\n`;
}

/** Formats records as complete CSV lines (RFC 4180 quoting, `\n` line ends). */
export function formatRows(records: readonly LedgerRecord[], version: SchemaVersion): string {
  const columns = columnsFor(version);
  let text = '';
  for (const record of records) text += csvLine(recordToCells(record, columns));
  return text;
}

export interface LedgerState {
  exists: boolean;
  /** Schema version of the header, or null when the file is missing or empty. */
  version: SchemaVersion | null;
  size: number;
}

export function versionOfHeader(line: string, path: string): SchemaVersion {
  const header = line.replace(/\r$/, '');
  if (header === V3_COLUMNS.join(',')) return 3;
  if (header === V2_COLUMNS.join(',')) return 2;
  if (header === V1_COLUMNS.join(',')) return 1;
  throw new TrackerError('INVALID_LEDGER', `${path}:1: the header is not a token ledger header: ${JSON.stringify(header.slice(0, 200))}`, {
    hint: `The first line must be the 12 standard columns (v1), the first 20 (v2) or all 22 (v3): ${V3_COLUMNS.join(',')}`,
  });
}

function ledgerIoError(path: string, action: string, error: unknown): TrackerError {
  const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
  return new TrackerError('LEDGER_UNWRITABLE', `Cannot ${action} ${path} (${code}): ${(error as Error).message}`, {
    hint: 'Check that the folder exists and is writable and that the disk has space, or point --csv / TOKEN_LEDGER_CSV elsewhere.',
    cause: error,
  });
}

function readHeaderFromFd(fd: number, size: number, path: string): SchemaVersion | null {
  if (size === 0) return null;
  const buffer = Buffer.alloc(Math.min(size, HEADER_PROBE_BYTES));
  const read = readSync(fd, buffer, 0, buffer.length, 0);
  const text = buffer.subarray(0, read).toString('utf8');
  const end = text.indexOf('\n');
  if (end === -1 && read < size) {
    throw new TrackerError('INVALID_LEDGER', `${path}:1: the header line is longer than ${HEADER_PROBE_BYTES} bytes`, {
      hint: 'This is not a token ledger; point --csv at the right file.',
    });
  }
  return versionOfHeader(end === -1 ? text : text.slice(0, end), path);
}

export function inspectLedger(path: string): LedgerState {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { exists: false, version: null, size: 0 };
    throw ledgerIoError(path, 'open', error);
  }
  try {
    const stats = fstatSync(fd);
    // A folder opens for reading on Linux; its first read fails with EISDIR.
    if (stats.isDirectory()) {
      throw new TrackerError('INVALID_LEDGER', `${path} is a folder, not a ledger file`, {
        hint: 'Point --csv / TOKEN_LEDGER_CSV at the ledger CSV file; several ledgers can be named with a glob, like ledgers/*.csv.',
      });
    }
    return { exists: true, version: readHeaderFromFd(fd, stats.size, path), size: stats.size };
  } finally {
    closeSync(fd);
  }
}

/** Creates the ledger with its header (mode 0600) unless another writer already has. */
export async function ensureLedger(path: string, options: { version?: SchemaVersion; lockTimeoutMs: number }): Promise<SchemaVersion> {
  const existing = inspectLedger(path);
  if (existing.version !== null) return existing.version;
  makeLedgerFolder(path);
  return withLock(path, options.lockTimeoutMs, () => ensureHeaderLocked(path, options.version ?? LATEST_SCHEMA_VERSION));
}

export function makeLedgerFolder(path: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (error) {
    // mkdir -p says EEXIST when a file stands where a folder of the path should be.
    const notAFolder = (error as NodeJS.ErrnoException).code === 'EEXIST';
    throw ledgerIoError(
      path,
      'create the folder of',
      notAFolder ? Object.assign(new Error(`a file stands where a folder of ${dirname(path)} should be`), { code: 'ENOTDIR' }) : error,
    );
  }
}

/** With the lock held: the ledger's schema version, writing the header first when the file is missing or empty. */
function ensureHeaderLocked(path: string, version: SchemaVersion): SchemaVersion {
  const state = inspectLedger(path);
  if (state.version !== null) return state.version;
  appendLocked(path, headerLine(version));
  return version;
}

/**
 * With the lock held: appends text in one write. A file that does not end in
 * a newline holds the torn tail of a writer that was killed mid-write; a
 * newline first keeps that fragment from swallowing the new rows. A short
 * write (disk full) is cut back off, so the ledger never keeps a torn row of
 * ours.
 */
function appendLocked(path: string, text: string | Uint8Array): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_APPEND, LEDGER_FILE_MODE);
  } catch (error) {
    throw ledgerIoError(path, 'open', error);
  }
  try {
    const { size } = fstatSync(fd);
    const rows = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    const bytes = endsWithNewline(fd, size) ? rows : Buffer.concat([NEWLINE, rows]);
    const written = writeSync(fd, bytes, 0, bytes.length);
    if (written !== bytes.length) {
      ftruncateSync(fd, size);
      throw new TrackerError('LEDGER_UNWRITABLE', `Cannot write to ${path} (ENOSPC): only ${written} of ${bytes.length} bytes fit`, {
        hint: 'The disk is probably full; free space, then run `token-ledger flush`.',
      });
    }
    // A record reported written must survive a power cut too; this costs ~0.2 ms here.
    fdatasyncSync(fd);
  } catch (error) {
    if (error instanceof TrackerError) throw error;
    throw ledgerIoError(path, 'write to', error);
  } finally {
    closeSync(fd);
  }
}

function endsWithNewline(fd: number, size: number): boolean {
  if (size === 0) return true;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  return last[0] === 0x0a;
}

/**
 * Appends records as one write, under the ledger's lock. The rows take the
 * schema version of the existing header (a v1 or v2 ledger keeps its
 * version until migrated, leaving out the columns it lacks); a missing ledger
 * is created in the latest version (v3).
 */
export async function appendRecords(
  path: string,
  records: readonly LedgerRecord[],
  options: { lockTimeoutMs: number },
): Promise<SchemaVersion> {
  makeLedgerFolder(path);
  return withLock(path, options.lockTimeoutMs, () => appendRecordsLocked(path, records));
}

/** appendRecords for a caller that already holds the ledger's lock (spool replay). */
export function appendRecordsLocked(path: string, records: readonly LedgerRecord[]): SchemaVersion {
  const version = ensureHeaderLocked(path, LATEST_SCHEMA_VERSION);
  if (records.length > 0) appendLocked(path, formatRows(records, version));
  return version;
}

/**
 * Appends rows formatted for schema `version` (as formatRows does, in
 * UTF-8) in one write, under the ledger's lock; a missing ledger is created
 * in the latest version. If the ledger's version is not `version` by then
 * (migrated while the rows were being made), nothing is written.
 */
export async function appendFormattedRows(path: string, rows: Uint8Array, version: SchemaVersion, options: { lockTimeoutMs: number }): Promise<void> {
  makeLedgerFolder(path);
  await withLock(path, options.lockTimeoutMs, () => {
    const actual = ensureHeaderLocked(path, LATEST_SCHEMA_VERSION);
    if (actual !== version) {
      throw new TrackerError('INVALID_LEDGER', `${path} became a schema v${actual} ledger while rows for v${version} were being made; they were not written`, {
        hint: 'Run the command again: it reads the ledger\'s version afresh and adds what is missing.',
      });
    }
    if (rows.length > 0) appendLocked(path, rows);
  });
}

/** One data row of the ledger, valid or not. `line` is where the row starts (the header is line 1). */
export type LedgerRow =
  | { line: number; ok: true; record: LedgerRecord }
  /** `unparsable`: the text is not CSV at all (an unclosed quote, say), not just a row breaking a rule. */
  | { line: number; ok: false; issues: FieldIssue[]; cells: string[]; unparsable?: true };

/** A stretch of a ledger file that starts and ends on row boundaries, so it can be read on its own. */
export interface LedgerRange {
  /** Offset of the range's first byte: the header (0) or the start of a row. */
  start: number;
  /** Offset just past the range's last byte. */
  end: number;
  /** The line number the range starts on; NaN when unknown (a piece of a read that names no lines: ledger-scan.ts). */
  firstLine: number;
  /** The file's columns, from its header: a range after the header has none of its own. */
  columns: readonly Column[];
}

export interface ReadLedgerOptions {
  /** The clock the future-timestamp rule is measured against. */
  now?: Date;
  /** Read this stream (a decompressed backup, say) instead of opening `path`, which then only names it in messages. */
  source?: NodeJS.ReadableStream;
  /** Read only this stretch of the file (see ledger-scan.ts, which reads a large ledger in pieces). */
  range?: LedgerRange;
}

/** A row checked against the rules, before it is placed on a line (forEachLedgerRow does not count lines). */
export type CheckedRow = LedgerRow extends infer Row ? (Row extends LedgerRow ? Omit<Row, 'line'> : never) : never;

/**
 * A csv-parse parser over the ledger (or its range), and the check of each
 * cell array it reads: `undefined` for the header, which gives the columns.
 * Text that is not CSV goes to `onUnparsable`. `lines` asks csv-parse for
 * each record's line count (its info objects cost ~15% of a read).
 */
async function checkingParser(path: string, options: ReadLedgerOptions, lines: boolean, onUnparsable: (row: LedgerRow) => void) {
  // Bytes this module reads itself are looked at for NUL as they are read (openLedgerStream), before the parser has them.
  const context: RecordRuleContext = { now: options.now ?? new Date(), maxAgeDays: null, textHasNoNul: options.source === undefined };
  const { range } = options;
  // Lines before the range; csv-parse counts from 1 within what it is given.
  const lineOffset = range ? range.firstLine - 1 : 0;
  let columns: readonly Column[] | undefined = range && range.start > 0 ? range.columns : undefined;
  let positions = columns && cellPositions(columns);
  const check = (cells: string[]): CheckedRow | undefined => {
    if (!columns || !positions) {
      columns = columnsFor(versionOfHeader(cells.join(','), path));
      positions = cellPositions(columns);
      return undefined;
    }
    if (cells.length !== columns.length) return { ok: false, cells, issues: [{ field: '(row)', value: undefined, rule: `has ${cells.length} cells; the header has ${columns.length}` }] };
    const verdict = checkRecord(rowToCandidate(cells, positions), context);
    return verdict.ok ? { ok: true, record: verdict.record } : { ok: false, issues: verdict.issues, cells };
  };
  // Loaded here, not at the top: a hook only appends, and should not pay for the parser and streams.
  const { parse } = await import('csv-parse');
  const { pipeline } = process.getBuiltinModule('node:stream');
  const parser = parse({
    // Named, not detected: detection tests every character for "\r" too (~7% of a read).
    record_delimiter: ['\n', '\r\n'],
    relax_column_count: true,
    skip_records_with_error: true,
    info: lines,
    on_skip: (error) => {
      const line = lineOffset + ((error as unknown as { lines?: number }).lines ?? 0);
      onUnparsable({ line, ok: false, unparsable: true, issues: [{ field: '(row)', value: undefined, rule: `is not valid CSV: ${error?.message ?? 'parse error'}` }], cells: [] });
    },
  });
  // pipeline, unlike pipe, passes a read error on to the parser, ending its reading with it.
  const lookForNul = (bytes: Buffer) => {
    if (context.textHasNoNul && bytes.includes(0)) context.textHasNoNul = false;
  };
  pipeline(options.source ?? (await openLedgerStream(path, range, lookForNul)), parser, () => {});
  return { parser, check, lineOffset };
}

/**
 * Streams the ledger row by row, checking each against the rules. Bad rows
 * are yielded with their issues, not thrown, so one torn line never hides
 * the rest of the file.
 */
export async function* readLedger(path: string, options: ReadLedgerOptions = {}): AsyncGenerator<LedgerRow> {
  const malformed: LedgerRow[] = [];
  const { parser, check, lineOffset } = await checkingParser(path, options, true, (row) => malformed.push(row));
  let previousEndLine = 0;
  try {
    for await (const { record: cells, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const line = lineOffset + previousEndLine + 1;
      previousEndLine = info.lines;
      yield* malformed.splice(0);
      const row = check(cells);
      if (row) yield { line, ...row };
    }
  } finally {
    parser.destroy();
  }
  yield* malformed.splice(0);
}

/**
 * Every row of the ledger, checked as readLedger checks it, handed to `onRow`
 * as csv-parse emits it, without line numbers: for a caller that only adds
 * rows up, this skips an awaited step and an info object per row (~20% of a
 * read). Rows that are not CSV come as the parser meets them.
 * `onRow` also gets the row's bytes, [start, end) in the file (in the stream,
 * for `options.source`), so a caller can read that row alone again: NaN for
 * text that is not CSV and for the row after it, whose start is then unknown.
 */
export async function forEachLedgerRow(path: string, options: ReadLedgerOptions, onRow: (row: CheckedRow, start: number, end: number) => void): Promise<void> {
  const streamStart = options.source ? 0 : (options.range?.start ?? 0);
  let previousEnd = streamStart;
  const { parser, check } = await checkingParser(path, options, false, (row) => {
    previousEnd = Number.NaN;
    onRow(row, Number.NaN, Number.NaN);
  });
  const { finished } = process.getBuiltinModule('node:stream/promises');
  // csv-parse's counters describe the record it pushed last, which is this one: a listener on a flowing stream gets each record as it is pushed.
  const { info } = parser;
  let records = 0;
  parser.on('data', (cells: string[]) => {
    try {
      records += 1;
      const start = previousEnd;
      previousEnd = info.records === records ? streamStart + info.bytes : Number.NaN;
      const row = check(cells);
      if (row) onRow(row, start, previousEnd);
    } catch (error) {
      // Thrown here it would escape through csv-parse's push; as the stream's error it ends the wait below.
      parser.destroy(error as Error);
    }
  });
  await finished(parser);
}

/**
 * The fs a ledger read stream reads with: each read made synchronously (a
 * page-cache copy), its callback run on the next turn of the event loop, so
 * messages (a worker's result) are still handled between reads. Reads on
 * libuv's thread pool left the parser waiting for each one: ~10% of a read's
 * time idle. `onRead` sees each read's bytes before the stream passes them on.
 */
const syncReadFs = (onRead: (bytes: Buffer) => void) => ({
  read(fd: number, buffer: Buffer, offset: number, length: number, position: number | null, callback: (error: Error | null, bytesRead?: number, buffer?: Buffer) => void) {
    try {
      const bytesRead = readSync(fd, buffer, offset, length, position);
      onRead(buffer.subarray(offset, offset + bytesRead));
      setImmediate(callback, null, bytesRead, buffer);
    } catch (error) {
      setImmediate(callback, error as Error);
    }
  },
  close(fd: number, callback: (error: Error | null) => void) {
    try {
      closeSync(fd);
      setImmediate(callback, null);
    } catch (error) {
      setImmediate(callback, error as Error);
    }
  },
});

/** Bytes per read: csv-parse costs ~10% more per byte at 64 KiB; from 1 MiB the buffers raise the peak RSS (~+30 MB per thread). */
const LEDGER_READ_BYTES = 1 << 18;

async function openLedgerStream(path: string, range: LedgerRange | undefined, onRead: (bytes: Buffer) => void): Promise<NodeJS.ReadableStream> {
  try {
    const fd = openSync(path, 'r');
    // createReadStream's end is inclusive.
    return createReadStream(path, { fd, fs: syncReadFs(onRead), highWaterMark: LEDGER_READ_BYTES, ...(range ? { start: range.start, end: range.end - 1 } : {}) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw missingLedger(path, error);
    throw ledgerIoError(path, 'read', error);
  }
}

/** The error of a reader given a ledger that has no file at all. */
export function missingLedger(path: string, cause?: unknown): TrackerError {
  return new TrackerError('INVALID_LEDGER', `No ledger at ${path}`, {
    hint: 'Record something first (`token-ledger record --help`), or point --csv / TOKEN_LEDGER_CSV at an existing ledger.',
    cause,
  });
}
