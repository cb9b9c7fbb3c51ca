/**
 * Models the price table does not know, among those a ledger's rows name:
 * their rows have no cost and reports show them as unpriced. Naming them says
 * what to add to a pricing override file (then `token-ledger reprice`).
 */
import type { Pricing } from '../pricing/pricing.ts';
import { UNKNOWN_KEY, type UsageGroup } from './aggregate.ts';
import { aggregateLedger } from './ledger-scan.ts';

/** From a report's `model` groups: the models with unpriced rows that no price table names, sorted. */
export function unpricedModels(modelGroups: readonly UsageGroup[], pricing: Pricing): string[] {
  return modelGroups
    .filter((group) => group.unpriced_transactions > 0 && group.key !== UNKNOWN_KEY && pricing.lookup(group.key) === null)
    .map((group) => group.key)
    .sort();
}

/** The unpriced models of a whole ledger (every part), read on `threads` cores. */
export async function ledgerUnpricedModels(ledgerPaths: string | readonly string[], pricing: Pricing, threads = 1): Promise<string[]> {
  const { report } = await aggregateLedger(ledgerPaths, { aggregate: { groupBy: ['model'] }, threads });
  return unpricedModels(report.groups.model ?? [], pricing);
}
