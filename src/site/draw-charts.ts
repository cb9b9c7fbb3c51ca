/**
 * Browser side of the usage charts: draws every `[data-usage-chart]` figure
 * from the JSON spec embedded in it, redraws a figure when the overview hands
 * it a new spec (a filter changed), and redraws them all in the new colours
 * when Starlight's theme switch changes `data-theme` on <html>. Only the
 * chart.js parts used here are registered, so the bundle carries nothing else.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type ChartDataset,
  type Plugin,
  type ScaleOptions,
} from 'chart.js';
import type { ChartMetric, ChartSeries, ChartSpec } from './charts.ts';
import { formatInteger, formatUsd } from './format.ts';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Legend, Tooltip);

const COLORS: Record<ChartMetric, string> = {
  tokens_used: '#3b82f6',
  cost_usd: '#d97706',
  errors: '#dc2626',
};
const STYLE_COLORS: Record<NonNullable<ChartSeries['style']>, string> = { previous: '#8b8b8b', budget: '#dc2626' };

/** Counts share one value axis and dollars get their own, on the opposite side. */
function axisOf(metric: ChartMetric): 'count' | 'usd' {
  return metric === 'cost_usd' ? 'usd' : 'count';
}

function formatValue(metric: ChartMetric, value: number): string {
  return metric === 'cost_usd' ? formatUsd(value) : formatInteger(value);
}

function configFor(spec: ChartSpec): ChartConfiguration<'bar' | 'line', (number | null)[], string> {
  const datasets: ChartDataset<'bar' | 'line', (number | null)[]>[] = spec.series.map((series) => {
    // A cost line over daily bars reads as a trend; beside named groups it stays a bar.
    const asLine = spec.lines === true || (series.metric === 'cost_usd' && !spec.horizontal && spec.series.length > 1);
    const axis = axisOf(series.metric);
    const color = series.style ? STYLE_COLORS[series.style] : COLORS[series.metric];
    return {
      type: asLine ? 'line' : 'bar',
      label: series.label,
      data: series.values,
      backgroundColor: color,
      borderColor: color,
      ...(spec.horizontal ? { xAxisID: axis } : { yAxisID: axis }),
      ...(asLine
        ? { pointRadius: series.style === 'budget' ? 0 : 2, pointHoverRadius: 5, spanGaps: false, borderDash: series.style === 'previous' ? [6, 4] : [] }
        : {}),
    };
  });
  const usedAxes = [...new Set(spec.series.map((series) => axisOf(series.metric)))];
  const sides = spec.horizontal ? (['bottom', 'top'] as const) : (['left', 'right'] as const);
  const valueAxes: Record<string, ScaleOptions<'linear'>> = {};
  usedAxes.forEach((axis, index) => {
    valueAxes[axis] = {
      type: 'linear',
      axis: spec.horizontal ? 'x' : 'y',
      position: sides[index] ?? sides[0],
      beginAtZero: true,
      // Counts are whole; dollars read as dollars.
      ticks: axis === 'usd' ? { callback: (value) => formatUsd(Number(value)) } : { precision: 0 },
      // Grid lines of the second axis would cross the first one's.
      grid: { drawOnChartArea: index === 0 },
      title: { display: true, text: axis === 'usd' ? 'USD' : (spec.series.find((series) => axisOf(series.metric) === axis)?.label ?? '') },
    };
  });
  return {
    type: 'bar',
    data: { labels: spec.labels, datasets },
    options: {
      indexAxis: spec.horizontal ? 'y' : 'x',
      maintainAspectRatio: false,
      // Drawn at once: the table beside it already told the story.
      animation: false,
      // Hovering a day shows all of its series, not only a bar under the pointer.
      interaction: { mode: 'index', intersect: false },
      // Every group named: a chart of six models shows six names.
      scales: { [spec.horizontal ? 'y' : 'x']: { type: 'category', ticks: { autoSkip: !spec.horizontal } }, ...valueAxes },
      plugins: {
        legend: { display: spec.series.length > 1 },
        tooltip: {
          callbacks: {
            label: (item) => {
              const series = spec.series[item.datasetIndex];
              const value = spec.horizontal ? item.parsed.x : item.parsed.y;
              return series && value !== null ? `${series.label}: ${formatValue(series.metric, value)}` : '';
            },
          },
        },
      },
    },
  };
}

function applyThemeColors(): void {
  const style = getComputedStyle(document.documentElement);
  const text = style.getPropertyValue('--sl-color-gray-2').trim();
  const grid = style.getPropertyValue('--sl-color-gray-5').trim();
  if (text) Chart.defaults.color = text;
  if (grid) Chart.defaults.borderColor = grid;
}

/**
 * Writes what a chart drew onto its canvas (the theme, each axis's tick labels, the
 * tooltip's lines): canvas text cannot be read back, and the browser tests check these.
 */
const recordDrawn: Plugin = {
  id: 'recordDrawn',
  afterRender(chart) {
    const ticks = Object.fromEntries(Object.entries(chart.scales).map(([id, scale]) => [id, scale.ticks.map((tick) => String(tick.label))]));
    const tooltip = chart.tooltip && chart.tooltip.getActiveElements().length > 0 ? chart.tooltip.body.flatMap((part) => part.lines) : [];
    chart.canvas.dataset.drawn = JSON.stringify({ theme: document.documentElement.dataset.theme ?? '', ticks, tooltip });
  },
};
Chart.register(recordDrawn);

const drawn = new Map<HTMLCanvasElement, { chart: Chart<'bar' | 'line', (number | null)[], string>; spec: ChartSpec }>();

/** Draws (or redraws) a figure's chart from a spec; the figure's "needs JavaScript" note hides once drawn. */
export function showChart(figure: HTMLElement, spec: ChartSpec): void {
  const canvas = figure.querySelector('canvas');
  if (!canvas) return;
  drawn.get(canvas)?.chart.destroy();
  drawn.set(canvas, { chart: new Chart(canvas, configFor(spec)), spec });
  figure.dataset.drawn = '';
}

applyThemeColors();
for (const figure of document.querySelectorAll<HTMLElement>('[data-usage-chart]')) {
  const data = figure.querySelector('script[type="application/json"]');
  if (data?.textContent) showChart(figure, JSON.parse(data.textContent) as ChartSpec);
}

// Chart.js paints colours into the canvas, so a theme switch means drawing again.
new MutationObserver(() => {
  applyThemeColors();
  for (const [canvas, { chart, spec }] of drawn) {
    chart.destroy();
    drawn.set(canvas, { chart: new Chart(canvas, configFor(spec)), spec });
  }
}).observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
