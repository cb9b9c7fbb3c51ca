/**
 * What every command shares: the common flags, where the ledger is, and how
 * results and errors reach the terminal.
 */
import { resolve } from 'node:path';
import { loadConfig, TrackerError, type LoadedConfig } from '../lib/tracker/index.ts';

export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

export const csvArg = {
  csv: {
    type: 'string',
    description: 'Ledger file (default: TOKEN_LEDGER_CSV, then csv_file_path in .kiro/token-tracker.json, then .kiro/token_transactions.csv)',
    valueHint: 'PATH',
  },
} as const;

export const jsonArg = {
  json: { type: 'boolean', description: 'Print machine-readable JSON instead of text' },
} as const;

export interface LedgerTarget {
  loaded: LoadedConfig;
  path: string;
}

export function ledgerTarget(csvFlag: string | undefined): LedgerTarget {
  const loaded = loadConfig();
  return { loaded, path: csvFlag ? resolve(csvFlag) : loaded.ledgerPath };
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A mistake in how the command was called (exit 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function describeError(error: unknown): string {
  if (error instanceof TrackerError) {
    return `token-ledger: ${error.message}${error.hint ? `\n  hint: ${error.hint}` : ''}`;
  }
  return `token-ledger: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
}

/** Reads a numeric flag; text that is not a plain number is passed on as text so validation names it. */
export function numberFlag(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  return /^-?\d+(?:\.\d+)?$/.test(text.trim()) ? Number(text) : text;
}

/** Pads columns of text into an aligned table; numbers right-aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}
