/**
 * Re-pricing after the price table changed: every row the table can price (a
 * model it knows, with token counts) gets the cost the table now gives, through
 * the atomic, backed-up rewrite. Rows it cannot price keep the cost they have:
 * none, or one given when they were recorded for a model the table lacks.
 */
import type { Pricing } from '../pricing/pricing.ts';
import { rewriteLedger, type RewriteOptions, type RewriteResult } from '../ledger/rewrite.ts';
import { COST_DECIMALS, roundTo, type LedgerRecord } from '../schema.ts';

export interface RepriceResult extends RewriteResult {
  /** Sum of cost_usd over the valid rows before and after (unpriced rows count nothing). */
  costBeforeUsd: number;
  costAfterUsd: number;
}

const UNITS_PER_USD = 10 ** COST_DECIMALS;

export async function repriceLedger(ledgerPath: string, pricing: Pricing, options: Omit<RewriteOptions, 'toVersion' | 'onReject' | 'revise'>): Promise<RepriceResult> {
  // Integer units of the ledger's precision, so the sums do not depend on the order of adding.
  let before = 0;
  let after = 0;
  const revise = (record: LedgerRecord): LedgerRecord => {
    const cost = pricing.cost(record.model, record);
    before += Math.round((record.cost_usd ?? 0) * UNITS_PER_USD);
    after += Math.round((cost ?? record.cost_usd ?? 0) * UNITS_PER_USD);
    return cost === null || cost === record.cost_usd ? record : { ...record, cost_usd: cost };
  };
  const result = await rewriteLedger(ledgerPath, () => 'keep', { ...options, revise });
  return { ...result, costBeforeUsd: roundTo(before / UNITS_PER_USD, COST_DECIMALS), costAfterUsd: roundTo(after / UNITS_PER_USD, COST_DECIMALS) };
}
