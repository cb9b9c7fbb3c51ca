/**
 * Conversion between a typed record and the text cells of one CSV row.
 * Writing is canonical (fixed decimals, empty cell for unknown) so that any
 * valid record read back from the ledger is identical to the one written.
 * A row of an older schema version lacks the later columns; they read as
 * unknown (null) or empty text.
 */
import { COST_DECIMALS, ELAPSED_DECIMALS, V1_COLUMNS, V2_EXTRA_COLUMNS, type Column, type LedgerRecord } from '../schema.ts';
import { sha256Hex } from '../sha256.ts';

const INTEGER_CELL = /^-?\d+$/;
const DECIMAL_CELL = /^-?\d+(?:\.\d+)?$/;
const NULLABLE_INTEGER_COLUMNS = ['input_tokens', 'output_tokens', 'cache_creation_tokens', 'cache_read_tokens', 'cache_creation_1h_tokens'] as const;

export function formatCost(value: number): string {
  return value.toFixed(COST_DECIMALS).replace(/\.?0+$/, '');
}

/** The text of each cell for a record, in the given column order. */
export function recordToCells(record: LedgerRecord, columns: readonly Column[]): string[] {
  return columns.map((column) => {
    const value = record[column];
    if (value === null) return '';
    if (column === 'elapsed_time') return (value as number).toFixed(ELAPSED_DECIMALS);
    if (column === 'cost_usd') return formatCost(value as number);
    return String(value);
  });
}

/**
 * The candidate record a row's cells describe, before validation. A cell that
 * is not a well-formed number stays text, so the schema reports it by name.
 */
export function cellsToCandidate(cells: Readonly<Partial<Record<Column, string>>>): Record<string, unknown> {
  const candidate: Record<string, unknown> = { ...cells };
  candidate.tokens_used = toNumber(cells.tokens_used, INTEGER_CELL);
  candidate.elapsed_time = toNumber(cells.elapsed_time, DECIMAL_CELL);
  candidate.error_occurred = toBoolean(cells.error_occurred);
  const isV1 = V2_EXTRA_COLUMNS.every((column) => cells[column] === undefined);
  for (const column of NULLABLE_INTEGER_COLUMNS) {
    candidate[column] = emptyToNull(cells[column], (text) => toNumber(text, INTEGER_CELL));
  }
  candidate.cost_usd = emptyToNull(cells.cost_usd, (text) => toNumber(text, DECIMAL_CELL));
  candidate.usage_source = emptyToNull(cells.usage_source, (text) => text);
  candidate.model = cells.model ?? '';
  // v1 and v2 files have no user column: their rows name nobody.
  candidate.user = cells.user ?? '';
  candidate.transaction_id = isV1 ? v1TransactionId(cells) : cells.transaction_id;
  return candidate;
}

function toNumber(text: string | undefined, pattern: RegExp): unknown {
  return text !== undefined && pattern.test(text) ? Number(text) : text;
}

function toBoolean(text: string | undefined): unknown {
  if (text === 'true') return true;
  if (text === 'false') return false;
  return text;
}

function emptyToNull(text: string | undefined, convert: (text: string) => unknown): unknown {
  return text === undefined || text === '' ? null : convert(text);
}

/**
 * A v1 row has no transaction id; derive a stable one from its content so
 * duplicates can still be found and a v1 row keeps its identity when migrated.
 */
function v1TransactionId(cells: Readonly<Partial<Record<Column, string>>>): string {
  return `v1-${sha256Hex(V1_COLUMNS.map((column) => `${cells[column] ?? ''}\u0000`).join('')).slice(0, 24)}`;
}
