/**
 * One CSV line from text cells, quoted exactly as csv-stringify writes them
 * with the ledger's options (`record_delimiter: '\n'`): a cell holding a
 * quote, a comma or a line feed is put in quotes, its quotes doubled; every
 * other cell, one with a lone carriage return too, is written as it is.
 * Every append formats its rows here: per cell, csv-stringify's casts and
 * option look-ups cost a tenth of a large import. The property test beside
 * the ledger's tests holds the two to the same text.
 */

/** Quote, comma or line feed: the characters that make csv-stringify quote a cell. */
const NEEDS_QUOTES = /[",\n]/;

function cellText(cell: string): string {
  if (!NEEDS_QUOTES.test(cell)) return cell;
  return `"${cell.replaceAll('"', '""')}"`;
}

export function csvLine(cells: readonly string[]): string {
  let line = '';
  for (let index = 0; index < cells.length; index += 1) {
    if (index > 0) line += ',';
    line += cellText(cells[index] ?? '');
  }
  return `${line}\n`;
}
