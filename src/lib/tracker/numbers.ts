/**
 * Number precision of the ledger, with no imports: the site's browser code
 * uses it, and must not pull the record schemas (and zod) into its bundle.
 */

/** 10^0 to 10^15, each exact as a literal (all powers of ten up to 10^22 are doubles). */
export const POWERS_OF_TEN = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/** Rounds to a fixed number of decimals so a value survives a CSV round trip exactly. */
export function roundTo(value: number, decimals: number): number {
  // Looked up, not 10 ** decimals: every ledger row rounds two numbers, and the power was a call each.
  const factor = POWERS_OF_TEN[decimals] ?? 10 ** decimals;
  return Math.round(value * factor) / factor;
}

export const COST_DECIMALS = 8;

/** Costs are summed in whole units of 1e-8 USD (the ledger's precision), so a sum does not depend on the order of adding. */
export const COST_UNITS_PER_USD = 10 ** COST_DECIMALS;

export function costUnitsOf(usd: number): number {
  return Math.round(usd * COST_UNITS_PER_USD);
}

export function usdOfCostUnits(units: number): number {
  return roundTo(units / COST_UNITS_PER_USD, COST_DECIMALS);
}
