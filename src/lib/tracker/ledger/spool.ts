/**
 * The spool: where a valid record waits when the ledger cannot be written
 * (disk full, read-only, no permission, a bad path, a lock held too long).
 *
 * Each spooled record is its own small JSON file, written to a temp name and
 * renamed, so it exists whole or not at all and concurrent spoolers never
 * touch each other's files. The spool lives beside the ledger
 * (`token_transactions.csv.spool/`) when that folder works, else in the user
 * cache folder (`$XDG_CACHE_HOME/token-ledger/spool/<hash of the ledger path>/`).
 *
 * Replay runs under the ledger's lock: it appends the entries the ledger does
 * not hold yet (by transaction id), oldest first, then deletes the entry
 * files. A replay killed half-way is finished by the next one without
 * duplicates, because entries already in the ledger are only deleted.
 */
import { closeSync, createReadStream, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse';
import * as z from 'zod/mini';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, removeAbandonedTemps, tempPathFor } from './atomic.ts';
import { TrackerError } from '../errors.ts';
import { appendRecordsLocked, makeLedgerFolder, versionOfHeader } from './ledger.ts';
import { withLock } from './lock.ts';
import { ledgerFiles } from './parts.ts';
import { cellsToCandidate, recordToCells } from './row.ts';
import { V1_COLUMNS, V2_COLUMNS, type LedgerRecord, type SchemaVersion } from '../schema.ts';
import { checkRecord } from '../validate.ts';
import { cacheSpoolDir, spoolDirs } from './spool-dirs.ts';

const ENTRY_SUFFIX = '.json';
/** Temp entry files younger than this may belong to a spooler still writing. */
const IN_FLIGHT_TEMP_MS = 60_000;
const FAR_FUTURE = new Date('9999-12-31T00:00:00.000Z');

const spoolEntrySchema = z.object({
  format: z.literal(1),
  ledger: z.string(),
  spooled_at: z.string(),
  reason: z.string(),
  record: z.record(z.string(), z.unknown()),
});

export type SpoolEntry = { file: string; ledger: string; spooledAt: string; reason: string; record: LedgerRecord };

export interface SpoolListing {
  entries: SpoolEntry[];
  /** Entry files that are not readable JSON or not a valid record; kept for a person to look at. */
  unreadable: string[];
}

/** A spool beside the ledger only makes sense when the ledger is (or can become) a regular file. */
function besideIsUsable(ledgerPath: string): boolean {
  try {
    return lstatSync(ledgerPath).isFile();
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

function entryName(record: LedgerRecord): string {
  return `${record.timestamp.replace(/[-:.]/g, '')}-${record.transaction_id}${ENTRY_SUFFIX}`;
}

function writeEntry(folder: string, ledgerPath: string, record: LedgerRecord, reason: string): string {
  mkdirSync(folder, { recursive: true, mode: PRIVATE_DIR_MODE });
  const target = join(folder, entryName(record));
  const temp = tempPathFor(target);
  const body = `${JSON.stringify({ format: 1, ledger: resolve(ledgerPath), spooled_at: new Date().toISOString(), reason, record })}\n`;
  const fd = openSync(temp, 'wx', PRIVATE_FILE_MODE);
  try {
    const bytes = Buffer.from(body, 'utf8');
    if (writeSync(fd, bytes) !== bytes.length) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(temp, target);
  return target;
}

/**
 * Puts a record in the spool: beside the ledger if possible, else in the
 * cache folder. Returns the entry file; throws SPOOL_UNWRITABLE when neither works.
 */
export function spoolRecord(ledgerPath: string, record: LedgerRecord, reason: string, env: NodeJS.ProcessEnv = process.env): string {
  const folders = besideIsUsable(ledgerPath) ? spoolDirs(ledgerPath, env) : [cacheSpoolDir(ledgerPath, env)];
  const failures: string[] = [];
  for (const folder of folders) {
    try {
      return writeEntry(folder, ledgerPath, record, reason);
    } catch (error) {
      failures.push(`${folder} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  throw new TrackerError('SPOOL_UNWRITABLE', `The record ${record.transaction_id} was lost: the ledger failed (${reason}) and so did the spool: ${failures.join(', ')}`, {
    hint: 'Free disk space or fix permissions of the ledger folder or of XDG_CACHE_HOME (default ~/.cache).',
  });
}

function readEntry(file: string): SpoolEntry | undefined {
  try {
    const parsed = spoolEntrySchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) return undefined;
    // The record passed every rule when it was spooled; only the shape is checked again, so a clock that
    // moved back since cannot strand it. One spooled before schema v3 lacks its columns: it names no user
    // and no 1-hour split.
    const check = checkRecord({ user: '', cache_creation_1h_tokens: null, ...parsed.data.record }, { now: FAR_FUTURE, maxAgeDays: null });
    if (!check.ok) return undefined;
    return { file, ledger: parsed.data.ledger, spooledAt: parsed.data.spooled_at, reason: parsed.data.reason, record: check.record };
  } catch {
    return undefined;
  }
}

/** Every spooled record waiting for this ledger, oldest first. */
export function listSpool(ledgerPath: string, env: NodeJS.ProcessEnv = process.env): SpoolListing {
  const entries: SpoolEntry[] = [];
  const unreadable: string[] = [];
  for (const folder of spoolDirs(ledgerPath, env)) {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!name.endsWith(ENTRY_SUFFIX) || name.startsWith('.')) continue;
      const file = join(folder, name);
      const entry = readEntry(file);
      if (entry) entries.push(entry);
      else unreadable.push(file);
    }
  }
  entries.sort((a, b) => a.record.timestamp.localeCompare(b.record.timestamp) || a.spooledAt.localeCompare(b.spooledAt));
  return { entries, unreadable };
}

/** How a record is identified in a ledger of a schema version: v1 rows carry no id, so theirs is derived from the cells. */
function identityIn(record: LedgerRecord, version: SchemaVersion): string {
  if (version !== 1) return record.transaction_id;
  const cells = recordToCells(record, V1_COLUMNS);
  const named = Object.fromEntries(V1_COLUMNS.map((column, index) => [column, cells[index]]));
  return String(cellsToCandidate(named).transaction_id);
}

/** Which of the wanted identities some file of the ledger already holds. Parses only the CSV, not the rules, to stay fast. */
async function identitiesPresent(ledgerPath: string, wanted: ReadonlySet<string>): Promise<Set<string>> {
  const found = new Set<string>();
  // transaction_id has the same place in v2 and v3.
  const idIndex = V2_COLUMNS.indexOf('transaction_id');
  for (const file of ledgerFiles(ledgerPath)) {
    let version: SchemaVersion | undefined;
    const parser = createReadStream(file).pipe(parse({ relax_column_count: true, skip_records_with_error: true }));
    for await (const cells of parser as AsyncIterable<string[]>) {
      if (version === undefined) {
        version = versionOfHeader(cells.join(','), file);
        continue;
      }
      let identity: string | undefined;
      if (version !== 1) identity = cells[idIndex];
      else if (cells.length === V1_COLUMNS.length) {
        identity = String(cellsToCandidate(Object.fromEntries(V1_COLUMNS.map((column, index) => [column, cells[index]]))).transaction_id);
      }
      if (identity !== undefined && wanted.has(identity)) found.add(identity);
    }
  }
  return found;
}

export interface ReplayResult {
  /** Records appended to the ledger. */
  replayed: number;
  /** Entries already in the ledger (a replay killed before it cleaned up); removed without writing. */
  alreadyPresent: number;
  /** Entry files that could not be read; left in place. */
  unreadable: string[];
  version: SchemaVersion | null;
}

function hasSpoolFiles(ledgerPath: string, env: NodeJS.ProcessEnv): boolean {
  return spoolDirs(ledgerPath, env).some((folder) => {
    try {
      return readdirSync(folder).some((name) => name.endsWith(ENTRY_SUFFIX) && !name.startsWith('.'));
    } catch {
      return false;
    }
  });
}

/**
 * Moves every spooled record of this ledger into it, exactly once, oldest
 * first. Cheap when the spool is empty (two readdir calls, no lock).
 */
export async function replaySpool(ledgerPath: string, options: { lockTimeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<ReplayResult> {
  const env = options.env ?? process.env;
  if (!hasSpoolFiles(ledgerPath, env)) return { replayed: 0, alreadyPresent: 0, unreadable: [], version: null };
  makeLedgerFolder(ledgerPath);
  return withLock(ledgerPath, options.lockTimeoutMs, async () => {
    const { entries, unreadable } = listSpool(ledgerPath, env);
    const version = appendRecordsLocked(ledgerPath, []);
    const byIdentity = new Map<string, SpoolEntry[]>();
    for (const entry of entries) {
      const identity = identityIn(entry.record, version);
      byIdentity.set(identity, [...(byIdentity.get(identity) ?? []), entry]);
    }
    const present = await identitiesPresent(ledgerPath, new Set(byIdentity.keys()));
    const toWrite = [...byIdentity].filter(([identity]) => !present.has(identity)).map(([, same]) => (same[0] as SpoolEntry).record);
    appendRecordsLocked(ledgerPath, toWrite);
    for (const entry of entries) rmSync(entry.file, { force: true });
    for (const folder of spoolDirs(ledgerPath, env)) removeAbandonedTemps(folder, IN_FLIGHT_TEMP_MS);
    return { replayed: toWrite.length, alreadyPresent: entries.length - toWrite.length, unreadable, version };
  });
}
