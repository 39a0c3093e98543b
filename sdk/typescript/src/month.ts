/**
 * Calendar months as the data set writes them (`YYYY-MM`), as integers that sort and subtract:
 * `year * 12 + (month - 1)`, so the same month a year earlier is `m - 12`.
 *
 * The same functions as the Rust SDK's `kiln_sdk::month`, with the same errors.
 * @module
 */

import { InvalidData } from "./errors";

/** The value of ASCII digit `c` (a UTF-16 code unit), or -1. */
function digit(c: number): number {
  return c >= 0x30 && c <= 0x39 ? c - 0x30 : -1;
}

/** Parses `YYYY-MM`; {@link InvalidData} for anything else. */
export function parse(text: string): number {
  const invalid = () => new InvalidData(`month \`${text}\` is not YYYY-MM`);
  // Seven UTF-16 units of which six ASCII digits is seven UTF-8 bytes too, as Rust checks.
  if (text.length !== 7 || text.charCodeAt(4) !== 0x2d) throw invalid();
  const d = [0, 1, 2, 3, 5, 6].map((i) => digit(text.charCodeAt(i)));
  if (d.some((x) => x < 0)) throw invalid();
  const year = d[0] * 1000 + d[1] * 100 + d[2] * 10 + d[3];
  const month = d[4] * 10 + d[5];
  if (month < 1 || month > 12) throw invalid();
  return year * 12 + month - 1;
}

/** Formats a month from {@link parse} back as `YYYY-MM` (the year's last four digits, as Rust). */
export function format(month: number): string {
  const year = Math.floor(month / 12);
  const m = (month % 12) + 1;
  return `${String(year % 10000).padStart(4, "0")}-${String(m).padStart(2, "0")}`;
}
