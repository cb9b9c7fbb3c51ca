/**
 * Repair: moves every row that breaks a rule, is not valid CSV, or repeats a
 * transaction id into a rejects file beside the ledger, and keeps the rest,
 * through the atomic, backed-up rewrite. The rejects file (0600) keeps each
 * row's cells and says where it was and what was wrong, so nothing is lost.
 */
import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { PRIVATE_FILE_MODE } from '../ledger/atomic.ts';
import { formatFieldIssue } from '../errors.ts';
import type { LedgerRow } from '../ledger/ledger.ts';
import { rewriteLedger, type RewriteOptions, type RewriteResult } from '../ledger/rewrite.ts';
import { recordToCells } from '../ledger/row.ts';
import { V3_COLUMNS } from '../schema.ts';

export function rejectsPathFor(ledgerPath: string): string {
  return `${ledgerPath}.rejects.csv`;
}

const REJECTS_HEADER = 'repaired_at,source_file,line,problems,cells\n';

export async function repairLedger(
  ledgerPath: string,
  options: Omit<RewriteOptions, 'toVersion' | 'onReject'>,
): Promise<RewriteResult & { rejectsPath: string }> {
  const rejectsPath = rejectsPathFor(ledgerPath);
  const repairedAt = new Date().toISOString();
  const seen = new Set<string>();
  const fd = openSync(rejectsPath, 'a', PRIVATE_FILE_MODE);
  try {
    if (fstatSync(fd).size === 0) writeSync(fd, REJECTS_HEADER);
    const onReject = (row: LedgerRow, file: string) => {
      const problems = row.ok ? `transaction_id: ${row.record.transaction_id} repeats an earlier row` : row.issues.map(formatFieldIssue).join('; ');
      // The row itself, as one CSV line in one cell, so the rejects file stays rectangular.
      const cells = stringify([row.ok ? recordToCells(row.record, V3_COLUMNS) : row.cells], { record_delimiter: '\n' }).replace(/\n$/, '');
      writeSync(fd, stringify([[repairedAt, file, String(row.line), problems, cells]], { record_delimiter: '\n', eof: true }));
    };
    const decide = (row: LedgerRow) => {
      if (!row.ok) return 'reject';
      if (seen.has(row.record.transaction_id)) return 'reject';
      seen.add(row.record.transaction_id);
      return 'keep';
    };
    const result = await rewriteLedger(ledgerPath, decide, { ...options, onReject });
    return { ...result, rejectsPath };
  } finally {
    closeSync(fd);
  }
}
