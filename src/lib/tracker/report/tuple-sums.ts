/**
 * Rows of sums keyed by tuples of whole numbers (a cell's value indexes),
 * in typed arrays found through an open-addressing hash table over the
 * tuples: finding a row builds no key string and no Map entry, for each row
 * of a read and each cell merged, so a quarter of a million cells cost the
 * garbage collector nothing while they are summed. Rows are numbered in
 * first-seen order.
 */
import { doubled } from './doubled.ts';

const EMPTY = -1;
const FIRST_ROWS = 1024;

export class TupleSums {
  /** Numbers in a key. */
  readonly width: number;
  /** Sums in a row. */
  readonly stride: number;
  private keyColumn: Uint32Array;
  private sumColumn: Float64Array;
  /** Row number per slot, or EMPTY; never more than half full. */
  private slots: Int32Array;
  private count = 0;

  constructor(width: number, stride: number) {
    this.width = width;
    this.stride = stride;
    this.keyColumn = new Uint32Array(width * FIRST_ROWS);
    this.sumColumn = new Float64Array(stride * FIRST_ROWS);
    this.slots = new Int32Array(FIRST_ROWS * 2).fill(EMPTY);
  }

  get rows(): number {
    return this.count;
  }

  /** Every row's sums, `stride` a row; valid until the next rowOf, which may grow it. */
  get sums(): Float64Array {
    return this.sumColumn;
  }

  /** Where the sums of `key`'s row start in `sums`; a new row's are zeros. */
  rowOf(key: ArrayLike<number>): number {
    const mask = this.slots.length - 1;
    for (let slot = hashOf(key, this.width) & mask; ; slot = (slot + 1) & mask) {
      const row = this.slots[slot]!;
      if (row === EMPTY) return this.insert(slot, key) * this.stride;
      if (this.holds(row, key)) return row * this.stride;
    }
  }

  /** Into an empty table: rows given as columns (a CellTable's), kept as they are, in their order. */
  load(keys: ArrayLike<number>, sums: ArrayLike<number>): void {
    if (this.count > 0) throw new Error('TupleSums.load needs an empty table');
    const rows = keys.length / this.width;
    let capacity = this.keyColumn.length / this.width;
    while (capacity < rows) capacity *= 2;
    this.keyColumn = new Uint32Array(capacity * this.width);
    this.sumColumn = new Float64Array(capacity * this.stride);
    this.keyColumn.set(keys);
    this.sumColumn.set(sums);
    this.count = rows;
    this.slots = new Int32Array(Math.max(this.slots.length, capacity * 2)).fill(EMPTY);
    this.rehash();
  }

  /** The keys and sums of the rows so far, as arrays of their own. */
  columns(): { keys: Uint32Array; sums: Float64Array } {
    return { keys: this.keyColumn.slice(0, this.count * this.width), sums: this.sumColumn.slice(0, this.count * this.stride) };
  }

  private holds(row: number, key: ArrayLike<number>): boolean {
    const at = row * this.width;
    for (let index = 0; index < this.width; index += 1) if (this.keyColumn[at + index] !== key[index]) return false;
    return true;
  }

  private insert(slot: number, key: ArrayLike<number>): number {
    const row = this.count;
    if ((row + 1) * this.width > this.keyColumn.length) {
      this.keyColumn = doubled(this.keyColumn);
      this.sumColumn = doubled(this.sumColumn);
    }
    for (let index = 0; index < this.width; index += 1) this.keyColumn[row * this.width + index] = key[index]!;
    this.slots[slot] = row;
    this.count += 1;
    if (this.count * 2 > this.slots.length) this.rehash();
    return row;
  }

  private rehash(): void {
    if (this.count * 2 > this.slots.length) this.slots = new Int32Array(this.slots.length * 2).fill(EMPTY);
    else this.slots.fill(EMPTY);
    const mask = this.slots.length - 1;
    for (let row = 0; row < this.count; row += 1) {
      const key = this.keyColumn.subarray(row * this.width, (row + 1) * this.width);
      let slot = hashOf(key, this.width) & mask;
      while (this.slots[slot] !== EMPTY) slot = (slot + 1) & mask;
      this.slots[slot] = row;
    }
  }
}


/** FNV-1a over the numbers, then a finaliser, so that neighbouring keys spread over the slots. */
function hashOf(key: ArrayLike<number>, width: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < width; index += 1) hash = Math.imul(hash ^ key[index]!, 0x01000193);
  hash ^= hash >>> 15;
  hash = Math.imul(hash, 0x2c1b3c6d);
  return (hash ^ (hash >>> 12)) >>> 0;
}
