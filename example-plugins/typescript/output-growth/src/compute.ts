/**
 * The arithmetic of growth rates, as plain functions over arrays: no I/O, no strings. A port
 * of the Rust plugin's `compute.rs`, with the same floating-point operations in the same order.
 * @module
 */

import { stats } from "@kiln/sdk";

/**
 * One level's contributions, column by column (one entry per enterprise-month attributed to a
 * group): flat arrays, where an object per row would cost a heap object per data row.
 */
export class Contributions {
  /** The enterprise's index. */
  readonly enterprise: number[] = [];
  /** The group's index; indices follow the group key's order. */
  readonly group: number[] = [];
  /** The month as `year × 12 + (month − 1)`, so consecutive months are consecutive numbers. */
  readonly month: number[] = [];
  /** The enterprise's output value that month. */
  readonly value: number[] = [];

  /** Appends one contribution. */
  push(enterprise: number, group: number, month: number, value: number): void {
    this.enterprise.push(enterprise);
    this.group.push(group);
    this.month.push(month);
    this.value.push(value);
  }

  /** The number of contributions. */
  get length(): number {
    return this.value.length;
  }
}

/** A group's output value in one month, with its growth rates. */
export interface Growth {
  /** The group's index. */
  group: number;
  /** The month, as in {@link Contributions}. */
  month: number;
  /** Σ output value of the group's enterprises that month. */
  outputValue: number;
  /** Percent change from the previous month; null without it or when it is 0. */
  momPct: number | null;
  /** Percent change from the same month a year before; null without it or when it is 0. */
  yoyPct: number | null;
}

/** `(current − previous) / previous × 100`; null without a previous value or when it is 0. */
export function pctChange(current: number, previous: number | null): number | null {
  return previous !== null && previous !== 0 ? ((current - previous) / previous) * 100 : null;
}

/**
 * Sums contributions per group and month, and computes each sum's month-on-month and
 * year-on-year growth; the result is ordered by group, then month. `groups` and `enterprises`
 * bound the group and enterprise indices.
 *
 * Each sum adds its enterprises in index order, so it does not depend on the order rows arrived in.
 */
export function growth(c: Contributions, groups: number, enterprises: number): Growth[] {
  // Stable counting sorts of the contributions' indices, least significant key first: by
  // group, then month, then enterprise.
  const [first, months] = monthSpan(c);
  let order = Array.from({ length: c.length }, (_, i) => i);
  order = stats.sortByIndex(order, enterprises, (i) => c.enterprise[i]);
  order = stats.sortByIndex(order, months, (i) => c.month[i] - first);
  order = stats.sortByIndex(order, groups, (i) => c.group[i]);

  const out: Growth[] = [];
  for (let start = 0; start < order.length; ) {
    const group = c.group[order[start]];
    const month = c.month[order[start]];
    // Rust's f64 `sum()` starts from -0.0 and adds left to right.
    let sum = -0;
    let end = start;
    for (; end < order.length && c.group[order[end]] === group && c.month[order[end]] === month; end++) sum += c.value[order[end]];
    out.push({ group, month, outputValue: sum, momPct: null, yoyPct: null });
    start = end;
  }

  for (let start = 0; start < out.length; ) {
    let end = start;
    while (end < out.length && out[end].group === out[start].group) end++;
    // `yearAgo` trails `i`, pointing at the first month not more than a year before it.
    let yearAgo = start;
    for (let i = start; i < end; i++) {
      const month = out[i].month;
      const previous = i > start && out[i - 1].month === month - 1 ? out[i - 1].outputValue : null;
      // Months are never negative: below 12 there is no year before (Rust's checked_sub).
      const target = month >= 12 ? month - 12 : null;
      while (target !== null && out[yearAgo].month < target) yearAgo++;
      const lastYear = target !== null && out[yearAgo].month === target ? out[yearAgo].outputValue : null;
      const current = out[i].outputValue;
      out[i].momPct = pctChange(current, previous);
      out[i].yoyPct = pctChange(current, lastYear);
    }
    start = end;
  }
  return out;
}

/**
 * The first month of `c` and the number of months from it to the last, so that `month − first`
 * is a dense index below the count. `[0, 0]` when empty.
 */
export function monthSpan(c: Contributions): [number, number] {
  if (c.length === 0) return [0, 0];
  let first = Infinity;
  let last = -Infinity;
  for (const m of c.month) {
    if (m < first) first = m;
    if (m > last) last = m;
  }
  return [first, last - first + 1];
}
