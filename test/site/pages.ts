/** Reading built pages in tests: the parts of the HTML the site tests check. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChartSpec } from '../../src/site/charts.ts';

export const USAGE_ROUTES = ['/runbook/usage/', '/runbook/usage/sessions/', '/runbook/usage/errors/'] as const;

export function readPage(outDir: string, route: string): string {
  return readFileSync(join(outDir, route, 'index.html'), 'utf8');
}

/** The overview's totals: stat name → the raw value in data-value. */
export function pageTotals(html: string): Map<string, string> {
  const totals = new Map<string, string>();
  for (const [tag] of html.matchAll(/<dd\b[^>]*\bdata-total="[^"]*"[^>]*>/g)) {
    const key = /data-total="([^"]*)"/.exec(tag)?.[1];
    const value = /data-value="([^"]*)"/.exec(tag)?.[1];
    if (key !== undefined && value !== undefined) totals.set(key, value);
  }
  return totals;
}

/** The chart specs embedded in a page, in page order. */
export function chartSpecs(html: string): ChartSpec[] {
  return [...html.matchAll(/<script type="application\/json">([\s\S]*?)<\/script>/g)].map(([, json]) => JSON.parse(json ?? '') as ChartSpec);
}

/** Links of the Starlight sidebar (the "Main" navigation). */
export function sidebarLinks(html: string): string[] {
  const start = html.indexOf('aria-label="Main"');
  const end = html.indexOf('</nav>', start);
  if (start === -1 || end === -1) return [];
  return [...html.slice(start, end).matchAll(/href="([^"#?]+)"/g)].map(([, href]) => href ?? '');
}

/** The page's own content (Starlight's <main>), without the layout's scripts. */
export function mainContent(html: string): string {
  const start = html.indexOf('<main');
  return start === -1 ? '' : html.slice(start, html.indexOf('</main>', start));
}
