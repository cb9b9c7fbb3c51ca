/**
 * Sorting a group's elapsed times, which a report does once per piece read and
 * group for every row: V8's Float64Array sort costs ~95 ns a value here, a
 * tenth of the time a row takes to read.
 */

/** Below this many values the built-in sort is quicker than the passes over buckets. */
const RADIX_SORT_FROM = 256;
/** From this many values, four passes over 65,536 buckets each; below, eight over 256 (a day's group holds hundreds). */
const WIDE_DIGITS_FROM = 1 << 16;
/** The radix sort reads a double's two 32-bit halves in place, low half first. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The 32-bit halves of the doubles in `values`: the low half of value i at 2i, the high half at 2i + 1. As signed
 * integers, which V8 keeps in 32 bits: a half of 2^31 or more read unsigned made it deoptimize the sort ("lost
 * precision"), and a double's sign bit is then a negative high half.
 */
const halvesOf = (values: Float64Array) => new Int32Array(values.buffer, values.byteOffset, values.length * 2);

/**
 * Sorts `values` ascending in place and returns it, in the order
 * Float64Array.prototype.sort gives. The bit patterns of doubles without a
 * sign bit (positives, +0, +Infinity and the NaN arithmetic makes) order as
 * the doubles do, so a least-significant-digit radix sort over their 16-bit
 * (or 8-bit) digits sorts them in linear time; an array holding any with the
 * sign bit set (a negative, -0) goes to the built-in sort.
 */
export function sortAscending(values: Float64Array): Float64Array {
  return values.length < RADIX_SORT_FROM || !LITTLE_ENDIAN ? values.sort() : radixSorted(values);
}

/**
 * sortAscending of RADIX_SORT_FROM values or more. Each pass over the values
 * is a function of its own: in one function, V8 optimized it in its first
 * long loop, before the code after that loop had run, and deoptimized it as
 * soon as that code ran, some thirty times a report.
 */
function radixSorted(values: Float64Array): Float64Array {
  const count = values.length;
  if (hasSignBit(halvesOf(values))) return values.sort();
  const digitBits = count >= WIDE_DIGITS_FROM ? 16 : 8;
  const mask = (1 << digitBits) - 1;
  const buckets = new Uint32Array(1 << digitBits);
  let source: Float64Array = values;
  let target: Float64Array = new Float64Array(count);
  for (let low = 0; low < 64; low += digitBits) {
    const sourceHalves = halvesOf(source);
    // Bits 0-31 are in each value's low half, 32-63 in its high half.
    const half = low >> 5;
    const shift = low & 31;
    countDigits(buckets, sourceHalves, half, shift, mask);
    // A digit every value shares orders nothing (the high digits of times in one range, say).
    if (buckets[(sourceHalves[half]! >> shift) & mask] === count) continue;
    bucketStarts(buckets);
    scatter(source, target, buckets, sourceHalves, half, shift, mask);
    [source, target] = [target, source];
  }
  if (source !== values) values.set(source);
  return values;
}

/** Whether any double has its sign bit set: a negative high half. */
function hasSignBit(halves: Int32Array): boolean {
  for (let high = 1; high < halves.length; high += 2) if (halves[high]! < 0) return true;
  return false;
}

/**
 * How many values have each digit, the digit being the `mask` bits from `shift` of each value's `half`: an
 * arithmetic shift then the mask, the same digit as a logical shift, and a 32-bit integer throughout.
 */
function countDigits(buckets: Uint32Array, halves: Int32Array, half: number, shift: number, mask: number): void {
  buckets.fill(0);
  for (let at = half; at < halves.length; at += 2) buckets[(halves[at]! >> shift) & mask]! += 1;
}

/** Each digit's count as where its values start in the next order. */
function bucketStarts(buckets: Uint32Array): void {
  let start = 0;
  for (let bucket = 0; bucket < buckets.length; bucket += 1) {
    const size = buckets[bucket]!;
    buckets[bucket] = start;
    start += size;
  }
}

/** The values in the order of their digit, stably. */
function scatter(source: Float64Array, target: Float64Array, buckets: Uint32Array, halves: Int32Array, half: number, shift: number, mask: number): void {
  for (let index = 0; index < source.length; index += 1) target[buckets[(halves[2 * index + half]! >> shift) & mask]!++] = source[index]!;
}
