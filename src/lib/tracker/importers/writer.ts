/**
 * The part every importer shares: skip what the ledger already holds (by
 * transaction id), complete and validate the rest like any record, and
 * append them in batches. One import at a time per ledger (a lock beside it),
 * so two hooks firing together cannot both add the same response.
 */
import { createReadStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse } from 'csv-parse';
import type { LoadedConfig } from '../config.ts';
import { TrackerError, formatFieldIssue } from '../errors.ts';
import { appendRecords, inspectLedger } from '../ledger/ledger.ts';
import { withLock } from '../ledger/lock.ts';
import { ledgerFiles, partStampOf, stampOf } from '../ledger/parts.ts';
import { completeRecord, type RecordInput } from '../record/record.ts';
import { V2_COLUMNS, type LedgerRecord } from '../schema.ts';
import { checkRecord } from '../validate.ts';
import { emptyReadStats, type ReadStats } from './jsonl.ts';

const BATCH_SIZE = 2000;
const MAX_LISTED_REJECTIONS = 5;
// The same place in v2 and v3.
const TRANSACTION_ID_INDEX = V2_COLUMNS.indexOf('transaction_id');

/** The transaction ids in one ledger file. Reads only that column, without checking the rows. */
async function readFileTransactionIds(path: string, ids: Set<string>): Promise<void> {
  const state = inspectLedger(path);
  if (state.version === null) return;
  if (state.version === 1) {
    throw new TrackerError('INVALID_LEDGER', `${path} is a schema v1 ledger, which has no transaction_id column; imports need it to add each response once`, {
      hint: 'Run `token-ledger migrate` to rewrite it as v3 (a backup is kept), then import again.',
    });
  }
  const parser = createReadStream(path).pipe(parse({ from_line: 2, relax_column_count: true, skip_records_with_error: true }));
  for await (const cells of parser as AsyncIterable<string[]>) {
    const id = cells[TRANSACTION_ID_INDEX];
    if (id) ids.add(id);
  }
}

/**
 * The transaction ids already in a ledger, rotated parts included, so history
 * imported before a rotation is not added again. With `since`, parts closed
 * before that time are skipped: a row lands in the live file when it is
 * written, which is after the event it records, so a part rotated away before
 * the oldest event of an import cannot hold any of its rows.
 */
export async function readTransactionIds(ledgerPath: string, since?: Date): Promise<Set<string>> {
  const ids = new Set<string>();
  const oldestStamp = since === undefined ? '' : stampOf(since);
  for (const path of ledgerFiles(ledgerPath)) {
    const closedAt = partStampOf(ledgerPath, path);
    if (closedAt !== undefined && closedAt < oldestStamp) continue;
    await readFileTransactionIds(path, ids);
  }
  return ids;
}

export interface ImportTarget {
  loaded: LoadedConfig;
  ledgerPath: string;
  now?: Date;
  /**
   * The oldest event the import can hold, when the caller knows it (a hook
   * importing one session); lets the duplicate check skip older parts.
   */
  oldestEvent?: Date;
  /** Where the `user` fallback (TOKEN_LEDGER_USER) is read; process.env when not given. */
  env?: NodeJS.ProcessEnv;
}

export interface WriteCounts {
  added: number;
  duplicates: number;
  /** Responses that break a ledger rule (e.g. more than 1,000,000 tokens); nothing is written for them. */
  rejected: number;
  /** The first few rejections, each naming the transaction id, field and rule. */
  rejections: string[];
}

/** The lock that serialises imports; it is not the ledger's own lock, which appends take to create the header. */
function importLockTarget(ledgerPath: string): string {
  return `${ledgerPath}.import`;
}

export async function writeImported(candidates: AsyncIterable<RecordInput>, target: ImportTarget, counts: WriteCounts): Promise<void> {
  const { loaded, ledgerPath } = target;
  const now = target.now ?? new Date();
  // Importers name the session themselves, so the environment only supplies the user fallback.
  const env = target.env ?? process.env;
  // One rules object for the whole import: the compiled schema is cached per rules object.
  const rules = { now, maxAgeDays: null };
  const lockTimeoutMs = loaded.config.lock_timeout_ms;
  // The import lock sits beside the ledger, so its folder must exist before the ledger does.
  mkdirSync(dirname(ledgerPath), { recursive: true, mode: 0o700 });
  await withLock(importLockTarget(ledgerPath), lockTimeoutMs, async () => {
    const known = await readTransactionIds(ledgerPath, target.oldestEvent);
    let batch: LedgerRecord[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      await appendRecords(ledgerPath, batch, { lockTimeoutMs });
      counts.added += batch.length;
      batch = [];
    };
    for await (const candidate of candidates) {
      const id = String(candidate.transaction_id);
      if (known.has(id)) {
        counts.duplicates += 1;
        continue;
      }
      // Imported history is not "recorded live", so the max_age_days rule does not apply.
      const check = checkRecord(completeRecord(candidate, loaded, now, env), rules);
      if (!check.ok) {
        counts.rejected += 1;
        if (counts.rejections.length < MAX_LISTED_REJECTIONS) counts.rejections.push(`${id}: ${check.issues.map(formatFieldIssue).join('; ')}`);
        continue;
      }
      known.add(id);
      batch.push(check.record);
      if (batch.length >= BATCH_SIZE) await flush();
    }
    await flush();
  });
}

/** What one import did: what was read, and what reached the ledger. */
export interface ImportSummary extends ReadStats, WriteCounts {
  source: string;
  ledger: string;
}

export function newImportSummary(source: string, ledger: string): ImportSummary {
  return { source, ledger, ...emptyReadStats(), added: 0, duplicates: 0, rejected: 0, rejections: [] };
}

/**
 * Reads records with `read` and writes the new ones, counting into `summary`
 * as it goes (so a caller can show progress while it runs).
 */
export async function importRecords(
  summary: ImportSummary,
  read: (stats: ReadStats) => AsyncIterable<RecordInput>,
  target: ImportTarget,
): Promise<ImportSummary> {
  await writeImported(read(summary), target, summary);
  return summary;
}
