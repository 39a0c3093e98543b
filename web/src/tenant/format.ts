// How the pages print values from tables: numbers grouped for the language with up to four
// decimals (no padding zeros), nulls as a dash, everything else as text.

/** A table cell as text. */
export function formatCell(v: unknown, locale: string): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return String(v);
    return new Intl.NumberFormat(locale, { maximumFractionDigits: Number.isInteger(v) ? 0 : 4 }).format(v);
  }
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** A duration in milliseconds as text: ms below ten seconds, else seconds, minutes past ten. */
export function formatMs(ms: number, locale: string): string {
  const n = (v: number, d: number) => new Intl.NumberFormat(locale, { maximumFractionDigits: d }).format(v);
  if (ms < 10_000) return `${n(ms, ms < 10 ? 1 : 0)} ms`;
  if (ms < 600_000) return `${n(ms / 1000, 1)} s`;
  return `${n(ms / 60_000, 1)} min`;
}
