/**
 * Export of the valid rows of every ledger file as CSV, JSON or JSON Lines,
 * streamed; of several ledgers, each transaction once. The CSV form guards cells a spreadsheet would run as a formula
 * (those starting with = + - @, tab or carriage return, per OWASP) with a
 * leading apostrophe, unless `raw` asks for the text exactly as stored.
 */
import { stringify } from 'csv-stringify/sync';
import { readAllParts } from '../ledger/parts.ts';
import { recordToCells } from '../ledger/row.ts';
import { V3_COLUMNS, type LedgerRecord } from '../schema.ts';
import { guardCell } from './guard-cell.ts';

export const EXPORT_FORMATS = ['csv', 'json', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export { guardCell };

export interface ExportCounts {
  exported: number;
  /** Rows that break a rule; left out of the export (`token-ledger validate` lists them). */
  skipped: number;
  /** Rows of a later ledger whose transaction id an earlier one has; left out, so each transaction is exported once. */
  duplicates: number;
}

function csvLine(cells: readonly string[]): string {
  return stringify([cells], { record_delimiter: '\n', eof: true });
}

function formatRecord(record: LedgerRecord, format: ExportFormat, raw: boolean): string {
  if (format === 'csv') {
    const cells = recordToCells(record, V3_COLUMNS);
    return csvLine(raw ? cells : cells.map(guardCell));
  }
  return JSON.stringify(record);
}

/** Every valid row of the ledgers in order; with several, a row whose transaction id an earlier ledger has is counted in `counts.duplicates` instead. */
async function* uniqueRecords(ledgers: readonly string[], counts: ExportCounts): AsyncGenerator<LedgerRecord> {
  const earlierIds = new Set<string>();
  for (const ledger of ledgers) {
    const ids: string[] = [];
    for await (const row of readAllParts(ledger)) {
      if (!row.ok) counts.skipped += 1;
      else if (earlierIds.has(row.record.transaction_id)) counts.duplicates += 1;
      else {
        if (ledgers.length > 1) ids.push(row.record.transaction_id);
        yield row.record;
      }
    }
    for (const id of ids) earlierIds.add(id);
  }
}

/** The export of one ledger or several as text chunks; `counts` is filled in as the rows stream by. */
export async function* exportLedger(
  ledgers: string | readonly string[],
  format: ExportFormat,
  options: { raw?: boolean; counts?: ExportCounts } = {},
): AsyncGenerator<string> {
  const counts = options.counts ?? { exported: 0, skipped: 0, duplicates: 0 };
  const raw = options.raw ?? false;
  if (format === 'csv') yield csvLine(V3_COLUMNS);
  if (format === 'json') yield '[';
  for await (const record of uniqueRecords(typeof ledgers === 'string' ? [ledgers] : ledgers, counts)) {
    const text = formatRecord(record, format, raw);
    if (format === 'json') yield `${counts.exported === 0 ? '\n' : ',\n'}${text}`;
    else yield format === 'jsonl' ? `${text}\n` : text;
    counts.exported += 1;
  }
  if (format === 'json') yield counts.exported === 0 ? ']\n' : '\n]\n';
}
