/**
 * What every command shares: the common flags, where the ledger is, and how
 * results and errors reach the terminal.
 */
import { realpathSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
// Specific modules, not the library's index: every command, `record` in a hook
// included, loads this file, and the index would pull in every module.
import { ledgerSetting, loadConfig, namesSeveralLedgers, type LoadedConfig } from '../lib/tracker/config.ts';
import { HOOK_BUDGET_MS } from '../lib/tracker/record/deliver.ts';
import { TrackerError } from '../lib/tracker/errors.ts';
import type { RecordResult } from '../lib/tracker/record/record.ts';

export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

export const csvArg = {
  csv: {
    type: 'string',
    description: 'Ledger file (default: TOKEN_LEDGER_CSV, then csv_file_path in .kiro/token-tracker.json, then .kiro/token_transactions.csv)',
    valueHint: 'PATH',
  },
} as const;

/** --csv for the commands that only read: several ledgers and globs allowed. */
export const csvListArg = {
  csv: {
    type: 'string',
    description:
      'Ledger file(s): comma-separated paths or globs, e.g. "ledgers/*.csv" (default: TOKEN_LEDGER_CSV, then csv_file_path in .kiro/token-tracker.json, then .kiro/token_transactions.csv)',
    valueHint: 'PATHS',
  },
} as const;

export const jsonArg = {
  json: { type: 'boolean', description: 'Print machine-readable JSON instead of text' },
} as const;

export interface LedgerTarget {
  loaded: LoadedConfig;
  path: string;
}

/** This process's node binary and bin, by real path: what hook commands run, whatever the IDE's PATH holds. */
export function hookCommandBase(): { node: string; bin: string } {
  return { node: process.execPath, bin: realpathSync(process.argv[1] ?? '') };
}

/**
 * The one ledger a command writes to: --csv, else config and env of the
 * workspace around `cwd` (a hook passes its agent's working folder, so rows
 * land in that project's ledger whatever folder the hook process runs in).
 */
export function ledgerTarget(csvFlag: string | undefined, cwd?: string): LedgerTarget {
  const loaded = loadConfig({ cwd });
  const { spec, where } = ledgerSetting(csvFlag, loaded);
  if (namesSeveralLedgers(spec)) {
    throw new UsageError(`${where} is ${JSON.stringify(spec)}: several ledgers or a glob, but this command works on exactly one ledger file; name one with --csv PATH`);
  }
  return { loaded, path: csvFlag ? resolve(csvFlag) : loaded.ledgerPath };
}

/**
 * Writes to standard output straight to its file descriptor. A hook's one
 * line does not need process.stdout, whose stream machinery costs ~3 ms to
 * load; a pipe that is full (EAGAIN) falls back to it, one nobody reads
 * (EPIPE) is not an error of the command.
 */
export function writeStdout(text: string): void {
  const bytes = Buffer.from(text);
  let written = 0;
  try {
    while (written < bytes.length) written += writeSync(1, bytes, written);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN') process.stdout.write(bytes.subarray(written));
    else if (code !== 'EPIPE') throw error;
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A mistake in how the command was called (exit 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** describeError on one line, for hooks (an IDE shows one line per hook). */
export function describeErrorLine(error: unknown): string {
  return oneLine(describeError(error));
}

/** Joins the lines of a message (a validation report, a hint) with spaces. */
export function oneLine(text: string): string {
  return text
    .split('\n')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .join(' ');
}

export function describeError(error: unknown): string {
  if (error instanceof UsageError) return `token-ledger: ${error.message}`;
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
/**
 * A count with thousands separators (1,234,567), as Intl.NumberFormat('en-US')
 * writes an integer; building that formatter loads ICU's data, 10 ms or more of
 * every command that makes one, most of a re-import with nothing new, and a
 * serial step before a report reads.
 */
export function formatCount(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

export const strictArg = {
  strict: { type: 'boolean', description: 'Exit 1 instead of 0 when the record could not reach the ledger (spooled or lost)' },
} as const;

/**
 * A hook call has a hard budget: whatever is still running when it ends, the
 * process exits with one line on stderr rather than holding up the IDE.
 * Returns a function that lifts the budget (for bulk loads).
 */
export function armHookDeadline(strict: boolean): () => void {
  // process.uptime, not performance.now: the perf_hooks module costs a hook milliseconds to load.
  const left = Math.max(0, HOOK_BUDGET_MS - Math.round(process.uptime() * 1000));
  const timer = setTimeout(() => {
    process.stderr.write(`token-ledger: gave up after ${HOOK_BUDGET_MS / 1000} s; the record may not have been saved (run \`token-ledger doctor\`)\n`);
    process.exit(strict ? EXIT.invalid : EXIT.ok);
  }, left).unref();
  return () => clearTimeout(timer);
}

/** One stderr line when records went to the spool instead of the ledger; returns the exit code. */
export function reportSpooled(results: readonly RecordResult[], strict: boolean): number {
  const spooled = results.filter((result) => result.status === 'spooled');
  for (const result of results) {
    if (result.status === 'written') for (const warning of result.warnings) process.stderr.write(`token-ledger: warning: ${warning}\n`);
  }
  const first = spooled[0];
  if (!first) return EXIT.ok;
  const what = spooled.length === 1 ? `record ${first.record.transaction_id}` : `${spooled.length} records`;
  process.stderr.write(
    `token-ledger: ${first.reason}; ${what} saved to the spool ${dirname(first.spoolFile)} and will be added by the next write or \`token-ledger flush\`\n`,
  );
  return strict ? EXIT.invalid : EXIT.ok;
}

/** When neither the ledger nor the spool could take the record: one line, exit 0 unless --strict. Other errors pass on. */
export function reportLost(error: unknown, strict: boolean): number {
  if (!(error instanceof TrackerError) || error.code !== 'SPOOL_UNWRITABLE') throw error;
  process.stderr.write(`token-ledger: ${error.message}\n`);
  return strict ? EXIT.invalid : EXIT.ok;
}
