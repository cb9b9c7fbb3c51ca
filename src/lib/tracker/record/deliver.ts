/**
 * Delivering one valid record: append it to the ledger, retrying a failing
 * write a few times with exponential backoff inside the hook's time budget,
 * and spool it when the ledger stays unwritable. After a successful write the
 * same call does the ledger's routine care: replays the spool, rotates a
 * ledger past its size and makes the periodic backup.
 *
 * Spooling, replay, rotation and backup are loaded only when they have work
 * to do: a hook calls this on every agent interaction, and its start-up time
 * is the budget the IDE feels.
 */
import type { TrackerConfig } from '../config.ts';
import { TrackerError } from '../errors.ts';
import { appendRecords } from '../ledger/ledger.ts';
import { needsRotation } from '../ledger/parts.ts';
import type { LedgerRecord, SchemaVersion } from '../schema.ts';
import { hasSpoolDir } from '../ledger/spool-dirs.ts';

/** A hook call must be done in 5 s; the ledger gets this much of it, the rest is for spooling and exiting. */
export const HOOK_BUDGET_MS = 5000;
export const LEDGER_BUDGET_MS = 3500;
const MAX_ATTEMPTS = 3;
const FIRST_BACKOFF_MS = 50;

/** Failures the spool is for; anything else is a bug and is thrown. */
const SPOOLABLE = new Set(['LEDGER_UNWRITABLE', 'LOCK_TIMEOUT', 'INVALID_LEDGER']);

export type Delivery =
  | { status: 'written'; path: string; version: SchemaVersion; warnings: string[] }
  | { status: 'spooled'; path: string; spoolFile: string; reason: string };

export interface DeliverOptions {
  config: Pick<TrackerConfig, 'lock_timeout_ms' | 'rotate_size_mb' | 'backup_enabled' | 'backup_interval_hours' | 'compression_enabled'>;
  env?: NodeJS.ProcessEnv;
  /** Epoch ms by which the ledger must have been written or given up on. */
  deadline?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function reasonOf(error: TrackerError): string {
  return error.message.split('\n')[0] ?? error.code;
}

export async function deliverRecord(path: string, record: LedgerRecord, options: DeliverOptions): Promise<Delivery> {
  const deadline = options.deadline ?? Date.now() + LEDGER_BUDGET_MS;
  let lastError: TrackerError | undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    try {
      const version = await appendRecords(path, [record], { lockTimeoutMs: Math.max(1, Math.min(options.config.lock_timeout_ms, remaining)) });
      return { status: 'written', path, version, warnings: await routineCare(path, options) };
    } catch (error) {
      if (!(error instanceof TrackerError) || !SPOOLABLE.has(error.code)) throw error;
      lastError = error;
      // Waiting for a lock already took its whole timeout; a second wait would only burn the budget.
      if (error.code === 'LOCK_TIMEOUT') break;
      await sleep(Math.min(FIRST_BACKOFF_MS * 2 ** attempt, Math.max(0, deadline - Date.now())));
    }
  }
  const reason = lastError ? reasonOf(lastError) : 'the time budget ran out before the ledger could be written';
  const { spoolRecord } = await import('../ledger/spool.ts');
  return { status: 'spooled', path, spoolFile: spoolRecord(path, record, reason, options.env), reason };
}

/** The follow-ups of a successful write. The record is safe already, so a failure here is only a warning. */
async function routineCare(path: string, options: DeliverOptions): Promise<string[]> {
  const { config } = options;
  const warnings: string[] = [];
  const attempt = async (what: string, action: () => Promise<unknown>) => {
    try {
      await action();
    } catch (error) {
      warnings.push(`${what} failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
  };
  if (hasSpoolDir(path, options.env)) {
    await attempt('replaying the spool', async () => {
      const { replaySpool } = await import('../ledger/spool.ts');
      await replaySpool(path, { lockTimeoutMs: config.lock_timeout_ms, env: options.env });
    });
  }
  const maxBytes = config.rotate_size_mb * 1024 * 1024;
  if (needsRotation(path, maxBytes)) {
    await attempt('rotation', async () => {
      const { rotateLedger } = await import('../maintenance/rotate.ts');
      await rotateLedger(path, { lockTimeoutMs: config.lock_timeout_ms, maxBytes });
    });
  }
  if (config.backup_enabled) {
    await attempt('the periodic backup', async () => {
      const { backupIfDue } = await import('../maintenance/backup.ts');
      await backupIfDue(path, config);
    });
  }
  return warnings;
}
