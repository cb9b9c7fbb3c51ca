/**
 * Right to erasure: removes every row of a session, of a workspace, or
 * containing a text, from every file of the ledger (atomic, backed-up
 * rewrite) and then from every backup, so no copy the tracker made keeps
 * them. Rows that break a rule are matched on their raw cells, so a damaged
 * row cannot hide personal data from erasure.
 */
import { TrackerError } from '../errors.ts';
import type { LedgerRow } from '../ledger/ledger.ts';
import { listBackups } from './backup.ts';
import { rewriteFile, rewriteLedger, type RewriteOptions, type RewriteResult } from '../ledger/rewrite.ts';
import { recordToCells } from '../ledger/row.ts';
import { V3_COLUMNS } from '../schema.ts';

export interface EraseSelector {
  session?: string;
  workspace?: string;
  /** Text that any cell of the row contains (prompt, error message, file patterns, ...). */
  match?: string;
}

/** Whether a row matches every criterion given. */
export function rowMatches(row: LedgerRow, selector: EraseSelector): boolean {
  const cells = row.ok ? recordToCells(row.record, V3_COLUMNS) : row.cells;
  const sessionMatches = selector.session === undefined || (row.ok ? row.record.session_id === selector.session : cells.includes(selector.session));
  const workspaceMatches =
    selector.workspace === undefined || (row.ok ? row.record.workspace_folder === selector.workspace : cells.includes(selector.workspace));
  const textMatches = selector.match === undefined || cells.some((cell) => cell.includes(selector.match as string));
  return sessionMatches && workspaceMatches && textMatches;
}

export interface EraseResult extends RewriteResult {
  /** Rows removed from backups (older backups and the one made just before this erase). */
  removedFromBackups: number;
  backupsRewritten: number;
}

export async function eraseRows(
  ledgerPath: string,
  selector: EraseSelector,
  options: Omit<RewriteOptions, 'toVersion' | 'onReject'>,
): Promise<EraseResult> {
  if (selector.session === undefined && selector.workspace === undefined && (selector.match ?? '') === '') {
    throw new TrackerError('INVALID_INPUT', 'erase needs at least one of --session, --workspace or --match (a non-empty text)', {
      hint: 'Say what to erase, e.g. `token-ledger erase --session s1`.',
    });
  }
  const decide = (row: LedgerRow) => (rowMatches(row, selector) ? 'drop' : 'keep');
  const result = await rewriteLedger(ledgerPath, decide, options);
  let removedFromBackups = 0;
  let backupsRewritten = 0;
  for (const backup of listBackups(ledgerPath)) {
    const scrubbed = await rewriteFile(backup.path, decide);
    removedFromBackups += scrubbed.dropped;
    if (scrubbed.replaced) backupsRewritten += 1;
  }
  return { ...result, removedFromBackups, backupsRewritten };
}
