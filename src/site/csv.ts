/**
 * CSV text of a table, spreadsheet-safe (formula-like cells guarded, as
 * `track export` does). The same code writes the static CSV file at build
 * time and the filtered download in the browser, where it is loaded only
 * when the download button is pressed.
 */
import { stringify } from 'csv-stringify/browser/esm/sync';
import { guardCell } from '../lib/tracker/maintenance/guard-cell.ts';

export function csvText(rows: readonly (readonly string[])[]): string {
  return stringify(
    rows.map((row) => row.map(guardCell)),
    { record_delimiter: '\n' },
  );
}
