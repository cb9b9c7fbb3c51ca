/**
 * Browser side of the usage overview: reads the embedded buckets and the
 * filters in the URL, and redraws every figure, table and chart of the page
 * for them; a filter change updates the page and the URL (so a filtered view
 * can be shared). The CSV download writes the filtered day × model table.
 */
import { spendChartSpec } from './charts.ts';
import { showChart } from './draw-charts.ts';
import { fillTable } from './fill-table.ts';
import { RANGE_PRESETS, DIMENSIONS, filtersQuery, monthSpend, rangeStart, readFilters, todayIn, usageView, type EmbeddedUsage, type Filters } from './usage-buckets.ts';
import { OVERVIEW_PARTS, dayModelCells, partChart, partRows, spendFigures, totalFigures, type Figure, type OverviewPart } from './overview.ts';

const source = document.querySelector('script#usage-buckets');
const form = document.querySelector<HTMLFormElement>('form[data-usage-filters]');
const data = source?.textContent ? (JSON.parse(source.textContent) as EmbeddedUsage) : undefined;

function isPart(name: string | undefined): name is OverviewPart {
  return name !== undefined && name in OVERVIEW_PARTS;
}

function fillFigures(list: Element, figures: readonly Figure[], kind: 'total' | 'spend'): void {
  if (kind === 'spend') {
    list.replaceChildren(
      ...figures.map((figure) => {
        const item = document.createElement('div');
        const term = document.createElement('dt');
        const value = document.createElement('dd');
        term.textContent = figure.label;
        value.dataset.spend = figure.key;
        value.dataset.value = figure.value;
        value.textContent = figure.text;
        item.append(term, value);
        return item;
      }),
    );
    return;
  }
  for (const figure of figures) {
    const value = list.querySelector<HTMLElement>(`[data-total="${figure.key}"]:not([data-fixed])`);
    if (!value) continue;
    value.dataset.value = figure.value;
    value.textContent = figure.text;
  }
}

function describe(filters: Filters, day: string, timeZone: string): string {
  const start = rangeStart(filters.range, day);
  const parts = [start === null ? 'all days' : `${RANGE_PRESETS.find((preset) => preset.key === filters.range)?.label.toLowerCase()} (${start} to ${day}, ${timeZone})`];
  for (const { key, label } of DIMENSIONS) {
    const value = filters.values[key];
    if (value !== undefined) parts.push(`${label.toLowerCase()} ${value}`);
  }
  const fixed = filtersQuery(filters) === '' ? '' : ' The month\u2019s spend keeps to this month; p50/p95 elapsed and the cache-read share cover the whole ledger.';
  return `Showing ${parts.join(', ')}.${fixed}`;
}

function render(usage: EmbeddedUsage, filters: Filters): void {
  const day = todayIn(usage.timeZone);
  const view = usageView(usage, filters, day);
  const spend = monthSpend(usage, filters, day);
  for (const list of document.querySelectorAll('[data-figures="total"]')) fillFigures(list, totalFigures(view.totals), 'total');
  for (const list of document.querySelectorAll('[data-figures="spend"]')) fillFigures(list, spendFigures(spend), 'spend');
  for (const region of document.querySelectorAll<HTMLElement>('.usage-table[data-part]')) {
    if (isPart(region.dataset.part)) fillTable(region, partRows(view, region.dataset.part));
  }
  for (const figure of document.querySelectorAll<HTMLElement>('[data-usage-chart][data-part]')) {
    const part = figure.dataset.part;
    const spec = part === 'spend' ? spendChartSpec(spend) : isPart(part) ? partChart(view, part) : undefined;
    if (spec) showChart(figure, spec);
  }
  const note = form?.querySelector('[data-filter-note]');
  if (note) note.textContent = describe(filters, day, usage.timeZone);
}

function formFilters(element: HTMLFormElement): Filters {
  const fields = new FormData(element);
  const query = new URLSearchParams();
  for (const [name, value] of fields) if (typeof value === 'string' && value !== '') query.set(name, value);
  return readFilters(query.toString());
}

function showFilters(element: HTMLFormElement, filters: Filters): void {
  for (const select of element.querySelectorAll('select')) {
    const wanted = select.name === 'range' ? filters.range : (filters.values[select.name as keyof Filters['values']] ?? '');
    // A value the menu does not offer (an old link) selects nothing rather than something else.
    select.value = [...select.options].some((option) => option.value === wanted) ? wanted : '';
  }
}

async function downloadCsv(usage: EmbeddedUsage, filters: Filters): Promise<void> {
  const { csvText } = await import('./csv.ts');
  const blob = new Blob([csvText(dayModelCells(usageView(usage, filters, todayIn(usage.timeZone))))], { type: 'text/csv' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = `usage-by-day-and-model${filtersQuery(filters).replace(/[^A-Za-z0-9=&-]+/g, '-')}.csv`;
  link.click();
  URL.revokeObjectURL(link.href);
}

if (data && form) {
  const usage = data;
  let filters = readFilters(location.search);
  form.hidden = false;
  showFilters(form, filters);
  render(usage, filters);
  form.addEventListener('change', () => {
    filters = formFilters(form);
    history.replaceState(null, '', `${location.pathname}${filtersQuery(filters)}${location.hash}`);
    render(usage, filters);
  });
  form.addEventListener('reset', (event) => {
    event.preventDefault();
    filters = { range: 'all', values: {} };
    showFilters(form, filters);
    history.replaceState(null, '', `${location.pathname}${location.hash}`);
    render(usage, filters);
  });
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-download-csv]')) {
    button.hidden = false;
    button.addEventListener('click', () => void downloadCsv(usage, filters));
  }
}
