/**
 * Aggregates ledgers (each its rotated parts and live file) into one report.
 *
 * Each file's rows are summed up to a byte offset in the report cache
 * (scan-cache.ts), so a report reads only the rows appended since; a file the
 * cache cannot vouch for is read whole. What there is to read is cut into
 * pieces on row boundaries, worker threads read, check and aggregate the
 * pieces, and their states merge into one report: the same figures and the
 * same count of invalid rows as reading every row in order, which is what
 * happens for small reads or one thread.
 *
 * Several ledgers count a transaction id once: when none shares an id with
 * another (checked on hashes of every file's ids, kept in the cache too),
 * their sums add up; otherwise they are read again in full, each row checked
 * against the ids of the ledgers before it.
 *
 * csv-parse reads ~45 MB/s on one core; on two, a 104 MB ledger takes ~2.6 s
 * this way instead of ~4.5 s.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { UsageAggregator, type AggregateOptions, type UsageReport } from './aggregate.ts';
import { RowLocator, concatLocations, type RowLocations } from './row-locations.ts';
import { fingerprintOf, loadScanCache, saveScanCache, snapshotOf, type CachedFile, type FileSummary } from './scan-cache.ts';
import { TrackerError, type TrackerErrorCode } from '../errors.ts';
import { forEachLedgerRow, inspectLedger, missingLedger, readLedger, type LedgerRange } from '../ledger/ledger.ts';
import { ledgerFiles } from '../ledger/parts.ts';
import { LATEST_SCHEMA_VERSION, LIMITS, columnsFor, type Column, type SchemaVersion } from '../schema.ts';

export interface LedgerScanOptions {
  aggregate?: AggregateOptions;
  /** The clock the future-timestamp rule is measured against. */
  now?: Date;
  /** Worker threads to use; 1 (the default) reads in this thread. */
  threads?: number;
  /** The smallest piece worth a thread (default MIN_PIECE_BYTES); less than two pieces' worth is read in this thread. */
  minPieceBytes?: number;
  /** Use and update the report cache beside each ledger (default true); false reads every row and writes nothing. */
  cache?: boolean;
  /** Also keep where each session's rows are, so readSessionRows (session-rows.ts) can read only the rows of sessions picked after the read. */
  locateSessions?: boolean;
  /**
   * Read no piece in this thread: all `threads` are workers, each with room for a read's garbage to die young
   * (WORKERS_ONLY_YOUNG_MB). For a caller whose own heap is large (the site's build), where every collection the
   * read causes in this thread costs more than in a fresh worker's.
   */
  workersOnly?: boolean;
}

/** Where a file's counted rows are, as of the read. */
export interface LocatedFile {
  file: string;
  identity: string;
  /** The rows located are in [0, size). */
  size: number;
  /** The file's columns, from its header. */
  columns: readonly Column[];
  rows: RowLocations;
}

export interface LedgerScan {
  report: UsageReport;
  /** Rows that broke a rule or were not CSV; `validate` lists them. */
  invalidRows: number;
  /** Every file read: each ledger's rotated parts, then its live file, ledger by ledger. */
  files: string[];
  /** Rows left out because an earlier ledger has a row with the same transaction id. */
  duplicateRows: number;
  /** Each file's rows by session, in `files` order, when locateSessions asked and every row could be placed (no file with text that is not CSV, no id in two ledgers). */
  located?: LocatedFile[];
}

/** Below this a piece is not worth a thread: a worker takes ~40 ms to start. */
export const MIN_PIECE_BYTES = 8 * 1024 * 1024;
/**
 * Each thread takes the next piece when done, so a thread that starts late (a
 * worker boots while this one reads) or runs slowly (the cores are shared)
 * takes fewer. Each piece is this share of what is left per thread, down to
 * TAIL_PIECE_BYTES: the first pieces are large and the last ones small, so
 * no thread waits long for another's last piece (with equal pieces, up to a
 * piece's time: ~0.3 s of a 2 s report).
 */
const PIECE_SHARE_OF_REMAINING = 1 / 2;
const TAIL_PIECE_BYTES = 2 * 1024 * 1024;
/**
 * Pieces per worker of a workers-only read, whose workers start together: each piece is a state of its own groups
 * to clone and merge here, and a piece of a year's ledger can hold most of its sessions (the site's 500k-row bench:
 * ~33k of 41k in each of 8 pieces). Over that ledger two a worker built ~0.7 s faster than four, and one ~0.3 s
 * faster than two (four runs of each, in turn): with two workers, a second piece each only evens out a worker
 * slowed to half speed or worse.
 */
const PIECES_PER_WORKER = 1;
const WORKER_ROLE = 'token-ledger:scan-piece';
const NEWLINE = 0x0a;
/** A file replaced or rotated while it was read is read again, this many times at most. */
const SCAN_ATTEMPTS = 3;

interface Piece {
  file: string;
  range: LedgerRange;
}

interface PieceTask {
  piece: Piece;
  aggregate: AggregateOptions;
  now: string;
  collectIds: boolean;
  locate: boolean;
}

interface PieceSummary extends FileSummary {
  /** Some text was not CSV at all: csv-parse's reading of what follows depends on where it started. */
  unparsable: boolean;
  /** When the earliest row rejected as being in the future would become valid; Infinity when none was. */
  staleAt: number;
}

type PieceResult = ({ ok: true } & PieceSummary) | { ok: false; code?: TrackerErrorCode; message: string; hint?: string };
type ScannedPiece = PieceResult & { ok: true };

/**
 * A 53-bit hash of a transaction id (two FNV-1a lanes). Equal ids hash
 * equal; the rare pair of different ids that collide only makes two ledgers
 * look as if they shared an id, which costs a full read, never a figure.
 */
export function idHash(id: string): number {
  let low = 0x811c9dc5;
  let high = 0x050c5d1f;
  for (let index = 0; index < id.length; index += 1) {
    const unit = id.charCodeAt(index);
    low = Math.imul(low ^ unit, 0x01000193);
    high = Math.imul(high ^ unit, 0x5bd1e995);
    high ^= high >>> 15;
  }
  return (high & 0x1fffff) * 0x1_0000_0000 + (low >>> 0);
}

/** Adds every valid row of a piece to a new aggregator and counts the others. */
async function scanPiece({ piece, aggregate, now, collectIds, locate }: PieceTask): Promise<ScannedPiece> {
  const clock = new Date(now);
  const aggregator = new UsageAggregator(aggregate);
  const ids: number[] = [];
  const locator = locate ? new RowLocator() : undefined;
  const futureFrom = clock.getTime() + LIMITS.futureToleranceMs;
  let invalidRows = 0;
  let unparsable = false;
  let staleAt = Number.POSITIVE_INFINITY;
  await forEachLedgerRow(piece.file, { now: clock, range: piece.range }, (row, start, end) => {
    if (row.ok) {
      if (aggregator.add(row.record)) locator?.add(row.record.session_id, start, end);
      if (collectIds) ids.push(idHash(row.record.transaction_id));
      return;
    }
    invalidRows += 1;
    if (row.unparsable) unparsable = true;
    // Timestamp is the first column of both schema versions. Any rejected row dated ahead counts, whatever else it broke: at worst a needless full read.
    const time = Date.parse(row.cells[0] ?? '');
    if (time > futureFrom) staleAt = Math.min(staleAt, time - LIMITS.futureToleranceMs);
  });
  const rows = locator?.table();
  return { ok: true, state: aggregator.state(), invalidRows, unparsable, staleAt, ...(collectIds ? { ids: Float64Array.from(ids) } : {}), ...(rows ? { rows } : {}) };
}

/** What a ledger row starts with: a timestamp cell (the first column of every schema version) and its comma. */
const ROW_START = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z,/;
const ROW_START_BYTES = 25;
const CUT_WINDOW_BYTES = 1 << 16;

/**
 * For each target offset, the first place at or after it (and before `limit`)
 * that looks like the start of a row: just after a newline, a timestamp and a
 * comma. Knowing a row boundary for certain means counting quote marks from
 * the stretch's start, which every thread waited for (~60 ms over 100 MB).
 * Inside a quoted field (a prompt quoting ledger rows, say) such a place is
 * no boundary: the piece before the cut then ends inside its quotes, which
 * csv-parse reports as text that is not CSV, and the stretch is read again
 * whole (summarizeFiles), so a wrong cut costs time, never a figure.
 */
export function likelyRowStarts(path: string, targets: readonly number[], limit: number): number[] {
  const starts: number[] = [];
  const fd = openSync(path, 'r');
  try {
    const window = Buffer.allocUnsafe(CUT_WINDOW_BYTES);
    for (const target of targets) {
      // From the byte before the target: a newline there makes the target itself a start.
      let position = Math.max(target - 1, (starts.at(-1) ?? 0) - 1);
      let found: number | undefined;
      while (found === undefined && position < limit) {
        const length = readSync(fd, window, 0, window.length, position);
        const view = window.subarray(0, length);
        for (let at = view.indexOf(NEWLINE); at !== -1 && at + 1 + ROW_START_BYTES <= length; at = view.indexOf(NEWLINE, at + 1)) {
          if (ROW_START.test(view.toString('latin1', at + 1, at + 1 + ROW_START_BYTES))) {
            found = position + at + 1;
            break;
          }
        }
        if (length < window.length) break;
        // The windows overlap by a row start's length, so a newline near a window's end is looked at again in the next.
        position += length - ROW_START_BYTES;
      }
      // No start before the limit: none for any later target either.
      if (found === undefined || found >= limit) break;
      starts.push(found);
    }
  } finally {
    closeSync(fd);
  }
  return starts;
}

/**
 * Cuts each stretch into pieces at places that look like row starts (likelyRowStarts), each about `pieceSize` of
 * the bytes of the stretches left from where it starts; each piece says which stretch it is of.
 */
export function planPieces(stretches: readonly Piece[], pieceSize: (remaining: number) => number): (Piece & { stretch: number })[] {
  const pieces: (Piece & { stretch: number })[] = [];
  let remaining = stretches.reduce((sum, { range }) => sum + range.end - range.start, 0);
  stretches.forEach(({ file, range }, stretch) => {
    const size = range.end - range.start;
    if (size === 0) return;
    const targets: number[] = [];
    for (let at = range.start + Math.max(1, pieceSize(remaining)); at < range.end; at += Math.max(1, pieceSize(remaining - (at - range.start)))) targets.push(at);
    remaining -= size;
    const starts = [range.start, ...likelyRowStarts(file, targets, range.end)].filter((start, index, all) => index === 0 || start > all[index - 1]!);
    starts.forEach((start, index) => {
      const end = starts[index + 1] ?? range.end;
      // Lines are counted in no piece: a piece after the stretch's first starts on an unknown line.
      pieces.push({ file, stretch, range: { start, end, firstLine: index === 0 ? range.firstLine : Number.NaN, columns: range.columns } });
    });
  });
  return pieces;
}

/** A whole ledger file as one stretch to read. */
export function wholeFile(file: string): Piece {
  const { version, size } = inspectLedger(file);
  return { file, range: { start: 0, end: size, firstLine: 1, columns: columnsFor(version ?? LATEST_SCHEMA_VERSION) } };
}

/**
 * The task list every thread reading takes from, and the index of the next
 * task to take, shared: a thread done with a piece takes the next at once. A
 * worker asking this thread for its next task waited until this thread's
 * read of its own piece let the message through (up to a read's 256 KiB): a
 * twentieth of a worker's time idle.
 */
interface SharedTasks {
  tasks: readonly PieceTask[];
  next: Int32Array;
}

/** The index of the next task to run, taken by this thread: past the end when none is left. */
const takeTask = (shared: SharedTasks) => Atomics.add(shared.next, 0, 1);

/** After an error: no thread takes another task, so none reads on for a read that has failed. */
const takeNoMore = (shared: SharedTasks) => Atomics.store(shared.next, 0, shared.tasks.length);

/** What a worker posts: one task's result, or that it found no task left. */
type WorkerMessage = { index: number; result: PieceResult } | { done: true };

/** Runs tasks on a worker until none is left, handing each result to `onResult` as it comes. */
function scanOnWorker(worker: Worker, shared: SharedTasks, onResult: (index: number, result: ScannedPiece) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (action: () => void) => {
      worker.off('message', onMessage).off('error', fail).off('exit', onExit);
      action();
    };
    // Whatever failed (the worker's task, the worker itself), no thread reads on for a read that has failed.
    const fail = (error: unknown) =>
      settle(() => {
        takeNoMore(shared);
        reject(error);
      });
    const onMessage = (message: WorkerMessage) => {
      if ('done' in message) return settle(resolve);
      const { index, result } = message;
      if (result.ok) return onResult(index, result);
      fail(result.code ? new TrackerError(result.code, result.message, { hint: result.hint }) : new Error(result.message));
    };
    const onExit = (code: number) => fail(new Error(`A ledger reader thread stopped (exit code ${code}) before it finished`));
    worker.on('message', onMessage).on('error', fail).on('exit', onExit);
    worker.postMessage(shared);
  });
}

/**
 * A bounded young generation: rows die young. For `track report`, 4 MB spent ~10% of a worker's time collecting and
 * promoted enough to peak higher, and the default peaked higher too.
 */
const WORKER_YOUNG_MB = 16;
/** A workers-only read's: a piece's cells and row places outlive 16 MB of rows' garbage, and copying them cost 15% of the site's read. */
const WORKERS_ONLY_YOUNG_MB = 48;

/**
 * What a worker thread loads: this module, which takes tasks when it loads in a worker; from a CommonJS bundle
 * (`report`'s own, scripts/build-cli.ts), the bundle of scan-worker.ts beside it.
 */
const WORKER_URL = import.meta.url.endsWith('.cjs') ? new URL('./scan-worker.cjs', import.meta.url) : new URL(import.meta.url);

/** Worker threads to read pieces with. */
function startWorkers(count: number, youngMb: number): Worker[] {
  return Array.from({ length: count }, () => new Worker(WORKER_URL, { workerData: { role: WORKER_ROLE }, resourceLimits: { maxYoungGenerationSizeMb: youngMb } }));
}

/**
 * Runs the tasks on the workers, and on this thread unless `workersOnly`, each thread taking the next task when it
 * is done; results come back in task order, and to `onResult` as each comes in. This thread works too by default:
 * it would only wait otherwise, and a worker costs ~30 MB.
 */
async function runOnThreads(
  tasks: readonly PieceTask[],
  workers: readonly Worker[],
  workersOnly: boolean,
  onResult: (index: number, result: ScannedPiece) => void,
): Promise<ScannedPiece[]> {
  const results: ScannedPiece[] = new Array(tasks.length);
  const collect = (index: number, result: ScannedPiece) => {
    results[index] = result;
    onResult(index, result);
  };
  const shared: SharedTasks = { tasks, next: new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT)) };
  const here = async () => {
    try {
      for (let index = takeTask(shared); index < tasks.length; index = takeTask(shared)) collect(index, await scanPiece(tasks[index]!));
    } catch (error) {
      takeNoMore(shared);
      throw error;
    }
  };
  // A read too small for threads has no workers: it is read here.
  await Promise.all([...(workersOnly && workers.length > 0 ? [] : [here()]), ...workers.map((worker) => scanOnWorker(worker, shared, collect))]);
  return results;
}

/**
 * A stretch's aggregator, given its parts in order as they come in: its cached summary first, then each piece
 * once every piece before it is in, so merging runs while the workers read the next pieces, not after the last.
 */
class InOrderMerge {
  readonly aggregator: UsageAggregator;
  private next = 0;
  private readonly waiting = new Map<number, FileSummary>();

  constructor(aggregate: AggregateOptions, cached: FileSummary | undefined) {
    this.aggregator = new UsageAggregator(aggregate);
    if (cached) this.aggregator.merge(cached.state);
  }

  /** The stretch's `order`-th piece. */
  add(order: number, piece: FileSummary): void {
    this.waiting.set(order, piece);
    for (let ready = this.waiting.get(this.next); ready; ready = this.waiting.get(this.next)) {
      this.waiting.delete(this.next);
      this.aggregator.merge(ready.state);
      this.next += 1;
    }
  }
}

interface FilePlan {
  ledger: number;
  file: string;
  identity: string;
  size: number;
  version: SchemaVersion | null;
  /** A cache entry the file's rows are summed up in, up to its offset; the read starts there. */
  cached: CachedFile | undefined;
}

interface FileOutcome {
  plan: FilePlan;
  summary: FileSummary;
  /** The aggregator the summary's state is of, when rows were read: a ledger of one file reports from it without merging its state again. */
  aggregator?: UsageAggregator;
  /** What the cache should hold for this file from now on. */
  entry: CachedFile | undefined;
}

function planFile(ledger: number, file: string, cache: ReadonlyMap<string, CachedFile>, now: number): FilePlan {
  const { identity, size } = snapshotOf(file);
  const { version } = inspectLedger(file);
  const entry = cache.get(identity);
  const usable =
    entry !== undefined &&
    entry.version === version &&
    entry.offset <= size &&
    entry.judgedAt <= now &&
    now < entry.staleAt &&
    fingerprintOf(file, entry.offset) === entry.fingerprint;
  return { ledger, file, identity, size, version, cached: usable ? entry : undefined };
}

function endsWithNewline(file: string, size: number): boolean {
  const fd = openSync(file, 'r');
  try {
    const last = Buffer.alloc(1);
    return readSync(fd, last, 0, 1, size - 1) === 1 && last[0] === NEWLINE;
  } finally {
    closeSync(fd);
  }
}

function concatIds(parts: readonly (Float64Array | undefined)[]): Float64Array {
  const all = new Float64Array(parts.reduce((sum, part) => sum + (part?.length ?? 0), 0));
  let at = 0;
  for (const part of parts) {
    if (!part) continue;
    all.set(part, at);
    at += part.length;
  }
  return all;
}

/** Whether two of the ledgers (each given as its files' id hashes) have an id in common. */
function ledgersShareIds(ledgers: readonly Float64Array[]): boolean {
  const distinct = ledgers.map((ids) => {
    const sorted = Float64Array.from(ids).sort();
    return sorted.filter((id, index) => index === 0 || id !== sorted[index - 1]);
  });
  const all = concatIds(distinct).sort();
  for (let index = 1; index < all.length; index += 1) if (all[index] === all[index - 1]) return true;
  return false;
}

/** Reads the files' pieces (on threads when worth it) and sums each file up, from its cache entry when it has one. */
async function summarizeFiles(plans: readonly FilePlan[], aggregate: AggregateOptions, now: Date, options: LedgerScanOptions & { collectIds: boolean }): Promise<FileOutcome[]> {
  const threads = options.threads ?? 1;
  const minPieceBytes = options.minPieceBytes ?? MIN_PIECE_BYTES;
  // Past a cached offset line numbers are unknown and start again at 1: aggregates name no lines.
  const stretches: Piece[] = plans.map((plan) => ({
    file: plan.file,
    range: { start: plan.cached?.offset ?? 0, end: plan.size, firstLine: 1, columns: columnsFor(plan.version ?? LATEST_SCHEMA_VERSION) },
  }));
  const toRead = stretches.reduce((sum, { range }) => sum + range.end - range.start, 0);
  const onThreads = threads > 1 && toRead >= 2 * minPieceBytes;
  const task = (piece: Piece): PieceTask => ({ piece, aggregate, now: now.toISOString(), collectIds: options.collectIds, locate: options.locateSessions ?? false });
  // Started before the cut is planned: workers boot (~40 ms, more on a busy machine) while this thread finds the row boundaries.
  const workersOnly = options.workersOnly ?? false;
  const workers = onThreads ? startWorkers(workersOnly ? threads : threads - 1, workersOnly ? WORKERS_ONLY_YOUNG_MB : WORKER_YOUNG_MB) : [];
  let pieces: ReturnType<typeof planPieces>;
  let results: ScannedPiece[];
  const merges = new Map<number, InOrderMerge>();
  const mergeOf = (stretch: number) => {
    let merge = merges.get(stretch);
    if (!merge) merges.set(stretch, (merge = new InOrderMerge(aggregate, plans[stretch]!.cached?.summary)));
    return merge;
  };
  try {
    const tail = Math.min(TAIL_PIECE_BYTES, minPieceBytes);
    const size = !onThreads
      ? () => Number.POSITIVE_INFINITY
      : workersOnly
        ? () => Math.max(minPieceBytes, Math.ceil(toRead / (threads * PIECES_PER_WORKER)))
        : (remaining: number) => Math.max(tail, Math.ceil((remaining * PIECE_SHARE_OF_REMAINING) / threads));
    pieces = planPieces(stretches, size);
    // Pieces come stretch by stretch, in order: a piece's order in its stretch is its distance from the stretch's first.
    const firstOf = new Map<number, number>();
    pieces.forEach((piece, index) => firstOf.has(piece.stretch) || firstOf.set(piece.stretch, index));
    results = await runOnThreads(pieces.map(task), workers, workersOnly, (index, result) => {
      const { stretch } = pieces[index]!;
      mergeOf(stretch).add(index - firstOf.get(stretch)!, result);
    });
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  const outcomes: FileOutcome[] = [];
  for (const [index, plan] of plans.entries()) {
    let read = results.filter((_, piece) => pieces[piece]!.stretch === index);
    // A stretch whose pieces hold text that is not CSV is read again whole, so it counts exactly as read in one go.
    if (read.length > 1 && read.some((result) => result.unparsable)) {
      read = [await scanPiece(task(stretches[index]!))];
      merges.delete(index);
      mergeOf(index).add(0, read[0]!);
    }
    const { cached } = plan;
    if (read.length === 0 && cached) {
      outcomes.push({ plan, summary: cached.summary, entry: cached });
      continue;
    }
    const { aggregator } = mergeOf(index);
    const parts: FileSummary[] = [...(cached ? [cached.summary] : []), ...read];
    const rows = options.locateSessions ? concatLocations(parts.map((part) => part.rows)) : undefined;
    const summary: FileSummary = {
      state: aggregator.state(),
      invalidRows: parts.reduce((sum, part) => sum + part.invalidRows, 0),
      ...(options.collectIds ? { ids: concatIds(parts.map((part) => part.ids)) } : {}),
      ...(rows ? { rows } : {}),
    };
    // Only a read that ended cleanly on a newline leaves an offset the next read can start from.
    const clean = plan.version !== null && !read.some((result) => result.unparsable) && endsWithNewline(plan.file, plan.size);
    const entry: CachedFile | undefined = clean
      ? {
          identity: plan.identity,
          name: plan.file,
          version: plan.version!,
          offset: plan.size,
          fingerprint: fingerprintOf(plan.file, plan.size),
          summary,
          judgedAt: now.getTime(),
          staleAt: Math.min(cached?.staleAt ?? Number.POSITIVE_INFINITY, ...read.map((result) => result.staleAt)),
        }
      : cached;
    outcomes.push({ plan, summary, entry, aggregator });
  }
  return outcomes;
}

/** Every row of the ledgers in order, each counted unless an earlier ledger has its transaction id. One thread, no cache. */
async function readDeduplicated(ledgers: readonly (readonly string[])[], aggregate: AggregateOptions, now: Date) {
  const aggregator = new UsageAggregator(aggregate);
  const earlierIds = new Set<string>();
  let invalidRows = 0;
  let duplicateRows = 0;
  for (const files of ledgers) {
    const ids: string[] = [];
    for (const file of files) {
      for await (const row of readLedger(file, { now })) {
        if (!row.ok) invalidRows += 1;
        else if (earlierIds.has(row.record.transaction_id)) duplicateRows += 1;
        else {
          ids.push(row.record.transaction_id);
          aggregator.add(row.record);
        }
      }
    }
    for (const id of ids) earlierIds.add(id);
  }
  return { report: aggregator.report(), invalidRows, duplicateRows };
}

/** The cache's name for what is being summed: every option that changes a figure. */
function queryKey(aggregate: AggregateOptions, collectIds: boolean, locateSessions: boolean): string {
  return JSON.stringify({
    groupBy: aggregate.groupBy ?? [],
    since: aggregate.since ?? null,
    until: aggregate.until ?? null,
    recentErrors: aggregate.recentErrors ?? 0,
    // Days, weeks and months differ by zone: a state summed in one is never reused for another.
    timeZone: aggregate.timeZone ?? 'UTC',
    groupPercentiles: aggregate.groupPercentiles ?? true,
    cellsBy: aggregate.cellsBy ?? [],
    sessionRows: aggregate.sessionRows ?? null,
    collectIds,
    locateSessions,
  });
}

function snapshotIfThere(file: string): ReturnType<typeof snapshotOf> | undefined {
  try {
    return snapshotOf(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** One pass over the ledgers; `settled` is false when a file was replaced or rotated while it was read. */
async function scanOnce(ledgers: readonly string[], options: LedgerScanOptions): Promise<{ scan: LedgerScan; settled: boolean; save: () => Promise<void> }> {
  const aggregate = options.aggregate ?? {};
  const now = options.now ?? new Date();
  const useCache = options.cache ?? true;
  const collectIds = ledgers.length > 1;
  const query = queryKey(aggregate, collectIds, options.locateSessions ?? false);
  const filesOf = ledgers.map((ledger) => {
    const files = ledgerFiles(ledger);
    if (files.length === 0) throw missingLedger(ledger);
    return files;
  });
  const cachedFiles = ledgers.map((ledger) => (useCache ? loadScanCache(ledger, query) : new Map<string, CachedFile>()));
  const plans = filesOf.flatMap((files, ledger) => files.map((file) => planFile(ledger, file, cachedFiles[ledger]!, now.getTime())));
  const outcomes = await summarizeFiles(plans, aggregate, now, { ...options, collectIds });

  const settled =
    ledgers.every((ledger, index) => ledgerFiles(ledger).join('\n') === filesOf[index]!.join('\n')) &&
    plans.every((plan) => {
      const later = snapshotIfThere(plan.file);
      return later !== undefined && later.identity === plan.identity && later.size >= plan.size;
    });
  const save = async () => {
    if (!useCache) return;
    for (const [index, ledger] of ledgers.entries()) {
      const own = outcomes.filter((outcome) => outcome.plan.ledger === index);
      const entries = own.flatMap((outcome) => (outcome.entry ? [outcome.entry] : []));
      // Nothing appended and nothing gone: the cache on disk already says all this.
      const unchanged = entries.length === cachedFiles[index]!.size && own.every((outcome) => outcome.entry !== undefined && outcome.entry === outcome.plan.cached);
      if (!unchanged) await saveScanCache(ledger, query, entries);
    }
  };
  const files = filesOf.flat();

  if (collectIds && ledgersShareIds(ledgers.map((_, index) => concatIds(outcomes.filter((outcome) => outcome.plan.ledger === index).map((outcome) => outcome.summary.ids))))) {
    return { scan: { ...(await readDeduplicated(filesOf, aggregate, now)), files }, settled, save };
  }
  let aggregator = outcomes.length === 1 ? outcomes[0]!.aggregator : undefined;
  if (!aggregator) {
    aggregator = new UsageAggregator(aggregate);
    for (const { summary } of outcomes) aggregator.merge(summary.state);
  }
  const invalidRows = outcomes.reduce((sum, { summary }) => sum + summary.invalidRows, 0);
  const located = outcomes.every(({ summary }) => summary.rows)
    ? outcomes.map(({ plan, summary }) => ({ file: plan.file, identity: plan.identity, size: plan.size, columns: columnsFor(plan.version ?? LATEST_SCHEMA_VERSION), rows: summary.rows! }))
    : undefined;
  return { scan: { report: aggregator.report(), invalidRows, files, duplicateRows: 0, ...(located ? { located } : {}) }, settled, save };
}

/**
 * Aggregates every row of the ledgers at `ledgers` (each its parts and live
 * file; the same path given twice is read once). A file replaced or rotated
 * during the read is read again, so the figures are of one moment's files;
 * the cache is written only from such a settled read.
 */
export async function aggregateLedger(ledgers: string | readonly string[], options: LedgerScanOptions = {}): Promise<LedgerScan> {
  const paths = [...new Set(typeof ledgers === 'string' ? [ledgers] : ledgers)];
  for (let attempt = 1; ; attempt += 1) {
    let pass: Awaited<ReturnType<typeof scanOnce>>;
    try {
      pass = await scanOnce(paths, options);
    } catch (error) {
      // A part rotation moved away between listing and reading: list again.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && attempt < SCAN_ATTEMPTS) continue;
      throw error;
    }
    if (pass.settled) await pass.save();
    if (pass.settled || attempt === SCAN_ATTEMPTS) return pass.scan;
  }
}

/** A task's result, or its error as a worker can post it. */
async function resultOf(task: PieceTask): Promise<PieceResult> {
  try {
    return await scanPiece(task);
  } catch (error) {
    return error instanceof TrackerError
      ? { ok: false, code: error.code, message: error.message, hint: error.hint }
      : { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

if (!isMainThread && (workerData as { role?: unknown } | null)?.role === WORKER_ROLE) {
  parentPort?.on('message', async (shared: SharedTasks) => {
    for (let index = takeTask(shared); index < shared.tasks.length; index = takeTask(shared)) {
      const result = await resultOf(shared.tasks[index]!);
      parentPort?.postMessage({ index, result } satisfies WorkerMessage);
      // The read stops at its first error: this thread takes no more, and scanOnWorker stops the others.
      if (!result.ok) return;
    }
    parentPort?.postMessage({ done: true } satisfies WorkerMessage);
  });
}
