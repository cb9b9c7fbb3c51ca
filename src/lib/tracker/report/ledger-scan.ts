/**
 * Aggregates a whole ledger (its rotated parts and the live file) on several
 * cores. A large file is cut into pieces on row boundaries, worker threads
 * read, check and aggregate the pieces, and their states merge into one
 * report: the same figures and the same count of invalid rows as reading the
 * ledger row by row, which is what happens for small ledgers or one thread.
 *
 * csv-parse reads ~45 MB/s on one core; on two, a 104 MB ledger takes ~2.6 s
 * this way instead of ~4.5 s.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { UsageAggregator, type AggregateOptions, type AggregatorState, type UsageReport } from './aggregate.ts';
import { TrackerError, type TrackerErrorCode } from '../errors.ts';
import { inspectLedger, readLedger, type LedgerRange, type LedgerRow } from '../ledger/ledger.ts';
import { ledgerFiles, readAllParts } from '../ledger/parts.ts';
import { LATEST_SCHEMA_VERSION, columnsFor } from '../schema.ts';

export interface LedgerScanOptions {
  aggregate?: AggregateOptions;
  /** The clock the future-timestamp rule is measured against. */
  now?: Date;
  /** Worker threads to use; 1 (the default) reads in this thread. */
  threads?: number;
  /** The smallest piece worth a thread (default MIN_PIECE_BYTES); a ledger under two pieces is read in this thread. */
  minPieceBytes?: number;
}

export interface LedgerScan {
  report: UsageReport;
  /** Rows that broke a rule or were not CSV; `validate` lists them. */
  invalidRows: number;
}

/** Below this a piece is not worth a thread: a worker takes ~40 ms to start. */
export const MIN_PIECE_BYTES = 8 * 1024 * 1024;

const WORKER_ROLE = 'token-ledger:scan-piece';
const QUOTE = 0x22;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

interface Piece {
  file: string;
  range: LedgerRange;
}

interface PieceTask {
  piece: Piece;
  aggregate: AggregateOptions;
  now: string;
}

type PieceResult =
  | { ok: true; state: AggregatorState; invalidRows: number; unparsable: boolean }
  | { ok: false; code?: TrackerErrorCode; message: string; hint?: string };

/** Adds every valid row to a new aggregator and counts the others. */
async function aggregateRows(rows: AsyncIterable<LedgerRow>, aggregate: AggregateOptions) {
  const aggregator = new UsageAggregator(aggregate);
  let invalidRows = 0;
  let unparsable = false;
  for await (const row of rows) {
    if (row.ok) aggregator.add(row.record);
    else {
      invalidRows += 1;
      if (row.unparsable) unparsable = true;
    }
  }
  return { aggregator, invalidRows, unparsable };
}

async function scanPiece({ piece, aggregate, now }: PieceTask): Promise<ScannedPiece> {
  const { aggregator, invalidRows, unparsable } = await aggregateRows(readLedger(piece.file, { now: new Date(now), range: piece.range }), aggregate);
  return { ok: true, state: aggregator.state(), invalidRows, unparsable };
}

/** Counts one byte value in buffer[from, to). */
function countByte(buffer: Buffer, byte: number, from: number, to: number): number {
  const view = buffer.subarray(from, to);
  let count = 0;
  for (let index = view.indexOf(byte); index !== -1; index = view.indexOf(byte, index + 1)) count += 1;
  return count;
}

/**
 * For each target offset, the first row boundary at or after it: the byte
 * after a newline that is outside quotes (an even number of quote marks
 * before it, since "" escapes come in pairs), and the line it starts.
 * Lines are counted as csv-parse counts them, so that line numbers of rows
 * read piece by piece match a read of the whole file: every CR and every LF
 * ends a line.
 */
export function rowBoundaries(path: string, targets: readonly number[]): { offset: number; line: number }[] {
  const boundaries: { offset: number; line: number }[] = [];
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    let position = 0;
    let inQuotes = false;
    let lineBreaks = 0;
    let next = 0;
    while (next < targets.length) {
      const length = readSync(fd, buffer, 0, buffer.length, position);
      if (length === 0) break;
      let index = 0;
      while (index < length && next < targets.length) {
        const target = targets[next]! - position;
        if (index < target) {
          // Up to the target only parity and line count matter: count, don't walk.
          const stop = Math.min(target, length);
          if (countByte(buffer, QUOTE, index, stop) % 2 === 1) inQuotes = !inQuotes;
          lineBreaks += countByte(buffer, NEWLINE, index, stop) + countByte(buffer, CARRIAGE_RETURN, index, stop);
          index = stop;
          continue;
        }
        const byte = buffer[index];
        index += 1;
        if (byte === QUOTE) inQuotes = !inQuotes;
        else if (byte === CARRIAGE_RETURN) lineBreaks += 1;
        else if (byte === NEWLINE) {
          lineBreaks += 1;
          if (!inQuotes) {
            boundaries.push({ offset: position + index, line: lineBreaks + 1 });
            next += 1;
          }
        }
      }
      position += length;
    }
  } finally {
    closeSync(fd);
  }
  return boundaries;
}

/** Cuts each file into pieces of about `pieceBytes`, on row boundaries. */
export function planPieces(files: readonly string[], pieceBytes: number): Piece[] {
  const pieces: Piece[] = [];
  for (const file of files) {
    const { version, size } = inspectLedger(file);
    if (size === 0) continue;
    const columns = columnsFor(version ?? LATEST_SCHEMA_VERSION);
    const count = version === null ? 1 : Math.max(1, Math.round(size / pieceBytes));
    const targets = Array.from({ length: count - 1 }, (_, index) => Math.floor(((index + 1) * size) / count));
    const starts = [{ offset: 0, line: 1 }, ...rowBoundaries(file, targets)].filter(
      (boundary, index, all) => index === 0 || (boundary.offset > all[index - 1]!.offset && boundary.offset < size),
    );
    starts.forEach((boundary, index) => {
      const end = starts[index + 1]?.offset ?? size;
      pieces.push({ file, range: { start: boundary.offset, end, firstLine: boundary.line, columns } });
    });
  }
  return pieces;
}


type ScannedPiece = PieceResult & { ok: true };

/** Sends one task to a worker and waits for its answer. */
function scanOnWorker(worker: Worker, task: PieceTask): Promise<ScannedPiece> {
  return new Promise((resolve, reject) => {
    const settle = (action: () => void) => {
      worker.off('message', onMessage).off('error', reject).off('exit', onExit);
      action();
    };
    const onMessage = (result: PieceResult) =>
      settle(() =>
        result.ok ? resolve(result) : reject(result.code ? new TrackerError(result.code, result.message, { hint: result.hint }) : new Error(result.message)),
      );
    const onExit = (code: number) => settle(() => reject(new Error(`A ledger reader thread stopped (exit code ${code}) before it finished`)));
    worker.on('message', onMessage).on('error', reject).on('exit', onExit);
    worker.postMessage(task);
  });
}

/**
 * Runs the tasks on this thread and `threads - 1` workers, each taking the
 * next task when it is done; results come back in task order. This thread
 * works too: it would only wait otherwise, and a worker costs ~30 MB.
 */
async function runOnThreads(tasks: readonly PieceTask[], threads: number): Promise<ScannedPiece[]> {
  const results: ScannedPiece[] = new Array(tasks.length);
  let nextTask = 0;
  // A small young generation: rows die young, and the default one mostly grows the heap (a 100 MB report peaked ~20-40 MB higher).
  const workers = Array.from(
    { length: Math.min(threads, tasks.length) - 1 },
    () => new Worker(new URL(import.meta.url), { workerData: { role: WORKER_ROLE }, resourceLimits: { maxYoungGenerationSizeMb: 4 } }),
  );
  const runners: ((task: PieceTask) => Promise<ScannedPiece>)[] = [scanPiece, ...workers.map((worker) => (task: PieceTask) => scanOnWorker(worker, task))];
  try {
    await Promise.all(
      runners.map(async (run) => {
        while (nextTask < tasks.length) {
          const index = nextTask;
          nextTask += 1;
          results[index] = await run(tasks[index]!);
        }
      }),
    );
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  return results;
}

/**
 * Aggregates every row of the ledger at `ledgerPath` (parts and live file).
 * With more than one thread and a ledger worth cutting up, the pieces are
 * read in parallel; a file whose pieces hold text that is not CSV is read
 * again whole, so a damaged file counts exactly as it does read in one go.
 */
export async function aggregateLedger(ledgerPath: string, options: LedgerScanOptions = {}): Promise<LedgerScan> {
  const aggregate = options.aggregate ?? {};
  const now = options.now ?? new Date();
  const threads = options.threads ?? 1;
  const minPieceBytes = options.minPieceBytes ?? MIN_PIECE_BYTES;
  const files = ledgerFiles(ledgerPath);
  const totalBytes = files.reduce((sum, file) => sum + inspectLedger(file).size, 0);
  if (threads <= 1 || files.length === 0 || totalBytes < 2 * minPieceBytes) {
    const { aggregator, invalidRows } = await aggregateRows(readAllParts(ledgerPath, { now }), aggregate);
    return { report: aggregator.report(), invalidRows };
  }

  const pieceBytes = Math.max(minPieceBytes, Math.ceil(totalBytes / threads));
  const tasks: PieceTask[] = planPieces(files, pieceBytes).map((piece) => ({ piece, aggregate, now: now.toISOString() }));
  const results = await runOnThreads(tasks, threads);

  const damaged = new Set<string>();
  tasks.forEach((task, index) => {
    const split = tasks.some((other) => other.piece.file === task.piece.file && other !== task);
    if (split && results[index]!.unparsable) damaged.add(task.piece.file);
  });
  const aggregator = new UsageAggregator(aggregate);
  let invalidRows = 0;
  tasks.forEach((task, index) => {
    if (damaged.has(task.piece.file)) return;
    aggregator.merge(results[index]!.state);
    invalidRows += results[index]!.invalidRows;
  });
  for (const file of damaged) {
    const whole = await scanPiece({ piece: planPieces([file], Number.POSITIVE_INFINITY)[0]!, aggregate, now: now.toISOString() });
    aggregator.merge(whole.state);
    invalidRows += whole.invalidRows;
  }
  return { report: aggregator.report(), invalidRows };
}

if (!isMainThread && (workerData as { role?: unknown } | null)?.role === WORKER_ROLE) {
  parentPort?.on('message', (task: PieceTask) => {
    scanPiece(task).then(
      (result) => parentPort?.postMessage(result),
      (error: unknown) =>
        parentPort?.postMessage(
          error instanceof TrackerError
            ? { ok: false, code: error.code, message: error.message, hint: error.hint }
            : { ok: false, message: error instanceof Error ? error.message : String(error) },
        ),
    );
  });
}
