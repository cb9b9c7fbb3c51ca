/**
 * Which ledgers a reader reads: `--csv`, TOKEN_LEDGER_CSV and csv_file_path
 * may name several, comma-separated, each a path or a glob (tinyglobby).
 * A rotated part that a glob matches stands for its ledger, which is read
 * with all its parts, so no part is read twice; a part named on its own is
 * read on its own.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { globSync } from 'tinyglobby';
import { splitLedgerList } from '../config.ts';
import { TrackerError } from '../errors.ts';
import { ledgerOfPart } from './parts.ts';

/** Whether a part of a ledger list is a glob to expand; an existing file of that name is taken as it is. */
function isGlob(path: string): boolean {
  return /[*?[\]{}]/.test(path) && !existsSync(path);
}

/**
 * The ledgers `spec` names, resolved against `base`: each at most once, in
 * the order given, a glob's matches sorted. A glob matching no file is an
 * error; a missing plain path is left for the reader to report.
 */
export function resolveLedgers(spec: string, base: string, where: string): string[] {
  const ledgers = new Set<string>();
  const parts = splitLedgerList(spec);
  if (parts.length === 0) {
    throw new TrackerError('INVALID_LEDGER', `${where}: ${JSON.stringify(spec)} names no ledger`, { hint: 'Give a path, a glob, or several separated by commas.' });
  }
  for (const part of parts) {
    const path = resolve(base, part);
    if (!isGlob(path)) {
      ledgers.add(path);
      continue;
    }
    const matches = globSync(path, { absolute: true, onlyFiles: true, expandDirectories: false }).sort();
    if (matches.length === 0) {
      throw new TrackerError('INVALID_LEDGER', `${where}: ${JSON.stringify(part)} matches no file (looked in ${dirname(path)})`, {
        hint: 'Check the pattern: * matches within one folder, ** across folders; separate several ledgers with commas.',
      });
    }
    for (const match of matches) ledgers.add(ledgerOfPart(match) ?? match);
  }
  return [...ledgers];
}

/** A short name for each ledger: its file name, or folder/file when two share a name. */
export function ledgerNames(ledgers: readonly string[]): string[] {
  const names = ledgers.map((ledger) => basename(ledger));
  return ledgers.map((ledger, index) => (names.indexOf(names[index]!) === names.lastIndexOf(names[index]!) ? names[index]! : join(basename(dirname(ledger)), names[index]!)));
}
