/** A typed array twice as long holding the same values first: for columns that grow by doubling, off the garbage-collected heap. */
export function doubled<Column extends Uint32Array | Float64Array>(column: Column): Column {
  const bigger = new (column.constructor as new (length: number) => Column)(column.length * 2);
  bigger.set(column);
  return bigger;
}
