/**
 * Browser side of the usage charts: draws every `[data-usage-chart]` figure
 * from the JSON spec embedded in it. Only the chart.js parts used here are
 * registered, so the bundle carries nothing else.
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
  type Plugin,
  type ChartDataset,
  type ScaleOptions,
} from 'chart.js';
import type { ChartMetric, ChartSpec } from './charts.ts';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Legend, Tooltip);

const COLORS: Record<ChartMetric, string> = {
  tokens_used: '#3b82f6',
  cost_usd: '#d97706',
  errors: '#dc2626',
};

/** Counts share one value axis and dollars get their own, on the opposite side. */
function axisOf(metric: ChartMetric): 'count' | 'usd' {
  return metric === 'cost_usd' ? 'usd' : 'count';
}

function configFor(spec: ChartSpec): ChartConfiguration<'bar' | 'line', (number | null)[], string> {
  const datasets: ChartDataset<'bar' | 'line', (number | null)[]>[] = spec.series.map((series) => {
    // A cost line over daily bars reads as a trend; beside named groups it stays a bar.
    const asLine = series.metric === 'cost_usd' && !spec.horizontal && spec.series.length > 1;
    const axis = axisOf(series.metric);
    return {
      type: asLine ? 'line' : 'bar',
      label: series.label,
      data: series.values,
      backgroundColor: COLORS[series.metric],
      borderColor: COLORS[series.metric],
      ...(spec.horizontal ? { xAxisID: axis } : { yAxisID: axis }),
      ...(asLine ? { pointRadius: 0, spanGaps: false } : {}),
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
      // Drawn once, at once: the table beside it already told the story.
      animation: false,
      scales: { [spec.horizontal ? 'y' : 'x']: { type: 'category' }, ...valueAxes },
      plugins: { legend: { display: spec.series.length > 1 } },
    },
  };
}

function themeColors(): void {
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

themeColors();
for (const figure of document.querySelectorAll<HTMLElement>('[data-usage-chart]')) {
  const canvas = figure.querySelector('canvas');
  const data = figure.querySelector('script[type="application/json"]');
  if (!canvas || !data?.textContent) continue;
  new Chart(canvas, configFor(JSON.parse(data.textContent) as ChartSpec));
}
