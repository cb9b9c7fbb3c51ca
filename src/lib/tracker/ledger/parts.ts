/**
 * A ledger is its live file plus the parts rotation closed off beside it
 * (`token_transactions.part-20260131T120000000Z.csv`). Readers that want the
 * whole history read every part, oldest first, then the live file.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { readLedger, type LedgerRow, type ReadLedgerOptions } from './ledger.ts';

const PART_STAMP = /^\d{8}T\d{9}Z$/;

function stemOf(ledgerPath: string): { folder: string; stem: string; extension: string } {
  const extension = extname(ledgerPath);
  return { folder: dirname(ledgerPath), stem: basename(ledgerPath, extension), extension };
}

/** A time as a compact, sortable file-name stamp: 20260131T120000000Z. */
export function stampOf(when: Date): string {
  return when.toISOString().replace(/[-:.]/g, '');
}

/** Where rotation at `when` moves the live file. */
export function partPathFor(ledgerPath: string, when: Date): string {
  const { folder, stem, extension } = stemOf(ledgerPath);
  return join(folder, `${stem}.part-${stampOf(when)}${extension}`);
}

/** The closed parts of a ledger, oldest first. */
export function ledgerParts(ledgerPath: string): string[] {
  const folder = dirname(ledgerPath);
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  return names
    .map((name) => join(folder, name))
    .filter((file) => partStampOf(ledgerPath, file) !== undefined)
    .sort();
}

/** When a part of this ledger was closed (its file-name stamp), or undefined for the live file or a stranger. */
export function partStampOf(ledgerPath: string, file: string): string | undefined {
  const { stem, extension } = stemOf(ledgerPath);
  const name = basename(file);
  const prefix = `${stem}.part-`;
  if (dirname(file) !== dirname(ledgerPath) || !name.startsWith(prefix) || !name.endsWith(extension)) return undefined;
  const stamp = name.slice(prefix.length, name.length - extension.length);
  return PART_STAMP.test(stamp) ? stamp : undefined;
}

/** The ledger a rotated part belongs to (`x.part-STAMP.csv` -> `x.csv`), or undefined for a file that is no part. */
export function ledgerOfPart(file: string): string | undefined {
  const match = /^(.+)\.part-(\d{8}T\d{9}Z)(\.[^.]*)?$/.exec(basename(file));
  return match ? join(dirname(file), `${match[1]}${match[3] ?? ''}`) : undefined;
}

/** Every file of the ledger that exists: closed parts oldest first, then the live file. */
export function ledgerFiles(ledgerPath: string): string[] {
  const files = ledgerParts(ledgerPath);
  if (existsSync(ledgerPath)) files.push(ledgerPath);
  return files;
}

export type LedgerFileRow = LedgerRow & { file: string };

/**
 * Streams the rows of every file of the ledger. With no file at all this
 * reads the live path, so the caller gets readLedger's "no ledger" error.
 */
export async function* readAllParts(ledgerPath: string, options: ReadLedgerOptions = {}): AsyncGenerator<LedgerFileRow> {
  const files = ledgerFiles(ledgerPath);
  for (const file of files.length > 0 ? files : [ledgerPath]) {
    for await (const row of readLedger(file, options)) yield { ...row, file };
  }
}

/**
 * Whether the live file is past the size limit; a stat, no lock, no read
 * (it runs after every append). rotateLedger checks the header itself.
 */
export function needsRotation(ledgerPath: string, maxBytes: number): boolean {
  if (maxBytes <= 0) return false;
  try {
    return statSync(ledgerPath).size >= maxBytes;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
