/**
 * Schema migration: rewrites every v1 file of the ledger (the 12 standard
 * columns) as v2 (all 20), atomically and after a backup. v1 rows keep the
 * transaction id derived from their content, so duplicates stay detectable.
 */
import { inspectLedger } from '../ledger/ledger.ts';
import { ledgerFiles } from '../ledger/parts.ts';
import { rewriteLedger, type RewriteOptions, type RewriteResult } from '../ledger/rewrite.ts';

export function filesNeedingMigration(ledgerPath: string): string[] {
  return ledgerFiles(ledgerPath).filter((file) => inspectLedger(file).version === 1);
}

/** Returns null when every file is v2 already (nothing rewritten, no backup made). */
export async function migrateLedger(ledgerPath: string, options: Omit<RewriteOptions, 'toVersion' | 'onReject'>): Promise<RewriteResult | null> {
  if (filesNeedingMigration(ledgerPath).length === 0) return null;
  return rewriteLedger(ledgerPath, () => 'keep', { ...options, toVersion: 2 });
}
