/**
 * Rewrites of the ledger (purge, erase, migrate, repair, reprice): every file of the
 * ledger is streamed row by row through a decision, written to a temp file
 * and renamed over the original, all under the ledger's lock and after a
 * backup. A process killed at any moment leaves each file either as it was or
 * as rewritten, and appends wait for the lock, so none lands in a file that is
 * about to be replaced.
 */
import { createReadStream } from 'node:fs';
import { dirname } from 'node:path';
import { createGunzip, createGzip } from '../gzip.ts';
import { stringify } from 'csv-stringify/sync';
import { removeAbandonedTemps, replaceFileAtomically, tempPrefixOf } from './atomic.ts';
import { createBackupLocked, type BackupSettings } from '../maintenance/backup.ts';
import { TrackerError } from '../errors.ts';
import { headerLine, inspectLedger, readLedger, versionOfHeader, type LedgerRow } from './ledger.ts';
import { withLock } from './lock.ts';
import { ledgerFiles } from './parts.ts';
import { recordToCells } from './row.ts';
import { columnsFor, type LedgerRecord, type SchemaVersion } from '../schema.ts';

/** keep: write the row back; drop: leave it out; reject: leave it out and hand it to `onReject`. */
export type RowAction = 'keep' | 'drop' | 'reject';
export type RowDecision = (row: LedgerRow) => RowAction;
/** A change to a kept valid row: the record to write instead, or the same object when it stays as it is. */
export type RecordRevision = (record: LedgerRecord) => LedgerRecord;

export interface RewriteCounts {
  kept: number;
  dropped: number;
  rejected: number;
  /** Kept rows that a revision changed. */
  revised: number;
}

export interface FileRewrite extends RewriteCounts {
  file: string;
  replaced: boolean;
}

function emptyCounts(): RewriteCounts {
  return { kept: 0, dropped: 0, rejected: 0, revised: 0 };
}

function addCounts(total: RewriteCounts, more: RewriteCounts): void {
  total.kept += more.kept;
  total.dropped += more.dropped;
  total.rejected += more.rejected;
  total.revised += more.revised;
}

interface RowHandling {
  decide: RowDecision;
  revise?: RecordRevision;
  onReject?: (row: LedgerRow, file: string) => void;
}

/** The rows a decision keeps, as CSV text in `version`; rows that are not CSV at all cannot be kept and must be rejected. */
async function* keptRowsText(rows: AsyncIterable<LedgerRow>, file: string, version: SchemaVersion, handling: RowHandling, counts: RewriteCounts): AsyncGenerator<string> {
  const { decide, revise, onReject } = handling;
  yield headerLine(version);
  const columns = columnsFor(version);
  for await (const row of rows) {
    const action = decide(row);
    if (action === 'keep' && !row.ok && row.cells.length === 0) {
      throw new TrackerError('INVALID_LEDGER', `${file}:${row.line}: the row is not valid CSV, so a rewrite cannot keep it: ${row.issues[0]?.rule ?? ''}`, {
        hint: 'Run `token-ledger repair` first; it moves such rows to a rejects file.',
      });
    }
    counts[action === 'keep' ? 'kept' : action === 'drop' ? 'dropped' : 'rejected'] += 1;
    if (action === 'reject') onReject?.(row, file);
    if (action !== 'keep') continue;
    const record = row.ok && revise ? revise(row.record) : undefined;
    if (row.ok && record !== undefined && record !== row.record) counts.revised += 1;
    const cells = row.ok ? recordToCells(record ?? row.record, columns) : padCells(row.cells, columns.length);
    yield stringify([cells], { record_delimiter: '\n', eof: true });
  }
}

/** An invalid row kept through a migration gets empty cells for the new columns, so the file stays rectangular. */
function padCells(cells: readonly string[], length: number): string[] {
  return cells.length >= length ? [...cells] : [...cells, ...Array.from({ length: length - cells.length }, () => '')];
}

/**
 * Rewrites one CSV ledger file (plain, or gzip when it ends in .gz) through
 * `decide` (and `revise`, for the rows kept). The file is only replaced when a
 * row was left out or changed, or the schema version changes.
 */
export async function rewriteFile(
  file: string,
  decide: RowDecision,
  options: { toVersion?: SchemaVersion; revise?: RecordRevision; onReject?: (row: LedgerRow, file: string) => void } = {},
): Promise<FileRewrite> {
  const gzip = file.endsWith('.gz');
  const fromVersion = gzip ? await versionOfGzip(file) : inspectLedger(file).version;
  if (fromVersion === null) return { file, replaced: false, ...emptyCounts() };
  const toVersion = options.toVersion ?? fromVersion;
  const counts = emptyCounts();
  const rows = readLedger(file, gzip ? { source: createReadStream(file).pipe(createGunzip()) } : {});
  removeAbandonedTemps(dirname(file), 0, tempPrefixOf(file));
  const handling = { decide, revise: options.revise, onReject: options.onReject };
  const replaced = await replaceFileAtomically(file, keptRowsText(rows, file, toVersion, handling, counts), {
    stages: gzip ? [createGzip()] : [],
    shouldCommit: () => counts.dropped + counts.rejected + counts.revised > 0 || toVersion !== fromVersion,
  });
  return { file, replaced, ...counts };
}

/** The schema version of a gzip backup's header, reading only its first line. */
async function versionOfGzip(file: string): Promise<SchemaVersion | null> {
  const stream = createReadStream(file).pipe(createGunzip());
  let text = '';
  try {
    for await (const chunk of stream) {
      text += String(chunk);
      if (text.includes('\n')) break;
    }
  } finally {
    stream.destroy();
  }
  if (text === '') return null;
  const end = text.indexOf('\n');
  return versionOfHeader(end === -1 ? text : text.slice(0, end), file);
}

export interface RewriteResult extends RewriteCounts {
  files: FileRewrite[];
  /** Backup files made before anything was rewritten. */
  backups: string[];
}

export interface RewriteOptions {
  lockTimeoutMs: number;
  backup: BackupSettings;
  toVersion?: SchemaVersion;
  revise?: RecordRevision;
  onReject?: (row: LedgerRow, file: string) => void;
}

/** Backs up, then rewrites every file of the ledger through `decide`, under the ledger's lock. */
export async function rewriteLedger(ledgerPath: string, decide: RowDecision, options: RewriteOptions): Promise<RewriteResult> {
  if (ledgerFiles(ledgerPath).length === 0) {
    throw new TrackerError('INVALID_LEDGER', `No ledger at ${ledgerPath}`, {
      hint: 'Point --csv / TOKEN_LEDGER_CSV at an existing ledger.',
    });
  }
  return withLock(ledgerPath, options.lockTimeoutMs, async () => {
    const backups = await createBackupLocked(ledgerPath, options.backup);
    const total = emptyCounts();
    const files: FileRewrite[] = [];
    for (const file of ledgerFiles(ledgerPath)) {
      const result = await rewriteFile(file, decide, options);
      addCounts(total, result);
      files.push(result);
    }
    return { ...total, files, backups };
  });
}

/**
 * Maintenance commands wait this long for the lock: longer than the stale
 * limit, so a lock left by a killed process is taken over rather than failing.
 */
export const MAINTENANCE_LOCK_TIMEOUT_MS = 15_000;
