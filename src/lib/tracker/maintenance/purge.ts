/**
 * Retention: drops rows older than retention_days from every file of the
 * ledger, through the atomic, backed-up rewrite. Rows that break a rule are
 * kept (purge is not repair); `token-ledger repair` deals with them.
 */
import { rewriteLedger, type RewriteOptions, type RewriteResult } from '../ledger/rewrite.ts';

export async function purgeLedger(
  ledgerPath: string,
  options: Omit<RewriteOptions, 'toVersion' | 'onReject'> & { retentionDays: number; now?: Date },
): Promise<RewriteResult & { cutoff: string }> {
  const cutoff = new Date((options.now ?? new Date()).getTime() - options.retentionDays * 86_400_000).toISOString();
  const result = await rewriteLedger(ledgerPath, (row) => (row.ok && row.record.timestamp < cutoff ? 'drop' : 'keep'), options);
  return { ...result, cutoff };
}
