/**
 * Conversion between a typed record and the text cells of one CSV row.
 * Writing is canonical (fixed decimals, empty cell for unknown) so that any
 * valid record read back from the ledger is identical to the one written.
 * A row of an older schema version lacks the later columns; they read as
 * unknown (null) or empty text.
 */
import { COST_DECIMALS, ELAPSED_DECIMALS, V1_COLUMNS, V2_EXTRA_COLUMNS, V3_COLUMNS, type Column, type LedgerRecord } from '../schema.ts';
import { POWERS_OF_TEN } from '../numbers.ts';
import { sha256Hex } from '../sha256.ts';

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

/** Where each column's cell is in a row of a file with these columns; -1 for a column the file lacks. */
export type CellPositions = Readonly<Record<Column, number>>;

export function cellPositions(columns: readonly Column[]): CellPositions {
  return Object.fromEntries(V3_COLUMNS.map((column) => [column, columns.indexOf(column)])) as Record<Column, number>;
}

const V3_POSITIONS = cellPositions(V3_COLUMNS);

/**
 * The candidate record a row's cells describe, before validation. A cell that
 * is not a well-formed number stays text, so the schema reports it by name.
 * Cells by position, built as one object literal: a ledger read does this for
 * every row, and a named copy of the cells first cost as much as the checks.
 */
export function rowToCandidate(cells: readonly (string | undefined)[], at: CellPositions): Record<string, unknown> {
  // A position of -1 reads as undefined: the file has no such column.
  // A v2 or v3 row has a transaction id cell: the rest of the test only runs for v1 rows.
  const isV1 = cells[at.transaction_id] === undefined && V2_EXTRA_COLUMNS.every((column) => cells[at[column]] === undefined);
  return {
    timestamp: cells[at.timestamp],
    prompt_text: cells[at.prompt_text],
    tokens_used: toNumber(cells[at.tokens_used], false),
    elapsed_time: toNumber(cells[at.elapsed_time], true),
    session_id: cells[at.session_id],
    workspace_folder: cells[at.workspace_folder],
    hook_trigger_type: cells[at.hook_trigger_type],
    agent_execution_id: cells[at.agent_execution_id],
    file_patterns: cells[at.file_patterns],
    hook_name: cells[at.hook_name],
    error_occurred: toBoolean(cells[at.error_occurred]),
    error_message: cells[at.error_message],
    transaction_id: isV1 ? v1TransactionId(cells, at) : cells[at.transaction_id],
    model: cells[at.model] ?? '',
    input_tokens: toNullableInteger(cells[at.input_tokens]),
    output_tokens: toNullableInteger(cells[at.output_tokens]),
    cache_creation_tokens: toNullableInteger(cells[at.cache_creation_tokens]),
    cache_read_tokens: toNullableInteger(cells[at.cache_read_tokens]),
    cost_usd: isEmpty(cells[at.cost_usd]) ? null : toNumber(cells[at.cost_usd], true),
    usage_source: isEmpty(cells[at.usage_source]) ? null : cells[at.usage_source],
    cache_creation_1h_tokens: toNullableInteger(cells[at.cache_creation_1h_tokens]),
    // v1 and v2 files have no user column: their rows name nobody.
    user: cells[at.user] ?? '',
  };
}

/** rowToCandidate for cells by column name. */
export function cellsToCandidate(cells: Readonly<Partial<Record<Column, string>>>): Record<string, unknown> {
  return rowToCandidate(
    V3_COLUMNS.map((column) => cells[column]),
    V3_POSITIONS,
  );
}

/** The number a cell spells as an integer (or a decimal), else the cell's text for the schema to reject. */
function toNumber(text: string | undefined, decimal: boolean): unknown {
  if (text === undefined) return text;
  return decimal ? decimalOf(text) : integerOf(text);
}

/** Digits in a run whose value, built digit by digit, stays below 2^53 and so is exactly Number()'s. */
const EXACT_DIGITS = 15;

/**
 * toNumber of an integer cell, read by character codes: Number(text) was a
 * call per cell, and a row has up to six of them. Longer runs of digits than
 * are exact this way go to Number().
 */
function integerOf(text: string): unknown {
  const negative = text.charCodeAt(0) === 0x2d;
  const start = negative ? 1 : 0;
  if (text.length === start || text.length - start > EXACT_DIGITS) return isIntegerNumeral(text) ? Number(text) : text;
  let value = 0;
  for (let index = start; index < text.length; index += 1) {
    const digit = text.charCodeAt(index) - 0x30;
    if (digit < 0 || digit > 9) return text;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

/**
 * toNumber of a decimal cell (what /^-?\d+(?:\.\d+)?$/ accepts), read by
 * character codes: every row has two. With at most EXACT_DIGITS digits, the
 * digits as one integer and the power of ten of the fraction are both exact,
 * and one IEEE division rounds their quotient correctly, as Number(text)
 * rounds the same decimal: the same double. More digits go to Number().
 */
function decimalOf(text: string): unknown {
  const negative = text.charCodeAt(0) === 0x2d;
  let digits = 0;
  // -1 until the point.
  let fractionDigits = -1;
  let mantissa = 0;
  for (let index = negative ? 1 : 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code >= 0x30 && code <= 0x39) {
      mantissa = mantissa * 10 + code - 0x30;
      digits += 1;
      if (fractionDigits >= 0) fractionDigits += 1;
    } else if (code === 0x2e && fractionDigits === -1 && digits > 0) fractionDigits = 0;
    else return text;
  }
  if (digits === 0 || fractionDigits === 0) return text;
  if (digits > EXACT_DIGITS) return Number(text);
  const value = fractionDigits > 0 ? mantissa / POWERS_OF_TEN[fractionDigits]! : mantissa;
  return negative ? -value : value;
}

/** What /^-?\d+$/ accepts, read by character codes. */
function isIntegerNumeral(text: string): boolean {
  let index = text.charCodeAt(0) === 0x2d ? 1 : 0;
  if (index === text.length) return false;
  for (; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code < 0x30 || code > 0x39) return false;
  }
  return true;
}

function toBoolean(text: string | undefined): unknown {
  if (text === 'true') return true;
  if (text === 'false') return false;
  return text;
}

function toNullableInteger(text: string | undefined): unknown {
  return isEmpty(text) ? null : integerOf(text!);
}

/** An unknown value's cell: empty, or missing in a file of an older schema version. Tested inline, not through a converter callback: a closure per cell of every row. */
function isEmpty(text: string | undefined): boolean {
  return text === undefined || text === '';
}

/**
 * A v1 row has no transaction id; derive a stable one from its content so
 * duplicates can still be found and a v1 row keeps its identity when migrated.
 */
function v1TransactionId(cells: readonly (string | undefined)[], at: CellPositions): string {
  return `v1-${sha256Hex(V1_COLUMNS.map((column) => `${cells[at[column]] ?? ''}\u0000`).join('')).slice(0, 24)}`;
}
