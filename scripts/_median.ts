/** Medians for the benches: the figure to quote from runs on a shared, noisy machine. */

/** The item whose figure is the median (the upper middle one of an even count). */
export function medianBy<Item>(items: readonly Item[], figure: (item: Item) => number): Item {
  return [...items].sort((a, b) => figure(a) - figure(b))[Math.floor(items.length / 2)]!;
}

export function median(values: readonly number[]): number {
  return medianBy(values, (value) => value);
}
