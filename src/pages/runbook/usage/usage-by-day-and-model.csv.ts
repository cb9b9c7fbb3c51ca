/** The day × model table of the whole ledger as a static CSV file, linked from the overview for readers without JavaScript. */
import type { APIRoute } from 'astro';
import { csvText } from '../../../site/csv.ts';
import { dayModelCells } from '../../../site/overview.ts';
import { NO_FILTERS, todayIn, usageView } from '../../../site/usage-buckets.ts';
import { loadUsageData } from '../../../site/usage-data.ts';

export const GET: APIRoute = async () => {
  const usage = await loadUsageData();
  return new Response(csvText(dayModelCells(usageView(usage.embedded, NO_FILTERS, todayIn(usage.embedded.timeZone)))), { headers: { 'content-type': 'text/csv; charset=utf-8' } });
};
