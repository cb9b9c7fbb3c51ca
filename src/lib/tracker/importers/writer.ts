/**
 * The part every importer shares: skip what the ledger already holds (the id
 * index beside it, see import-state.ts), complete and validate the rest like
 * any record, and append them in batches. One import at a time per ledger (a
 * lock beside it), so two hooks firing together cannot both add the same
 * response, whichever of a hook and `import` sees it first.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LoadedConfig } from '../config.ts';
import { TrackerError, formatFieldIssue } from '../errors.ts';
import { appendRecords, inspectLedger } from '../ledger/ledger.ts';
import { withLock } from '../ledger/lock.ts';
import { completeRecord, type RecordInput } from '../record/record.ts';
import type { LedgerRecord } from '../schema.ts';
import { checkRecord } from '../validate.ts';
import { buildIdIndex, forgetStateOfMissingLedger, hasIdIndex, ImportedIds } from './import-state.ts';
import { emptyReadStats, type ReadStats } from './jsonl.ts';

/** Rows per append: each append takes the ledger's lock and syncs the file once, so a large import writes few, large batches. */
const BATCH_SIZE = 10_000;
const MAX_LISTED_REJECTIONS = 5;

export interface ImportTarget {
  loaded: LoadedConfig;
  ledgerPath: string;
  now?: Date;
  /** Shown while the id index is built from an existing ledger (once per ledger). */
  onIndexProgress?: (bytesRead: number) => void;
  /** Runs under the lock once every row is written: importers save their log cursors here. */
  afterWrite?: () => void;
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

/** Makes sure the id index covers the ledger, building it from the ledger when missing. Call under the import lock. */
async function ensureIdIndex(ledgerPath: string, onProgress?: (bytesRead: number) => void): Promise<void> {
  forgetStateOfMissingLedger(ledgerPath);
  if (!hasIdIndex(ledgerPath)) await buildIdIndex(ledgerPath, onProgress);
}

/** Builds the id index of a ledger that has none, under the import lock (`init`, and a hook's background catch-up). */
export function indexImportedIds(ledgerPath: string, lockTimeoutMs: number, onProgress?: (bytesRead: number) => void): Promise<void> {
  return withLock(importLockTarget(ledgerPath), lockTimeoutMs, () => ensureIdIndex(ledgerPath, onProgress));
}

export async function writeImported(candidates: AsyncIterable<RecordInput>, target: ImportTarget, counts: WriteCounts): Promise<void> {
  const { loaded, ledgerPath } = target;
  const now = target.now ?? new Date();
  // Importers name the session themselves, so the environment only supplies the user fallback.
  // A copy: each read of process.env asks the C library, and every row reads it for its user.
  const env = target.env ?? { ...process.env };
  // One rules object for the whole import: the compiled schema is cached per rules object.
  const rules = { now, maxAgeDays: null };
  const lockTimeoutMs = loaded.config.lock_timeout_ms;
  // The import lock sits beside the ledger, so its folder must exist before the ledger does.
  mkdirSync(dirname(ledgerPath), { recursive: true, mode: 0o700 });
  await withLock(importLockTarget(ledgerPath), lockTimeoutMs, async () => {
    if (inspectLedger(ledgerPath).version === 1) {
      throw new TrackerError('INVALID_LEDGER', `${ledgerPath} is a schema v1 ledger, which has no transaction_id column; imports need it to add each response once`, {
        hint: 'Run `token-ledger migrate` to rewrite it as v2 (a backup is kept), then import again.',
      });
    }
    await ensureIdIndex(ledgerPath, target.onIndexProgress);
    const known = new ImportedIds(ledgerPath);
    let batch: LedgerRecord[] = [];
    // Ids in the batch not yet written (the index learns them at each flush).
    const batchIds = new Set<string>();
    const flush = async () => {
      if (batch.length === 0) return;
      await appendRecords(ledgerPath, batch, { lockTimeoutMs });
      // The rows first, then their ids: a crash in between can repeat a row (validate finds it), never lose one.
      for (const record of batch) known.add(record.transaction_id, record.timestamp);
      known.flush();
      counts.added += batch.length;
      batch = [];
      batchIds.clear();
    };
    for await (const candidate of candidates) {
      const id = String(candidate.transaction_id);
      if (batchIds.has(id) || known.has(id, String(candidate.timestamp))) {
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
      batchIds.add(id);
      batch.push(check.record);
      if (batch.length >= BATCH_SIZE) await flush();
    }
    await flush();
    target.afterWrite?.();
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
