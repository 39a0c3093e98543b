/**
 * Small numeric building blocks plugins keep needing, with the Rust SDK's results bit for bit.
 * @module
 */

/** Rust's `f64::total_cmp`: -NaN < -Inf < ... < -0 < +0 < ... < +Inf < +NaN. */
export function totalCmp(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) {
    if (a !== 0) return 0;
    // -0 before +0.
    return Object.is(a, b) ? 0 : Object.is(a, -0) ? -1 : 1;
  }
  // At least one NaN. JS has one NaN as far as code can tell: sort NaNs last (Rust's positive NaN).
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  return an === bn ? 0 : an ? 1 : -1;
}

/**
 * The median of `values` (an even count gives the mean of the two middle values); undefined
 * when empty. Does not modify `values`.
 *
 * The Rust SDK's `stats::median` bit for bit: values ordered by `total_cmp`, the middle one for
 * an odd count, else `(lower + upper) / 2` where `lower` is the largest value below the middle
 * ignoring NaNs (`f64::max`).
 */
export function median(values: ArrayLike<number>): number | undefined {
  const n = values.length;
  if (n === 0) return undefined;
  const ordered = Float64Array.from(values).sort(totalCmp);
  const mid = Math.floor(n / 2);
  const upper = ordered[mid];
  if (n % 2 === 1) return upper;
  let lower = -Infinity;
  for (let i = 0; i < mid; i++) {
    const v = ordered[i];
    // f64::max: a NaN loses to any number.
    if (!Number.isNaN(v) && (v > lower || Number.isNaN(lower))) lower = v;
  }
  return (lower + upper) / 2;
}

/**
 * `items` reordered by `key(item)`, a dense index below `keys`, keeping the input order among
 * equal keys: a counting sort, linear in `items.length + keys` (the Rust SDK's `sort_by_index`).
 */
export function sortByIndex<T>(items: readonly T[], keys: number, key: (item: T) => number): T[] {
  // After the prefix sum, next[k] is where the next item with key k goes.
  const next = new Uint32Array(keys + 1);
  for (const item of items) next[key(item) + 1]++;
  for (let k = 1; k <= keys; k++) next[k] += next[k - 1];
  const sorted = new Array<T>(items.length);
  for (const item of items) sorted[next[key(item)]++] = item;
  return sorted;
}
