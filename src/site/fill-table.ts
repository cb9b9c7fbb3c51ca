/** Browser side of StatsTable.astro: refills a table's body with new rows, as text only (names are attacker-controlled). */
import { STAT_COLUMNS, type StatColumn } from './format.ts';
import type { TableRow } from './overview.ts';

export function fillTable(region: HTMLElement, rows: readonly TableRow[]): void {
  const body = region.querySelector('tbody');
  if (!body) return;
  const columns = JSON.parse(region.dataset.columns ?? '[]') as StatColumn[];
  body.replaceChildren(
    ...rows.map((row) => {
      const line = document.createElement('tr');
      row.keys.forEach((key, index) => {
        const cell = document.createElement('th');
        cell.scope = 'row';
        if (index === 0 && row.href !== undefined) {
          const link = document.createElement('a');
          link.href = row.href;
          link.textContent = key;
          cell.append(link);
        } else {
          cell.textContent = key;
        }
        line.append(cell);
      });
      for (const column of columns) {
        const cell = document.createElement('td');
        cell.textContent = STAT_COLUMNS[column].format(row.stats);
        line.append(cell);
      }
      return line;
    }),
  );
}
