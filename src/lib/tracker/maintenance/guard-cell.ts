/**
 * Spreadsheet safety for one CSV cell (OWASP CSV injection). No imports: the
 * site's browser code guards the cells of the CSV it downloads with it too.
 */

const FORMULA_START = /^[=+\-@\t\r]/;

/** A cell a spreadsheet will show as text, never evaluate. */
export function guardCell(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}
