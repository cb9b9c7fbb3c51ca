/** The day × model table of the whole ledger as a static CSV file, linked from the overview for readers without JavaScript. */
import type { APIRoute } from 'astro';
import { csvText } from '../../../site/csv.ts';
import { dayModelCells } from '../../../site/overview.ts';
import { loadUnfilteredView } from '../../../site/usage-data.ts';

export const GET: APIRoute = async () => {
  const { view } = await loadUnfilteredView();
  return new Response(csvText(dayModelCells(view)), { headers: { 'content-type': 'text/csv; charset=utf-8' } });
};
