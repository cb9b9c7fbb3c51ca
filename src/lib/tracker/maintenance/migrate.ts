/**
 * Schema migration: rewrites every v1 file (the 12 standard columns) and v2
 * file (20) of the ledger as the latest version (v3, all 22), atomically and
 * after a backup. v1 rows keep the transaction id derived from their content,
 * so duplicates stay detectable; columns a file lacked are left unknown.
 */
import { inspectLedger } from '../ledger/ledger.ts';
import { ledgerFiles } from '../ledger/parts.ts';
import { rewriteLedger, type RewriteOptions, type RewriteResult } from '../ledger/rewrite.ts';
import { LATEST_SCHEMA_VERSION } from '../schema.ts';

export function filesNeedingMigration(ledgerPath: string): string[] {
  return ledgerFiles(ledgerPath).filter((file) => {
    const { version } = inspectLedger(file);
    return version !== null && version < LATEST_SCHEMA_VERSION;
  });
}

/** Returns null when every file is in the latest version already (nothing rewritten, no backup made). */
export async function migrateLedger(ledgerPath: string, options: Omit<RewriteOptions, 'toVersion' | 'onReject'>): Promise<RewriteResult | null> {
  if (filesNeedingMigration(ledgerPath).length === 0) return null;
  return rewriteLedger(ledgerPath, () => 'keep', { ...options, toVersion: LATEST_SCHEMA_VERSION });
}
