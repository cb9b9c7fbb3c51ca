/** How much of a cost figure is known; no imports, so the site's browser code can use it too. */

/**
 * Every transaction priced, some, or none. An unpriced transaction adds
 * nothing to cost_usd, so a total over unpriced rows must be shown as
 * unpriced, never as $0.
 */
export function costCoverage(stats: { transactions: number; unpriced_transactions: number }): 'priced' | 'partial' | 'unpriced' {
  if (stats.unpriced_transactions === 0) return 'priced';
  return stats.unpriced_transactions === stats.transactions ? 'unpriced' : 'partial';
}
