/**
 * A ledger is its live file plus the parts rotation closed off beside it
 * (`token_transactions.part-20260131T120000000Z.csv`). Readers that want the
 * whole history read every part, oldest first, then the live file.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { inspectLedger, readLedger, type LedgerRow, type ReadLedgerOptions } from './ledger.ts';

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
  const { folder, stem, extension } = stemOf(ledgerPath);
  const prefix = `${stem}.part-`;
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.startsWith(prefix) && name.endsWith(extension) && PART_STAMP.test(name.slice(prefix.length, name.length - extension.length)))
    .sort()
    .map((name) => join(folder, name));
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

/** Whether the live file is past the size limit; a cheap stat, no lock. */
export function needsRotation(ledgerPath: string, maxBytes: number): boolean {
  const state = inspectLedger(ledgerPath);
  return maxBytes > 0 && state.version !== null && state.size >= maxBytes;
}
